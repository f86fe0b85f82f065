"""Units, magnitudes and the one decision on whether a bare number is a rate's fraction (docs/domain-rules.md §4)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from xl_selfeval.units import (
    AMOUNT_UNITS,
    RATE_UNITS,
    Aligned,
    Dimension,
    Quantity,
    align,
    bare_rate,
    count_base,
    percent_shown,
    quantity_of,
    reads_as_fraction,
    show,
)
from xl_selfeval.values import parse_value


@pytest.mark.parametrize("unit", [*AMOUNT_UNITS, *RATE_UNITS])
def test_every_amount_and_rate_unit_shows_as_typed(unit: str) -> None:
    q = quantity_of("12.5", unit)
    assert q is not None and show(q) == f"12.5{unit}"


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("10.19亿元", "101900"),
        ("5487.8万元", "5487.8"),
        ("96.06%", "0.9606"),
        ("3‰", "0.003"),
        ("2‱", "0.0002"),
    ],
)
def test_the_parser_and_the_unit_tables_agree(typed: str, number: str) -> None:
    q = parse_value(typed).quantity
    assert q is not None and q.number == Decimal(number) and show(q) == typed


@pytest.mark.parametrize(
    ("unit", "base", "factor"),
    [
        ("万人次", "人次", 10**4),
        ("公里", "米", 1000),
        ("千万人", "人", 10**7),
        ("个工作日", "工作日", 1),
        ("个月", "月", 1),
    ],
)
def test_count_units_reduce_to_a_base_and_a_factor(unit: str, base: str, factor: int) -> None:
    assert count_base(unit) == (base, Decimal(factor))


@pytest.mark.parametrize(
    ("shown", "percent"),
    [
        ("0.00%", True),
        ("0%", True),
        ("96.06%", True),
        ('0"%"', False),
        ("0\\%", False),
        ("0.00", False),
        ("General", False),
    ],
)
def test_a_percent_is_seen_in_a_number_format_and_in_the_text_excel_shows(shown: str, percent: bool) -> None:
    assert percent_shown(shown) is percent


@pytest.mark.parametrize(
    ("bare", "fraction"),
    [("0.7608", "0.7608"), ("1.5", "1.5"), ("76.08", "0.7608"), ("1.51", "0.0151"), ("-0.2", "-0.2")],
)
def test_a_bare_number_in_a_rate_cell_is_a_fraction_up_to_150_percent(bare: str, fraction: str) -> None:
    assert bare_rate(Decimal(bare)) == Decimal(fraction)


def test_against_a_target_the_nearer_reading_wins() -> None:
    target = (Decimal("0.95"),)
    assert reads_as_fraction((Decimal("0.99"),), "%", target)  # 99%, not 0.99%
    assert not reads_as_fraction((Decimal("98"),), "%", target)  # 98%
    # A tie inside a range keeps the unit reading; zero has no logarithm and keeps it too.
    assert not reads_as_fraction((Decimal("0"),), "%", target)


def test_a_bare_actual_against_a_rate_target_is_read_as_the_nearer_rate() -> None:
    target = Quantity(Decimal("0.95"), Dimension.RATE, "%")
    aligned = align((target,), Quantity(Decimal("0.99"), Dimension.PLAIN, ""))
    assert isinstance(aligned, Aligned) and aligned.unit_missing
    assert aligned.actual == Quantity(Decimal("0.99"), Dimension.RATE, "%")
    assert "按小数读作99%" in aligned.note


def test_counts_of_different_bases_do_not_compare() -> None:
    target = Quantity(Decimal("100"), Dimension.COUNT, "人次")
    message = align((target,), Quantity(Decimal("3"), Dimension.COUNT, "公里"))
    assert message == "单位不一致：年度指标值的单位是“人次”，实际完成值的单位是“公里”，无法比较"


def test_units_are_json_free_of_enum_reprs() -> None:
    # Dimension names reach JSON output through their values only.
    assert json.dumps([d.value for d in Dimension]) == '["amount", "rate", "count", "plain"]'
