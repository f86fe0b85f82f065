"""The 绩效指标 hierarchy (一级 → 二级) and the blank skeleton shared by 附件2 and 附件3."""

from __future__ import annotations

import re
from decimal import Decimal

from xl_selfeval.forms.layout import (
    SCORE_WITHIN_WEIGHT,
    BlockSum,
    Column,
    Entry,
    ExecutionScore,
    Expr,
    Fmt,
    IndicatorBlock,
    Ratio,
    Ref,
    Sum,
    TextBlock,
    TotalRow,
    list_rule,
)

OUTPUT = "产出指标"
BENEFIT = "效益指标"
SATISFACTION = "满意度指标"
COST = "成本指标"

# 一级指标 → its 二级指标, in the order of the official form.
HIERARCHY: dict[str, tuple[str, ...]] = {
    OUTPUT: ("数量指标", "质量指标", "时效指标"),
    BENEFIT: ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    SATISFACTION: ("服务对象满意度指标",),
    COST: ("经济成本指标", "社会成本指标", "生态环境成本指标"),
}

# 二级 the 财预〔2020〕10号 templates (and provinces following them) place under another 一级: 成本指标
# sits under 产出指标 there, and 四川's form puts its parts (经济成本指标 …) there too. Accepted when
# read, never generated.
ALSO_UNDER: dict[str, tuple[str, ...]] = {OUTPUT: (COST, *HIERARCHY[COST])}

LEVEL1 = tuple(HIERARCHY)
LEVEL2 = tuple(name for names in HIERARCHY.values() for name in names)

# Empty 三级 rows per 二级指标 in a blank form: the distribution of the official sample (19 rows).
SKELETON_ROWS: dict[str, int] = {
    "数量指标": 4,
    "质量指标": 2,
    "时效指标": 4,
    "经济效益指标": 1,
    "社会效益指标": 1,
    "生态效益指标": 1,
    "可持续影响指标": 2,
    "服务对象满意度指标": 1,
    "经济成本指标": 1,
    "社会成本指标": 1,
    "生态环境成本指标": 1,
}

EXECUTION_INDICATOR = "预算执行率"  # a row of that name in the indicator table is scored as the execution
# 四川 closes the indicator table with a 合计 row (Σ权重 with the 执行率's, and the total score): a 总分 row.
TOTAL_ROW_WORDS = ("合计",)
# 四川 prints a 原因 column beside the 执行率 (read, never laid out in a new form) and fills it with the
# rule it asks for; that printed rule, left in place, is no reason.
EXECUTION_REASON = Column("原因", "reason", fmt=Fmt.TEXT)
REASON_INSTRUCTION_MARKS = ("需说明原因", "应单独说明理由")
# A target typed over its own columns beside 指标值 (四川: 指标性质 "≤" | 指标值 "30" | 度量单位 "万元"):
# the comparison before the figure and the unit after it, read as one target "≤30万元".
TARGET_OPERATOR_HEADERS = ("指标性质",)
TARGET_UNIT_HEADERS = ("度量单位", "计量单位")
# 评价结论 | 存在问题 | 改进措施 under the indicator table (四川): the unit's own words, where template
# instructions can be left. Keyed under "closing." so that no check takes them for the header's entries.
CLOSING = (
    Entry("评价结论", "closing.conclusion", label_span=1, value_span=1),
    Entry("存在问题", "closing.problems", label_span=1, value_span=1),
    Entry("改进措施", "closing.improvements", label_span=1, value_span=1),
)
HEADER_TOTAL_WORDS = frozenset({"自评得分", "自评总分", "总分"})  # a 总分 typed above the tables
DEFAULT_EXECUTION_WEIGHT = 10  # 分值 of 预算执行率 in a new form (settings may weigh it otherwise)


def belongs_under(level1: str, level2: str) -> bool:
    """Whether a 二级指标 may sit under a 一级指标, in the official form or the 10号 templates."""
    return level2 in HIERARCHY.get(level1, ()) or level2 in ALSO_UNDER.get(level1, ())


_STATED_WEIGHT = re.compile(r"^(?P<name>.*?)\((?P<points>\d+(?:\.\d+)?)分\)$")


def split_stated_weight(label: str) -> tuple[str, Decimal | None]:
    """A canonical 一级 label and the weight it states: '产出指标(50分)' → ('产出指标', 50); '(50分)' → ('', 50)."""
    m = _STATED_WEIGHT.match(label)
    return (m.group("name"), Decimal(m.group("points"))) if m else (label, None)


_POINTS_IN_HEADER = re.compile(r"\((?P<points>\d+(?:\.\d+)?)分(?:\)|[*×])")


def stated_points(label: str) -> Decimal | None:
    """Points a caption or header states: '预算执行情况(万元)(20分)' or '得分(20分*执行率)' → 20."""
    m = _POINTS_IN_HEADER.search(label)
    return Decimal(m.group("points")) if m else None


def next_level1(previous: str) -> str | None:
    """The 一级 after ``previous`` in the official order (产出 → 效益 → 满意度), the first when none."""
    order = list(LEVEL1)
    if previous not in order:
        return order[0]
    i = order.index(previous) + 1
    return order[i] if i < len(order) else None


def level1_of(level2: str) -> str | None:
    for level1, names in HIERARCHY.items():
        if level2 in names:
            return level1
    return None


def skeleton() -> list[dict[str, object]]:
    """Blank indicator rows carrying only their 一级/二级 labels."""
    return [
        {"level1": level1_of(level2), "level2": level2}
        for level2, count in SKELETON_ROWS.items()
        for _ in range(count)
    ]


def indicator_columns(*, with_criteria: bool) -> tuple[Column, ...]:
    """Columns of the block; 附件2 has 评扣分标准, 附件3 does not."""
    cols = [
        Column("一级指标", "level1", fmt=Fmt.TEXT, rule=list_rule("一级指标", LEVEL1)),
        Column("二级指标", "level2", fmt=Fmt.TEXT, rule=list_rule("二级指标", LEVEL2)),
        Column("三级指标", "name", fmt=Fmt.TEXT),
        Column("年度指标值", "target", fmt=Fmt.TEXT),
        Column("实际完成值", "actual", fmt=Fmt.TEXT),
    ]
    if with_criteria:
        cols.append(Column("评扣分标准", "criteria", fmt=Fmt.TEXT))
    cols += [
        Column("分值", "weight", fmt=Fmt.SCORE),
        Column("得分", "score", fmt=Fmt.SCORE, rule=SCORE_WITHIN_WEIGHT),
        Column("偏差原因分析及改进措施", "deviation", fmt=Fmt.TEXT),
    ]
    return tuple(cols)


def goals_block(expected_span: int, actual_span: int) -> TextBlock:
    """年度总体目标: 预期目标 | 实际完成情况, one row of text under them."""
    return TextBlock(
        key="goals",
        caption="年度总体目标",
        caption_span=1,
        columns=(
            Column("预期目标", "expected", span=expected_span, fmt=Fmt.TEXT),
            Column("实际完成情况", "actual", span=actual_span, fmt=Fmt.TEXT),
        ),
    )


# 重庆's 得分系数 (%) beside 指标权重: 指标得分 = 得分系数 × 指标权重. Read, never laid out.
SCORE_COEFFICIENT = Column("得分系数", "coefficient", fmt=Fmt.RATE)


def indicator_block(*, with_criteria: bool) -> IndicatorBlock:
    return IndicatorBlock(
        key="indicators",
        caption="绩效指标",
        columns=indicator_columns(with_criteria=with_criteria),
        read_only=(SCORE_COEFFICIENT,),
    )


def total_row(
    execution_table: str, label_span: int, shown: tuple[str, ...] = ("weight", "score")
) -> TotalRow:
    """总分 row: Σ分值 and 总分 both count the 执行率 row of ``execution_table`` with the indicators."""
    return TotalRow(
        key="total",
        label="总分",
        label_span=label_span,
        block="indicators",
        shown=shown,
        also=TOTAL_ROW_WORDS,
        cells=(
            ("weight", Sum((Ref(f"{execution_table}.total.weight"), BlockSum("indicators", "weight")))),
            ("score", Sum((Ref(f"{execution_table}.total.score"), BlockSum("indicators", "score")))),
        ),
    )


def execution_figures(table: str) -> dict[str, Expr]:
    """执行率 = 全年执行数 ÷ 全年预算数 and its 得分, on the 年度资金总额 line of ``table``."""
    return {
        "rate": Ratio(Ref(f"{table}.total.executed"), Ref(f"{table}.total.budget")),
        "score": ExecutionScore(Ref(f"{table}.total.weight"), Ref(f"{table}.total.rate")),
    }
