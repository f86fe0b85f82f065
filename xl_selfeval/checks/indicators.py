"""Checks of the 绩效指标 block: the row rules on every row, the weights, blank template rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from xl_selfeval.cells import CellRef
from xl_selfeval.checks.context import INDICATOR_FORMS, Context, finding
from xl_selfeval.checks.rows import ROW_RULES
from xl_selfeval.checks.rules import SCORE_TOLERANCE, plain_points
from xl_selfeval.findings import Code, Finding
from xl_selfeval.forms.indicators import LEVEL1
from xl_selfeval.labels import canonical
from xl_selfeval.model import Form
from xl_selfeval.settings import EXECUTION
from xl_selfeval.values import format_score

HUNDRED = Decimal(100)


def execution_weight_key(form: Form) -> str:
    return form.layout.execution_weight_key


def check_indicator_rows(ctx: Context) -> Iterator[Finding]:
    """Every row rule on every indicator row of 附件2 and 附件3."""
    for row in ctx.indicator_rows:
        for rule in ROW_RULES:
            yield from rule(row, ctx)


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
                Code.WEIGHTS_NOT_FILLED,
                form,
                anchor.ref,
                "绩效指标的分值尚未填写（连同预算执行率应合计100分）",
                "100.00",
                format_score(total),
            )
            continue
        if abs(total - HUNDRED) > SCORE_TOLERANCE:
            yield finding(
                Code.WEIGHTS_NOT_100,
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
                Code.WEIGHTS_DIFFER_FROM_CONVENTION,
                form,
                anchor.ref,
                f"各类指标权重与常用设置不同：{shown}；合计仍为100，如有依据可忽略",
                "；".join(f"{k}{format_score(v)}" for k, v in expected.items()),
                shown,
            )


def check_stated_level1_weights(ctx: Context) -> Iterator[Finding]:
    """'产出指标(50分)' states a weight: the 分值 of the 三级 rows under it must add up to it."""
    for form in ctx.forms:
        if not form.stated_weights:
            continue
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for row in form.blocks.get("indicators", []):
            w = row.get("weight")
            if w is not None and w.number is not None:
                sums[row.level1] += w.number
        for ref, level1, stated in form.stated_weights:
            if abs(sums[level1] - stated) > SCORE_TOLERANCE:
                yield finding(
                    Code.LEVEL1_WEIGHT_MISMATCH,
                    form,
                    ref,
                    f"一级指标“{level1}”标明{plain_points(stated)}分，其下三级指标分值合计为{format_score(sums[level1])}分",
                    format_score(stated),
                    format_score(sums[level1]),
                )


def check_level1_has_indicators(ctx: Context) -> Iterator[Finding]:
    """A 一级 the form lists with no 三级 row under it (长江禁捕: 效益指标 left empty): a whole dimension of the
    performance not evaluated. A form with no indicator at all is a blank template, not this."""
    for form in ctx.forms:
        # A label may name two 一级 at once ('效益指标 满意度指标' over one row): each counts as present.
        labels = {canonical(r.level1) for r in form.blocks.get("indicators", [])}
        scored = {name for name in LEVEL1 if any(name in label for label in labels)}
        if not scored:
            continue
        seen: set[str] = set()
        for ref, level1 in form.level1_labels:
            name = canonical(level1)
            if name not in LEVEL1 or name in scored or name in seen:
                continue
            seen.add(name)
            yield finding(
                Code.LEVEL1_WITHOUT_INDICATORS,
                form,
                ref,
                f"一级指标“{name}”下没有任何三级指标，这一类的绩效没有评价（其分值也无处可记），请补上指标或说明原因",
                "至少一个三级指标",
                "没有",
            )


def check_blank_rows(ctx: Context) -> Iterator[Finding]:
    for form in ctx.forms:
        if form.blank_rows:
            rows = form.blank_rows
            yield finding(
                Code.BLANK_TEMPLATE_ROWS,
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
