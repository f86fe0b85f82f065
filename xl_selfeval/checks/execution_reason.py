"""A reason the profile asks for beside the 执行率: below its floor (四川 90%) or after a mid-year budget change."""

from __future__ import annotations

from collections.abc import Iterator

from xl_selfeval.checks.context import INDICATOR_FORMS, Context, finding
from xl_selfeval.compute import execution_table
from xl_selfeval.findings import Code, Finding
from xl_selfeval.forms.indicators import REASON_INSTRUCTION_MARKS
from xl_selfeval.labels import canonical
from xl_selfeval.model import Field, Form
from xl_selfeval.values import format_amount, format_rate, round_half_up


def _states_a_reason(reason: Field) -> bool:
    """Some text of the unit's own: not blank, and not the form's printed instruction left in place."""
    text = canonical(reason.text)
    return bool(text) and not any(mark in text for mark in REASON_INSTRUCTION_MARKS)


def _why_needed(ctx: Context, form: Form, table: str) -> list[tuple[str, str]]:
    """What calls for a reason on this form under the profile: (the fact, what the profile asks), each."""
    settings, out = ctx.settings, []
    initial, budget = form.number(f"{table}.total.initial_budget"), form.number(f"{table}.total.budget")
    if settings.adjustment_needs_reason and initial is not None and budget is not None and initial != budget:
        change = "追加" if budget > initial else "调减"
        fact = f"年初预算{format_amount(initial)}万元调整为{format_amount(budget)}万元（年中{change}）"
        out.append((fact, "应单独说明调整理由"))
    rate = ctx.calculator(form).figure(f"{table}.total.rate")
    floor = settings.execution_reason_below
    # judged as the form shows the rate, to 0.01%: 89.9996% is shown as 90.00%
    if floor is not None and rate is not None and round_half_up(rate, 4) < floor:
        out.append((f"预算执行率{format_rate(rate)}低于{format_rate(floor)}", "应说明原因"))
    return out


def check_execution_reason(ctx: Context) -> Iterator[Finding]:
    """The 原因 beside the 执行率 states a reason where the profile asks for one."""
    for form in ctx.forms:
        table = execution_table(form.layout) if form.kind in INDICATOR_FORMS else None
        reason = form.get(f"{table.key}.total.reason") if table is not None else None
        if table is None or reason is None or _states_a_reason(reason):
            continue
        why = _why_needed(ctx, form, table.key)
        if not why:
            continue
        shown = "空白" if reason.is_blank else "只有表样印好的填写说明"
        facts, asks = "；".join(f for f, _ in why), "，".join(dict.fromkeys(a for _, a in why))
        yield finding(
            Code.EXECUTION_REASON_MISSING,
            form,
            reason.ref,
            f"{facts}，“原因”栏{shown}；按“{ctx.settings.profile}”方案{asks}",
            "写明原因",
            shown,
        )
