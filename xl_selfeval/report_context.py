"""The written self-evaluation report's content: every figure of the tables put into Chinese sentences.

The core of the report door: it builds the plain data (strings, lists, dicts) the report templates
render, from the forms the engine read. It opens no file. What the tables cannot supply is a visible
placeholder 【请填写：…】, so nothing in a draft looks finished when it is not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from xl_selfeval.checks.context import Context, fmt_of
from xl_selfeval.findings import Outcome, Severity
from xl_selfeval.forms.indicators import BENEFIT, COST, OUTPUT, SATISFACTION
from xl_selfeval.forms.layout import Fmt, FormKind
from xl_selfeval.grid import Grid
from xl_selfeval.model import BlockRow, Field, Form
from xl_selfeval.scoring import IndicatorKind, grade, suggest
from xl_selfeval.settings import Settings
from xl_selfeval.values import Dimension, Kind, format_amount, format_rate, format_score

PLACEHOLDER = "【请填写：{}】"
WAN = "万元"
CHINESE_ORDINALS = "一二三四五六七八九十"


def placeholder(what: str) -> str:
    """A visible gap in the draft for what the tables cannot say."""
    return PLACEHOLDER.format(what)


def amount(x: Decimal | None) -> str:
    """An amount of the forms (万元) in a sentence: '3090.03万元'."""
    return placeholder("金额") if x is None else format_amount(x) + WAN


def rate(x: Decimal | None) -> str:
    """A rate (a fraction) in a sentence: '76.08%'."""
    return placeholder("比率") if x is None else format_rate(x)


def score(x: Decimal | None) -> str:
    return placeholder("分数") if x is None else format_score(x) + "分"


def count(x: Decimal | None, unit: str) -> str:
    if x is None:
        return placeholder("人数")
    return (str(int(x)) if x == x.to_integral_value() else format_amount(x)) + unit


def month(date: dt.date) -> str:
    """A report date the Chinese way: 2025年3月."""
    return f"{date.year}年{date.month}月"


def ordinal(i: int) -> str:
    """(一), (二)… for 1, 2…; ten at most, as a report's subsections go."""
    return CHINESE_ORDINALS[i - 1] if 1 <= i <= len(CHINESE_ORDINALS) else str(i)


def _change(now: Decimal | None, then: Decimal | None, what: str) -> str:
    """'比预算减少10.37万元' / '与上年持平'."""
    if now is None or then is None:
        return ""
    diff = now - then
    if diff == 0:
        return f"与{what}持平"
    return f"比{what}{'增加' if diff > 0 else '减少'}{amount(abs(diff))}"


@dataclass
class Figures:
    """The computed figures of the forms of one workbook, looked up by form kind and field key."""

    ctx: Context

    def form(self, kind: FormKind) -> Form | None:
        forms = self.ctx.of_kind(kind)
        return forms[0] if forms else None

    def of(self, form: Form | None, key: str) -> Decimal | None:
        """A figure as the tables hold it once recomputed (a derived figure from its parts)."""
        return None if form is None else self.ctx.calculator(form).figure(key)

    def total_score(self, form: Form | None) -> Decimal | None:
        return self.of(form, "total.score")

    def grade(self, form: Form | None) -> str:
        total = self.total_score(form)
        return grade(total, self.ctx.settings) if total is not None else ""


# --- indicators ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator of a form in the report: its figures as typed, whether it was met, and why not."""

    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: str
    score: str
    met: bool | None
    deviation: str
    sentence: str


def _cell_text(row: BlockRow, key: str) -> str:
    f = row.get(key)
    return f.text.strip() if f is not None else ""


def _met(row: BlockRow, settings: Settings) -> bool | None:
    """Met by the scoring rule (target vs actual), else by the evaluator's score against the 分值."""
    target, actual, weight = row.get("target"), row.get("actual"), row.get("weight")
    w = weight.number if weight is not None else None
    if target is not None and actual is not None and w is not None:
        s = suggest(target.value, actual.value, w, settings, _cell_text(row, "name"))
        if s.kind is IndicatorKind.NOT_APPLICABLE:
            return None
        if s.achieved is not None:
            return s.achieved
    given = row.get("score")
    if given is not None and given.number is not None and w is not None and w > 0:
        return given.number >= w
    return None


def _not_applicable(row: BlockRow) -> bool:
    name = row.get("name")
    return name is None or name.is_blank or name.value.kind is Kind.NOT_APPLICABLE


def indicator_lines(form: Form, settings: Settings) -> list[IndicatorLine]:
    """Every applicable indicator of the form as a sentence: target, actual, met or not, and why."""
    out = []
    for row in form.blocks.get("indicators", []):
        if _not_applicable(row):
            continue
        name = _cell_text(row, "name").rstrip("。；;，,")
        target, actual = _cell_text(row, "target"), _cell_text(row, "actual")
        deviation = _cell_text(row, "deviation").rstrip("。")
        met = _met(row, settings)
        w, s = row.get("weight"), row.get("score")
        weight = format_score(w.number) if w is not None and w.number is not None else ""
        got = format_score(s.number) if s is not None and s.number is not None else ""
        said = f"实际完成{actual}" if actual else f"实际完成值{placeholder('实际完成值')}"
        sentence = f"{name}：年度指标值{target or placeholder('年度指标值')}，{said}"
        if met is True:
            sentence += "，已完成"
        elif met is False:
            why = deviation or placeholder(f"“{name}”未完成的原因及改进措施")
            sentence += f"，未完成。偏差原因：{why}"
        if weight:
            sentence += f"（分值{weight}分，得分{got or placeholder('得分')}分）"
        out.append(
            IndicatorLine(
                row.level1, row.level2, name, target, actual, weight, got, met, deviation, sentence + "。"
            )
        )
    return out


def _level_scores(form: Form) -> list[str]:
    """'产出指标得分44.00分（分值45分）' for each 一级指标 in the form's order."""
    sums: dict[str, list[Decimal]] = {}
    for row in form.blocks.get("indicators", []):
        w, s = row.get("weight"), row.get("score")
        if not row.level1 or w is None or w.number is None:
            continue
        pair = sums.setdefault(row.level1, [Decimal(0), Decimal(0)])
        pair[0] += w.number
        pair[1] += s.number if s is not None and s.number is not None else Decimal(0)
    return [f"{level}得分{format_score(g)}分（分值{format_score(w)}分）" for level, (w, g) in sums.items()]


# --- findings ------------------------------------------------------------------------------------------


def open_errors(outcome: Outcome) -> list[str]:
    """The error findings a report must not hide: one line each, as the check prints them."""
    return [f.message for f in outcome.findings if f.severity is Severity.ERROR]


# --- attachments ---------------------------------------------------------------------------------------


def attachment_table(
    form: Form, grid: Grid, figures: Figures, last_row: int
) -> list[list[dict[str, object]]]:
    """The form's table as rows of cells {text, rowspan, colspan, header}, covered cells left out.

    The workbook's own merges are kept (any province's layout), and every field shows its recomputed
    figure in the form's format, so a formula saved without its result still shows its value.
    """
    title_row = form.title_ref.row if form.title_ref else 1
    first = title_row + 1
    width = max((c for (r, c) in grid.cells if first <= r <= last_row), default=1)
    width = max([width] + [m[3] for m in grid.merged if first <= m[0] <= last_row])
    by_cell = {(f.ref.row, f.ref.col): key for key, f in form.fields.items()}
    in_blocks = {
        (f.ref.row, f.ref.col): (column, f)
        for rows in form.blocks.values()
        for row in rows
        for column, f in row.cells.items()
    }
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in grid.merged:
        if first <= r1 <= last_row:
            r2 = min(r2, last_row)
            spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
            covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
    rows = []
    for r in range(first, last_row + 1):
        cells: list[dict[str, object]] = []
        for c in range(1, width + 1):
            if (r, c) in covered:
                continue
            rowspan, colspan = spans.get((r, c), (1, 1))
            key = by_cell.get((r, c))
            block = in_blocks.get((r, c))
            if key is not None:
                text = _shown(form, key, figures)
            elif block is not None:
                text = _block_shown(*block)
            else:
                text = grid.text(r, c)
            cells.append(
                {
                    "text": text,
                    "rowspan": rowspan,
                    "colspan": colspan,
                    "header": key is None and block is None,
                }
            )
        rows.append(cells)
    return rows


def _shown(form: Form, key: str, figures: Figures) -> str:
    fmt = fmt_of(form, key)
    typed = form.fields[key]
    if fmt is Fmt.TEXT or key.startswith(
        ("goals.", "unit_name", "project_name", "competent", "implementing")
    ):
        return typed.text
    value = figures.of(form, key)
    if value is None:
        return typed.text
    if fmt is Fmt.RATE:
        return format_rate(value)
    if fmt is Fmt.COUNT and value == value.to_integral_value():
        return str(int(value))
    return format_amount(value) if fmt is not Fmt.SCORE else format_score(value)


def _block_shown(column: str, typed: Field) -> str:
    """A block cell (indicator or 项目支出 item) as the form shows it: scores and amounts with 2 decimals,
    a rate stored as a fraction with its % format as a percentage, text as typed."""
    number = typed.number
    if number is not None and isinstance(typed.cell.value, (int, float)):
        if column in ("weight", "score"):
            return format_score(number)
        if column in ("prev_final", "budget", "final"):
            return format_amount(number)
        q = typed.value.quantity
        if q is not None and q.dimension is Dimension.RATE:
            return format_rate(number)
    return typed.text


def matrix(rows: list[list[dict[str, object]]]) -> list[list[str]]:
    """The table as a full grid of one-line texts (merged cells once, covered cells empty), for Markdown."""
    taken: dict[tuple[int, int], str] = {}
    width = 0
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            rowspan, colspan = int(str(cell["rowspan"])), int(str(cell["colspan"]))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken[(r + dr, c + dc)] = ""
            taken[(r, c)] = str(cell["text"]).replace("\n", " ").replace("|", "｜")
            c += colspan
            width = max(width, c)
    return [[taken.get((r, c), "") for c in range(width)] for r in range(len(rows))]


def form_extent(form: Form, forms: Iterable[Form], grid: Grid) -> int:
    """The last row of the form on its sheet: the row before the next form's caption, or the sheet's end."""
    start = form.title_ref.row if form.title_ref else 1
    later = [
        f.title_ref.row
        for f in forms
        if f.sheet == form.sheet and f.title_ref is not None and f.title_ref.row > start
    ]
    return min(later) - 2 if later else grid.max_row


def attachments(
    outcome: Outcome, grids: list[Grid], figures: Figures, kinds: tuple[str, ...], project: Form | None
) -> list[dict[str, object]]:
    """附件1–3 (or the one 附件3 of a project report) as tables for the templates."""
    by_name = {g.name: g for g in grids}
    out: list[dict[str, object]] = []
    for form in outcome.forms:
        if form.kind not in kinds or (project is not None and form is not project):
            continue
        grid = by_name.get(form.sheet)
        if grid is None:
            continue
        rows = attachment_table(form, grid, figures, form_extent(form, outcome.forms, grid))
        caption = {"basic_data": "附件1", "department": "附件2", "project": "附件3"}[form.kind]
        out.append(
            {
                "caption": caption,
                "title": form.title or "",
                "name": form.display_name,
                "rows": rows,
                "matrix": matrix(rows),
                # The official layout's print widths, when the table has the official columns.
                "widths": list(form.layout.column_widths)
                if len(matrix(rows)[0]) == len(form.layout.column_widths)
                else [],
            }
        )
    return out


# --- the department report -----------------------------------------------------------------------------

SOURCE_LABELS = (
    ("sources.general_budget", "一般公共预算"),
    ("sources.gov_fund", "政府性基金拨款"),
    ("sources.non_tax", "纳入专户管理的非税收入拨款"),
    ("sources.other_funds", "其他资金"),
)
THREE_PUBLIC_PARTS = (
    ("official_car", "公务用车购置和维护经费"),
    ("overseas", "出国经费"),
    ("reception", "公务接待费"),
)
PUBLIC_FUNDS_LABELS = (
    ("office", "办公经费"),
    ("utilities_travel", "水费、电费、差旅费"),
    ("meetings_training", "会议费、培训费"),
)


def _share(part: Decimal | None, whole: Decimal | None) -> str:
    if part is None or not whole:
        return ""
    return f"，占全年执行数的{format_rate(part / whole)}"


def _staff(fig: Figures, year: int) -> str:
    basic = fig.form(FormKind.BASIC_DATA)
    authorized, actual = fig.of(basic, "staff.value.authorized"), fig.of(basic, "staff.value.actual")
    if authorized is None and actual is None:
        return placeholder("编制数、实际在职人数")
    text = f"核定编制数{count(authorized, '人')}，{year}年实际在职人数{count(actual, '人')}"
    control = fig.of(basic, "staff.value.control_rate")
    if control is not None:
        text += f"，控制率{rate(control)}"
        if control > 1:
            text += "，在职人数超过编制数"
    return text + "。人员构成（在编、聘用、劳务派遣等）：" + placeholder("人员构成") + "。"


def _budget(fig: Figures, unit: str, year: int) -> str:
    dept = fig.form(FormKind.DEPARTMENT)
    initial = fig.of(dept, "budget.total.initial_budget")
    budget = fig.of(dept, "budget.total.budget")
    executed = fig.of(dept, "budget.total.executed")
    text = f"{unit}{year}年年初预算数{amount(initial)}，全年预算数{amount(budget)}"
    sources = [(label, fig.of(dept, key)) for key, label in SOURCE_LABELS]
    nonzero = [(label, v) for label, v in sources if v]
    if len(nonzero) == 1:
        text += f"，全部为{nonzero[0][0]}"
    elif nonzero:
        text += "，其中" + "，".join(f"{label}{amount(v)}" for label, v in nonzero)
    text += f"。全年执行数{amount(executed)}，预算执行率{rate(fig.of(dept, 'budget.total.rate'))}。"
    return text


def _basic(fig: Figures, year: int) -> str:
    dept = fig.form(FormKind.DEPARTMENT)
    executed = fig.of(dept, "budget.total.executed")
    basic = fig.of(dept, "sources.basic_spending")
    return (
        f"{year}年全年基本支出{amount(basic)}{_share(basic, executed)}。基本支出按经济分类，"
        f"{placeholder('工资福利支出、对个人和家庭的补助、商品和服务支出各多少万元')}。"
    )


def _project(fig: Figures, year: int) -> list[str]:
    dept, basic = fig.form(FormKind.DEPARTMENT), fig.form(FormKind.BASIC_DATA)
    executed = fig.of(dept, "budget.total.executed")
    spent = fig.of(dept, "sources.project_spending")
    lines = [
        f"{year}年全年项目支出{amount(spent)}{_share(spent, executed)}。项目支出按经济分类，"
        f"{placeholder('商品和服务支出、资本性支出等各多少万元')}。"
    ]
    if basic is not None:
        items = []
        for row in basic.blocks.get("costs.project_items", []):
            label = _cell_text(row, "label").lstrip("0123456789、.． ")
            b, f = row.get("budget"), row.get("final")
            b_n = b.number if b is not None else None
            f_n = f.number if f is not None else None
            if label and (b_n or f_n):
                items.append(f"{label}预算数{amount(b_n)}、决算数{amount(f_n)}")
        if items:
            lines.append("基础数据表所列项目支出明细：" + "；".join(items) + "。")
    for form in fig.ctx.of_kind(FormKind.PROJECT):
        lines.append(_project_summary(fig, form))
    return lines


def _project_summary(fig: Figures, form: Form) -> str:
    name = form.text("project_name") or placeholder("项目名称")
    return (
        f"{name}项目全年预算数{amount(fig.of(form, 'funds.total.budget'))}，"
        f"全年执行数{amount(fig.of(form, 'funds.total.executed'))}，"
        f"执行率{rate(fig.of(form, 'funds.total.rate'))}，"
        f"自评总分{score(fig.total_score(form))}，自评等级为“{fig.grade(form) or placeholder('等级')}”。"
    )


def _three_public(fig: Figures, year: int) -> list[str]:
    basic = fig.form(FormKind.BASIC_DATA)
    if basic is None:
        return [placeholder("“三公”经费预算数、决算数及上年决算数")]

    def col(line: str, column: str) -> Decimal | None:
        return fig.of(basic, f"costs.{line}.{column}")

    final, budget, prev = (col("three_public", c) for c in ("final", "budget", "prev_final"))
    parts = "，".join(f"{label}{amount(col(key, 'final'))}" for key, label in THREE_PUBLIC_PARTS)
    lines = [f"{year}年“三公”经费支出{amount(final)}，其中{parts}。"]
    compare = [f"“三公”经费预算数{amount(budget)}"]
    if final is not None and budget is not None:
        compare.append(f"支出{_change(final, budget, '预算')}")
    compare.append(f"“三公”经费{year - 1}年决算数{amount(prev)}")
    if final is not None and prev is not None:
        compare.append(f"本年{_change(final, prev, '上年')}")
    lines.append("，".join(compare) + "。")
    details = []
    for key, label in THREE_PUBLIC_PARTS:
        details.append(
            f"{label}预算数{amount(col(key, 'budget'))}、{year - 1}年决算数{amount(col(key, 'prev_final'))}"
        )
    lines.append("；".join(details) + "。")
    lines.append(
        f"公务用车购置和维护经费中，公车购置{amount(col('car_purchase', 'final'))}，"
        f"公车运行维护{amount(col('car_operation', 'final'))}。"
    )
    funds = []
    for key, label in PUBLIC_FUNDS_LABELS:
        v = col(key, "final")
        if v is not None:
            funds.append(f"{label}{amount(v)}（预算数{amount(col(key, 'budget'))}）")
    if funds:
        lines.append("公用经费中，" + "，".join(funds) + "。")
    procurement = col("procurement", "final")
    if procurement is not None:
        lines.append(f"政府采购金额{amount(procurement)}（预算数{amount(col('procurement', 'budget'))}）。")
    return lines


def _other_budget(fig: Figures, key: str, what: str) -> str:
    value = fig.of(fig.form(FormKind.DEPARTMENT), key)
    if value is None:
        return placeholder(f"{what}情况，如无，填写“无”")
    return (
        "（无）" if value == 0 else f"全年预算数中{what}{amount(value)}。" + placeholder(f"{what}的使用情况")
    )


def _levels_sentence(fig: Figures, form: Form | None, what: str) -> str:
    if form is None:
        return placeholder("自评总分和等级")
    execution_key = "budget" if form.kind == "department" else "funds"
    text = (
        f"根据{what}，{form.year or ''}年度自评总分{score(fig.total_score(form))}，"
        f"自评等级为“{fig.grade(form) or placeholder('等级')}”。"
    )
    parts = [
        f"预算执行率得分{score(fig.of(form, f'{execution_key}.total.score'))}"
        f"（分值{score(fig.of(form, f'{execution_key}.total.weight'))}）"
    ]
    parts += _level_scores(form)
    return text + "各部分得分：" + "，".join(parts) + "。"


def _problems(
    fig: Figures, form: Form | None, lines: list[IndicatorLine], execution_key: str, whole: str
) -> list[str]:
    out = []
    r = fig.of(form, f"{execution_key}.total.rate")
    budget = fig.of(form, f"{execution_key}.total.budget")
    executed = fig.of(form, f"{execution_key}.total.executed")
    if r is not None and r < 1 and budget is not None and executed is not None:
        out.append(
            f"预算执行率有待提升。{whole}预算执行率为{rate(r)}，全年预算数{amount(budget)}中有"
            f"{amount(budget - executed)}未执行。原因：{placeholder('资金未执行的原因')}。"
        )
    missed = [line for line in lines if line.met is False]
    if missed:
        out.append(
            "部分绩效指标未完成。"
            + "".join(
                f"{line.name}年度指标值{line.target}，实际完成{line.actual}，"
                f"偏差原因：{line.deviation or placeholder('未完成的原因')}。"
                for line in missed
            )
        )
    out.append(placeholder("其他存在的问题及原因分析"))
    return out


def _measures(lines: list[IndicatorLine]) -> list[str]:
    out = [f"针对“{line.name}”未完成：{placeholder('改进措施')}。" for line in lines if line.met is False]
    out.append(placeholder("下一步改进措施"))
    return out


def _satisfaction(lines: list[IndicatorLine]) -> list[str]:
    found = [line.sentence for line in lines if line.level1 == SATISFACTION]
    return [*found, placeholder("满意度调查的方式、发放和收回问卷数量及结果")]


def department_context(
    outcome: Outcome, grids: list[Grid], settings: Settings, today: dt.date
) -> dict[str, object]:
    """Everything the department report templates use, by name; figures recomputed from the tables."""
    fig = Figures(Context.build(outcome.forms, settings))
    dept, basic = fig.form(FormKind.DEPARTMENT), fig.form(FormKind.BASIC_DATA)
    if dept is None:
        raise ValueError("no 附件2")
    year = dept.year or (basic.year if basic is not None and basic.year else today.year - 1)
    unit = dept.text("unit_name") or placeholder("单位名称")
    lines = indicator_lines(dept, settings)
    return {
        "title": f"{unit}{year}年度部门整体支出绩效自评报告",
        "unit": unit,
        "year": year,
        "report_date": month(today),
        "overview": placeholder("单位性质、主要职能"),
        "structure": placeholder("内设机构、下属单位"),
        "staff": _staff(fig, year),
        "budget": _budget(fig, unit, year),
        "basic_spending": _basic(fig, year),
        "project_spending": _project(fig, year),
        "three_public": _three_public(fig, year),
        "gov_fund": _other_budget(fig, "sources.gov_fund", "政府性基金拨款"),
        "state_capital": placeholder("国有资本经营预算支出情况，如无，填写“（无）”"),
        "social_insurance": placeholder("社会保险基金预算支出情况，如无，填写“（无）”"),
        "goal_expected": dept.text("goals.expected") or placeholder("年度总体目标"),
        "goal_actual": dept.text("goals.actual") or placeholder("年度总体目标实际完成情况"),
        "indicator_groups": _groups(lines, (OUTPUT, COST, BENEFIT)),
        "functions": placeholder("职能履行情况及取得的社会效益"),
        "satisfaction": _satisfaction(lines),
        "result": _levels_sentence(fig, dept, "部门整体支出绩效自评表"),
        "projects": [_project_summary(fig, form) for form in fig.ctx.of_kind(FormKind.PROJECT)],
        "problems": _numbered(_problems(fig, dept, lines, "budget", "本年度部门整体")),
        "measures": _numbered(_measures(lines)),
        "use_of_results": placeholder("自评结果的应用和公开情况"),
        "other": placeholder("其他需要说明的情况，如无，填写“无”"),
        "attachments": attachments(outcome, grids, fig, ("basic_data", "department", "project"), None),
        "open_errors": open_errors(outcome),
    }


def _numbered(items: list[str]) -> list[str]:
    return [f"（{ordinal(i)}）{text}" for i, text in enumerate(items, 1)]


def _groups(lines: list[IndicatorLine], order: tuple[str, ...]) -> list[dict[str, object]]:
    """Indicator sentences grouped under their 一级指标, numbered within the group."""
    groups: list[dict[str, object]] = []
    for level in order:
        members = [line for line in lines if line.level1 == level]
        if members:
            groups.append(
                {"name": level, "lines": [f"（{i}）{line.sentence}" for i, line in enumerate(members, 1)]}
            )
    return groups


# --- the project report --------------------------------------------------------------------------------

FUND_LABELS = (("current_year", "当年财政拨款"), ("carried_over", "上年结转金额"), ("other", "其它资金"))


def project_context(
    outcome: Outcome, grids: list[Grid], settings: Settings, project: Form, today: dt.date
) -> dict[str, object]:
    """Everything the project report templates use, for one 附件3."""
    fig = Figures(Context.build(outcome.forms, settings))
    year = project.year or today.year - 1
    name = project.text("project_name") or placeholder("项目名称")
    unit = project.text("implementing_unit") or project.text("competent_dept") or placeholder("实施单位")
    lines = indicator_lines(project, settings)
    budget = fig.of(project, "funds.total.budget")
    executed = fig.of(project, "funds.total.executed")
    sources = [(label, fig.of(project, f"funds.{key}.budget")) for key, label in FUND_LABELS]
    nonzero = [(label, v) for label, v in sources if v]
    funding = f"{name}项目{year}年年初预算数{amount(fig.of(project, 'funds.total.initial_budget'))}，全年预算数{amount(budget)}"
    if len(nonzero) == 1:
        funding += f"，全部为{nonzero[0][0]}"
    elif nonzero:
        funding += "，其中" + "，".join(f"{label}{amount(v)}" for label, v in nonzero)
    spent = [(label, fig.of(project, f"funds.{key}.executed")) for key, label in FUND_LABELS]
    spent_nonzero = [(label, v) for label, v in spent if v]
    use = f"{year}年{name}项目全年执行数{amount(executed)}，执行率{rate(fig.of(project, 'funds.total.rate'))}"
    if len(spent_nonzero) > 1:
        use += "，其中" + "，".join(f"{label}{amount(v)}" for label, v in spent_nonzero)
    return {
        "title": f"{name}项目支出绩效自评报告",
        "project": name,
        "unit": unit,
        "competent_dept": project.text("competent_dept") or placeholder("主管部门"),
        "year": year,
        "report_date": month(today),
        "unit_overview": placeholder("项目实施单位基本情况"),
        "funding": funding + "。项目资金的主要用途：" + placeholder("资金用途") + "。",
        "goal_expected": project.text("goals.expected") or placeholder("年度总体目标"),
        "goal_actual": project.text("goals.actual") or placeholder("年度总体目标实际完成情况"),
        "arranged": f"{year}年项目资金预算安排{amount(budget)}。",
        "used": use + "。明细：" + placeholder("按用途列出的支出明细（万元）") + "。",
        "management": placeholder("项目资金管理情况分析"),
        "organization": placeholder("项目资金使用管理及项目组织实施情况"),
        "decision": placeholder("项目支出决策情况"),
        "process": placeholder("项目支出过程情况"),
        "outputs": _groups(lines, (OUTPUT, COST)),
        "benefits": _groups(lines, (BENEFIT, SATISFACTION)),
        "result": _levels_sentence(fig, project, "项目支出绩效自评表"),
        "problems": _numbered(_problems(fig, project, lines, "funds", "本项目")),
        "suggestions": placeholder("有关建议"),
        "other": placeholder("其他需要说明的问题，如无，填写“无”"),
        "attachments": attachments(outcome, grids, fig, ("project",), project),
        "open_errors": open_errors(outcome),
    }


def find_project(outcome: Outcome, name: str) -> Form | None:
    """The 附件3 whose 项目支出名称 (or sheet name) is ``name``."""
    wanted = name.strip()
    for form in outcome.forms:
        if form.kind == "project" and wanted in (form.text("project_name").strip(), form.sheet):
            return form
    return None
