"""The file door's entry points in one place, for callers that import them from here (generate, bundled):
the work itself is split by job into save, drawings, marks and recalc."""

from __future__ import annotations

from xl_selfeval.files.drawings import objects_openpyxl_drops
from xl_selfeval.files.marks import apply_outcome, clear_marks, fill_from_token, fill_token
from xl_selfeval.files.recalc import RecalcResult, load_for_update, write_recalc
from xl_selfeval.files.save import check_not_locked, lock_files, save_workbook

__all__ = [
    "RecalcResult",
    "apply_outcome",
    "check_not_locked",
    "clear_marks",
    "fill_from_token",
    "fill_token",
    "load_for_update",
    "lock_files",
    "objects_openpyxl_drops",
    "save_workbook",
    "write_recalc",
]
