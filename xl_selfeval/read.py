"""Finds the official forms in any grid by their labels and reads every field into a Form model."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xl_selfeval.cells import CellRef
from xl_selfeval.forms import ALL_LAYOUTS
from xl_selfeval.forms.layout import (
    Column,
    EntryRow,
    FormLayout,
    IndicatorBlock,
    PairedList,
    Table,
    TextBlock,
    TotalRow,
    with_year,
    year_pattern,
)
from xl_selfeval.grid import EMPTY, Grid
from xl_selfeval.labels import canonical
from xl_selfeval.marks import is_our_sheet
from xl_selfeval.model import BlockRow, Field, Form
from xl_selfeval.values import Value, parse_value, split_label_amount

MAX_TITLE_LENGTH = 80

# A form without its title is still recognised by a label only it has.
DISTINCTIVE_LABELS = {
    "basic_data": "财政供养人员情况",
    "department": "预算部门名称",
    "project": "项目支出名称",
}


# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    row: int
    col: int
    inline: Value | None = None  # amount typed in the label's own cell


class _Region:
    """The rows of one form on a sheet, indexed by canonical label."""

    def __init__(self, grid: Grid, top: int, bottom: int, left: int = 1, right: int | None = None) -> None:
        self.grid = grid
        self.top, self.bottom = top, bottom
        self.left, self.right = left, right if right is not None else max(grid.max_col, 1)
        self.index: dict[str, list[_Hit]] = defaultdict(list)
        self.texts: list[tuple[int, int, str]] = []
        for (r, c), cell in sorted(grid.cells.items()):
            if (
                top <= r <= bottom
                and left <= c <= self.right
                and isinstance(cell.value, str)
                and cell.value.strip()
            ):
                label = canonical(cell.value)
                self.index[label].append(_Hit(r, c))
                self.texts.append((r, c, label))
                split = split_label_amount(cell.value)
                if split is not None:
                    self.index[canonical(split[0])].append(_Hit(r, c, split[1]))

    def find(
        self, label: str, *, after: int = 0, before: int | None = None, row: int | None = None
    ) -> _Hit | None:
        hits = self.find_all(label, after=after, before=before, row=row)
        return hits[0] if hits else None

    def find_all(
        self, label: str, *, after: int = 0, before: int | None = None, row: int | None = None
    ) -> list[_Hit]:
        key = canonical(label)
        if "{Y" in key:
            pattern = re.compile(year_pattern(key) + r"(?:\(.*\))?$")
            hits = [_Hit(r, c) for r, c, text in self.texts if pattern.match(text)]
        else:
            hits = self.index.get(key, [])
        bottom = self.bottom if before is None else before

        def within(found: list[_Hit]) -> list[_Hit]:
            return [h for h in found if after < h.row <= bottom and (row is None or h.row == row)]

        if not within(hits) and "{Y" not in key:
            # Other provinces' forms add a note in brackets: 年度指标值（A）, 实际完成值（B）, 得分（分）.
            hits = [_Hit(r, c) for r, c, text in self.texts if text.startswith(key + "(")]
        return within(hits)

    def span(self, row: int, col: int) -> tuple[int, int]:
        merge = self.grid.merge_of(row, col)
        return (merge[1], merge[3]) if merge else (col, col)

    def height(self, row: int, col: int) -> int:
        merge = self.grid.merge_of(row, col)
        return merge[2] - merge[0] + 1 if merge else 1


class _Reader:
    def __init__(self, grid: Grid, layout: FormLayout, bounds: tuple[int, int, int, int], anchor: _Anchor):
        top, bottom, left, right = bounds
        title, year = anchor.title, anchor.year
        self.grid = grid
        self.layout = layout
        self.region = _Region(grid, top, bottom, left, right)
        self.form = Form(
            layout, grid.name, title, year, CellRef(grid.name, top, self._title_col(top)) if title else None
        )
        self.cursor = top  # sections are read top to bottom

    def _title_col(self, row: int) -> int:
        return min((c for (r, c) in self.grid.cells if r == row), default=1)

    # -- cells -----------------------------------------------------------
    def field_at(self, key: str, row: int, col: int, inline: Value | None = None) -> Field:
        r, c = self.grid.top_left(row, col)
        cell = self.grid.cell(r, c)
        value = inline if inline is not None else parse_value(cell.value, cell.number_format)
        f = Field(
            key, CellRef(self.grid.name, r, c), cell if inline is None else EMPTY, value, inline is not None
        )
        self.form.fields[key] = f
        return f

    def value_in_span(self, row: int, c1: int, c2: int) -> int:
        """Column of the first non-empty cell of the row within [c1, c2]; c1 when all are empty."""
        for c in range(c1, c2 + 1):
            r, cc = self.grid.top_left(row, c)
            cell = self.grid.cell(r, cc)
            if cell.value not in (None, "") or cell.is_formula:
                return cc
        return c1

    def value_right_of(self, hit: _Hit, stop: int | None = None) -> int:
        _, c2 = self.region.span(hit.row, hit.col)
        last = stop - 1 if stop else max(self.region.right, c2 + 1)
        for c in range(c2 + 1, last + 1):
            r, cc = self.grid.top_left(hit.row, c)
            if r != hit.row:
                continue
            cell = self.grid.cell(r, cc)
            if cell.value not in (None, "") or cell.is_formula:
                return cc
        return c2 + 1

    # -- sections --------------------------------------------------------
    def read(self) -> Form:
        handlers: dict[type, Callable[[Any], None]] = {
            EntryRow: self.entry_row,
            Table: self.table,
            PairedList: self.paired_list,
            TextBlock: self.text_block,
            IndicatorBlock: self.indicators,
            TotalRow: self.total_row,
        }
        for section in self.layout.sections:
            handler = handlers.get(type(section))  # notes carry nothing to read
            if handler is not None:
                handler(section)
        return self.form

    def entry_row(self, section: EntryRow) -> None:
        hits = [self.region.find(e.label, after=self.cursor - 1) for e in section.entries]
        for i, (entry, hit) in enumerate(zip(section.entries, hits, strict=True)):
            if hit is None:
                continue
            if hit.inline is not None:
                self.field_at(entry.key, hit.row, hit.col, hit.inline)
                continue
            nxt = hits[i + 1] if i + 1 < len(hits) else None
            stop = nxt.col if nxt is not None and nxt.row == hit.row else None
            self.field_at(entry.key, hit.row, self.value_right_of(hit, stop))

    def _header_row(self, captions: list[str], headers: list[str]) -> int | None:
        """The row holding a table's caption or most of its column headers."""
        for caption in captions:
            hit = self.region.find(caption, after=self.cursor - 1)
            if hit:
                return hit.row
        counts: dict[int, int] = defaultdict(int)
        for header in headers:
            for hit in self.region.find_all(header, after=self.cursor - 1):
                counts[hit.row] += 1
        best = [r for r, n in counts.items() if n >= max(2, len(headers) // 2)]
        return min(best) if best else None

    def _columns(self, header_row: int, columns: tuple[Column, ...]) -> dict[str, tuple[int, int]]:
        spans: dict[str, tuple[int, int]] = {}
        for column in columns:
            # Headers may sit one row lower when the caption spans two rows.
            hit = self._header_hit(column.header, header_row) or self._header_hit(
                column.header, header_row + 1
            )
            if hit is not None:
                spans[column.key] = self.region.span(hit.row, hit.col)
        return spans

    def _header_hit(self, header: str, row: int) -> _Hit | None:
        """A column header on ``row``; '{Y}年决算数' and '{Y-1}年决算数' are told apart by their year."""
        hits = self.region.find_all(header, row=row)
        if "{Y" not in header or not hits:
            return hits[0] if hits else None
        offset = 1 if "{Y-1}" in header else 0
        years = {h: _year_of(self.grid.text(h.row, h.col), header) for h in hits}
        if self.form.year is not None:
            exact = [h for h in hits if years[h] == self.form.year]
            if exact:
                return exact[0]
        known = {h: y for h, y in years.items() if y is not None}
        if not known:
            return hits[0]
        pick = min(known, key=known.__getitem__) if offset else max(known, key=known.__getitem__)
        found = known[pick]
        if self.form.year is None and found is not None:
            self.form.year = found
        elif found is not None and found != self.form.year:
            typed = self.grid.text(pick.row, pick.col).replace("\n", "")
            expected = with_year(header, self.form.year).replace("\n", "")
            self.form.year_mismatches.append((CellRef(self.grid.name, pick.row, pick.col), typed, expected))
        return pick

    def table(self, table: Table) -> None:
        header_row = self._header_row(
            [table.caption] + ([table.label_header] if table.label_header else []),
            [c.header for c in table.columns],
        )
        if header_row is None:
            return
        spans = self._columns(header_row, table.columns)
        caption_hit = self.region.find(table.caption, row=header_row)
        header_height = max([self.region.height(header_row, c1) for c1, _ in spans.values()] or [1])
        last_row = header_row
        line_rows: dict[str, int] = {}
        label_cols: dict[str, int] = {}
        for line in table.lines:
            if line.label:
                hit = self.region.find(line.label, after=header_row)
                if hit is None:
                    continue
                row, inline = hit.row, hit.inline
                label_cols[line.key] = hit.col
            else:
                row, inline = self._row_below(header_row + header_height - 1, spans, caption_hit), None
            line_rows[line.key] = row
            last_row = max(last_row, row)
            for column in table.columns:
                if column.key in line.unused or column.key not in spans:
                    continue
                key = table.field_key(line.key, column.key)
                if inline is not None and column is table.columns[0]:
                    self.field_at(key, row, spans[column.key][0], inline)
                    continue
                self.field_at(key, row, self.value_in_span(row, *spans[column.key]))
        if table.items is not None:
            self._items(table, spans, line_rows, label_cols)
        self.cursor = last_row + 1

    def _row_below(self, header_row: int, spans: dict[str, tuple[int, int]], caption: _Hit | None) -> int:
        for row in range(header_row + 1, min(header_row + 4, self.region.bottom) + 1):
            if any(
                self.grid.cell(*self.grid.top_left(row, c)).value not in (None, "")
                or self.grid.cell(row, c).is_formula
                for c1, c2 in spans.values()
                for c in range(c1, c2 + 1)
            ):
                return row
        return header_row + 1

    def _items(
        self,
        table: Table,
        spans: dict[str, tuple[int, int]],
        line_rows: dict[str, int],
        label_cols: dict[str, int],
    ) -> None:
        """The unit's own item rows, between the line they follow and the next line of the table."""
        assert table.items is not None
        start = line_rows.get(table.items.after)
        if start is None:
            return
        later = [r for r in line_rows.values() if r > start]
        end = min(later) if later else start + 1
        label_col = label_cols[table.items.after]  # item names sit under the line labels
        rows = []
        for row in range(start + 1, end):
            cells: dict[str, Field] = {}
            label = self.grid.text(row, label_col)
            for column in table.columns:
                if column.key in spans:
                    col = self.value_in_span(row, *spans[column.key])
                    cells[column.key] = self._block_field(f"{table.items.key}.{row}.{column.key}", row, col)
            cells["label"] = self._block_field(f"{table.items.key}.{row}.label", row, label_col)
            if label or any(not f.is_blank for f in cells.values()):
                rows.append(BlockRow(row, cells))
        self.form.blocks[table.items.key] = rows

    def _block_field(self, key: str, row: int, col: int) -> Field:
        f = self.field_at(key, row, col)
        del self.form.fields[key]  # block cells live in their block, not among the form's fields
        return f

    def paired_list(self, plist: PairedList) -> None:
        header = self.region.find(plist.left_header, after=self.cursor - 1) or self.region.find(
            plist.right_header, after=self.cursor - 1
        )
        after = (header.row - 1) if header else self.cursor - 1
        labels = [item for item in plist.left] + [item for item in plist.right if item]
        hits = {key: self.region.find(label, after=after) for label, key in labels}
        found_rows = [h.row for h in hits.values() if h]
        for key, hit in hits.items():
            if hit is None:
                continue
            full = f"{plist.key}.{key}"
            if hit.inline is not None:
                self.field_at(full, hit.row, hit.col, hit.inline)
                continue
            stops = [h.col for h in hits.values() if h and h.row == hit.row and h.col > hit.col]
            self.field_at(full, hit.row, self.value_right_of(hit, min(stops) if stops else None))
        if found_rows:
            self.cursor = max(found_rows) + 1

    def text_block(self, block: TextBlock) -> None:
        hits = {c.key: self.region.find(c.header, after=self.cursor - 1) for c in block.columns}
        for column in block.columns:
            hit = hits[column.key]
            if hit is None:
                continue
            c1, c2 = self.region.span(hit.row, hit.col)
            row = hit.row + self.region.height(hit.row, hit.col)
            self.field_at(f"{block.key}.{column.key}", row, self.value_in_span(row, c1, c2))
            self.cursor = max(self.cursor, row + 1)

    def indicators(self, block: IndicatorBlock) -> None:
        header_row = self._header_row([], [c.header for c in block.columns])
        if header_row is None:
            self.form.cut_short = True
            return
        spans = self._columns(header_row, block.columns)
        total = self.region.find("总分", after=header_row)
        end = total.row if total else self.region.bottom + 1
        first_data = header_row + max(self.region.height(header_row, c1) for c1, _ in spans.values())
        rows: list[BlockRow] = []
        level1 = level2 = ""
        for row in range(first_data, end):
            cells = {
                c.key: self._block_field(
                    f"{block.key}.{row}.{c.key}", row, self.value_in_span(row, *spans[c.key])
                )
                for c in block.columns
                if c.key in spans
            }
            texts = {k: canonical(f.text) for k, f in cells.items()}
            if texts.get("level1") == "一级指标" or texts.get("name") == "三级指标":
                continue  # a repeated header row
            level1 = texts.get("level1") or level1
            level2 = texts.get("level2") or level2
            content = [k for k, f in cells.items() if k not in ("level1", "level2") and not f.is_blank]
            if not content:
                if texts.get("level1") or texts.get("level2") or self._inside_block(row, spans):
                    self.form.blank_rows.append(row)
                continue
            rows.append(BlockRow(row, cells, level1, level2))
        self.form.blocks[block.key] = rows
        self.cursor = end

    def _inside_block(self, row: int, spans: dict[str, tuple[int, int]]) -> bool:
        c1 = spans.get("level1", (1, 1))[0]
        return self.grid.merge_of(row, c1) is not None

    def total_row(self, total: TotalRow) -> None:
        """总分 row: Σ分值 under 分值 and 总分 under 得分; a form that shows only the total may put it
        elsewhere on the row, or in the label's own cell ("总分：94.15")."""
        hit = self.region.find(total.label, after=self.cursor - 1)
        if hit is None:
            return
        spans = self._total_spans(total)
        cols = {key: self.value_in_span(hit.row, *span) for key, span in spans.items()}
        if hit.inline is not None:
            self.field_at(f"{total.key}.score", hit.row, hit.col, hit.inline)
            cols.pop("score", None)
        elif not self._filled(hit.row, cols.get("score")):
            weight_span = spans.get("weight", (0, -1))
            elsewhere = [
                c
                for (r, c), cell in sorted(self.grid.cells.items())
                if r == hit.row
                and hit.col < c <= self.region.right
                and not weight_span[0] <= c <= weight_span[1]
                and (cell.value not in (None, "") or cell.is_formula)
            ]
            if elsewhere:
                cols["score"] = elsewhere[-1]
        for key, col in cols.items():
            # Many forms (the official 附件2 among them) show only 总分 on this row: a blank cell under
            # 分值, or the 总分 label's own merged cell, is not a Σ分值 field.
            if key != "score" and not self._filled(hit.row, col):
                continue
            if self.grid.top_left(hit.row, col) != (hit.row, hit.col):
                self.field_at(f"{total.key}.{key}", hit.row, col)

    def _total_spans(self, total: TotalRow) -> dict[str, tuple[int, int]]:
        header = self.region.find("三级指标", after=self.region.top - 1)
        block = self.layout.section(total.block)
        if header is None or not isinstance(block, IndicatorBlock):
            return {}
        spans = {}
        for key, _ in total.cells:
            column = next(c for c in block.columns if c.key == key)
            h = self.region.find(column.header, row=header.row)
            if h is not None:
                spans[key] = self.region.span(h.row, h.col)
        return spans

    def _filled(self, row: int, col: int | None) -> bool:
        if col is None:
            return False
        cell = self.grid.cell(row, col)
        return cell.value not in (None, "") or cell.is_formula


def _year_of(text: str, template: str) -> int | None:
    match = re.match(year_pattern(canonical(template)) + "$", canonical(text))
    if match and match.groupdict().get("year"):
        return int(match.group("year"))
    if match and match.groupdict().get("prev"):
        return int(match.group("prev")) + 1
    return None


@dataclass(frozen=True)
class _Anchor:
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


def find_anchors(grid: Grid) -> list[_Anchor]:
    """Where each form starts on the sheet: its title, or failing that a label only that form has."""
    anchors: list[_Anchor] = []
    for (r, c), cell in sorted(grid.cells.items()):
        if not isinstance(cell.value, str) or len(cell.value) > MAX_TITLE_LENGTH:
            continue
        text = canonical(cell.value)
        for layout, pattern in _TITLES:
            m = pattern.search(text)
            if m and not text.startswith(("备注", "说明")):
                year = int(m.group("year")) if m.group("year") else None
                anchors.append(_Anchor(r, c, layout, str(cell.value).strip(), year))
                break
    for layout in ALL_LAYOUTS:
        label = DISTINCTIVE_LABELS[layout.kind]
        for (r, c), cell in sorted(grid.cells.items()):
            if isinstance(cell.value, str) and canonical(cell.value) == label:
                covered = any(a.layout is layout and 0 <= r - a.row <= 6 for a in anchors)
                if not covered:
                    anchors.append(_Anchor(r, c, layout, None, None))
    anchors.sort(key=lambda a: (a.row, a.col))
    return anchors


def read_forms(grids: list[Grid]) -> list[Form]:
    """Every form found in the workbook, in sheet order then top to bottom (left to right in a band)."""
    forms: list[Form] = []
    for grid in grids:
        if not grid.cells or is_our_sheet(grid.name, grid.cell(1, 1).value):
            continue  # 问题清单 and the record sheet are ours, not forms
        anchors = find_anchors(grid)
        for anchor in anchors:
            reader = _Reader(grid, anchor.layout, form_bounds(anchor, anchors, grid), anchor)
            if anchor.title:
                reader.form.title_ref = CellRef(grid.name, anchor.row, anchor.col)
            forms.append(reader.read())
    return forms


SAME_BAND_ROWS = 5  # forms whose titles are this close in rows sit side by side


def form_bounds(anchor: _Anchor, anchors: list[_Anchor], grid: Grid) -> tuple[int, int, int, int]:
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


__all__ = ["read_forms"]
