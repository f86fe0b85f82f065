"""四川's 项目支出绩效自评表 (报表编号 510000_0013zp) read by meaning, and the 四川 profile's rules on it.

The rows are 青神县发展和改革局's 2023 工资性支出 form and 大英县司法局's 2023 安可替代 form as published
(tests/real/forms/sichuan-2023-*.toml), typed in memory.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from xl_selfeval.engine import run_engine
from xl_selfeval.findings import Finding
from xl_selfeval.grid import CellData, Grid
from xl_selfeval.read import read_forms
from xl_selfeval.settings import load_profile

NOTE = (
    "1.预算执行率=预算执行数/调整后预算数，预算执行率未达到90%的需说明原因（100字以内）；2.年中发生预算调整的"
    "（追加或调减），应单独说明理由；3.其他资金包括：社会投入资金、银行贷款."
)
INDICATOR_HEADER = ["绩效指标（90分）", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
INDICATOR_HEADER += ["完成值", "权重", "得分", "未完成原因分析"]
MERGES = ("A1:K1", "A2:K2", "B3:K3", "A6:A9", "A10:A15", "I10:K10", "I11:K15", "A16:A19", "B20:K20")


def rate(x: str) -> CellData:
    return CellData(float(Decimal(x)), number_format="0.00%")


def qingshen(
    initial: object = 238.93, budget: object = 251.89, executed: object = 251.89
) -> list[list[object]]:
    """青神 工资性支出: 总额 row 238.93 | 251.89 | 251.89 | 100.00% | 权重 10 | 得分 blank; 产出 60, 效益 30."""
    r = (
        rate("1")
        if executed == budget
        else rate(str(round(Decimal(str(executed)) / Decimal(str(budget)), 4)))
    )
    return [
        ["报表编号：510000_0013zp"],
        ["部门预算项目支出绩效自评表（2023年度）"],
        ["项目名称", "51000021R000000019951-工资性支出"],
        ["主管部门", "青神县发展和改革局本级"],
        ["实施单位（盖章）", "青神县发展和改革局"],
        ["项目基本情况", "1.项目年度目标完成情况"],
        ["", "项目年度目标", "", "", "", "", "年度目标完成情况"],
        ["", "严格执行相关政策，保障工资及时、足额发放或社保及时、足额缴纳。", "", "", "", "", "完成"],
        ["", "2.项目实施内容及过程概述"],
        [
            "预算执行情况（10分）",
            "年度预算数（万元）",
            "年初预算",
            "调整后预算数",
            "预算执行数",
            "预算执行率",
            "权重",
            "得分",
            "原因",
        ],
        ["", "总额", initial, budget, executed, r, 10, "", NOTE],
        ["", "其中：财政资金", initial, budget, executed, r, "/", "/"],
        ["", "财政专户管理资金", 0, 0, 0, rate("0"), "/", "/"],
        ["", "单位资金", 0, 0, 0, rate("0"), "/", "/"],
        ["", "其他资金", "", "", "", "", "/", "/"],
        INDICATOR_HEADER,
        ["", "产出指标", "数量指标", "发放（缴纳）覆盖率", "=", 100, "%", "", 60, "", ""],
        ["", "效益指标", "社会效益指标", "足额保障率（参保率）", "=", 100, "%", "", 30, "", ""],
        ["", "合计", "", "", "", "", "", "", 100, "", ""],
        ["评价结论", "结合自评情况，说明项目自评总分，说明项目实施取得的成效或成果。（200字以内）"],
        ["项目负责人：", "", "", "", "", "财务负责人："],
    ]


def grid(rows: list[list[object]]) -> Grid:
    return Grid.from_rows("自评表", rows, MERGES)


def codes(rows: list[list[object]], profile: str) -> list[tuple[str, str]]:
    found: list[Finding] = run_engine([grid(rows)], load_profile(profile)).findings
    return [(str(f.code), f.cell.address) for f in found if f.severity.value != "info"]


def test_the_budget_execution_block_is_read_as_the_execution_line() -> None:
    (form,) = read_forms([grid(qingshen())])
    assert form.year == 2023  # from '（2023年度）' after the title's name
    got = {
        k: (f.ref.address, f.text) for k, f in form.fields.items() if k.startswith(("funds.total", "total."))
    }
    assert got["funds.total.budget"] == ("D11", "251.89")
    assert got["funds.total.executed"] == ("E11", "251.89")
    assert got["funds.total.weight"] == ("G11", "10")
    assert got["funds.total.reason"][0] == "I11"
    assert got["total.weight"] == ("I19", "100")  # 合计 is the 总分 row
    # The indicators end at 合计: neither 合计 nor 评价结论 is read as an indicator.
    assert [r.row for r in form.blocks["indicators"]] == [17, 18]


def test_the_sichuan_weights_draw_no_convention_warning_under_the_sichuan_profile() -> None:
    # 执行 10 + 产出 60 + 效益 30 = 100: 全国 expects 50/30/10, 四川's form sets only 执行10 | 指标90.
    plain = qingshen(initial=251.89)  # no budget adjustment: the weights alone
    assert ("weights_differ_from_convention", "I19") in codes(plain, "全国")
    # What is left is the unit's: 完成值 and 得分 never typed, the 评价结论 still the template's text. The
    # printed note in the 原因 beside a 100% 执行率 with no adjustment is not a finding.
    assert codes(plain, "四川") == [
        ("indicator_unfilled", "H17"),
        ("indicator_unfilled", "H18"),
        ("instruction_text_left", "B20"),
    ]


def test_a_mid_year_adjustment_needs_its_reason_under_the_sichuan_profile() -> None:
    # 大英 安可替代: 年初预算 0.00 → 调整后 3.36; the 原因 cell holds only the printed note.
    rows = qingshen(initial=0, budget=3.36, executed=3.36)
    rows[-2][1] = "按要求购买安可设备，完成资金支付，自评得分100分。"  # a conclusion of the unit's own
    for row in rows[16:18]:
        row[7], row[9] = 100, row[8]  # 完成值 and 得分 typed
    assert codes(rows, "四川") == [("execution_reason_missing", "I11")]
    (f,) = [f for f in run_engine([grid(rows)], load_profile("四川")).findings if f.cell.address == "I11"]
    assert f.message == (
        "自评表!I11 年初预算0.00万元调整为3.36万元（年中追加），“原因”栏只有表样印好的填写说明；"
        "按“四川”方案应单独说明调整理由"
    )
    assert ("execution_reason_missing", "I11") not in codes(rows, "全国")  # no such rule nationally
    rows[10][8] = "年中追加安可替代补助资金3.36万元（县财政局追加指标）"
    assert codes(rows, "四川") == []


@pytest.mark.parametrize(("executed", "flagged"), [(226.71, False), (226.70, False), (226.45, True)])
def test_an_execution_rate_below_90_percent_needs_its_reason(executed: float, flagged: bool) -> None:
    # 226.71 ÷ 251.89 = 90.0036%; 226.70 ÷ 251.89 = 89.9996%, shown as 90.00% (the rate is judged as the
    # form shows it, to 0.01%); 226.45 ÷ 251.89 = 89.90% < 90%. No adjustment (年初 = 调整后).
    rows = qingshen(initial=251.89, executed=executed)
    found = [c for c in codes(rows, "四川") if c[0] == "execution_reason_missing"]
    assert found == ([("execution_reason_missing", "I11")] if flagged else [])


def test_the_sichuan_profile_states_its_sources() -> None:
    s = load_profile("四川")
    assert s.weights == {"预算执行率": Decimal(10), "产出指标+效益指标+满意度指标": Decimal(90)}
    assert s.execution_reason_below == Decimal("0.9") and s.adjustment_needs_reason
    assert any("scqs.gov.cn" in src for src in s.profile_sources)
    assert any("未找到" in src for src in s.profile_sources)


TAIL = [  # 大英: the last rows of the form before 安可替代 on the page, its head not in the stored text
    INDICATOR_HEADER,
    ["", "产出指标", "经济成本指标", "成本控制数", "≤", 30, "万元", "完成", 90, 90, ""],
    ["", "合计", "", "", "", "", "", "", 100, "", ""],
    ["评价结论", "根据财政局资金下达的管理办法，将资金支付给项目施工方。"],
    ["存在问题", "无"],
    ["项目负责人：查小兵", "", "", "", "", "财务负责人：唐勇"],
]


def test_a_forms_tail_is_read_as_far_as_its_rows_go() -> None:
    (form,) = read_forms([Grid.from_rows("前表末尾", TAIL, ("A1:A2", "B3:H3", "B4:K4"))])
    (row,) = form.blocks["indicators"]
    # 指标性质 '≤' | 指标值 30 | 度量单位 '万元' read as one target.
    assert (row.row, row.level1, row.level2, row.cells["target"].value.raw) == (
        2,
        "产出指标",
        "经济成本指标",
        "≤30万元",
    )
    # 合计 100 counts the 执行率 10 of the head that is not on the sheet: not read, not checked.
    assert "total.weight" not in form.fields and "total.score" not in form.fields
    outcome = run_engine([Grid.from_rows("前表末尾", TAIL, ("A1:A2", "B3:H3", "B4:K4"))])
    found = outcome.findings
    (score,) = outcome.scores
    assert (score.total, score.grade) == (None, "")  # no 总分 or grade from 90 of the indicators alone
    assert [(str(f.code), f.cell.address) for f in found if f.severity.value != "info"] == [
        ("actual_not_a_measurement", "H2")  # ≤30万元 answered with 完成; no level or weight warning
    ]


def test_a_target_typed_over_nature_value_and_unit_columns_is_one_target() -> None:
    (form,) = read_forms([grid(qingshen())])
    targets = [r.cells["target"].value.raw for r in form.blocks["indicators"]]
    assert targets == ["=100%", "=100%"]


def test_a_tail_and_the_next_form_on_one_sheet_are_read_apart() -> None:
    # 大英's page as one sheet: the tail's three rows, then 安可替代 from its title (row 4, not a form beside it).
    rows = TAIL[:3] + qingshen(initial=0, budget=3.36, executed=3.36)[1:]
    grid = Grid.from_rows("自评表", rows)
    tail, form = read_forms([grid])
    assert [r.row for r in tail.blocks["indicators"]] == [2] and tail.title is None
    assert (form.title, form.year) == ("部门预算项目支出绩效自评表（2023年度）", 2023)
    assert [r.row for r in form.blocks["indicators"]] == [19, 20]
