"""The openpyxl door: load workbooks defensively, save them atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from openpyxl import Workbook


def save_workbook(wb: Workbook, path: Path) -> None:
    """Write to a temporary file beside ``path``, then replace it, so a crash never leaves half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".~xl-selfeval-", suffix=path.suffix, dir=path.parent or ".")
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
