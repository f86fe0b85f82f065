"""One run of the core on a workbook's grids: read the forms, pre-compute, run every check, sum up the scores."""

from __future__ import annotations

from collections.abc import Sequence

from xl_selfeval.checks import CHECKS, Check
from xl_selfeval.checks.context import INDICATOR_FORMS, Context
from xl_selfeval.errors import UserError
from xl_selfeval.findings import Code, Finding, Outcome, ScoreSummary
from xl_selfeval.grid import Grid
from xl_selfeval.model import Form
from xl_selfeval.naming import NO_FORMS
from xl_selfeval.read import read_forms
from xl_selfeval.scoring import grade
from xl_selfeval.settings import Settings

# A cell's findings: the registry's order. Keyed by the code's text; a Code (a StrEnum) finds its entry
# as it is, being equal to its text and hashed like it.
_CODE_ORDER = {code.value: i for i, code in enumerate(Code)}


def run_engine(
    grids: list[Grid], settings: Settings | None = None, checks: Sequence[Check] = CHECKS
) -> Outcome:
    """Findings (each with the fix recalc would write) and the score summary of every form found.

    ``checks`` run in any order with the same outcome: the context they read is frozen, built before them.
    """
    return run_engine_with_context(grids, settings, checks)[0]


def run_engine_with_context(
    grids: list[Grid], settings: Settings | None = None, checks: Sequence[Check] = CHECKS
) -> tuple[Outcome, Context]:
    """run_engine's outcome and the frozen context its checks read (the batch review sums figures from it)."""
    settings = settings or Settings()
    forms = read_forms(grids)
    if not forms:
        raise UserError("工作簿中" + NO_FORMS)
    ctx = Context.build(forms, settings)
    # Each finding with its place in its own check's output: a code comes from one check, so the order
    # of a cell's findings (and which duplicate stays) never depends on the order the checks ran in.
    found = [(i, f) for check in checks for i, f in enumerate(check(ctx))]
    order = {g.name: i for i, g in enumerate(grids)}
    found.sort(
        key=lambda item: (
            order.get(item[1].cell.sheet, 0),
            item[1].cell.row,
            item[1].cell.col,
            item[1].severity.rank,
            _CODE_ORDER.get(item[1].code, len(_CODE_ORDER)),
            item[0],
        )
    )
    unique = _unique([f for _, f in found])
    outcome = Outcome(
        forms=forms,
        findings=unique,
        edits=[f.fix for f in unique if f.fix is not None],
        scores=[_score_summary(ctx, form) for form in forms if form.kind in INDICATOR_FORMS],
        profile=settings.profile,
    )
    return outcome, ctx


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int, int]] = set()
    out = []
    for f in findings:
        key = (f.code, f.cell.sheet, f.cell.row, f.cell.col)  # a Code is equal to its text (StrEnum)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _score_summary(ctx: Context, form: Form) -> ScoreSummary:
    # a form's tail has no 总分: the 执行率 it counts is in the head, not on the sheet
    total = None if form.head_missing else ctx.calculator(form).figure("total.score")
    typed = form.get("total.score")
    typed_total = typed.number if typed is not None else None
    if typed is not None and typed.is_formula and typed_total is None:
        typed_total = total  # a formula saved without its result shows what it computes
    rated = grade(total, ctx.settings) if total is not None else ""
    return ScoreSummary(form.sheet, form.display_name, typed_total, total, rated)
