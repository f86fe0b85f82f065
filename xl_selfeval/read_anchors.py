"""Where each form starts on a sheet (its title, or a label only it has) and the rows and columns it spans."""

from __future__ import annotations

import re
from dataclasses import dataclass

from xl_selfeval.forms import ALL_LAYOUTS
from xl_selfeval.forms.layout import FormLayout
from xl_selfeval.grid import Grid
from xl_selfeval.labels import canonical

MAX_TITLE_LENGTH = 80
SAME_BAND_ROWS = 5  # forms whose titles are this close in rows sit side by side
_DISTINCTIVE_ROWS = 6  # a distinctive label this close under a found title belongs to that form


@dataclass(frozen=True)
class Anchor:
    row: int
    col: int
    layout: FormLayout
    title: str | None
    year: int | None


def _title_patterns() -> list[tuple[FormLayout, re.Pattern[str]]]:
    out = []
    for layout in ALL_LAYOUTS:
        core = canonical(layout.title).replace("{Y}年度", "")
        out.append((layout, re.compile(r"(?:(?P<year>\d{4})年度?)?" + re.escape(core))))
    return out


_TITLES = _title_patterns()


def find_anchors(grid: Grid) -> list[Anchor]:
    """Where each form starts on the sheet: its title, or failing that a label only that form has."""
    anchors: list[Anchor] = []
    for (r, c), cell in sorted(grid.cells.items()):
        if not isinstance(cell.value, str) or len(cell.value) > MAX_TITLE_LENGTH:
            continue
        text = canonical(cell.value)
        for layout, pattern in _TITLES:
            m = pattern.search(text)
            if m and not text.startswith(("备注", "说明")):
                year = int(m.group("year")) if m.group("year") else None
                anchors.append(Anchor(r, c, layout, str(cell.value).strip(), year))
                break
    for layout in ALL_LAYOUTS:
        for (r, c), cell in sorted(grid.cells.items()):
            if isinstance(cell.value, str) and canonical(cell.value) == layout.distinctive_label:
                covered = any(a.layout is layout and 0 <= r - a.row <= _DISTINCTIVE_ROWS for a in anchors)
                if not covered:
                    anchors.append(Anchor(r, c, layout, None, None))
    anchors.sort(key=lambda a: (a.row, a.col))
    return anchors


def form_bounds(anchor: Anchor, anchors: list[Anchor], grid: Grid) -> tuple[int, int, int, int]:
    """Rows and columns of one form: down to the next form below it, across to the next one beside it."""
    band = sorted((a for a in anchors if abs(a.row - anchor.row) <= SAME_BAND_ROWS), key=lambda a: a.col)
    beside = [a for a in band if a.col > anchor.col]
    left = 1 if band[0] is anchor else anchor.col
    right = min(a.col for a in beside) - 1 if beside else max(grid.max_col, 1)
    below = [a.row for a in anchors if a.row > anchor.row + SAME_BAND_ROWS and left <= a.col <= right]
    below += [
        a.row for a in anchors if anchor.row < a.row <= anchor.row + SAME_BAND_ROWS and a.col == anchor.col
    ]
    bottom = min(below) - 1 if below else grid.max_row
    return anchor.row, bottom, left, right
