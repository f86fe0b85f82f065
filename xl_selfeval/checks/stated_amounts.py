"""Amounts the title or a header text states (…经费236.25万元…自评表) against the form's own funds table."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal

from xl_selfeval.cells import CellRef
from xl_selfeval.checks.context import INDICATOR_FORMS, Context, budget_keys, field_label, finding
from xl_selfeval.checks.rules import AMOUNT_TOLERANCE
from xl_selfeval.compute import execution_table
from xl_selfeval.findings import Code, Finding
from xl_selfeval.model import Field, Form
from xl_selfeval.values import Kind, format_amount

_IN_WAN = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)万元")
_YUAN_PER_WAN = Decimal(10000)  # a table kept in 元 (上海's 项目资金(元)) states the same sum ×10000


def stated_amounts(text: str) -> list[Decimal]:
    """Every amount in 万元 a text states: '忠烈祠免费开放经费236.25万元' → [236.25]."""
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    return [Decimal(m.group(1).replace(",", "")) for m in _IN_WAN.finditer(folded)]


def _header_texts(form: Form) -> Iterator[tuple[CellRef, str, str]]:
    """(cell, what a message calls it, text): the title, then the header's text fields (项目名称 …)."""
    if form.title and form.title_ref is not None:
        yield form.title_ref, "标题", form.title
    for key, f in form.fields.items():
        if "." not in key and f.value.kind is Kind.TEXT:
            yield f.ref, "表头", f.text


def _table_figures(form: Form, ctx: Context) -> list[tuple[Field, Decimal]]:
    """The funds table's 全年预算数, 年初预算数 and 全年执行数 as typed (else as worked out), in that order."""
    calc = ctx.calculator(form)
    initial, budget, executed = budget_keys(form)
    out = []
    for key in (budget, initial, executed):
        f = form.get(key)
        figure = f.number if f is not None and f.number is not None else calc.figure(key)
        if f is not None and figure is not None:
            out.append((f, figure))
    return out


def _agrees(amount: Decimal, figure: Decimal) -> bool:
    return any(abs(amount * scale - figure) <= AMOUNT_TOLERANCE for scale in (1, _YUAN_PER_WAN))


def check_stated_amounts(ctx: Context) -> Iterator[Finding]:
    """An amount in 万元 stated in the title or header text that none of the table's figures bears out:
    a warning on the table's budget cell naming both (南岳: 236.25万元 in the title, 236 in the table)."""
    for form in ctx.forms:
        if form.kind not in INDICATOR_FORMS or execution_table(form.layout) is None:
            continue
        figures = _table_figures(form, ctx)
        if not figures:
            continue
        for ref, where, text in _header_texts(form):
            amounts = stated_amounts(text)
            if not amounts or any(_agrees(a, figure) for a in amounts for _, figure in figures):
                continue
            at, figure = figures[0]
            amount = amounts[0]
            yield finding(
                Code.TITLE_AMOUNT_MISMATCH,
                form,
                at.ref,
                f"{where}写的是{format_amount(amount)}万元，表中{field_label(form, at.key)}为{format_amount(figure)}，"
                f"相差{format_amount(abs(amount - figure))}，请核对",
                format_amount(amount),
                format_amount(figure),
                related=(ref,),
            )
            break  # one finding per form: the title and a header stating the same sum say one thing
