"""Where each form starts on a sheet (its title, or a label only it has) and the rows and columns it spans."""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from dataclasses import dataclass, replace

from xl_selfeval.forms import ALL_LAYOUTS
from xl_selfeval.forms.layout import FormLayout, IndicatorBlock
from xl_selfeval.forms.project import INDICATORS
from xl_selfeval.labels import canonical
from xl_selfeval.memo import memo_text
from xl_selfeval.read_region import SheetIndex

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
    # The tail of a form whose head is not on the sheet: its indicator rows are read, not its 总分 row,
    # whose Σ counts the 执行率 of the missing head.
    tail: bool = False


def _title_patterns() -> list[tuple[FormLayout, re.Pattern[str]]]:
    """Each layout's title (and other titles of the same form) with the year before the name
    ('2023年度项目支出绩效自评表') or after it in brackets, as 四川 prints it ('…自评表（2023年度）')."""
    out = []
    for layout in ALL_LAYOUTS:
        for title in (layout.title, *layout.other_titles):
            core = re.escape(canonical(title).replace("{Y}年度", ""))
            pattern = r"(?:(?P<year>\d{4})年度?)?" + core + r"(?:\((?P<after>\d{4})年度?\))?"
            out.append((layout, re.compile(pattern)))
    return out


_TITLES = _title_patterns()
_DISTINCTIVE_LABELS = frozenset(layout.distinctive_label for layout in ALL_LAYOUTS)


@memo_text(4096)
def _title_of(label: str) -> tuple[FormLayout, int | None] | None:
    """The layout whose title a canonical label is, and the year it names; None for any other label."""
    if label.startswith(("备注", "说明")):
        return None
    for layout, pattern in _TITLES:
        m = pattern.search(label)
        if m:
            typed = m.group("year") or m.group("after")
            return layout, int(typed) if typed else None
    return None


def find_anchors(sheet: SheetIndex) -> list[Anchor]:
    """Where each form starts on the sheet: its title, or failing that a label only that form has."""
    anchors: list[Anchor] = []
    for lab in sheet.labels:
        if len(lab.raw) > MAX_TITLE_LENGTH:
            continue
        title = _title_of(lab.label)
        if title is not None:
            anchors.append(Anchor(lab.row, lab.col, title[0], lab.raw.strip(), title[1]))
    titled: dict[int, list[int]] = {}  # rows of the titles found, by layout
    for a in anchors:
        titled.setdefault(id(a.layout), []).append(a.row)
    distinctive = [lab for lab in sheet.labels if lab.label in _DISTINCTIVE_LABELS]  # few: one pass
    for layout in ALL_LAYOUTS:
        rows = sorted(titled.get(id(layout), []))
        for lab in distinctive:
            if lab.label == layout.distinctive_label:
                # covered when a start of this layout sits at most _DISTINCTIVE_ROWS above it
                i = bisect_right(rows, lab.row)
                if not (i and lab.row - rows[i - 1] <= _DISTINCTIVE_ROWS):
                    anchors.append(Anchor(lab.row, lab.col, layout, None, None))
                    insort(rows, lab.row)
    anchors.sort(key=lambda a: (a.row, a.col))
    anchors = [_with_year_nearby(sheet, a, anchors[i - 1].row if i else 0) for i, a in enumerate(anchors)]
    tail = _tail_anchor(sheet, anchors)
    return ([tail] if tail else []) + anchors


# A line under the title that only gives the year: （2022年度）, (2022 年度), 2019年度) (canonical: no spaces,
# ASCII brackets).
_YEAR_LINE = re.compile(r"\(?(?P<year>(?:19|20)\d{2})年度?\)?")
# A title that starts with its year or brackets it, whatever it names between: 2020年忠烈祠免费开放经费…自评表,
# 市级文物保护专项经费绩效自评表(2022年度).
_YEAR_IN_TITLE = re.compile(r"(?:^|\()(?P<year>(?:19|20)\d{2})年")
_TITLE_WORDS = ("自评表", "评价表")
_TITLE_ROWS_BELOW = 2  # a year line this close under the title (or the start) belongs to the form


def _with_year_nearby(sheet: SheetIndex, anchor: Anchor, previous_row: int) -> Anchor:
    """An anchor whose title names no year the layout's pattern reads, with the year its title gives
    otherwise or a line under it gives (稷山: 稷山县项目支出绩效自评表, then （2021年度）); a form found by a
    label only it has takes the year from its own title above it (黄冈: 2020年度水土保持监测项目绩效自评表)."""
    if anchor.year is not None or anchor.tail:
        return anchor
    top = anchor.row if anchor.title is not None else max(previous_row + 1, anchor.row - _DISTINCTIVE_ROWS)
    for lab in sheet.rows(top, anchor.row + _TITLE_ROWS_BELOW):
        found = _YEAR_LINE.fullmatch(lab.label)
        if found is None and any(w in lab.label for w in _TITLE_WORDS):
            found = _YEAR_IN_TITLE.search(lab.label)
        if found is not None:
            return replace(anchor, year=int(found.group("year")))
    return anchor


def _tail_anchor(sheet: SheetIndex, anchors: list[Anchor]) -> Anchor | None:
    """The tail of a form whose start is not on the sheet (大英: a page of forms cut at a sheet's top):
    an indicator header above every form start, read as a form of the layout whose headers it has."""
    first = anchors[0].row if anchors else sheet.max_row + 1
    for lab in sheet.rows(1, first - 1):
        if lab.label != _LEVEL1_HEADER:
            continue
        row = {x.label for x in sheet.rows(lab.row, lab.row)}
        best = max(_INDICATOR_HEADERS, key=lambda item: len(item[1] & row) - len(item[1] - row))
        # most of the block's headers on that row: a header row, not a stray word
        if len(best[1] & row) * 2 > len(best[1]):
            return Anchor(lab.row, lab.col, best[0], None, None, tail=True)
    return None


def _indicator_headers() -> list[tuple[FormLayout, frozenset[str]]]:
    """Each layout with an indicator block, and the canonical headers of that block."""
    out = []
    for layout in ALL_LAYOUTS:
        for section in layout.sections:
            if isinstance(section, IndicatorBlock):
                out.append((layout, frozenset(canonical(c.header) for c in section.columns)))
    return out


_INDICATOR_HEADERS = _indicator_headers()
_LEVEL1_HEADER = canonical(INDICATORS.header_of("level1"))


def form_bounds(anchor: Anchor, anchors: list[Anchor], sheet: SheetIndex) -> tuple[int, int, int, int]:
    """Rows and columns of one form: down to the next form below it, across to the next one beside it."""
    if anchor.tail:  # a tail ends where the first form whose head is on the sheet starts, however close
        later = [a.row for a in anchors if a.row > anchor.row]
        return anchor.row, (min(later) - 1 if later else sheet.max_row), 1, max(sheet.max_col, 1)
    anchors = [a for a in anchors if not a.tail]  # a tail sits above every form, never beside one
    band = sorted((a for a in anchors if abs(a.row - anchor.row) <= SAME_BAND_ROWS), key=lambda a: a.col)
    beside = [a for a in band if a.col > anchor.col]
    left = 1 if band[0] is anchor else anchor.col
    right = min(a.col for a in beside) - 1 if beside else max(sheet.max_col, 1)
    below = [a.row for a in anchors if a.row > anchor.row + SAME_BAND_ROWS and left <= a.col <= right]
    below += [
        a.row for a in anchors if anchor.row < a.row <= anchor.row + SAME_BAND_ROWS and a.col == anchor.col
    ]
    bottom = min(below) - 1 if below else sheet.max_row
    return anchor.row, bottom, left, right
