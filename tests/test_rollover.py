"""`new --from`: next year's workbook from last year's, with figures worked out by hand from the seed."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLE
from openpyxl.worksheet.worksheet import Worksheet

from xl_selfeval.compute import Calculator
from xl_selfeval.files.xlsx import read_workbook
from xl_selfeval.model import Form
from xl_selfeval.read import read_forms
from xl_selfeval.rollover import roll_over

LOAN_SHORT = "附件2 发放住房公积金贷款：目标15亿元，实际10.19亿元"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xl_selfeval", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def rolled_example(tmp_path: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    result = run("new", "--year", "2025", "--from", str(EXAMPLE), "-o", "2025年度绩效自评.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / "2025年度绩效自评.xlsx", result


def row_of(ws: Worksheet, label: str, col: int = 1) -> int:
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, col).value == label:
            return row
    raise AssertionError(f"{ws.title}: no row labelled {label!r}")


def column_of(ws: Worksheet, header: str) -> int:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == header:
                return cell.column
    raise AssertionError(f"{ws.title}: no header {header!r}")


def figure(ws: Worksheet, label: str, header: str) -> Decimal | None:
    value = ws.cell(row_of(ws, label), column_of(ws, header)).value
    return None if value in (None, "") else Decimal(repr(value)).quantize(Decimal("0.01"))


def indicator(form: Form, name: str) -> dict[str, object]:
    for row in form.blocks["indicators"]:
        if row.get("name") is not None and row.cells["name"].text == name:
            return {key: f.value.raw for key, f in row.cells.items()}
    raise AssertionError(f"{form.display_name}: no indicator {name!r}")


def calculator(form: Form) -> Calculator:
    return Calculator(form.layout, form.number, form.column)


# --- the bundled example (our own openpyxl-saved workbook: derived cells are formulas without results) ------


def test_example_2024_actuals_land_in_the_2024_column_of_2025(tmp_path: Path, libreoffice_convert) -> None:
    path, _ = rolled_example(tmp_path)
    ws = openpyxl.load_workbook(libreoffice_convert(path, tmp_path / "lo"), data_only=True).worksheets[0]
    assert ws["A2"].value == "2025年度部门整体支出绩效评价基础数据表"
    prev = "2024年决算数"
    # Seed 附件1, column 2024年决算数: 公车运行维护 4.30 + 公车购置 0 + 出国 0 + 公务接待 1.13 = 三公经费 5.43.
    assert figure(ws, "三公经费", prev) == Decimal("5.43")
    assert figure(ws, "1、公务用车购置和维护经费", prev) == Decimal("4.30")
    assert figure(ws, "公车运行维护", prev) == Decimal("4.30")
    assert figure(ws, "3、公务接待", prev) == Decimal("1.13")
    # The unit's item rows carry over with their labels; 项目支出 is their sum.
    assert figure(ws, "2、运行维护经费", prev) == Decimal("1701.93")
    assert figure(ws, "1、业务工作经费", prev) is None
    assert figure(ws, "项目支出：", prev) == Decimal("1701.93")
    assert figure(ws, "其中：办公经费", prev) == Decimal("58.86")
    assert figure(ws, "政府采购金额", prev) == Decimal("833.00")
    # 编制数 127 carried; 2025年实际在职人数 is the new year's.
    staff_row = row_of(ws, "财政供养人员情况") + 1
    assert ws.cell(staff_row, column_of(ws, "编制数")).value == 127
    assert ws.cell(staff_row, column_of(ws, "2025年实际在职人数")).value is None
    # Everything of 2025 is blank: the input cells of 2025年预算数 / 2025年决算数.
    for label in ("公车运行维护", "2、运行维护经费", "其中：办公经费", "政府采购金额"):
        assert figure(ws, label, "2025年预算数") is None, label
        assert figure(ws, label, "2025年决算数") is None, label


def test_example_rolled_headers_titles_and_no_2024_actuals(tmp_path: Path) -> None:
    path, _ = rolled_example(tmp_path)
    wb = openpyxl.load_workbook(path)
    texts = [
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None
    ]
    assert "2025年度部门整体支出绩效评价基础数据表" in texts
    assert "2025年度部门整体支出绩效自评表" in texts and "2025年度项目支出绩效自评表" in texts
    assert {"2024年决算数", "2025年预算数", "2025年决算数"} <= set(texts)
    assert not any("2023年" in t or "2024年度" in t for t in texts)
    # Last year's actuals, 偏差原因 and 实际完成情况 are not in the new workbook.
    for gone in ("42.41亿元", "10.19亿元", "住房交易创新低", "已按省监管办下达", "有效发挥保障作用"):
        assert not any(gone in t for t in texts), gone
    assert wb.sheetnames == ["附件1 基础数据表", "附件2 部门整体支出绩效自评表", "附件3 运转经费"]


def test_example_indicators_and_targets_carried_actuals_and_scores_blank(tmp_path: Path) -> None:
    path, result = rolled_example(tmp_path)
    basic, dept, proj = read_forms(read_workbook(path))
    assert (basic.year, dept.year, proj.year) == (2025, 2025, 2025)
    assert dept.text("unit_name") == "岳阳市住房公积金管理中心本级"
    assert dept.text("goals.expected").startswith("完成省监管办下达的年度各项任务指标")
    assert dept.get("goals.actual").is_blank  # type: ignore[union-attr]
    assert proj.text("project_name") == "运转经费"
    assert proj.text("competent_dept") == "岳阳市住房公积金管理中心"
    assert proj.text("implementing_unit") == "岳阳市住房公积金管理中心本级"
    for form, table in ((dept, "budget"), (proj, "funds")):
        assert len(form.blocks["indicators"]) == 19
        loan = indicator(form, "发放住房公积金贷款")
        assert loan["target"] == "15亿元" and form.blocks["indicators"][0].level1 == "产出指标"
        assert Decimal(str(loan["weight"])) == 5
        assert loan["actual"] == loan["score"] == loan["deviation"] == ""
        for row in form.blocks["indicators"]:
            assert (
                row.cells["actual"].is_blank
                and row.cells["score"].is_blank
                and row.cells["deviation"].is_blank
            )
        # 执行率 分值 10 carried; budgets and execution of 2025 blank.
        assert form.number(f"{table}.total.weight") == 10
        assert calculator(form).figure(f"{table}.total.budget") is None
        assert form.get(f"{table}.total.executed").is_blank  # type: ignore[union-attr]
    assert indicator(dept, "发放住房公积金贷款")["criteria"] == "5分"
    assert indicator(dept, "实现住房公积金增值收益")["criteria"] == "20分"  # as typed, though the 分值 is 10
    # 项目支出 of the new 附件1 recomputed by our engine from the carried item rows.
    assert calculator(basic).figure("costs.project_spending.prev_final") == Decimal("1701.93")
    assert calculator(basic).figure("costs.three_public.prev_final") == Decimal("5.43")
    # The summary: what was carried and what fell short.
    out = result.stdout
    assert "已由2024年度工作簿结转生成2025年度三表" in out
    assert "三公经费5.43" in out and "项目支出1701.93" in out and "编制数127" in out
    assert "结转绩效指标19条" in out and "留空待填" in out
    assert LOAN_SHORT in out
    assert "附件3（运转经费） 发放住房公积金贷款：目标15亿元，实际10.19亿元" in out
    # Indicators that met their target are not listed.
    assert "办理住房公积金提取：" not in out and "住房公积金个贷率：" not in out


def test_summary_of_the_pure_roll_over_counts_and_lists() -> None:
    contents, summary = roll_over(read_forms(read_workbook(EXAMPLE)), 2025)
    assert [c.layout.name for c in contents] == ["附件1", "附件2", "附件3"]
    # 8 line figures (公车购置 0, 公车运行维护, 出国 0, 公务接待, 办公, 水电差旅, 会议培训, 政府采购) + 1 item.
    assert summary.figures_carried == 9 and summary.item_rows == 3
    assert summary.indicators == [("附件2", 19), ("附件3（运转经费）", 19)]
    assert summary.fell_short[0].text == LOAN_SHORT
    assert dict(summary.derived) == {"三公经费": Decimal("5.43"), "项目支出": Decimal("1701.93")}
    # Numbers stay numbers, text stays text.
    basic = contents[0]
    assert basic.values["costs.car_operation.prev_final"] == 4.3
    assert basic.values["staff.value.authorized"] == 127
    assert contents[1].blocks["indicators"][1]["weight"] == 5
    assert contents[1].blocks["indicators"][1]["target"] == "15亿元"


# --- a workbook a unit typed itself ------------------------------------------------------------------------

INFO, BRANCH = "信息化建设经费", "网点改造经费"


def _indicator_row(l1, l2, name, target, actual, weight, score, reason=None, criteria=None):  # type: ignore[no-untyped-def]
    cells = [None, l1, l2, name, target, actual]
    if criteria is not None:
        cells.append(criteria)
    return [*cells, weight, score, reason]


def _write(ws: Worksheet, rows: list[list[object]], top: int = 3, left: int = 3) -> None:
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(top + i, left + j, value)


def build_handtyped(path: Path, three_public: object = 8.2) -> Path:
    """2024 forms typed by hand: own sheet names, start cell C3, constants, text numbers, own 项目支出 items."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表一"
    _write(
        ws,
        [
            ["附件1"],
            ["2024年度部门整体支出绩效评价基础数据表"],
            ["财政供养人员情况", "编制数", "2024年实际在职人数", "控制率"],
            [None, 45, 43, "95.56%"],
            ["经费控制情况(万元)", "2023年决算数", "2024年预算数", "2024年决算数"],
            ["三公经费", 12.5, 10, three_public],
            ["1、公务用车购置和维护经费", 7.5, 4, 3.1],
            ["其中：公车购置", 0, 0, 0],
            ["公车运行维护", 7.5, 4, "3.10"],
            ["2、出国经费", 0, 0, 0],
            ["3、公务接待", 5, 6, 5.1],
            ["项目支出：", 300, 400, 356.8],
            [INFO, 100, 150, 120.5],
            [BRANCH, 200, 250, "236.30"],
            ["公用经费：", 80, 90, 88],
            ["其中：办公经费", 20, 22, 20.45],
            ["水费、电费、差旅费", 30, 30, 30],
            ["会议费、培训费", 5, 5, 5],
            ["政府采购金额", 100, 160, 150],
            ["部门基本支出预算调整", None, None, None],
            [
                "楼堂馆所控制情况\n（2024年完工项目）",
                "批复规模\n（㎡）",
                "实际规模\n（㎡）",
                "规模控制率",
                "预算投资\n（万元）",
                "实际投资\n（万元）",
                "投资概算控制率",
            ],
            [None, 0, 0, None, 0, 0, None],
            ["厉行节约保障措施", "严控三公经费。"],
        ],
    )
    ws2 = wb.create_sheet("表二 整体")
    _write(
        ws2,
        [
            ["附件2"],
            ["2024年度部门整体支出绩效自评表"],
            ["预算部门名称", "某市住房公积金管理中心"],
            [
                "年度预算申请\n(万元)",
                None,
                "年初预算数\n(万元)",
                "全年预算数\n（万元）",
                "全年执行数（万元）",
                "分值",
                "执行率",
                "得分",
            ],
            [None, "年度资金总额：", 1000, 1100, 1050, 10, "95.45%", 9.55],
            [None, "按收入性质分：", None, "按支出性质分："],
            [None, "一般公共预算：", 1100, "其中:基本支出：", 693.2],
            [None, "政府性基金拨款：", 0],
            [None, "纳入专户管理的非税收入拨款：", 0, "项目支出：", 356.8],
            [None, "其他资金", 0],
            ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
            [
                None,
                "建成公积金信息系统二期，完成网点改造。",
                None,
                None,
                None,
                "系统二期上线，网点改造完成。",
            ],
            [
                "绩效指标",
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "评扣分标准",
                "分值",
                "得分",
                "偏差原因分析及改进措施",
            ],
            _indicator_row(
                "产出指标", "数量指标", "系统上线模块数", "≥5个", "4个", 10, 8, "一个模块延至次年", "10分"
            ),
            _indicator_row(None, "质量指标", "系统可用率", 0.99, 0.995, 10, 10, criteria="10分"),
            _indicator_row(
                None, "时效指标", "网点改造按期完成", "2024年12月底前", "按时完成", 10, 10, criteria="10分"
            ),
            _indicator_row(
                "效益指标", "社会效益指标", "群众办事便利度", "有效提升", "有效提升", 30, 30, criteria="30分"
            ),
            _indicator_row(
                None, "生态效益指标", None, None, None, None, None
            ),  # a blank template row left in
            _indicator_row(
                "满意度指标", "服务对象满意度指标", "服务对象满意度", "90%", "95%", 10, 10, criteria="10分"
            ),
            _indicator_row(
                "成本指标",
                "经济成本指标",
                "成本控制在预算内",
                "400万元",
                "356.8万元",
                20,
                20,
                criteria="20分",
            ),
            _indicator_row(None, "社会成本指标", "不适用", "不适用", None, None, None, criteria="无"),
            ["总分", None, None, None, None, None, None, 100, 97.55],
        ],
    )
    ws2.cell(17, 7).number_format = ws2.cell(17, 8).number_format = "0.0%"  # 系统可用率 typed as 99.0%
    for name, budget, executed, rows in (
        (
            INFO,
            150,
            120.5,
            [
                _indicator_row(
                    "产出指标", "数量指标", "系统上线模块数", "≥5个", "4个", 50, 40, "一个模块延至次年"
                ),
                _indicator_row("效益指标", "社会效益指标", "群众办事便利度", "有效提升", "有效提升", 30, 30),
                _indicator_row("满意度指标", "服务对象满意度指标", "服务对象满意度", "90%", "95%", 10, 10),
            ],
        ),
        (BRANCH, 250, 236.3, []),  # indicators never filled in
    ):
        ws3 = wb.create_sheet(f"项目-{name}")
        _write(
            ws3,
            [
                ["附件3"],
                ["2024年度项目支出绩效自评表"],
                ["项目支出名称", name],
                ["主管部门", "某市住房和城乡建设局", None, "实施单位", "某市住房公积金管理中心"],
                [
                    "项目资金(万元)",
                    "资金来源",
                    "年初预算数",
                    "全年预算数",
                    "全年执行数",
                    "分值",
                    "执行率",
                    "得分",
                ],
                [None, "其中:当年财政拨款", budget, budget, executed],
                [None, "上年结转金额", 0, 0, 0],
                [None, "其它资金", 0, 0, 0],
                [None, "年度资金总额", budget, budget, executed, None, None, None],
                ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
                [None, f"完成{name}年度任务。", None, None, None, "已完成。"],
                [
                    "绩效指标",
                    "一级指标",
                    "二级指标",
                    "三级指标",
                    "年度指标值",
                    "实际完成值",
                    "分值",
                    "得分",
                    "偏差原因分析及改进措施",
                ],
                *rows,
                ["总分", None, None, None, None, None, 100, None],
            ],
        )
    wb.save(path)
    return path


def test_handtyped_workbook_rolls_over(tmp_path: Path) -> None:
    source = build_handtyped(tmp_path / "2024年度自评（手填）.xlsx")
    result = run("new", "--from", source.name, "-o", "新.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    wb = openpyxl.load_workbook(tmp_path / "新.xlsx")
    assert wb.sheetnames == [
        "附件1 基础数据表",
        "附件2 部门整体支出绩效自评表",
        f"附件3 {INFO}",
        f"附件3 {BRANCH}",
    ]
    basic, dept, info, branch = read_forms(read_workbook(tmp_path / "新.xlsx"))
    assert {f.year for f in (basic, dept, info, branch)} == {2025}

    # 附件1: 2024年决算数 of last year, row by row; the unit's own items become the item rows.
    assert basic.number("costs.car_operation.prev_final") == Decimal("3.1")  # typed as text "3.10"
    assert basic.number("costs.reception.prev_final") == Decimal("5.1")
    assert basic.number("costs.public_funds.prev_final") == 88
    assert basic.number("costs.office.prev_final") == Decimal("20.45")
    assert basic.number("staff.value.authorized") == 45
    items = {r.cells["label"].text: r.cells["prev_final"].number for r in basic.blocks["costs.project_items"]}
    assert items == {INFO: Decimal("120.5"), BRANCH: Decimal("236.3")}
    calc = calculator(basic)
    assert calc.figure("costs.three_public.prev_final") == Decimal("8.2")  # 3.10 + 0 + 5.1
    assert calc.figure("costs.project_spending.prev_final") == Decimal("356.8")  # 120.5 + 236.30
    for key in ("costs.office.budget", "costs.office.final", "staff.value.actual"):
        assert basic.get(key).is_blank, key  # type: ignore[union-attr]
    assert all(
        r.cells["budget"].is_blank and r.cells["final"].is_blank for r in basic.blocks["costs.project_items"]
    )

    # 附件2: targets as typed (a 99.0% number becomes the text 99%), the blank template row dropped.
    assert dept.text("unit_name") == "某市住房公积金管理中心"
    names = [r.cells["name"].text for r in dept.blocks["indicators"]]
    assert names == [
        "系统上线模块数",
        "系统可用率",
        "网点改造按期完成",
        "群众办事便利度",
        "服务对象满意度",
        "成本控制在预算内",
        "不适用",
    ]
    assert indicator(dept, "系统上线模块数")["target"] == "≥5个"
    assert indicator(dept, "系统可用率")["target"] == "99%"
    assert dept.blocks["indicators"][2].level1 == "产出指标"  # the 一级 typed once above carries down
    assert sum(r.cells["weight"].number or 0 for r in dept.blocks["indicators"]) == 90

    # 附件3: one per project of last year; the one without indicators gets the blank skeleton.
    assert info.text("project_name") == INFO and branch.text("project_name") == BRANCH
    assert info.text("competent_dept") == "某市住房和城乡建设局"
    assert info.text("implementing_unit") == "某市住房公积金管理中心"
    assert [r.cells["name"].text for r in info.blocks["indicators"]] == [
        "系统上线模块数",
        "群众办事便利度",
        "服务对象满意度",
    ]
    assert info.number("funds.total.weight") == 10  # blank last year: the default 10
    assert branch.blocks["indicators"] == [] and len(branch.blank_rows) == 19

    out = result.stdout
    assert "附件2 系统上线模块数：目标≥5个，实际4个" in out
    assert f"附件3（{INFO}） 系统上线模块数：目标≥5个，实际4个" in out
    assert "三公经费8.20" in out and "项目支出356.80" in out
    assert f"附件3（{BRANCH}）：上年没有填写绩效指标" in out
    assert "400万元" in out  # 成本控制在预算内 quotes last year's budget: the accountant is told


def test_a_typed_total_that_disagrees_with_its_parts_is_pointed_out(tmp_path: Path) -> None:
    source = build_handtyped(tmp_path / "src.xlsx", three_public=9)
    _, summary = roll_over(read_forms(read_workbook(source)), 2025)
    assert any("三公经费决算数填的是9.00" in note and "8.20" in note for note in summary.notes), summary.notes
    assert ("三公经费", Decimal("8.2")) in summary.derived


# --- the command line ----------------------------------------------------------------------------------------


def test_year_defaults_to_the_year_after_the_source_and_so_does_the_file_name(tmp_path: Path) -> None:
    result = run("new", "--from", str(EXAMPLE), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "2025年度绩效自评.xlsx").exists()
    assert "2025年度" in result.stdout


def test_source_without_forms_is_exit_2_with_a_chinese_reason(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "本工作簿记录的是固定资产清单"
    wb.save(tmp_path / "清单.xlsx")
    (tmp_path / "坏.xlsx").write_bytes(b"not a zip at all")
    for name in ("清单.xlsx", "坏.xlsx", "不存在.xlsx"):
        result = run("new", "--from", name, "-o", "out.xlsx", cwd=tmp_path)
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.startswith("错误：")
        assert len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "out.xlsx").exists()
    assert "没有找到绩效自评表" in run("new", "--from", "清单.xlsx", "-o", "out.xlsx", cwd=tmp_path).stderr


def test_never_overwrites_without_force_nor_the_source_itself(tmp_path: Path) -> None:
    target = tmp_path / "2025.xlsx"
    target.write_bytes(b"mine")
    result = run("new", "--from", str(EXAMPLE), "-o", "2025.xlsx", cwd=tmp_path)
    assert result.returncode == 2 and "--force" in result.stderr
    assert target.read_bytes() == b"mine"
    assert run("new", "--from", str(EXAMPLE), "-o", "2025.xlsx", "--force", cwd=tmp_path).returncode == 0
    assert openpyxl.load_workbook(target).sheetnames[0] == "附件1 基础数据表"

    source = tmp_path / "2024.xlsx"
    source.write_bytes(EXAMPLE.read_bytes())
    result = run("new", "--from", "2024.xlsx", "-o", "2024.xlsx", "--force", cwd=tmp_path)
    assert result.returncode == 2 and "上年工作簿本身" in result.stderr
    assert source.read_bytes() == EXAMPLE.read_bytes()


@pytest.mark.parametrize(
    "args,says",
    [
        (("--unit", "某单位"), "--unit"),
        (("--projects", "运转经费"), "--projects"),
        (("--year", "2026"), "只能结转生成2025年度"),
        (("--year", "2024"), "只能结转生成2025年度"),
        (("--year", "20x5"), "年度"),
    ],
)
def test_options_that_do_not_fit_with_from_are_refused(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    result = run("new", "--from", str(EXAMPLE), "-o", "x.xlsx", *args, cwd=tmp_path)
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_plain_new_still_needs_a_year(tmp_path: Path) -> None:
    result = run("new", "-o", "x.xlsx", cwd=tmp_path)
    assert result.returncode == 2 and "--year" in result.stderr and "Traceback" not in result.stderr


# --- totals typed without their parts (a reviewer's reproduction: the seed's 2024 figures, typed by hand) ----

PREV = "2024年决算数"
UNITEMISED = "项目支出（上年未列明细）"
CAR_NOTE = "请核对：上年“公务用车购置和维护经费”只填了合计4.30，未分项，新表“2024年决算数”列需补填其中各项"


def build_totals_only(path: Path, item_rows: bool = True) -> Path:
    """The hand-typed 2024 workbook with the seed's totals typed without parts in the 2024年决算数 column.

    三公经费 5.43 over 1、公务用车购置和维护经费 4.3 (其中 blank), 出国 0, 公务接待 1.13; 项目支出 1701.93 with
    its item rows blank in that column, or (item_rows=False) with no item rows at all.
    """
    build_handtyped(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["表一"]
    final = column_of(ws, "2024年决算数")
    typed = {
        "三公经费": 5.43,
        "1、公务用车购置和维护经费": 4.3,
        "其中：公车购置": None,
        "公车运行维护": None,
        "2、出国经费": 0,
        "3、公务接待": 1.13,
        "项目支出：": 1701.93,
        INFO: None,
        BRANCH: None,
    }
    for label, value in typed.items():
        ws.cell(row_of(ws, label, col=3), final).value = value
    if not item_rows:
        ws.delete_rows(row_of(ws, INFO, col=3), 2)
    wb.save(path)
    return path


def basic_data_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("附件1："))


@pytest.mark.parametrize("item_rows", [True, False], ids=["blank-item-rows", "no-item-rows"])
def test_totals_typed_without_parts_are_kept_or_pointed_out(
    tmp_path: Path, libreoffice_convert, item_rows: bool
) -> None:
    source = build_totals_only(tmp_path / "2024.xlsx", item_rows)
    result = run("new", "--from", source.name, "-o", "2025.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ws = openpyxl.load_workbook(libreoffice_convert(tmp_path / "2025.xlsx", tmp_path / "lo"), data_only=True)[
        "附件1 基础数据表"
    ]
    # 项目支出 1701.93 lands in one item row, so the new form's sum over its item rows shows it.
    assert figure(ws, "项目支出：", PREV) == Decimal("1701.93")
    holder = INFO if item_rows else UNITEMISED
    assert figure(ws, holder, PREV) == Decimal("1701.93")
    if item_rows:
        assert figure(ws, BRANCH, PREV) is None
    else:  # the official rows stay for this year's items, and take nothing of last year's total
        for label in ("1、业务工作经费", "2、运行维护经费", "3、本级专项资金（一个专项一行）"):
            assert figure(ws, label, PREV) is None, label
    # No invented split of 公务用车 4.30: its parts stay blank, so its SUM shows 0 and 三公经费 = 0 + 0 + 1.13.
    assert figure(ws, "其中：公车购置", PREV) is None and figure(ws, "公车运行维护", PREV) is None
    assert figure(ws, "1、公务用车购置和维护经费", PREV) == Decimal("0.00")
    assert figure(ws, "三公经费", PREV) == Decimal("1.13")

    out = result.stdout
    assert CAR_NOTE in out.splitlines()
    assert (
        f"已整笔填入新表{'分项“' + INFO if item_rows else '新增分项“' + UNITEMISED}”的“2024年决算数”" in out
    )
    # The figures the summary says the new form computes are the ones LibreOffice shows, and 1.13 is said to
    # leave out the 4.30 still to be split.
    line = basic_data_line(out)
    assert "由此算得三公经费1.13（未含待补填分项的公务用车购置和维护经费4.30）、项目支出1701.93" in line
    assert "三公经费5.43" not in out


def test_a_lone_subtotal_is_not_claimed_as_a_figure_of_the_new_form(tmp_path: Path) -> None:
    """三公经费 5.43 typed with all four of its part rows blank: the new form's 三公经费 is a SUM of blanks."""
    source = build_handtyped(tmp_path / "src.xlsx")
    wb = openpyxl.load_workbook(source)
    ws = wb["表一"]
    final = column_of(ws, "2024年决算数")
    ws.cell(row_of(ws, "三公经费", col=3), final).value = 5.43
    for label in (
        "1、公务用车购置和维护经费",
        "其中：公车购置",
        "公车运行维护",
        "2、出国经费",
        "3、公务接待",
    ):
        ws.cell(row_of(ws, label, col=3), final).value = None
    wb.save(source)
    contents, summary = roll_over(read_forms(read_workbook(source)), 2025)
    assert "上年“三公经费”只填了合计5.43，未分项，新表“2024年决算数”列需补填其中各项" in summary.notes
    assert not any("公务用车购置和维护经费”只填了合计" in note for note in summary.notes)  # it was blank too
    assert not any(key.startswith("costs.car") or "three_public" in key for key in contents[0].values)
    # Only 项目支出 (120.5 + 236.30, as typed) is said to be computed; 三公经费 is not claimed at all.
    assert dict(summary.derived) == {"项目支出": Decimal("356.8")}
    assert "三公经费5.43" not in summary.text and "三公经费0" not in summary.text


def test_a_source_without_basic_data_says_only_that(tmp_path: Path) -> None:
    source = build_handtyped(tmp_path / "src.xlsx")
    wb = openpyxl.load_workbook(source)
    del wb["表一"]
    wb.save(source)
    contents, summary = roll_over(read_forms(read_workbook(source)), 2025)
    text = summary.text
    assert "请核对：上年工作簿中没有附件1，新附件1为空白表" in text
    assert "附件1：" not in text and "上年决算数0个" not in text and "编制数" not in text
    assert contents[0].values == {} and contents[0].blocks == {}


def test_targets_are_only_called_reached_when_there_were_indicators_to_judge(tmp_path: Path) -> None:
    source = build_handtyped(tmp_path / "src.xlsx")
    wb = openpyxl.load_workbook(source)
    for name in ("表二 整体", f"项目-{INFO}"):
        del wb[name]
    wb.save(source)
    # Left: 附件1 and the 附件3 of 网点改造经费, whose indicators were never filled in.
    _, summary = roll_over(read_forms(read_workbook(source)), 2025)
    assert summary.indicators_assessed == 0 and summary.fell_short == []
    assert "目标" not in summary.text.split("请按本年目标修改。")[1]
    assert "上年各指标均已达到目标" not in summary.text and "未达到目标" not in summary.text

    # The 附件3 of 信息化建设经费 with its one short indicator met (5个, full 50): now all reached their target.
    source = build_handtyped(tmp_path / "src2.xlsx")
    wb = openpyxl.load_workbook(source)
    ws = wb[f"项目-{INFO}"]
    row = row_of(ws, "系统上线模块数", col=6)
    ws.cell(row, 8).value, ws.cell(row, 10).value = "5个", 50
    for name in ("表二 整体", f"项目-{BRANCH}"):
        del wb[name]
    wb.save(source)
    _, summary = roll_over(read_forms(read_workbook(source)), 2025)
    assert summary.indicators_assessed == 3 and summary.fell_short == []
    assert "上年各指标均已达到目标。" in summary.text


def test_new_from_honours_the_limits_of_the_rules_file(tmp_path: Path) -> None:
    """[limits] of 规则.toml applies to every read, last year's workbook for new --from too."""
    import os
    import zipfile

    big = tmp_path / "2024.xlsx"
    with zipfile.ZipFile(EXAMPLE) as src, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/media/image99.bin", os.urandom(3 * 1024 * 1024))  # a 3 MB picture, say
    rules = tmp_path / "规则.toml"
    rules.write_text("[limits]\nmax_file_mb = 2\n", "utf-8")
    refused = run("new", "--from", str(big), "-o", "a.xlsx", "--config", str(rules), cwd=tmp_path)
    assert refused.returncode == 2 and "文件过大" in refused.stderr and "上限 2.0 MB" in refused.stderr
    assert not (tmp_path / "a.xlsx").exists()
    assert run("new", "--from", str(big), "-o", "b.xlsx", cwd=tmp_path).returncode == 0  # default: 50 MB


def test_the_core_of_rollover_and_the_list_opens_no_file_door() -> None:
    code = (
        "import sys, xl_selfeval.rollover, xl_selfeval.issue_list, xl_selfeval.marks, xl_selfeval.naming;"
        "print(sorted(m for m in sys.modules if m.startswith(('xl_selfeval.files', 'xl_selfeval.excel',"
        " 'openpyxl', 'xlwings'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
