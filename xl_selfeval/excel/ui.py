"""What the user sees of a ribbon click besides the workbook: status bar, message boxes, and the log file."""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from xl_selfeval.addin.names import ADDIN_TITLE  # not addin.build: a click must not import jinja2, olefile

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


def show_error(app: App | None, text: str, *, detail: str = "") -> None:
    """A failure told in Excel's message box; when there is no Excel to show it (Book.caller() failed, the
    box itself failed), told to xlwings' RunPython instead, see exit_to_runpython."""
    if app is not None:
        try:
            app.alert(text, title=ADDIN_TITLE, buttons="ok", mode="critical")
            return
        except Exception:
            log_exception("显示提示框")
    exit_to_runpython(text, detail)


def exit_to_runpython(text: str, detail: str = "") -> NoReturn:
    """``text`` (and ``detail``, e.g. a traceback) on stderr, then exit code 1. RunPython redirects stderr
    to a temporary file and shows that file in a message box when Python exits non-zero (xlwings'
    Main.bas ExecuteWindows: `If ExitCode <> 0 Then Call ShowError(LOG_FILE)`); exit code 0 shows
    nothing at all. VBA reads that file in the ANSI code page, so on Windows it is written in it."""
    write_log(f"（无法显示提示框）{text}")
    message = f"{ADDIN_TITLE}：{text}"
    if detail:
        message += f"\n\n{detail.rstrip()}"
    _write_stderr(message + "\n")
    raise SystemExit(1)


def _write_stderr(text: str) -> None:
    stream = sys.stderr
    if stream is None:  # pythonw without a redirected stderr: the log file has it
        return
    try:
        stream.flush()
        buffer = getattr(stream, "buffer", None)
        encoding = stderr_encoding()
        if buffer is not None and encoding is not None:
            # Bytes bypass the stream's newline translation; VBA's Line Input ends a line at CR or CRLF.
            buffer.write(text.replace("\n", "\r\n").encode(encoding, errors="replace"))
            buffer.flush()
        else:
            stream.write(text)
            stream.flush()
    except (OSError, ValueError):
        pass  # the exit code still makes xlwings show whatever reached the file


def stderr_encoding() -> str | None:
    """What the stderr bytes are encoded in (None: the stream's own text encoding). On Windows the ANSI
    code page, which VBA's `Line Input` reads (Python's own choice may be UTF-8, e.g. under PYTHONUTF8)."""
    return "mbcs" if sys.platform == "win32" else None


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
