"""问题清单 after recalc describes the workbook as written: what recalc corrected (this run or an earlier
one) is listed apart as 已更正 and not counted, so its open errors are those `check` finds afterwards and
those the console says still need checking, on the first run and on the second, through both doors."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from conftest import PUBLISHED
from test_excel_door import FakeExcel, FakeSheet, excel_module_recalc
from test_recalc_invariants import cli, console_open_errors, list_open_errors, outcome

from xl_selfeval.engine import run_engine
from xl_selfeval.excel import door
from xl_selfeval.findings import Outcome, Severity
from xl_selfeval.marks import LIST_TITLE

_LISTED = re.compile(r"共发现 \d+ 项问题：错误 (\d+) 项")
_APART = re.compile(r"另有 (\d+) 项已由重算更正")


def modified(folder: Path) -> Path:
    """The published 2024 forms with three more errors: a score above its 分值 (recalc cannot know the
    right one), and a 总分 typed wrong (it corrects it), beside the published 61.65% (it corrects it)."""
    path = folder / "岳阳-改.xlsx"
    wb = openpyxl.load_workbook(PUBLISHED)
    ws = wb["附件2"]
    assert (ws["I14"].value, ws["I33"].value) == (5, 95.61)
    ws["I14"], ws["I33"] = 7, 90
    wb.save(path)
    return path


def errors(found: Outcome) -> int:
    return sum(f.severity is Severity.ERROR for f in found.findings)


def listed_rows(path: Path) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(path)
    (ws,) = [ws for ws in wb.worksheets if ws["A1"].value == LIST_TITLE]
    return [row for row in ws.iter_rows(values_only=True)]


def test_the_list_counts_what_the_written_workbook_still_has_file_door(tmp_path: Path) -> None:
    path = modified(tmp_path)
    before = outcome(path)
    assert (
        errors(before) == 3 and sum(f.fix is not None for f in before.findings if f.severity.rank == 0) == 2
    )
    runs = []
    for _ in range(2):
        run = cli("recalc", str(path))
        still = errors(outcome(path))  # `check` of the workbook as written
        assert still == 1
        assert list_open_errors(path) == console_open_errors(run) == still, run.out
        runs.append([row for row in listed_rows(path) if not (row[0] and "备份" in str(row[0]))])
    assert runs[0] == runs[1]  # the second run lists the same, the corrections still apart
    rows = runs[0]
    severities = [row[1] for row in rows[rows.index(next(r for r in rows if r[0] == "序号")) + 1 :]]
    corrected = [s for s in severities if str(s).startswith("已更正")]
    assert corrected == ["已更正（原警告）", "已更正（原错误）", "已更正（原错误）"]
    assert severities[-3:] == corrected  # after every open problem
    summary = [str(row[0]) for row in rows if row[0] and _APART.search(str(row[0]))]
    assert summary and _APART.search(summary[0])[1] == "3"  # type: ignore[index]


def _list_counts(sheet: FakeSheet) -> tuple[int, int, int]:
    """(open errors in the summary, rows of severity 错误, rows of 已更正) of the fake's 问题清单."""
    texts = [str(v) for (r, c), v in sorted(sheet.values.items()) if c == 1]
    summary = next((t for t in texts if _LISTED.search(t)), "")
    counted = int(_LISTED.search(summary)[1]) if summary else 0  # type: ignore[index]
    severities = [v for (r, c), v in sheet.values.items() if c == 2]
    return (
        counted,
        severities.count(Severity.ERROR.label),
        sum(str(s).startswith("已更正") for s in severities),
    )


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_the_list_counts_what_the_written_workbook_still_has_excel_door(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    excel = FakeExcel(platform)
    monkeypatch.setattr(door, "on_windows", lambda: platform == "win32")
    book = excel.open_file(modified(tmp_path))
    for _ in range(2):
        excel_module_recalc(book)
        written = run_engine(door.read_book(book.mock).grids)
        assert _list_counts(book.sheet("问题清单")) == (errors(written), errors(written), 3) == (1, 1, 3)
        assert "共发现 10 项问题：错误 1 项" in excel.alerts[-1]["prompt"], excel.alerts[-1]
