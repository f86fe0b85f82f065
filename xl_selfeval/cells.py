"""Where a cell is: sheet + row + column, and the one A1 codec every module uses."""

from __future__ import annotations

import re
from typing import NamedTuple

MAX_ROW = 1_048_576
MAX_COL = 16_384  # XFD

_A1 = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_LETTERS = re.compile(r"\$?([A-Za-z]{1,3})\$?")


def column_letter(col: int) -> str:
    """1 -> 'A', 28 -> 'AB'."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """'B' (or '$B') -> 2; ValueError for anything that is not a column of a sheet."""
    match = _LETTERS.fullmatch(letters.strip())
    if match is None:
        raise ValueError(f"not a column: {letters!r}")
    col = 0
    for ch in match.group(1).upper():
        col = col * 26 + ord(ch) - 64
    if col > MAX_COL:
        raise ValueError(f"column out of range: {letters!r}")
    return col


def address(row: int, col: int) -> str:
    """(3, 2) -> 'B3'."""
    return f"{column_letter(col)}{row}"


def parse_cell(text: str) -> tuple[int, int]:
    """'$B$3' or 'b3' -> (3, 2); ValueError for anything that is not one cell of a sheet."""
    match = _A1.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a cell address: {text!r}")
    row = int(match.group(2))
    if not 1 <= row <= MAX_ROW:
        raise ValueError(f"row out of range: {text!r}")
    return row, column_index(match.group(1))


def parse_range(text: str) -> tuple[int, int, int, int]:
    """'$C$3:$H$40' (or one cell) -> (top, left, bottom, right)."""
    first, _, last = text.partition(":")
    top, left = parse_cell(first)
    bottom, right = parse_cell(last) if last else (top, left)
    return min(top, bottom), min(left, right), max(top, bottom), max(left, right)


class CellRef(NamedTuple):
    """A cell of a workbook: the sheet's name and the 1-based row and column (a NamedTuple: immutable,
    the same repr and hash as a frozen dataclass, and made several times faster, one per field read)."""

    sheet: str
    row: int
    col: int

    @property
    def address(self) -> str:
        return address(self.row, self.col)

    def __str__(self) -> str:
        return f"{self.sheet}!{self.address}"
