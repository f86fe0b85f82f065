"""Damaged copies of the real fixtures: every reader gives a Document or one UserError, never anything else."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_selfeval.errors import UserError
from xl_selfeval.files.document import Document
from xl_selfeval.files.open import read_document

FIXTURES = Path(__file__).parent / "fixtures"
_SEED = {name: (FIXTURES / name).read_bytes() for name in ("seed.xls", "seed.ods", "seed.docx")}
_MAIN_PART = {"seed.ods": "content.xml", "seed.docx": "word/document.xml"}

edits = st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8)


def _flip(data: bytes, changes: list[tuple[int, int]]) -> bytes:
    buf = bytearray(data)
    for at, byte in changes:
        buf[at % len(buf)] = byte
    return bytes(buf)


def _repack(name: str, changes: list[tuple[int, int]], cut: int) -> bytes:
    """The package with its main XML part damaged (bytes changed, then cut short)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_SEED[name])) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == _MAIN_PART[name]:
                data = _flip(data, changes)
                data = data[: max(1, len(data) - cut)]
            dst.writestr(info, data)
    return out.getvalue()


def _outcome(path: Path) -> Document | str:
    try:
        return read_document(path)
    except UserError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(f"“{path.name}”")
        return str(exc)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=edits, cut=st.integers(min_value=0, max_value=400), name=st.sampled_from(sorted(_MAIN_PART)))
def test_damaged_xml_parts(tmp_path: Path, changes: list[tuple[int, int]], cut: int, name: str) -> None:
    path = tmp_path / f"坏{name}"
    path.write_bytes(_repack(name, changes, cut))
    _outcome(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=edits, cut=st.integers(min_value=0, max_value=20_000))
def test_damaged_xls(tmp_path: Path, changes: list[tuple[int, int]], cut: int) -> None:
    data = _flip(_SEED["seed.xls"], changes)
    path = tmp_path / "坏.xls"
    path.write_bytes(data[: max(9, len(data) - cut)])
    _outcome(path)
