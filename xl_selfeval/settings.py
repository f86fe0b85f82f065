"""Scoring conventions that vary between provinces: documented defaults, overridable by the text of 规则.toml."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal, get_args

from xl_selfeval.errors import UserError
from xl_selfeval.forms.indicators import BENEFIT, COST, OUTPUT, SATISFACTION
from xl_selfeval.limits import MB, Limits
from xl_selfeval.profiles import profile_names, profile_text
from xl_selfeval.values import to_decimal

__all__ = [
    "DEFAULT_PROFILE",
    "EXECUTION",
    "NegativeFormula",
    "ProfileInfo",
    "Settings",
    "list_profiles",
    "load_profile",
    "parse_settings",
]

EXECUTION = (
    "预算执行率"  # the weight of the 执行率 row, kept with the indicator weights it must total 100 with
)

NegativeFormula = Literal["ratio", "deviation"]
Band = tuple[Decimal, Decimal]


def _default_weights() -> Mapping[str, Decimal]:
    # 成本指标 has no key of its own by default: since 2021 it counts with 产出指标 (see weight_group).
    return MappingProxyType(
        {OUTPUT: Decimal("50"), BENEFIT: Decimal("30"), SATISFACTION: Decimal("10"), EXECUTION: Decimal("10")}
    )


@dataclass(frozen=True)
class Settings:
    """The rules of docs/domain-rules.md §2–3 that provinces set differently, with the common defaults."""

    # "ratio": W×A/B ; "deviation": W×(1−(B−A)/A), 0 once B ≥ 2A.
    negative_formula: NegativeFormula = "ratio"
    # Qualitative bands as fractions of W: 达成 80%(含)–100%, 部分达成 60%(含)–80%, 未达成 0–60%.
    achieved_band: Band = (Decimal("0.8"), Decimal("1"))
    partial_band: Band = (Decimal("0.6"), Decimal("0.8"))
    failed_band: Band = (Decimal("0"), Decimal("0.6"))
    # B ≥ 130% of A needs a 偏差原因 as much as a shortfall does.
    over_achievement: Decimal = Decimal("1.3")
    # 一级指标 (and 预算执行率) → weight. Read-only so that a frozen Settings really is frozen.
    weights: Mapping[str, Decimal] = field(default_factory=_default_weights)
    # Highest threshold first; a total at or above a threshold gets its grade.
    grades: tuple[tuple[Decimal, str], ...] = (
        (Decimal("90"), "优"),
        (Decimal("80"), "良"),
        (Decimal("60"), "中"),
        (Decimal("0"), "差"),
    )
    max_file_mb: int = 50
    max_zip_ratio: int = 200
    # Points an indicator loses when its actual is ≥ over_achievement × its target (偏离); 0: none.
    deviation_penalty: Decimal = Decimal(0)
    # The total capped by the execution rate: (rate below which the cap applies, highest total allowed).
    execution_caps: tuple[tuple[Decimal, Decimal], ...] = ()
    # 执行率 below this needs its reason stated beside it (四川: 90%); None: no such rule.
    execution_reason_below: Decimal | None = None
    # A mid-year budget adjustment (年初预算 ≠ 调整后预算) needs its reason stated (四川).
    adjustment_needs_reason: bool = False
    # The named rule profile these settings start from (profiles/<name>.toml) and where its rules come from.
    profile: str = "全国"
    profile_sources: tuple[str, ...] = ()

    def execution_cap(self, rate: Decimal) -> Decimal | None:
        """The highest total the profile allows at this execution rate, or None when uncapped."""
        caps = [cap for below, cap in self.execution_caps if rate < below]
        return min(caps) if caps else None

    @property
    def limits(self) -> Limits:
        """The reading limits of [limits], for every door's reader."""
        return Limits(max_file_bytes=self.max_file_mb * MB, max_ratio=float(self.max_zip_ratio))

    @property
    def execution_weight(self) -> Decimal:
        """分值 of the 执行率 row: weights['预算执行率'], so that there is one number to configure."""
        return self.weights.get(EXECUTION, Decimal("10"))

    def weight_group(self, level1: str) -> str | None:
        """The weights key a 一级指标 counts under: 成本指标 goes with 产出指标 unless it has its own;
        a key joined with "+" ("效益指标+满意度指标") is one weight for several 一级指标."""
        if level1 in self.weights:
            return level1
        for key in self.weights:
            if level1 in key.split("+"):
                return key
        if level1 == COST:
            return self.weight_group(OUTPUT)
        return None


# --- reading 规则.toml ---------------------------------------------------------------------------------


class _Invalid(Exception):
    """A value of the wrong type or range; carries the Chinese description of what was expected."""


def _number(value: object) -> Decimal:
    # bool is an int in Python but `true` is no number in a rules file.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid("一个数字")
    # to_decimal keeps what was typed: 1.3 stays 1.3, not 1.3000000000000000444…
    number = to_decimal(value)
    if number is None:
        raise _Invalid("一个有限的数字")
    return number


def _at_least(floor: int, wording: str) -> Callable[[object], Decimal]:
    """A converter to a number no smaller than `floor`; `wording` says what is expected."""

    def convert(value: object) -> Decimal:
        number = _number(value)
        if number < floor:
            raise _Invalid(wording)
        return number

    return convert


_non_negative = _at_least(0, "不小于 0 的数字")
_over_achievement = _at_least(1, "不小于 1 的倍数（如 1.3 表示 130%）")


def _positive_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _Invalid("正整数")
    return value


def _negative_formula(value: object) -> NegativeFormula:
    choices = get_args(NegativeFormula)
    if value not in choices:
        raise _Invalid("“ratio”或“deviation”")
    return value  # type: ignore[return-value]  # checked against the Literal's values just above


def _rate(value: object) -> Decimal:
    number = _number(value)
    if not 0 < number <= 1:
        raise _Invalid("0 到 1 之间的比率（如 0.9 表示 90%）")
    return number


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("true 或 false")
    return value


def _band(value: object) -> Band:
    if not isinstance(value, list) or len(value) != 2:
        raise _Invalid("两个数字组成的列表，如 [0.8, 1.0]")
    low, high = (_number(v) for v in value)
    if not 0 <= low <= high <= 1:
        raise _Invalid("0 到 1 之间、下限不大于上限的两个数字")
    return low, high


def _caps(value: object) -> tuple[tuple[Decimal, Decimal], ...]:
    problem = "由 [执行率, 最高总分] 组成的列表，如 [[0.8, 89], [0.7, 79]]，执行率在 0 到 1 之间"
    if not isinstance(value, list):
        raise _Invalid(problem)
    caps = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise _Invalid(problem)
        rate, cap = _number(pair[0]), _non_negative(pair[1])
        if not 0 < rate <= 1 or cap > 100:
            raise _Invalid(problem)
        caps.append((rate, cap))
    return tuple(sorted(caps))


_SCORING_KEYS: dict[str, tuple[str, Callable[[object], Any]]] = {
    "negative_formula": ("negative_formula", _negative_formula),
    "over_achievement": ("over_achievement", _over_achievement),
    "deviation_penalty": ("deviation_penalty", _non_negative),
    "execution_caps": ("execution_caps", _caps),
    "execution_reason_below": ("execution_reason_below", _rate),
    "adjustment_needs_reason": ("adjustment_needs_reason", _flag),
}
_BAND_KEYS = {"achieved": "achieved_band", "partial": "partial_band", "failed": "failed_band"}
_LIMIT_KEYS = {"max_file_mb": "max_file_mb", "max_zip_ratio": "max_zip_ratio"}
_WEIGHT_KEYS = (OUTPUT, COST, BENEFIT, SATISFACTION, EXECUTION)
_SECTIONS = ("scoring", "weights", "grades", "limits")
_PROFILE_KEYS = ("name", "summary", "sources")


class _Reader:
    """Walks the parsed TOML; every complaint names the file and the dotted key."""

    def __init__(self, source: str, profile: str = "") -> None:
        self.path = source
        self.profile = profile  # set when reading one of the shipped profiles

    def fail(self, key: str, problem: str) -> UserError:
        return UserError(f"规则文件“{self.path}”中的 {key} {problem}。")

    def table(self, data: Mapping[str, object], key: str) -> Mapping[str, object]:
        value = data[key.rpartition(".")[2]]
        if not isinstance(value, dict):
            raise self.fail(key, "应为一个表（如 [" + key + "]）")
        return value

    def convert(self, key: str, value: object, convert: Callable[[object], Any]) -> Any:
        try:
            return convert(value)
        except _Invalid as problem:
            raise self.fail(key, f"应为{problem}，现为 {_show(value)}") from None

    def unknown(
        self, section: str, keys: Mapping[str, object], known: tuple[str, ...] | dict[str, Any]
    ) -> None:
        for key in keys:
            if key not in known:
                dotted = f"{section}.{key}" if section else key
                allowed = "、".join(known)
                raise self.fail(dotted, f"不是可用的设置项（可用：{allowed}）")


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"“{value}”"
    return str(value)


def _weight_key(key: str, reader: _Reader) -> None:
    # "效益指标+满意度指标" = 40: one weight for several 一级指标, as some profiles set it.
    parts = key.split("+")
    if not all(part in _WEIGHT_KEYS for part in parts) or len(set(parts)) != len(parts):
        raise reader.fail(
            f"weights.{key}", f"不是可用的设置项（可用：{'、'.join(_WEIGHT_KEYS)}，或用+连接几项）"
        )


def _parse(data: Mapping[str, object], reader: _Reader, base: Settings) -> Settings:
    changes: dict[str, Any] = {}
    reader.unknown("", data, (*_SECTIONS, "profile") if reader.profile else _SECTIONS)

    if "scoring" in data:
        scoring = reader.table(data, "scoring")
        reader.unknown("scoring", scoring, (*_SCORING_KEYS, "bands"))
        for key, (attr, convert) in _SCORING_KEYS.items():
            if key in scoring:
                changes[attr] = reader.convert(f"scoring.{key}", scoring[key], convert)
        if "bands" in scoring:
            bands = reader.table(scoring, "scoring.bands")
            reader.unknown("scoring.bands", bands, _BAND_KEYS)
            for key, attr in _BAND_KEYS.items():
                if key in bands:
                    changes[attr] = reader.convert(f"scoring.bands.{key}", bands[key], _band)

    if "weights" in data:
        table = reader.table(data, "weights")
        for key in table:
            _weight_key(key, reader)
        # Keys not given keep their default: a province that only moves 产出/效益 writes two lines.
        weights = dict(base.weights)
        for key in table:
            # A joined key replaces the weights of its parts, and a part replaces a joined key.
            for old in list(weights):
                if old != key and set(old.split("+")) & set(key.split("+")):
                    del weights[old]
        for key, value in table.items():
            weights[key] = reader.convert(f"weights.{key}", value, _non_negative)
        changes["weights"] = MappingProxyType(weights)

    if "grades" in data:
        changes["grades"] = _grades(reader.table(data, "grades"), reader)

    if "limits" in data:
        limits = reader.table(data, "limits")
        reader.unknown("limits", limits, _LIMIT_KEYS)
        for key, attr in _LIMIT_KEYS.items():
            if key in limits:
                changes[attr] = reader.convert(f"limits.{key}", limits[key], _positive_int)

    if reader.profile:
        profile = reader.table(data, "profile")
        reader.unknown("profile", profile, _PROFILE_KEYS)
        sources = profile.get("sources", [])
        if not isinstance(sources, list) or not all(isinstance(x, str) for x in sources):
            raise reader.fail("profile.sources", "应为文字列表")
        changes["profile"] = reader.profile
        changes["profile_sources"] = tuple(sources)
    return replace(base, **changes)


def _grades(table: Mapping[str, object], reader: _Reader) -> tuple[tuple[Decimal, str], ...]:
    # A [grades] table replaces the whole scale: merging by name would keep 优 beside a renamed 优秀.
    grades = [(reader.convert(f"grades.{name}", value, _non_negative), name) for name, value in table.items()]
    thresholds = [threshold for threshold, _ in grades]
    if Decimal(0) not in thresholds:
        raise reader.fail("grades", "须有一个门槛为 0 的等级（最低一档），否则低分无等级可给")
    if len(set(thresholds)) != len(thresholds):
        raise reader.fail("grades", "有两个等级的门槛相同")
    for name, _ in table.items():
        if not name.strip():
            raise reader.fail("grades", "有空的等级名称")
    return tuple(sorted(grades, key=lambda item: item[0], reverse=True))


_POSITION_RE = re.compile(r"at line (\d+), column (\d+)")
# A Chinese key typed without quotes (产出指标 = 50) is what people write first; TOML 1.0 needs "产出指标".
_BARE_CHINESE_KEY_RE = re.compile(r'^\s*[^\s"\'=#\[]*[^\x00-\x7f][^"\'=]*=')


def _toml_error(path: str, text: str, error: Exception) -> UserError:
    match = _POSITION_RE.search(str(error))
    if match is None:
        return UserError(f"规则文件“{path}”不是有效的 TOML 格式：{error}。")
    line_no, column = int(match[1]), int(match[2])
    lines = text.splitlines()
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    hint = '；中文键名须加英文双引号，如 "产出指标" = 50' if _BARE_CHINESE_KEY_RE.match(line) else ""
    return UserError(f"规则文件“{path}”第{line_no}行第{column}列不是有效的 TOML 格式{hint}。")


def parse_settings(text: str, source: str, base: Settings | None = None) -> Settings:
    """``base`` (the default profile when None), single values overridden by the TOML text of a
    规则.toml; every complaint names `source` (the file)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _toml_error(source, text, error) from None
    return _parse(data, _Reader(source), base if base is not None else load_profile())


DEFAULT_PROFILE = "全国"


@dataclass(frozen=True)
class ProfileInfo:
    """A shipped rule profile as `xl-selfeval profiles` lists it."""

    name: str
    summary: str
    sources: tuple[str, ...]


def _profile_text(name: str) -> str:
    text = profile_text(name)
    if text is None:
        names = "、".join(p.name for p in list_profiles())
        raise UserError(f"没有名为“{name}”的评分规则方案（可用：{names}）。")
    return text


def list_profiles() -> list[ProfileInfo]:
    """The shipped profiles, the default first."""
    out = []
    for name in profile_names():
        meta = tomllib.loads(_profile_text(name)).get("profile", {})
        out.append(ProfileInfo(name, str(meta.get("summary", "")), tuple(meta.get("sources", ()))))
    return sorted(out, key=lambda p: (p.name != DEFAULT_PROFILE, p.name))


def load_profile(name: str = DEFAULT_PROFILE) -> Settings:
    """The settings of a shipped rule profile (xl_selfeval/profiles/<name>.toml)."""
    text = _profile_text(name)
    return _parse(tomllib.loads(text), _Reader(f"评分规则方案 {name}", profile=name), Settings())
