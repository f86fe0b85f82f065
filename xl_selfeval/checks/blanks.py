"""Cells a submitted form must not leave blank: an indicator with neither 实际完成值 nor 得分 (docs/domain-rules.md §5)."""

from __future__ import annotations

from collections.abc import Iterator

from xl_selfeval.checks.context import Context, IndicatorRow, Stage, finding
from xl_selfeval.checks.review import is_instruction, is_placeholder
from xl_selfeval.findings import Code, Finding
from xl_selfeval.model import Form

ROWS_NAMED = 8  # rows a message lists before "等"


def _unfilled(r: IndicatorRow) -> bool:
    """An applicable indicator with a name or a target, whose 实际完成值 and 得分 are both blank."""
    actual, score = r.row.get("actual"), r.row.get("score")
    if r.stage == Stage.NOT_APPLICABLE or actual is None or score is None or r.is_cost:
        return False  # 成本控制在预算内 takes the table's own figure (cost_figure_blank fills it)
    if not actual.is_blank or not score.is_blank or score.is_formula:
        return False
    said = [f for f in (r.row.get("name"), r.row.get("target")) if f is not None and not f.is_blank]
    # Template text (指标1, ……) and instructions (评价结论's “…（200字以内）” where a reader took it for a row)
    # have their own findings.
    return bool(said) and not any(is_placeholder(f.text) or is_instruction(f.text) for f in said)


def _evaluated(form: Form, rows: list[IndicatorRow]) -> bool:
    """Whether a form holds figures of the year: an actual or a score typed, or an amount in its tables.

    A form from `new --from` (a rollover) holds targets and 分值 only; it gets one finding, not one per row.
    """
    for r in rows:
        actual, score = r.row.get("actual"), r.row.get("score")
        if actual is None or score is None or _spans_row(r):
            continue  # a 合计 or 评价结论 line merged across the block is no indicator
        if not actual.is_blank or not score.is_blank:
            return True
    return any(f.number is not None and not key.endswith(".weight") for key, f in form.fields.items())


def _spans_row(r: IndicatorRow) -> bool:
    """A line of one cell merged across the block (合计, 评价结论): its name, actual and score are one cell."""
    name, actual = r.row.get("name"), r.row.get("actual")
    return name is not None and actual is not None and name.ref == actual.ref


def check_unfilled_indicators(ctx: Context) -> Iterator[Finding]:
    """An indicator with neither 实际完成值 nor 得分: a warning on the actual; one for a form not yet evaluated."""
    by_form: dict[int, list[IndicatorRow]] = {}
    for r in ctx.indicator_rows:
        by_form.setdefault(id(r.form), []).append(r)
    for rows in by_form.values():
        form = rows[0].form
        unfilled = [r for r in rows if _unfilled(r)]
        if not unfilled:
            continue
        if not _evaluated(form, rows):
            first = unfilled[0]
            numbers = "、".join(str(r.row.row) for r in unfilled[:ROWS_NAMED])
            yield finding(
                Code.INDICATOR_UNFILLED,
                form,
                first.cell("actual").ref,
                f"本表尚未自评：{len(unfilled)}个绩效指标的实际完成值和得分都未填"
                f"（第{numbers}{'等' if len(unfilled) > ROWS_NAMED else ''}行），请逐项填写实际完成值并评分",
                "实际完成值和得分",
                "空白",
            )
            continue
        for r in unfilled:
            target = r.row.get("target")
            said = f"（年度指标值为{target.text}）" if target is not None and not target.is_blank else ""
            yield finding(
                Code.INDICATOR_UNFILLED,
                form,
                r.cell("actual").ref,
                f"{r.named}实际完成值和得分都未填{said}，请填写实际完成值并按完成情况评分",
                "实际完成值和得分",
                "空白",
                related=(r.cell("score").ref,),
            )
