"""The rules written once (checks/rules.py), the row rules and the frozen context, on forms typed in memory.

Every expected figure is worked by hand from the seed's 附件3 (运转经费): 全年预算数 2769.05, 全年执行数
1701.93, 执行率 1701.93÷2769.05 = 61.46%, 执行率得分 10×61.46% = 6.15, the indicator scores adding up to 88.
"""

from __future__ import annotations

import copy
import random
from decimal import Decimal

import pytest
from conftest import EXAMPLE
from handtyped import BASIC, DEPARTMENT, PROJECT

from xl_selfeval.cells import CellRef
from xl_selfeval.checks import CHECKS
from xl_selfeval.checks.rules import fell_short, is_cost_within_budget, may_overwrite, same_score, short_name
from xl_selfeval.engine import run_engine
from xl_selfeval.files.xlsx import read_workbook
from xl_selfeval.findings import Code, Finding, Outcome, ScoreSummary, Severity
from xl_selfeval.grid import CellData, Grid
from xl_selfeval.labels import is_not_applicable
from xl_selfeval.model import BlockRow, Field
from xl_selfeval.report_text import score_line
from xl_selfeval.values import parse_value

SHEET = "附件3"
LOAN = "发放住房公积金贷款"  # 15亿元 planned, 10.19亿元 lent, 5 points, scored 3.00 in the seed
ECOLOGY = "生态效益指标"  # the row the seed marks 不适用


def project(edit: dict[tuple[str, int], object] | None = None) -> list[list[object]]:
    """The seed's 附件3 rows; ``edit`` sets (the row whose cells contain a text, column index) to a value."""
    rows = copy.deepcopy(PROJECT)
    for (label, column), value in (edit or {}).items():
        row = next(r for r in rows if label in [str(c) for c in r if c is not None])
        while len(row) <= column:
            row.append(None)
        row[column] = value
    return rows


def line_of(rows: list[list[object]], label: str) -> int:
    """The sheet row (1-based, the grid starts at A1) of the first row holding ``label``."""
    return 1 + next(i for i, r in enumerate(rows) if label in [str(c) for c in r if c is not None])


def run(rows: list[list[object]]) -> Outcome:
    return run_engine([Grid.from_rows(SHEET, rows)])


def at(outcome: Outcome, address: str) -> list[Finding]:
    return [f for f in outcome.findings if f.cell.address == address]


# --- 不适用 and 不涉及 are one answer ------------------------------------------------------------------


@pytest.mark.parametrize("words", ["不适用", "不涉及", "N/A", "不 涉 及"])
def test_a_not_applicable_row_with_2_points_gives_one_finding_whatever_the_words(words: str) -> None:
    # 生态效益指标 typed as not applicable in 三级指标 and 年度指标值, yet given 分值 2 and 得分 2.
    rows = project(
        {(ECOLOGY, 3): words, (ECOLOGY, 4): words, (ECOLOGY, 5): words, (ECOLOGY, 6): 2, (ECOLOGY, 7): 2}
    )
    r = line_of(rows, ECOLOGY)
    outcome = run(rows)
    found = [f for f in outcome.findings if f.cell.row == r]
    assert [(f.code, f.cell.address, f.severity, f.expected, f.actual) for f in found] == [
        ("not_applicable_scored", f"H{r}", Severity.WARNING, "空白", "2")
    ]
    assert found[0].message == f"附件3!H{r} 指标“{words}”为不适用，不应有分值或得分"


def test_not_applicable_and_not_involved_give_the_same_code_message_and_cell() -> None:
    def finding_for(words: str) -> tuple[str, str, str]:
        rows = project({(ECOLOGY, 3): "生态影响", (ECOLOGY, 4): words, (ECOLOGY, 6): 2, (ECOLOGY, 7): 2})
        (f,) = [f for f in run(rows).findings if f.cell.row == line_of(rows, ECOLOGY)]
        return str(f.code), f.cell.address, f.message

    assert (
        finding_for("不适用")
        == finding_for("不涉及")
        == (
            "not_applicable_scored",
            "H27",
            "附件3!H27 指标“生态影响”为不适用，不应有分值或得分",
        )
    )


def test_the_words_of_not_applicable() -> None:
    assert all(is_not_applicable(w) for w in ("不适用", "不涉及", "N/A", "n/a", "不适用：", "不 适 用"))
    assert not any(is_not_applicable(w) for w in ("适用", "有效", "0", "", None, "不适用于农村"))


# --- the pre-pass: a suggested score counts in the 总分, whatever the order of the checks ---------------


def test_a_blank_score_is_suggested_and_counted_in_the_total() -> None:
    # 5 × 10.19 ÷ 15 = 3.3967 → 3.40 fills the blank; Σ scores 88 − 3.00 + 3.40 = 88.40; + 6.15 = 94.55.
    rows = project({(LOAN, 7): None})
    outcome = run(rows)
    r = line_of(rows, LOAN)
    (blank,) = at(outcome, f"H{r}")
    assert blank.code == "score_blank" and blank.severity is Severity.INFO
    assert blank.fix is not None and blank.fix.value == Decimal("3.40") and blank.fix.kind == "score"
    (total,) = at(outcome, f"H{line_of(rows, '总分')}")
    assert total.code == "total_score_wrong"
    assert total.expected == "94.55" and total.actual == "94.15"
    assert outcome.scores == [
        ScoreSummary(SHEET, "附件3（运转经费）", Decimal("94.15"), Decimal("94.55"), "优")
    ]


def shuffled(seed: int) -> tuple:  # type: ignore[type-arg]
    order = list(CHECKS)
    random.Random(seed).shuffle(order)
    assert order != list(CHECKS) or seed == 0
    return tuple(order)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_checks_in_any_order_give_the_same_findings_and_scores(seed: int) -> None:
    grids = [
        Grid.from_rows("基础数据", BASIC),
        Grid.from_rows("整体自评", DEPARTMENT),
        Grid.from_rows(SHEET, project({(LOAN, 7): None, ("实现住房公积金增值收益", 7): None})),
    ]
    expected = run_engine(grids)
    again = run_engine(grids, checks=shuffled(seed))
    assert again.findings == expected.findings
    assert again.scores == expected.scores
    assert again.edits == expected.edits
    # The fills the pre-pass worked out are what the total counts, in either order.
    assert {f.code for f in expected.findings} >= {"score_blank", "total_score_wrong"}


@pytest.fixture(scope="module")
def example_grids() -> list[Grid]:
    return read_workbook(EXAMPLE)


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_checks_in_any_order_on_the_example_workbook(example_grids: list[Grid], seed: int) -> None:
    expected = run_engine(example_grids)
    again = run_engine(example_grids, checks=shuffled(seed))
    assert (again.findings, again.scores) == (expected.findings, expected.scores)


# --- never write over a formula ------------------------------------------------------------------------


def test_a_blank_cost_target_is_filled_but_a_formula_without_its_result_is_not_written() -> None:
    # 成本控制在预算内 quotes the table's own budget: 年初预算数 2447.06万元.
    cost = "成本控制在预算内"
    blank_rows = project({(cost, 4): None})
    r = line_of(blank_rows, cost)
    blank = run(blank_rows)
    formula = run(project({(cost, 4): CellData(None, "D10")}))
    (typed,) = at(blank, f"E{r}")
    (kept,) = at(formula, f"E{r}")
    assert typed.code == kept.code == "cost_figure_blank"
    assert (
        typed.message
        == kept.message
        == f"附件3!E{r} 指标“成本控制在预算内”年度指标值为空；本表预算数为2447.06万元"
    )
    assert typed.fix is not None and typed.fix.value == "2447.06万元"
    assert kept.fix is None  # the finding stays; the user's formula is theirs
    assert not [e for e in formula.edits if e.cell == kept.cell]


def test_the_one_formula_rule() -> None:
    assert may_overwrite(False) and not may_overwrite(True)


# --- the other rules written once -------------------------------------------------------------------------


def test_an_indicator_fell_short_by_its_score_or_by_its_actual() -> None:
    assert fell_short(Decimal(5), Decimal("3.00"), None)  # the seed's loans: 3 of 5
    assert not fell_short(Decimal(5), Decimal("4.996"), None)  # rounding, not a shortfall
    assert fell_short(Decimal(5), Decimal(5), False)  # full marks, but 10.19 of 15亿元 lent
    assert not fell_short(None, None, None) and not fell_short(Decimal(5), None, True)


def test_names_are_quoted_up_to_20_characters() -> None:
    seed_name = "在岳阳市以外湖南省内其它城市购房的，作出准予提取或者不准提取的决定，并告知提取申请人。"
    assert short_name(seed_name) == "在岳阳市以外湖南省内其它城市购房的，作…"
    assert len(short_name(seed_name)) == 20
    assert short_name("住房公积金  窗口服务满意度") == "住房公积金 窗口服务满意度"


def _row(name: str, level1: str, level2: str) -> BlockRow:
    grid = Grid.from_rows("s", [[name]])
    f = Field("name", CellRef("s", 1, 1), grid.cell(1, 1), parse_value(name))
    return BlockRow(1, {"name": f}, level1, level2)


def test_cost_within_budget_is_the_cost_indicator_under_a_cost_heading() -> None:
    assert is_cost_within_budget(_row("成本控制在预算内", "成本指标", "经济成本指标"))
    assert is_cost_within_budget(_row("成本控制在预算内", "产出指标", "成本指标"))  # the 2019 layout
    assert not is_cost_within_budget(_row("成本控制在预算内", "产出指标", "数量指标"))
    assert not is_cost_within_budget(_row("项目成本", "成本指标", "经济成本指标"))


def test_the_score_line_is_the_same_for_the_console_and_the_list() -> None:
    # 94.15 typed, 94.55 worked out with the suggested 3.40: they differ by more than rounding.
    summary = ScoreSummary(SHEET, "附件3（运转经费）", Decimal("94.15"), Decimal("94.55"), "优")
    assert (
        score_line(summary)
        == "附件3（运转经费）：表中总分 94.15，重算总分 94.55，等级 优（表中总分与重算不一致）"
    )
    assert (
        score_line(ScoreSummary("附件2", "附件2", None, None))
        == "附件2：表中总分 未填，重算总分 无法计算，等级 —"
    )


def test_every_finding_takes_the_severity_its_code_has() -> None:
    outcome = run(project({(LOAN, 7): None, ("年度资金总额", 6): "61.65%"}))
    assert outcome.findings
    for f in outcome.findings:
        assert f.severity is Code(f.code).severity


# --- a form's scores typed to one decimal or whole numbers are compared at that precision --------------


def test_a_score_equal_to_the_rule_at_the_forms_precision_is_not_a_finding() -> None:
    # The case: a form scoring to one decimal writes 1.4 for the rule's 1.43 and 1.9 for 1.95.
    assert same_score(Decimal("1.4"), Decimal("1.43"), 1) and same_score(Decimal("1.9"), Decimal("1.95"), 1)
    assert not same_score(Decimal("1.3"), Decimal("1.43"), 1)
    assert not same_score(Decimal("1.40"), Decimal("1.43"), 2)  # a form typing 2 decimals means 1.40
    assert same_score(Decimal("10"), Decimal("9.80"), 0) and not same_score(Decimal("9"), Decimal("9.80"), 0)


def _one_decimal(rows: list[list[object]], loan_score: str) -> list[list[object]]:
    """The seed's 附件3 with every indicator 得分 typed to one decimal ('5.0'), the loan row's as given."""
    top = line_of(rows, "三级指标")
    for row in rows[top:]:
        if len(row) > 7 and isinstance(row[7], str) and row[7].endswith(".00"):
            row[7] = row[7][:-1]
    loan = rows[line_of(rows, LOAN) - 1]
    loan[5], loan[7] = "10.3亿元", loan_score  # rule: 5 × 10.3 ÷ 15 = 3.4333
    return rows


@pytest.mark.parametrize(("typed", "flagged"), [("3.4", False), ("3.3", True), ("3.5", True)])
def test_a_one_decimal_form_is_held_to_the_rule_at_one_decimal(typed: str, flagged: bool) -> None:
    # 发放住房公积金贷款 at 10.3亿元: 5 × 10.3 ÷ 15 = 3.4333; at one decimal 3.4 is the rule's score.
    rows = _one_decimal(project(), typed)
    found = [f.code for f in at(run(rows), f"H{line_of(rows, LOAN)}")]
    assert ("score_differs_from_rule" in found) is flagged


def test_the_seed_typed_to_two_decimals_is_still_held_to_the_fen() -> None:
    rows = project({(LOAN, 5): "10.3亿元", (LOAN, 7): "3.43"})
    assert "score_differs_from_rule" not in [f.code for f in at(run(rows), f"H{line_of(rows, LOAN)}")]
    rows = project({(LOAN, 5): "10.3亿元", (LOAN, 7): "3.40"})
    assert "score_differs_from_rule" in [f.code for f in at(run(rows), f"H{line_of(rows, LOAN)}")]
