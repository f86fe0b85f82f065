"""A table's header row and the columns under its headers, telling '{Y}年决算数' from '{Y-1}年决算数' by year."""

from __future__ import annotations

import re
from collections import defaultdict

from xl_selfeval.cells import CellRef
from xl_selfeval.forms.layout import Column, with_year, year_pattern
from xl_selfeval.labels import canonical
from xl_selfeval.read_cells import FormReading
from xl_selfeval.read_region import Hit


def header_row(reading: FormReading, captions: list[str], headers: list[str]) -> int | None:
    """The row holding a table's caption or most of its column headers."""
    region = reading.region
    for caption in captions:
        hit = region.find(caption, after=reading.cursor - 1)
        if hit:
            return hit.row
    counts: dict[int, int] = defaultdict(int)
    for header in headers:
        for hit in region.find_all(header, after=reading.cursor - 1):
            counts[hit.row] += 1
    best = [r for r, n in counts.items() if n >= max(2, len(headers) // 2)]
    return min(best) if best else None


def column_spans(reading: FormReading, row: int, columns: tuple[Column, ...]) -> dict[str, tuple[int, int]]:
    """The columns each header spans, by column key; headers not found are left out."""
    spans: dict[str, tuple[int, int]] = {}
    for column in columns:
        # Headers may sit one row lower when the caption spans two rows.
        hit = _header_hit(reading, column.header, row) or _header_hit(reading, column.header, row + 1)
        if hit is not None:
            spans[column.key] = reading.region.span(hit.row, hit.col)
    return spans


def _header_hit(reading: FormReading, header: str, row: int) -> Hit | None:
    """A column header on ``row``; '{Y}年决算数' and '{Y-1}年决算数' are told apart by their year."""
    grid, form = reading.grid, reading.form
    hits = reading.region.find_all(header, row=row)
    if "{Y" not in header or not hits:
        return hits[0] if hits else None
    offset = 1 if "{Y-1}" in header else 0
    years = {h: _year_of(grid.text(h.row, h.col), header) for h in hits}
    if form.year is not None:
        exact = [h for h in hits if years[h] == form.year]
        if exact:
            return exact[0]
    known = {h: y for h, y in years.items() if y is not None}
    if not known:
        return hits[0]
    pick = min(known, key=known.__getitem__) if offset else max(known, key=known.__getitem__)
    found = known[pick]
    if form.year is None and found is not None:
        form.year = found
    elif found is not None and found != form.year:
        typed = grid.text(pick.row, pick.col).replace("\n", "")
        expected = with_year(header, form.year).replace("\n", "")
        form.year_mismatches.append((CellRef(grid.name, pick.row, pick.col), typed, expected))
    return pick


def _year_of(text: str, template: str) -> int | None:
    match = re.match(year_pattern(canonical(template)) + "$", canonical(text))
    if match and match.groupdict().get("year"):
        return int(match.group("year"))
    if match and match.groupdict().get("prev"):
        return int(match.group("prev")) + 1
    return None
