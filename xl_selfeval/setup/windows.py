"""The real System for doctor: this PC's registry (winreg), files and alternate data streams."""

from __future__ import annotations

import locale
import struct
import sys
from importlib import metadata
from pathlib import Path

from xl_selfeval.setup import pinned_xlwings_version
from xl_selfeval.setup.doctor import System


class WinRegistry:
    """winreg, reading HKLM in the 64-bit view first, then the 32-bit one."""

    def value(self, key: str, name: str) -> str | int | None:
        if sys.platform != "win32":  # lets mypy on other systems skip winreg
            return None
        import winreg

        roots = {
            "HKCU": winreg.HKEY_CURRENT_USER,
            "HKLM": winreg.HKEY_LOCAL_MACHINE,
            "HKCR": winreg.HKEY_CLASSES_ROOT,
        }
        root, _, path = key.partition("\\")
        for view in (winreg.KEY_WOW64_64KEY, winreg.KEY_WOW64_32KEY):
            try:
                with winreg.OpenKey(roots[root], path, 0, winreg.KEY_READ | view) as handle:
                    value, _ = winreg.QueryValueEx(handle, name)
            except OSError:
                continue
            return value if isinstance(value, (str, int)) else str(value)
        return None


def read_file(path: Path, limit: int | None = None) -> bytes | None:
    """The file's bytes (the first ``limit`` of them), None if it does not exist.

    On Windows ``name:Zone.Identifier`` opens the alternate data stream Mark of the Web lives in."""
    try:
        with open(path, "rb") as handle:
            return handle.read(-1 if limit is None else limit)
    except OSError:
        return None


def _distribution_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def current_system() -> System:
    windows = sys.platform == "win32"
    return System(
        windows=windows,
        profile=None,
        registry=WinRegistry() if windows else None,
        read_file=read_file,
        code_page=locale.getpreferredencoding(False) if windows else None,
        python_version=sys.version.split()[0],
        python_bits=struct.calcsize("P") * 8,
        python_executable=Path(sys.executable),
        distribution_version=_distribution_version,
        pinned_xlwings=pinned_xlwings_version(),
    )
