"""附件3 {Y}年度项目支出绩效自评表 (one per first-level project): its layout, defined once."""

from __future__ import annotations

from xl_selfeval.forms.indicators import (
    CLOSING,
    DEFAULT_EXECUTION_WEIGHT,
    EXECUTION_REASON,
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
    Ref,
    Sum,
    Table,
)

AMOUNT_COLUMNS = ("initial_budget", "budget", "executed")
SCORE_COLUMNS = frozenset({"weight", "rate", "score"})
SOURCE_LINES = ("current_year", "carried_over", "other")

FUNDS = Table(
    key="funds",
    caption="项目资金\n(万元)",
    caption_span=1,
    label_header="资金来源",
    label_span=2,
    caption_down=True,
    columns=(
        Column("年初预算数", "initial_budget"),
        Column("全年预算数", "budget"),
        Column("全年执行数", "executed"),
        Column("分值", "weight", fmt=Fmt.SCORE),
        Column("执行率", "rate", fmt=Fmt.RATE),
        Column("得分", "score", fmt=Fmt.SCORE),
    ),
    lines=(
        Line("其中:当年财政拨款", "current_year", unused=SCORE_COLUMNS),
        Line("上年结转金额", "carried_over", unused=SCORE_COLUMNS),
        Line("其它资金", "other", unused=SCORE_COLUMNS),
        Line(
            "年度资金总额",
            "total",
            derived={
                **{c: Sum(tuple(Ref(f"funds.{line}.{c}") for line in SOURCE_LINES)) for c in AMOUNT_COLUMNS},
                **execution_figures("funds"),
            },
            default={"weight": DEFAULT_EXECUTION_WEIGHT},
        ),
    ),
    read_only=(EXECUTION_REASON,),
)

GOALS = goals_block(expected_span=4, actual_span=4)
INDICATORS = indicator_block(with_criteria=False)
TOTAL = total_row("funds", label_span=6)

LAYOUT = FormLayout(
    closing=CLOSING,
    kind=FormKind.PROJECT,
    distinctive_label="项目支出名称",
    sheet_name="附件3 项目支出绩效自评表",
    name="附件3",
    title="{Y}年度项目支出绩效自评表",
    width=9,
    column_widths=(12, 12, 20, 25, 14, 14, 8, 8, 22),
    sections=(
        Note("附件3", "caption"),
        Note("{Y}年度项目支出绩效自评表", "title"),
        EntryRow((Entry("项目支出名称", "project_name", label_span=1, value_span=8),)),
        EntryRow(
            (
                Entry("主管部门", "competent_dept", label_span=1, value_span=3, default_from_unit=True),
                Entry("实施单位", "implementing_unit", label_span=1, value_span=4, default_from_unit=True),
            )
        ),
        FUNDS,
        GOALS,
        INDICATORS,
        TOTAL,
        Note(
            "备注：一个一级项目支出一张表。如，业务工作经费，运转维护经费，其他事业发展类资金......各一张表。"
        ),
        Note("填报人：       填报日期：          联系电话：          单位负责人签名：", "signature"),
    ),
)
