"""Every check the engine runs, as data: each is a plain function (Context) -> findings, in any order.

What a check needs from another (the scores recalc fills into blank 得分 cells, which totals count) is
worked out before any check runs, by Context.build; so the order of CHECKS changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from xl_selfeval.checks import (
    arithmetic,
    blanks,
    cross,
    execution_reason,
    indicators,
    review,
    score_coefficient,
    stated_amounts,
    text_figures,
)
from xl_selfeval.checks.context import Context
from xl_selfeval.findings import Finding

Check = Callable[[Context], Iterable[Finding]]

CHECKS: tuple[Check, ...] = (
    cross.check_forms_present,
    cross.check_years,
    cross.check_rows_found,
    indicators.check_indicator_rows,
    text_figures.check_text_figures,
    arithmetic.check_derived_figures,
    arithmetic.check_splits,
    arithmetic.check_public_funds,
    arithmetic.check_control_rate,
    indicators.check_weights,
    indicators.check_stated_level1_weights,
    indicators.check_blank_rows,
    indicators.check_level1_has_indicators,
    cross.check_project_spending,
    cross.check_fill_department_spending,
    review.check_execution_above_budget,
    review.check_costs_above_budget,
    review.check_total_execution_cap,
    review.check_template_residue,
    review.check_instruction_text,
    review.check_actual_is_a_measurement,
    review.check_impossible_figures,
    review.check_deviation_says_something,
    review.check_too_perfect,
    review.check_dates_within_year,
    review.check_cost_targets_are_ceilings,
    review.check_units,
    blanks.check_unfilled_indicators,
    stated_amounts.check_stated_amounts,
    execution_reason.check_execution_reason,
    score_coefficient.check_score_coefficients,
)
