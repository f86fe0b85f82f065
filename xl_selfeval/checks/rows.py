"""The rules of one 绩效指标 row, as a list: each takes (row, context) and says what is wrong with it.

Each rule reads the row's facts the pre-pass worked out (Context.build) and needs a stage of them: a row
that is 不适用 is judged by not_applicable_scored alone, a row without 分值 stops at weight_blank, and so on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from xl_selfeval.checks.context import Context, IndicatorRow, Stage, cost_text, edit, finding, typed
from xl_selfeval.checks.rules import (
    SCORE_TOLERANCE,
    fell_short,
    restates_target,
    same_score,
    score_as_typed,
    scored_below,
)
from xl_selfeval.checks.rules import plain_points as _plain
from xl_selfeval.findings import Code, Finding
from xl_selfeval.forms.indicators import HIERARCHY, belongs_under
from xl_selfeval.labels import canonical
from xl_selfeval.model import Field
from xl_selfeval.scoring import QUANTITATIVE, IndicatorKind, Suggestion
from xl_selfeval.units import format_plain
from xl_selfeval.units import show as show_quantity
from xl_selfeval.values import Kind, format_percent, format_score, parse_value

RowRule = Callable[[IndicatorRow, Context], Iterable[Finding]]

_CRITERIA_POINTS = re.compile(r"^(\d+(?:\.\d+)?)分$")


def not_applicable_scored(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    if r.stage != Stage.NOT_APPLICABLE:
        return
    if (r.weight or 0) > 0 or (r.score or 0) > 0:
        f = r.cell("score") if r.score else r.cell("weight")
        yield finding(
            Code.NOT_APPLICABLE_SCORED,
            r.form,
            f.ref,
            f"{r.named}为不适用，不应有分值或得分",
            "空白",
            typed(f),
        )


def level_mismatch(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    if r.stage < Stage.APPLICABLE:
        return
    level1, level2 = canonical(r.row.level1), canonical(r.row.level2)
    if level1 not in HIERARCHY or not level2 or belongs_under(level1, level2):
        return
    cell = r.row.get("level2") or r.row.get("name") or r.cell("weight")
    yield finding(
        Code.LEVEL_MISMATCH,
        r.form,
        cell.ref,
        f"二级指标“{r.row.level2}”不属于一级指标“{r.row.level1}”（应为{'、'.join(HIERARCHY[level1])}之一）",
        "、".join(HIERARCHY[level1]),
        r.row.level2,
    )


def weight_blank(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    if r.stage == Stage.APPLICABLE and r.score is not None:
        yield finding(
            Code.WEIGHT_BLANK,
            r.form,
            r.cell("weight").ref,
            f"{r.named}有得分{r.cell('score').text}但未填分值",
            "分值",
            "空白",
        )


def criteria_weight_mismatch(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    criteria = r.row.get("criteria")
    if r.stage < Stage.WEIGHED or criteria is None or r.weight is None:
        return
    match = _CRITERIA_POINTS.match(canonical(criteria.text))
    if match and Decimal(match.group(1)) != r.weight:
        yield finding(
            Code.CRITERIA_WEIGHT_MISMATCH,
            r.form,
            criteria.ref,
            f"{r.named}评扣分标准写的是{criteria.text}，分值却是{_plain(r.weight)}",
            _plain(r.weight),
            criteria.text,
        )


def score_out_of_bounds(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    if r.stage < Stage.WEIGHED or r.score is None or r.weight is None:
        return
    score_f = r.cell("score")
    if r.score > r.weight:
        yield finding(
            Code.SCORE_ABOVE_WEIGHT,
            r.form,
            score_f.ref,
            f"{r.named}得分{score_f.text}超过分值{r.cell('weight').text}",
            f"≤{format_score(r.weight)}",
            score_f.text,
        )
    if r.score < 0:
        yield finding(Code.SCORE_NEGATIVE, r.form, score_f.ref, f"{r.named}得分为负数", "≥0", score_f.text)


def cost_within_budget(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    """成本控制在预算内 quotes the table's own budget and execution; fill them when blank."""
    if r.stage < Stage.WEIGHED or not r.is_cost:
        return
    score_f = r.row.get("score")
    for key, what in (("target", "预算数"), ("actual", "全年执行数")):
        f, figure = r.row.get(key), r.cost_figures.get(key)
        if f is None or figure is None:
            continue
        text = cost_text(figure)
        which = "实际完成值" if key == "actual" else "年度指标值"
        if f.is_blank:
            scored = key == "actual" and score_f is not None and (score_f.number or 0) > 0
            yield finding(
                Code.ACTUAL_BLANK_BUT_SCORED if scored else Code.COST_FIGURE_BLANK,
                r.form,
                f.ref,
                f"{r.named}{which}为空"
                + (f"，却得分{score_f.text}" if scored and score_f else "")
                + f"；本表{what}为{text}",
                text,
                "空白",
                fix=edit(f, text, None, None, f"已按本表{what}填入", "fill"),
            )
            continue
        value = parse_value(f.text)
        q = value.quantity
        if value.kind is Kind.NUMBER and q is not None and abs(q.number - figure) > Decimal("0.005"):
            yield finding(
                Code.COST_FIGURE_DIFFERS,
                r.form,
                f.ref,
                f"{r.named}{which}为{f.text}，与本表{what}{text}不一致",
                text,
                f.text,
            )


def actual_not_applicable_but_scored(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    if r.stage != Stage.ACTUAL_READ:
        return
    actual = r.cell("actual")
    yield finding(
        Code.ACTUAL_NOT_APPLICABLE_BUT_SCORED,
        r.form,
        actual.ref,
        f"{r.named}实际完成值为“{actual.text}”，却得分{r.cell('score').text}；不适用的指标不应计分，适用的请填实际完成值",
        "实际完成值",
        actual.text,
        related=(r.cell("score").ref,),
    )


def actual_blank_but_scored(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    if r.stage == Stage.SCORABLE and r.score is not None and r.score > 0:
        yield finding(
            Code.ACTUAL_BLANK_BUT_SCORED,
            r.form,
            r.cell("actual").ref,
            f"{r.named}实际完成值为空，却得分{r.cell('score').text}",
            "实际完成值",
            "空白",
            related=(r.cell("score").ref,),
        )


def actual_copies_target(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    """An actual that only repeats its target: copied as typed ('≥95%' for '≥95%'), whatever the stage, or
    the target's figure with a bound put before it ('≥90%' for 90%), which states a target, not a measure."""
    target, actual = r.row.get("target"), r.row.get("actual")
    if r.stage == Stage.NOT_APPLICABLE or target is None or actual is None or actual.is_blank:
        return
    sug = _assessed(r)
    copied = (
        sug is not None and sug.actual_repeats_target and sug.kind in QUANTITATIVE and r.score is not None
    )
    bound = restates_target(target.value, actual.value)
    if not copied and not bound:
        return
    if copied:
        message = f"{r.named}实际完成值“{actual.text}”只是照抄了年度指标值，请填写实际完成的数值"
    else:
        q = target.value.quantity
        figure = show_quantity(q) if q is not None else target.text
        message = (
            f"{r.named}实际完成值“{actual.text}”带着比较符，只是重复了年度指标值{figure}，"
            "不是实际测得的数，请填写实际完成的数值"
        )
    yield finding(
        Code.ACTUAL_COPIES_TARGET,
        r.form,
        actual.ref,
        message,
        "实际数值",
        actual.text,
        related=(target.ref,),
    )


def actual_missing_unit(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    sug = _assessed(r)
    if sug is None or not sug.unit_missing:
        return
    target, actual = r.cell("target"), r.cell("actual")
    value = target.value
    unit = value.quantity.unit if value.quantity else (value.low.unit if value.low else "")
    yield finding(
        Code.ACTUAL_MISSING_UNIT,
        r.form,
        actual.ref,
        f"{r.named}实际完成值“{actual.text}”缺少单位（年度指标值为“{target.text}”），应为“{actual.text}{unit}”",
        f"{actual.text}{unit}",
        actual.text,
        related=(target.ref,),
    )


def score_blank_unjudged(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    """No rule fits the wording (e.g. 120吨标煤 against ≤100吨标煤): the evaluator has to score it."""
    sug = _assessed(r)
    if sug is None or sug.kind is IndicatorKind.NOT_APPLICABLE or r.score is not None or r.fill is not None:
        return
    if sug.score is not None or (sug.low is not None and sug.high is not None):
        return
    yield finding(
        Code.SCORE_BLANK,
        r.form,
        r.cell("score").ref,
        f"{r.named}得分未填，无法按规则自动评分（{sug.explanation}），请评价人按完成情况打分",
        "得分",
        "空白",
    )


def score_blank_suggested(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    """A blank 得分 the rules can judge: the pre-pass's suggested score, which recalc writes."""
    sug = _assessed(r)
    if sug is None or r.fill is None:
        return
    score_f = r.cell("score")
    decimals = r.form.score_decimals
    if sug.score is not None:
        suggested = score_as_typed(sug.score, decimals)
        reason = f"按评分规则填入建议得分（{sug.explanation}）"
        message = f"{r.named}得分未填，按规则建议{suggested}（{sug.explanation}）"
        expected = suggested
    else:
        assert sug.low is not None and sug.high is not None
        band = f"{format_score(sug.low)}–{format_score(sug.high)}"
        reason = f"按评分规则填入建议得分，可在{band}之间酌情调整（{sug.explanation}）"
        message = f"{r.named}得分未填，按完成情况建议在{band}之间（{sug.explanation}）"
        expected = band
    fix = edit(score_f, r.fill, "0." + "0" * decimals if decimals else "0", None, reason, "score")
    yield finding(Code.SCORE_BLANK, r.form, score_f.ref, message, expected, "空白", fix=fix)


def score_against_rule(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    sug = _assessed(r)
    if sug is None or sug.kind is IndicatorKind.NOT_APPLICABLE or r.score is None:
        return
    score_f = r.cell("score")
    if sug.score is not None:
        if not same_score(r.score, sug.score, r.form.score_decimals):
            rule = score_as_typed(sug.score, r.form.score_decimals)
            yield finding(
                Code.SCORE_DIFFERS_FROM_RULE,
                r.form,
                score_f.ref,
                f"{r.named}按评分规则应得{rule}（{sug.explanation}），表中为{score_f.text}",
                rule,
                score_f.text,
            )
    elif sug.low is not None and sug.high is not None and not _within(r.score, sug.low, sug.high):
        band = f"{format_score(sug.low)}–{format_score(sug.high)}"
        yield finding(
            Code.SCORE_OUTSIDE_BAND,
            r.form,
            score_f.ref,
            f"{r.named}按完成情况应在{band}之间（{sug.explanation}），表中为{score_f.text}",
            band,
            score_f.text,
        )


def _figure(f: Field, number: Decimal | None) -> str:
    """A score or 分值 quoted in another cell's note: as typed, or, typed as text ("1.8万元"), as the number it
    reads as, the one recalc writes there (text_figures): the note must read the same on the next run."""
    if number is None or not isinstance(f.cell.value, str):
        return f.text
    return format_plain(number)


def _within(score: Decimal, low: Decimal, high: Decimal) -> bool:
    return low - SCORE_TOLERANCE <= score <= high + SCORE_TOLERANCE


def deviation_explained(r: IndicatorRow, ctx: Context) -> Iterator[Finding]:
    """An indicator not met needs its 偏差原因, whatever score it was given; one far beyond its target, a word."""
    sug = _assessed(r)
    deviation = r.row.get("deviation")
    if sug is None or deviation is None or not deviation.is_blank:
        return
    if fell_short(r.weight, r.score, sug.achieved):
        yield finding(
            Code.DEVIATION_MISSING,
            r.form,
            deviation.ref,
            f"{r.named}"
            + (
                f"未得满分（{_figure(r.cell('score'), r.score)}/{_figure(r.cell('weight'), r.weight)}）"
                if scored_below(r.weight, r.score)
                else f"未达到年度指标值（{r.shown('target')}，实际{r.shown('actual')}）"
            )
            + "，应填写偏差原因分析及改进措施",
            "偏差原因",
            "空白",
        )
    elif sug.over_achieved:
        yield finding(
            Code.OVER_ACHIEVEMENT_UNEXPLAINED,
            r.form,
            deviation.ref,
            f"{r.named}实际完成值{r.shown('actual')}远超年度指标值{r.shown('target')}"
            f"（达到{format_percent(ctx.settings.over_achievement)}以上），应在偏差原因中说明超额原因并考虑调整目标",
            "偏差原因",
            "空白",
            related=(r.cell("actual").ref,),
        )


def _assessed(r: IndicatorRow) -> Suggestion | None:
    """The scoring rules' reading of a row they could judge (its actual was read); None before that stage."""
    return r.suggestion if r.stage >= Stage.ASSESSED else None


ROW_RULES: tuple[RowRule, ...] = (
    not_applicable_scored,
    level_mismatch,
    weight_blank,
    criteria_weight_mismatch,
    score_out_of_bounds,
    cost_within_budget,
    actual_not_applicable_but_scored,
    actual_blank_but_scored,
    actual_copies_target,
    actual_missing_unit,
    score_blank_unjudged,
    score_blank_suggested,
    score_against_rule,
    deviation_explained,
)
