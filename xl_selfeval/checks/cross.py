"""Checks across the three forms: the same figure in two places, years, and blanks another form can fill."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from xl_selfeval.cells import CellRef
from xl_selfeval.checks.context import Context, edit, field_label, finding, show
from xl_selfeval.checks.rules import AMOUNT_TOLERANCE
from xl_selfeval.findings import Code, Finding
from xl_selfeval.forms.layout import Fmt, FormKind
from xl_selfeval.model import Field, Form


def _sum_projects(ctx: Context, key: str) -> tuple[Decimal | None, tuple[CellRef, ...]]:
    projects = ctx.of_kind(FormKind.PROJECT)
    figures = [(ctx.calculator(p).figure(key), p.get(key)) for p in projects]
    present = [(v, f) for v, f in figures if v is not None]
    if not present:
        return None, ()
    return sum((v for v, _ in present), Decimal(0)), tuple(f.ref for _, f in present if f is not None)


def _coverage_note(ctx: Context) -> str:
    n = len(ctx.of_kind(FormKind.PROJECT))
    return f"（本工作簿有{n}张附件3；如附件3未覆盖全部一级项目，此差异可能正常）"


def check_project_spending(ctx: Context) -> Iterator[Finding]:
    """附件2 项目支出 = 附件1 项目支出 {Y}年决算数 = Σ 附件3 全年执行数; 附件1 预算数 = Σ 附件3 全年预算数."""
    basic = next(iter(ctx.of_kind(FormKind.BASIC_DATA)), None)
    dept = next(iter(ctx.of_kind(FormKind.DEPARTMENT)), None)
    executed, project_refs = _sum_projects(ctx, "funds.total.executed")
    budgeted, budget_refs = _sum_projects(ctx, "funds.total.budget")
    basic_final = ctx.calculator(basic).figure("costs.project_spending.final") if basic else None
    basic_budget = ctx.calculator(basic).figure("costs.project_spending.budget") if basic else None
    dept_f = dept.get("sources.project_spending") if dept else None

    if dept and dept_f is not None and dept_f.number is not None and basic_final is not None and basic:
        ref = basic.fields["costs.project_spending.final"].ref
        if abs(dept_f.number - basic_final) > AMOUNT_TOLERANCE:
            yield finding(
                Code.PROJECT_SPENDING_MISMATCH,
                dept,
                dept_f.ref,
                f"项目支出为{dept_f.text}，与附件1{field_label(basic, 'costs.project_spending.final')}{show(basic_final, Fmt.AMOUNT)}不一致",
                show(basic_final, Fmt.AMOUNT),
                dept_f.text,
                related=(ref,),
            )
    # 附件1 项目支出 against the 附件3 tables: 决算数 with 全年执行数, 预算数 with 全年预算数.
    for column, theirs, refs, code, sum_of in (
        ("final", executed, project_refs, Code.PROJECT_SPENDING_VS_PROJECTS, "全年执行数"),
        ("budget", budgeted, budget_refs, Code.PROJECT_BUDGET_MISMATCH, "全年预算数"),
    ):
        ours = basic_final if column == "final" else basic_budget
        if basic is None or ours is None or theirs is None or abs(ours - theirs) <= AMOUNT_TOLERANCE:
            continue
        f = basic.fields[f"costs.project_spending.{column}"]
        yield finding(
            code,
            basic,
            f.ref,
            f"{field_label(basic, f.key)}为{show(ours, Fmt.AMOUNT)}，与各附件3{sum_of}合计{show(theirs, Fmt.AMOUNT)}不一致{_coverage_note(ctx)}",
            show(theirs, Fmt.AMOUNT),
            show(ours, Fmt.AMOUNT),
            related=refs,
        )


def check_fill_department_spending(ctx: Context) -> Iterator[Finding]:
    """A blank 附件2 项目支出 / 基本支出 is filled from 附件1 (or the 附件3 tables) and 全年执行数."""
    for dept in ctx.of_kind(FormKind.DEPARTMENT):
        project_f, basic_f = dept.get("sources.project_spending"), dept.get("sources.basic_spending")
        basic = next(iter(ctx.of_kind(FormKind.BASIC_DATA)), None)
        project = None
        source = ""
        if basic is not None:
            project = ctx.calculator(basic).figure("costs.project_spending.final")
            source = "附件1项目支出决算数"
        if project is None:
            project, _ = _sum_projects(ctx, "funds.total.executed")
            source = "各附件3全年执行数合计"
        if project_f is not None and project_f.is_blank and project is not None:
            fix = edit(project_f, project, "0.00", None, f"已按{source}填入", "fill")
            yield finding(
                Code.FILLED_FROM_OTHER_FORM,
                dept,
                project_f.ref,
                f"项目支出未填，按{source}应为{show(project, Fmt.AMOUNT)}",
                show(project, Fmt.AMOUNT),
                "空白",
                fix=fix,
            )
        else:
            project = project_f.number if project_f is not None else None
        executed = ctx.calculator(dept).figure("budget.total.executed")
        if basic_f is not None and basic_f.is_blank and executed is not None and project is not None:
            value = executed - project
            fix = edit(basic_f, value, "0.00", None, "已按全年执行数减项目支出填入", "fill")
            yield finding(
                Code.FILLED_FROM_OTHER_FORM,
                dept,
                basic_f.ref,
                f"基本支出未填，按全年执行数{show(executed, Fmt.AMOUNT)}减项目支出{show(project, Fmt.AMOUNT)}应为{show(value, Fmt.AMOUNT)}",
                show(value, Fmt.AMOUNT),
                "空白",
                fix=fix,
            )


def check_years(ctx: Context) -> Iterator[Finding]:
    """Titles and column headers carry the same year."""
    years = [f.year for f in ctx.forms if f.year is not None]
    common = max(set(years), key=years.count) if years else None
    for form in ctx.forms:
        for ref, typed, expected in form.year_mismatches:
            yield finding(
                Code.HEADER_YEAR_MISMATCH,
                form,
                ref,
                f"表头“{typed}”应为“{expected}”（标题为{form.year}年度）",
                expected,
                typed,
            )
        if common is not None and form.year is not None and form.year != common:
            ref = form.title_ref or CellRef(form.sheet, 1, 1)
            yield finding(
                Code.FORM_YEAR_MISMATCH,
                form,
                ref,
                f"本表年度为{form.year}年，工作簿中其他表为{common}年",
                str(common),
                str(form.year),
            )


def check_forms_present(ctx: Context) -> Iterator[Finding]:
    for form in ctx.forms:
        if form.cut_short:
            ref = form.title_ref or CellRef(form.sheet, 1, 1)
            yield finding(
                Code.FORM_CUT_SHORT,
                form,
                ref,
                "本表没有找到绩效指标部分，只检查了已有内容",
                "绩效指标",
                "未找到",
            )
        if form.year is None:
            ref = form.title_ref or CellRef(form.sheet, 1, 1)
            yield finding(Code.YEAR_UNKNOWN, form, ref, "标题和表头中都没有年度", "年度", "未知")


def check_rows_found(ctx: Context) -> Iterator[Finding]:
    """A line of a table the reader could not find: say so, since the sums over it go unchecked."""
    for form in ctx.forms:
        # Each field under every prefix of its key that ends at a dot ('funds.total.' and 'funds.'): which
        # tables and lines were found, in one pass over the fields instead of one per line.
        under: dict[str, list[Field]] = defaultdict(list)
        for k, f in form.fields.items():
            dot = k.find(".")
            while dot != -1:
                under[k[: dot + 1]].append(f)
                dot = k.find(".", dot + 1)
        for table in form.layout.tables():
            found = under.get(table.key + ".")
            if not found:
                continue  # the whole table is missing; the form is cut short or laid out otherwise
            anchor = min(found, key=lambda f: (f.ref.row, f.ref.col)).ref
            for line in table.lines:
                if line.label and f"{table.key}.{line.key}." not in under:
                    yield finding(
                        Code.ROW_NOT_FOUND,
                        form,
                        anchor,
                        f"没有找到“{line.label.rstrip('：:')}”这一行，涉及它的合计未能核对（如行名不同，请改为表样的行名）",
                        line.label.rstrip("：:"),
                        "未找到",
                    )


def forms_summary(forms: list[Form]) -> str:
    return "、".join(f.display_name for f in forms)
