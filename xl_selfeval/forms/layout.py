"""The building blocks every official form is made of: titles, tables, indicator blocks, derived cells."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum
from typing import Literal


class Fmt(Enum):
    """What kind of figure a cell holds: it decides the number format and the data validation.

    The members are distinct kinds, never aliases of a number format: amounts, areas and scores all
    show two decimals, yet an amount of 5487.80 must not be held to a score's 0–100.
    """

    TEXT = "text"
    AMOUNT = "amount"  # 万元
    RATE = "rate"
    COUNT = "count"  # 人
    AREA = "area"  # ㎡
    SCORE = "score"  # 分值 and 得分

    @property
    def is_number(self) -> bool:
        return self is not Fmt.TEXT

    @property
    def number_format(self) -> str:
        return _NUMBER_FORMATS[self]

    @property
    def rule(self) -> Rule | None:
        """The data validation every input cell of this kind carries."""
        return FIGURE_RULES.get(self)


_NUMBER_FORMATS = {
    Fmt.TEXT: "@",
    Fmt.AMOUNT: "0.00",
    Fmt.RATE: "0.00%",
    Fmt.COUNT: "0",
    Fmt.AREA: "0.00",
    # General shows a whole 分值 as the form does (5, not 5.00) and 7.61 as 7.61.
    Fmt.SCORE: "General",
}


@dataclass(frozen=True)
class Rule:
    """A data validation as Excel stores it; ``{weight}`` in a bound is the 分值 cell of the same row."""

    type: Literal["decimal", "whole", "list"]
    formula1: str
    title: str
    message: str
    operator: Literal["between", "greaterThanOrEqual"] | None = None
    formula2: str | None = None

    def bound_to(self, weight_cell: str) -> Rule:
        return replace(self, formula2=(self.formula2 or "").replace("{weight}", weight_cell) or None)


def list_rule(title: str, choices: tuple[str, ...]) -> Rule:
    return Rule("list", '"' + ",".join(choices) + '"', title, f"请从列表中选择{title}。")


FIGURE_RULES: dict[Fmt, Rule] = {
    # Amounts have no upper bound: a unit's budget runs to millions of 万元.
    Fmt.AMOUNT: Rule(
        "decimal",
        "0",
        "金额有误",
        "请输入不小于0的数字（单位：万元），不要带单位或文字。",
        "greaterThanOrEqual",
    ),
    Fmt.AREA: Rule(
        "decimal",
        "0",
        "面积有误",
        "请输入不小于0的数字（单位：平方米），不要带单位或文字。",
        "greaterThanOrEqual",
    ),
    Fmt.COUNT: Rule("whole", "0", "人数有误", "请输入不小于0的整数。", "greaterThanOrEqual"),
    Fmt.SCORE: Rule("decimal", "0", "分值有误", "请输入0到100之间的数字。", "between", "100"),
}
# 得分 of an indicator: from 0 up to the 分值 of its own row (a relative reference, one rule per column).
SCORE_WITHIN_WEIGHT = Rule(
    "decimal", "0", "得分有误", "得分应在0到本行分值之间，请输入数字。", "between", "{weight}"
)


# ---------------------------------------------------------------------------
# Derived figures: one expression serves both the Excel formula the generator
# writes and the figure the engine recomputes, so the two can never disagree.
# ---------------------------------------------------------------------------


class Expr:
    """A derived figure, written once for Excel and for Python."""


@dataclass(frozen=True)
class Ref(Expr):
    key: str


@dataclass(frozen=True)
class Sum(Expr):
    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class Ratio(Expr):
    """num / den, blank (never #DIV/0!) when den is blank or 0."""

    num: Expr
    den: Expr


@dataclass(frozen=True)
class ExecutionScore(Expr):
    """得分 = ROUND(分值 × MIN(执行率, 100%), 2); blank while 执行率 is blank."""

    weight: Expr
    rate: Expr


@dataclass(frozen=True)
class BlockSum(Expr):
    """Sum of one column over every row of a repeatable block (rows the user inserts included)."""

    block: str
    column: str


def refs(*keys: str) -> tuple[Expr, ...]:
    return tuple(Ref(k) for k in keys)


# ---------------------------------------------------------------------------
# Sections of a form, top to bottom.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """A line of fixed text across the whole width (附件N, the title, 说明, 备注, the signature line)."""

    text: str
    style: str = "note"  # caption | title | note | signature


@dataclass(frozen=True)
class Entry:
    """A labelled input on a one-line row: 预算部门名称 | value."""

    label: str
    key: str
    label_span: int
    value_span: int
    fmt: Fmt = Fmt.TEXT
    default_from_unit: bool = False
    lines: int = 1  # room for free text in a blank form


@dataclass(frozen=True)
class EntryRow:
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    span: int = 1
    fmt: Fmt = Fmt.AMOUNT
    rule: Rule | None = None  # overrides the kind's rule (一级/二级 lists, 得分 within 分值)


@dataclass(frozen=True)
class Line:
    """A row of a table: its label and, per column, a formula (derived) or nothing (input)."""

    label: str
    key: str
    derived: Mapping[str, Expr] = field(default_factory=dict)
    # Columns whose cell on this row is not part of the form (left blank and locked).
    unused: frozenset[str] = frozenset()
    default: Mapping[str, object] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.key)


@dataclass(frozen=True)
class ItemBlock:
    """Rows a unit lists itself (one per project item), placed after the line ``after``."""

    key: str
    after: str
    default_labels: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A captioned table: caption in the first column, column headers, labelled lines.

    A table with a single line whose label is empty is read "value below header" (财政供养人员情况).
    """

    key: str
    caption: str
    caption_span: int
    columns: tuple[Column, ...]
    lines: tuple[Line, ...]
    label_header: str = ""  # header over the line labels (资金来源), if any
    label_span: int = 0  # columns taken by the line labels, after the caption
    caption_down: bool = False  # caption merged down over the whole table
    items: ItemBlock | None = None
    # Columns read when a form has them, never laid out in a new form (四川's 原因 beside 执行率).
    read_only: tuple[Column, ...] = ()

    def field_key(self, line: str, column: str) -> str:
        return f"{self.key}.{line}.{column}"


@dataclass(frozen=True)
class PairedList:
    """Two labelled lists side by side (按收入性质分 | 按支出性质分), each label followed by an amount."""

    key: str
    left_header: str
    right_header: str
    left: tuple[tuple[str, str], ...]  # (label, key)
    right: tuple[tuple[str, str] | None, ...]  # aligned with left; None = empty cell pair
    spans: tuple[int, int, int, int]  # left label, left amount, right label, right amount
    indent: int  # columns left blank before (under a table caption merged down)


@dataclass(frozen=True)
class TextBlock:
    """年度总体目标: a caption, two column headers and one row of free text under them."""

    key: str
    caption: str
    caption_span: int
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class IndicatorBlock:
    """The 绩效指标 block: 一级/二级 merged down, one row per 三级指标."""

    key: str
    caption: str
    columns: tuple[Column, ...]  # first two are the 一级 and 二级 columns
    # Columns read when a form has them, never laid out in a new form (重庆's 得分系数).
    read_only: tuple[Column, ...] = ()

    def header_of(self, key: str) -> str:
        """The header of a column: header_of("name") is 三级指标."""
        return next(c.header for c in self.columns if c.key == key)


@dataclass(frozen=True)
class TotalRow:
    """总分 row: label over the leading columns, derived figures under given indicator columns."""

    key: str
    label: str
    label_span: int
    cells: tuple[tuple[str, Expr], ...]  # (column key of the indicator block, formula)
    block: str
    # Columns of ``cells`` the form shows (附件2 shows only 总分); the others are computed, not printed.
    shown: tuple[str, ...] = ("weight", "score")
    # Other words for ``label`` in other provinces' forms, found only under the indicators (四川: 合计).
    also: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.also)


Section = Note | EntryRow | Table | PairedList | TextBlock | IndicatorBlock | TotalRow


class FormKind(StrEnum):
    """Which of the three official forms a layout or a form read from a sheet is."""

    BASIC_DATA = "basic_data"  # 附件1
    DEPARTMENT = "department"  # 附件2
    PROJECT = "project"  # 附件3

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class FormLayout:
    kind: FormKind
    name: str  # 附件1 …
    title: str  # with {Y}
    width: int
    column_widths: tuple[float, ...]
    sections: tuple[Section, ...]
    one_page: bool = False  # printed on a single page (附件1 is short enough)
    distinctive_label: str = ""  # a label only this form has: finds it when its title is missing
    sheet_name: str = ""  # the sheet a generated workbook puts it on
    other_titles: tuple[str, ...] = ()  # the same form titled otherwise elsewhere (read, never written)
    # Text rows some provinces' forms add under the 总分 (评价结论): read when present, never laid out.
    closing: tuple[Entry, ...] = ()

    @property
    def execution_table(self) -> Table | None:
        """The table whose 年度资金总额 line holds the 执行率, its 分值 and 得分 (附件2 and 附件3)."""
        for table in self.tables():
            if any(isinstance(e, ExecutionScore) for line in table.lines for e in line.derived.values()):
                return table
        return None

    @property
    def execution_weight_key(self) -> str:
        """The field of the 执行率 分值, which counts with the indicator weights towards 100.

        Raises KeyError for a form without an 执行率 (附件1), like `section` for a key it lacks.
        """
        table = self.execution_table
        if table is None:
            raise KeyError(f"{self.name} has no 执行率")
        return table.field_key("total", "weight")

    @property
    def total_row(self) -> TotalRow | None:
        """The 总分 row under the indicators, if the form has one."""
        return next((s for s in self.sections if isinstance(s, TotalRow)), None)

    def title_for(self, year: int) -> str:
        return with_year(self.title, year)

    def title_pattern(self) -> re.Pattern[str]:
        return re.compile(year_pattern(self.title))

    def tables(self) -> list[Table]:
        return [s for s in self.sections if isinstance(s, Table)]

    def section(self, key: str) -> Section:
        for s in self.sections:
            if getattr(s, "key", None) == key:
                return s
        raise KeyError(key)


def with_year(text: str, year: int) -> str:
    return text.replace("{Y-1}", str(year - 1)).replace("{Y}", str(year))


def year_pattern(text: str) -> str:
    """Regex for a label with year placeholders, capturing the year(s)."""
    out = re.escape(text)
    out = out.replace(re.escape("{Y-1}"), r"(?P<prev>\d{4})").replace(re.escape("{Y}"), r"(?P<year>\d{4})")
    return out
