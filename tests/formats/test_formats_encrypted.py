"""A workbook or Word report saved with an opening password is refused with one Chinese sentence and exit 2.

The encrypted files are real: msoffcrypto-tool encrypts the seed's workbook and the seed's Word report
the way Office does when a password is set (ECMA-376 agile encryption: an OLE compound file holding
EncryptionInfo and EncryptedPackage), and decrypting them gives the original bytes back. Nothing is read
from them and nothing is written beside them.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import olefile
import pytest
from conftest import EXAMPLE
from msoffcrypto.format.ooxml import OOXMLFile

from xl_selfeval.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PASSWORD = "自评-2024"


def encrypt(source: Path, target: Path) -> Path:
    with source.open("rb") as plain, target.open("wb") as out:
        OOXMLFile(plain).encrypt(PASSWORD, out)
    return target


def decrypt(path: Path) -> bytes:
    with path.open("rb") as fh:
        office = OOXMLFile(fh)
        office.load_key(password=PASSWORD)
        out = io.BytesIO()
        office.decrypt(out)
    return out.getvalue()


def run(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue() + err.getvalue()


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("encrypted")
    sources = {"xlsx": EXAMPLE, "docx": FIXTURES / "seed.docx"}
    files = {
        "xlsx": encrypt(sources["xlsx"], folder / "加密的自评表.xlsx"),
        "docx": encrypt(sources["docx"], folder / "加密的报告.docx"),
    }
    for kind, path in files.items():
        # The fixture itself: an OLE compound file with the encrypted package that opens with the password.
        assert olefile.isOleFile(str(path))
        with olefile.OleFileIO(str(path)) as ole:
            assert {"EncryptionInfo", "EncryptedPackage"} <= {"/".join(e) for e in ole.listdir()}
        assert decrypt(path) == sources[kind].read_bytes()
    return files


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_check_refuses_an_encrypted_file_in_chinese(encrypted: dict[str, Path], kind: str, fmt: str) -> None:
    path = encrypted[kind]
    before = sorted(p.name for p in path.parent.iterdir())
    content = path.read_bytes()
    code, said = run(["check", str(path), "--format", fmt])
    assert code == 2, (code, said)
    assert "已加密" in said and "取消密码" in said, said
    assert path.name in said, said  # the message names the file
    assert "Traceback" not in said
    assert len([line for line in said.splitlines() if line.strip()]) == 1, said  # one sentence, no dump
    assert sorted(p.name for p in path.parent.iterdir()) == before  # nothing written beside it
    assert path.read_bytes() == content  # nothing changed in it


def test_recalc_refuses_an_encrypted_workbook_and_writes_nothing(encrypted: dict[str, Path]) -> None:
    path = encrypted["xlsx"]
    before = sorted(p.name for p in path.parent.iterdir())
    code, said = run(["recalc", str(path)])
    assert code == 2, (code, said)
    assert "已加密" in said and "Traceback" not in said, said
    assert sorted(p.name for p in path.parent.iterdir()) == before


def test_the_decrypted_workbook_is_checked(encrypted: dict[str, Path], tmp_path: Path) -> None:
    """The control: the same bytes without the password are read, so exit 2 above is the password's doing."""
    plain = tmp_path / "已取消密码.xlsx"
    plain.write_bytes(decrypt(encrypted["xlsx"]))
    code, said = run(["check", str(plain)])
    assert code in (0, 1), (code, said)
    assert "已加密" not in said
