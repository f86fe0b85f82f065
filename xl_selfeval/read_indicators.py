"""The 绩效指标 block: one BlockRow per 三级指标, with the 一级/二级 it sits under, down to the 总分 row."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from xl_selfeval.cells import CellRef
from xl_selfeval.forms.indicators import (
    TARGET_OPERATOR_HEADERS,
    TARGET_UNIT_HEADERS,
    level1_of,
    next_level1,
    split_stated_weight,
    stated_points,
)
from xl_selfeval.forms.layout import IndicatorBlock
from xl_selfeval.labels import canonical, canonical_raw
from xl_selfeval.model import BlockRow, Field
from xl_selfeval.read_cells import FormReading
from xl_selfeval.read_fields import find_total_row
from xl_selfeval.read_headers import column_spans, header_row
from xl_selfeval.values import Kind, parse_value

_FORMAT_DECIMALS = re.compile(r"0(?:\.(0+))?")
_NAMED_BY = ("level1", "level2", "name")  # the cells whose canonical text places a row


def read_indicators(reading: FormReading, block: IndicatorBlock) -> None:
    """Every indicator row; rows left empty inside the block are noted, repeated header rows skipped."""
    region, form = reading.region, reading.form
    top = header_row(reading, [], [c.header for c in block.columns])
    if top is None:
        form.cut_short = True
        return
    columns = block.columns + block.read_only
    spans = column_spans(reading, top, columns)
    parts = _target_parts(reading, top, spans)
    total_row = reading.layout.total_row
    total = find_total_row(reading, total_row, top) if total_row else None
    end = total.row if total else region.bottom + 1
    first_data = top + max(region.height(top, c1) for c1, _ in spans.values())
    level1_header, name_header = canonical(block.header_of("level1")), canonical(block.header_of("name"))
    rows: list[BlockRow] = []
    level1 = level2 = ""
    level1_ref: CellRef | None = None
    taken = [(c.key, *spans[c.key]) for c in columns if c.key in spans]  # (key, first col, last col)
    block_field = reading.block_field  # one column: as _span_field reads it, one call fewer per cell
    for row in range(first_data, end):
        prefix = f"{block.key}.{row}."
        cells = {
            key: block_field(prefix + key, row, c1)
            if c1 == c2
            else _span_field(reading, prefix + key, row, c1, c2)
            for key, c1, c2 in taken
        }
        if parts:
            _join_target_parts(reading, row, cells, parts)
        texts = {k: canonical(cells[k].text) for k in _NAMED_BY if k in cells}  # the only ones asked
        if texts.get("level1") == level1_header or texts.get("name") == name_header:
            continue  # a repeated header row
        level2 = texts.get("level2") or level2
        if texts.get("level1") and cells["level1"].ref != level1_ref:  # a merged 一级 is read once
            level1_ref = cells["level1"].ref
            level1 = _level1(reading, cells["level1"], texts["level1"], level1, level2)
            form.level1_labels.append((level1_ref, level1))
        if all(f.is_blank or k in ("level1", "level2") for k, f in cells.items()):
            if texts.get("level1") or texts.get("level2") or _inside_block(reading, row, spans):
                form.blank_rows.append(row)
            continue
        rows.append(BlockRow(row, cells, level1, level2))
    if "weight" not in spans and "level1" in spans:
        _implied_weights(reading, block.key, rows, spans["level1"][0])
    form.blocks[block.key] = rows
    shown = [_decimals(f) for r in rows if (f := r.get("score")) is not None and f.number is not None]
    known = [d for d in shown if d is not None]
    form.score_decimals = min(2, max(known)) if known else 2
    reading.cursor = end


def _target_parts(reading: FormReading, top: int, spans: dict[str, tuple[int, int]]) -> dict[str, int]:
    """Columns of a target's comparison and unit typed beside it, outside its own header's span."""
    target = spans.get("target")
    if target is None:
        return {}
    found: dict[str, int] = {}
    for key, headers in (("operator", TARGET_OPERATOR_HEADERS), ("unit", TARGET_UNIT_HEADERS)):
        for header in headers:
            for row in (top, top + 1):
                hit = reading.region.find(header, row=row)
                if hit is not None and not target[0] <= hit.col <= target[1]:
                    found.setdefault(key, hit.col)
    return found


_OPERATOR = re.compile(r"[≥≤=<>﹦＝]{1,2}")


def _join_target_parts(
    reading: FormReading, row: int, cells: dict[str, Field], parts: dict[str, int]
) -> None:
    """'≤' | '30' | '万元' → target '≤30万元'; the unit also goes with a bare actual ('100' | '%' → 100%)."""
    target = cells.get("target")
    if target is None or target.is_blank:
        return
    grid = reading.grid
    op = canonical_raw(grid.text(row, parts["operator"])) if "operator" in parts else ""
    unit = canonical_raw(grid.text(row, parts["unit"])) if "unit" in parts else ""
    if not _OPERATOR.fullmatch(op):
        op = ""  # 指标性质 may name the kind instead (定量指标, 正向): not part of the figure
    if any(ch.isdigit() for ch in unit):
        unit = ""
    cells["target"] = _with_parts(target, op, unit)
    actual = cells.get("actual")
    if unit and actual is not None:
        cells["actual"] = _with_parts(actual, "", unit)


def _with_parts(f: Field, op: str, unit: str) -> Field:
    """A bare figure with the comparison and unit typed beside it; a figure that has its own is kept."""
    value = f.value
    if value.kind is not Kind.NUMBER or value.quantity is None:
        return f
    op = "" if value.comparator is not None else op
    unit = "" if value.quantity.unit else unit
    return replace(f, value=parse_value(op + f.text + unit)) if op or unit else f


def _implied_weights(reading: FormReading, block: str, rows: list[BlockRow], level1_col: int) -> None:
    """湖北 2020: no 分值 column; each 年度绩效目标N（40分） caption states the points of the rows beside it.
    Read as full marks for every row but at most one, whose 分值 is what the caption leaves (40 − 10 − 10 =
    20); that one is the only row where the remainder is as whole as the caption's points. Otherwise
    (no such row, or several) the rows' 分值 stay unknown."""
    groups: dict[tuple[int, int], list[BlockRow]] = {}
    points: dict[tuple[int, int], Decimal] = {}
    for row in rows:
        for col in range(reading.region.left, level1_col):
            top_left = reading.grid.top_left(row.row, col)
            stated = stated_points(canonical(reading.grid.text(*top_left)))
            if stated is not None:
                groups.setdefault(top_left, []).append(row)
                points[top_left] = stated
                break
    for caption, members in groups.items():
        scores = [f.number if (f := r.get("score")) is not None else None for r in members]
        known = [s for s in scores if s is not None]
        if len(known) != len(members):
            continue
        weights = _full_marks_but_one(points[caption], known)
        if weights is None:
            continue
        for row, weight in zip(members, weights, strict=True):
            key = f"{block}.{row.row}.weight"
            row.cells["weight"] = reading.field_at(key, *caption, parse_value(format(weight, "f")))
            del reading.form.fields[key]


def _full_marks_but_one(total: Decimal, scores: list[Decimal]) -> list[Decimal] | None:
    if sum(scores) == total:
        return scores
    places = _places(total)
    fits = [
        i
        for i in range(len(scores))
        if _places(rest := total - sum(scores) + scores[i]) <= places
        and rest > 0
        and all(_places(s) <= places for j, s in enumerate(scores) if j != i)
    ]
    if len(fits) != 1:
        return None
    i = fits[0]
    rest = (total - sum(scores) + scores[i]).quantize(Decimal(1).scaleb(-places))  # 20.0 → 20
    return [*scores[:i], rest, *scores[i + 1 :]]


def _places(x: Decimal) -> int:
    exponent = x.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _span_field(reading: FormReading, key: str, row: int, c1: int, c2: int) -> Field:
    """The cell under a header; a header over several cells (云南's 指标性质 | 指标值 | 度量单位 under
    年度指标值) holds one figure typed in parts, read as their joined text ('≥' '95' '%' → '≥95%')."""
    if c1 == c2:  # one column: the cell there (or its merge's top left) whether filled or not
        return reading.block_field(key, row, c1)
    first = reading.block_field(key, row, reading.value_in_span(row, c1, c2))
    tops = dict.fromkeys(reading.tops.get((row, c), (row, c)) for c in range(c1, c2 + 1))
    parts = [reading.grid.text(r, c).strip() for r, c in tops if r == row and reading.filled(r, c)]
    if len(parts) < 2:
        return first
    return replace(first, value=parse_value("".join(parts)))


def _level1(reading: FormReading, cell: Field, text: str, previous: str, level2: str) -> str:
    """A 一级 label by meaning: '产出指标(50分)' is 产出指标 stating 50 points; a bare '(50分)' takes its 一级
    from the 二级 beside it, else from the official order after the previous one."""
    name, stated = split_stated_weight(text)
    if not name and stated is not None:
        name = level1_of(level2) or next_level1(previous) or text
    if stated is not None and name:
        reading.form.stated_weights.append((cell.ref, name, stated))
    return name or text


def _decimals(f: Field) -> int | None:
    """Decimals a score is shown with: its number format's ('0.0' → 1, '0' → 0), else the digits typed
    after the point ('1.4' → 1); a whole number in General format says nothing (most scores are full marks)."""
    shown = _FORMAT_DECIMALS.fullmatch(f.cell.number_format.split(";")[0].strip())
    if shown:
        return len(shown.group(1) or "")
    exponent = f.number.as_tuple().exponent if f.number is not None else 0
    return -exponent if isinstance(exponent, int) and exponent < 0 else None


def _inside_block(reading: FormReading, row: int, spans: dict[str, tuple[int, int]]) -> bool:
    c1 = spans.get("level1", (1, 1))[0]
    return reading.grid.merge_of(row, c1) is not None
