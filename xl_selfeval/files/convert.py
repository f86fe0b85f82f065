"""Converting files the readers do not parse (.doc, .et, .wps, .xlsb, …) with LibreOffice headless."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from xl_selfeval.errors import UserError
from xl_selfeval.files.xlsx import _printable

__all__ = ["TIMEOUT_SECONDS", "converted", "find_soffice"]

TIMEOUT_SECONDS = 120

# LibreOffice's export filter for each target (the old formats serve the test fixtures).
_FILTERS = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "docx": "docx:MS Word 2007 XML",
    "xls": "xls:MS Excel 97",
    "ods": "ods:calc8",
    "doc": "doc:MS Word 97",
    "odt": "odt:writer8",
    "rtf": "rtf:Rich Text Format",
}
_SAVE_AS_WORD = "请在 Word 或 WPS 中打开并另存为 .docx 后再试"
_SAVE_AS_SHEET = "请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试"


def find_soffice() -> str | None:
    """The LibreOffice program on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _kill(process: subprocess.Popen[bytes]) -> None:
    # soffice starts helper processes: end its whole session, which is ours alone (start_new_session).
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()
    process.wait()


@contextmanager
def converted(path: Path, target: str, timeout: float | None = None) -> Iterator[Path]:
    """``path`` converted to ``target`` (a key of _FILTERS) in a temporary folder, removed afterwards.

    Each call has its own LibreOffice profile (two calls sharing one fail quietly) and a timeout. Without
    LibreOffice, or when it cannot convert, raises UserError saying which format to save as.
    """
    path = Path(path)
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    name = _printable(path.name or str(path))
    save_as = _SAVE_AS_WORD if target in ("docx", "doc", "odt", "rtf") else _SAVE_AS_SHEET
    soffice = find_soffice()
    if soffice is None:
        raise UserError(f"“{name}”需要先转换格式，但本机没有安装 LibreOffice；{save_as}。")
    with tempfile.TemporaryDirectory(prefix="xl-selfeval-convert-") as tmp:
        work = Path(tmp)
        # A plain copied name: the user's file name never reaches the command line, and the output
        # name is known in advance.
        source = work / f"source{path.suffix.lower()}"
        try:
            shutil.copyfile(path, source)
        except OSError as exc:
            raise UserError(f"无法读取文件“{name}”（{exc.strerror or exc}）。") from None
        out = work / "out"
        command = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            *("--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck"),
            *("--convert-to", _FILTERS[target], "--outdir", str(out), str(source)),
        ]
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise UserError(
                f"用 LibreOffice 转换“{name}”超过 {timeout:.0f} 秒仍未完成，已停止；{save_as}。"
            ) from None
        except BaseException:
            _kill(process)
            raise
        result = out / f"source.{target}"
        if not result.is_file() or result.stat().st_size == 0:
            raise UserError(f"LibreOffice 无法转换“{name}”（文件可能已损坏或已加密）；{save_as}。")
        # Named after the user's file, so a message from the reader names something the user knows.
        named = work / "named" / f"{path.stem or 'source'}.{target}"
        named.parent.mkdir()
        try:
            result.rename(named)
        except OSError:  # a name the file system refuses here: keep the plain one
            named = result
        yield named
