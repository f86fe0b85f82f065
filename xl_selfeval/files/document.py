"""What any readable file becomes (its grids, its paragraphs, its kind) and the guarded opening of files."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from xl_selfeval.errors import UserError
from xl_selfeval.files.xlsx import (
    _CORRUPT,
    _EMPTY,
    _NOT_FILE,
    _NOT_FOUND,
    _TOO_BIG,
    _UNREADABLE,
    _ZIP_ERRORS,
    Limits,
    _Book,
    _check_sizes,
    _mb,
    _printable,
    _Refused,
)
from xl_selfeval.grid import Grid

__all__ = ["Document", "read_head", "refused_error", "zip_package"]


@dataclass
class Document:
    """One file as the core reads it: every table as a Grid, and for Word files the body text too."""

    grids: list[Grid]
    paragraphs: list[str] = field(default_factory=list)  # body paragraphs in order; [] for spreadsheets
    source_kind: str = "xlsx"  # xlsx, xls, ods, docx, or the suffix of a converted file (doc, et, wps, xlsb)
    notes: list[str] = field(default_factory=list)  # Chinese remarks on what was read differently


def refused_error(path: Path, exc: _Refused, replace: dict[str, str] | None = None) -> UserError:
    """The UserError naming ``path`` for a refusal; ``replace`` swaps a spreadsheet wording for another."""
    template = (replace or {}).get(exc.template, exc.template)
    return UserError(template.format(name=_printable(path.name or str(path)), **exc.details))


def read_head(path: Path, limits: Limits) -> tuple[int, bytes]:
    """(size, first 8 bytes) of a file that exists, is not empty and is within the size limit."""
    try:
        if not path.exists():
            raise _Refused(_NOT_FOUND)
        if not path.is_file():
            raise _Refused(_NOT_FILE)
        with path.open("rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(0)
            magic = fh.read(8)
    except OSError as exc:
        raise _Refused(_UNREADABLE) from exc
    if size == 0:
        raise _Refused(_EMPTY)
    if size > limits.max_file_bytes:
        raise _Refused(_TOO_BIG, what=f"{_mb(size)}，上限 {_mb(limits.max_file_bytes)}")
    return size, magic


@contextmanager
def zip_package(path: Path, limits: Limits) -> Iterator[_Book]:
    """A zip package (.docx, .ods) opened under the same size and ratio limits as an .xlsx."""
    size, _ = read_head(path, limits)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise _Refused(_UNREADABLE) from exc
    with fh:
        try:
            zf = zipfile.ZipFile(fh)
        except _ZIP_ERRORS as exc:
            raise _Refused(_CORRUPT) from exc
        with zf:
            _check_sizes(zf, size, limits)
            yield _Book(zf, limits)
