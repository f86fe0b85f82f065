"""Typed values from what accountants type (Decimal + unit + comparator), Excel-style rounding, and how
figures are shown (docs/domain-rules.md §4.1, §7)."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, getcontext, localcontext
from enum import Enum
from typing import TYPE_CHECKING

from xl_selfeval.labels import NOT_APPLICABLE_WORDS
from xl_selfeval.memo import memo_text
from xl_selfeval.units import (
    LEADING_UNITS,
    Dimension,
    Quantity,
    format_plain,
    percent_shown,
    quantity_of,
    shift,
    without_more,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "BLANK",
    "Comparator",
    "Dimension",
    "Kind",
    "Quantity",
    "Value",
    "format_amount",
    "format_percent",
    "format_plain",
    "format_rate",
    "format_score",
    "parse_value",
    "round_half_up",
    "split_label_amount",
    "to_decimal",
]


# --- rounding and formatting -------------------------------------------------------------------------


def round_half_up(x: Decimal, places: int = 2) -> Decimal:
    """Round like Excel's ROUND (halves away from zero) and quantize to `places` decimals.

    Raises ValueError for NaN / infinity: the core never holds those, so one reaching here is a bug.
    """
    if not x.is_finite():
        raise ValueError(f"cannot round a non-finite number: {x!r}")
    quantum = _QUANTA.get(places) or Decimal((0, (1,), -places))
    if x.adjusted() + places + 3 <= min(getcontext().prec, 28):
        # The usual amount: the current precision already holds the result (quantize is exact).
        return x.quantize(quantum, rounding=ROUND_HALF_UP)
    with localcontext() as ctx:
        # Enough digits that quantize never fails on large amounts (the default precision is 28).
        ctx.prec = max(28, x.adjusted() + places + 3)
        return x.quantize(quantum, rounding=ROUND_HALF_UP)


_QUANTA = {places: Decimal((0, (1,), -places)) for places in range(7)}


def _fixed(x: Decimal, places: int) -> str:
    rounded = round_half_up(x, places)
    if rounded == 0:
        rounded = abs(rounded)  # no '-0.00'
    return f"{rounded:f}"


def format_amount(x: Decimal) -> str:
    """An amount as shown in the forms: 2 decimals, rounded half up, no thousands separator."""
    return _fixed(x, 2)


def format_rate(x: Decimal) -> str:
    """A rate given as a fraction, shown as a percentage with 2 decimals: 0.61462 -> '61.46%'."""
    return _fixed(shift(x, 2), 2) + "%"


def format_percent(fraction: Decimal) -> str:
    """A fraction as a percentage as typed, without trailing zeros: 0.95 -> '95%', 0.1234 -> '12.34%'."""
    return format_plain(fraction * 100) + "%"


def format_score(x: Decimal) -> str:
    """A score with 2 decimals, rounded half up: Decimal('3.396') -> '3.40'."""
    return _fixed(x, 2)


# --- value model -------------------------------------------------------------------------------------


class Comparator(Enum):
    GE = "≥"
    GT = ">"
    LE = "≤"
    LT = "<"
    EQ = "="
    RANGE = "range"


class Kind(Enum):
    BLANK = "blank"
    NUMBER = "number"
    TEXT = "text"  # qualitative wording: 有效, 按时完成, 即时办理 ...
    NOT_APPLICABLE = "not_applicable"  # 不适用, 无, —, /


@dataclass(frozen=True, slots=True)
class Value:
    raw: str  # the text as read, stripped
    kind: Kind
    quantity: Quantity | None = None  # the single figure; None for a range
    comparator: Comparator | None = None
    low: Quantity | None = None  # bounds of a RANGE
    high: Quantity | None = None
    deadline_days: int | None = None  # from '…N个工作日内'


# --- text normalisation ------------------------------------------------------------------------------


def _width_table() -> dict[int, str]:
    # Only full-width / small-form / space variants are folded. Full NFKC would also turn ① into 1
    # and ㎡ into m2, which changes what a number says.
    table: dict[int, str] = {}
    for start, end in ((0xFF01, 0xFFEF), (0xFE50, 0xFE6B)):
        for code in range(start, end + 1):
            folded = unicodedata.normalize("NFKC", chr(code))
            if len(folded) == 1:  # keeps positions: split_label_amount maps folded text back
                table[code] = folded
    for code in (0x00A0, 0x3000, 0x202F, 0x205F, *range(0x2000, 0x200B)):
        table[code] = " "
    table[0x2212] = "-"  # MINUS SIGN
    return table


_WIDTH_TABLE = _width_table()
_INNER_SPACE_RE = re.compile(r"(?<![0-9])\s+|\s+(?![0-9])")  # spaces between two digits are kept
_THOUSANDS_RE = re.compile(r"(?<![0-9.,])[0-9]{1,3}(?:,[0-9]{3})+(?![0-9,])")
_TRAILING_PUNCT = "。;,!"


def _compact(text: str) -> str:
    """Fold widths, drop spaces (except between digits) and thousands separators."""
    s = text.translate(_WIDTH_TABLE).strip()
    s = _INNER_SPACE_RE.sub("", s)
    s = s.rstrip(_TRAILING_PUNCT)
    return _THOUSANDS_RE.sub(lambda m: m.group(0).replace(",", ""), s)


_NUM = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_NUM_RE = re.compile(_NUM)


def to_decimal(x: object) -> Decimal | None:
    """A finite Decimal from an int, float, Decimal or numeric text ('1,701.93', '４.３０'); else None.

    Text with a unit ('50%') is not numeric here: use parse_value for that. bool is not a number.
    """
    if isinstance(x, bool):
        return None
    if isinstance(x, Decimal):
        return x if x.is_finite() else None
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, float):
        # repr keeps what the cell shows: 0.9606 stays 0.9606, not 0.96059999999999...
        return Decimal(float.__repr__(x)) if math.isfinite(x) else None
    if isinstance(x, str):
        s = _compact(x)
        return Decimal(s) if _NUM_RE.fullmatch(s) else None
    return None


# --- comparators -------------------------------------------------------------------------------------

_GE, _GT, _LE, _LT, _EQ = Comparator.GE, Comparator.GT, Comparator.LE, Comparator.LT, Comparator.EQ

_PREFIX_COMPARATORS: dict[str, Comparator] = {
    ">=": _GE,
    "≥": _GE,
    "≧": _GE,
    "⩾": _GE,
    "大于等于": _GE,
    "大于或等于": _GE,
    "不低于": _GE,
    "不少于": _GE,
    "不小于": _GE,
    "至少": _GE,
    "最少": _GE,
    "达到": _GE,
    "达": _GE,
    ">": _GT,
    "大于": _GT,
    "高于": _GT,
    "超过": _GT,
    "多于": _GT,
    "<=": _LE,
    "≤": _LE,
    "≦": _LE,
    "⩽": _LE,
    "小于等于": _LE,
    "小于或等于": _LE,
    "不高于": _LE,
    "不超过": _LE,
    "不大于": _LE,
    "不多于": _LE,
    "至多": _LE,
    "最多": _LE,
    "<": _LT,
    "小于": _LT,
    "低于": _LT,
    "少于": _LT,
    "不足": _LT,
    "=": _EQ,
    "═": _EQ,  # a box-drawing double bar, as some 云南 pages type 等于
    "等于": _EQ,
}
# Prefixes that set no direction themselves. '控制在5%' (no 以下) still means "at most".
_NEUTRAL_PREFIXES: dict[str, Comparator | None] = {
    "控制在": _LE,
    "保持在": None,
    "介于": None,
    "处于": None,
    "在": None,
}
_SUFFIX_COMPARATORS: dict[str, Comparator] = {
    "及以上": _GE,
    "以上": _GE,
    "及以下": _LE,
    "以下": _LE,
    "以内": _LE,
    "之内": _LE,
    "内": _LE,
}
_NEUTRAL_SUFFIXES = ("(含)", "(含本数)")
_RANGE_SUFFIXES = ("的区间内", "的区间", "区间内", "区间", "之间", "的范围内", "范围内", "的范围", "范围")
# About a figure: the figure typed is what a scorer uses, so these set no direction. '近3亿元' (just
# under 3亿) is deliberately not '≤': as a target of 贷款发放额 that would turn a "more is better"
# indicator into a ceiling. The indicator's name decides the direction, as for a bare figure.
_APPROX_PREFIXES = ("大约", "约为", "约", "将近", "接近", "近")
_APPROX_SUFFIXES = ("左右",)
# '近3年' is "the last 3 years", not "nearly 3 years": bare 近 before a span of time stays TEXT.
_RECENT = "近"
_TIME_SPANS = frozenset({"年", "年度", "个月", "月", "季度", "周", "天", "日", "个工作日", "工作日", "小时"})
# 零 is read as 0 only in '零起', '零次', '零例', '零宗': a count of incidents that did not happen.
# '零事故' stays TEXT (事故 is a noun, not a measure word), like '无重大事故'.
_ZERO_FIGURES = frozenset({"零起", "零次", "零例", "零宗"})


def _longest_first(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(words, key=len, reverse=True))


_PREFIX_WORDS = _longest_first([*_PREFIX_COMPARATORS, *_NEUTRAL_PREFIXES, *_APPROX_PREFIXES])
_SUFFIX_WORDS = _longest_first(
    [*_SUFFIX_COMPARATORS, *_NEUTRAL_SUFFIXES, *_RANGE_SUFFIXES, *_APPROX_SUFFIXES]
)

_RANGE_SEP = r"(?:-|~|〜|—{1,2}|–|―|至|到)"
_RANGE_RE = re.compile(
    rf"(?P<a>{_NUM})(?P<ua>[^0-9.+\-~〜—–―至到]*){_RANGE_SEP}(?P<b>{_NUM})(?P<ub>.*)", re.DOTALL
)
_SINGLE_RE = re.compile(rf"(?P<n>{_NUM})(?P<u>.*)", re.DOTALL)
_DEADLINE_RE = re.compile(r"(?<![0-9.])([0-9]{1,6})个?工作日(?:以|之)?内")
# 无 also reads as "nothing to compare" in a figure cell, beside the words that say "does not apply".
_NOT_APPLICABLE_WORDS = NOT_APPLICABLE_WORDS | {"无"}
_DASHES_RE = re.compile(r"[-—–―/\\]{1,4}")
# A single figure with a unit and comparator words is short; longer text is prose.
_MAX_FIGURE_LEN = 64


# --- parsing -----------------------------------------------------------------------------------------


def _safe_str(raw: object) -> str:
    try:
        text = str(raw)
    except Exception:  # a broken __str__, or an int too long for str()
        try:
            text = str(Decimal(raw)) if isinstance(raw, int) else object.__repr__(raw)
        except Exception:
            text = ""
    return str.__str__(text) if isinstance(text, str) else ""


def _parse_number_cell(number: Decimal, raw: str, number_format: str | None) -> Value:
    if isinstance(number_format, str) and percent_shown(number_format):
        return Value(raw, Kind.NUMBER, Quantity(number, Dimension.RATE, "%"))
    return Value(raw, Kind.NUMBER, Quantity(number, Dimension.PLAIN, ""))


@dataclass(frozen=True)
class _Peeled:
    figure: str  # what is left: a number with its unit, or a range
    directions: tuple[Comparator, ...]  # from comparator words ('≥', '以上', '不超过' ...)
    default: Comparator | None  # from a neutral prefix ('控制在' caps the value)
    range_suffix: bool  # '…之间', '…区间'
    recent: bool  # the figure came after a bare '近'


def _peel(core: str) -> _Peeled:
    """Remove comparator and approximation words around a figure."""
    directions: list[Comparator] = []
    default: Comparator | None = None
    range_suffix = recent = False
    for _ in range(2):
        word = next((w for w in _PREFIX_WORDS if core.startswith(w) and len(core) > len(w)), None)
        if word is None:
            break
        core = core[len(word) :]
        if word in _PREFIX_COMPARATORS:
            directions.append(_PREFIX_COMPARATORS[word])
        elif word in _NEUTRAL_PREFIXES:
            default = default or _NEUTRAL_PREFIXES[word]
        recent = recent or word == _RECENT
    for _ in range(3):
        word = next((w for w in _SUFFIX_WORDS if core.endswith(w) and len(core) > len(w)), None)
        if word is None:
            break
        core = core[: -len(word)]
        if word in _SUFFIX_COMPARATORS:
            directions.append(_SUFFIX_COMPARATORS[word])
        elif word in _RANGE_SUFFIXES:
            range_suffix = True
    return _Peeled(core, tuple(directions), default, range_suffix, recent)


def _parse_range(figure: str) -> tuple[Quantity, Quantity] | None:
    match = _RANGE_RE.fullmatch(figure)
    if match is None:
        return None
    unit_a, unit_b = match["ua"], match["ub"]
    # '50-70%': a unit on one side applies to both.
    low = quantity_of(match["a"], unit_a or unit_b)
    high = quantity_of(match["b"], unit_b or unit_a)
    if low is None or high is None or low.dimension is not high.dimension:
        return None
    return (low, high) if low.number <= high.number else (high, low)


def _parse_single(figure: str) -> tuple[Quantity, Comparator | None] | None:
    """The figure's Quantity, with the direction of a 余/多 in it ('1000余人' is at least 1000人)."""
    for word, (dimension, places) in LEADING_UNITS.items():
        if figure.startswith(word):
            number = figure[len(word) :]
            if not _NUM_RE.fullmatch(number):
                return None
            unit = "" if dimension is Dimension.PLAIN else word
            return Quantity(shift(Decimal(number), places), dimension, unit), None
    if figure in _ZERO_FIGURES:
        return Quantity(Decimal(0), Dimension.COUNT, figure[1:]), None
    match = _SINGLE_RE.fullmatch(figure)
    if match is None:
        return None
    quantity = quantity_of(match["n"], match["u"])
    if quantity is not None:
        return quantity, None
    floor_unit = without_more(match["u"])
    quantity = None if floor_unit is None else quantity_of(match["n"], floor_unit)
    return None if quantity is None else (quantity, Comparator.GE)


@memo_text(8192)
def _parse_text(raw: str) -> Value:
    s = _compact(raw)
    if not s:
        return Value(raw, Kind.BLANK)
    if s.lower() in _NOT_APPLICABLE_WORDS or _DASHES_RE.fullmatch(s):
        return Value(raw, Kind.NOT_APPLICABLE)
    deadline_match = _DEADLINE_RE.search(s)
    deadline = int(deadline_match.group(1)) if deadline_match else None
    text = Value(raw, Kind.TEXT, deadline_days=deadline)
    if len(s) > _MAX_FIGURE_LEN or not any("0" <= ch <= "9" or ch == "零" for ch in s):
        return text

    peeled = _peel(s)
    directions = set(peeled.directions)
    bounds = _parse_range(peeled.figure)
    if bounds is not None:
        if directions:
            return text  # '≥50%-70%' is a direction and a range at once
        low, high = bounds
        return Value(raw, Kind.NUMBER, None, Comparator.RANGE, low, high, deadline)
    if peeled.range_suffix:
        return text  # '50%之间' is not a figure
    single = _parse_single(peeled.figure)
    if single is None:
        return text
    quantity, more = single
    if more is not None:
        directions.add(more)
    if len(directions) > 1:
        return text  # '≥95%以下', '不超过1000余人' say two things
    if peeled.recent and quantity.unit in _TIME_SPANS:
        return text
    direction = next(iter(directions), None)
    return Value(raw, Kind.NUMBER, quantity, direction or peeled.default, deadline_days=deadline)


# An empty cell's value: frozen, so every empty cell shares it.
BLANK = Value("", Kind.BLANK)


def parse_value(raw: object, number_format: str | None = None) -> Value:
    """Read one target / actual cell: a cell value from openpyxl or xlwings, or typed text.

    `number_format` matters only for numeric cells: with '%' in it the stored number is a rate
    fraction (0.9606 shown as 96.06%). Never raises: what cannot be read as a figure is TEXT.
    """
    if raw is None:
        return BLANK
    try:
        # The two kinds a reader meets in nearly every cell, without the general path's conversions (the
        # same result: str() of a str is itself, and to_decimal reads a float through its repr).
        if type(raw) is str:
            return _parse_text(raw.strip())
        if type(raw) is float and math.isfinite(raw):
            shown = float.__repr__(raw)
            return _parse_number_cell(Decimal(shown), shown, number_format)
        if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
            text = _safe_str(raw).strip()
            number = to_decimal(raw)
            if number is None:  # NaN / infinity
                return Value(text, Kind.TEXT)
            return _parse_number_cell(number, text, number_format)
        return _parse_text(_safe_str(raw).strip())
    except Exception:
        # Safety net: one odd cell must not stop a whole check run. Tests fuzz _parse_text directly.
        return Value(_safe_str(raw).strip(), Kind.TEXT)


def split_label_amount(text: str) -> tuple[str, Value] | None:
    """Split a label typed together with its figure: '其中:基本支出:900.47' -> ('其中:基本支出', 900.47).

    The label is returned as typed (stripped, without the separator). None when the text does not end
    in a figure after a label, or is itself a figure.
    """
    if not isinstance(text, str):
        return None
    return _split_label_amount(text.strip())


@memo_text(4096)
def _split_label_amount(t: str) -> tuple[str, Value] | None:
    if len(t) > 4 * _MAX_FIGURE_LEN or parse_value(t).kind is Kind.NUMBER:
        return None
    folded = t.translate(_WIDTH_TABLE)  # same length: every folded character maps to one character
    candidates = {i for i in range(1, len(folded)) if _starts_figure(folded, i)}
    colon = folded.rfind(":")
    if colon >= 0:
        candidates.add(colon + 1)
    for i in sorted(candidates):
        label = t[:i].rstrip().rstrip(":：").rstrip()
        if not any(ch.isalpha() for ch in label):
            continue
        value = parse_value(t[i:])
        if value.kind is Kind.NUMBER and value.quantity is not None:
            return label, value
    return None


def _starts_figure(folded: str, i: int) -> bool:
    return folded[i] in "0123456789+-" and folded[i - 1] not in "0123456789.,+-"
