"""What every check sees, frozen: the forms, the settings, each indicator row's facts and suggested score
worked out before any check runs (the pre-pass), and helpers to word a finding."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum
from types import MappingProxyType

from xl_selfeval.cells import CellRef
from xl_selfeval.checks.rules import (
    is_cost_within_budget,
    named_indicator,
    row_not_applicable,
    writable,
)
from xl_selfeval.compute import Calculator, execution_table, per_layout
from xl_selfeval.findings import CellEdit, Code, Finding
from xl_selfeval.forms.indicators import EXECUTION_INDICATOR
from xl_selfeval.forms.layout import Column, Fmt, FormKind, FormLayout, Table, TotalRow, with_year
from xl_selfeval.labels import canonical
from xl_selfeval.model import BlockRow, Field, Form
from xl_selfeval.scoring import (
    Analysis,
    IndicatorKind,
    Suggestion,
    analyse,
    execution_rate,
    suggest_analysed,
    suggest_execution,
)
from xl_selfeval.settings import Settings
from xl_selfeval.units import Dimension
from xl_selfeval.values import (
    Kind,
    Value,
    format_amount,
    format_rate,
    format_score,
    parse_value,
    round_half_up,
)

INDICATOR_FORMS = (FormKind.DEPARTMENT, FormKind.PROJECT)
ROW_KEYS = ("name", "target", "actual", "weight", "score")


class Stage(IntEnum):
    """How far the row rules can judge an indicator row; each rule needs a stage, the next ones need more."""

    UNREAD = 0  # a column missing, or a formula saved without its result: nothing we can judge
    NOT_APPLICABLE = 1  # 不适用 (不涉及…): only whether it took 分值 or points is judged
    APPLICABLE = 2  # applies, but has no 分值
    WEIGHED = 3  # has a 分值
    ACTUAL_READ = 4  # the actual is there to judge (成本控制在预算内 with a blank actual stops before)
    SCORABLE = 5  # not an actual of 不适用 that took points: the scoring rules are asked
    ASSESSED = 6  # the scoring rules read the actual


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator row and what the pre-pass worked out for it once, before any check runs."""

    form: Form
    row: BlockRow
    weight: Decimal | None
    score: Decimal | None
    is_cost: bool
    stage: Stage
    # The scoring rules' reading of target and actual, for every row that has both cells, at any stage:
    # checks that ask of a row's units or kind read it here instead of analysing the row again.
    analysis: Analysis | None
    suggestion: Suggestion | None  # asked from SCORABLE on
    fill: Decimal | None  # the score recalc writes into the blank 得分 cell, which totals count
    # 成本控制在预算内 only: the table's own budget (年初, else 全年) and execution, which its 年度指标值 and
    # 实际完成值 quote; recalc fills a blank one with it, and the row is judged as if it were filled already
    cost_figures: CostFigures

    @property
    def named(self) -> str:
        """The indicator as a message names it: 指标“居民健康档案”, or by its row when its name is blank."""
        return named_indicator(self.row)

    def shown(self, key: str) -> str:
        """A cell's text as the row is judged: a blank cost figure as recalc fills it."""
        f = self.cell(key)
        return cost_fill(f, self.cost_figures.get(key)) or f.text

    def cell(self, key: str) -> Field:
        """A cell every row from APPLICABLE on has (name and deviation may be missing: use row.get)."""
        f = self.row.get(key)
        assert f is not None, f"indicator row {self.row.row} has no {key} (stage {self.stage.name})"
        return f


def indicator_row(form: Form, row: BlockRow, settings: Settings) -> IndicatorRow:
    weight_f, score_f = row.get("weight"), row.get("score")
    weight = weight_f.number if weight_f else None
    score = score_f.number if score_f else None
    name = row.get("name")
    target, actual = row.get("target"), row.get("actual")
    is_cost = is_cost_within_budget(row)
    figures = cost_figures(form) if is_cost else MappingProxyType({})
    analysis = None
    actual_value = None
    if target is not None and actual is not None:
        target_value = _as_filled(target, figures.get("target"))
        actual_value = _as_filled(actual, figures.get("actual"))
        analysis = analyse(target_value, actual_value, name.text if name else "")
    stage, suggestion = _stage(row, weight, score, settings, is_cost, analysis, actual_value)
    if stage == Stage.ASSESSED and weight is not None and _is_execution_row(row):
        suggestion = _execution_suggestion(form, row, weight) or suggestion
    fill = _fill(stage, score, suggestion)
    if fill is not None and form.score_decimals < 2:
        fill = round_half_up(fill, form.score_decimals)  # written as the form types its scores: 1.7, not 1.69
    return IndicatorRow(form, row, weight, score, is_cost, stage, analysis, suggestion, fill, figures)


# What a 成本控制在预算内 row quotes, by the cell that quotes it: "target" (年度指标值) the table's own budget,
# 年初 else 全年; "actual" (实际完成值) its 全年执行数. A figure the table lacks is left out.
CostFigures = Mapping[str, Decimal]


def cost_figures(form: Form) -> CostFigures:
    """The form's CostFigures, worked out before any score is filled: money does not depend on scores."""
    if execution_table(form.layout) is None:
        return MappingProxyType({})
    calc = _calculator(form, {})
    initial, budget, executed = (calc.figure(k) for k in budget_keys(form))
    figures = {"target": initial if initial is not None else budget, "actual": executed}
    return MappingProxyType({k: v for k, v in figures.items() if v is not None})


def budget_keys(form: Form) -> tuple[str, str, str]:
    """The 年初预算数, 全年预算数 and 全年执行数 of the table that holds the form's 执行率."""
    table = execution_table(form.layout)
    if table is None:
        raise KeyError(f"{form.layout.name} has no 执行率")
    return (
        table.field_key("total", "initial_budget"),
        table.field_key("total", "budget"),
        table.field_key("total", "executed"),
    )


def cost_fill(f: Field, figure: Decimal | None) -> str:
    """The text recalc fills into a blank 年度指标值 or 实际完成值 of a 成本控制在预算内 row (its cost
    figure); "" where the cell is typed or the table has no such figure."""
    if not f.is_blank or figure is None:
        return ""
    return cost_text(figure)


def cost_text(figure: Decimal) -> str:
    """A budget or execution figure as a 成本控制在预算内 row quotes it: 4791.96万元."""
    return f"{format_amount(figure)}万元"


def _as_filled(f: Field, figure: Decimal | None) -> Value:
    text = cost_fill(f, figure)
    return parse_value(text) if text else f.value


def _stage(
    row: BlockRow,
    weight: Decimal | None,
    score: Decimal | None,
    settings: Settings,
    is_cost: bool,
    analysis: Analysis | None,
    actual: Value | None,
) -> tuple[Stage, Suggestion | None]:
    weight_f, score_f = row.get("weight"), row.get("score")
    if weight_f is None or score_f is None or actual is None or analysis is None:
        return Stage.UNREAD, None
    if (score_f.is_formula and score is None) or (weight_f.is_formula and weight is None):
        return Stage.UNREAD, None  # a formula saved without its result: nothing we can judge
    if row_not_applicable(row):
        return Stage.NOT_APPLICABLE, None
    if weight is None:
        return Stage.APPLICABLE, None
    if is_cost and actual.kind is Kind.BLANK:
        return Stage.WEIGHED, None  # the table has no execution to fill it with
    if actual.kind is Kind.NOT_APPLICABLE and (score or 0) > 0:
        return Stage.ACTUAL_READ, None
    sug = suggest_analysed(analysis, actual, weight, settings)
    return (Stage.SCORABLE if sug.actual_blank else Stage.ASSESSED), sug


def _is_execution_row(row: BlockRow) -> bool:
    name = row.get("name")
    return name is not None and canonical(name.text) == canonical(EXECUTION_INDICATOR)


def _execution_suggestion(form: Form, row: BlockRow, weight: Decimal) -> Suggestion | None:
    """The 预算执行率 row's score from the form's own 全年执行数 ÷ 全年预算数, else from the rate it states."""
    table = execution_table(form.layout)
    if table is not None:
        executed, budget = (form.get(f"{table.key}.total.{k}") for k in ("executed", "budget"))
        if executed is not None and budget is not None:
            rate = execution_rate(executed.number, budget.number)
            if rate is not None:
                source = f"{executed.text}÷{budget.text}"
                return suggest_execution(weight, rate, source)
    actual = row.get("actual")
    q = actual.value.quantity if actual is not None else None
    if actual is None or q is None or q.dimension is not Dimension.RATE:
        return None
    return suggest_execution(weight, q.number, f"所填实际完成值{actual.text}")


def _fill(stage: Stage, score: Decimal | None, sug: Suggestion | None) -> Decimal | None:
    """The rule's score, or the top of its band, for a blank 得分 the rules can judge."""
    if stage < Stage.ASSESSED or score is not None or sug is None or sug.kind is IndicatorKind.NOT_APPLICABLE:
        return None
    if sug.score is not None:
        return sug.score
    return sug.high if sug.low is not None and sug.high is not None else None


@dataclass(frozen=True)
class Context:
    """Frozen: built once by build(), read by every check in any order."""

    forms: tuple[Form, ...]
    settings: Settings
    indicator_rows: tuple[IndicatorRow, ...]
    # Scores recalc fills into blank 得分 cells, by (sheet, row): totals count them.
    filled_scores: Mapping[tuple[str, int], Decimal]
    calculators: tuple[Calculator, ...]  # one per form, in the order of forms
    # calculator()'s lookup: each form's calculator by the form's identity (a form is not hashable)
    by_form: Mapping[int, tuple[Form, Calculator]] = field(repr=False, compare=False)

    @classmethod
    def build(cls, forms: list[Form], settings: Settings) -> Context:
        """The pre-pass: each indicator row's facts and suggested score, then the calculators counting them."""
        rows = tuple(
            indicator_row(form, row, settings)
            for form in forms
            if form.kind in INDICATOR_FORMS
            for row in form.blocks.get("indicators", [])
        )
        filled = MappingProxyType({(r.form.sheet, r.row.row): r.fill for r in rows if r.fill is not None})
        calculators = tuple(_calculator(form, filled) for form in forms)
        by_form = MappingProxyType({id(f): (f, c) for f, c in zip(forms, calculators, strict=True)})
        return cls(tuple(forms), settings, rows, filled, calculators, by_form)

    def of_kind(self, kind: FormKind) -> list[Form]:
        return [f for f in self.forms if f.kind == kind]

    def calculator(self, form: Form) -> Calculator:
        known = self.by_form.get(id(form))
        if known is not None and known[0] is form:
            return known[1]
        raise KeyError(f"form on sheet {form.sheet} is not in this context")


def _calculator(form: Form, filled: Mapping[tuple[str, int], Decimal]) -> Calculator:
    """A form's calculator; its memo is of figures fixed before any check runs, so order cannot change them."""

    def column(block: str, col: str) -> list[Decimal | None]:
        values = form.column(block, col)
        if col == "score":
            rows = form.blocks.get(block, [])
            values = [
                v if v is not None else filled.get((form.sheet, r.row))
                for v, r in zip(values, rows, strict=True)
            ]
        return values

    return Calculator(form.layout, form.number, column, form.fields.__contains__)


# What fmt_of and field_label found in a layout, as the checks asked (by key; a label by key and year).
@per_layout
def _formats(layout: FormLayout) -> dict[str, Fmt]:
    return {}


@per_layout
def _labels(layout: FormLayout) -> dict[tuple[str, int], str]:
    return {}


def fmt_of(form: Form, key: str) -> Fmt:
    """The number format a field of the layout has (amount, rate, score…)."""
    known = _formats(form.layout)
    fmt = known.get(key)
    if fmt is None:
        fmt = known[key] = _fmt_of(form.layout, key)
    return fmt


def _fmt_of(layout: FormLayout, key: str) -> Fmt:
    parts = key.split(".")
    for section in layout.sections:
        if isinstance(section, Table) and parts[0] == section.key and len(parts) == 3:
            for column in section.columns:
                if column.key == parts[2]:
                    return column.fmt
        if isinstance(section, TotalRow) and parts[0] == section.key:
            return Fmt.SCORE
    return Fmt.AMOUNT


def show(value: Decimal | None, fmt: Fmt) -> str:
    if value is None:
        return "空白"
    if fmt is Fmt.RATE:
        return format_rate(value)
    if fmt is Fmt.SCORE:
        return format_score(value)
    if fmt is Fmt.COUNT and value == value.to_integral_value():
        return str(int(value))
    return format_amount(value)


def field_label(form: Form, key: str) -> str:
    """The label a reader of the form would use: '项目支出 2024年预算数', '年度资金总额 执行率'."""
    year = form.year or 0
    known = _labels(form.layout)
    label = known.get((key, year))
    if label is None:
        label = known[(key, year)] = _field_label(form.layout, key, year)
    return label


def _field_label(layout: FormLayout, key: str, year: int) -> str:
    parts = key.split(".")
    for section in layout.sections:
        if isinstance(section, Table) and parts[0] == section.key and len(parts) == 3:
            line = next((ln for ln in section.lines if ln.key == parts[1]), None)
            column = next((c for c in section.columns if c.key == parts[2]), None)
            line_label = line.label.rstrip("：:") if line and line.label else section.caption.split("\n")[0]
            header = _header(column, year)
            line_label = line_label.replace("其中：", "").replace("其中:", "")
            return f"{line_label}（{header}）" if header and line_label else (line_label or header)
        if isinstance(section, TotalRow) and parts[0] == section.key:
            return "总分" if parts[1] == "score" else "分值合计"
    return key


def _header(column: Column | None, year: int) -> str:
    if column is None:
        return ""
    text = column.header.replace("\n", "")
    text = text.replace("(万元)", "").replace("（万元）", "")
    return with_year(text, year) if year else text.replace("{Y-1}", "上年").replace("{Y}", "本年")


def where(ref: CellRef) -> str:
    return f"{ref.sheet}!{ref.address}"


def finding(
    code: Code,
    form: Form,
    ref: CellRef,
    message: str,
    expected: str = "",
    actual: str = "",
    related: tuple[CellRef, ...] = (),
    fix: CellEdit | None = None,
) -> Finding:
    return Finding(
        code.severity, code, ref, f"{where(ref)} {message}", expected, actual, related, form.display_name, fix
    )


def edit(
    f: Field, value: object, number_format: str | None, old_value: object, reason: str, kind: str
) -> CellEdit | None:
    """The value recalc writes into a field, or None where the rule says never to write (a formula)."""
    if not writable(f):
        return None
    return CellEdit(f.ref, value, number_format, old_value, reason, kind)


def typed(f: Field | None) -> str:
    if f is None or f.is_blank:
        return "空白"
    return f.text
