"""Values as accountants type them (docs/domain-rules.md §4) and the Excel-style rounding of §2."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_selfeval.values import (
    Comparator,
    Dimension,
    Kind,
    Quantity,
    Value,
    _parse_text,
    format_amount,
    format_rate,
    format_score,
    parse_value,
    round_half_up,
    split_label_amount,
    to_decimal,
)

D = Decimal
AMOUNT, RATE, COUNT, PLAIN = Dimension.AMOUNT, Dimension.RATE, Dimension.COUNT, Dimension.PLAIN


def q(number: str, dimension: Dimension, unit: str) -> Quantity:
    return Quantity(D(number), dimension, unit)


# Independent of the code under test: ASCII -> full-width for what accountants type on a Chinese IME.
FULL_WIDTH = str.maketrans("0123456789.,%-+~<>", "０１２３４５６７８９．，％－＋～＜＞")


def excel_round(x: Decimal, places: int) -> Fraction:
    """Excel ROUND by exact rational arithmetic: halves go away from zero."""
    scaled = abs(Fraction(x)) * 10**places
    magnitude = (scaled + Fraction(1, 2)).__floor__()
    return Fraction(-magnitude if x < 0 else magnitude, 10**places)


def with_thousands(text: str) -> str:
    """'1234567.80' -> '1,234,567.80', written independently of the parser."""
    sign = "-" if text.startswith("-") else ""
    digits = text.lstrip("-")
    whole, _, fraction = digits.partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ",".join(groups) + ("." + fraction if fraction else "")


# --- §2: scores and rates are rounded half up, like Excel's ROUND ---------------------------------------


@pytest.mark.parametrize(
    ("x", "places", "expected"),
    [
        ("6.145", 2, "6.15"),
        ("6.1462", 2, "6.15"),  # 10 × 61.462% 执行率 -> 6.15, the seed's 附件3 score
        ("2.675", 2, "2.68"),  # binary floats give 2.67 here
        ("-6.145", 2, "-6.15"),
        ("-2.5", 0, "-3"),
        ("2.5", 0, "3"),
        ("0.614622", 4, "0.6146"),
        ("0.99995", 4, "1.0000"),
        ("5", 2, "5.00"),
        ("3.396", 2, "3.40"),
        ("123456789012345678901234567890.125", 2, "123456789012345678901234567890.13"),
    ],
)
def test_round_half_up_rounds_like_excel_and_keeps_the_places(x: str, places: int, expected: str) -> None:
    result = round_half_up(D(x), places)
    assert str(result) == expected


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("function", [round_half_up, format_amount, format_rate, format_score])
def test_rounding_and_formatting_refuse_non_finite_numbers(
    function: Callable[[Decimal], object], bad: str
) -> None:
    with pytest.raises(ValueError):
        function(D(bad))


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**15), max_value=10**15),
    st.integers(min_value=0, max_value=6),
)
def test_round_half_up_matches_exact_rational_rounding(x: Decimal, places: int) -> None:
    result = round_half_up(x, places)
    assert Fraction(result) == excel_round(x, places)
    assert result.as_tuple().exponent == -places


def test_execution_rate_score_of_the_seed_project_table() -> None:
    # 附件3: 全年执行数 1701.93 / 全年预算数 2769.05; the seed typed 61.65% but scored 6.15.
    rate = D("1701.93") / D("2769.05")
    assert format_rate(rate) == "61.46%"
    assert format_score(D(10) * rate) == "6.15"


def test_suggested_loan_score_is_3_40_not_the_seeds_3() -> None:
    # §2: 发放住房公积金贷款 target 15亿元, actual 10.19亿元, 分值 5 -> 5 × 10.19 / 15.
    score = D("10") * D("10.19") / D("15") * D("0.5")
    assert format_score(score) == "3.40"


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ("1701.93", "1701.93"),
        ("1701.925", "1701.93"),
        ("280000", "280000.00"),  # 28亿元 in 万元
        ("1234567.8", "1234567.80"),  # no thousands separator
        ("-0.001", "0.00"),  # never '-0.00'
        ("-12.345", "-12.35"),
    ],
)
def test_format_amount(x: str, expected: str) -> None:
    assert format_amount(D(x)) == expected


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        ("0.61462", "61.46%"),
        ("0.9606", "96.06%"),
        ("1", "100.00%"),
        ("0.0006", "0.06%"),
        ("1.2", "120.00%"),  # 控制率 may exceed 100%
        ("0.000049", "0.00%"),
        ("0.000050", "0.01%"),
    ],
)
def test_format_rate_shows_a_fraction_as_percent(fraction: str, expected: str) -> None:
    assert format_rate(D(fraction)) == expected


# --- to_decimal ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (1701.93, "1701.93"),  # what the cell shows, not the binary float
        (0.9606, "0.9606"),
        (10, "10"),
        (D("4.30"), "4.30"),
        ("1,701.93", "1701.93"),
        ("１，７０１．９３", "1701.93"),
        (" 4.30 ", "4.30"),
        ("-3", "-3"),
        ("+5", "5"),
    ],
)
def test_to_decimal_reads_numbers_and_numeric_text(x: object, expected: str) -> None:
    result = to_decimal(x)
    assert result == D(expected)
    assert str(result) == str(D(expected))


@pytest.mark.parametrize(
    "x",
    [True, False, None, "abc", "50%", "", float("nan"), float("inf"), D("NaN"), D("-Infinity"), "NaN", "inf",
     "1e999", "1,7011", [], object()],
)  # fmt: skip
def test_to_decimal_rejects_what_is_not_a_finite_number(x: object) -> None:
    assert to_decimal(x) is None


# --- §4: the seed forms' targets and actuals -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("28亿元", q("280000", AMOUNT, "亿元")),
        ("42.41亿元", q("424100", AMOUNT, "亿元")),
        ("3.4亿元", q("34000", AMOUNT, "亿元")),
        ("3.7665亿元", q("37665", AMOUNT, "亿元")),
        ("10.19亿元", q("101900", AMOUNT, "亿元")),
        ("5487.8万元", q("5487.8", AMOUNT, "万元")),
        ("2447.06万元", q("2447.06", AMOUNT, "万元")),
        ("1500元", q("0.15", AMOUNT, "元")),
        ("3亿", q("30000", AMOUNT, "亿")),
        ("12万", q("12", AMOUNT, "万")),
        ("0.02%", q("0.0002", RATE, "%")),
        ("95%", q("0.95", RATE, "%")),
        ("99%", q("0.99", RATE, "%")),
        ("0.6‱", q("0.00006", RATE, "‱")),
        ("1.5‰", q("0.0015", RATE, "‰")),
        ("100百分比", q("1", RATE, "百分比")),
        ("2个百分点", q("0.02", RATE, "个百分点")),
        ("120公里", q("120", COUNT, "公里")),
        ("100人次", q("100", COUNT, "人次")),
        ("2.17万人", q("2.17", COUNT, "万人")),  # 万人 is a head count, not money
        ("5分", q("5", COUNT, "分")),
        ("5个项目", q("5", COUNT, "个项目")),
        ("3次/年", q("3", COUNT, "次/年")),
        ("52.07", q("52.07", PLAIN, "")),  # an actual without the % of its target
        ("1701.93", q("1701.93", PLAIN, "")),
        ("4.30", q("4.30", PLAIN, "")),
        ("1,701.93", q("1701.93", PLAIN, "")),
        ("-3", q("-3", PLAIN, "")),
        ("+5", q("5", PLAIN, "")),
        ("0", q("0", PLAIN, "")),
        ("百分之95", q("0.95", RATE, "百分之")),  # a unit written before the number
        ("¥1,701.93", q("1701.93", PLAIN, "")),  # ¥ does not say 元 or 万元: the column decides
    ],
)
def test_single_figures_are_normalised_to_wan_yuan_and_fractions(raw: str, expected: Quantity) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.NUMBER
    assert value.quantity == expected
    assert value.quantity.unit == expected.unit
    assert value.comparator is None
    assert value.raw == raw


def test_scaled_amounts_print_without_exponent() -> None:
    # Messages quote these numbers: 42.41亿元 must read 424100, not 4.241E+5.
    for raw, shown in [("42.41亿元", "424100"), ("28亿元", "280000"), ("1500元", "0.1500")]:
        quantity = parse_value(raw).quantity
        assert quantity is not None
        assert str(quantity.number) == shown


@pytest.mark.parametrize(
    ("raw", "comparator", "expected"),
    [
        ("≥95%", Comparator.GE, q("0.95", RATE, "%")),
        ("≥100百分比", Comparator.GE, q("1", RATE, "百分比")),
        ("≥80%", Comparator.GE, q("0.8", RATE, "%")),  # an actual that only repeats the target
        ("不低于90%", Comparator.GE, q("0.9", RATE, "%")),
        ("不少于100人次", Comparator.GE, q("100", COUNT, "人次")),
        ("达到95%", Comparator.GE, q("0.95", RATE, "%")),
        ("达95%", Comparator.GE, q("0.95", RATE, "%")),
        ("95%以上", Comparator.GE, q("0.95", RATE, "%")),
        ("95%（含）以上", Comparator.GE, q("0.95", RATE, "%")),
        ("＞90%", Comparator.GT, q("0.9", RATE, "%")),
        (">90%", Comparator.GT, q("0.9", RATE, "%")),
        ("≤90万元", Comparator.LE, q("90", AMOUNT, "万元")),
        ("控制在0.06%以下", Comparator.LE, q("0.0006", RATE, "%")),
        ("控制在5%以内", Comparator.LE, q("0.05", RATE, "%")),
        ("控制在5%", Comparator.LE, q("0.05", RATE, "%")),  # 控制在 alone still caps the value
        ("10%以内", Comparator.LE, q("0.1", RATE, "%")),
        ("不高于3%", Comparator.LE, q("0.03", RATE, "%")),
        ("不超过2769.05万元", Comparator.LE, q("2769.05", AMOUNT, "万元")),
        ("<1%", Comparator.LT, q("0.01", RATE, "%")),
        ("=100%", Comparator.EQ, q("1", RATE, "%")),
    ],
)
def test_comparator_words_and_symbols(raw: str, comparator: Comparator, expected: Quantity) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.NUMBER
    assert value.comparator is comparator
    assert value.quantity == expected
    assert value.quantity.unit == expected.unit


@pytest.mark.parametrize(
    ("raw", "low", "high"),
    [
        ("控制在50%-70%的区间", q("0.5", RATE, "%"), q("0.7", RATE, "%")),
        ("50%～70%", q("0.5", RATE, "%"), q("0.7", RATE, "%")),
        ("50%~70%", q("0.5", RATE, "%"), q("0.7", RATE, "%")),
        ("50%至70%", q("0.5", RATE, "%"), q("0.7", RATE, "%")),
        ("50%—70%", q("0.5", RATE, "%"), q("0.7", RATE, "%")),
        ("50-70%", q("0.5", RATE, "%"), q("0.7", RATE, "%")),  # one unit for both bounds
        ("在50%－70%之间", q("0.5", RATE, "%"), q("0.7", RATE, "%")),
        ("1-2亿元", q("10000", AMOUNT, "亿元"), q("20000", AMOUNT, "亿元")),
        ("70%-50%", q("0.5", RATE, "%"), q("0.7", RATE, "%")),  # bounds typed the wrong way round
    ],
)
def test_ranges(raw: str, low: Quantity, high: Quantity) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.NUMBER
    assert value.comparator is Comparator.RANGE
    assert value.quantity is None
    assert (value.low, value.high) == (low, high)


@pytest.mark.parametrize(
    "raw",
    [
        "有效",
        "按时完成",
        "即时办理",
        "达成",
        "实现增值",
        "有效降低",
        "有效实现增值",
        "有效发挥保障作用",
        "有效\n\n实现",  # a cell of the seed broken over lines
        "已按省监管办下达的年度各项任务完成各项指标。",
    ],
)
def test_qualitative_wording_is_text(raw: str) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.TEXT
    assert value.quantity is None
    assert value.deadline_days is None


@pytest.mark.parametrize(
    "raw",
    [
        "NaN",
        "inf",
        "-Infinity",
        "1e999",
        "1有效",  # a number followed by a word that is no unit
        "①95%",  # a list marker is not part of the figure
        "10 20",  # two numbers
        "95%%",
        "1.2.3",
        "≥95%以下",  # two contradicting comparators
        "≥50%-70%",  # a direction and a range at once
        "50%之间",  # a range word without a range
        "50%-70亿元",  # bounds of different kinds
        "2024年底前",
        "2项已完成",  # a classifier followed by prose, not by a noun
        "3家的",
        "完成率100%",
        "100%完成",
        "42.41亿元（截至12月）",
        "1,7011",  # a misplaced thousands separator
        "٣",  # a non-ASCII digit that is not full-width
    ],
)
def test_mixed_or_odd_text_is_not_taken_for_a_figure(raw: str) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.TEXT
    assert value.quantity is None
    assert value.low is None
    assert value.comparator is None


@pytest.mark.parametrize(
    "raw", ["不适用", "无", "/", "／", "—", "——", "-", "－", "不涉及", "N/A", " 不适用 "]
)
def test_not_applicable_markers(raw: str) -> None:
    assert parse_value(raw).kind is Kind.NOT_APPLICABLE


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\n\t"])
def test_blank_cells(raw: object) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.BLANK
    assert value.raw == ""


@pytest.mark.parametrize(
    ("raw", "days"),
    [
        ("自受理申请之日起20个工作日内", 20),
        ("自受理贷款申请日起10个工作日内", 10),
        (
            "在岳阳市范围内购房的，自受理申请之日起3个工作日内做出准予提取或者不准提取的决定，"
            "并告知提取申请人，手续齐全的，即时办理。",
            3,
        ),
        ("自受理申请之日起２０个工作日以内", 20),
    ],
)
def test_timeliness_targets_in_prose_keep_their_deadline(raw: str, days: int) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.TEXT
    assert value.deadline_days == days


def test_a_bare_working_day_limit_is_a_capped_count_with_its_deadline() -> None:
    value = parse_value("5个工作日内")
    assert value.deadline_days == 5
    assert value.kind is Kind.NUMBER
    assert value.comparator is Comparator.LE
    assert value.quantity == q("5", COUNT, "个工作日")


@pytest.mark.parametrize(
    "raw",
    ["即时办理", "按时完成", "5个工作日", "20天内", "0.5个工作日内", "1234567个工作日内"],
)
def test_no_deadline_without_a_working_day_limit(raw: str) -> None:
    assert parse_value(raw).deadline_days is None


# --- approximate wording and less common units (reviewer's list) ---------------------------------------
# 余/多 ("more than") is a floor: ≥ the number typed. 约/左右/近 ("about", "just under") set no direction:
# the figure typed is the one a scorer uses, and a target's direction comes from the indicator's name as
# for a bare figure ('近3亿元' as a ceiling would turn 贷款发放额 into a "less is better" indicator).


def test_1000余人_is_at_least_1000_people() -> None:
    value = parse_value("1000余人")
    assert value.kind is Kind.NUMBER
    assert value.comparator is Comparator.GE
    assert value.quantity == q("1000", COUNT, "人")


def test_100余家_is_at_least_100_units() -> None:
    value = parse_value("100余家")
    assert value.comparator is Comparator.GE
    assert value.quantity == q("100", COUNT, "家")


def test_2万多人_keeps_the_number_as_typed_in_wan_people_as_a_floor() -> None:
    value = parse_value("2万多人")
    assert value.kind is Kind.NUMBER
    assert value.comparator is Comparator.GE
    assert value.quantity == q("2", COUNT, "万人")
    assert value.quantity.unit == "万人"


def test_100多万元_is_at_least_100_wan_yuan() -> None:
    value = parse_value("100多万元")
    assert value.comparator is Comparator.GE
    assert value.quantity == q("100", AMOUNT, "万元")


def test_约100人_is_a_plain_100_people() -> None:
    value = parse_value("约100人")
    assert value.kind is Kind.NUMBER
    assert value.comparator is None
    assert value.quantity == q("100", COUNT, "人")


def test_100人左右_is_a_plain_100_people() -> None:
    value = parse_value("100人左右")
    assert value.kind is Kind.NUMBER
    assert value.comparator is None
    assert value.quantity == q("100", COUNT, "人")


def test_近3亿元_is_a_plain_3_yi_yuan_not_a_ceiling() -> None:
    value = parse_value("近3亿元")
    assert value.kind is Kind.NUMBER
    assert value.comparator is None
    assert value.quantity == q("30000", AMOUNT, "亿元")


@pytest.mark.parametrize(
    ("raw", "comparator", "expected"),
    [
        ("1000余", Comparator.GE, q("1000", PLAIN, "")),
        ("1000多", Comparator.GE, q("1000", PLAIN, "")),
        ("10余个项目", Comparator.GE, q("10", COUNT, "个项目")),
        ("3万余人", Comparator.GE, q("3", COUNT, "万人")),
        ("３万余人", Comparator.GE, q("3", COUNT, "万人")),
        ("3千多万元", Comparator.GE, q("3000", AMOUNT, "千万元")),  # 3000-odd 万元
        ("1000余人以上", Comparator.GE, q("1000", COUNT, "人")),  # two floors agree
        ("约100", None, q("100", PLAIN, "")),
        ("大约100人", None, q("100", COUNT, "人")),
        ("约为95%", None, q("0.95", RATE, "%")),
        ("约１，０００人", None, q("1000", COUNT, "人")),
        ("100左右", None, q("100", PLAIN, "")),
        ("接近100%", None, q("1", RATE, "%")),
        ("将近3个月", None, q("3", COUNT, "个月")),  # 将近 is only "nearly"
        ("3个多月", Comparator.GE, q("3", COUNT, "个月")),  # not a noun 多月 after 个
        ("约100人以上", Comparator.GE, q("100", COUNT, "人")),  # the comparator word still counts
    ],
)
def test_approximate_wording(raw: str, comparator: Comparator | None, expected: Quantity) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.NUMBER
    assert value.comparator is comparator
    assert value.quantity == expected
    assert value.quantity.unit == expected.unit


def test_approximate_range_is_still_a_range() -> None:
    value = parse_value("约50%-70%")
    assert value.comparator is Comparator.RANGE
    assert (value.low, value.high) == (q("0.5", RATE, "%"), q("0.7", RATE, "%"))


@pytest.mark.parametrize(
    ("raw", "comparator", "expected"),
    [
        ("120吨标煤", None, q("120", COUNT, "吨标煤")),
        ("≤100吨标煤", Comparator.LE, q("100", COUNT, "吨标煤")),
        ("1.2万吨标准煤", None, q("1.2", COUNT, "万吨标准煤")),
        ("0.35千克标准煤", None, q("0.35", COUNT, "千克标准煤")),
        ("500万千瓦时", None, q("500", COUNT, "万千瓦时")),
        ("3.5万平方米", None, q("3.5", COUNT, "万平方米")),
        ("800立方米", None, q("800", COUNT, "立方米")),
        ("12个月", None, q("12", COUNT, "个月")),
        ("≥12个月", Comparator.GE, q("12", COUNT, "个月")),
        ("8个", None, q("8", COUNT, "个")),
        ("30天", None, q("30", COUNT, "天")),
        ("2次/年", None, q("2", COUNT, "次/年")),
        ("100%以上", Comparator.GE, q("1", RATE, "%")),
        ("0起", None, q("0", COUNT, "起")),
    ],
)
def test_compound_and_less_common_units_keep_the_unit_as_typed(
    raw: str, comparator: Comparator | None, expected: Quantity
) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.NUMBER
    assert value.comparator is comparator
    assert value.quantity == expected
    assert value.quantity.unit == expected.unit


@pytest.mark.parametrize(
    ("raw", "unit"), [("零起", "起"), ("零次", "次"), ("零例", "例"), ("零宗", "宗"), ("≤零起", "起")]
)
def test_零_before_a_count_of_incidents_is_zero(raw: str, unit: str) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.NUMBER
    assert value.quantity == q("0", COUNT, unit)
    assert value.quantity.unit == unit


@pytest.mark.parametrize(
    "raw",
    [
        "无重大事故",
        "零事故",  # 事故 is a noun, not a measure word: the wording rules read it (as 达成)
        "零",
        "零件",  # a spare part, not zero of anything
        "一百零五次",  # Chinese numerals are not read
        "安全事故0起",  # a label before the figure (split_label_amount reads it)
        "近3年",  # "the last 3 years", not "nearly 3 years"
        "近3个月",
        "近12个月",
        "不超过1000余人",  # a ceiling and a floor at once
        "少于100多人",
        "1000余额",  # 余额 is a balance, 额 no unit
        "100余-200余人",  # 余 is not read inside a range
        "约定30天",  # 约 starts a word here
        "约合100万元",
        "100余人之间",
    ],
)
def test_approximate_or_zero_wording_that_stays_text(raw: str) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.TEXT
    assert value.quantity is None
    assert value.comparator is None


def test_安全事故_零起_splits_into_label_and_zero() -> None:
    result = split_label_amount("安全事故：零起")
    assert result is not None
    assert result[0] == "安全事故"
    assert result[1].quantity == q("0", COUNT, "起")


approx_units = st.sampled_from(
    [
        ("", PLAIN, Fraction(1)),
        ("人", COUNT, Fraction(1)),
        ("万人", COUNT, Fraction(1)),
        ("吨标煤", COUNT, Fraction(1)),
        ("万元", AMOUNT, Fraction(1)),
        ("亿元", AMOUNT, Fraction(10000)),
    ]
)
# How the wording goes around '<number><unit>', and the comparator it means, written by hand.
APPROX_FORMS = [
    ("约{n}{u}", None),
    ("大约{n}{u}", None),
    ("{n}{u}左右", None),
    ("近{n}{u}", None),
    ("接近{n}{u}", None),
    ("{n}余{u}", Comparator.GE),
    ("{n}多{u}", Comparator.GE),
]


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=0, max_value=10**12),
    approx_units,
    st.sampled_from(APPROX_FORMS),
    st.booleans(),
)
def test_approximate_wording_around_a_formatted_amount_reads_as_that_amount(
    d: Decimal,
    unit: tuple[str, Dimension, Fraction],
    form: tuple[str, Comparator | None],
    full_width: bool,
) -> None:
    typed_unit, dimension, scale = unit
    template, comparator = form
    number = format_amount(d)
    if full_width:
        number = number.translate(FULL_WIDTH)
    value = parse_value(template.format(n=number, u=typed_unit))
    assert value.kind is Kind.NUMBER
    assert value.comparator is comparator
    assert value.quantity is not None
    assert (value.quantity.dimension, value.quantity.unit) == (dimension, typed_unit)
    assert Fraction(value.quantity.number) == excel_round(d, 2) * scale


# --- numeric cells (openpyxl / xlwings values) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "number_format", "expected"),
    [
        (0.9606, "0.00%", q("0.9606", RATE, "%")),  # shown as 96.06%
        (1, "0%", q("1", RATE, "%")),
        (0.9606, "0.00%;[Red]-0.00%", q("0.9606", RATE, "%")),
        (0.9606, None, q("0.9606", PLAIN, "")),
        (0.9606, "General", q("0.9606", PLAIN, "")),
        (95, '0"%"', q("95", PLAIN, "")),  # a literal % sign: Excel does not scale the value
        (95, "0\\%", q("95", PLAIN, "")),
        (1701.93, "#,##0.00", q("1701.93", PLAIN, "")),
        (10, None, q("10", PLAIN, "")),
        (D("2769.05"), None, q("2769.05", PLAIN, "")),
    ],
)
def test_numeric_cells(cell: object, number_format: str | None, expected: Quantity) -> None:
    value = parse_value(cell, number_format)
    assert value.kind is Kind.NUMBER
    assert value.quantity == expected
    assert value.quantity.unit == expected.unit
    assert value.raw == str(cell)


def test_float_cells_keep_the_shown_digits() -> None:
    value = parse_value(1701.93)
    assert value.quantity is not None
    assert str(value.quantity.number) == "1701.93"


@pytest.mark.parametrize("cell", [float("nan"), float("inf"), D("NaN"), D("-Infinity"), True])
def test_non_finite_and_boolean_cells_are_text(cell: object) -> None:
    assert parse_value(cell).kind is Kind.TEXT


def test_raw_is_the_text_as_typed_stripped() -> None:
    assert parse_value("  ≥９５％ ").raw == "≥９５％"


# --- full-width input (§4) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full_width", "half_width"),
    [
        ("９５％", "95%"),
        ("≥９５％", "≥95%"),
        ("＞９０％", ">90%"),
        ("５０％～７０％", "50%~70%"),
        ("５０％－７０％", "50%-70%"),
        ("１，７０１．９３", "1701.93"),
        ("４２．４１亿元", "42.41亿元"),
        ("控制在０．０６％以下", "控制在0.06%以下"),
        ("－３", "-3"),
        ("２．１７　万人", "2.17万人"),
    ],
)
def test_full_width_text_reads_like_half_width(full_width: str, half_width: str) -> None:
    wide, narrow = parse_value(full_width), parse_value(half_width)
    assert wide.kind is Kind.NUMBER
    assert (wide.quantity, wide.comparator, wide.low, wide.high) == (
        narrow.quantity,
        narrow.comparator,
        narrow.low,
        narrow.high,
    )


# --- round trips -------------------------------------------------------------------------------------

amounts = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12)
rates = st.decimals(allow_nan=False, allow_infinity=False, min_value=-100, max_value=100)


@given(amounts)
def test_a_formatted_amount_reads_back_as_the_rounded_amount(d: Decimal) -> None:
    text = format_amount(d)
    grouped = with_thousands(text)
    for typed in (text, text.translate(FULL_WIDTH), grouped, grouped.translate(FULL_WIDTH)):
        value = parse_value(typed)
        assert value.kind is Kind.NUMBER
        assert value.quantity is not None
        assert (value.quantity.dimension, value.quantity.unit) == (PLAIN, "")
        assert Fraction(value.quantity.number) == excel_round(d, 2)
        assert to_decimal(typed) == value.quantity.number


@given(amounts)
def test_a_formatted_score_reads_back_as_the_rounded_score(d: Decimal) -> None:
    value = parse_value(format_score(d))
    assert value.quantity == Quantity(round_half_up(d), PLAIN, "")


@given(rates)
def test_a_formatted_rate_reads_back_as_the_rate_to_four_places(d: Decimal) -> None:
    text = format_rate(d)
    for typed in (text, text.translate(FULL_WIDTH)):
        value = parse_value(typed)
        assert value.kind is Kind.NUMBER
        assert value.quantity is not None
        assert value.quantity.dimension is RATE
        assert value.quantity.unit == "%"
        assert Fraction(value.quantity.number) == excel_round(d, 4)


@given(amounts, st.sampled_from(["万元", "亿元", "元"]))
def test_amount_units_scale_to_wan_yuan(d: Decimal, unit: str) -> None:
    text = format_amount(d)
    scale = {"万元": Fraction(1), "亿元": Fraction(10000), "元": Fraction(1, 10000)}[unit]
    value = parse_value(text + unit)
    assert value.quantity is not None
    assert value.quantity.dimension is AMOUNT
    assert Fraction(value.quantity.number) == Fraction(D(text)) * scale


# --- never raises ------------------------------------------------------------------------------------

FRAGMENTS = [
    *"0123456789０５９.．,，%％‰‱-－~～—至/／ 　",
    "万元", "亿元", "元", "万", "亿", "人次", "个", "工作日", "内", "以上", "以下", "控制在",
    "≥", "≤", "＞", "<", "区间", "的", "（含）", "百分之", "￥", "分", "不低于", "不适用", "无",
    "e", "NaN", "inf", "①", "٣", "\n", "约", "近", "左右", "余", "多", "零", "起", "吨标煤", "万人",
]  # fmt: skip
typed_like = st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join)


def assert_well_formed(value: Value) -> None:
    numbers = [x.number for x in (value.quantity, value.low, value.high) if x is not None]
    assert all(n.is_finite() for n in numbers)
    if value.kind is Kind.NUMBER:
        if value.comparator is Comparator.RANGE:
            assert value.quantity is None
            assert value.low is not None and value.high is not None
            assert value.low.number <= value.high.number
        else:
            assert value.quantity is not None
    else:
        assert numbers == []
        assert value.comparator is None


@settings(max_examples=500)
@given(st.one_of(st.text(), typed_like))
def test_parse_value_never_raises_on_text(text: str) -> None:
    value = parse_value(text)
    assert value.raw == text.strip()
    assert_well_formed(value)


@settings(max_examples=500)
@given(st.one_of(st.text(), typed_like))
def test_the_text_parser_itself_never_raises(text: str) -> None:
    # parse_value has a safety net; this proves the parser does not rely on it.
    assert_well_formed(_parse_text(text.strip()))


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


cell_objects = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.binary(),
    st.complex_numbers(),
    st.datetimes(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(Unprintable()),
    st.just(10**5000),  # str() of it raises on Python >= 3.11
)


@settings(max_examples=300)
@given(cell_objects, st.one_of(st.none(), st.text(max_size=12)))
def test_parse_value_never_raises_on_any_cell_value(cell: object, number_format: str | None) -> None:
    assert_well_formed(parse_value(cell, number_format))


def test_a_huge_integer_cell_is_still_a_number() -> None:
    value = parse_value(10**5000)
    assert value.kind is Kind.NUMBER
    assert value.quantity is not None
    assert value.quantity.number == D(10) ** 5000
    assert value.raw == "1" + "0" * 5000


# --- label and amount in one cell (附件2: "其中:基本支出:900.47") -------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("其中:基本支出:900.47", "其中:基本支出", q("900.47", PLAIN, "")),
        ("一般公共预算：6298.34", "一般公共预算", q("6298.34", PLAIN, "")),
        ("其中：项目支出：801.46万元", "其中：项目支出", q("801.46", AMOUNT, "万元")),
        ("政府性基金拨款:0", "政府性基金拨款", q("0", PLAIN, "")),
        ("基本支出 900.47", "基本支出", q("900.47", PLAIN, "")),
        ("基本支出９００．４７", "基本支出", q("900.47", PLAIN, "")),
        ("2024年预算数:100", "2024年预算数", q("100", PLAIN, "")),
        ("1、业务工作经费：1,200.5", "1、业务工作经费", q("1200.5", PLAIN, "")),
        # ￣ is the one full-width form that folds to two characters: positions must still match.
        ("基本支出￣:900.47", "基本支出￣", q("900.47", PLAIN, "")),
    ],
)
def test_split_label_amount(text: str, label: str, expected: Quantity) -> None:
    result = split_label_amount(text)
    assert result is not None
    assert result[0] == label
    assert result[1].kind is Kind.NUMBER
    assert result[1].quantity == expected


@pytest.mark.parametrize(
    "text",
    [
        "900.47",
        "基本支出",
        "其中:基本支出",
        "1、业务工作经费",
        "≥95%",
        "不低于90%",
        "",
        "年度资金总额",
        "5487.8万元",
        ": 900.47",
        "—:900.47",
    ],
)
def test_split_label_amount_needs_a_label_and_a_trailing_figure(text: str) -> None:
    assert split_label_amount(text) is None


@given(
    st.sampled_from(
        ["其中:基本支出", "一般公共预算", "政府性基金拨款", "纳入专户管理的非税收入拨款", "其他资金"]
    ),
    st.sampled_from([":", "：", " "]),
    amounts,
)
def test_split_label_amount_round_trip(label: str, separator: str, d: Decimal) -> None:
    result = split_label_amount(label + separator + format_amount(d))
    assert result is not None
    assert result[0] == label
    assert result[1].quantity == Quantity(round_half_up(d), PLAIN, "")
