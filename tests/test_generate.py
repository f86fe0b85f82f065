"""The generated forms: the seed's layout, live formulas that Excel/LibreOffice compute, protection, print setup."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import BLANK, EXAMPLE, PUBLISHED, require_tool

from xl_selfeval.compute import Calculator
from xl_selfeval.files.bundled import build_bundled, contents_from_data, example_data
from xl_selfeval.files.generate import blank_contents, build_workbook
from xl_selfeval.forms import BASIC_DATA
from xl_selfeval.forms.place import FormContent, Role, place
from xl_selfeval.values import to_decimal


def canonical(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def seed_tables(seed: str) -> dict[str, list[str]]:
    """The seed's 附件1-3 as the sequence of their cell texts (title first), per form."""
    tail = seed[seed.rindex("附件1\n") :]
    parts = re.split(r"\n(?=附件[123]\n)", tail)
    out = {}
    for part in parts:
        cells: list[str] = []
        seen_tab = False
        for line in part.split("\n"):
            if line.startswith("\t"):  # every cell starts with a TAB; "\t" alone is an empty cell
                cells.append(line[1:])
                seen_tab = True
            elif not line.strip():
                continue  # row separators, and blank lines inside a wrapped cell
            elif not seen_tab:
                cells.append(line)  # 附件N and the title, above the table
            else:
                cells[-1] += line  # a cell wrapped over several lines ("二级\n\n指标")
        out[cells[0].strip()] = [canonical(c) for c in cells if canonical(c)]
    return out


def labels_in_order(content: FormContent) -> list[str]:
    placement = place(content)
    fixed = [c for c in placement.cells if c.role not in (Role.INPUT, Role.DERIVED) and c.value]
    fixed.sort(key=lambda c: (c.row, c.col))
    return [canonical(str(c.value)) for c in fixed]


def is_subsequence(needles: list[str], haystack: list[str]) -> tuple[bool, str]:
    it = iter(enumerate(haystack))
    for needle in needles:
        for _, item in it:
            if item == needle:
                break
        else:
            return False, needle
    return True, ""


def example_contents() -> list[FormContent]:
    return contents_from_data(example_data())[2]


@pytest.mark.parametrize("index,name", [(0, "附件1"), (1, "附件2"), (2, "附件3")])
def test_every_label_of_the_seed_form_in_the_seed_order(seed_001: str, index: int, name: str) -> None:
    seed = seed_tables(seed_001)[name]
    ours = labels_in_order(example_contents()[index])
    ok, missing = is_subsequence(ours, seed)
    assert ok, f"{name}: our label {missing!r} is not in the seed (or not in the seed's order)"


@pytest.mark.parametrize("index,name", [(0, "附件1"), (1, "附件2"), (2, "附件3")])
def test_every_text_of_the_seed_form_is_in_the_example_workbook(seed_001: str, index: int, name: str) -> None:
    """What the seed shows is either one of our labels, a typed input of the example, or a derived figure."""
    seed = seed_tables(seed_001)[name]
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb.worksheets[index]
    texts = {canonical(str(c.value)) for row in ws.iter_rows() for c in row if c.value is not None}
    numbers = {
        to_decimal(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, (int, float))
    }
    missing = []
    for text in seed:
        if text in texts:
            continue
        number = to_decimal(text.rstrip("%"))
        if number is not None and (number in numbers or text.endswith("%") or is_derived_figure(text)):
            continue
        missing.append(text)
    assert not missing, f"{name}: seed texts not in the example workbook: {missing}"


# Figures the seed shows in derived cells (our formulas compute them; see test_libreoffice_computes_*).
DERIVED_SEED_FIGURES = {
    "5.43",
    "31.03",
    "15.8",
    "30.07",
    "10",
    "4.3",
    "4425.38",
    "2324.71",
    "1701.93",
    "7.61",
    "6.15",
    "95.61",
    "94.15",
    "100",
    "2447.06",
    "2769.05",
}


def is_derived_figure(text: str) -> bool:
    return text in DERIVED_SEED_FIGURES


def test_year_is_substituted_everywhere() -> None:
    texts = " ".join(
        str(c.value)
        for content in blank_contents(2031, ["运转经费"])
        for c in place(content).cells
        if c.value
    )
    assert "2031年度部门整体支出绩效评价基础数据表" in texts
    assert "2030年决算数" in texts and "2031年预算数" in texts and "2031年决算数" in texts
    assert "（2031年完工项目）" in texts and "2031年实际在职人数" in texts
    assert "2031年度部门整体支出绩效自评表" in texts and "2031年度项目支出绩效自评表" in texts
    assert "{Y" not in texts


def test_blank_indicator_block_has_the_standard_skeleton_and_19_rows() -> None:
    wb = build_workbook(blank_contents(2025, ["运转经费"]))
    for ws in wb.worksheets[1:]:
        header = next(r for r in range(1, 40) if ws.cell(r, 4).value == "三级指标")
        total = next(r for r in range(header, 60) if ws.cell(r, 1).value == "总分")
        assert total - header - 1 == 19
        level1 = [ws.cell(r, 2).value for r in range(header + 1, total) if ws.cell(r, 2).value]
        assert level1 == ["产出指标", "效益指标", "满意度指标", "成本指标"]
        level2 = [ws.cell(r, 3).value for r in range(header + 1, total) if ws.cell(r, 3).value]
        assert level2[:3] == ["数量指标", "质量指标", "时效指标"] and level2[-1] == "生态环境成本指标"
        merged = {str(m) for m in ws.merged_cells.ranges}
        assert f"B{header + 1}:B{header + 10}" in merged  # 产出指标 over its 10 rows


def test_unit_fills_department_and_project_headers() -> None:
    wb = build_workbook(blank_contents(2025, ["运转经费"]), unit="某某中心")
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert values.count("某某中心") == 3  # 预算部门名称, 主管部门, 实施单位


def test_bundled_workbooks_are_reproduced_by_the_generator_cell_by_cell(tmp_path: Path) -> None:
    rebuilt = dict(zip(["blank", "example", "published"], build_bundled(tmp_path), strict=True))
    for committed, fresh in (
        (BLANK, rebuilt["blank"]),
        (EXAMPLE, rebuilt["example"]),
        (PUBLISHED, rebuilt["published"]),
    ):
        a, b = openpyxl.load_workbook(committed), openpyxl.load_workbook(fresh)
        assert a.sheetnames == b.sheetnames
        for wa, wb in zip(a.worksheets, b.worksheets, strict=True):
            assert {str(m) for m in wa.merged_cells.ranges} == {str(m) for m in wb.merged_cells.ranges}
            assert wa.max_row == wb.max_row and wa.max_column == wb.max_column
            for ra, rb in zip(wa.iter_rows(), wb.iter_rows(), strict=True):
                for ca, cb in zip(ra, rb, strict=True):
                    assert (ca.value, ca.number_format, ca.protection.locked) == (
                        cb.value,
                        cb.number_format,
                        cb.protection.locked,
                    ), f"{committed.name} {wa.title}!{ca.coordinate} differs from the generator's"


def test_example_keeps_the_seed_inputs_as_typed() -> None:
    wb = openpyxl.load_workbook(EXAMPLE)
    dept, proj = wb.worksheets[1], wb.worksheets[2]
    dept_values = [c.value for row in dept.iter_rows() for c in row]
    proj_values = [c.value for row in proj.iter_rows() for c in row]
    assert "52.07" in proj_values  # the seed's 附件3 actual without its %
    assert "52.07%" in dept_values
    assert "20分" in dept_values  # 评扣分标准 typed as in the seed
    loan = next(r for r in range(1, 60) if dept.cell(r, 4).value == "发放住房公积金贷款")
    assert dept.cell(loan, 9).value == 3  # the seed's 贷款 score, kept as typed


def figures_of(content: FormContent) -> Calculator:
    def inputs(key: str) -> Decimal | None:
        return to_decimal(content.values.get(key))

    def column(block: str, col: str) -> list[Decimal | None]:
        return [to_decimal(row.get(col)) for row in content.blocks.get(block, [])]

    return Calculator(content.layout, inputs, column)


def test_python_computes_the_seed_figures() -> None:
    basic, dept, proj = (figures_of(c) for c in example_contents())
    assert f"{basic.figure('staff.value.control_rate'):.4f}" == "0.9606"
    assert basic.figure("costs.three_public.final") == Decimal("5.43")
    assert basic.figure("costs.project_spending.final") == Decimal("1701.93")
    assert f"{dept.figure('budget.total.rate'):.4f}" == "0.7608"
    assert dept.figure("budget.total.score") == Decimal("7.61")
    assert dept.figure("total.score") == Decimal("95.61")
    assert dept.figure("total.weight") == Decimal("100")
    assert f"{proj.figure('funds.total.rate'):.4f}" == "0.6146"  # the seed typed 61.65%
    assert proj.figure("funds.total.score") == Decimal("6.15")
    assert proj.figure("total.score") == Decimal("94.15")


def test_libreoffice_computes_the_example_formulas(tmp_path: Path, libreoffice_convert) -> None:
    out = libreoffice_convert(EXAMPLE, tmp_path / "out")
    wb = openpyxl.load_workbook(out, data_only=True)
    basic, dept, proj = wb.worksheets[:3]
    python = [figures_of(c) for c in example_contents()]

    def at(ws, content: FormContent, key: str):  # type: ignore[no-untyped-def]
        row, col = place(content).positions[key]
        return ws.cell(row, col).value

    contents = example_contents()
    checks = [
        (basic, 0, "staff.value.control_rate", "96.06%"),
        (basic, 0, "costs.three_public.final", "5.43"),
        (basic, 0, "costs.official_car.prev_final", "30.07"),
        (basic, 0, "costs.project_spending.final", "1701.93"),
        (dept, 1, "budget.total.rate", "76.08%"),
        (dept, 1, "budget.total.score", "7.61"),
        (dept, 1, "total.score", "95.61"),
        (proj, 2, "funds.total.budget", "2769.05"),
        (proj, 2, "funds.total.rate", "61.46%"),
        (proj, 2, "funds.total.score", "6.15"),
        (proj, 2, "total.score", "94.15"),
        (proj, 2, "total.weight", "100.00"),
    ]
    for ws, index, key, shown in checks:
        value = at(ws, contents[index], key)
        ours = python[index].figure(key)
        assert value is not None, f"{ws.title} {key}: LibreOffice computed nothing"
        if shown.endswith("%"):
            assert f"{Decimal(repr(value)) * 100:.2f}%" == shown, key
            assert f"{ours * 100:.2f}%" == shown, key
        else:
            assert f"{Decimal(repr(value)):.2f}" == f"{Decimal(shown):.2f}", key
            assert f"{ours:.2f}" == f"{Decimal(shown):.2f}", key


def test_rates_are_blank_not_div0_when_the_denominator_is_zero(tmp_path: Path, libreoffice_convert) -> None:
    out = libreoffice_convert(EXAMPLE, tmp_path / "out")
    ws = openpyxl.load_workbook(out, data_only=True).worksheets[0]
    row, col = place(example_contents()[0]).positions["buildings.value.area_rate"]
    assert ws.cell(row, col).value in (None, "")  # 批复规模 0.00 → blank, not #DIV/0!


def test_item_rows_added_inside_the_block_are_summed(tmp_path: Path, libreoffice_convert) -> None:
    """A unit lists its own 项目支出 items; the 项目支出 sum covers however many there are."""
    content = FormContent(BASIC_DATA, 2025)
    content.blocks["costs.project_items"] = [{"label": f"项目{i}", "final": i} for i in range(1, 8)]
    path = tmp_path / "items.xlsx"
    build_workbook([content]).save(path)
    ws = openpyxl.load_workbook(libreoffice_convert(path, tmp_path / "out"), data_only=True).active
    row, col = place(content).positions["costs.project_spending.final"]
    assert ws.cell(row, col).value == 28
    formula = openpyxl.load_workbook(path).active.cell(row, col).value
    # The range is anchored on the rows around the block, not a list of item cells.
    assert "INDEX" in formula and "ROW()+1" in formula


def test_rows_a_user_inserts_at_the_edges_of_a_block_stay_in_its_sum(
    tmp_path: Path, libreoffice_edit
) -> None:
    """Insert a 项目支出 item right under 项目支出 and right above 公用经费, and an indicator right above
    总分, in LibreOffice as a user would: the sums grow with them."""
    basic = FormContent(BASIC_DATA, 2025)
    basic.blocks["costs.project_items"] = [{"label": "甲", "final": 1}, {"label": "乙", "final": 2}]
    dept = blank_contents(2025)[1]
    path = tmp_path / "insert.xlsx"
    build_workbook([basic, dept]).save(path)
    bp, dp = place(basic), place(dept)
    total_row, col = bp.positions["costs.project_spending.final"]
    next_line, _ = bp.positions["costs.public_funds.final"]
    score_total_row, score_col = dp.positions["total.score"]
    steps = [
        # 0-based rows: inserting at index r puts the new row above sheet row r+1.
        {"sheet": 0, "insert_row": next_line - 1},
        {"sheet": 0, "set": [next_line - 1, col - 1, 10]},
        {"sheet": 0, "insert_row": total_row},
        {"sheet": 0, "set": [total_row, col - 1, 100]},
        {"sheet": 0, "read": [total_row - 1, col - 1]},
        {"sheet": 1, "insert_row": score_total_row - 1},
        {"sheet": 1, "set": [score_total_row - 1, score_col - 1, 5]},
        {"sheet": 1, "read": [score_total_row, score_col - 1]},
    ]
    item_sum, score_sum = libreoffice_edit(path, steps)
    assert item_sum["value"] == 113  # 1 + 2 + the two inserted items
    assert score_sum["value"] == 5  # the inserted indicator's score counts in 总分


def test_formula_cells_locked_inputs_unlocked_sheet_protected_without_password() -> None:
    wb = openpyxl.load_workbook(EXAMPLE)
    for ws in wb.worksheets:
        assert ws.protection.sheet and not ws.protection.password
        assert ws.protection.insertRows is False and ws.protection.deleteRows is False
        assert ws.protection.formatCells is False
        formulas = [
            c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")
        ]
        assert formulas and all(c.protection.locked for c in formulas)
    ws = wb.worksheets[0]
    assert ws["B4"].value == 127 and ws["B4"].protection.locked is False


def test_validation_on_amounts_and_indicator_levels() -> None:
    ws = openpyxl.load_workbook(EXAMPLE).worksheets[1]
    kinds = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert "decimal" in kinds and "list" in kinds
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any("产出指标" in f for f in lists) and any("服务对象满意度指标" in f for f in lists)
    amount_cells = " ".join(
        str(dv.sqref) for dv in ws.data_validations.dataValidation if dv.type == "decimal"
    )
    assert "D5" in amount_cells  # 年初预算数


def test_pdf_export_is_a4_landscape_with_the_titles(tmp_path: Path, libreoffice_convert) -> None:
    pdf = libreoffice_convert(EXAMPLE, tmp_path / "pdf", "pdf")
    info = subprocess.run(
        [require_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"Page size:\s+841\.\d+ x 59[45]\.\d+ pts", info), info
    text = subprocess.run([require_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True).stdout
    for title in (
        "2024年度部门整体支出绩效评价基础数据表",
        "2024年度部门整体支出绩效自评表",
        "2024年度项目支出绩效自评表",
    ):
        assert title in text.replace(" ", "")


def test_published_copy_keeps_the_units_own_figures_and_errors() -> None:
    """The bundled 公开原表 is typed as published: figures, no formulas, its 61.65% and its 2324.71."""
    wb = openpyxl.load_workbook(PUBLISHED)
    assert wb.sheetnames == ["附件1", "附件2", "附件3"]
    assert not [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    texts = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None}
    assert {"61.65%", "2324.71", "2769.05", "5487.80"} <= texts
