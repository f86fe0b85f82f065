"""Findings (problems in the user's figures, as values) and the cell edits a recalc makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum, StrEnum

from xl_selfeval.cells import CellRef
from xl_selfeval.labels import NOTE_MARKER as NOTE_MARKER
from xl_selfeval.model import Form


class Severity(Enum):
    """How serious a finding is; its rank (0 most serious) and Chinese label are read for every finding
    the engine sorts and the summary lists, so each member holds them."""

    rank: int
    label: str

    def __new__(cls, value: str, rank: int, label: str) -> Severity:
        member = object.__new__(cls)
        member._value_ = value
        member.rank = rank
        member.label = label
        return member

    ERROR = "error", 0, "错误"  # arithmetic or logic that is wrong
    WARNING = "warning", 1, "警告"  # likely wrong, or a score that differs from the rule
    INFO = "info", 2, "提示"  # worth a look


class Code(StrEnum):
    """Every finding code, with its severity and meaning: the one registry docs/finding-codes.md mirrors."""

    severity: Severity
    meaning: str

    def __new__(cls, value: str, severity: Severity, meaning: str) -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.severity = severity
        member.meaning = meaning
        return member

    def __str__(self) -> str:
        return str(self.value)

    # The forms found
    FORM_CUT_SHORT = "form_cut_short", Severity.INFO, "表中没有找到绩效指标部分，只检查了已有内容"
    YEAR_UNKNOWN = "year_unknown", Severity.INFO, "标题和表头中都没有年度"
    HEADER_YEAR_MISMATCH = "header_year_mismatch", Severity.ERROR, "列标题中的年度与表的标题年度不一致"
    FORM_YEAR_MISMATCH = "form_year_mismatch", Severity.ERROR, "一张表的年度与工作簿中其他表不同"
    ROW_NOT_FOUND = "row_not_found", Severity.INFO, "表样中的一行没有找到，涉及它的合计未能核对"
    # Indicator rows
    NOT_APPLICABLE_SCORED = "not_applicable_scored", Severity.WARNING, "不适用（不涉及）的指标填了分值或得分"
    LEVEL_MISMATCH = "level_mismatch", Severity.WARNING, "二级指标不属于所填的一级指标"
    WEIGHT_BLANK = "weight_blank", Severity.WARNING, "指标有得分却未填分值"
    CRITERIA_WEIGHT_MISMATCH = "criteria_weight_mismatch", Severity.INFO, "评扣分标准写的分数与分值不同"
    SCORE_ABOVE_WEIGHT = "score_above_weight", Severity.ERROR, "得分超过分值"
    SCORE_NEGATIVE = "score_negative", Severity.ERROR, "得分为负数"
    COST_FIGURE_BLANK = (
        "cost_figure_blank",
        Severity.INFO,
        "“成本控制在预算内”的年度指标值为空，按本表预算数填入",
    )
    COST_FIGURE_DIFFERS = (
        "cost_figure_differs",
        Severity.INFO,
        "“成本控制在预算内”所写金额与本表预算数或执行数不一致",
    )
    ACTUAL_NOT_APPLICABLE_BUT_SCORED = (
        "actual_not_applicable_but_scored",
        Severity.WARNING,
        "实际完成值写了“不适用/无”，指标却得了分",
    )
    ACTUAL_BLANK_BUT_SCORED = "actual_blank_but_scored", Severity.WARNING, "实际完成值为空，指标却得了分"
    ACTUAL_COPIES_TARGET = "actual_copies_target", Severity.WARNING, "实际完成值照抄了年度指标值"
    ACTUAL_MISSING_UNIT = "actual_missing_unit", Severity.WARNING, "实际完成值缺少年度指标值所带的单位"
    SCORE_BLANK = "score_blank", Severity.INFO, "得分未填；能按评分规则算出时填入建议得分"
    SCORE_DIFFERS_FROM_RULE = "score_differs_from_rule", Severity.WARNING, "得分与评分规则算出的不同"
    SCORE_OUTSIDE_BAND = "score_outside_band", Severity.WARNING, "定性指标的得分不在完成情况对应的档次内"
    DEVIATION_MISSING = "deviation_missing", Severity.WARNING, "指标未达成或未得满分，却没有填偏差原因分析"
    OVER_ACHIEVEMENT_UNEXPLAINED = (
        "over_achievement_unexplained",
        Severity.WARNING,
        "实际完成值远超年度指标值，没有说明原因",
    )
    INDICATOR_UNFILLED = "indicator_unfilled", Severity.WARNING, "指标的实际完成值和得分都未填"
    # Arithmetic within a form
    FORMULA_REPLACED_BY_CONSTANT = (
        "formula_replaced_by_constant",
        Severity.WARNING,
        "用公式计算的表中，应为公式的单元格被改成了手填数字",
    )
    DERIVED_BLANK = "derived_blank", Severity.INFO, "应由本表数据算出的单元格未填，按本表数据填入"
    NOT_A_NUMBER = "not_a_number", Severity.ERROR, "应为数字的合计或比率单元格写了文字"
    TOTAL_SCORE_WRONG = "total_score_wrong", Severity.ERROR, "总分与各项得分之和不符"
    WEIGHT_TOTAL_WRONG = "weight_total_wrong", Severity.ERROR, "分值合计与各项分值之和不符"
    RATE_WRONG = "rate_wrong", Severity.ERROR, "执行率（或其他比率）与其分子分母不符"
    EXECUTION_SCORE_WRONG = "execution_score_wrong", Severity.ERROR, "预算执行率得分与分值×执行率不符"
    SUM_WRONG = "sum_wrong", Severity.ERROR, "合计与其各项之和不符"
    SPLIT_MISMATCH = "split_mismatch", Severity.ERROR, "附件2按收入性质或支出性质分的各项之和与全年数不符"
    BREAKDOWN_EXCEEDS_TOTAL = "breakdown_exceeds_total", Severity.ERROR, "附件1公用经费小于其中各项之和"
    CONTROL_RATE_OVER_100 = (
        "control_rate_over_100",
        Severity.WARNING,
        "实际在职人数超过编制数（控制率超过100%）",
    )
    RATE_BLANK_BUT_SCORED = "rate_blank_but_scored", Severity.WARNING, "执行率未填，执行率得分却已填"
    EXECUTION_SCORE_BLANK = "execution_score_blank", Severity.WARNING, "分值和执行率已填，执行率得分却未填"
    # Weights and blank rows
    WEIGHTS_NOT_FILLED = "weights_not_filled", Severity.INFO, "绩效指标的分值尚未填写"
    WEIGHTS_NOT_100 = "weights_not_100", Severity.ERROR, "分值合计（含预算执行率）不是100"
    WEIGHTS_DIFFER_FROM_CONVENTION = (
        "weights_differ_from_convention",
        Severity.WARNING,
        "各类指标的权重与常用设置（规则.toml）不同",
    )
    LEVEL1_WEIGHT_MISMATCH = (
        "level1_weight_mismatch",
        Severity.WARNING,
        "一级指标标明的分值与其下各三级指标分值合计不符",
    )
    BLANK_TEMPLATE_ROWS = "blank_template_rows", Severity.INFO, "绩效指标中留有空白模板行"
    LEVEL1_WITHOUT_INDICATORS = (
        "level1_without_indicators",
        Severity.WARNING,
        "表中列出的一级指标下没有任何三级指标",
    )
    # What reviewers catch at a glance (checks/review.py)
    EXECUTED_ABOVE_BUDGET = (
        "executed_above_budget",
        Severity.WARNING,
        "全年执行数大于全年预算数（执行率超过100%）",
    )
    COST_ABOVE_BUDGET = (
        "cost_above_budget",
        Severity.WARNING,
        "附件1三公经费、公用经费或其中一项的决算数超过预算数",
    )
    TOTAL_ABOVE_EXECUTION_CAP = (
        "total_above_execution_cap",
        Severity.WARNING,
        "总分超过评分规则方案按预算执行率规定的上限",
    )
    TEMPLATE_RESIDUE = "template_residue", Severity.INFO, "指标中留有模板占位内容（指标1、XXX、*、……）"
    TEMPLATE_RESIDUE_SCORED = (
        "template_residue_scored",
        Severity.WARNING,
        "模板占位内容所在的指标行却有分值或得分",
    )
    ACTUAL_NOT_A_MEASUREMENT = (
        "actual_not_a_measurement",
        Severity.WARNING,
        "年度指标值是数，实际完成值却只写了“完成”等字样",
    )
    RATE_ABOVE_100 = "rate_above_100", Severity.WARNING, "满意度、覆盖率、合格率等比率的实际完成值超过100%"
    NEGATIVE_ACTUAL = "negative_actual", Severity.WARNING, "实际完成值为负数"
    DEVIATION_SAYS_NOTHING = (
        "deviation_says_nothing",
        Severity.WARNING,
        "未得满分，偏差原因却只写了“无”“/”“已完成”等",
    )
    DEVIATION_REPEATED = "deviation_repeated", Severity.INFO, "同一段偏差原因出现在多个未得满分的指标上"
    ALL_FULL_MARKS_BUT_SHORT = (
        "all_full_marks_but_short",
        Severity.INFO,
        "所有指标均为满分，但有实际完成值未达到年度指标值",
    )
    DATE_AFTER_YEAR_END = "date_after_year_end", Severity.WARNING, "指标中的完成时间在评价年度之后"
    COST_TARGET_NOT_CEILING = (
        "cost_target_not_ceiling",
        Severity.WARNING,
        "成本指标的年度指标值写成了下限（≥、不低于）",
    )
    UNIT_MISMATCH = "unit_mismatch", Severity.WARNING, "年度指标值与实际完成值的单位无法比较"
    AMOUNT_UNIT_SUSPECT = (
        "amount_unit_suspect",
        Severity.WARNING,
        "实际完成金额与年度指标值相差约一万倍，万元与元可能写混",
    )
    INSTRUCTION_TEXT_LEFT = (
        "instruction_text_left",
        Severity.WARNING,
        "应填写内容的单元格里留着模板的填写说明",
    )
    TITLE_AMOUNT_MISMATCH = (
        "title_amount_mismatch",
        Severity.WARNING,
        "标题或表头文字中写的金额与表中资金总额不一致",
    )
    EXECUTION_REASON_MISSING = (
        "execution_reason_missing",
        Severity.WARNING,
        "执行率低于方案规定的界限或年中调整了预算，却没有说明原因（如四川）",
    )
    SCORE_COEFFICIENT_WRONG = (
        "score_coefficient_wrong",
        Severity.WARNING,
        "得分系数乘以分值（指标权重）与按评分规则应得的分不符",
    )
    # The written report against its tables (checks/report.py)
    REPORT_FIGURE_MISMATCH = (
        "report_figure_mismatch",
        Severity.ERROR,
        "报告正文引用的数字、合计或年份与自评表不一致",
    )
    REPORT_UNCHECKED = "report_unchecked", Severity.WARNING, "批量审核中，报告未能与本单位的表格核对"
    FIGURE_TYPED_AS_TEXT = (
        "figure_typed_as_text",
        Severity.ERROR,
        "金额、人数或分值格里填的是文字，公式不把它当数字",
    )
    # Across forms
    PROJECT_SPENDING_MISMATCH = (
        "project_spending_mismatch",
        Severity.ERROR,
        "附件2项目支出与附件1项目支出决算数不一致",
    )
    PROJECT_SPENDING_VS_PROJECTS = (
        "project_spending_vs_projects",
        Severity.WARNING,
        "附件1项目支出决算数与各附件3全年执行数合计不一致",
    )
    PROJECT_BUDGET_MISMATCH = (
        "project_budget_mismatch",
        Severity.WARNING,
        "附件1项目支出预算数与各附件3全年预算数合计不一致",
    )
    FILLED_FROM_OTHER_FORM = (
        "filled_from_other_form",
        Severity.INFO,
        "附件2空白的项目支出或基本支出，按其他表填入",
    )


@dataclass(frozen=True)
class CellEdit:
    """A value recalc writes: the right figure for a wrong constant, or a blank filled in."""

    cell: CellRef
    value: object  # Decimal / str; never a formula from user text
    number_format: str | None = None
    old_value: object = None
    reason: str = ""  # Chinese, goes into the cell note
    kind: str = "correct"  # correct | fill | score


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: Code | str  # a Code (stable snake_case); a plain str only in tests of the doors
    cell: CellRef
    message: str  # Chinese, names the cell, expected and actual
    expected: str = ""
    actual: str = ""
    related: tuple[CellRef, ...] = ()
    form: str = ""  # 附件1 / 附件2 / 附件3（项目名）
    fix: CellEdit | None = None  # what recalc writes for it, if anything

    def to_json(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "code": str(self.code),
            "sheet": self.cell.sheet,
            "cell": self.cell.address,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "related": [{"sheet": r.sheet, "cell": r.address} for r in self.related],
        }


@dataclass(frozen=True)
class ScoreSummary:
    """One 附件2/附件3's total as typed and as recomputed, and the grade the recomputed total earns."""

    sheet: str
    form: str  # 附件2 / 附件3（项目名）
    typed_total: Decimal | None
    total: Decimal | None
    grade: str = ""  # "" when no total could be worked out

    def to_json(self) -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "typed_total": _json_number(self.typed_total),
            "total": _json_number(self.total),
            "grade": self.grade,
        }


def _json_number(x: Decimal | None) -> float | None:
    return float(x) if x is not None else None


@dataclass
class Outcome:
    """Everything one run of the engine produces for one workbook."""

    forms: list[Form] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    edits: list[CellEdit] = field(default_factory=list)
    scores: list[ScoreSummary] = field(default_factory=list)
    profile: str = ""  # the rule profile the findings were made by (全国, 一体化平台 …)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)
