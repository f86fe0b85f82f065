"""What the user sees of a ribbon click besides the workbook: status bar, message boxes, and the log file."""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from xl_selfeval.addin.build import ADDIN_TITLE

if TYPE_CHECKING:
    from xlwings import App

LOG_NAME = "xl-selfeval.log"
_LOG_LIMIT = 1024 * 1024  # bytes; the log is then moved to xl-selfeval.log.1 (one old copy is kept)


def log_file() -> Path:
    """%LOCALAPPDATA%\\xl-selfeval\\xl-selfeval.log on Windows, ~/.xl-selfeval/xl-selfeval.log elsewhere."""
    local = os.environ.get("LOCALAPPDATA") if sys.platform == "win32" else None
    folder = Path(local) / "xl-selfeval" if local else Path.home() / ".xl-selfeval"
    return folder / LOG_NAME


def write_log(text: str) -> Path | None:
    """Append ``text`` with a time stamp; the path written, or None when even that failed (no message box
    should ever be replaced by a second error about the log)."""
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.stat().st_size > _LOG_LIMIT:
            os.replace(path, path.with_name(LOG_NAME + ".1"))
        stamp = dt.datetime.now().isoformat(sep=" ", timespec="seconds")
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp} (pid {os.getpid()})\n{text.rstrip()}\n")
    except OSError:
        return None
    return path


def log_exception(action: str) -> Path | None:
    """The traceback of the exception being handled, under the button's name."""
    return write_log(f"{action}：\n{traceback.format_exc()}")


def alert(app: App | None, text: str, *, buttons: str = "ok", mode: str | None = "info") -> str | None:
    """Excel's message box; the button pressed ('ok', 'yes', 'no', 'cancel'), or None if none was shown."""
    if app is None:
        write_log(f"（无法显示提示框）{text}")
        return None
    try:
        return app.alert(text, title=ADDIN_TITLE, buttons=buttons, mode=mode)
    except Exception:
        log_exception("显示提示框")
        return None


@contextmanager
def status(app: App) -> Iterator[Callable[[str], None]]:
    """A function that shows a message in Excel's status bar; the bar goes back to Excel on leaving."""

    def say(text: str) -> None:
        app.status_bar = text

    try:
        yield say
    finally:
        try:
            app.status_bar = False  # Excel's own status messages again
        except Exception:
            log_exception("恢复状态栏")


@contextmanager
def quiet(app: App) -> Iterator[None]:
    """Screen updating and automatic calculation off while we write, each put back as it was, also when
    the writes fail: a workbook left in manual calculation would silently show stale figures."""
    updating = app.screen_updating
    calculation = app.calculation
    app.screen_updating = False
    try:
        app.calculation = "manual"
        yield
    finally:
        try:
            app.calculation = calculation
        finally:
            app.screen_updating = updating
