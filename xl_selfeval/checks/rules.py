"""The facts of the rules, each written once: tolerances, 不适用, 成本控制在预算内, falling short, names, formulas."""

from __future__ import annotations

from decimal import Decimal

from xl_selfeval.forms.indicators import COST, HIERARCHY
from xl_selfeval.labels import canonical, is_not_applicable
from xl_selfeval.model import BlockRow, Field
from xl_selfeval.values import Comparator, Value, format_plain, format_score, round_half_up

AMOUNT_TOLERANCE = Decimal("0.005")  # to the fen (万元 with 2 decimals)
RATE_TOLERANCE = Decimal("0.00005")  # a rate shown to 2 decimals of a percent
SCORE_TOLERANCE = Decimal("0.005")

COST_WITHIN_BUDGET = "成本控制在预算内"
_COST_LEVELS = frozenset({COST, *HIERARCHY[COST]})
NAME_SHOWN = 20  # characters of an indicator's name quoted in a message before it is cut with "…"


def row_not_applicable(row: BlockRow) -> bool:
    """An indicator whose name or target says 不适用 (or 不涉及, N/A): it takes no 分值 and no score."""
    return any(is_not_applicable(f.text) for f in (row.get("name"), row.get("target")) if f is not None)


def is_cost_within_budget(row: BlockRow) -> bool:
    """成本控制在预算内 under a cost heading: its target and actual quote the table's own budget and spending."""
    name = row.get("name")
    if name is None or canonical(name.text) != COST_WITHIN_BUDGET:
        return False
    return canonical(row.level1) in _COST_LEVELS or canonical(row.level2) in _COST_LEVELS


_BOUNDS = (Comparator.GE, Comparator.GT, Comparator.LE, Comparator.LT)


def restates_target(target: Value, actual: Value) -> bool:
    """An actual written as a bound on the target's own figure ('≥90%' against 90% or ≥90%): it states a
    target again, not what was measured. '=100%' reads as 100% and is not one."""
    a, b = target.quantity, actual.quantity
    return (
        actual.comparator in _BOUNDS
        and a is not None
        and b is not None
        and (a.number, a.dimension) == (b.number, b.dimension)
    )


def same_score(typed: Decimal, rule: Decimal, decimals: int) -> bool:
    """A typed score equal to the rule's at the precision the form scores to: within half its last place,
    so a form typing one decimal may write 1.4 for the rule's 1.43 and 1.9 or 2.0 for 1.95, and a form of
    whole numbers 10 for 9.80 (but not 9)."""
    half_place = max(SCORE_TOLERANCE, Decimal(5).scaleb(-min(decimals, 2) - 1))
    return abs(typed - rule) <= half_place


def score_as_typed(rule: Decimal, decimals: int) -> str:
    """The rule's score as the form types its scores: 1.69 on a one-decimal form reads '1.7', 2.92 on a
    form of whole numbers '3'; two decimals otherwise."""
    return format_score(rule) if decimals >= 2 else str(round_half_up(rule, decimals))


def plain_points(x: Decimal) -> str:
    """Points as a label states them: 50 → '50', 7.25 → '7.25'."""
    return format_plain(x) if x == x.to_integral_value() else format_score(x)


def scored_below(weight: Decimal | None, score: Decimal | None) -> bool:
    """A score short of its 分值 by more than rounding."""
    return weight is not None and score is not None and score < weight - SCORE_TOLERANCE


def fell_short(weight: Decimal | None, score: Decimal | None, achieved: bool | None) -> bool:
    """An indicator not met: scored below its 分值, or its actual short of its target by the scoring rules."""
    return scored_below(weight, score) or achieved is False


def short_name(name: str) -> str:
    """An indicator's name as a message quotes it: spaces collapsed, cut to NAME_SHOWN characters."""
    name = " ".join(name.split())
    return name if len(name) <= NAME_SHOWN else name[: NAME_SHOWN - 1] + "…"


def named_indicator(row: BlockRow, what: str = "指标") -> str:
    """An indicator as a message names it: 指标“居民健康档案”, or by its row when its name is blank."""
    name = row.get("name")
    # quotes inside the name nest as Chinese text nests them: 指标“‘三公’经费控制率”, not 指标““三公”经费控制率”
    title = short_name(name.text if name else "").replace("“", "‘").replace("”", "’")
    return f"{what}“{title}”" if title else f"第{row.row}行的{what}（未填名称）"


def short_text(text: str, shown: int = 3 * NAME_SHOWN) -> str:
    """A cell's text as a message quotes it: spaces collapsed, cut to ``shown`` characters with "…"."""
    text = " ".join(text.split())
    return text if len(text) <= shown else text[: shown - 1] + "…"


def may_overwrite(is_formula: bool) -> bool:
    """Recalc never writes over a formula: the user's model stays theirs (the finding itself stays)."""
    return not is_formula


def writable(f: Field) -> bool:
    return may_overwrite(f.is_formula)
