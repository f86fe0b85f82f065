"""附件1 {Y}年度部门整体支出绩效评价基础数据表: its layout, defined once."""

from __future__ import annotations

from xl_selfeval.forms.layout import (
    BlockSum,
    Column,
    Entry,
    EntryRow,
    Fmt,
    FormKind,
    FormLayout,
    ItemBlock,
    Line,
    Note,
    Ratio,
    Ref,
    Sum,
    Table,
)

YEAR_COLUMNS = (
    Column("{Y-1}年决算数", "prev_final", span=2),
    Column("{Y}年预算数", "budget", span=2),
    Column("{Y}年决算数", "final", span=2),
)


def _sum_of(*lines: str) -> dict[str, Sum]:
    """The same sum of lines in every year column."""
    return {c.key: Sum(tuple(Ref(f"costs.{line}.{c.key}") for line in lines)) for c in YEAR_COLUMNS}


STAFF = Table(
    key="staff",
    caption="财政供养人员情况",
    caption_span=1,
    columns=(
        Column("编制数", "authorized", span=2, fmt=Fmt.COUNT),
        Column("{Y}年实际在职人数", "actual", span=2, fmt=Fmt.COUNT),
        Column("控制率", "control_rate", span=2, fmt=Fmt.RATE),
    ),
    lines=(
        Line(
            "",
            "value",
            derived={"control_rate": Ratio(Ref("staff.value.actual"), Ref("staff.value.authorized"))},
        ),
    ),
)

COSTS = Table(
    key="costs",
    caption="经费控制情况(万元)",
    caption_span=1,
    columns=YEAR_COLUMNS,
    lines=(
        Line("三公经费", "three_public", derived=_sum_of("official_car", "overseas", "reception")),
        Line("1、公务用车购置和维护经费", "official_car", derived=_sum_of("car_purchase", "car_operation")),
        Line("其中：公车购置", "car_purchase"),
        Line("公车运行维护", "car_operation"),
        Line("2、出国经费", "overseas"),
        Line("3、公务接待", "reception"),
        Line(
            "项目支出：",
            "project_spending",
            derived={c.key: BlockSum("costs.project_items", c.key) for c in YEAR_COLUMNS},
        ),
        Line("公用经费：", "public_funds"),
        Line("其中：办公经费", "office"),
        Line("水费、电费、差旅费", "utilities_travel"),
        Line("会议费、培训费", "meetings_training"),
        Line("政府采购金额", "procurement"),
        Line("部门基本支出预算调整", "basic_adjustment"),
    ),
    items=ItemBlock(
        key="costs.project_items",
        after="project_spending",
        default_labels=("1、业务工作经费", "2、运行维护经费", "3、本级专项资金（一个专项一行）"),
    ),
)

# Lines of 公用经费 that are a partial breakdown of it (their sum may not exceed it).
PUBLIC_FUNDS_PARTS = ("office", "utilities_travel", "meetings_training")

BUILDINGS = Table(
    key="buildings",
    caption="楼堂馆所控制情况\n（{Y}年完工项目）",
    caption_span=1,
    columns=(
        Column("批复规模\n（㎡）", "approved_area", fmt=Fmt.AREA),
        Column("实际规模\n（㎡）", "actual_area", fmt=Fmt.AREA),
        Column("规模控制率", "area_rate", fmt=Fmt.RATE),
        Column("预算投资\n（万元）", "budget_investment"),
        Column("实际投资\n（万元）", "actual_investment"),
        Column("投资概算控制率", "investment_rate", fmt=Fmt.RATE),
    ),
    lines=(
        Line(
            "",
            "value",
            derived={
                "area_rate": Ratio(Ref("buildings.value.actual_area"), Ref("buildings.value.approved_area")),
                "investment_rate": Ratio(
                    Ref("buildings.value.actual_investment"), Ref("buildings.value.budget_investment")
                ),
            },
        ),
    ),
)

LAYOUT = FormLayout(
    kind=FormKind.BASIC_DATA,
    distinctive_label="财政供养人员情况",
    sheet_name="附件1 基础数据表",
    name="附件1",
    title="{Y}年度部门整体支出绩效评价基础数据表",
    width=7,
    column_widths=(30, 10, 10, 10, 10, 10, 15),
    one_page=True,
    sections=(
        Note("附件1", "caption"),
        Note("{Y}年度部门整体支出绩效评价基础数据表", "title"),
        STAFF,
        COSTS,
        BUILDINGS,
        EntryRow((Entry("厉行节约保障措施", "thrift_measures", label_span=1, value_span=6, lines=3),)),
        Note(
            "说明：“项目支出”需要填报基本支以外的所有项目支出情况，“公用经费”填报基本支出中的一般商品和服务支出。"
        ),
        Note(
            "填报人：             填报日期：                联系电话：                   单位负责人签名：",
            "signature",
        ),
    ),
)
