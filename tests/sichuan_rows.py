"""四川's 项目支出绩效自评表 (报表编号 510000_0013zp) as 青神县发展和改革局 published its 2023 工资性支出 form
(tests/real/forms/sichuan-2023-project-qingshen-fgj.toml), typed in memory for the tests that read it."""

from __future__ import annotations

from decimal import Decimal

from xl_selfeval.grid import CellData

NOTE = (
    "1.预算执行率=预算执行数/调整后预算数，预算执行率未达到90%的需说明原因（100字以内）；2.年中发生预算调整的"
    "（追加或调减），应单独说明理由；3.其他资金包括：社会投入资金、银行贷款."
)
INDICATOR_HEADER = ["绩效指标（90分）", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
INDICATOR_HEADER += ["完成值", "权重", "得分", "未完成原因分析"]
MERGES = ("A1:K1", "A2:K2", "B3:K3", "A6:A9", "A10:A15", "I10:K10", "I11:K15", "A16:A19", "B20:K20")


def rate(x: str) -> CellData:
    return CellData(float(Decimal(x)), number_format="0.00%")


def qingshen(
    initial: object = 238.93, budget: object = 251.89, executed: object = 251.89
) -> list[list[object]]:
    """青神 工资性支出: 总额 row 238.93 | 251.89 | 251.89 | 100.00% | 权重 10 | 得分 blank; 产出 60, 效益 30."""
    r = (
        rate("1")
        if executed == budget
        else rate(str(round(Decimal(str(executed)) / Decimal(str(budget)), 4)))
    )
    return [
        ["报表编号：510000_0013zp"],
        ["部门预算项目支出绩效自评表（2023年度）"],
        ["项目名称", "51000021R000000019951-工资性支出"],
        ["主管部门", "青神县发展和改革局本级"],
        ["实施单位（盖章）", "青神县发展和改革局"],
        ["项目基本情况", "1.项目年度目标完成情况"],
        ["", "项目年度目标", "", "", "", "", "年度目标完成情况"],
        ["", "严格执行相关政策，保障工资及时、足额发放或社保及时、足额缴纳。", "", "", "", "", "完成"],
        ["", "2.项目实施内容及过程概述"],
        [
            "预算执行情况（10分）",
            "年度预算数（万元）",
            "年初预算",
            "调整后预算数",
            "预算执行数",
            "预算执行率",
            "权重",
            "得分",
            "原因",
        ],
        ["", "总额", initial, budget, executed, r, 10, "", NOTE],
        ["", "其中：财政资金", initial, budget, executed, r, "/", "/"],
        ["", "财政专户管理资金", 0, 0, 0, rate("0"), "/", "/"],
        ["", "单位资金", 0, 0, 0, rate("0"), "/", "/"],
        ["", "其他资金", "", "", "", "", "/", "/"],
        INDICATOR_HEADER,
        ["", "产出指标", "数量指标", "发放（缴纳）覆盖率", "=", 100, "%", "", 60, "", ""],
        ["", "效益指标", "社会效益指标", "足额保障率（参保率）", "=", 100, "%", "", 30, "", ""],
        ["", "合计", "", "", "", "", "", "", 100, "", ""],
        ["评价结论", "结合自评情况，说明项目自评总分，说明项目实施取得的成效或成果。（200字以内）"],
        ["项目负责人：", "", "", "", "", "财务负责人："],
    ]
