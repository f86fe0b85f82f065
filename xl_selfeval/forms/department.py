"""附件2 {Y}年度部门整体支出绩效自评表: its layout, defined once."""

from __future__ import annotations

from xl_selfeval.forms.indicators import (
    CLOSING,
    DEFAULT_EXECUTION_WEIGHT,
    execution_figures,
    goals_block,
    indicator_block,
    total_row,
)
from xl_selfeval.forms.layout import (
    Column,
    Entry,
    EntryRow,
    Fmt,
    FormKind,
    FormLayout,
    Line,
    Note,
    PairedList,
    Table,
)

BUDGET = Table(
    key="budget",
    caption="年度预算申请\n(万元)",
    caption_span=1,
    label_span=2,
    caption_down=True,
    columns=(
        Column("年初预算数\n(万元)", "initial_budget"),
        Column("全年预算数\n（万元）", "budget"),
        Column("全年执行数\n（万元）", "executed"),
        Column("分值", "weight", fmt=Fmt.SCORE),
        Column("执行率", "rate", fmt=Fmt.RATE),
        Column("得分", "score", span=2, fmt=Fmt.SCORE),
    ),
    lines=(
        Line(
            "年度资金总额：",
            "total",
            derived=execution_figures("budget"),
            default={"weight": DEFAULT_EXECUTION_WEIGHT},
        ),
    ),
)

SOURCES = PairedList(
    key="sources",
    left_header="按收入性质分：",
    right_header="按支出性质分：",
    left=(
        ("一般公共预算：", "general_budget"),
        ("政府性基金拨款：", "gov_fund"),
        ("纳入专户管理的非税收入拨款：", "non_tax"),
        ("其他资金", "other_funds"),
    ),
    right=(("其中:基本支出：", "basic_spending"), None, ("项目支出：", "project_spending"), None),
    spans=(2, 2, 2, 3),
    indent=1,
)
INCOME_KEYS = tuple(f"sources.{key}" for _, key in SOURCES.left)
SPENDING_KEYS = ("sources.basic_spending", "sources.project_spending")

GOALS = goals_block(expected_span=4, actual_span=5)
INDICATORS = indicator_block(with_criteria=True)
# The official 附件2 shows only 总分 on this row; Σ分值 is still computed for the checks.
TOTAL = total_row("budget", label_span=8, shown=("score",))

LAYOUT = FormLayout(
    closing=CLOSING,
    kind=FormKind.DEPARTMENT,
    distinctive_label="预算部门名称",
    sheet_name="附件2 部门整体支出绩效自评表",
    name="附件2",
    title="{Y}年度部门整体支出绩效自评表",
    other_titles=("部门整体绩效自评表", "部门整体支出绩效评价自评表"),  # 重庆 2021, 安徽 2023
    width=10,
    column_widths=(12, 12, 20, 22, 14, 14, 14, 8, 8, 23),
    sections=(
        Note("附件2", "caption"),
        Note("{Y}年度部门整体支出绩效自评表", "title"),
        EntryRow((Entry("预算部门名称", "unit_name", label_span=1, value_span=9, default_from_unit=True),)),
        BUDGET,
        SOURCES,
        GOALS,
        INDICATORS,
        TOTAL,
        Note("填报人：        填报日期：        联系电话：         单位负责人签名：", "signature"),
    ),
)
