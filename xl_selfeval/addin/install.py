"""Install the 绩效自评 add-in for Windows Excel: XLSTART copy, xl_selfeval.conf, optional drop launcher."""

from __future__ import annotations

import contextlib
import locale
import os
import platform
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xl_selfeval.addin.build import build_addin
from xl_selfeval.addin.names import ADDIN_TITLE, XLWINGS_CONFIG_NAME

ADDIN_FILE_NAME = f"{ADDIN_TITLE}.xlam"
LAUNCHER_FILE_NAME = f"{ADDIN_TITLE}-重新计算.bat"
INTERPRETER_KEY = "INTERPRETER_WIN"  # the key xlwings' RunPython reads on Windows

# A line of an xlwings settings file as VBA's `Write #` produces it: "KEY","value"
_CONF_KEY = re.compile(rb'^\s*"([^"]*)"\s*,')


class AddinInstallError(RuntimeError):
    """The add-in cannot be installed; the message (Chinese) says why and what to do."""


@dataclass(frozen=True)
class WindowsPaths:
    """Where the add-in, its settings file and the launcher go for one Windows user. The settings file is
    %USERPROFILE%\\.xl_selfeval\\xl_selfeval.conf, read by the add-in's xlwings VBA only (names.py): xlwings'
    own %USERPROFILE%\\.xlwings\\xlwings.conf, which other xlwings tools use, is left alone."""

    profile: Path
    xlstart: Path
    config_file: Path
    desktop: Path

    @property
    def addin(self) -> Path:
        return self.xlstart / ADDIN_FILE_NAME

    @property
    def launcher(self) -> Path:
        return self.desktop / LAUNCHER_FILE_NAME


def windows_paths(profile: Path | None = None) -> WindowsPaths:
    """Paths for the user ``profile`` (a fake one in tests), or for the current Windows user."""
    if profile is not None:
        appdata = profile / "AppData" / "Roaming"
        desktop = profile / "Desktop"
    else:
        profile = Path(os.environ.get("USERPROFILE") or Path.home())
        appdata = Path(os.environ.get("APPDATA") or profile / "AppData" / "Roaming")
        desktop = _current_user_desktop() or profile / "Desktop"
    return WindowsPaths(
        profile=profile,
        xlstart=appdata / "Microsoft" / "Excel" / "XLSTART",
        config_file=profile / f".{XLWINGS_CONFIG_NAME}" / f"{XLWINGS_CONFIG_NAME}.conf",
        desktop=desktop,
    )


def _current_user_desktop() -> Path | None:
    """The Desktop folder from the registry: it may be moved, e.g. into OneDrive."""
    if sys.platform != "win32":
        return None
    import winreg

    key_path = r"Software\Microsoft\Windows\CurrentVersion\Explorer\User Shell Folders"
    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key_path) as key:
            value, _ = winreg.QueryValueEx(key, "Desktop")
    except OSError:
        return None
    return Path(os.path.expandvars(str(value)))


def _conf_encoding() -> str:
    # VBA's `Open ... For Input` (xlwings' GetConfigFromFile) reads the ANSI code page.
    return "mbcs" if sys.platform == "win32" else locale.getpreferredencoding(False)


def pythonw_executable() -> Path:
    """pythonw.exe beside the running interpreter: RunPython then opens no console window."""
    pythonw = Path(sys.executable).with_name("pythonw.exe")
    if sys.platform == "win32" and not pythonw.is_file():
        return Path(sys.executable)  # e.g. an embedded Python without pythonw: still works
    return pythonw


def set_conf_value(existing: bytes, key: str, value: str, encoding: str) -> tuple[bytes, int]:
    """Settings file bytes with ``key`` set to ``value``; other lines are kept byte for byte.

    Returns the new content and how many other settings were kept. Keys compare without
    case, as xlwings' GetConfigFromFile does.
    """
    new_line = f'"{key}","{value}"'.encode(encoding)
    lines = existing.splitlines()
    out: list[bytes] = []
    kept = 0
    placed = False
    for line in lines:
        match = _CONF_KEY.match(line)
        if match and match.group(1).decode("ascii", errors="replace").upper() == key.upper():
            if not placed:
                out.append(new_line)
                placed = True
            continue  # drop duplicates: VBA would only ever read the first one
        if match:
            kept += 1
        out.append(line)
    if not placed:
        out.append(new_line)
    return b"\r\n".join(out) + b"\r\n", kept


def launcher_script(python: Path) -> str:
    """The .bat onto which a workbook is dropped: recalculate it, then open it in Excel (also when errors
    remain, exit 1); only when nothing was written does it say so and leave the workbook closed."""
    python_path = str(python).replace("%", "%%")  # % starts a variable in batch files
    lines = [
        "@echo off",
        # Switch the console to UTF-8 first: cmd decodes each following line with it,
        # so the Chinese text and paths below must come after this line.
        "chcp 65001 >nul",
        f"rem {ADDIN_TITLE}：把工作簿拖到本文件上，即可重新计算并在 Excel 中打开。",
        'if "%~1"=="" (',
        "    echo 请把要重新计算的绩效自评工作簿拖到本文件的图标上。",
        "    pause",
        "    exit /b 2",
        ")",
        f'"{python_path}" -m xl_selfeval recalc "%~1"',
        # Exit codes of recalc: 0 written, no error; 1 written, errors remain (counted on the line above,
        # marked in the workbook); 2 nothing written (message above); anything else a failure too.
        'set "RC=%errorlevel%"',
        'if "%RC%"=="0" (',
        "    echo 重新计算完成，未发现错误，正在打开工作簿。",
        '    start "" "%~1"',
        "    exit /b 0",
        ")",
        'if "%RC%"=="1" (',
        "    echo.",
        "    echo 重新计算完成，但仍有错误（个数见上一行），正在打开工作簿，请按“问题清单”逐项核对。",
        '    start "" "%~1"',
        "    pause",
        "    exit /b 1",
        ")",
        "echo.",
        "echo 重新计算没有成功，工作簿未改动，请查看上面的提示。",
        "pause",
        "exit /b %RC%",
    ]
    return "\r\n".join(lines) + "\r\n"


def _write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".~", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    try:
        write(Path(temp_name))
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def install_addin(
    *,
    dry_run: bool,
    launcher: bool,
    profile: Path | None = None,
    system: str | None = None,
    source: Path | None = None,
) -> list[str]:
    """Install the add-in for the current (or the given fake) Windows user; return what was done.

    ``source`` is an already built .xlam to copy; by default the add-in is built afresh.
    Raises AddinInstallError, with a Chinese message, off Windows or when a file cannot be written.
    """
    system = system or platform.system()
    if system != "Windows":
        raise AddinInstallError(
            f"“{ADDIN_TITLE}”加载项只能安装到 Windows 版 Excel（当前系统：{system}）。"
            "在其他系统上请用命令行：python -m xl_selfeval recalc 工作簿.xlsx"
        )
    paths = windows_paths(profile)
    will = "将" if dry_run else "已"
    report: list[str] = []

    try:
        if not dry_run:
            if source is not None:
                _write_atomically(paths.addin, lambda temp: shutil.copyfile(source, temp))
            else:
                paths.xlstart.mkdir(parents=True, exist_ok=True)
                build_addin(paths.addin)
        report.append(f"{will}把加载项放到 Excel 启动文件夹：{paths.addin}")

        pythonw = pythonw_executable()
        existing = paths.config_file.read_bytes() if paths.config_file.is_file() else b""
        try:
            content, kept = set_conf_value(existing, INTERPRETER_KEY, str(pythonw), _conf_encoding())
        except UnicodeEncodeError as error:
            raise AddinInstallError(
                f"Python 的路径 {pythonw} 含有系统代码页无法表示的字符，Excel 读不到它。"
                "请把 Python 安装到只含中英文常用字符的路径后重试。"
            ) from error
        if not dry_run:
            _write_atomically(paths.config_file, lambda temp: temp.write_bytes(content))
        kept_note = f"（保留了原有的 {kept} 项其他设置）" if kept else ""
        report.append(
            f"{will}在加载项设置文件 {paths.config_file} 中设置 {INTERPRETER_KEY} = {pythonw}{kept_note}"
        )

        if launcher:
            script = launcher_script(Path(sys.executable))
            if not dry_run:
                # UTF-8 without BOM: a BOM would break the first line ("@echo off").
                _write_atomically(paths.launcher, lambda temp: temp.write_bytes(script.encode("utf-8")))
            report.append(f"{will}在桌面生成拖放脚本：{paths.launcher}（把工作簿拖到它上面即可重新计算）")
    except PermissionError as error:
        raise AddinInstallError(
            f"无法写入 {error.filename}：Excel 可能正在使用旧版加载项。请关闭所有 Excel 窗口后重试。"
        ) from error

    if dry_run:
        report.append("演练模式：以上操作均未执行，没有写入任何文件。")
    else:
        report.append(f"完成。请重新启动 Excel，功能区上会出现“{ADDIN_TITLE}”选项卡。")
    return report
