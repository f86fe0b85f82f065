"""Suggested scores follow docs/domain-rules.md §2–3; the figures are the seed's (岳阳 2024), worked out by hand."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xl_selfeval.scoring import (
    IndicatorKind,
    Suggestion,
    classify,
    execution_rate,
    execution_score,
    grade,
    suggest,
)
from xl_selfeval.settings import Settings
from xl_selfeval.values import parse_value

D = Decimal
DEFAULT = Settings()
DEVIATION = Settings(negative_formula="deviation")


def score(target: str, actual: str, weight: str, name: str = "", settings: Settings = DEFAULT) -> Suggestion:
    return suggest(parse_value(target), parse_value(actual), D(weight), settings, name)


def kind(target: str, actual: str, name: str = "") -> IndicatorKind:
    return classify(parse_value(target), parse_value(actual), name)


# --- 执行率 and its 得分 -------------------------------------------------------------------------------


def test_execution_rate_is_execution_over_the_adjusted_budget_unrounded() -> None:
    # 附件3: 1701.93 / 2769.05 = 0.614622…; the form shows 61.46% (the seed mistyped 61.65%).
    rate = execution_rate(D("1701.93"), D("2769.05"))
    assert rate is not None
    assert D("0.61462") < rate < D("0.61463")


@pytest.mark.parametrize(("executed", "budget"), [(D("5"), None), (None, D("5")), (D("5"), D("0"))])
def test_no_execution_rate_without_a_budget(executed: Decimal | None, budget: Decimal | None) -> None:
    assert execution_rate(executed, budget) is None


def test_execution_score_of_the_seed_project_table() -> None:
    # 10 × 0.614622… = 6.146… → 6.15
    assert execution_score(D("10"), execution_rate(D("1701.93"), D("2769.05"))) == D("6.15")


def test_execution_score_of_the_seed_department_table() -> None:
    # 10 × 4791.96 / 6298.34 = 10 × 0.760831… = 7.608… → 7.61
    assert execution_score(D("10"), execution_rate(D("4791.96"), D("6298.34"))) == D("7.61")


def test_execution_score_rounds_half_up_like_excel() -> None:
    # 10 × 0.61245 = 6.1245 → 6.12 either way; 10 × 0.6125 = 6.125 → 6.13 (round() would give 6.12).
    assert execution_score(D("10"), D("0.6125")) == D("6.13")


def test_overspending_earns_no_more_than_the_weight() -> None:
    assert execution_score(D("10"), D("1.07")) == D("10.00")


def test_a_negative_execution_earns_nothing() -> None:
    assert execution_score(D("10"), D("-0.2")) == D("0.00")


def test_no_rate_no_execution_score() -> None:
    assert execution_score(D("10"), None) is None


# --- grade ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        *[("100", "优"), ("95.61", "优"), ("90", "优"), ("89.99", "良"), ("80", "良")],
        *[("79.99", "中"), ("60", "中"), ("59.99", "差"), ("0", "差"), ("-1", "差")],
    ],
)
def test_grade_bands(total: str, expected: str) -> None:
    assert grade(D(total), DEFAULT) == expected


def test_grade_follows_a_configured_scale_in_any_order() -> None:
    scale = Settings(grades=((D("0"), "不合格"), (D("85"), "优秀"), (D("60"), "合格")))
    assert [grade(D(t), scale) for t in ("86", "85", "84.99", "60", "59")] == [
        "优秀",
        "优秀",
        "合格",
        "合格",
        "不合格",
    ]


# --- positive: B ≥ A → W, else W × B / A ---------------------------------------------------------------


def test_loans_below_target_score_w_times_b_over_a() -> None:
    # 发放住房公积金贷款: 5 × 10.19 / 15 = 3.3966… → 3.40 (the seed typed 3).
    s = score("15亿元", "10.19亿元", "5", "发放住房公积金贷款")
    assert s.kind is IndicatorKind.POSITIVE
    assert s.score == D("3.40")
    assert s.achieved is False
    assert "5×10.19亿元÷15亿元=3.40" in s.explanation


def test_withdrawals_above_target_score_full_and_are_over_achieved() -> None:
    # 办理住房公积金提取: 42.41 ≥ 28 → 5; 42.41 / 28 = 151.46% ≥ 130% → needs a 偏差原因.
    s = score("28亿元", "42.41亿元", "5", "办理住房公积金提取")
    assert (s.kind, s.score, s.achieved, s.over_achieved) == (IndicatorKind.POSITIVE, D("5"), True, True)
    assert "151.46%" in s.explanation and "130%" in s.explanation


def test_value_added_income_above_target_but_not_far_above() -> None:
    # 实现住房公积金增值收益: 3.7665 ≥ 3.4 → 10; 110.78% < 130%.
    s = score("3.4亿元", "3.7665亿元", "10", "实现住房公积金增值收益")
    assert (s.score, s.achieved, s.over_achieved) == (D("10"), True, False)


def test_satisfaction_95_percent_is_positive() -> None:
    s = score("95%", "99%", "10", "住房公积金窗口服务满意度")
    assert (s.kind, s.score) == (IndicatorKind.POSITIVE, D("10"))


def test_amounts_compare_across_units() -> None:
    # 9000万元 against 1.5亿元 = 15000万元: 5 × 9000 / 15000 = 3.00.
    assert score("1.5亿元", "9000万元", "5").score == D("3.00")


def test_counts_compare_across_magnitudes() -> None:
    # 2.17万人 = 21700人 ≥ 20000人.
    assert score("20000人", "2.17万人", "5").score == D("5")
    assert score("1公里", "800米", "5").score == D("4.00")


def test_over_achievement_threshold_is_a_setting() -> None:
    strict = Settings(over_achievement=D("1.1"))
    assert score("3.4亿元", "3.7665亿元", "10", settings=strict).over_achieved


def test_over_achievement_starts_at_the_threshold_inclusive() -> None:
    assert score("100人", "130人", "5").over_achieved
    assert not score("100人", "129人", "5").over_achieved


# --- negative: B ≤ A → W, else W × A / B (or the deviation variant) ------------------------------------


def test_overdue_rate_below_its_ceiling_scores_full() -> None:
    # 年度个人住房贷款逾期率: 控制在0.06%以下, 0.02% → 5.
    s = score("控制在0.06%以下", "0.02%", "5", "年度个人住房贷款逾期率")
    assert (s.kind, s.score, s.achieved) == (IndicatorKind.NEGATIVE, D("5"), True)


def test_negative_above_the_ceiling_scores_w_times_a_over_b() -> None:
    # 5 × 0.06 / 0.09 = 3.333… → 3.33
    s = score("控制在0.06%以下", "0.09%", "5")
    assert (s.score, s.achieved) == (D("3.33"), False)
    assert "5×0.06%÷0.09%=3.33" in s.explanation


def test_deviation_variant_worked_by_hand() -> None:
    # 5 × (1 − (0.09 − 0.06) / 0.06) = 5 × (1 − 0.5) = 2.50
    s = score("控制在0.06%以下", "0.09%", "5", settings=DEVIATION)
    assert s.score == D("2.50")
    assert "5×(1−(0.09%−0.06%)÷0.06%)=2.50" in s.explanation


def test_deviation_variant_gives_nothing_once_b_reaches_twice_a() -> None:
    assert score("控制在0.06%以下", "0.12%", "5", settings=DEVIATION).score == D("0")
    assert score("控制在0.06%以下", "0.3%", "5", settings=DEVIATION).score == D("0")


def test_deviation_variant_still_gives_full_marks_below_the_ceiling() -> None:
    assert score("控制在0.06%以下", "0.02%", "5", settings=DEVIATION).score == D("5")


@pytest.mark.parametrize(
    "target", ["≤90万元", "不超过90万元", "不高于90万元", "90万元以内", "控制在90万元以下"]
)
def test_negative_comparators(target: str) -> None:
    assert kind(target, "95万元") is IndicatorKind.NEGATIVE


@pytest.mark.parametrize(
    "name", ["年度个人住房贷款逾期率", "安全事故率", "业务差错率", "投诉率", "成本控制在预算内"]
)
def test_bare_targets_of_rates_where_less_is_better_are_negative(name: str) -> None:
    assert kind("0.5%", "0.3%", name) is IndicatorKind.NEGATIVE


@pytest.mark.parametrize("name", ["服务对象满意度", "投诉处理率", "逾期贷款收回率", "整改完成率", "覆盖率"])
def test_bare_targets_of_outcomes_are_positive(name: str) -> None:
    assert kind("95%", "96%", name) is IndicatorKind.POSITIVE


def test_a_bare_target_of_zero_is_a_ceiling() -> None:
    assert score("0起", "2起", "5", "安全事故").score == D("0")
    assert score("0起", "0起", "5", "安全事故").score == D("5")


def test_nothing_happened_reads_as_zero_against_a_zero_ceiling() -> None:
    s = score("0起", "无", "5", "安全事故发生数")
    assert (s.kind, s.score) == (IndicatorKind.NEGATIVE, D("5"))


def test_the_cost_indicator_quotes_the_budget_as_a_ceiling() -> None:
    # 附件3: 成本控制在预算内, 2447.06万元 against 1701.93 (typed without 万元) → 10.
    s = score("2447.06万元", "1701.93", "10", "成本控制在预算内")
    assert (s.kind, s.score, s.unit_missing) == (IndicatorKind.NEGATIVE, D("10"), True)


# --- range: inside → W; outside → W × bound / B or W × B / bound ---------------------------------------


def test_loan_ratio_typed_without_percent_is_read_as_percent_and_inside_the_range() -> None:
    # 住房公积金个贷率: 控制在50%-70%的区间, 附件3 typed '52.07' → 52.07% → 2.
    s = score("控制在50%-70%的区间", "52.07", "2", "住房公积金个贷率")
    assert (s.kind, s.score, s.achieved, s.unit_missing) == (IndicatorKind.RANGE, D("2"), True, True)
    assert "实际值52.07%在50%–70%区间内，得满分2" in s.explanation


def test_range_with_the_percent_typed_is_not_flagged() -> None:
    s = score("控制在50%-70%的区间", "52.07%", "2")
    assert (s.score, s.unit_missing) == (D("2"), False)


def test_range_above_uses_the_upper_bound() -> None:
    # 2 × 70 / 80 = 1.75
    s = score("控制在50%-70%的区间", "80%", "2")
    assert (s.score, s.achieved) == (D("1.75"), False)
    assert "2×70%÷80%=1.75" in s.explanation


def test_range_below_uses_the_lower_bound() -> None:
    # 2 × 40 / 50 = 1.60
    s = score("50%～70%", "40%", "2")
    assert s.score == D("1.60")
    assert "2×40%÷50%=1.60" in s.explanation


def test_range_bounds_are_inside() -> None:
    assert score("50%-70%", "50%", "2").score == D("2")
    assert score("50%-70%", "70%", "2").score == D("2")


# --- qualitative and timeliness: a band from the wording of B ------------------------------------------


def test_immediate_handling_done_on_time_is_timeliness_in_the_achieved_band() -> None:
    # 即时办理 / 按时完成, W 2: 80%–100% → 1.60–2.00.
    s = score("即时办理", "按时完成", "2")
    assert s.kind is IndicatorKind.TIMELINESS
    assert (s.score, s.low, s.high, s.achieved) == (None, D("1.60"), D("2.00"), True)


@pytest.mark.parametrize(
    "target", ["自受理申请之日起20个工作日内", "5个工作日内", "自受理贷款申请日起10个工作日内"]
)
def test_deadlines_done_on_time_are_timeliness(target: str) -> None:
    s = score(target, "按时完成", "2")
    assert (s.kind, s.low, s.high) == (IndicatorKind.TIMELINESS, D("1.60"), D("2.00"))


def test_a_deadline_against_a_number_of_days_is_compared() -> None:
    assert score("自受理申请之日起20个工作日内", "15个工作日", "2").score == D("2")
    assert score("自受理申请之日起20个工作日内", "25个工作日", "2").score == D("1.60")


@pytest.mark.parametrize(
    ("target", "actual"),
    [
        ("有效", "实现增值"),
        ("有效", "有效发挥保障作用"),
        ("有效实现", "有效实现增值"),
        ("有效降低", "有效降低"),
    ],
)
def test_seed_qualitative_wordings_are_in_the_achieved_band(target: str, actual: str) -> None:
    s = score(target, actual, "10")
    assert (s.kind, s.low, s.high, s.achieved) == (IndicatorKind.QUALITATIVE, D("8.00"), D("10.00"), True)


@pytest.mark.parametrize("actual", ["基本完成", "部分实现", "初步建立"])
def test_partly_achieved_wording_is_in_the_partial_band(actual: str) -> None:
    s = score("有效", actual, "10")
    assert (s.low, s.high, s.achieved) == (D("6.00"), D("8.00"), False)


@pytest.mark.parametrize("actual", ["未完成", "没有实现", "效果较差", "进度滞后"])
def test_failed_wording_is_in_the_failed_band(actual: str) -> None:
    s = score("有效", actual, "10")
    assert (s.low, s.high, s.achieved) == (D("0.00"), D("6.00"), False)


@pytest.mark.parametrize("actual", ["未发生安全事故", "无投诉", "未超预算"])
def test_a_good_outcome_said_with_a_negative_word_is_achieved(actual: str) -> None:
    assert score("有效", actual, "10").achieved is True


def test_wording_that_says_nothing_gives_no_band() -> None:
    s = score("有效", "见附件", "10")
    assert (s.kind, s.low, s.high, s.achieved) == (IndicatorKind.QUALITATIVE, None, None, None)


def test_bands_are_settings() -> None:
    wide = Settings(achieved_band=(D("0.9"), D("1")))
    s = score("有效", "有效", "10", settings=wide)
    assert (s.low, s.high) == (D("9.00"), D("10.00"))


def test_a_figure_target_with_a_worded_actual_is_judged_by_the_wording() -> None:
    s = score("5487.8万元", "控制在预算内", "10", "成本控制在预算内")
    assert (s.kind, s.low, s.high) == (IndicatorKind.QUALITATIVE, D("8.00"), D("10.00"))


# --- units ---------------------------------------------------------------------------------------------


def test_incompatible_units_are_unknown_with_the_reason() -> None:
    s = score("≥95%", "98公里", "5")
    assert (s.kind, s.score) == (IndicatorKind.UNKNOWN, None)
    assert "单位不一致" in s.explanation


def test_different_count_units_are_unknown() -> None:
    assert kind("100人", "120人次") is IndicatorKind.UNKNOWN


def test_a_plain_actual_against_a_count_is_read_in_the_count_unit() -> None:
    # 5 × 118 / 120 = 4.9166… → 4.92
    s = score("120公里", "118", "5")
    assert (s.score, s.unit_missing) == (D("4.92"), True)


def test_a_plain_target_is_read_in_the_actual_unit() -> None:
    s = score("≥95", "98%", "5")
    assert (s.score, s.unit_missing) == (D("5"), False)


# --- a bare number against a rate: read as a percentage (52.07) or a fraction (0.99), the one nearer A ---


def bare(target: str, actual: object, weight: str = "10", name: str = "") -> Suggestion:
    """B as a number cell in General format (parse_value gives a PLAIN figure), A as typed text."""
    return suggest(parse_value(target), parse_value(actual), D(weight), DEFAULT, name)


def test_satisfaction_typed_as_the_fraction_0_99_reads_as_99_percent_and_scores_full() -> None:
    # 0.99% would be a hundred times below 95%; 99% is just above it.
    s = bare("95%", 0.99, name="住房公积金窗口服务满意度")
    assert (s.kind, s.score, s.achieved, s.unit_missing) == (IndicatorKind.POSITIVE, D("10"), True, True)
    assert "实际完成值“0.99”未写单位，按小数读作99%" in s.explanation
    assert "实际值99%达到年度指标值95%，得满分10" in s.explanation


def test_an_overdue_rate_typed_as_a_fraction_reads_as_0_02_percent_under_its_ceiling() -> None:
    # 0.0002 as a fraction is 0.02% (a third of the 0.06% ceiling); as a percentage it is 0.0002%.
    s = bare("控制在0.06%以下", 0.0002, "5", "年度个人住房贷款逾期率")
    assert (s.kind, s.score, s.achieved, s.unit_missing) == (IndicatorKind.NEGATIVE, D("5"), True, True)
    assert "按小数读作0.02%" in s.explanation and "实际值0.02%未超过年度指标值0.06%" in s.explanation


def test_the_seed_loan_ratio_52_07_stays_52_07_percent_inside_its_range() -> None:
    # 52.07% lies inside 50%–70%; 5207% would be far above it.
    s = bare("控制在50%-70%的区间", "52.07", "2", "住房公积金个贷率")
    assert (s.kind, s.score, s.unit_missing) == (IndicatorKind.RANGE, D("2"), True)
    assert "按年度指标值的单位读作52.07%" in s.explanation


def test_half_against_a_one_percent_ceiling_is_half_a_percent() -> None:
    # 0.5% is half the ceiling; 50% would be fifty times over it.
    s = bare("≤1%", "0.5", "5", "投诉率")
    assert (s.kind, s.score, s.achieved, s.unit_missing) == (IndicatorKind.NEGATIVE, D("5"), True, True)
    assert "读作0.5%" in s.explanation


def test_1_2_against_95_percent_is_the_fraction_120_percent_not_1_2_percent() -> None:
    s = bare("≥95%", 1.2, "5")
    assert (s.score, s.achieved, s.unit_missing) == (D("5"), True, True)
    assert "按小数读作120%" in s.explanation and "读作1.2%与年度指标值相差更远" in s.explanation


def test_when_both_readings_fall_inside_the_range_the_row_unit_is_kept() -> None:
    # 0.5% and 50% are both within 0.1%–100%: nothing says the cell meant a fraction.
    s = bare("0.1%-100%", "0.5", "5")
    assert (s.score, s.unit_missing) == (D("5"), True)
    assert "按年度指标值的单位读作0.5%" in s.explanation


@pytest.mark.parametrize(("actual", "shown"), [(0, "0%"), (-0.5, "-0.5%")])
def test_zero_and_negative_bare_figures_are_still_read_in_the_target_unit(actual: float, shown: str) -> None:
    # No logarithm for them: the reading stays the one the row's unit gives, and scores nothing.
    s = bare("≥95%", actual, "5")
    assert (s.score, s.achieved, s.unit_missing) == (D("0"), False, True)
    assert f"按年度指标值的单位读作{shown}" in s.explanation


def test_a_bare_fraction_target_is_read_as_a_fraction_against_a_percent_actual() -> None:
    # The mirror: A typed ≥0.95 means 95%, not 0.95%, next to B = 98%.
    s = score("≥0.95", "98%", "5")
    assert (s.score, s.achieved, s.unit_missing) == (D("5"), True, False)
    assert "年度指标值未写单位，按小数读作95%" in s.explanation
    ranged = score("0.5-0.7", "80%", "5")  # 80% above 50%–70%: 5 × 70% ÷ 80% = 4.375 → 4.38
    assert (ranged.score, ranged.achieved) == (D("4.38"), False)
    assert "按小数读作50%–70%" in ranged.explanation


# --- blank, copied, not applicable ---------------------------------------------------------------------


def test_blank_cost_actual_is_flagged_and_not_scored() -> None:
    # 附件2: 成本控制在预算内 5487.8万元 with 实际完成值 left blank (the seed still scored 10).
    s = score("5487.8万元", "", "10", "成本控制在预算内")
    assert (s.actual_blank, s.score, s.achieved) == (True, None, None)


def test_an_actual_that_repeats_the_target_is_flagged_and_not_scored() -> None:
    s = score("≥80%", "≥80%", "5")
    assert (s.actual_repeats_target, s.score) == (True, None)


def test_a_qualitative_copy_is_flagged_but_still_banded() -> None:
    s = score("有效降低", "有效降低", "5")
    assert s.actual_repeats_target
    assert (s.low, s.high) == (D("4.00"), D("5.00"))


def test_an_equal_bare_figure_is_not_a_copy() -> None:
    s = score("95%", "95%", "10")
    assert (s.actual_repeats_target, s.score) == (False, D("10"))


@pytest.mark.parametrize(("target", "name"), [("不适用", "不适用"), ("不适用", ""), ("有效", "不适用")])
def test_not_applicable_rows_get_no_score(target: str, name: str) -> None:
    s = score(target, "不适用", "0", name)
    assert (s.kind, s.score, s.low, s.high) == (IndicatorKind.NOT_APPLICABLE, None, None, None)


def test_a_blank_target_is_unknown() -> None:
    assert kind("", "5%") is IndicatorKind.UNKNOWN


# --- properties ----------------------------------------------------------------------------------------

_numbers = st.decimals(min_value=D("-1000"), max_value=D("100000"), places=2, allow_nan=False)
_weights = st.decimals(min_value=D("0"), max_value=D("100"), places=2)
_units = st.sampled_from(["%", "万元", "亿元", "人次", "公里", ""])
_targets = st.one_of(
    st.builds(
        lambda c, n, u: f"{c}{n}{u}",
        st.sampled_from(["≥", "≤", "不低于", "不超过", "", "控制在"]),
        _numbers,
        _units,
    ),
    st.builds(lambda n, u: f"控制在{n}{u}以下", _numbers, _units),
    st.builds(lambda a, b, u: f"{a}{u}-{b}{u}", _numbers, _numbers, _units),
)
_actuals = st.builds(lambda n, u: f"{n}{u}", _numbers, _units)
_settings = st.sampled_from([DEFAULT, DEVIATION])


@given(_targets, _actuals, _weights, _settings, st.sampled_from(["", "逾期率", "满意度", "成本控制在预算内"]))
def test_a_quantitative_score_is_never_negative_nor_above_the_weight(
    target: str, actual: str, weight: Decimal, settings: Settings, name: str
) -> None:
    s = suggest(parse_value(target), parse_value(actual), weight, settings, name)
    # Units that do not compare or a negative target leave the score to the evaluator; assume() rejects
    # those examples, so a suggest() that never scored would reject them all and fail the test.
    assume(s.score is not None)
    assert s.score is not None
    assert s.kind in (IndicatorKind.POSITIVE, IndicatorKind.NEGATIVE, IndicatorKind.RANGE)
    assert D(0) <= s.score <= weight
    assert s.score == s.score.quantize(D("0.01"))
    if s.achieved:
        assert s.score == weight


@given(st.text(max_size=40), st.text(max_size=40), _weights, _settings, st.text(max_size=20))
def test_suggest_never_raises_for_any_pair_of_texts(
    target: str, actual: str, weight: Decimal, settings: Settings, name: str
) -> None:
    s = suggest(parse_value(target), parse_value(actual), weight, settings, name)
    assert s.explanation or s.kind is IndicatorKind.UNKNOWN
    for bound in (s.score, s.low, s.high):
        assert bound is None or D(0) <= bound <= weight


# Comparator words, units, numbers and wordings people type, plus a space and a full-width dot.
_pieces = st.sampled_from(
    [
        *[
            "≥",
            "≤",
            "控制在",
            "以下",
            "以内",
            "%",
            "‰",
            "万元",
            "亿元",
            "元",
            "人次",
            "万人",
            "个工作日内",
            "-",
            "～",
            "的区间",
        ],
        *["0", "1", "0.5", "95", "1,000", "．", "按时", "完成", "未", "基本", "无", "不适用", "有效", "—"],
        " ",
    ]
)
_fragments = st.lists(_pieces, max_size=6).map("".join)


@given(_fragments, _fragments, _weights, _settings, _fragments)
def test_suggest_never_raises_for_pairs_built_from_typical_pieces(
    target: str, actual: str, weight: Decimal, settings: Settings, name: str
) -> None:
    s = suggest(parse_value(target), parse_value(actual), weight, settings, name)
    for bound in (s.score, s.low, s.high):
        assert bound is None or D(0) <= bound <= weight


# The seed's own rows, each kind worked out by hand from the scoring rules (docs: 评分规则): classify and
# suggest must both say it; neither is the expectation of the other.
@pytest.mark.parametrize(
    ("target", "actual", "name", "expected"),
    [
        ("95%", "99%", "住房公积金窗口服务满意度", IndicatorKind.POSITIVE),  # more is better
        ("控制在0.06%以下", "0.02%", "年度个人住房贷款逾期率", IndicatorKind.NEGATIVE),  # a ceiling
        ("控制在50%-70%的区间", "52.07%", "住房公积金个贷率", IndicatorKind.RANGE),
        ("有效", "实现增值", "实现公积金保值增值", IndicatorKind.QUALITATIVE),  # wording against wording
        ("自受理申请之日起20个工作日内", "按时完成", "提取审批", IndicatorKind.TIMELINESS),
        ("不适用", "不适用", "不适用", IndicatorKind.NOT_APPLICABLE),
        ("不涉及", "", "不涉及", IndicatorKind.NOT_APPLICABLE),  # the same answer in other words
        ("", "5%", "逾期率", IndicatorKind.UNKNOWN),  # no target: nothing to compare with
    ],
)
def test_the_kind_of_the_seed_rows_worked_by_hand(
    target: str, actual: str, name: str, expected: IndicatorKind
) -> None:
    assert kind(target, actual, name) is expected
    assert score(target, actual, "5", name).kind is expected


# A bare number as a cell holds it: small and large, zero and negative.
_bare_numbers = st.one_of(
    st.decimals(min_value=D("-1000"), max_value=D("1000"), places=6, allow_nan=False),
    st.builds(lambda m, e: m.scaleb(e), st.decimals(D("0.1"), D("9.99"), places=2), st.integers(-30, 30)),
)
_rate_targets = st.one_of(
    st.builds(lambda c, n: f"{c}{n}%", st.sampled_from(["≥", "≤", "不低于", "控制在", ""]), _numbers),
    st.builds(lambda n: f"控制在{n}‰以下", _numbers),
    st.builds(lambda a, b: f"{a}%-{b}%", _numbers, _numbers),
)


@given(_rate_targets, _bare_numbers, _weights, _settings, st.sampled_from(["", "逾期率", "满意度"]))
def test_a_bare_number_against_a_rate_is_scored_as_one_of_its_two_readings(
    target: str, number: Decimal, weight: Decimal, settings: Settings, name: str
) -> None:
    a = parse_value(target)
    s = suggest(a, parse_value(number), weight, settings, name)  # never raises
    # A target the parser did not take as a rate, or a rule that needs the evaluator, gives no score;
    # assume() rejects those, so a suggest() that never scored would reject every example and fail.
    assume(s.score is not None)
    assert s.score is not None
    assert D(0) <= s.score <= weight
    assert s.unit_missing  # the cell shows no %, whichever reading was taken
    # The same figure in a cell formatted as a percentage: once as typed in A's unit, once as a fraction.
    scale = D("0.001") if "‰" in target else D("0.01")
    as_unit = suggest(a, parse_value(number * scale, "0.00%"), weight, settings, name)
    as_fraction = suggest(a, parse_value(number, "0.00%"), weight, settings, name)
    took_fraction = "按小数读作" in s.explanation
    assert (s.score, s.achieved) == (
        (as_fraction.score, as_fraction.achieved) if took_fraction else (as_unit.score, as_unit.achieved)
    )
    # With a single positive target, the reading taken is the one nearer it on a log scale.
    t = a.quantity
    if t is not None and t.number > 0 and number > 0:
        unit_gap = abs(math.log(number * scale / t.number))
        fraction_gap = abs(math.log(number / t.number))
        if abs(unit_gap - fraction_gap) > 1e-9:
            assert took_fraction == (fraction_gap < unit_gap)


def test_energy_in_tonnes_of_standard_coal_compares_across_its_two_spellings() -> None:
    # 能耗 控制在≤100吨标准煤, actual 120吨标煤: a ceiling exceeded, 5 × 100 ÷ 120 = 4.17.
    s = suggest(parse_value("≤100吨标准煤"), parse_value("120吨标煤"), Decimal("5"), Settings(), "综合能耗")
    assert s.kind is IndicatorKind.NEGATIVE and s.score == Decimal("4.17")
