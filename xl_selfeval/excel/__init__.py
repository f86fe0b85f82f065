"""The ribbon's RunPython targets: one button on the calling workbook; a failure becomes a message box, or,
when there is no Excel to show one, a message on stderr and exit code 1, which xlwings' RunPython shows."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from xl_selfeval.errors import UserError
from xl_selfeval.excel import commands, ui

if TYPE_CHECKING:
    from xlwings import App, Book

__all__ = ["check_caller", "clear_marks_caller", "recalc_caller", "report_caller", "rollover_caller"]

Work = Callable[["Book", commands.Progress], "str | None"]


def recalc_caller(book: Book | None = None) -> None:
    """重新计算: correct derived figures, fill blank scores, mark findings, rebuild 问题清单."""
    _run("重新计算", _recalc, book)


def check_caller(book: Book | None = None) -> None:
    """检查: mark findings and rebuild 问题清单, changing no figure."""
    _run("检查", _check, book)


def clear_marks_caller(book: Book | None = None) -> None:
    """清除标记: every fill and note of ours removed (the user's given back), 问题清单 deleted."""
    _run("清除标记", _clear, book)


def rollover_caller(book: Book | None = None) -> None:
    """新建下一年度: next year's workbook beside this one, opened in Excel."""
    _run("新建下一年度", lambda b, _: commands.rollover_book(b), book)


def report_caller(book: Book | None = None) -> None:
    """生成报告: the self-evaluation report's draft (.docx) beside this workbook, opened in Word."""
    _run("生成报告", lambda b, _: commands.report_book(b), book)


def _recalc(book: Book, progress: commands.Progress) -> str:
    result = commands.mark_book(book, correct=True, progress=progress)
    return commands.result_message(result, correct=True)


def _check(book: Book, progress: commands.Progress) -> str:
    result = commands.mark_book(book, correct=False, progress=progress)
    return commands.result_message(result, correct=False)


def _clear(book: Book, progress: commands.Progress) -> str:
    cleared = commands.clear_book(book, progress)
    return "已清除全部检查标记和问题清单。" if cleared else "没有需要清除的检查标记。"


def _caller_book() -> Book:
    import xlwings as xw  # here, not at the top: the command line never pays for importing xlwings

    return xw.Book.caller()


def _app_of(book: Book | None) -> App | None:
    if book is None:
        return None
    try:
        return book.app
    except Exception:
        return None


def _run(action: str, work: Work, book: Book | None) -> None:
    progress = commands.Progress()
    try:
        book = book if book is not None else _caller_book()
        message = work(book, progress)
        if message:
            ui.alert(_app_of(book), message)
    except UserError as error:
        ui.write_log(f"{action}：{error}")
        ui.show_error(_app_of(book), str(error))
    except Exception as error:
        log = ui.log_exception(action)
        message = failure_message(action, error, progress.writing, log)
        ui.show_error(_app_of(book), message, detail=traceback.format_exc())


def failure_message(action: str, error: BaseException, writing: bool, log: Path | None) -> str:
    """What to tell the user about an unexpected failure: what happened to the workbook, what to do."""
    detail = f"{type(error).__name__}: {error}"
    if len(detail) > 200:
        detail = detail[:200] + "…"
    lines = [f"“{action}”没有完成：程序遇到了意外错误（{detail}）。"]
    if writing:
        lines.append(
            "部分标记可能已经写入：可以点“清除标记”后再试；"
            "如需回到操作前的样子，请关闭工作簿且不保存，再重新打开。"
        )
    else:
        lines.append("工作簿没有被修改。")
    if log is not None:
        lines.append(f"详细信息已记录在日志文件：\n{log}\n如果问题反复出现，请把这个文件发给技术支持。")
    return "\n".join(lines)
