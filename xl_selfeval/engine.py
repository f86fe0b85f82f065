"""One run of the core on a workbook's grids: read the forms, run every check, sum up the scores."""

from __future__ import annotations

from dataclasses import replace

from xl_selfeval.checks import CHECKS
from xl_selfeval.checks.context import Context
from xl_selfeval.errors import UserError
from xl_selfeval.findings import Finding, Outcome
from xl_selfeval.grid import Grid
from xl_selfeval.model import Form
from xl_selfeval.read import read_forms
from xl_selfeval.scoring import grade
from xl_selfeval.settings import Settings
from xl_selfeval.values import format_score


def run_engine(grids: list[Grid], settings: Settings | None = None) -> Outcome:
    """Findings (each with the fix recalc would write) and the score summary of every form found."""
    settings = settings or Settings()
    forms = read_forms(grids)
    if not forms:
        raise UserError(
            "工作簿中没有找到绩效自评表（附件1基础数据表、附件2部门整体支出绩效自评表或附件3项目支出绩效自评表）"
        )
    ctx = Context(forms, settings)
    findings: list[Finding] = []
    for check in CHECKS:
        for found in check(ctx):
            findings.append(found)
            if found.fix is not None and found.fix.kind == "score":
                ctx.filled_scores[(found.cell.sheet, found.cell.row)] = found.fix.value  # type: ignore[assignment]
    findings = _no_fix_on_formulas(findings, grids)
    order = {g.name: i for i, g in enumerate(grids)}
    findings.sort(key=lambda f: (order.get(f.cell.sheet, 0), f.cell.row, f.cell.col, f.severity.rank))
    outcome = Outcome(forms=forms, findings=_unique(findings), profile=settings.profile)
    outcome.edits = [f.fix for f in outcome.findings if f.fix is not None]
    outcome.scores = [_score_summary(ctx, form) for form in forms if form.kind in ("department", "project")]
    return outcome


def _no_fix_on_formulas(findings: list[Finding], grids: list[Grid]) -> list[Finding]:
    """Recalc never writes over a formula: the user's model stays theirs (the finding itself stays)."""
    by_name = {g.name: g for g in grids}
    out = []
    for f in findings:
        grid = by_name.get(f.cell.sheet)
        if f.fix is not None and grid is not None and grid.cell(f.cell.row, f.cell.col).is_formula:
            f = replace(f, fix=None)
        out.append(f)
    return out


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int, int]] = set()
    out = []
    for f in findings:
        key = (f.code, f.cell.sheet, f.cell.row, f.cell.col)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _score_summary(ctx: Context, form: Form) -> dict[str, object]:
    total = ctx.calculator(form).figure("total.score")
    typed = form.get("total.score")
    typed_total = typed.number if typed is not None else None
    if typed is not None and typed.is_formula and typed_total is None:
        typed_total = total  # a formula saved without its result shows what it computes
    return {
        "sheet": form.sheet,
        "form": form.display_name,
        "typed_total": float(typed_total) if typed_total is not None else None,
        "total": float(total) if total is not None else None,
        "total_text": format_score(total) if total is not None else "",
        "grade": grade(total, ctx.settings) if total is not None else "",
    }
