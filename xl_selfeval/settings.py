"""Scoring conventions that vary between provinces: documented defaults, overridable by 规则.toml."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from xl_selfeval.errors import UserError
from xl_selfeval.forms.indicators import BENEFIT, COST, OUTPUT, SATISFACTION
from xl_selfeval.limits import MB, Limits

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["EXECUTION", "NegativeFormula", "Settings", "load_settings"]

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
    """The rules of domain-rules §2–3 that provinces set differently, with the common defaults."""

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

    @property
    def limits(self) -> Limits:
        """The reading limits of [limits], for every door's reader."""
        return Limits(max_file_bytes=self.max_file_mb * MB, max_ratio=float(self.max_zip_ratio))

    @property
    def execution_weight(self) -> Decimal:
        """分值 of the 执行率 row: weights['预算执行率'], so that there is one number to configure."""
        return self.weights.get(EXECUTION, Decimal("10"))

    def weight_group(self, level1: str) -> str | None:
        """The weights key a 一级指标 counts under: 成本指标 goes with 产出指标 unless it has its own."""
        if level1 == COST and COST not in self.weights:
            return OUTPUT
        return level1 if level1 in self.weights else None


# --- reading 规则.toml ---------------------------------------------------------------------------------


class _Invalid(Exception):
    """A value of the wrong type or range; carries the Chinese description of what was expected."""


def _number(value: object) -> Decimal:
    # bool is an int in Python but `true` is no number in a rules file.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid("一个数字")
    # str() keeps what was typed: 1.3 stays 1.3, not 1.3000000000000000444…
    number = Decimal(str(value))
    if not number.is_finite():
        raise _Invalid("一个有限的数字")
    return number


def _non_negative(value: object) -> Decimal:
    number = _number(value)
    if number < 0:
        raise _Invalid("不小于 0 的数字")
    return number


def _positive_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _Invalid("正整数")
    return value


def _negative_formula(value: object) -> NegativeFormula:
    choices = get_args(NegativeFormula)
    if value not in choices:
        raise _Invalid("“ratio”或“deviation”")
    return value  # type: ignore[return-value]  # checked against the Literal's values just above


def _over_achievement(value: object) -> Decimal:
    number = _number(value)
    if number < 1:
        raise _Invalid("不小于 1 的倍数（如 1.3 表示 130%）")
    return number


def _band(value: object) -> Band:
    if not isinstance(value, list) or len(value) != 2:
        raise _Invalid("两个数字组成的列表，如 [0.8, 1.0]")
    low, high = (_number(v) for v in value)
    if not 0 <= low <= high <= 1:
        raise _Invalid("0 到 1 之间、下限不大于上限的两个数字")
    return low, high


_SCORING_KEYS: dict[str, tuple[str, Callable[[object], Any]]] = {
    "negative_formula": ("negative_formula", _negative_formula),
    "over_achievement": ("over_achievement", _over_achievement),
}
_BAND_KEYS = {"achieved": "achieved_band", "partial": "partial_band", "failed": "failed_band"}
_LIMIT_KEYS = {"max_file_mb": "max_file_mb", "max_zip_ratio": "max_zip_ratio"}
_WEIGHT_KEYS = (OUTPUT, COST, BENEFIT, SATISFACTION, EXECUTION)
_SECTIONS = ("scoring", "weights", "grades", "limits")


class _Reader:
    """Walks the parsed TOML; every complaint names the file and the dotted key."""

    def __init__(self, path: Path) -> None:
        self.path = path

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


def _parse(data: Mapping[str, object], reader: _Reader) -> Settings:
    changes: dict[str, Any] = {}
    reader.unknown("", data, _SECTIONS)

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
        reader.unknown("weights", table, _WEIGHT_KEYS)
        # Keys not given keep their default: a province that only moves 产出/效益 writes two lines.
        weights = dict(Settings().weights)
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

    return Settings(**changes)


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


def _toml_error(path: Path, text: str, error: Exception) -> UserError:
    match = _POSITION_RE.search(str(error))
    if match is None:
        return UserError(f"规则文件“{path}”不是有效的 TOML 格式：{error}。")
    line_no, column = int(match[1]), int(match[2])
    lines = text.splitlines()
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    hint = '；中文键名须加英文双引号，如 "产出指标" = 50' if _BARE_CHINESE_KEY_RE.match(line) else ""
    return UserError(f"规则文件“{path}”第{line_no}行第{column}列不是有效的 TOML 格式{hint}。")


def load_settings(path: Path | None) -> Settings:
    """The defaults, overridden by the TOML file at `path` when one is given (`--config 规则.toml`)."""
    if path is None:
        return Settings()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"找不到规则文件“{path}”。") from None
    except IsADirectoryError:
        raise UserError(f"规则文件“{path}”是一个文件夹，请指定 .toml 文件。") from None
    except OSError as error:
        raise UserError(f"无法读取规则文件“{path}”：{error.strerror or error}。") from None
    try:
        # utf-8-sig: Notepad saves UTF-8 with a BOM, which tomllib rejects.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"规则文件“{path}”不是 UTF-8 编码，请用“UTF-8”编码另存后再试。") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _toml_error(path, text, error) from None
    return _parse(data, _Reader(path))
