"""What reviewers check at a glance (docs/domain-rules.md §7), on the seed's forms typed in memory.

Every figure below is worked out by hand from the 岳阳 2024 forms (tests/handtyped.py) with one
mistake put in, as reviewers meet them in real submissions.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from handtyped import BASIC, DEPARTMENT, PROJECT

from xl_selfeval.engine import run_engine
from xl_selfeval.findings import Finding, Outcome, Severity
from xl_selfeval.grid import Grid
from xl_selfeval.settings import Settings, load_profile

Rows = list[list[object]]


def check(
    basic: Rows = BASIC,
    department: Rows = DEPARTMENT,
    project: Rows = PROJECT,
    settings: Settings | None = None,
) -> Outcome:
    grids = [
        Grid.from_rows("附件1", basic),
        Grid.from_rows("附件2", department),
        Grid.from_rows("附件3", project),
    ]
    return run_engine(grids, settings or load_profile("全国"))


def edited(rows: Rows, label: str, column: int, value: object) -> Rows:
    """A copy of ``rows`` with the cell in ``column`` (0-based) of the row holding ``label`` replaced."""
    out = copy.deepcopy(rows)
    row = next(r for r in out if label in [str(c) for c in r if c is not None])
    row.extend([None] * (column + 1 - len(row)))
    row[column] = value
    return out


def found(outcome: Outcome, code: str) -> list[Finding]:
    return [f for f in outcome.findings if f.code == code]


def where(f: Finding) -> str:
    return f"{f.cell.sheet}!{f.cell.address}"


def test_execution_above_budget_3000_against_2769_05() -> None:
    # 附件3 当年财政拨款 and 年度资金总额 执行数 3000 (E7, E10) against 全年预算数 2769.05:
    # 3000 ÷ 2769.05 = 108.34%.
    project = edited(PROJECT, "其中:当年财政拨款", 4, 3000)
    outcome = check(project=edited(project, "年度资金总额", 4, 3000))
    # Named on the 执行率 G10 (the figure shown above 100%), with the 全年执行数 E10 as related.
    hits = found(outcome, "executed_above_budget")
    assert [where(f) for f in hits] == ["附件3!G10"]
    assert [f"{r.sheet}!{r.address}" for r in hits[0].related] == ["附件3!E10"]
    assert hits[0].severity is Severity.WARNING
    assert "108.34%" in hits[0].message and "2769.05" in hits[0].message


def test_execution_within_budget_is_not_flagged() -> None:
    assert not found(check(), "executed_above_budget")


def test_public_costs_above_their_budget() -> None:
    # 公务接待 决算 9.5 against 预算 5.8, 办公经费 200 against 86: both over; 三公经费 becomes
    # 4.30 + 0 + 9.5 = 13.80, still within its 15.8.
    basic = edited(BASIC, "3、公务接待", 3, 9.5)
    basic = edited(basic, "三公经费", 3, 13.8)
    basic = edited(basic, "其中：办公经费", 3, 200)
    hits = {where(f): f for f in found(check(basic=basic), "cost_above_budget")}
    assert set(hits) == {"附件1!D11", "附件1!D17"}
    assert "9.50" in hits["附件1!D11"].message and "5.80" in hits["附件1!D11"].message
    assert "超3.70" in hits["附件1!D11"].message
    assert "超114.00" in hits["附件1!D17"].message


def test_three_public_43_8_against_15_8_with_its_parts() -> None:
    # 三公经费 43.8 = 公务用车 38.5 (购置 30 + 运行维护 8.5) + 出国 0 + 接待 5.3.
    basic = edited(BASIC, "三公经费", 3, 43.8)
    basic = edited(basic, "1、公务用车购置和维护经费", 3, 38.5)
    basic = edited(basic, "其中：公车购置", 3, 30)
    basic = edited(basic, "公车运行维护", 3, 8.5)
    basic = edited(basic, "3、公务接待", 3, 5.3)
    hits = sorted(where(f) for f in found(check(basic=basic), "cost_above_budget"))
    # 三公经费 43.8 > 15.8; 公务用车 38.5 > 10; 公车购置 30 > 0; 运行维护 8.5 ≤ 10 and 接待 5.3 ≤ 5.8 pass.
    assert hits == ["附件1!D6", "附件1!D7", "附件1!D8"]


def test_seed_costs_within_budget_are_not_flagged() -> None:
    # The seed: 三公经费 5.43 ≤ 15.8, 办公经费 58.86 ≤ 86, 水电差旅 131.76 ≤ 165, 会议培训 7.04 ≤ 54.
    assert not found(check(), "cost_above_budget")


def test_total_capped_by_execution_rate_under_the_platform_profile() -> None:
    # 附件3: 1701.93 ÷ 2769.05 = 61.46%, in 60–70%: the 一体化平台 manual allows at most 79; the form says 94.15.
    platform = check(settings=load_profile("一体化平台"))
    hits = [f for f in found(platform, "total_above_execution_cap") if f.cell.sheet == "附件3"]
    assert len(hits) == 1 and "61.46%" in hits[0].message and "79" in hits[0].expected
    assert "94.15" in hits[0].actual
    # 附件2: 4791.96 ÷ 6298.34 = 76.08%, in 70–80%: at most 89; the form says 95.61.
    dept = [f for f in found(platform, "total_above_execution_cap") if f.cell.sheet == "附件2"]
    assert len(dept) == 1 and "89" in dept[0].expected and "95.61" in dept[0].actual
    assert not found(check(), "total_above_execution_cap")  # 全国 sets no cap


def test_over_achievement_loses_two_points_under_the_platform_profile() -> None:
    # 办理住房公积金提取 42.41亿元 ÷ 28亿元 = 151.46% ≥ 130%: 偏离, 5 − 2 = 3; the form gives 5.
    platform = check(settings=load_profile("一体化平台"))
    hits = [
        f for f in found(platform, "score_differs_from_rule") if f.cell.sheet == "附件2" and f.cell.row == 14
    ]
    assert len(hits) == 1 and hits[0].expected == "3.00"
    # 归集 56.85 ÷ 50 = 113.70%: below 130%, no penalty, no finding on row 16.
    assert not [
        f for f in found(platform, "score_differs_from_rule") if f.cell.sheet == "附件2" and f.cell.row == 16
    ]


def test_switching_profiles_changes_exactly_the_findings_the_profile_names() -> None:
    national = {(f.code, where(f)) for f in check().findings}
    platform = {(f.code, where(f)) for f in check(settings=load_profile("一体化平台")).findings}
    added = platform - national
    assert national - platform == set()
    # The caps on both totals, and the 偏离 penalty on the two 提取 rows (附件2 I14, 附件3 H15) —
    # 42.41 ÷ 28 = 151.46% in both forms; nothing else.
    assert {code for code, _ in added} == {"total_above_execution_cap", "score_differs_from_rule"}
    assert sorted(cell for code, cell in added if code == "score_differs_from_rule") == [
        "附件2!I14",
        "附件3!H15",
    ]


def test_template_placeholder_with_a_score() -> None:
    outcome = check(department=edited(DEPARTMENT, "归集住房公积金", 3, "指标1"))
    hits = found(outcome, "template_residue_scored")
    assert [where(f) for f in hits] == ["附件2!D16"] and hits[0].severity is Severity.WARNING


@pytest.mark.parametrize("residue", ["XXX", "≥*", "……"])
def test_other_placeholders(residue: str) -> None:
    # The row keeps its 分值 5 and 得分 5: a placeholder that was scored.
    outcome = check(department=edited(DEPARTMENT, "归集住房公积金", 4, residue))
    assert [where(f) for f in found(outcome, "template_residue_scored")] == ["附件2!E16"]


def test_an_actual_that_is_no_measurement() -> None:
    # 年度指标值 28亿元 answered with “完成”: nothing to compare.
    outcome = check(department=edited(DEPARTMENT, "办理住房公积金提取", 5, "完成"))
    assert [where(f) for f in found(outcome, "actual_not_a_measurement")] == ["附件2!F14"]


def test_satisfaction_above_100_percent() -> None:
    outcome = check(department=edited(DEPARTMENT, "住房公积金窗口服务满意度", 5, "105%"))
    hits = found(outcome, "rate_above_100")
    assert [where(f) for f in hits] == ["附件2!F29"] and "105.00%" in hits[0].message


def test_a_deviation_reason_that_says_nothing() -> None:
    # 贷款 scores 3 of 5 and its reason reads “无”.
    outcome = check(department=edited(DEPARTMENT, "发放住房公积金贷款", 9, "无"))
    assert [where(f) for f in found(outcome, "deviation_says_nothing")] == ["附件2!J15"]


def test_the_seed_reason_is_a_real_reason() -> None:
    assert not found(check(), "deviation_says_nothing")


def test_every_score_full_although_the_loan_fell_short() -> None:
    # 贷款 10.19亿元 of 15亿元 (67.93%) scored 5 of 5: now every indicator has full marks.
    outcome = check(department=edited(DEPARTMENT, "发放住房公积金贷款", 8, 5))
    hits = [f for f in found(outcome, "all_full_marks_but_short") if f.cell.sheet == "附件2"]
    assert len(hits) == 1 and hits[0].severity is Severity.INFO and "发放住房公积金贷款" in hits[0].message
    assert not found(check(), "all_full_marks_but_short")  # the seed scored the loan 3


def test_a_deadline_after_the_year_end() -> None:
    outcome = check(department=edited(DEPARTMENT, "5个工作日内", 4, "2025年3月底前完成"))
    hits = found(outcome, "date_after_year_end")
    assert [where(f) for f in hits] == ["附件2!E23"] and "2025年3月" in hits[0].message


def test_a_cost_target_written_as_a_floor() -> None:
    outcome = check(department=edited(DEPARTMENT, "成本控制在预算内", 4, "≥5487.8万元"))
    assert [where(f) for f in found(outcome, "cost_target_not_ceiling")] == ["附件2!E30"]


def test_a_rate_target_answered_in_person_times() -> None:
    department = edited(DEPARTMENT, "住房公积金窗口服务满意度", 5, "1200人次")
    hits = found(check(department=department), "unit_mismatch")
    assert [where(f) for f in hits] == ["附件2!F29"] and "单位不一致" in hits[0].message


def test_units_that_differ_are_named_on_a_row_not_yet_weighed() -> None:
    # The same 1200人次 against 95%, on a row whose 评扣分标准, 分值 and 得分 are still blank: nothing to
    # score it by, but the units are judged all the same (the context reads every row with both cells).
    department = edited(DEPARTMENT, "住房公积金窗口服务满意度", 5, "1200人次")
    for column in (6, 7, 8):
        department = edited(department, "住房公积金窗口服务满意度", column, None)
    hits = found(check(department=department), "unit_mismatch")
    assert [where(f) for f in hits] == ["附件2!F29"] and "单位不一致" in hits[0].message


def test_an_amount_typed_in_yuan_against_a_target_in_wan_yuan() -> None:
    # 年度指标值 28亿元 = 280000万元; 实际 42.41万元 is 1/6602 of it: 亿 written as 万.
    department = edited(DEPARTMENT, "办理住房公积金提取", 5, "42.41万元")
    hits = found(check(department=department), "amount_unit_suspect")
    assert [where(f) for f in hits] == ["附件2!F14"]


def test_the_seed_forms_get_no_new_review_finding() -> None:
    new_codes = {
        "executed_above_budget",
        "cost_above_budget",
        "total_above_execution_cap",
        "template_residue",
        "template_residue_scored",
        "actual_not_a_measurement",
        "rate_above_100",
        "negative_actual",
        "deviation_says_nothing",
        "deviation_repeated",
        "all_full_marks_but_short",
        "date_after_year_end",
        "cost_target_not_ceiling",
        "unit_mismatch",
        "amount_unit_suspect",
    }
    assert not [f.message for f in check().findings if f.code in new_codes]


def test_profiles_carry_their_sources() -> None:
    for name in ("全国", "一体化平台", "执行20-产出40-效益满意度40", "湖南"):
        settings = load_profile(name)
        assert settings.profile == name and settings.profile_sources
    assert load_profile("一体化平台").deviation_penalty == Decimal(2)
    assert load_profile("执行20-产出40-效益满意度40").execution_weight == Decimal(20)
