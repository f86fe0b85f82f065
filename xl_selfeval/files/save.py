"""Writing files safely: atomic saves, lock files of Excel/WPS and LibreOffice, backups, and write errors
told apart in Chinese (folder not writable, file open elsewhere, disk full)."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl_selfeval.errors import UserError
from xl_selfeval.naming import WORKBOOK_SUFFIXES

_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_SHARING_VIOLATION = {32, 33}  # Windows: ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION


def shown(path: Path) -> str:
    """A path as a message names it: control characters (terminal escapes) replaced."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(path))


def shown_name(path: Path) -> str:
    return shown(Path(path.name or str(path)))


# --- locks ----------------------------------------------------------------------------------------------


def lock_files(path: Path) -> list[Path]:
    """Lock files other programs leave beside a workbook they have open (Excel/WPS, LibreOffice)."""
    path = Path(path)
    names = [f"~${path.name}", f".~lock.{path.name}#"]
    if len(path.stem) > 2:
        names.append(f"~${path.name[2:]}")  # Office shortens long names: "~$" replaces the first two chars
    return [path.parent / n for n in names if (path.parent / n).is_file()]


def locked_error(path: Path, lock: Path | None = None) -> UserError:
    text = f"“{shown(path)}”正被其他程序打开（如 Excel/WPS），请先关闭后再试"
    if lock is not None:
        text += f"；如已关闭仍出现此提示，请删除同一文件夹中的锁文件“{shown_name(lock)}”"
    return UserError(text + "。")


def check_not_locked(path: Path) -> None:
    """Refuse a workbook another program has open: writing it would lose that program's edits or fail."""
    locks = lock_files(path)
    if locks:
        raise locked_error(path, locks[0])


def check_suffix(path: Path, *, output: bool = False) -> None:
    """Only .xlsx/.xlsm go through openpyxl and back."""
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        if output:
            raise UserError(f"输出文件“{shown_name(path)}”应以 .xlsx 或 .xlsm 结尾（与原工作簿相同）。")
        raise UserError(f"“{shown_name(path)}”不是 .xlsx/.xlsm 工作簿，请在 Excel 中另存为 .xlsx 后再试。")


# --- write errors -----------------------------------------------------------------------------------------


def _folder_writable(folder: Path) -> bool:
    try:
        fd, tmp = tempfile.mkstemp(prefix=".~xl-selfeval-probe-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    Path(tmp).unlink(missing_ok=True)
    return True


def write_error(path: Path, exc: OSError, *, untouched: str = "") -> UserError:
    """What went wrong writing ``path``, in Chinese: disk full, folder not writable, file open elsewhere,
    read-only file, or another reason; ``untouched`` names what was left as it was ("原文件未改动")."""
    path = Path(path)
    tail = f"{untouched}。" if untouched else "。"
    folder = path.parent if str(path.parent) else Path(".")
    if exc.errno in _DISK_FULL:
        return UserError(f"磁盘空间不足，无法写入“{shown(path)}”；请清理磁盘或换一个文件夹后再试{tail}")
    if not folder.is_dir():
        return UserError(f"输出文件夹不存在：{shown(folder)}{tail}")
    if not _folder_writable(folder):
        return UserError(
            f"文件夹“{shown(folder)}”不允许写入（没有写入权限或是只读位置），请换一个文件夹后再试{tail}"
        )
    locks = lock_files(path)
    if locks or getattr(exc, "winerror", None) in _SHARING_VIOLATION:
        return UserError(str(locked_error(path, locks[0] if locks else None)).rstrip("。") + tail)
    if path.exists() and not os.access(path, os.W_OK):
        return UserError(f"“{shown(path)}”是只读文件，请取消只读属性或另存为其他文件后再试{tail}")
    if isinstance(exc, PermissionError):
        return UserError(
            f"无法写入“{shown(path)}”：文件可能正被其他程序（如 Excel/WPS、杀毒软件或同步盘）使用，请关闭后再试{tail}"
        )
    return UserError(f"无法写入“{shown(path)}”（系统错误代码 {exc.errno}），请换一个文件夹后再试{tail}")


def check_can_write(path: Path, *, force: bool = False) -> None:
    """Before any work: the output must not exist (unless ``force``), its folder must exist and be
    writable, and no other program may have it open."""
    path = Path(path)
    if path.exists() and not force:
        raise UserError(f"输出文件已存在：{shown(path)}（如需覆盖，请加 --force）")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"输出文件夹不存在：{shown(folder)}")
    if not _folder_writable(folder):
        raise write_error(path, PermissionError(errno.EACCES, "not writable"))
    check_not_locked(path)


# --- saving ---------------------------------------------------------------------------------------------


def write_atomically(path: Path, write: Callable[[Path], object], *, untouched: str = "") -> None:
    """Write through a temporary file beside ``path``, then replace it, so a crash never leaves half a
    file; an OSError becomes a Chinese UserError naming ``path``."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".~xl-selfeval-", suffix=path.suffix, dir=path.parent or ".")
    except OSError as exc:
        raise write_error(path, exc, untouched=untouched) from None
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _mode_for(path))  # mkstemp makes it private (0600); keep the file's own permissions
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise write_error(path, exc, untouched=untouched) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_workbook(
    wb: Any, path: Path, *, untouched: str = "", then: Callable[[Path], object] | None = None
) -> None:
    """An openpyxl Workbook saved atomically to ``path``; ``then`` finishes the saved package before it
    replaces ``path`` (threaded comments put back)."""

    def write(tmp: Path) -> None:
        wb.save(tmp)
        if then is not None:
            then(tmp)

    write_atomically(Path(path), write, untouched=untouched)


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # the only way to read it; set straight back
        os.umask(umask)
        return 0o666 & ~umask


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


# --- backups --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backups:
    """Where recalc keeps a workbook's earlier versions: the user's original, kept once, and the version
    before the latest run, replaced each run. Two files at most, however often recalc runs."""

    original: Path
    previous: Path

    @classmethod
    def beside(cls, path: Path) -> Backups:
        path = Path(path)
        return cls(
            path.with_name(f"{path.stem}.原件{path.suffix}"),
            path.with_name(f"{path.stem}.上次{path.suffix}"),
        )

    def next_target(self) -> Path:
        """The file this run's backup goes to: the original if none is kept yet, else the previous one."""
        return self.previous if self.original.exists() else self.original

    def describe(self, made: Path) -> str:
        """One Chinese sentence saying where the backups are, for the console and the 问题清单."""
        if made == self.original:
            return f"原文件已备份为“{shown_name(made)}”（与原文件在同一文件夹）"
        return (
            f"本次运行前的版本已备份为“{shown_name(made)}”，最初的原件保存在“{shown_name(self.original)}”"
            "（均与原文件在同一文件夹）"
        )


def make_backup(path: Path, target: Path) -> Path:
    """Copy ``path`` to ``target`` (through a temporary file, so no half backup is left behind)."""
    write_atomically(target, lambda tmp: shutil.copy2(path, tmp), untouched="原文件未改动")
    return target
