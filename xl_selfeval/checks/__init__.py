"""Every check the engine runs, as data: each is a plain function (Context) -> findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from xl_selfeval.checks import arithmetic, cross, indicators, text_figures
from xl_selfeval.checks.context import Context
from xl_selfeval.findings import Finding

Check = Callable[[Context], Iterable[Finding]]

CHECKS: tuple[Check, ...] = (
    cross.check_forms_present,
    cross.check_years,
    cross.check_rows_found,
    # Indicator rows come before the arithmetic: the scores recalc fills count in the 总分 it checks.
    indicators.check_indicator_rows,
    text_figures.check_text_figures,
    arithmetic.check_derived_figures,
    arithmetic.check_splits,
    arithmetic.check_public_funds,
    arithmetic.check_control_rate,
    indicators.check_weights,
    indicators.check_blank_rows,
    cross.check_project_spending,
    cross.check_fill_department_spending,
)
