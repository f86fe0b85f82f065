"""Captioned tables: each line's figures under the column headers, and the unit's own item rows."""

from __future__ import annotations

from xl_selfeval.forms.indicators import stated_points
from xl_selfeval.forms.layout import Table
from xl_selfeval.model import BlockRow, Field
from xl_selfeval.read_cells import FormReading
from xl_selfeval.read_headers import column_spans, header_row
from xl_selfeval.read_region import Hit
from xl_selfeval.values import parse_value


def read_table(reading: FormReading, table: Table) -> None:
    """Every line of the table found by its label (or, unlabelled, the row under the headers)."""
    region = reading.region
    top = header_row(
        reading,
        [table.caption] + ([table.label_header] if table.label_header else []),
        [c.header for c in table.columns],
    )
    if top is None:
        return
    spans = column_spans(reading, top, table.columns + table.read_only)
    stated = _stated_weight(reading, table, top, spans)
    caption_hit = region.find(table.caption, row=top)
    header_height = max([region.height(top, c1) for c1, _ in spans.values()] or [1])
    last_row = top
    line_rows: dict[str, int] = {}
    label_cols: dict[str, int] = {}
    for line in table.lines:
        hit = region.find(line.label, after=top) if line.label else None
        if hit is not None:
            row, inline = hit.row, hit.inline
            label_cols[line.key] = hit.col
        elif line.label and len(table.lines) > 1:
            continue
        else:
            # unlabelled, or a one-line table whose line has no label of its own (重庆: the figures sit
            # right under 年初预算数 | 全年（调整）预算数 | …)
            row, inline = _row_below(reading, top + header_height - 1, spans, caption_hit), None
        line_rows[line.key] = row
        last_row = max(last_row, row)
        # read-only columns (四川's 原因) belong to the line the 执行率 is worked out on
        for column in table.columns + (table.read_only if "rate" in line.derived else ()):
            if column.key in line.unused or column.key not in spans:
                continue
            key = table.field_key(line.key, column.key)
            if (
                stated is not None
                and column.key == "score"
                and WEIGHT not in spans
                and WEIGHT in line.default
            ):
                reading.field_at(table.field_key(line.key, WEIGHT), stated.row, stated.col, stated.inline)
            if inline is not None and column is table.columns[0]:
                reading.field_at(key, row, spans[column.key][0], inline)
                continue
            reading.field_at(key, row, reading.value_in_span(row, *spans[column.key]))
    if table.items is not None:
        _read_items(reading, table, spans, line_rows, label_cols)
    reading.cursor = last_row + 1


WEIGHT = "weight"


def _stated_weight(
    reading: FormReading, table: Table, top: int, spans: dict[str, tuple[int, int]]
) -> Hit | None:
    """With no 分值 column, the points a header states ('预算执行情况(20分)', '得分(20分*执行率)') are the
    weight of the line that scores the execution, read from that header cell."""
    if WEIGHT in spans or not any(c.key == WEIGHT for c in table.columns):
        return None
    for r, c, text in reading.region.texts:
        if r == top and (points := stated_points(text)) is not None:
            return Hit(r, c, parse_value(points))
    return None


def _row_below(reading: FormReading, top: int, spans: dict[str, tuple[int, int]], caption: Hit | None) -> int:
    grid = reading.grid
    for row in range(top + 1, min(top + 4, reading.region.bottom) + 1):
        if any(
            grid.cell(*grid.top_left(row, c)).value not in (None, "") or grid.cell(row, c).is_formula
            for c1, c2 in spans.values()
            for c in range(c1, c2 + 1)
        ):
            return row
    return top + 1


def _read_items(
    reading: FormReading,
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
        label = reading.grid.text(row, label_col)
        for column in table.columns:
            if column.key in spans:
                col = reading.value_in_span(row, *spans[column.key])
                cells[column.key] = reading.block_field(f"{table.items.key}.{row}.{column.key}", row, col)
        cells["label"] = reading.block_field(f"{table.items.key}.{row}.label", row, label_col)
        if label or any(not f.is_blank for f in cells.values()):
            rows.append(BlockRow(row, cells))
    reading.form.blocks[table.items.key] = rows
