"""The cells of one form's area on a sheet, indexed by canonical label, and the merges that shape them."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import NamedTuple

from xl_selfeval.forms.layout import year_pattern
from xl_selfeval.grid import Grid
from xl_selfeval.labels import canonical
from xl_selfeval.memo import memo_text
from xl_selfeval.values import Value, split_label_amount


class Hit(NamedTuple):
    """Where a label was found; `inline` is the amount typed in the label's own cell ("其中:基本支出:900.47").
    A NamedTuple (immutable, hashed as a frozen dataclass would be): every text cell of a form makes one."""

    row: int
    col: int
    inline: Value | None = None


class Label(NamedTuple):
    """A text cell of a sheet, read once: where it is, what it says as typed and as a canonical label."""

    row: int
    col: int
    raw: str
    label: str
    split: tuple[str, Value] | None  # "其中:基本支出:900.47" → (canonical label, amount)


@memo_text(8192)
def _label_of(text: str) -> tuple[str, tuple[str, Value] | None]:
    """A text cell's canonical label, and its label and amount when typed together."""
    split = split_label_amount(text)
    return canonical(text), (canonical(split[0]), split[1]) if split is not None else None


class SheetIndex:
    """Every text cell of one sheet, sorted once and put in canonical form once; forms on the sheet
    take their rows from it by bisection, so reading stays linear in cells however many forms a sheet holds."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.labels: list[Label] = []
        cells = sorted(grid.cells.items())
        self.max_row = cells[-1][0][0] if cells else 0
        self.max_col = max((c for (_, c), _ in cells), default=0)
        self.first_col: dict[int, int] = {}
        first_col = self.first_col
        for (r, c), cell in cells:
            if r not in first_col:
                first_col[r] = c
            value = cell.value
            if isinstance(value, str) and value.strip():
                self.labels.append(Label(r, c, value, *_label_of(value)))
        self._rows = [lab.row for lab in self.labels]

    def rows(self, top: int, bottom: int) -> list[Label]:
        """The text cells of rows top..bottom, in row then column order."""
        return self.labels[bisect_left(self._rows, top) : bisect_right(self._rows, bottom)]


class Region:
    """The rows of one form on a sheet, indexed by canonical label."""

    def __init__(
        self, sheet: SheetIndex, top: int, bottom: int, left: int = 1, right: int | None = None
    ) -> None:
        self.grid = sheet.grid
        self.top, self.bottom = top, bottom
        self.left, self.right = left, right if right is not None else max(sheet.max_col, 1)
        self.index: dict[str, list[Hit]] = defaultdict(list)
        self.texts: list[tuple[int, int, str]] = []
        index, texts, last = self.index, self.texts, self.right
        for r, c, _, label, split in sheet.rows(top, bottom):
            if left <= c <= last:
                index[label].append(Hit(r, c))
                texts.append((r, c, label))
                if split is not None:
                    index[split[0]].append(Hit(r, c, split[1]))
        # The texts a label with a bracketed note can be (find_all's fallback scans only these).
        self._bracketed = [t for t in self.texts if "(" in t[2]]

    def find(
        self, label: str, *, after: int = 0, before: int | None = None, row: int | None = None
    ) -> Hit | None:
        hits = self.find_all(label, after=after, before=before, row=row)
        return hits[0] if hits else None

    def find_all(
        self, label: str, *, after: int = 0, before: int | None = None, row: int | None = None
    ) -> list[Hit]:
        key = canonical(label)
        bottom = self.bottom if before is None else before
        if "{Y" in key:
            pattern = re.compile(year_pattern(key) + r"(?:\(.*\))?$")
            hits = [Hit(r, c) for r, c, text in self.texts if pattern.match(text)]
            return [h for h in hits if after < h.row <= bottom and (row is None or h.row == row)]
        found = [
            h for h in self.index.get(key, ()) if after < h.row <= bottom and (row is None or h.row == row)
        ]
        if found:
            return found
        # Other provinces' forms add a note in brackets: 年度指标值（A）, 实际完成值（B）, 得分（分）.
        opening = key + "("
        return [
            Hit(r, c)
            for r, c, text in self._bracketed
            if text.startswith(opening) and after < r <= bottom and (row is None or r == row)
        ]

    def span(self, row: int, col: int) -> tuple[int, int]:
        merge = self.grid.merge_of(row, col)
        return (merge[1], merge[3]) if merge else (col, col)

    def height(self, row: int, col: int) -> int:
        merge = self.grid.merge_of(row, col)
        return merge[2] - merge[0] + 1 if merge else 1
