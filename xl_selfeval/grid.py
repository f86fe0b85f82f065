"""The small interface the core reads a sheet through, and its in-memory implementation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from xl_selfeval.cells import parse_cell, parse_range


class CellData(NamedTuple):
    """One cell as stored: its value (a formula's cached result, if any), formula text and number format.

    A NamedTuple (immutable, the same repr and hash as a frozen dataclass) because a reader makes one per
    filled cell and a tuple is made several times faster."""

    value: object = None  # str | int | float | bool | datetime | None
    formula: str | None = None  # without the leading "="; None for a constant
    number_format: str = "General"

    @property
    def is_formula(self) -> bool:
        return self.formula is not None


EMPTY = CellData()


@dataclass
class Grid:
    """A sheet's cells by (row, column), 1-based, plus its merged ranges (r1, c1, r2, c2)."""

    name: str
    cells: dict[tuple[int, int], CellData] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    @classmethod
    def from_rows(
        cls, name: str, rows: Sequence[Sequence[object]], merged: Sequence[str] = (), top_left: str = "A1"
    ) -> Grid:
        """A sheet typed in memory, row by row: a value, or a CellData for a formula or a number format.

        Tests build forms this way instead of writing a file and reading it back; ``merged`` takes A1
        ranges ("A1:I1"), as a person would merge them.
        """
        row0, col0 = parse_cell(top_left)
        grid = cls(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                cell = value if isinstance(value, CellData) else CellData(value)
                grid.cells[(row0 + r, col0 + c)] = cell
        grid.merged = [parse_range(text) for text in merged]
        return grid

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_col(self) -> int:
        return max((c for _, c in self.cells), default=0)

    def cell(self, row: int, col: int) -> CellData:
        return self.cells.get((row, col), EMPTY)

    def set(
        self, row: int, col: int, value: object, formula: str | None = None, number_format: str = "General"
    ) -> None:
        self.cells[(row, col)] = CellData(value, formula, number_format)

    def text(self, row: int, col: int) -> str:
        value = self.cell(row, col).value
        return "" if value is None else str(value).strip()

    def merge_of(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        """The merged range covering (row, col), if any."""
        return self._merge_index()[0].get((row, col))

    def top_left(self, row: int, col: int) -> tuple[int, int]:
        pos = (row, col)
        return self._merge_index()[1].get(pos, pos)

    def top_lefts(self) -> dict[tuple[int, int], tuple[int, int]]:
        """(row, col) of every merged cell -> its merge's top left; a reader taking many cells looks them
        up here directly (a cell not in it is its own top left)."""
        return self._merge_index()[1]

    def _merge_index(
        self,
    ) -> tuple[dict[tuple[int, int], tuple[int, int, int, int]], dict[tuple[int, int], tuple[int, int]]]:
        # The readers ask for every cell they take: built once, again only if merges were added since.
        cached = self.__dict__.get("_index")
        if cached is None or cached[0] != len(self.merged):
            index: dict[tuple[int, int], tuple[int, int, int, int]] = {}
            tops: dict[tuple[int, int], tuple[int, int]] = {}
            for m in self.merged:
                r1, c1, r2, c2 = m
                top = (r1, c1)
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        index[(r, c)] = m
                        tops[(r, c)] = top
            cached = (len(self.merged), index, tops)
            self._index = cached
        return cached[1], cached[2]
