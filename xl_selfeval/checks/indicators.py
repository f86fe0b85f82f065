"""Checks of the 绩效指标 block: scores against the scoring rules, blanks, units, 偏差原因, weights."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from xl_selfeval.cells import CellRef
from xl_selfeval.checks.context import SCORE_TOLERANCE, Context, finding, indicator_name, typed
from xl_selfeval.findings import CellEdit, Finding, Severity
from xl_selfeval.forms.indicators import COST, HIERARCHY, NOT_APPLICABLE
from xl_selfeval.forms.layout import FormKind
from xl_selfeval.labels import canonical
from xl_selfeval.model import BlockRow, Form
from xl_selfeval.scoring import IndicatorKind, suggest
from xl_selfeval.settings import EXECUTION
from xl_selfeval.values import Kind, format_amount, format_score, parse_value

INDICATOR_FORMS = (FormKind.DEPARTMENT, FormKind.PROJECT)
HUNDRED = Decimal(100)
COST_WITHIN_BUDGET = "成本控制在预算内"
_CRITERIA_POINTS = re.compile(r"^(\d+(?:\.\d+)?)分$")


def execution_weight_key(form: Form) -> str:
    return "budget.total.weight" if form.kind is FormKind.DEPARTMENT else "funds.total.weight"


def budget_keys(form: Form) -> tuple[str, str, str]:
    table = "budget" if form.kind is FormKind.DEPARTMENT else "funds"
    return f"{table}.total.initial_budget", f"{table}.total.budget", f"{table}.total.executed"


def _not_applicable(row: BlockRow) -> bool:
    return any(
        canonical(row.get(k).text) == NOT_APPLICABLE  # type: ignore[union-attr]
        for k in ("name", "target")
        if row.get(k) is not None
    )


def cost_figures(form: Form, ctx: Context) -> tuple[Decimal | None, Decimal | None]:
    """The table's own budget (年初, else 全年) and execution, which 成本控制在预算内 quotes."""
    calc = ctx.calculator(form)
    initial, budget, executed = (calc.figure(k) for k in budget_keys(form))
    return (initial if initial is not None else budget), executed


def check_indicator_rows(ctx: Context) -> Iterator[Finding]:
    for form in ctx.forms:
        if form.kind not in INDICATOR_FORMS:
            continue
        for row in form.blocks.get("indicators", []):
            yield from _check_row(ctx, form, row)


def _check_row(ctx: Context, form: Form, row: BlockRow) -> Iterator[Finding]:
    name, target, actual = row.get("name"), row.get("target"), row.get("actual")
    weight_f, score_f, deviation = row.get("weight"), row.get("score"), row.get("deviation")
    title = indicator_name(row)
    weight = weight_f.number if weight_f else None
    score = score_f.number if score_f else None
    if weight_f is None or score_f is None or target is None or actual is None:
        return
    if (score_f.is_formula and score is None) or (weight_f.is_formula and weight is None):
        return  # a formula saved without its result: nothing we can judge
    if _not_applicable(row):
        if (weight or 0) > 0 or (score or 0) > 0:
            yield finding(
                Severity.WARNING,
                "not_applicable_scored",
                form,
                (score_f if score else weight_f).ref,
                f"指标“{title}”为不适用，不应有分值或得分",
                "空白",
                typed(score_f if score else weight_f),
            )
        return
    level1, level2 = canonical(row.level1), canonical(row.level2)
    if level1 in HIERARCHY and level2 and level2 not in HIERARCHY[level1]:
        cell = row.get("level2")
        yield finding(
            Severity.WARNING,
            "level_mismatch",
            form,
            cell.ref if cell else name.ref if name else weight_f.ref,
            f"二级指标“{row.level2}”不属于一级指标“{row.level1}”（应为{'、'.join(HIERARCHY[level1])}之一）",
            "、".join(HIERARCHY[level1]),
            row.level2,
        )
    if weight is None:
        if score is not None:
            yield finding(
                Severity.WARNING,
                "weight_blank",
                form,
                weight_f.ref,
                f"指标“{title}”有得分{score_f.text}但未填分值",
                "分值",
                "空白",
            )
        return
    yield from _criteria_points(form, row, weight, title)
    if score is not None and score > weight:
        yield finding(
            Severity.ERROR,
            "score_above_weight",
            form,
            score_f.ref,
            f"指标“{title}”得分{score_f.text}超过分值{weight_f.text}",
            f"≤{format_score(weight)}",
            score_f.text,
        )
    if score is not None and score < 0:
        yield finding(
            Severity.ERROR,
            "score_negative",
            form,
            score_f.ref,
            f"指标“{title}”得分为负数",
            "≥0",
            score_f.text,
        )

    is_cost = canonical(name.text if name else "") == COST_WITHIN_BUDGET and canonical(row.level1) == COST
    if is_cost:
        yield from _cost_within_budget(ctx, form, row, title)
        if actual.is_blank:
            return
    if actual.value.kind is Kind.NOT_APPLICABLE and (score or 0) > 0:
        yield finding(
            Severity.WARNING,
            "actual_not_applicable_but_scored",
            form,
            actual.ref,
            f"指标“{title}”实际完成值为“{actual.text}”，却得分{score_f.text}；不适用的指标不应计分，适用的请填实际完成值",
            "实际完成值",
            actual.text,
            related=(score_f.ref,),
        )
        return
    sug = suggest(target.value, actual.value, weight, ctx.settings, name.text if name else "")
    if sug.actual_blank:
        if score is not None and score > 0:
            yield finding(
                Severity.WARNING,
                "actual_blank_but_scored",
                form,
                actual.ref,
                f"指标“{title}”实际完成值为空，却得分{score_f.text}",
                "实际完成值",
                "空白",
                related=(score_f.ref,),
            )
        return
    quantitative = sug.kind in (IndicatorKind.POSITIVE, IndicatorKind.NEGATIVE, IndicatorKind.RANGE)
    if sug.actual_repeats_target and quantitative and score is not None:
        yield finding(
            Severity.WARNING,
            "actual_copies_target",
            form,
            actual.ref,
            f"指标“{title}”实际完成值“{actual.text}”只是照抄了年度指标值，请填写实际完成的数值",
            "实际数值",
            actual.text,
            related=(target.ref,),
        )
    if sug.unit_missing:
        unit = (
            target.value.quantity.unit
            if target.value.quantity
            else (target.value.low.unit if target.value.low else "")
        )
        yield finding(
            Severity.WARNING,
            "actual_missing_unit",
            form,
            actual.ref,
            f"指标“{title}”实际完成值“{actual.text}”缺少单位（年度指标值为“{target.text}”），应为“{actual.text}{unit}”",
            f"{actual.text}{unit}",
            actual.text,
            related=(target.ref,),
        )
    yield from _score_against_rule(form, row, sug, weight, score, title)
    # §5: an indicator not met needs its 偏差原因, whatever score it was given.
    below = (score is not None and score < weight - SCORE_TOLERANCE) or sug.achieved is False
    if deviation is not None and deviation.is_blank:
        if below:
            yield finding(
                Severity.WARNING,
                "deviation_missing",
                form,
                deviation.ref,
                f"指标“{title}”"
                + (
                    f"未得满分（{score_f.text}/{weight_f.text}）"
                    if score is not None and score < weight - SCORE_TOLERANCE
                    else f"未达到年度指标值（{target.text}，实际{actual.text}）"
                )
                + "，应填写偏差原因分析及改进措施",
                "偏差原因",
                "空白",
            )
        elif sug.over_achieved:
            yield finding(
                Severity.INFO,
                "over_achievement_unexplained",
                form,
                deviation.ref,
                f"指标“{title}”实际完成值{actual.text}远超年度指标值{target.text}，建议说明超额原因并考虑调整目标",
                "偏差原因",
                "空白",
                related=(actual.ref,),
            )


def _score_against_rule(form, row, sug, weight, score, title) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
    score_f = row.get("score")
    if sug.kind is IndicatorKind.NOT_APPLICABLE:
        return
    if sug.score is None and (sug.low is None or sug.high is None):
        if score is None:
            # No rule fits the wording (e.g. 120吨标煤 against ≤100吨标煤): the evaluator has to score it.
            yield finding(
                Severity.INFO,
                "score_blank",
                form,
                score_f.ref,
                f"指标“{title}”得分未填，无法按规则自动评分（{sug.explanation}），请评价人按完成情况打分",
                "得分",
                "空白",
            )
        return
    if sug.score is not None:
        if score is None:
            fix = CellEdit(
                score_f.ref, sug.score, "0.00", None, f"按评分规则填入建议得分（{sug.explanation}）", "score"
            )
            yield finding(
                Severity.INFO,
                "score_blank",
                form,
                score_f.ref,
                f"指标“{title}”得分未填，按规则建议{format_score(sug.score)}（{sug.explanation}）",
                format_score(sug.score),
                "空白",
                fix=fix,
            )
        elif abs(score - sug.score) > SCORE_TOLERANCE:
            yield finding(
                Severity.WARNING,
                "score_differs_from_rule",
                form,
                score_f.ref,
                f"指标“{title}”按评分规则应得{format_score(sug.score)}（{sug.explanation}），表中为{score_f.text}",
                format_score(sug.score),
                score_f.text,
            )
    elif sug.low is not None and sug.high is not None:
        if score is None:
            fix = CellEdit(
                score_f.ref,
                sug.high,
                "0.00",
                None,
                f"按评分规则填入建议得分，可在{format_score(sug.low)}–{format_score(sug.high)}之间酌情调整（{sug.explanation}）",
                "score",
            )
            yield finding(
                Severity.INFO,
                "score_blank",
                form,
                score_f.ref,
                f"指标“{title}”得分未填，按完成情况建议在{format_score(sug.low)}–{format_score(sug.high)}之间（{sug.explanation}）",
                f"{format_score(sug.low)}–{format_score(sug.high)}",
                "空白",
                fix=fix,
            )
        elif not (sug.low - SCORE_TOLERANCE <= score <= sug.high + SCORE_TOLERANCE):
            yield finding(
                Severity.WARNING,
                "score_outside_band",
                form,
                score_f.ref,
                f"指标“{title}”按完成情况应在{format_score(sug.low)}–{format_score(sug.high)}之间（{sug.explanation}），表中为{score_f.text}",
                f"{format_score(sug.low)}–{format_score(sug.high)}",
                score_f.text,
            )


def _criteria_points(form: Form, row: BlockRow, weight: Decimal, title: str) -> Iterator[Finding]:
    criteria = row.get("criteria")
    if criteria is None:
        return
    match = _CRITERIA_POINTS.match(canonical(criteria.text))
    if match and Decimal(match.group(1)) != weight:
        yield finding(
            Severity.INFO,
            "criteria_weight_mismatch",
            form,
            criteria.ref,
            f"指标“{title}”评扣分标准写的是{criteria.text}，分值却是{_plain(weight)}",
            _plain(weight),
            criteria.text,
        )


def _cost_within_budget(ctx: Context, form: Form, row: BlockRow, title: str) -> Iterator[Finding]:
    """成本控制在预算内 quotes the table's own budget and execution; fill them when blank."""
    budget, executed = cost_figures(form, ctx)
    score_f = row.get("score")
    for key, figure, what in (("target", budget, "预算数"), ("actual", executed, "全年执行数")):
        f = row.get(key)
        if f is None or figure is None:
            continue
        text = f"{format_amount(figure)}万元"
        if f.is_blank:
            scored = score_f is not None and (score_f.number or 0) > 0
            fix = CellEdit(f.ref, text, None, None, f"已按本表{what}填入", "fill")
            yield finding(
                Severity.WARNING if key == "actual" and scored else Severity.INFO,
                "actual_blank_but_scored" if key == "actual" and scored else "cost_figure_blank",
                form,
                f.ref,
                f"指标“{title}”{'实际完成值' if key == 'actual' else '年度指标值'}为空"
                + (f"，却得分{score_f.text}" if key == "actual" and scored and score_f else "")
                + f"；本表{what}为{text}",
                text,
                "空白",
                fix=fix,
            )
            continue
        value = parse_value(f.text)
        q = value.quantity
        if value.kind is Kind.NUMBER and q is not None and abs(q.number - figure) > Decimal("0.005"):
            yield finding(
                Severity.INFO,
                "cost_figure_differs",
                form,
                f.ref,
                f"指标“{title}”{'实际完成值' if key == 'actual' else '年度指标值'}为{f.text}，与本表{what}{text}不一致",
                text,
                f.text,
            )


def _plain(x: Decimal) -> str:
    return format(x.normalize(), "f") if x == x.to_integral_value() else format_score(x)


def check_weights(ctx: Context) -> Iterator[Finding]:
    """Σ分值 is 100; the split over 一级指标 follows the convention (a warning only)."""
    for form in ctx.forms:
        if form.kind not in INDICATOR_FORMS or form.cut_short:
            continue
        calc = ctx.calculator(form)
        total = calc.figure("total.weight")
        exec_f = form.get(execution_weight_key(form))
        anchor = form.get("total.weight") or exec_f
        if total is None or anchor is None:
            continue
        indicator_weights = [w for w in calc.column("indicators", "weight") if w is not None]
        if not any(indicator_weights):
            yield finding(
                Severity.INFO,
                "weights_not_filled",
                form,
                anchor.ref,
                "绩效指标的分值尚未填写（连同预算执行率应合计100分）",
                "100.00",
                format_score(total),
            )
            continue
        if abs(total - HUNDRED) > SCORE_TOLERANCE:
            yield finding(
                Severity.ERROR,
                "weights_not_100",
                form,
                anchor.ref,
                f"分值合计（含预算执行率{exec_f.text if exec_f else ''}分）为{format_score(total)}，应为100",
                "100.00",
                format_score(total),
            )
            continue
        by_group: dict[str, Decimal] = defaultdict(Decimal)
        for row in form.blocks.get("indicators", []):
            w = row.get("weight")
            group = ctx.settings.weight_group(canonical(row.level1))
            if w is not None and w.number is not None and group:
                by_group[group] += w.number
        if exec_f is not None and exec_f.number is not None:
            by_group[EXECUTION] += exec_f.number
        expected = dict(ctx.settings.weights)
        differing = [k for k in expected if by_group.get(k, Decimal(0)) != expected[k]]
        if differing:
            shown = "，".join(
                f"{k}{format_score(by_group.get(k, Decimal(0)))}分（通常{format_score(expected[k])}分）"
                for k in differing
            )
            yield finding(
                Severity.WARNING,
                "weights_differ_from_convention",
                form,
                anchor.ref,
                f"各类指标权重与常用设置不同：{shown}；合计仍为100，如有依据可忽略",
                "；".join(f"{k}{format_score(v)}" for k, v in expected.items()),
                shown,
            )


def check_blank_rows(ctx: Context) -> Iterator[Finding]:
    for form in ctx.forms:
        if form.blank_rows:
            rows = form.blank_rows
            yield finding(
                Severity.INFO,
                "blank_template_rows",
                form,
                CellRef(form.sheet, rows[0], _first_col(form)),
                f"绩效指标中有{len(rows)}行空白模板行（第{'、'.join(str(r) for r in rows[:8])}{'等' if len(rows) > 8 else ''}行），提交前可删除",
                "删除空行",
                f"{len(rows)}行空白",
            )


def _first_col(form: Form) -> int:
    rows = form.blocks.get("indicators") or []
    for row in rows:
        f = row.get("name")
        if f is not None:
            return f.ref.col
    return 1
