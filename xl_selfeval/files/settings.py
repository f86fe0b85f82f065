"""Reads a 规则.toml file (--config, or the one beside the workbook) into Settings."""

from __future__ import annotations

from pathlib import Path

from xl_selfeval.errors import UserError
from xl_selfeval.settings import DEFAULT_PROFILE, Settings, load_profile, parse_settings


def load_settings(path: Path | None, profile: str | None = None) -> Settings:
    """A rule profile (`--profile 名称`, default 全国), single values overridden by the TOML file at
    `path` when one is given (`--config 规则.toml`)."""
    base = load_profile(profile or DEFAULT_PROFILE)
    if path is None:
        return base
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
    return parse_settings(text, str(path), base)
