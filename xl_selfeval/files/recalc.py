"""recalc through files: load the workbook for update, apply the plan, back it up and save it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook

from xl_selfeval.errors import UserError
from xl_selfeval.files.drawings import objects_openpyxl_drops
from xl_selfeval.files.marks import apply_outcome
from xl_selfeval.files.save import (
    Backups,
    check_not_locked,
    check_suffix,
    make_backup,
    same_file,
    save_workbook,
    shown,
    shown_name,
    write_error,
)
from xl_selfeval.files.threaded import LOST_KIND as THREADS_LOST
from xl_selfeval.files.threaded import Threads, Unreadable, put_back, read_threads
from xl_selfeval.findings import Outcome
from xl_selfeval.limits import DEFAULT_LIMITS, Limits

UNTOUCHED = "原文件未改动"


def load_for_update(path: Path, *, check_lock: bool = True) -> Workbook:
    """Open a workbook to change it: formulas kept (not their cached values), VBA kept for .xlsm."""
    path = Path(path)
    check_suffix(path)
    if check_lock:
        check_not_locked(path)
    from xl_selfeval.files.xlsx import assert_openpyxl_is_defused

    assert_openpyxl_is_defused()
    try:
        # rich_text: a cell with mixed fonts keeps them when saved back.
        return load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", data_only=False, rich_text=True)
    except FileNotFoundError:
        raise UserError(f"找不到文件“{shown_name(path)}”，请检查路径后再试。") from None
    except IsADirectoryError:
        raise UserError(f"“{shown_name(path)}”不是文件（可能是文件夹），请指定一个 .xlsx 工作簿。") from None
    except PermissionError:
        raise UserError(f"无法读取“{shown(path)}”：没有读取权限，或文件正被其他程序独占。") from None
    except Exception as exc:  # openpyxl raises many types on a damaged or foreign file
        raise UserError(
            f"无法打开“{shown_name(path)}”：文件已损坏、已加密或不是 Excel 工作簿，"
            "请在 Excel 中另存为 .xlsx 后再试。"
        ) from exc


@dataclass(frozen=True)
class RecalcResult:
    """What write_recalc wrote, the backup it made, the name 问题清单 got, and warnings (Chinese, one line
    each) for the user."""

    path: Path
    backup: Path | None = None
    warnings: tuple[str, ...] = ()
    list_sheet: str = ""
    backup_text: str = ""  # where the backups are, as 问题清单 says it

    # Callers that took the old return value (the written Path) as a path or printed it keep working.
    def __fspath__(self) -> str:
        """The written file, for open() and Path()."""
        return os.fspath(self.path)

    def __str__(self) -> str:
        """The written file, as printed after 已写入."""
        return str(self.path)


def write_recalc(
    source: Path,
    outcome: Outcome,
    *,
    output: Path | None = None,
    backup: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> RecalcResult:
    """Apply ``outcome`` to ``source`` and save: in place (with a backup unless ``backup`` is False), or to
    ``output``, leaving the source untouched. Refuses an in-place write without backup that would lose
    text boxes, shapes or controls; otherwise says in ``warnings`` what was not kept and where it is."""
    source = Path(source)
    target = Path(output) if output is not None else source
    in_place = output is None or same_file(source, target)
    check_suffix(source)
    check_suffix(target, output=not in_place)
    if target.suffix.lower() != source.suffix.lower():
        # openpyxl writes the package type of the source: an .xlsm saved as .xlsx (or back) will not open.
        raise UserError(
            f"输出文件的扩展名应与原文件相同（{source.suffix}），收到的是“{shown_name(target)}”。"
        )
    if not target.parent.is_dir():
        raise UserError(f"输出文件夹不存在：{shown(target.parent)}")
    check_not_locked(target)
    wb = load_for_update(source, check_lock=in_place)
    # After loading: a file openpyxl cannot open gets its own message, not one about shapes.
    try:
        threads = read_threads(source, limits)
        unreadable = []
    except Unreadable:  # there, but not safely readable: named with what a save loses
        threads, unreadable = Threads(), [THREADS_LOST]
    lost = "、".join([*objects_openpyxl_drops(source, limits), *unreadable])
    if lost and in_place and not backup:
        # Nothing else would hold these objects afterwards: refuse rather than destroy them.
        raise UserError(
            f"“{shown_name(source)}”含有{lost}等对象，重算后无法保留；请去掉 --no-backup 或用 -o 另存，{UNTOUCHED}。"
        )
    backups = Backups.beside(source)
    backup_to = backups.next_target() if in_place and backup else None
    told = backups.describe(backup_to) if backup_to is not None else ""
    list_sheet = apply_outcome(wb, outcome, backup=told, threads=threads.cells)
    check_not_locked(target)  # the user may have opened it while we worked
    if backup_to is not None:
        make_backup(source, backup_to)
    try:
        # openpyxl drops threaded comments: their parts are put back into the saved package.
        save_workbook(wb, target, untouched=UNTOUCHED, then=lambda saved: put_back(saved, threads, limits))
    except OSError as exc:  # pragma: no cover - save_workbook turns these into UserError already
        raise write_error(target, exc, untouched=UNTOUCHED) from None
    warnings: tuple[str, ...] = ()
    if lost and backup_to is not None:
        warnings = (f"注意：本工作簿中的{lost}等对象无法保留，{told}。",)
    elif lost:
        warnings = (
            f"注意：本工作簿中的{lost}等对象无法保留到“{shown_name(target)}”中，原文件“{shown_name(source)}”未改动。",
        )
    return RecalcResult(target, backup_to, warnings, list_sheet, told)
