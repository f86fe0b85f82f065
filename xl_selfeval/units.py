"""Units of a figure (money, rates, counts, magnitudes) and bringing a target and an actual to one unit
(docs/domain-rules.md §4.2–4.4)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import lru_cache

__all__ = [
    "AMOUNT_UNITS",
    "LEADING_UNITS",
    "RATE_UNITS",
    "Aligned",
    "Dimension",
    "Quantity",
    "align",
    "bare_rate",
    "count_base",
    "format_plain",
    "percent_shown",
    "quantity_of",
    "reads_as_fraction",
    "shift",
    "show",
    "without_more",
]

_ZERO = Decimal(0)
_ONE = Decimal(1)


class Dimension(Enum):
    AMOUNT = "amount"  # money, normalised to 万元
    RATE = "rate"  # a fraction: 95% -> 0.95
    COUNT = "count"  # any other unit: 人次, 公里, 个工作日, 分 ...
    PLAIN = "plain"  # a bare number without unit


@dataclass(frozen=True)
class Quantity:
    number: Decimal  # amounts in 万元, rates as fractions, anything else as typed
    dimension: Dimension
    unit: str  # unit text as typed (half-width); '' for PLAIN


# --- numbers in a unit ----------------------------------------------------------------------------------


def shift(x: Decimal, places: int) -> Decimal:
    """x * 10**places, exactly (scaleb would round to the context precision)."""
    sign, digits, exponent = x.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"cannot scale a non-finite number: {x!r}")
    exponent += places
    if exponent > 0:
        # Spell out trailing zeros so that 28亿元 prints as 280000, not 2.8E+5.
        digits += (0,) * exponent
        exponent = 0
    return Decimal((sign, digits, exponent))


def format_plain(number: Decimal) -> str:
    """A figure as typed, without trailing zeros or exponent: 85.50 -> '85.5', 1E+2 -> '100'."""
    text = f"{number.normalize():f}"
    return "0" if text == "-0" else text


# --- the unit tables ------------------------------------------------------------------------------------

# Power of ten that brings the typed number to the canonical one (万元, fraction).
AMOUNT_UNITS: dict[str, int] = {
    "元": -4,
    "千元": -1,
    "万元": 0,
    "百万元": 2,
    "千万元": 3,
    "亿元": 4,
    "万": 0,
    "亿": 4,
}
RATE_UNITS: dict[str, int] = {"%": -2, "百分比": -2, "百分点": -2, "个百分点": -2, "‰": -3, "‱": -4}
# Units written before the number. '¥' marks money without saying 元 or 万元, so it stays PLAIN.
LEADING_UNITS: dict[str, tuple[Dimension, int]] = {"百分之": (Dimension.RATE, -2), "¥": (Dimension.PLAIN, 0)}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# COUNT units are an open set, so a unit is accepted when it is a known measure, or a classifier
# followed by a short noun (个项目, 家企业), optionally scaled (万人, 千万人次) or per something (次/年).
# Anything else after a number ('1有效', '3个工作日内做出…') makes the value prose, i.e. TEXT.
_MEASURES = _words(
    """人 人次 次 户 户次 家 家次 笔 件 项 份 本 册 台 辆 套 间 所 座 条 张 篇 场 场次 期 批 批次 块 名 位
    例 宗 起 处 栋 幢 棵 株 头 只 架 艘 部 门 种 类 组 队 支 对 片 级 届 轮 单 床 床位 个 倍 分 星
    平方米 平米 平方公里 平方千米 公顷 亩 立方米 方 吨 千克 公斤 克 斤 升 毫升 米 千米 公里 厘米 毫米
    吨标煤 吨标准煤 千克标煤 千克标准煤 公斤标煤 公斤标准煤
    千瓦 千瓦时 度 兆瓦 兆瓦时 小时 分钟 秒 天 日 工作日 个工作日 周 个月 月 季度 年 学时 课时 节 班 ㎡"""
)
_CLASSIFIERS = frozenset("个家户项件名所座台辆套场期批条篇本份类种支处栋间张次位笔门")
# Magnitudes in front of a count unit (万人次, 千万人), longest first: 千万人 is 千万 × 人, not 千 × 万人.
_MAGNITUDES: dict[str, Decimal] = {
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "十万": Decimal(10) ** 5,
    "亿": Decimal(10) ** 8,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
    "百": Decimal(10) ** 2,
    "十": Decimal(10),
}
_LATIN_UNITS = frozenset(
    {"m", "m2", "m²", "m3", "m³", "km", "km2", "km²", "kg", "g", "t", "kw", "kwh", "mw", "mwh", "h", "min"}
)
_PROSE_MARKS = _words(
    """的 以 之 内 外 前 后 左右 约 共 及 和 与 或 不 未 已
    完成 实现 达到 超过 做出 办结 办理 降低 提高 增长 减少"""
)
# Other spellings of one count unit, so that 公里 and 千米, 个月 and 月 compare.
_COUNT_SYNONYMS = {
    "吨标准煤": "吨标煤",
    "克标准煤": "克标煤",
    "公斤标煤": "千克标煤",
    "公斤标准煤": "千克标煤",
    "日": "天",
    "自然日": "天",
    "个月": "月",
    "平米": "平方米",
    "㎡": "平方米",
    "m2": "平方米",
    "m²": "平方米",
    "平方公里": "平方千米",
    "km2": "平方千米",
    "km²": "平方千米",
    "公里": "千米",
    "km": "千米",
    "m": "米",
    "公斤": "千克",
    "kg": "千克",
    "g": "克",
    "t": "吨",
    "m3": "立方米",
    "m³": "立方米",
    "方": "立方米",
    "h": "小时",
    "min": "分钟",
}

# '1000余人', '2万多人', '100多万元', '3个多月': 余/多 after the number, after the magnitude of the unit
# or after 个 means "more than". It is only looked for when the unit as typed is not one.
_MORE_WORDS = ("余", "多")


# --- recognising a unit ---------------------------------------------------------------------------------


def _is_han(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def _is_simple_count_unit(unit: str) -> bool:
    for magnitude in ("", *_MAGNITUDES):
        if not unit.startswith(magnitude):
            continue
        rest = unit[len(magnitude) :]
        if rest in _MEASURES:
            return True
        noun = rest[1:]
        if (
            rest[:1] in _CLASSIFIERS
            and 1 <= len(noun) <= 4
            and _is_han(noun)
            and noun[:1] not in _MORE_WORDS  # '个多月' is more than a 个月, not a noun 多月
            and not any(mark in noun for mark in _PROSE_MARKS)
        ):
            return True
    return False


def _is_count_unit(unit: str) -> bool:
    if unit.lower() in _LATIN_UNITS or _is_simple_count_unit(unit):
        return True
    per, slash, base = unit.partition("/")
    return bool(slash) and (per in AMOUNT_UNITS or _is_simple_count_unit(per)) and _is_simple_count_unit(base)


def without_more(unit: str) -> str | None:
    """The unit with its 余/多 taken out ('万多人' -> '万人', '个多月' -> '个月'), or None if it has none."""
    for head in ("", *_MAGNITUDES, "个"):
        if unit.startswith(head) and unit[len(head) : len(head) + 1] in _MORE_WORDS:
            return head + unit[len(head) + 1 :]
    return None


def quantity_of(number: str, unit: str) -> Quantity | None:
    """The Quantity for a number and the unit text after it, or None when the unit is not one."""
    value = Decimal(number)
    if unit == "":
        return Quantity(value, Dimension.PLAIN, "")
    if unit in RATE_UNITS:
        return Quantity(shift(value, RATE_UNITS[unit]), Dimension.RATE, unit)
    if unit in AMOUNT_UNITS:
        return Quantity(shift(value, AMOUNT_UNITS[unit]), Dimension.AMOUNT, unit)
    if _is_count_unit(unit):
        return Quantity(value, Dimension.COUNT, unit)
    return None


def _synonym(unit: str) -> str:
    unit = unit.lower()
    if unit.startswith("个") and len(unit) > 1:  # 个工作日 = 工作日, 个项目 = 项目
        unit = unit[1:]
    return _COUNT_SYNONYMS.get(unit, unit)


@lru_cache(maxsize=512)
def count_base(unit: str) -> tuple[str, Decimal]:
    """A COUNT unit as (base unit, factor): 万人次 → (人次, 10000), 公里 → (米, 1000)."""
    unit = _synonym(unit)
    factor = _ONE
    for _ in range(3):
        prefix = next(
            (m for m in _MAGNITUDES.items() if unit.startswith(m[0]) and len(unit) > len(m[0])), None
        )
        if prefix is None:
            break
        unit = _synonym(unit[len(prefix[0]) :])
        factor *= prefix[1]
    return unit, factor


def _scale(dimension: Dimension, unit: str) -> Decimal | None:
    """What one typed unit is worth in the canonical number: '亿元' → 10000 (万元), '%' → 0.01."""
    if dimension in (Dimension.COUNT, Dimension.PLAIN) or not unit:
        return _ONE
    table = AMOUNT_UNITS if dimension is Dimension.AMOUNT else RATE_UNITS
    return shift(_ONE, table[unit]) if unit in table else None


def _in_unit(number: Decimal, dimension: Dimension, unit: str) -> Quantity | None:
    """`number` as typed in `unit` (e.g. 52.07 in '%'), as a Quantity."""
    scale = _scale(dimension, unit)
    return None if scale is None else Quantity(number * scale, dimension, unit)


def show(q: Quantity) -> str:
    """A figure in the unit it was typed in: 10.19亿元, 0.06%, 120公里."""
    scale = _scale(q.dimension, q.unit)
    return format_plain(q.number if not scale else q.number / scale) + q.unit


# --- is a bare number a rate's fraction? (docs/domain-rules.md §4.4) ----------------------------------

# A bare number where a rate belongs is a fraction (0.7608) up to this; above it, a percentage that lost
# its sign (76.08). 150% is as far as a real 执行率 or 控制率 goes.
BARE_FRACTION_LIMIT = Decimal("1.5")
_LITERALS_RE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|[_*].')


def percent_shown(shown: str) -> bool:
    """A number format ('0.00%') or the text Excel shows for a number ('96.06%') that shows a percentage,
    so the stored number is the fraction. A quoted or escaped % ('0"%"', '0\\%') does not scale the value."""
    return "%" in shown and "%" in _LITERALS_RE.sub("", shown)


def _log_distance(x: Decimal, target: tuple[Decimal, ...]) -> Decimal | None:
    """|ln(x / target)|: 0 inside a range, else to its nearer bound; None where no logarithm exists."""
    positive = [b for b in target if b > 0]
    if x <= 0 or not positive:
        return None
    if len(target) > 1 and min(target) <= x <= max(target):
        return _ZERO
    # ln(x) − ln(b) rather than ln(x / b): no division, so no overflow for extreme exponents.
    return min(abs(x.ln() - b.ln()) for b in positive)


def _log_gap(a: tuple[Decimal, ...], b: tuple[Decimal, ...]) -> Decimal | None:
    """The log distance between a figure and a figure or range, whichever side the range is on."""
    x, target = (a[0], b) if len(a) == 1 else (b[0], a)
    return _log_distance(x, target)


def reads_as_fraction(bare: tuple[Decimal, ...], unit: str = "%", other: tuple[Decimal, ...] = ()) -> bool:
    """Whether bare numbers standing for a rate in `unit` are fractions (0.99 = 99%) rather than figures in
    the unit (99): nearer `other` (the figure they are compared with) when there is one, else by size."""
    if not other:
        return all(abs(n) <= BARE_FRACTION_LIMIT for n in bare)
    scale = _scale(Dimension.RATE, unit)
    if scale is None:
        return False
    as_unit = _log_gap(tuple(n * scale for n in bare), other)
    as_fraction = _log_gap(bare, other)
    # Zero or negative figures have no log distance: read them in the rate's unit. A tie (both readings
    # inside a range) keeps the unit too: that is how the row is labelled.
    return as_unit is not None and as_fraction is not None and as_fraction < as_unit


def bare_rate(number: Decimal) -> Decimal:
    """A bare number in a rate cell as a fraction: 0.7608 stays, 76.08 becomes 0.7608."""
    return number if reads_as_fraction((number,)) else number / 100


# --- aligning a target and an actual ---------------------------------------------------------------------

_DIMENSION_NAMES = {
    Dimension.AMOUNT: "金额",
    Dimension.RATE: "比率",
    Dimension.COUNT: "数量",
    Dimension.PLAIN: "不带单位的数",
}


def _describe(q: Quantity) -> str:
    name = _DIMENSION_NAMES[q.dimension]
    return f"{name}（{q.unit}）" if q.unit and q.dimension is Dimension.COUNT else name


@dataclass(frozen=True)
class Aligned:
    bounds: tuple[Quantity, ...]  # the target figure, or the range's low and high, in B's terms
    actual: Quantity
    unit_missing: bool = False
    note: str = ""


UNITS_DIFFER = "单位不一致"  # opens the explanation when A and B cannot be brought into one unit


def align(bounds: tuple[Quantity, ...], actual: Quantity) -> Aligned | str:
    """Bring A and B into one unit, or say (in Chinese) why they cannot be compared."""
    ref = bounds[0]
    if actual.dimension is ref.dimension:
        if ref.dimension is not Dimension.COUNT:
            return Aligned(bounds, actual)  # amounts are all in 万元, rates all fractions
        base_a, factor_a = count_base(ref.unit)
        base_b, factor_b = count_base(actual.unit)
        if base_a != base_b:
            return (
                f"{UNITS_DIFFER}：年度指标值的单位是“{ref.unit}”，实际完成值的单位是“{actual.unit}”，无法比较"
            )
        converted = Quantity(actual.number * factor_b / factor_a, ref.dimension, ref.unit)
        return Aligned(bounds, converted)
    if actual.dimension is Dimension.PLAIN:
        # 52.07 against a % target: the cell lost its unit, not its meaning.
        read = _in_unit(actual.number, ref.dimension, ref.unit)
        if read is None:
            return f"无法按年度指标值的单位“{ref.unit}”读取实际完成值"
        typed = format_plain(actual.number)
        target = tuple(b.number for b in bounds)
        # A number cell in General format holds 0.99 for 99%: the unit reading (0.99%) would be a
        # hundred times off. Take whichever reading lies nearer the target.
        if ref.dimension is Dimension.RATE and reads_as_fraction((actual.number,), ref.unit, target):
            fraction = Quantity(actual.number, Dimension.RATE, ref.unit)
            note = (
                f"实际完成值“{typed}”未写单位，按小数读作{show(fraction)}"
                f"（读作{show(read)}与年度指标值相差更远）；"
            )
            return Aligned(bounds, fraction, unit_missing=True, note=note)
        note = f"实际完成值“{typed}”未写单位，按年度指标值的单位读作{show(read)}；"
        return Aligned(bounds, read, unit_missing=True, note=note)
    if ref.dimension is Dimension.PLAIN:
        maybe = tuple(_in_unit(b.number, actual.dimension, actual.unit) for b in bounds)
        read_bounds = tuple(b for b in maybe if b is not None)
        if len(read_bounds) != len(bounds):
            return f"无法按实际完成值的单位“{actual.unit}”读取年度指标值"
        # The mirror case: a target typed as ≥0.95 against an actual of 98%.
        typed_bounds = tuple(b.number for b in bounds)
        if actual.dimension is Dimension.RATE and reads_as_fraction(
            typed_bounds, actual.unit, (actual.number,)
        ):
            fractions = tuple(Quantity(b.number, Dimension.RATE, actual.unit) for b in bounds)
            shown = "–".join(show(b) for b in fractions)
            return Aligned(fractions, actual, note=f"年度指标值未写单位，按小数读作{shown}；")
        note = f"年度指标值未写单位，按实际完成值的单位“{actual.unit}”读取；"
        return Aligned(read_bounds, actual, note=note)
    return f"{UNITS_DIFFER}：年度指标值是{_describe(ref)}，实际完成值是{_describe(actual)}，无法比较"
