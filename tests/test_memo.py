"""The bounded memo behind canonical(), cell text parsing and split_label_amount: same answers, bounded."""

from __future__ import annotations

from decimal import Decimal

from xl_selfeval.labels import canonical
from xl_selfeval.memo import LONGEST_KEPT, memo_text
from xl_selfeval.values import Comparator, parse_value, split_label_amount


def test_a_memoised_function_is_called_once_per_short_text_and_keeps_at_most_maxsize() -> None:
    calls: list[str] = []

    @memo_text(2)
    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    assert [shout("a"), shout("a"), shout("b"), shout("a")] == ["A", "A", "B", "A"]
    assert calls == ["a", "b"]
    shout("c")  # a third text pushes out the least recently used ("b")
    shout("b")
    assert calls == ["a", "b", "c", "b"]
    long = "x" * (LONGEST_KEPT + 1)
    shout(long)
    shout(long)
    assert calls[-2:] == [long, long]  # prose is not kept


def test_a_str_subclass_is_never_answered_from_the_memo() -> None:
    class Shown(str):
        def __str__(self) -> str:
            return "其中：公车购置"

    assert canonical("1、公务用车购置和维护经费") == "公务用车购置和维护经费"
    assert canonical(Shown("1、公务用车购置和维护经费")) == "公车购置"


def test_answers_from_the_memo_are_the_figures_typed() -> None:
    for _ in range(2):  # the second round is answered from the memo
        split = split_label_amount("其中:基本支出:900.47")
        assert split is not None and split[0] == "其中:基本支出"
        assert split[1].quantity is not None and split[1].quantity.number == Decimal("900.47")
        target = parse_value("≥95%")
        assert target.comparator is Comparator.GE
        assert target.quantity is not None and target.quantity.number == Decimal("0.95")
        assert canonical("年初预算数\n(万元)") == "年初预算数"
