"""The report-vs-tables check: figures a Word report's text quotes for table quantities, compared with
the tables (in the same document or the workbook), enumerations summed, and years typed wrong.

A check over the report's paragraphs rather than the workbook's cells: a finding names the paragraph
(正文第12段, counting the non-empty body paragraphs as the reader does) and quotes the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from xl_selfeval.cells import CellRef
from xl_selfeval.checks.context import Context
from xl_selfeval.findings import Code, Finding
from xl_selfeval.forms.layout import FormKind
from xl_selfeval.model import BlockRow, Form
from xl_selfeval.scoring import grade
from xl_selfeval.settings import Settings
from xl_selfeval.values import Dimension, Kind, Value, format_amount, format_rate, parse_value, round_half_up

BODY = "正文"
QUOTE_LIMIT = 80
KEYWORD_GAP = 10  # characters allowed between a label and its figure ('三公经费2023年决算数31.03万元')
ENUMERATION_TOLERANCE = Decimal("0.01")

_FIGURE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(亿元|万元|元|%|分|人|名)")
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{3,})年")
_SENTENCE_END = re.compile(r"(?<=[。；;！？])")
_CLAUSE = re.compile(r"[，,；;。：:（）()、]")
_COMPARISON = re.compile(r"比|较|同比|增长|增加|减少|下降|占|预算|上年")
_UNIT_SCALE = {"亿元": Decimal(10000), "万元": Decimal(1), "元": Decimal("0.0001")}
_QUOTES = str.maketrans("", "", " \u3000“”\"‘’'「」")


@dataclass(frozen=True)
class _Figure:
    start: int
    end: int
    number: Decimal
    unit: str
    decimals: int
    text: str


@dataclass(frozen=True)
class Quantity:
    """A table quantity the text may quote: its labels, the unit kind, and where the figure lives."""

    label: str
    keywords: tuple[str, ...]
    units: tuple[str, ...]
    key: str  # field key; {scope} is the execution table of the form in scope
    form_kind: str  # basic_data | scope (the department, or the project the sentence names)
    by_column: bool = False  # 附件1 经费: the column from 预算 / 上年 words before the figure


AMOUNT_UNITS = ("亿元", "万元", "元")
QUANTITIES = (
    Quantity(
        "全年预算数", ("全年预算数", "全年预算", "调整后预算"), AMOUNT_UNITS, "{scope}.total.budget", "scope"
    ),
    Quantity("年初预算数", ("年初预算数", "年初预算"), AMOUNT_UNITS, "{scope}.total.initial_budget", "scope"),
    Quantity(
        "全年执行数", ("全年执行数", "全年执行", "全年支出"), AMOUNT_UNITS, "{scope}.total.executed", "scope"
    ),
    Quantity("执行率", ("执行率",), ("%",), "{scope}.total.rate", "scope"),
    Quantity("基本支出", ("基本支出",), AMOUNT_UNITS, "sources.basic_spending", "department"),
    Quantity("项目支出", ("项目支出",), AMOUNT_UNITS, "sources.project_spending", "department"),
    Quantity("三公经费", ("三公经费",), AMOUNT_UNITS, "costs.three_public", "basic_data", True),
    Quantity(
        "公务用车购置和维护经费",
        ("公务用车购置和维护经费", "公务用车购置及运行维护费"),
        AMOUNT_UNITS,
        "costs.official_car",
        "basic_data",
        True,
    ),
    Quantity(
        "公车购置", ("公车购置", "公务用车购置"), AMOUNT_UNITS, "costs.car_purchase", "basic_data", True
    ),
    Quantity(
        "公车运行维护",
        ("公车运行维护", "公务用车运行维护"),
        AMOUNT_UNITS,
        "costs.car_operation",
        "basic_data",
        True,
    ),
    Quantity("出国经费", ("出国经费", "因公出国"), AMOUNT_UNITS, "costs.overseas", "basic_data", True),
    Quantity("公务接待费", ("公务接待",), AMOUNT_UNITS, "costs.reception", "basic_data", True),
    Quantity(
        "编制数", ("编制数", "核定编制", "事业编制"), ("人", "名"), "staff.value.authorized", "basic_data"
    ),
    Quantity("实际在职人数", ("在职人数", "在编"), ("人", "名"), "staff.value.actual", "basic_data"),
    Quantity("控制率", ("控制率",), ("%",), "staff.value.control_rate", "basic_data"),
    Quantity("总分", ("自评总分", "总分", "综合得分"), ("分",), "total.score", "scope"),
)


def _figures(text: str) -> list[_Figure]:
    out = []
    for m in _FIGURE.finditer(text):
        number = m.group(1)
        decimals = len(number.split(".")[1]) if "." in number else 0
        out.append(_Figure(m.start(), m.end(), Decimal(number), m.group(2), decimals, m.group(0)))
    return out


def _sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if s.strip()]


def _quote(sentence: str) -> str:
    s = sentence.strip()
    return s if len(s) <= QUOTE_LIMIT else s[: QUOTE_LIMIT - 1] + "…"


class _Tables:
    """The forms the report is checked against, with their recomputed figures."""

    def __init__(self, forms: list[Form], settings: Settings) -> None:
        self.ctx = Context.build(forms, settings)
        self.settings = settings

    def first(self, kind: FormKind) -> Form | None:
        forms = self.ctx.of_kind(kind)
        return forms[0] if forms else None

    def scope(self, sentence: str) -> Form | None:
        """The 附件3 the sentence names, else the 附件2, else the one 附件3 there is."""
        projects = self.ctx.of_kind(FormKind.PROJECT)
        for form in projects:
            name = form.text("project_name").strip()
            if name and name in sentence:
                return form
        department = self.first(FormKind.DEPARTMENT)
        if department is not None:
            return department
        return projects[0] if len(projects) == 1 else None

    def figure(self, form: Form | None, key: str) -> Decimal | None:
        return None if form is None else self.ctx.calculator(form).figure(key)


def _column(gap: str, year: int | None) -> str:
    if "预算" in gap:
        return "budget"
    if "上年" in gap or (year is not None and f"{year - 1}年" in gap):
        return "prev_final"
    return "final"


def _resolve(quantity: Quantity, gap: str, sentence: str, tables: _Tables) -> tuple[Form | None, str]:
    if quantity.form_kind == "scope":
        form = tables.scope(sentence)
        if form is None:
            return None, ""
        table = "budget" if form.kind == "department" else "funds"
        return form, quantity.key.format(scope=table)
    if quantity.form_kind == "department":
        if "预算" in gap:
            return None, ""  # 基本支出预算 / 项目支出预算: a budget the tables do not hold as such
        form = tables.first(FormKind.DEPARTMENT)
        if form is None and quantity.label == "项目支出":
            scoped = tables.scope(sentence)
            return scoped, "funds.total.executed"
        return form, quantity.key
    form = tables.first(FormKind.BASIC_DATA)
    if quantity.by_column:
        year = form.year if form is not None else None
        return form, f"{quantity.key}.{_column(gap, year)}"
    return form, quantity.key


def _matches(text_figure: _Figure, table: Decimal, rate: bool) -> bool:
    """Equal at the precision the text uses, in the text's unit (3.77亿元 quotes 37665.00万元)."""
    value = table * 100 if rate else table / _UNIT_SCALE.get(text_figure.unit, Decimal(1))
    return round_half_up(value, text_figure.decimals) == text_figure.number


def _shown(table: Decimal, rate: bool, unit: str) -> str:
    if rate:
        return format_rate(table)
    if unit in _UNIT_SCALE:
        return format_amount(table) + "万元"
    return (str(int(table)) if table == table.to_integral_value() else format_amount(table)) + unit


def _keyword_before(sentence: str, figure: _Figure, figures: list[_Figure]) -> tuple[Quantity, str] | None:
    """The quantity whose label ends closest before the figure, with no other figure in between."""
    previous_end = max((f.end for f in figures if f.end <= figure.start), default=0)
    best: tuple[int, int, Quantity, str] | None = None
    for quantity in QUANTITIES:
        if figure.unit not in quantity.units:
            continue
        for keyword in quantity.keywords:
            for m in re.finditer(re.escape(keyword), sentence[: figure.start]):
                gap = sentence[m.end() : figure.start]
                if m.start() < previous_end or len(gap) > KEYWORD_GAP or _CLAUSE.search(gap):
                    continue
                rank = (m.end(), len(keyword))
                if best is None or rank > best[:2]:
                    best = (rank[0], rank[1], quantity, gap)
    return (best[2], best[3]) if best else None


def _finding(n: int, sentence: str, message: str, expected: str = "", actual: str = "") -> Finding:
    return Finding(
        Code.REPORT_FIGURE_MISMATCH.severity,
        Code.REPORT_FIGURE_MISMATCH,
        CellRef(BODY, n, 1),
        f"{BODY}第{n}段“{_quote(sentence)}”{message}",
        expected,
        actual,
        form="报告",
    )


def _quantity_findings(n: int, sentence: str, tables: _Tables) -> list[Finding]:
    out = []
    figures = _figures(sentence)
    for figure in figures:
        found = _keyword_before(sentence, figure, figures)
        if found is None:
            continue
        quantity, gap = found
        form, key = _resolve(quantity, gap, sentence, tables)
        table = tables.figure(form, key)
        if form is None or table is None:
            continue
        rate = figure.unit == "%"
        if not _matches(figure, table, rate):
            expected = _shown(table, rate, figure.unit)
            out.append(
                _finding(
                    n,
                    sentence,
                    f"中{quantity.label}为{figure.text}，表中（{form.display_name}）为{expected}",
                    expected,
                    figure.text,
                )
            )
    return out


_GRADE = re.compile(r"(?:等级|等次|评级)[为是：:]?[“\"「]?(优秀|良好|中等|优|良|中|差)")


def _grade_findings(n: int, sentence: str, tables: _Tables) -> list[Finding]:
    out = []
    for m in _GRADE.finditer(sentence):
        form = tables.scope(sentence)
        total = tables.figure(form, "total.score")
        if form is None or total is None:
            continue
        expected = grade(total, tables.settings)
        if not m.group(1).startswith(expected):
            out.append(
                _finding(
                    n,
                    sentence,
                    f"中等级为“{m.group(1)}”，按表中总分{format_amount(total)}（{form.display_name}）应为“{expected}”",
                    expected,
                    m.group(1),
                )
            )
    return out


def _indicator_findings(n: int, sentence: str, tables: _Tables) -> list[Finding]:
    """An indicator named in the sentence, with '实际完成' and a figure: that figure is the table's actual."""
    out = []
    forms = [f for f in tables.ctx.forms if f.kind in ("department", "project")]
    rows = [(form, row) for form in forms for row in form.blocks.get("indicators", [])]
    seen: set[str] = set()
    for _, row in rows:
        field = row.get("name")
        name = field.text.strip().rstrip("。") if field is not None else ""
        if not 3 <= len(name) <= 30 or name in seen or name not in sentence:
            continue
        seen.add(name)
        after = sentence[sentence.index(name) + len(name) :]
        m = re.search(r"实际完成值?[为是]?(\d+(?:\.\d+)?(?:亿元|万元|元|%|人次|人|户|个|件|笔|家)?)", after)
        if m is None:
            continue
        said = parse_value(m.group(1))
        actuals = [r.get("actual") for _, r in rows if _name_of(r) == name]
        typed = [a for a in actuals if a is not None and a.value.kind is Kind.NUMBER and a.value.quantity]
        if said.quantity is None or not typed:
            continue
        if not any(_same_quantity(said, a.value) for a in typed):
            shown = "、".join(a.text for a in typed)
            out.append(
                _finding(n, sentence, f"中“{name}”实际完成值为{m.group(1)}，表中为{shown}", shown, m.group(1))
            )
    return out


def _name_of(row: BlockRow) -> str:
    field = row.get("name")
    return field.text.strip().rstrip("。") if field is not None else ""


def _same_quantity(said: Value, typed: Value) -> bool:
    """Whether the text's figure is the table's, at the text's precision (亿元 and 万元 converted)."""
    a, b = said.quantity, typed.quantity
    if a is None or b is None or a.dimension is not b.dimension:
        return True  # not comparable: no finding
    exponent = a.number.as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    if a.dimension is Dimension.PLAIN or a.unit == b.unit:
        return bool(round_half_up(b.number, decimals) == a.number)
    if a.unit in _UNIT_SCALE and b.unit in _UNIT_SCALE:
        converted = b.number * _UNIT_SCALE[b.unit] / _UNIT_SCALE[a.unit]
        return bool(round_half_up(converted, decimals) == a.number)
    return True


def _enumeration_findings(n: int, paragraph: str) -> list[Finding]:
    """'…2549.4万元。其中：A 302.98万元，…。另其他资金21.47万元。': the parts add up to the total."""
    out = []
    sentences = _sentences(paragraph)
    for i, sentence in enumerate(sentences):
        at = sentence.find("其中")
        if at < 0:
            continue
        before = [f for f in _figures(sentence[:at]) if f.unit in _UNIT_SCALE]
        if not before and at <= 1 and i > 0:
            before = [f for f in _figures(sentences[i - 1]) if f.unit in _UNIT_SCALE]
        if not before:
            continue
        total = before[-1]
        tail = sentence[at:]
        extra = [s for s in sentences[i + 1 :] if s.startswith("另")]
        clauses = [c for part in (tail, *extra) for c in re.split(r"[，,；;。]", part) if c]
        parts: list[_Figure] = []
        for clause in clauses:
            figs = [f for f in _figures(clause) if f.unit in _UNIT_SCALE]
            if not figs:
                continue
            if len(figs) > 1 or _COMPARISON.search(clause):
                parts = []
                break
            parts.append(figs[0])
        if len(parts) < 2:
            continue
        total_wan = total.number * _UNIT_SCALE[total.unit]
        summed = sum((p.number * _UNIT_SCALE[p.unit] for p in parts), Decimal(0))
        if abs(summed - total_wan) > ENUMERATION_TOLERANCE:
            listed = "+".join(p.text for p in parts)
            out.append(
                _finding(
                    n,
                    sentence,
                    f"中所列各项之和为{format_amount(summed)}万元（{listed}），与合计{total.text}不符",
                    total.text,
                    f"{format_amount(summed)}万元",
                )
            )
    return out


def _year_findings(n: int, paragraph: str) -> list[Finding]:
    out = []
    for sentence in _sentences(paragraph):
        for m in _YEAR.finditer(sentence):
            out.append(
                _finding(n, sentence, f"中的年份“{m.group(0)}”有误（年份应为四位数字）", "", m.group(0))
            )
    return out


SentenceCheck = Callable[[int, str, _Tables], list[Finding]]
SENTENCE_CHECKS: tuple[SentenceCheck, ...] = (_quantity_findings, _grade_findings, _indicator_findings)


def check_report(paragraphs: list[str], forms: list[Form], settings: Settings) -> list[Finding]:
    """Every disagreement between the report's text and its tables, in paragraph order."""
    tables = _Tables(forms, settings)
    out: list[Finding] = []
    for n, raw in enumerate((p for p in paragraphs if p.strip()), 1):
        paragraph = raw.translate(_QUOTES)
        out += _year_findings(n, paragraph)
        out += _enumeration_findings(n, paragraph)
        for sentence in _sentences(paragraph):
            for check in SENTENCE_CHECKS:
                out += check(n, sentence, tables)
    return out
