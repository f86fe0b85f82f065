"""Labelled single fields: entry rows (预算部门名称 | …), paired lists (按收入性质分 | 按支出性质分), text blocks, 总分."""

from __future__ import annotations

from xl_selfeval.forms.indicators import HEADER_TOTAL_WORDS
from xl_selfeval.forms.layout import Entry, EntryRow, IndicatorBlock, PairedList, TextBlock, TotalRow
from xl_selfeval.labels import canonical_raw
from xl_selfeval.read_cells import FormReading
from xl_selfeval.read_region import Hit


def read_entry_row(reading: FormReading, section: EntryRow) -> None:
    """Each entry's value: right of its label, before the next label on the row."""
    hits = [reading.region.find(e.label, after=reading.cursor - 1) for e in section.entries]
    for i, (entry, hit) in enumerate(zip(section.entries, hits, strict=True)):
        if hit is None:
            continue
        if hit.inline is not None:
            reading.field_at(entry.key, hit.row, hit.col, hit.inline)
            continue
        nxt = hits[i + 1] if i + 1 < len(hits) else None
        stop = nxt.col if nxt is not None and nxt.row == hit.row else None
        reading.field_at(entry.key, hit.row, reading.value_right_of(hit, stop))


def read_closing(reading: FormReading, entries: tuple[Entry, ...]) -> None:
    """Texts under the 总分 (评价结论 | …): each right of its label, below where the sections ended."""
    for entry in entries:
        hit = reading.region.find(entry.label, after=reading.cursor - 1)
        if hit is None:
            continue
        if hit.inline is not None:
            reading.field_at(entry.key, hit.row, hit.col, hit.inline)
        else:
            reading.field_at(entry.key, hit.row, reading.value_right_of(hit))


def read_paired_list(reading: FormReading, plist: PairedList) -> None:
    """Each listed label's amount, right of the label and before the next label on its row."""
    region = reading.region
    header = region.find(plist.left_header, after=reading.cursor - 1) or region.find(
        plist.right_header, after=reading.cursor - 1
    )
    after = (header.row - 1) if header else reading.cursor - 1
    for side, label in (("left_total", plist.left_header), ("right_total", plist.right_header)):
        stated = region.find(label, after=after)  # "按支出性质分:1925.67": a total typed in the header
        if stated is not None and stated.inline is not None:
            reading.field_at(f"{plist.key}.{side}", stated.row, stated.col, stated.inline)
    labels = [item for item in plist.left] + [item for item in plist.right if item]
    hits = {key: region.find(label, after=after) for label, key in labels}
    found_rows = [h.row for h in hits.values() if h]
    for key, hit in hits.items():
        if hit is None:
            continue
        full = f"{plist.key}.{key}"
        if hit.inline is not None:
            reading.field_at(full, hit.row, hit.col, hit.inline)
            continue
        stops = [h.col for h in hits.values() if h and h.row == hit.row and h.col > hit.col]
        reading.field_at(full, hit.row, reading.value_right_of(hit, min(stops) if stops else None))
    if found_rows:
        reading.cursor = max(found_rows) + 1


def read_text_block(reading: FormReading, block: TextBlock) -> None:
    """The text under each column header (预期目标, 实际完成情况)."""
    region = reading.region
    hits = {c.key: region.find(c.header, after=reading.cursor - 1) for c in block.columns}
    for column in block.columns:
        hit = hits[column.key]
        if hit is None:
            continue
        c1, c2 = region.span(hit.row, hit.col)
        row = hit.row + region.height(hit.row, hit.col)
        reading.field_at(f"{block.key}.{column.key}", row, reading.value_in_span(row, c1, c2))
        reading.cursor = max(reading.cursor, row + 1)


def find_total_row(reading: FormReading, total: TotalRow, after: int) -> Hit | None:
    """The 总分 row below ``after``, by its label or another word for it (四川's 合计), the first found."""
    hits = [h for label in total.labels if (h := reading.region.find(label, after=after)) is not None]
    return min(hits, key=lambda h: (h.row, h.col)) if hits else None


def read_total_row(reading: FormReading, total: TotalRow) -> None:
    """总分 row: Σ分值 under 分值 and 总分 under 得分; a form that shows only the total may put it
    elsewhere on the row, or in the label's own cell ("总分：94.15")."""
    hit = find_total_row(reading, total, reading.cursor - 1)
    if hit is None:
        return
    spans = _total_spans(reading, total)
    cols = {key: reading.value_in_span(hit.row, *span) for key, span in spans.items()}
    if hit.inline is not None:
        reading.field_at(f"{total.key}.score", hit.row, hit.col, hit.inline)
        cols.pop("score", None)
    elif not reading.filled(hit.row, cols.get("score")):
        weight_span = spans.get("weight", (0, -1))
        elsewhere = [
            c
            for c in range(hit.col + 1, reading.region.right + 1)
            if not weight_span[0] <= c <= weight_span[1] and reading.filled(hit.row, c)
        ]
        if elsewhere:
            cols["score"] = elsewhere[-1]
    for key, col in cols.items():
        # Many forms (the official 附件2 among them) show only 总分 on this row: a blank cell under
        # 分值, or the 总分 label's own merged cell, is not a Σ分值 field.
        if key != "score" and not reading.filled(hit.row, col):
            continue
        if reading.grid.top_left(hit.row, col) != (hit.row, hit.col):
            reading.field_at(f"{total.key}.{key}", hit.row, col)


def _total_spans(reading: FormReading, total: TotalRow) -> dict[str, tuple[int, int]]:
    """The columns of the indicator block's headers the total row's figures sit under."""
    block = reading.layout.section(total.block)
    if not isinstance(block, IndicatorBlock):
        return {}
    header = reading.region.find(block.header_of("name"), after=reading.region.top - 1)
    if header is None:
        return {}
    spans = {}
    for key, _ in total.cells:
        h = reading.region.find(block.header_of(key), row=header.row)
        if h is not None:
            spans[key] = reading.region.span(h.row, h.col)
    return spans


def read_header_total(reading: FormReading, total: TotalRow | None) -> None:
    """A 自评得分 typed in the header region (宁夏: 实施单位 | … | 自评得分 | 98), read as the form's 总分 when
    the table has no 总分 of its own, so it is checked against the table's scores like one."""
    form = reading.form
    indicators = form.blocks.get("indicators")
    if total is None or f"{total.key}.score" in form.fields or not indicators:
        return
    for r, c, _ in reading.region.texts:
        if r >= indicators[0].row:
            return
        if canonical_raw(reading.grid.text(r, c)) in HEADER_TOTAL_WORDS:
            hit = Hit(r, c)
            col = reading.value_right_of(hit)
            if reading.field_at(f"{total.key}.score", r, col).number is None:
                del form.fields[f"{total.key}.score"]  # a label with no figure beside it
                continue
            return
