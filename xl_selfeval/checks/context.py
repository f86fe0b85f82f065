"""What every check sees: the forms read from the workbook, the settings, and helpers to word a finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from xl_selfeval.cells import CellRef
from xl_selfeval.compute import Calculator
from xl_selfeval.findings import CellEdit, Finding, Severity
from xl_selfeval.forms.layout import Column, Fmt, FormKind, Table, TotalRow, with_year
from xl_selfeval.model import BlockRow, Field, Form
from xl_selfeval.settings import Settings
from xl_selfeval.values import format_amount, format_rate, format_score

AMOUNT_TOLERANCE = Decimal("0.005")  # to the fen (万元 with 2 decimals)
RATE_TOLERANCE = Decimal("0.00005")  # a rate shown to 2 decimals of a percent
SCORE_TOLERANCE = Decimal("0.005")


@dataclass
class Context:
    forms: list[Form]
    settings: Settings
    # Scores recalc fills into blank 得分 cells, by (sheet, row): totals count them.
    filled_scores: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    _calculators: dict[int, Calculator] = field(default_factory=dict)

    def of_kind(self, kind: FormKind) -> list[Form]:
        return [f for f in self.forms if f.kind == kind]

    def calculator(self, form: Form) -> Calculator:
        key = id(form)
        if key not in self._calculators:

            def column(block: str, col: str) -> list[Decimal | None]:
                values = form.column(block, col)
                if col == "score":
                    rows = form.blocks.get(block, [])
                    values = [
                        v if v is not None else self.filled_scores.get((form.sheet, r.row))
                        for v, r in zip(values, rows, strict=True)
                    ]
                return values

            self._calculators[key] = Calculator(form.layout, form.number, column, form.fields.__contains__)
        return self._calculators[key]


def fmt_of(form: Form, key: str) -> Fmt:
    """The number format a field of the layout has (amount, rate, score…)."""
    parts = key.split(".")
    for section in form.layout.sections:
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
    parts = key.split(".")
    year = form.year or 0
    for section in form.layout.sections:
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
    severity: Severity,
    code: str,
    form: Form,
    ref: CellRef,
    message: str,
    expected: str = "",
    actual: str = "",
    related: tuple[CellRef, ...] = (),
    fix: CellEdit | None = None,
) -> Finding:
    return Finding(
        severity, code, ref, f"{where(ref)} {message}", expected, actual, related, form.display_name, fix
    )


def indicator_name(row: BlockRow) -> str:
    f = row.get("name")
    name = f.text if f else ""
    return name if len(name) <= 16 else name[:15] + "…"


def typed(f: Field | None) -> str:
    if f is None or f.is_blank:
        return "空白"
    return f.text
