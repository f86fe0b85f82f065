"""An accountant types real figures into the generated template: each input cell's validation lets them in.

The rules are evaluated the way Excel evaluates them (type, operator, bounds), not read back as text, so a
test passes only if the figure a unit types (5487.80 万元 年初预算数) would really be accepted.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import BLANK, EXAMPLE
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xl_selfeval.files.bundled import contents_from_data, example_data
from xl_selfeval.files.generate import blank_contents, build_workbook


def validation_of(ws: Worksheet, coordinate: str) -> DataValidation | None:
    for dv in ws.data_validations.dataValidation:
        if coordinate in dv.sqref:
            return dv
    return None


def _bound(formula: str | None, dv: DataValidation, ws: Worksheet | None, at: str | None) -> Decimal:
    """A bound as Excel evaluates it: a number, or a reference relative to the rule's top-left cell."""
    assert formula is not None
    if formula.lstrip("-").replace(".", "", 1).isdigit():
        return Decimal(formula)
    assert ws is not None and at is not None, f"{formula} needs the sheet and the cell"
    ref = coordinate_to_tuple(formula.replace("$", ""))
    first = min(dv.sqref.ranges, key=lambda r: (r.min_row, r.min_col))
    here = coordinate_to_tuple(at)
    target = ws.cell(ref[0] + here[0] - first.min_row, ref[1] + here[1] - first.min_col).value
    assert isinstance(target, (int, float)), f"{formula} -> {target!r}"
    return Decimal(str(target))


def accepts(dv: DataValidation, value: object, ws: Worksheet | None = None, at: str | None = None) -> bool:
    """Would Excel let ``value`` be typed into cell ``at`` with this rule (showErrorMessage on)?"""
    if value is None or value == "":
        return bool(dv.allow_blank)
    if dv.type == "list":
        return str(value) in (dv.formula1 or "").strip('"').split(",")
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    number = Decimal(str(value))
    if dv.type == "whole" and number != number.to_integral_value():
        return False
    assert dv.type in ("decimal", "whole"), dv.type
    low = _bound(dv.formula1, dv, ws, at)
    operator = dv.operator or "between"  # OOXML's default operator
    if operator == "between":
        return low <= number <= _bound(dv.formula2, dv, ws, at)
    return {
        "greaterThanOrEqual": number >= low,
        "greaterThan": number > low,
        "lessThanOrEqual": number <= low,
        "lessThan": number < low,
        "equal": number == low,
        "notEqual": number != low,
    }[operator]


def input_cells(ws: Worksheet) -> dict[str, DataValidation]:
    out: dict[str, DataValidation] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in ws.iter_rows(
                min_row=rng.min_row, max_row=rng.max_row, min_col=rng.min_col, max_col=rng.max_col
            ):
                for cell in row:
                    out[f"{ws.title}!{cell.coordinate}"] = dv
    return out


def test_every_figure_of_the_example_is_accepted_where_it_stands() -> None:
    wb = openpyxl.load_workbook(EXAMPLE)
    refused, typed = [], 0
    for ws in wb.worksheets:
        for where, dv in input_cells(ws).items():
            value = ws[where.split("!")[1]].value
            if value is None:
                continue
            typed += 1
            if not accepts(dv, value, ws, where.split("!")[1]):
                refused.append(f"{where}={value!r} ({dv.errorTitle})")
    assert typed > 40  # the example's typed figures and indicator levels, not an empty walk
    assert not refused, refused


@pytest.mark.parametrize(
    "sheet,cell,figure",
    [
        ("附件1", "B8", 5487.80),  # 三公经费 2023年决算数 sized as a real budget
        ("附件1", "D13", 123456789.12),
        ("附件1", "C21", 0.01),
        ("附件1", "B23", 18000),  # 批复规模（㎡）
        ("附件2", "D5", 5487.80),  # 年初预算数 as the seed's unit typed it
        ("附件2", "E5", 3217.75),
        ("附件2", "F5", 3090.03),
        ("附件2", "H7", 900.47),  # 其中：基本支出
        ("附件3", "D6", 2769.05),
        ("附件3", "F8", 0),
    ],
)
def test_real_amounts_are_accepted_in_amount_cells(sheet: str, cell: str, figure: float) -> None:
    ws = next(ws for ws in openpyxl.load_workbook(BLANK).worksheets if ws.title.startswith(sheet))
    dv = validation_of(ws, cell)
    assert dv is not None, f"{sheet}!{cell} has no validation"
    assert accepts(dv, figure), f"{sheet}!{cell} refuses {figure}: {dv.errorTitle} {dv.error}"
    assert not accepts(dv, -0.01), f"{sheet}!{cell} accepts a negative amount"
    assert not accepts(dv, "约5亿元"), f"{sheet}!{cell} accepts text"


def test_amount_validation_says_amount_not_score() -> None:
    ws = openpyxl.load_workbook(BLANK).worksheets[1]
    dv = validation_of(ws, "D5")
    assert dv is not None and dv.errorTitle == "金额有误" and "不小于0" in (dv.error or "")


def test_people_are_whole_numbers_and_scores_stay_within_100() -> None:
    ws = build_workbook(blank_contents(2025)).worksheets[0]
    staff = validation_of(ws, "B4")
    assert staff is not None and accepts(staff, 127) and not accepts(staff, 12.5) and not accepts(staff, -1)
    department = build_workbook(blank_contents(2025)).worksheets[1]
    weight = validation_of(department, "H14")  # 分值 of the first indicator
    assert weight is not None and accepts(weight, 10) and not accepts(weight, 101)


def test_area_cells_speak_of_square_metres(tmp_path: Path) -> None:
    ws = build_workbook(blank_contents(2025)).worksheets[0]
    dv = validation_of(ws, "B23")
    assert dv is not None and "平方米" in (dv.error or "") and accepts(dv, 18000)


def test_a_score_is_held_to_the_weight_of_its_own_row() -> None:
    ws = openpyxl.load_workbook(EXAMPLE).worksheets[1]  # 附件2: 分值 in H, 得分 in I
    for row in (14, 15, 17):
        dv = validation_of(ws, f"I{row}")
        assert dv is not None and dv.errorTitle == "得分有误"
        weight = ws[f"H{row}"].value
        assert accepts(dv, weight, ws, f"I{row}") and accepts(dv, 0, ws, f"I{row}")
        assert not accepts(dv, weight + 0.01, ws, f"I{row}"), f"I{row} accepts more than its 分值 {weight}"
        assert not accepts(dv, -1, ws, f"I{row}")


@pytest.mark.parametrize("figure", [0, 0.01, 123456789.12])
def test_realistic_extremes_fit_every_amount_cell(figure: float) -> None:
    wb = openpyxl.load_workbook(BLANK)
    amounts = [
        (ws, where, dv)
        for ws in wb.worksheets
        for where, dv in input_cells(ws).items()
        if dv.errorTitle == "金额有误"
    ]
    assert len(amounts) > 60  # 附件1's grid, 附件2's budget and sources, 附件3's funds
    refused = [where for ws, where, dv in amounts if not accepts(dv, figure, ws, where.split("!")[1])]
    assert not refused, refused
    assert not any(accepts(dv, -0.01) for _, _, dv in amounts)


def _template_of_the_example(path: Path) -> Path:
    """The example's forms with every figure taken out: the template the unit starts from."""
    contents = example_contents()
    for content in contents:
        content.values = {k: v for k, v in content.values.items() if not isinstance(v, (int, float))}
        for rows in content.blocks.values():
            for row in rows:
                for key in [k for k, v in row.items() if isinstance(v, (int, float))]:
                    del row[key]
    build_workbook(contents, unit="岳阳市住房公积金管理中心本级").save(path)
    return path


def _typed_figures() -> list[tuple[int, int, int, float]]:
    """(sheet, row, col, figure) of every figure the unit typed into the example (0-based row/col)."""
    wb = openpyxl.load_workbook(EXAMPLE)
    out = []
    for index, ws in enumerate(wb.worksheets):
        for row in ws.iter_rows():
            for cell in row:
                unlocked = cell.protection.locked is False
                if unlocked and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    out.append((index, cell.row - 1, cell.column - 1, float(cell.value)))
    return out


def test_libreoffice_marks_nothing_invalid_in_the_typed_example_then_exactly_the_wrong_cell(
    tmp_path: Path, libreoffice_edit
) -> None:
    book = _template_of_the_example(tmp_path / "template.xlsx")
    figures = _typed_figures()
    assert len(figures) > 40
    sheets = sorted({f[0] for f in figures})
    steps: list[dict[str, object]] = [{"sheet": s, "set": [r, c, v]} for s, r, c, v in figures]
    steps += [{"sheet": s, "audit": True} for s in sheets]
    # Then one wrong figure per kind: a negative amount (附件2 D5), a score above its row's 分值 (附件2 I14,
    # 分值 5), a score above its 分值 on 附件3 (H13).
    steps += [{"sheet": 1, "set": [4, 3, -5487.8]}, {"sheet": 1, "audit": True}]
    steps += [
        {"sheet": 1, "set": [4, 3, 5487.8]},
        {"sheet": 1, "set": [13, 8, 6]},
        {"sheet": 1, "audit": True},
    ]
    steps += [{"sheet": 2, "set": [12, 7, 5.5]}, {"sheet": 2, "audit": True}]
    results = libreoffice_edit(book, steps)
    audits = [r["circles"] for r in results]
    assert audits[: len(sheets)] == [[]] * len(sheets), audits[: len(sheets)]
    assert audits[len(sheets) :] == [[[4, 3]], [[13, 8]], [[12, 7]]], audits[len(sheets) :]


def example_contents():  # type: ignore[no-untyped-def]
    return contents_from_data(example_data())[2]
