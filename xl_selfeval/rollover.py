"""The next year's three forms started from last year's workbook: figures, indicators and targets carried over."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from xl_selfeval.checks.rules import (
    AMOUNT_TOLERANCE,
    COST_WITHIN_BUDGET,
    fell_short,
    is_cost_within_budget,
    row_not_applicable,
    short_name,
)
from xl_selfeval.compute import Calculator
from xl_selfeval.errors import UserError
from xl_selfeval.forms import BASIC_DATA, DEPARTMENT, PROJECT
from xl_selfeval.forms.basic_data import COSTS
from xl_selfeval.forms.indicators import DEFAULT_EXECUTION_WEIGHT as DEFAULT_WEIGHT
from xl_selfeval.forms.indicators import skeleton
from xl_selfeval.forms.layout import FormKind, Ref, Sum, with_year
from xl_selfeval.forms.place import FormContent
from xl_selfeval.labels import canonical
from xl_selfeval.model import Field, Form
from xl_selfeval.naming import NO_FORMS
from xl_selfeval.scoring import suggest
from xl_selfeval.settings import Settings
from xl_selfeval.values import Dimension, format_amount, format_percent, to_decimal

__all__ = ["FellShort", "RolloverSummary", "next_year_of", "roll_over"]

# Indicator columns that describe the target and so carry over; 实际完成值, 得分 and 偏差原因 are last year's.
CARRIED_INDICATOR_COLUMNS = ("name", "target", "criteria", "weight")
TEXT_INDICATOR_COLUMNS = ("name", "target", "criteria")
ITEMS = "costs.project_items"
PROJECT_SPENDING = "costs.project_spending.final"
# The item row that takes last year's 项目支出 when it was typed as a lone total and there is no labelled item
# row to hold it: naming it after an official item (1、业务工作经费…) would invent a classification.
UNITEMISED_PROJECTS = "项目支出（上年未列明细）"

# What the new year's forms leave for the accountant, as the summary words it.
LEFT_BLANK = (
    "附件1的{Y}年预算数、{Y}年决算数、{Y}年实际在职人数、楼堂馆所控制情况、厉行节约保障措施",
    "附件2、附件3的年初预算数、全年预算数、全年执行数、资金来源、实际完成情况、实际完成值、得分、偏差原因分析及改进措施",
)


@dataclass(frozen=True)
class FellShort:
    """An indicator whose last-year actual did not reach its target: the accountant may revisit the target."""

    form: str  # 附件2, 附件3（运转经费）
    indicator: str
    target: str
    actual: str

    @property
    def text(self) -> str:
        return f"{self.form} {self.indicator}：目标{self.target}，实际{self.actual or '空白'}"


@dataclass
class RolloverSummary:
    """What the roll-over carried into the new workbook, what it left blank, and what to look at again."""

    source_year: int | None
    year: int
    # Last year's 决算数 figures now in the {Y-1}年决算数 column, item rows included.
    figures_carried: int = 0
    basic_data: bool = False  # last year's workbook had a 附件1 (else there is nothing to say of its figures)
    item_rows: int = 0  # 项目支出 item rows of the new 附件1 from last year (the official labels not counted)
    item_labels: list[str] = field(default_factory=list)
    # 三公经费 and 项目支出 in the {Y-1}年决算数 column, as the new form's formulas compute them.
    derived: list[tuple[str, Decimal]] = field(default_factory=list)
    # Per derived label: subtotals inside it typed last year without their parts, so missing from its formula.
    derived_missing: dict[str, list[tuple[str, Decimal]]] = field(default_factory=dict)
    staff: Decimal | None = None  # 编制数 carried
    indicators: list[tuple[str, int]] = field(default_factory=list)  # (form, indicator rows carried)
    goals_carried: list[str] = field(default_factory=list)  # forms whose 预期目标 was carried
    execution_weights: dict[str, Decimal] = field(default_factory=dict)  # form → 执行率 分值 in the new form
    project_forms: int = 0
    fell_short: list[FellShort] = field(default_factory=list)
    # Indicators whose achievement could be judged (target and actual, or 分值 and 得分): with none, saying
    # "all reached their target" would be a claim about nothing.
    indicators_assessed: int = 0
    notes: list[str] = field(default_factory=list)  # figures that could not be carried, totals that disagree

    @property
    def text(self) -> str:
        """A few Chinese lines for the command line and the ribbon's message box."""
        prev = self.year - 1
        source = f"{self.source_year}年度" if self.source_year else "上年"
        lines = [
            f"已由{source}工作簿结转生成{self.year}年度三表（附件1、附件2、{self.project_forms}张附件3）。"
        ]
        if self.basic_data:  # without one, the note 上年工作簿中没有附件1 says all there is
            lines.append("附件1：" + self._basic_data_line(prev))
        for form, count in self.indicators:
            lines.append(f"{form}：{self._indicator_part(form, count)}")
        lines.append("留空待填：" + "；".join(with_year(text, self.year) for text in LEFT_BLANK) + "。")
        lines.append("年度指标值沿用上年，只是起点，请按本年目标修改。")
        lines += [f"请核对：{note}" for note in self.notes]
        if self.fell_short:
            lines.append(f"上年未达到目标的指标{len(self.fell_short)}条（可考虑调整本年目标）：")
            lines += [f"  {item.text}" for item in self.fell_short]
        elif self.indicators_assessed:
            lines.append("上年各指标均已达到目标。")
        return "\n".join(lines)

    def _indicator_part(self, form: str, count: int) -> str:
        if count:
            columns = "一级至三级指标、年度指标值、分值" + ("、评扣分标准" if form == DEPARTMENT.name else "")
            parts = [f"结转绩效指标{count}条（{columns}）"]
        else:
            parts = ["上年没有填写绩效指标，新表为空白指标框架"]
        if form in self.goals_carried:
            parts.append("年度总体目标的预期目标已结转")
        weight = self.execution_weights.get(form)
        if weight is not None:
            parts.append(f"执行率分值{weight:f}")
        return "，".join(parts) + "。"

    def _basic_data_line(self, prev: int) -> str:
        parts = [f"上年决算数{self.figures_carried}个填入“{prev}年决算数”列"]
        if self.item_rows:
            labels = "".join(f"“{label}”" for label in self.item_labels)
            parts[0] += f"（含项目支出分项{self.item_rows}行：{labels}）"
        if self.derived:
            parts.append("由此算得" + "、".join(self._derived_part(label, v) for label, v in self.derived))
        parts.append(f"编制数{self.staff:f}已结转" if self.staff is not None else "上年编制数为空，未结转")
        return "，".join(parts) + "。"

    def _derived_part(self, label: str, value: Decimal) -> str:
        # The figure is the new form's, so it leaves out a subtotal whose parts are still to be filled in:
        # say so, or 三公经费1.13 would read as last year's 三公经费.
        missing = self.derived_missing.get(label)
        if not missing:
            return f"{label}{format_amount(value)}"
        left_out = "、".join(f"{name}{format_amount(amount)}" for name, amount in missing)
        return f"{label}{format_amount(value)}（未含待补填分项的{left_out}）"

    def __str__(self) -> str:
        return self.text


# ---------------------------------------------------------------------------
# Values as typed
# ---------------------------------------------------------------------------


def _plain_number(x: Decimal) -> int | float:
    """An amount for the new cell: a whole number stays int, anything else a float (Excel has no Decimal)."""
    return int(x) if x == x.to_integral_value() else float(x)


def _as_typed(f: Field | None) -> object:
    """A text or number cell as the accountant typed it, for a text column of the new form."""
    if f is None or f.is_blank:
        return None
    raw = None if f.inline else f.cell.value
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        q = f.value.quantity
        # 0.95 under a % format was seen as 95%: the new text column would show 0.95 without this.
        if q is not None and q.dimension is Dimension.RATE:
            return format_percent(q.number)
        return raw
    return f.value.raw


def _shown(f: Field | None) -> str:
    value = _as_typed(f)
    return "" if value is None else str(value)


def _amount(f: Field | None) -> int | float | None:
    if f is None or f.number is None:
        return None
    return _plain_number(f.number)


# ---------------------------------------------------------------------------
# 附件1
# ---------------------------------------------------------------------------


def _why_not_carried(f: Field, what: str) -> str | None:
    """Why a non-blank 决算数 could not be carried, in the accountant's words; None when there is nothing to say."""
    if f.is_blank and not f.is_formula:
        return None
    if f.is_formula and f.cell.value in (None, ""):
        return f"上年{what}是没有保存计算结果的公式，未能结转（请在 Excel 中打开上年工作簿保存一次后重试，或手工填写）"
    return f"上年{what}“{f.text}”不是数字，未能结转"


def _roll_basic_data(form: Form | None, year: int, summary: RolloverSummary) -> FormContent:
    content = FormContent(BASIC_DATA, year)
    if form is None:
        summary.notes.append("上年工作簿中没有附件1，新附件1为空白表")
        return content
    summary.basic_data = True
    prev = year - 1
    staff = form.get("staff.value.authorized")
    if staff is not None and staff.number is not None:
        content.values["staff.value.authorized"] = _plain_number(staff.number)
        summary.staff = staff.number

    # Input lines: last year's 决算数 becomes this form's 上年决算数, matched by line (the reader matched labels).
    for line in COSTS.lines:
        if "final" in line.derived:
            continue
        f = form.get(COSTS.field_key(line.key, "final"))
        if f is None:
            continue
        value = _amount(f)
        if value is None:
            note = _why_not_carried(f, f"{canonical(line.label)}决算数")
            if note:
                summary.notes.append(note)
            continue
        content.values[COSTS.field_key(line.key, "prev_final")] = value
        summary.figures_carried += 1

    items = _carry_lone_project_total(form, _roll_items(form, summary), prev, summary)
    if items is not None:
        content.blocks[ITEMS] = items

    # Derived lines are formulas in the new form, fed by the figures carried above. Say what they come to
    # there (worked out from the new form's own inputs, so the summary never disagrees with the workbook),
    # and where last year's typed total disagreed with its parts (the new form follows the parts).
    calc = Calculator(form.layout, form.number, form.column, form.fields.__contains__)
    derived = [(line, COSTS.field_key(line.key, "final")) for line in COSTS.lines if "final" in line.derived]
    # Subtotals typed without their parts, by their key in the new column: found first, as 三公经费 (above
    # 公务用车购置和维护经费 in the table) must say which of its parts its new figure leaves out.
    lone: dict[str, tuple[str, Decimal]] = {}
    for line, key in derived:
        expr, typed = line.derived["final"], form.number(key)
        if isinstance(expr, Sum) and typed is not None and typed != 0 and _parts_blank(calc, expr):
            # The new form's formula over blank parts cannot show it, and splitting it would be invented.
            label = canonical(line.label)
            lone[COSTS.field_key(line.key, "prev_final")] = (label, typed)
            summary.notes.append(
                f"上年“{label}”只填了合计{format_amount(typed)}，未分项，新表“{prev}年决算数”列需补填其中各项"
            )
    new = _new_form_calculator(content)
    for line, key in derived:
        label = canonical(line.label)
        shown = new.figure(COSTS.field_key(line.key, "prev_final"))
        if line.key in ("three_public", "project_spending") and shown is not None:
            summary.derived.append((label, shown))
            prev_expr = line.derived["prev_final"]
            terms = prev_expr.terms if isinstance(prev_expr, Sum) else ()
            missing = [lone[t.key] for t in terms if isinstance(t, Ref) and t.key in lone]
            if missing:
                summary.derived_missing[label] = missing
        typed = form.number(key)
        computed = calc.figure(key)
        if typed is None or (computed is not None and abs(typed - computed) <= AMOUNT_TOLERANCE):
            continue
        parts = "空白" if computed is None else format_amount(computed)
        summary.notes.append(
            f"上年{label}决算数填的是{format_amount(typed)}，但其分项合计为{parts}；新表“{prev}年决算数”的"
            f"{label}由分项计算，请核对分项"
        )
    return content


def _parts_blank(calc: Calculator, expr: Sum) -> bool:
    """Whether every part of a fixed subtotal is blank (a part itself a subtotal counts with its typed figure).

    A part whose row is missing from the workbook is blank too; but a subtotal with some parts filled is not
    "typed without its parts", so its other, missing rows are no reason to speak of it.
    """
    return all(calc.evaluate(term) is None for term in expr.terms)


def _new_form_calculator(content: FormContent) -> Calculator:
    """The derived figures of the new 附件1 as its formulas will show them, from the values placed in it.

    Nothing derived is placed, so a Sum over blank parts stays blank here, as no typed figure stands behind
    the formula (Excel shows 0 there, which the summary leaves unsaid).
    """

    def number(value: object) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return to_decimal(value)

    def column(block: str, key: str) -> list[Decimal | None]:
        return [number(row.get(key)) for row in content.blocks.get(block, [])]

    return Calculator(content.layout, lambda key: number(content.values.get(key)), column)


def _carry_lone_project_total(
    form: Form, items: list[dict[str, object]] | None, prev: int, summary: RolloverSummary
) -> list[dict[str, object]] | None:
    """Last year's 项目支出 typed without item figures, put into an item row so the new form's sum shows it.

    The new form's 项目支出 is a sum over its item rows; with last year's items blank it would lose the
    figure. The first labelled item row of last year takes it (the unit's own row); without one, a row
    named for what it is, after the official labels (kept for this year's items).
    """
    typed = form.number(PROJECT_SPENDING)
    rows = form.blocks.get(ITEMS, [])
    # Only truly blank items: a text or result-less formula in one is reported, and the total is not its.
    if typed is None or typed == 0 or any(_filled(row.get("final")) for row in rows):
        return items
    amount = _plain_number(typed)
    labelled = next((item for item in items or [] if item.get("label") is not None), None)
    if labelled is not None:
        labelled["prev_final"] = amount
        where = f"分项“{labelled['label']}”"
    else:
        official: list[dict[str, object]] = [
            {"label": label} for label in (COSTS.items.default_labels if COSTS.items else ())
        ]
        items = [*(items or official), {"label": UNITEMISED_PROJECTS, "prev_final": amount}]
        summary.item_rows += 1
        summary.item_labels.append(UNITEMISED_PROJECTS)
        where = f"新增分项“{UNITEMISED_PROJECTS}”"
    summary.figures_carried += 1
    summary.notes.append(
        f"上年“项目支出”只填了合计{format_amount(typed)}，未列分项，已整笔填入新表{where}的“{prev}年决算数”，"
        "如需请按实际拆分到各分项"
    )
    return items


def _filled(f: Field | None) -> bool:
    return f is not None and (f.is_formula or not f.is_blank)


def _roll_items(form: Form, summary: RolloverSummary) -> list[dict[str, object]] | None:
    """The unit's own 项目支出 rows, labels kept, last year's 决算数 as 上年决算数; None → the official labels."""
    rows = form.blocks.get(ITEMS)
    if not rows:
        return None
    items: list[dict[str, object]] = []
    for row in rows:
        label = _as_typed(row.get("label"))
        final = row.get("final")
        value = _amount(final)
        if value is None and final is not None:
            note = _why_not_carried(final, f"项目支出分项“{label or '（无名称）'}”决算数")
            if note:
                summary.notes.append(note)
        items.append({"label": label, "prev_final": value})
        summary.item_rows += 1
        summary.item_labels.append(str(label) if label is not None else "（无名称）")
        if value is not None:
            summary.figures_carried += 1
    return items


# ---------------------------------------------------------------------------
# 附件2 / 附件3
# ---------------------------------------------------------------------------


def _roll_indicators(form: Form) -> list[dict[str, object]]:
    """Last year's indicator rows with what describes the target; blank template rows are not carried."""
    rows: list[dict[str, object]] = []
    for row in form.blocks.get("indicators", []):
        carried: dict[str, object] = {"level1": row.level1 or None, "level2": row.level2 or None}
        for key in TEXT_INDICATOR_COLUMNS:
            carried[key] = _as_typed(row.get(key))  # 附件3 has no 评扣分标准: None, and not placed
        carried["weight"] = _amount(row.get("weight"))
        if all(carried.get(k) is None for k in CARRIED_INDICATOR_COLUMNS):
            continue  # only an actual or a score was left in it: nothing of the target to carry
        rows.append(carried)
    return rows


def _fell_short(form: Form, settings: Settings) -> tuple[list[FellShort], int]:
    """Indicators scored below their 分值, or whose actual the scoring rules find short of the target; and
    how many indicators could be judged at all."""
    out = []
    assessed = 0
    for row in form.blocks.get("indicators", []):
        if row_not_applicable(row):
            continue
        name, target, actual = row.get("name"), row.get("target"), row.get("actual")
        weight_f, score_f = row.get("weight"), row.get("score")
        weight = weight_f.number if weight_f else None
        score = score_f.number if score_f else None
        achieved = None
        judged = weight is not None and score is not None
        if target is not None and actual is not None and not target.is_blank and not actual.is_blank:
            judged = True
            sug = suggest(
                target.value, actual.value, weight or Decimal(0), settings, name.text if name else ""
            )
            achieved = sug.achieved
        assessed += judged
        if fell_short(weight, score, achieved):
            out.append(FellShort(form.display_name, short_name(_shown(name)), _shown(target), _shown(actual)))
    return out, assessed


def _roll_department(form: Form | None, year: int, summary: RolloverSummary) -> FormContent:
    if form is None:
        summary.notes.append("上年工作簿中没有附件2，新附件2为空白表")
        return FormContent(DEPARTMENT, year, blocks={"indicators": skeleton()})
    content = FormContent(DEPARTMENT, year, {"unit_name": _as_typed(form.get("unit_name"))})
    _carry_goal_weight_indicators(form, content, DEPARTMENT.execution_weight_key, summary)
    return content


def _roll_project(form: Form, year: int, summary: RolloverSummary) -> FormContent:
    keys = ("project_name", "competent_dept", "implementing_unit")
    content = FormContent(PROJECT, year, {key: _as_typed(form.get(key)) for key in keys})
    _carry_goal_weight_indicators(form, content, PROJECT.execution_weight_key, summary)
    return content


def _carry_goal_weight_indicators(
    form: Form, content: FormContent, weight_key: str, summary: RolloverSummary
) -> None:
    """What 附件2 and 附件3 share: 预期目标, the 执行率 分值 (default 10), the indicator rows or the skeleton."""
    name = form.display_name
    goal = _as_typed(form.get("goals.expected"))
    if goal is not None:
        content.values["goals.expected"] = goal
        summary.goals_carried.append(name)
    weight = _amount(form.get(weight_key))
    if weight is not None:
        content.values[weight_key] = weight  # otherwise the layout's default 10
    number = to_decimal(weight)
    summary.execution_weights[name] = number if number is not None else Decimal(DEFAULT_WEIGHT)
    rows = _roll_indicators(form)
    summary.indicators.append((name, len(rows)))
    content.blocks["indicators"] = rows or skeleton()


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


def source_year_of(forms: list[Form]) -> int | None:
    """The year last year's forms were for: the one most of them name (their titles and column headers)."""
    years = Counter(f.year for f in forms if f.year is not None)
    if not years:
        return None
    top = max(years.values())
    return max(y for y, n in years.items() if n == top)


def next_year_of(forms: list[Form]) -> int:
    """The year to roll over to: the year after last year's forms, which must name one."""
    year = source_year_of(forms)
    if year is None:
        raise UserError(
            "上年工作簿的表头看不出年度（标题如“2024年度部门整体支出绩效自评表”），请用 --year 指定新年度"
        )
    return year + 1


def roll_over(
    forms: list[Form], year: int, settings: Settings | None = None
) -> tuple[list[FormContent], RolloverSummary]:
    """The three forms of ``year`` started from last year's ``forms`` (one 附件3 per project), with a summary."""
    if not forms:
        raise UserError(f"上年工作簿中{NO_FORMS}，无法结转")
    settings = settings or Settings()
    source_year = source_year_of(forms)
    if source_year is not None and year != source_year + 1:
        # The {Y-1}年决算数 column would be labelled with a year whose figures it does not hold.
        raise UserError(
            f"上年工作簿是{source_year}年度的，只能结转生成{source_year + 1}年度（不指定年度即可）；"
            f"要生成{year}年度，请用{year - 1}年度的工作簿"
        )
    summary = RolloverSummary(source_year, year)
    years = sorted({f.year for f in forms if f.year is not None})
    if len(years) > 1:
        summary.notes.append(
            f"上年工作簿各表年度不一致（{'、'.join(map(str, years))}），按{source_year}年度结转"
        )
    by_kind: dict[FormKind, list[Form]] = {kind: [] for kind in FormKind}
    for form in forms:
        by_kind[form.kind].append(form)
    for layout in (BASIC_DATA, DEPARTMENT):
        if len(by_kind[layout.kind]) > 1:
            first = by_kind[layout.kind][0]
            summary.notes.append(
                f"上年工作簿有{len(by_kind[layout.kind])}张{layout.name}，只结转了第一张（{first.sheet}）"
            )

    basic = next(iter(by_kind[FormKind.BASIC_DATA]), None)
    department = next(iter(by_kind[FormKind.DEPARTMENT]), None)
    contents = [_roll_basic_data(basic, year, summary), _roll_department(department, year, summary)]
    projects = by_kind[FormKind.PROJECT]
    for form in projects:
        contents.append(_roll_project(form, year, summary))
    if not projects:
        summary.notes.append("上年工作簿中没有附件3，新工作簿附一张空白附件3")
        contents.append(FormContent(PROJECT, year, blocks={"indicators": skeleton()}))
    summary.project_forms = max(1, len(projects))

    for form in ([department] if department else []) + projects:
        short, assessed = _fell_short(form, settings)
        summary.fell_short += short
        summary.indicators_assessed += assessed
        summary.notes += _cost_target_reminders(form)
    return contents, summary


def _cost_target_reminders(form: Form) -> list[str]:
    """成本控制在预算内 quotes the table's own budget: last year's figure is surely not this year's."""
    out = []
    for row in form.blocks.get("indicators", []):
        if is_cost_within_budget(row) and _shown(row.get("target")):
            out.append(
                f"{form.display_name}“{COST_WITHIN_BUDGET}”的年度指标值沿用了上年的{_shown(row.get('target'))}，"
                "请改为本年预算数"
            )
    return out
