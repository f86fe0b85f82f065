"""Figures typed as text (约5亿元, 4791.96万元, "2,769.05" pasted from Word) where the template's formulas need numbers."""

from __future__ import annotations

from collections.abc import Iterator

from xl_selfeval.checks.context import Context, edit, field_label, finding, fmt_of, show
from xl_selfeval.compute import derived_cells
from xl_selfeval.findings import Code, Finding
from xl_selfeval.forms.layout import BlockSum, Expr, Fmt, IndicatorBlock, Ref, Table
from xl_selfeval.model import Field, Form
from xl_selfeval.values import round_half_up


def is_text_figure(f: Field | None) -> bool:
    """A cell holding text that reads as one figure: Excel's SUM skips it and its arithmetic gives #VALUE!."""
    return f is not None and not f.is_formula and isinstance(f.cell.value, str) and f.number is not None


def text_figures_in(form: Form, expr: Expr) -> list[Field]:
    """The input cells typed as text that a derived figure depends on, through other derived figures too."""
    derived = derived_cells(form.layout)
    out: list[Field] = []

    def walk(e: Expr) -> None:
        if isinstance(e, Ref):
            if e.key in derived:
                walk(derived[e.key])
            elif is_text_figure(form.get(e.key)):
                out.append(form.get(e.key))  # type: ignore[arg-type]  # checked just above
        elif isinstance(e, BlockSum):
            out.extend(
                f
                for row in form.blocks.get(e.block, [])
                if is_text_figure(f := row.get(e.column)) and f is not None
            )
        else:
            for part in vars(e).values():
                if isinstance(part, Expr):
                    walk(part)
                elif isinstance(part, tuple):
                    for p in part:
                        if isinstance(p, Expr):
                            walk(p)

    walk(expr)
    return out


def _uses_formulas(form: Form) -> bool:
    """Made from the template: most derived cells are formulas, so a text figure breaks them."""
    located = [form.fields[k] for k in derived_cells(form.layout) if k in form.fields]
    return bool(located) and 2 * sum(f.is_formula for f in located) >= len(located)


def _figure_fields(form: Form) -> Iterator[tuple[Field, Fmt, str]]:
    """Every input figure of the form: (field, kind, what a reader calls it)."""
    derived = derived_cells(form.layout)
    for key, f in form.fields.items():
        fmt = fmt_of(form, key)
        if key not in derived and fmt is not Fmt.RATE:
            yield f, fmt, field_label(form, key)
    for section in form.layout.sections:
        if isinstance(section, IndicatorBlock):
            block = section.key
        elif isinstance(section, Table) and section.items is not None:
            block = section.items.key
        else:
            continue
        for row in form.blocks.get(block, []):
            for column in section.columns:
                cell = row.get(column.key)
                if cell is not None and column.fmt.is_number and column.fmt is not Fmt.RATE:
                    header = column.header.split("\n")[0]
                    yield cell, column.fmt, f"第{row.row}行{header}"


def check_text_figures(ctx: Context) -> Iterator[Finding]:
    """A figure typed as text in a formula-driven form: name the cell and the figure it should hold."""
    for form in ctx.forms:
        if not _uses_formulas(form):
            continue  # a form of typed figures has no formula for the text to break
        for f, fmt, label in _figure_fields(form):
            if not is_text_figure(f):
                continue
            assert f.number is not None
            figure = round_half_up(f.number, 0 if fmt is Fmt.COUNT else 2)
            shown = show(figure, fmt)
            yield finding(
                Code.FIGURE_TYPED_AS_TEXT,
                form,
                f.ref,
                f"{label}填的是文字“{f.text}”，应为数字{shown}（公式不把文字当数字，合计、执行率和得分会算错）",
                shown,
                f.text,
                fix=edit(
                    f, figure, fmt.number_format, f.text, f"原为文字“{f.text}”，已改为数字{shown}", "correct"
                ),
            )
