"""How a placed form prints: row heights that fit its text, and A4 landscape pages broken between 一级指标."""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from xl_selfeval.forms.place import Placement

BODY_POINTS = 11.0  # 宋体 11 pt, the body font of the forms
LINE_POINTS = 16.0  # one wrapped line of it, with the leading LibreOffice and Excel give CJK fonts
ROW_PADDING = 6.0
MIN_ROW = 22.0  # LibreOffice grows a row below this to fit an 11 pt CJK line
TITLE_ROW = 36.0

# A4 landscape, margins in points (0.5" left/right, 0.6" top/bottom); the page header sits in the top margin.
PAGE_WIDTH, PAGE_HEIGHT = 841.9, 595.3
MARGIN_SIDE, MARGIN_TOP = 36.0, 43.2
SAFETY = 0.95  # fonts differ a little between Excel, WPS and LibreOffice: leave room
READABLE_SCALE = 70  # the 11 pt body prints at 7.7 pt, as small as a printed form is still read


def display_width(text: str) -> int:
    """Width in half-width characters: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_points(width: float) -> float:
    """A column width (characters of the workbook's 宋体 11 default font) in points.

    LibreOffice draws 6.15 pt per character, Excel and WPS (7 px × width + 5 px) a little less: planning
    with the wider keeps the form within the page width everywhere.
    """
    return 6.2 * width


def lines_of(text: str, width_points: float) -> int:
    """Lines ``text`` takes when wrapped in a cell ``width_points`` wide (Excel wraps, never shrinks)."""
    # Half-width characters a line: less the cell's inner margins, and a tenth for wider glyphs and
    # line breaking rules (no line starts with "，").
    per_line = max(1, math.floor((width_points * 0.9 - 6) / (BODY_POINTS / 2)))
    return sum(max(1, math.ceil(display_width(part) / per_line)) for part in text.split("\n"))


def lines_height(lines: float) -> int:
    """Points of row height for ``lines`` wrapped lines of body text."""
    return max(int(MIN_ROW), math.ceil(lines * LINE_POINTS + ROW_PADDING))


def row_heights(placement: Placement, widths: tuple[float, ...]) -> dict[int, float]:
    """Height in points of every row, so no text is cut off.

    Excel and LibreOffice do not grow a row for a merged cell's text, so the height is worked out here
    from the text's display width and the merged width; rows for free text get room to write in.
    """
    spans = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in placement.merges}
    lines: dict[int, float] = defaultdict(lambda: 1.0)
    lines.update(placement.min_lines)
    for cell in placement.cells:
        if cell.value is None or (isinstance(cell.value, str) and cell.value.startswith("=")):
            continue
        if cell.row in placement.title_rows[1:]:
            continue
        height, span = spans.get((cell.row, cell.col), (1, 1))
        width = sum(column_points(w) for w in widths[cell.col - 1 : cell.col - 1 + span])
        needed = lines_of(str(cell.value), width) / height
        for row in range(cell.row, cell.row + height):
            lines[row] = max(lines[row], needed)
    heights: dict[int, float] = {row: lines_height(lines[row]) for row in range(1, placement.last_row + 1)}
    heights[placement.title_rows[1]] = TITLE_ROW
    return {row: float(h) for row, h in heights.items()}


@dataclass(frozen=True)
class PagePlan:
    scale: int  # percent
    breaks: tuple[int, ...]  # a page break after each of these rows
    pages: int


def page_plan(
    placement: Placement, heights: dict[int, float], widths: tuple[float, ...], *, one_page: bool
) -> PagePlan:
    """The largest readable scale and the fewest pages, breaking only where the form allows it.

    The form is one page when it fits at a readable scale; otherwise it is printed one page wide and
    broken only before a 一级指标 block or before the 总分 row (which stays with the signature line).
    """
    printable_width = PAGE_WIDTH - 2 * MARGIN_SIDE
    printable_height = (PAGE_HEIGHT - 2 * MARGIN_TOP) * SAFETY
    sheet_width = sum(column_points(w) for w in widths)
    width_scale = min(100, math.floor(printable_width * SAFETY / sheet_width * 100))
    rows = range(1, placement.last_row + 1)
    total = sum(heights[r] for r in rows)
    fit_scale = math.floor(printable_height / total * 100)
    if one_page or fit_scale >= READABLE_SCALE or not placement.break_before:
        return PagePlan(min(width_scale, fit_scale), (), 1)
    plans = [_paginate(placement, heights, scale) for scale in range(width_scale, READABLE_SCALE - 1, -1)]
    fewest = min((plan.pages for plan in plans), default=0)
    return next((plan for plan in plans if plan.pages == fewest), _paginate(placement, heights, width_scale))


def _paginate(placement: Placement, heights: dict[int, float], scale: int) -> PagePlan:
    room = (PAGE_HEIGHT - 2 * MARGIN_TOP) * SAFETY * 100 / scale
    repeated = heights.get(placement.repeat_row, 0.0)
    # A page may start at the indicator table, at a 一级指标 block, or at 总分 (with the signature below it).
    starts = sorted({placement.repeat_row, *placement.break_before} - {0})
    segments = _segments(starts, placement.last_row)
    breaks: list[int] = []
    used = 0.0
    for first, last in segments:
        size = sum(heights[r] for r in range(first, last + 1))
        if size + (0.0 if first == placement.repeat_row else repeated) > room:
            # A block taller than a page: cut it between its rows; the cut labels repeat on the next page.
            inner = [r for r in placement.fallback_breaks if first < r <= last]
            pieces = _segments(inner, last, first)
            for piece_first, piece_last in pieces:
                piece = sum(heights[r] for r in range(piece_first, piece_last + 1))
                if used and used + piece > room:
                    breaks.append(piece_first - 1)
                    used = repeated
                used += piece
            continue
        if used and used + size > room:
            breaks.append(first - 1)
            used = 0.0 if first == placement.repeat_row else repeated
        used += size
    return PagePlan(scale, tuple(breaks), len(breaks) + 1)


def _segments(starts: list[int], last: int, first: int = 1) -> list[tuple[int, int]]:
    return list(zip([first, *starts], [*[s - 1 for s in starts], last], strict=True))


def split_merges_at_breaks(placement: Placement, breaks: tuple[int, ...]) -> list[tuple[int, int, int, int]]:
    """The merges with a merged caption (绩效指标) cut at each page break, so each page shows its own."""
    out = []
    for r1, c1, r2, c2 in placement.merges:
        cuts = [b for b in breaks if r1 <= b < r2]
        for top, bottom in zip([r1, *(b + 1 for b in cuts)], [*cuts, r2], strict=True):
            out.append((top, c1, bottom, c2))
    return out
