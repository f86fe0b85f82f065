"""Suggested scores (docs/domain-rules.md §2–3): 执行率 得分, one indicator's score from A and B, the grade."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from functools import cached_property

from xl_selfeval.labels import is_not_applicable
from xl_selfeval.memo import memo_text
from xl_selfeval.settings import Settings
from xl_selfeval.units import align, count_base, show
from xl_selfeval.values import (
    Comparator,
    Dimension,
    Kind,
    Quantity,
    Value,
    format_percent,
    format_plain,
    format_rate,
    format_score,
    round_half_up,
)

__all__ = [
    "Analysis",
    "IndicatorKind",
    "Suggestion",
    "analyse",
    "classify",
    "execution_rate",
    "execution_score",
    "grade",
    "suggest",
    "suggest_analysed",
]

_ZERO = Decimal(0)
_ONE = Decimal(1)


# --- 执行率 and grade ----------------------------------------------------------------------------------


def execution_rate(executed: Decimal | None, budget: Decimal | None) -> Decimal | None:
    """全年执行数 / 全年预算数, unrounded; None when either is missing or the budget is 0 (no #DIV/0!)."""
    if executed is None or budget is None or budget == 0:
        return None
    return executed / budget


def execution_score(weight: Decimal, rate: Decimal | None) -> Decimal | None:
    """分值 × min(执行率, 100%), rounded half up to 2 decimals; None when there is no rate."""
    if rate is None:
        return None
    # Overspending earns no bonus, and a negative 执行数 (a refund) no negative score.
    share = min(max(rate, _ZERO), _ONE)
    return round_half_up(weight * share, 2)


def suggest_execution(weight: Decimal, rate: Decimal | None, source: str) -> Suggestion | None:
    """A 预算执行率 row inside the indicator table (the 10号 共性指标 layout): scored as the execution,
    分值 × min(执行率, 100%); ``source`` says where the rate comes from. None without a rate."""
    score = execution_score(max(weight, _ZERO), rate)
    if score is None or rate is None:
        return None
    return Suggestion(
        kind=IndicatorKind.POSITIVE,
        score=score,
        low=None,
        high=None,
        words=f"预算执行率按执行率计分：{format_plain(weight)}×min({format_rate(rate)}，100%)，执行率为{source}",
        achieved=rate >= _ONE,
        over_achieved=False,
        unit_missing=False,
        actual_repeats_target=False,
        actual_blank=False,
    )


def grade(total: Decimal, settings: Settings) -> str:
    """优/良/中/差 (or the configured scale) for a 总分."""
    scale = sorted(settings.grades, key=lambda item: item[0], reverse=True)
    for threshold, name in scale:
        if total >= threshold:
            return name
    return scale[-1][1]  # below every threshold (a negative total): the lowest grade


# --- indicator kinds -----------------------------------------------------------------------------------


class IndicatorKind(Enum):
    POSITIVE = "positive"  # more is better: B ≥ A → W, else W×B/A
    NEGATIVE = "negative"  # less is better: B ≤ A → W, else settings.negative_formula
    RANGE = "range"  # inside [L, H] → W
    QUALITATIVE = "qualitative"  # wording: the evaluator picks within a band
    TIMELINESS = "timeliness"  # 按时/即时/…个工作日内: a band too
    NOT_APPLICABLE = "not_applicable"  # 不适用: no 分值, no score
    UNKNOWN = "unknown"  # cannot be compared (blank target, units that do not match …)


@dataclass(frozen=True)
class Suggestion:
    kind: IndicatorKind
    score: Decimal | None  # the rule's score for quantitative kinds (rounded half up, 0 ≤ score ≤ W)
    low: Decimal | None  # for QUALITATIVE/TIMELINESS: the band the wording of B implies (W×band)
    high: Decimal | None
    # The explanation, or how to word it: most rows' explanations are never quoted, so the figures in
    # them are formatted only when a finding or a report asks (see explanation).
    words: str | Callable[[], str] = field(repr=False, compare=False)
    achieved: bool | None  # B meets A; None when that cannot be told
    over_achieved: bool  # B ≥ over_achievement × A (positive kind)
    unit_missing: bool  # B typed without the unit A has: read in A's unit (a rate: or as a fraction)
    actual_repeats_target: bool  # B only repeats A ('≥80%' copied)
    actual_blank: bool

    @cached_property
    def explanation(self) -> str:
        """Why the rule scores it so, in Chinese, with the figures."""
        return self.words if isinstance(self.words, str) else self.words()


QUANTITATIVE = (IndicatorKind.POSITIVE, IndicatorKind.NEGATIVE, IndicatorKind.RANGE)  # scored by a formula


# --- wording -------------------------------------------------------------------------------------------


@memo_text(8192)  # a batch repeats its targets' and names' wording row after row, file after file
def _norm(text: str) -> str:
    """Width-folded text without spaces or closing punctuation, for comparing and matching words."""
    folded = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", folded).rstrip("。.;；,，!！")


# Names of bare-figure indicators where less is better. Outcome words (处理, 整改 …) win over them:
# 投诉处理率 and 逾期贷款收回率 are positive although they mention 投诉 and 逾期.
_NEGATIVE_NAME_WORDS = (
    *("逾期", "事故", "差错", "出错", "错误", "投诉", "不良", "违约", "损失", "空置", "失误", "误差"),
    *("返工", "流失", "发病", "死亡", "超支", "偏差", "故障", "误报", "漏报", "坏账", "能耗", "排放"),
    *("调整率", "结余率"),  # 部门整体 共性指标: 预算调整率, 结转结余率 (the less the better)
    *(
        "成本",
        "费用",
        "控制",
    ),  # a bare amount in a 成本指标 is the budget ceiling: 成本控制在预算内 5487.8万元
)
_STRONG_NEGATIVE_NAME_WORDS = ("不满意", "不合格", "不达标")
# 控制 names a ceiling (成本控制在预算内, 控制在N以内) except in a 控制数/控制率 that counts the people or cases
# kept under control (高血压随访控制数 3220人 of 3807人: more is better); of money (预算控制数) it stays one.
_CONTROL_ACHIEVED_RE = re.compile(r"控制(?:人数|例数|户数|数|率)")
_OUTCOME_NAME_WORDS = (
    *("处理", "办结", "整改", "解决", "回复", "处置", "查处", "化解", "满意", "完成", "覆盖", "达标"),
    *("收回", "清收", "节约", "节省", "降低", "下降", "减少", "压缩"),
)

_TIMELY_RE = re.compile(
    r"即时|及时|按时|准时|限时|时限|时效|当日|当天|当场|立即|随到随办|如期|"
    r"(?:[0-9]+|[一二三四五六七八九十百]+)个?(?:工作日|自然日|日|天|小时|分钟|周|月)(?:以|之)?内|"
    r"(?:年底|年末|月底|月末|季末|季度末)前?|之前|前完成"
)
_TIME_UNITS = frozenset({"工作日", "天", "小时", "分钟", "周", "月"})

# '未发生安全事故', '无投诉', '未超预算' report a good outcome with a negative word: read them as 达成
# before looking for 未/没有/逾期.
_GOOD_NEGATION_RE = re.compile(
    r"(?:未|没有|无|零|杜绝)(?:发生|出现|收到|超|突破)|"
    r"(?:无|零|杜绝)(?:任何)?(?:重大|重特大|较大|安全|质量|责任)*"
    r"(?:事故|差错|投诉|逾期|违规|违纪|违法|纠纷|上访|信访|案件|损失)"
)
_FAILED_WORDS = (
    *("未", "没有", "没能", "不能", "无法", "较差", "很差", "效果差", "滞后", "延迟", "延期", "超期"),
    *("逾期", "推迟", "不及时", "不到位", "不达标", "不满意", "不合格", "不符合", "不理想", "失败", "落后"),
)
_PARTIAL_WORDS = ("基本", "部分", "大部", "初步", "一定", "有所")
_ACHIEVED_WORDS = (
    *("完成", "达成", "实现", "有效", "按时", "及时", "即时", "准时", "如期", "达到", "满足", "符合"),
    *("达标", "到位", "良好", "优秀", "合格", "通过", "落实", "提升", "提高", "降低", "改善", "增值"),
    *("保障", "显著", "明显", "顺利", "全部", "满意", "控制在", "已"),
)


@memo_text(4096)
def _band_of_wording(text: str) -> str | None:
    """'achieved', 'partial' or 'failed' from the wording of B; None when the words say neither."""
    s = _GOOD_NEGATION_RE.sub("达成", _norm(text))
    for band, words in (
        ("failed", _FAILED_WORDS),
        ("partial", _PARTIAL_WORDS),
        ("achieved", _ACHIEVED_WORDS),
    ):
        if any(word in s for word in words):
            return band
    return None


def _negative_name(name: str, money: bool = False) -> bool:
    return _negative_names(name)[money]


@memo_text(4096)  # a batch repeats its indicator names
def _negative_names(name: str) -> tuple[bool, bool]:
    """Whether a bare figure under this name is a ceiling: (a count or rate, an amount of money)."""
    s = _norm(name)
    return _negative_words(_CONTROL_ACHIEVED_RE.sub("|", s)), _negative_words(s)


def _negative_words(s: str) -> bool:
    if any(word in s for word in _STRONG_NEGATIVE_NAME_WORDS):
        return True
    if any(word in s for word in _OUTCOME_NAME_WORDS):
        return False
    return any(word in s for word in _NEGATIVE_NAME_WORDS)


# --- classification ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    """How the scoring rules read A and B (the name decides a bare figure's direction); weight-free, so one
    reading serves every question asked of a row (its score, its kind, whether its units compare)."""

    kind: IndicatorKind
    bounds: tuple[Quantity, ...] = ()  # quantitative kinds: (A,) or (L, H), in B's unit
    actual: Quantity | None = None
    unit_missing: bool = False
    repeats: bool = False
    blank: bool = False
    note: str = ""  # why UNKNOWN, or how a figure was read


def _quantitative_kind(target: Value, name: str) -> IndicatorKind:
    comparator = target.comparator
    if comparator is Comparator.RANGE:
        return IndicatorKind.RANGE
    if comparator in (Comparator.LE, Comparator.LT):
        return IndicatorKind.NEGATIVE
    if comparator in (Comparator.GE, Comparator.GT):
        return IndicatorKind.POSITIVE
    # A bare figure (or '='): a target of 0 (0起 事故) can only be a ceiling; otherwise the name decides.
    if target.quantity is not None and target.quantity.number == 0:
        return IndicatorKind.NEGATIVE
    money = target.quantity is not None and target.quantity.dimension is Dimension.AMOUNT
    return IndicatorKind.NEGATIVE if _negative_name(name, money) else IndicatorKind.POSITIVE


def _target_bounds(target: Value) -> tuple[Quantity, ...]:
    if target.low is not None and target.high is not None:
        return (target.low, target.high)
    return () if target.quantity is None else (target.quantity,)


@memo_text(4096)
def _says_timely(text: str) -> bool:
    return _TIMELY_RE.search(_norm(text)) is not None


def _is_time_target(target: Value, name: str) -> bool:
    if target.deadline_days is not None or _says_timely(target.raw) or _says_timely(name):
        return True
    return any(
        q.dimension is Dimension.COUNT and count_base(q.unit)[0] in _TIME_UNITS
        for q in _target_bounds(target)
    )


def _wording_kind(target: Value, name: str) -> IndicatorKind:
    return IndicatorKind.TIMELINESS if _is_time_target(target, name) else IndicatorKind.QUALITATIVE


def _same_figure(target: Value, actual: Value) -> bool:
    """B only repeats A: the same text, or the same comparator with the same figure ('≥80%' copied)."""
    if _norm(target.raw) == _norm(actual.raw):
        return True
    return (
        actual.comparator is not None
        and actual.comparator is target.comparator
        and (actual.quantity, actual.low, actual.high) == (target.quantity, target.low, target.high)
    )


def analyse(target: Value, actual: Value, name: str = "") -> Analysis:
    """The rules' reading of A (年度指标值) and B (实际完成值); `name` is the 三级指标. suggest() scores it."""
    blank = actual.kind is Kind.BLANK
    if target.kind is Kind.NOT_APPLICABLE or is_not_applicable(name):
        return Analysis(IndicatorKind.NOT_APPLICABLE, blank=blank, note="指标不适用，不计分")
    if target.kind is Kind.BLANK:
        return Analysis(IndicatorKind.UNKNOWN, blank=blank, note="年度指标值为空，无法比较")

    if target.kind is Kind.TEXT:
        days = target.deadline_days
        if (
            days is not None
            and actual.quantity is not None
            and actual.quantity.dimension in (Dimension.COUNT, Dimension.PLAIN)
        ):
            # '自受理申请之日起20个工作日内' against '15个工作日': a deadline is a ceiling.
            deadline = Quantity(Decimal(days), Dimension.COUNT, "个工作日")
            return _compare(IndicatorKind.NEGATIVE, (deadline,), target, actual)
        if actual.kind is Kind.NOT_APPLICABLE:
            return Analysis(IndicatorKind.UNKNOWN, note="年度指标值有内容，实际完成值却写了“不适用/无”")
        return Analysis(_wording_kind(target, name), blank=blank, repeats=_same_figure(target, actual))

    # The target is a figure or a range.
    kind = _quantitative_kind(target, name)
    bounds = _target_bounds(target)
    if blank:
        return Analysis(kind, bounds=bounds, blank=True)
    if actual.kind is Kind.TEXT:
        return Analysis(_wording_kind(target, name), repeats=_same_figure(target, actual))
    if actual.kind is Kind.NOT_APPLICABLE:
        if kind is IndicatorKind.NEGATIVE and _norm(actual.raw) in ("无", "零"):
            # '安全事故 0起 / 无': nothing happened, i.e. 0 in the target's unit.
            zero = Quantity(_ZERO, bounds[0].dimension, bounds[0].unit)
            nothing = Value(actual.raw, Kind.NUMBER, zero)
            return _compare(kind, bounds, target, nothing, note=f"实际完成值“{actual.raw}”按{show(zero)}计；")
        return Analysis(IndicatorKind.UNKNOWN, note="年度指标值是数，实际完成值却写了“不适用/无”")
    return _compare(kind, bounds, target, actual)


def _compare(
    kind: IndicatorKind, bounds: tuple[Quantity, ...], target: Value, actual: Value, note: str = ""
) -> Analysis:
    if _same_figure(target, actual) and actual.comparator is not None:
        return Analysis(kind, bounds=bounds, repeats=True)
    if actual.quantity is None:  # B is itself a range: no single figure to score
        return Analysis(IndicatorKind.UNKNOWN, note="实际完成值是一个区间，应填写实际完成的数")
    aligned = align(bounds, actual.quantity)
    if isinstance(aligned, str):
        return Analysis(IndicatorKind.UNKNOWN, note=aligned)
    note += aligned.note
    if actual.comparator is not None:
        note += f"实际完成值带有“{actual.comparator.value}”，按{show(aligned.actual)}计；"
    return Analysis(kind, aligned.bounds, aligned.actual, aligned.unit_missing, note=note)


def classify(target: Value, actual: Value, name: str = "") -> IndicatorKind:
    """Which rule of docs/domain-rules.md §2 applies to A (年度指标值) and B (实际完成值); `name` is the 三级指标."""
    return analyse(target, actual, name).kind


# --- scoring -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """What a quantitative rule says: raw score (None: no rule applies), whether B meets A, the words."""

    raw: Decimal | None
    achieved: bool
    text: Callable[[], str]  # the words; may hold '{score}', filled in once the score is clamped and rounded


def _positive(a: Quantity, b: Quantity, w: str, weight: Decimal) -> _Rule:
    if b.number >= a.number:
        return _Rule(weight, True, lambda: f"实际值{show(b)}达到年度指标值{show(a)}，得满分{w}")
    if a.number > 0:
        raw = weight * b.number / a.number
        return _Rule(
            raw,
            False,
            lambda: f"实际值{show(b)}未达到年度指标值{show(a)}，按{w}×{show(b)}÷{show(a)}={{score}}计分",
        )
    if a.number == 0:
        return _Rule(_ZERO, False, lambda: f"实际值{show(b)}低于年度指标值0，得0分")
    return _Rule(None, False, lambda: f"年度指标值{show(a)}为负数，比例公式不适用，请评价人判断")


def _negative(a: Quantity, b: Quantity, w: str, weight: Decimal, settings: Settings) -> _Rule:
    if b.number <= a.number:
        return _Rule(weight, True, lambda: f"实际值{show(b)}未超过年度指标值{show(a)}，得满分{w}")
    if a.number < 0:
        return _Rule(None, False, lambda: f"年度指标值{show(a)}为负数，比例公式不适用，请评价人判断")

    def above() -> str:
        return f"实际值{show(b)}超过年度指标值{show(a)}，"

    if settings.negative_formula == "deviation":
        if b.number >= 2 * a.number:
            return _Rule(_ZERO, False, lambda: above() + "达到指标值的2倍及以上，得0分")
        raw = weight * (1 - (b.number - a.number) / a.number)
        return _Rule(raw, False, lambda: above() + f"按{w}×(1−({show(b)}−{show(a)})÷{show(a)})={{score}}计分")
    # b > a ≥ 0, so b > 0.
    raw = weight * a.number / b.number
    return _Rule(raw, False, lambda: above() + f"按{w}×{show(a)}÷{show(b)}={{score}}计分")


def _range(low: Quantity, high: Quantity, b: Quantity, w: str, weight: Decimal) -> _Rule:
    if low.number <= b.number <= high.number:
        return _Rule(weight, True, lambda: f"实际值{show(b)}在{show(low)}–{show(high)}区间内，得满分{w}")
    if b.number > high.number:
        if high.number <= 0:
            return _Rule(None, False, lambda: f"区间上限{show(high)}不是正数，比例公式不适用，请评价人判断")
        raw = weight * high.number / b.number
        return _Rule(
            raw,
            False,
            lambda: f"实际值{show(b)}高于区间上限{show(high)}，按{w}×{show(high)}÷{show(b)}={{score}}计分",
        )
    if low.number <= 0:
        return _Rule(None, False, lambda: f"区间下限{show(low)}不是正数，比例公式不适用，请评价人判断")
    raw = weight * b.number / low.number
    return _Rule(
        raw,
        False,
        lambda: f"实际值{show(b)}低于区间下限{show(low)}，按{w}×{show(b)}÷{show(low)}={{score}}计分",
    )


def _result(
    analysis: Analysis,
    explanation: str | Callable[[], str],
    *,
    score: Decimal | None = None,
    low: Decimal | None = None,
    high: Decimal | None = None,
    achieved: bool | None = None,
    over_achieved: bool = False,
) -> Suggestion:
    return Suggestion(
        kind=analysis.kind,
        score=score,
        low=low,
        high=high,
        words=explanation,
        achieved=achieved,
        over_achieved=over_achieved,
        unit_missing=analysis.unit_missing,
        actual_repeats_target=analysis.repeats,
        actual_blank=analysis.blank,
    )


_BAND_LABELS = {"achieved": "达成年度指标", "partial": "部分达成", "failed": "未达成"}


def suggest(target: Value, actual: Value, weight: Decimal, settings: Settings, name: str = "") -> Suggestion:
    """The rule's score for one indicator row (A = 年度指标值, B = 实际完成值, W = 分值), with the reason.

    The evaluator's own score stands; the caller compares it with `score` (quantitative) or with
    `low`–`high` (wording) and flags a difference. Never raises for values from parse_value.
    """
    return suggest_analysed(analyse(target, actual, name), actual, weight, settings)


def suggest_analysed(analysis: Analysis, actual: Value, weight: Decimal, settings: Settings) -> Suggestion:
    """suggest() for a row analyse() has read already (B as typed: its wording is what a band is judged by)."""
    kind = analysis.kind
    cap = max(weight, _ZERO)  # a negative 分值 is a typing slip; never suggest below 0

    if kind is IndicatorKind.NOT_APPLICABLE or kind is IndicatorKind.UNKNOWN:
        return _result(analysis, analysis.note)
    if analysis.blank:
        return _result(analysis, "实际完成值为空，无法计分；实际完成值空着就不应给分")

    if kind in (IndicatorKind.QUALITATIVE, IndicatorKind.TIMELINESS):
        return _wording_suggestion(actual, cap, settings, analysis)

    if analysis.repeats or analysis.actual is None:
        return _result(
            analysis, f"实际完成值“{actual.raw}”只重复了年度指标值，应填写实际完成的数，无法据此计分"
        )

    b = analysis.actual
    w = format_plain(weight)
    if kind is IndicatorKind.RANGE:
        rule = _range(analysis.bounds[0], analysis.bounds[-1], b, w, cap)
    elif kind is IndicatorKind.NEGATIVE:
        rule = _negative(analysis.bounds[0], b, w, cap, settings)
    else:
        rule = _positive(analysis.bounds[0], b, w, cap)

    score = None
    clamped = _ZERO
    if rule.raw is not None:
        clamped = min(max(rule.raw, _ZERO), cap)
        # min again: a 分值 typed with more than 2 decimals (0.0196) must not round above itself.
        score = min(round_half_up(clamped, 2), cap)

    a = analysis.bounds[0]
    over = (
        kind is IndicatorKind.POSITIVE and a.number > 0 and b.number >= settings.over_achievement * a.number
    )
    penalty = None
    if over and settings.deviation_penalty > 0 and score is not None:
        # Profiles such as 一体化平台 take points off a target set too low (偏离).
        penalty = min(settings.deviation_penalty, score)
        score -= penalty
    suggested = score

    def words() -> str:
        text = rule.text()
        if rule.raw is not None:
            text = text.replace("{score}", format_score(rule.raw if rule.raw >= 0 else clamped))
            if rule.raw < 0:
                text += "，结果为负数，得0分"
        if over:
            share = format_rate(b.number / a.number)
            text += f"；实际值为年度指标值的{share}，超过{format_percent(settings.over_achievement)}，应说明偏差原因"
        if penalty is not None and suggested is not None:
            text += (
                f"；按“{settings.profile}”规则方案属偏离，扣{format_plain(penalty)}分，"
                f"建议得分{format_score(suggested)}"
            )
        return analysis.note + text

    return _result(analysis, words, score=score, achieved=rule.achieved, over_achieved=over)


def _wording_suggestion(
    actual: Value,
    cap: Decimal,
    settings: Settings,
    analysis: Analysis,
) -> Suggestion:
    if actual.kind is not Kind.TEXT:
        return _result(analysis, f"年度指标值是文字，实际完成值“{actual.raw}”看不出达成程度，请评价人判断")
    band_name = _band_of_wording(actual.raw)
    repeated = "（实际完成值与年度指标值相同）" if analysis.repeats else ""
    if band_name is None:
        return _result(analysis, f"实际完成值“{actual.raw}”的措辞看不出达成程度，请评价人判断{repeated}")
    band = {
        "achieved": settings.achieved_band,
        "partial": settings.partial_band,
        "failed": settings.failed_band,
    }[band_name]
    low, high = (min(round_half_up(cap * fraction, 2), cap) for fraction in band)

    def words() -> str:
        return (
            f"实际完成值“{actual.raw}”表明{_BAND_LABELS[band_name]}，得分宜在{format_score(low)}–"
            f"{format_score(high)}之间（分值的{format_percent(band[0])}–{format_percent(band[1])}）{repeated}"
        )

    return _result(analysis, words, low=low, high=high, achieved=band_name == "achieved")
