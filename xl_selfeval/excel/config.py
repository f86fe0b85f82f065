"""The ribbon's settings in xlwings' config places: the PROFILE (评分规则方案) a unit or bureau works by."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from xl_selfeval.addin.names import XLWINGS_CONFIG_NAME
from xl_selfeval.grid import Grid

PROFILE_KEY = "PROFILE"
CONF_NAME = f"{XLWINGS_CONFIG_NAME}.conf"
# One setting a line, as xlwings writes and reads them: "KEY","VALUE".
_CONF_LINE = re.compile(r'^\s*"([^"]*)"\s*,\s*"([^"]*)"\s*$')


def value_in_sheet(grid: Grid, key: str) -> str | None:
    """The value beside ``key`` in a config sheet (keys in column A, values in column B)."""
    for row in range(1, grid.max_row + 1):
        if grid.text(row, 1).upper() == key.upper():
            return grid.text(row, 2) or None
    return None


def value_in_file(text: str, key: str) -> str | None:
    """The value of ``key`` in a config file's text; the first line wins, as in xlwings' VBA."""
    for line in text.splitlines():
        match = _CONF_LINE.match(line)
        if match and match.group(1).upper() == key.upper():
            return match.group(2) or None
    return None


def conf_files(workbook: Path | None) -> list[Path]:
    """Where xlwings looks for a config file: beside the workbook, then in the user's folder."""
    places = [workbook.with_name(CONF_NAME)] if workbook is not None else []
    home = os.environ.get("USERPROFILE") or str(Path.home())
    places.append(Path(home) / f".{XLWINGS_CONFIG_NAME}" / CONF_NAME)
    return places


def _read(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError:
        return ""
    for encoding in ("utf-8-sig", "gbk"):  # Notepad on a Chinese Windows saves GBK unless told otherwise
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""


def profile_setting(grids: Sequence[Grid], workbook: Path | None) -> str | None:
    """PROFILE from the workbook's xl_selfeval.conf sheet, else from the first config file that sets it."""
    for grid in grids:
        if grid.name.casefold() == CONF_NAME.casefold():
            found = value_in_sheet(grid, PROFILE_KEY)
            if found:
                return found
    for path in conf_files(workbook):
        found = value_in_file(_read(path), PROFILE_KEY)
        if found:
            return found
    return None
