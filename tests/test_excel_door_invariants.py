"""The ribbon's 重新计算 keeps recalc's promises too: the seeded mutations of tests/test_recalc_invariants.py
run through the xlwings door against the autospec'd fakes of tests/test_excel_door.py (Windows and Mac in
turn), and our layout's formula typed over is restored there as the file door restores it.

CI runs a fixed seeded subset; XL_SELFEVAL_EXCEL_MUTATIONS=200 runs more.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import openpyxl
import pytest
from test_excel_door import FakeBook, FakeExcel, FakeSheet, excel_module_recalc
from test_recalc_invariants import CORPUS, SEED, _typed_forms, build_corpus, cli, error_keys, mutate

from xl_selfeval import marks
from xl_selfeval.engine import run_engine
from xl_selfeval.excel import door
from xl_selfeval.findings import Outcome, Severity

MUTATIONS = int(os.environ.get("XL_SELFEVAL_EXCEL_MUTATIONS", "12"))
_LISTED = re.compile(r"共发现 \d+ 项问题：错误 (\d+) 项")


def checked(book: FakeBook) -> Outcome:
    """`check` of the workbook as Excel holds it now, read through the door."""
    return run_engine(door.read_book(book.mock).grids)


def _ours(sheet: FakeSheet) -> bool:
    return sheet.name == marks.RECORD_SHEET or sheet.values.get((1, 1)) == marks.LIST_TITLE


def state(book: FakeBook) -> dict[str, object]:
    """Everything a run may change: sheets, their cells (values and formulas), fills and notes."""
    return {
        s.name: (
            s.visible,
            dict(s.values),
            dict(s.formulas),
            dict(s.fills),
            {c: list(n) for c, n in s.notes.items()},
        )
        for s in book.sheets
    }


def assert_kept_what_was_typed(before: dict[str, object], book: FakeBook) -> None:
    """Labels unchanged; a changed value is a figure whose note keeps the old value as typed; no formula
    of the user's replaced (only our layout's comes back where a number was typed over it)."""
    for sheet in book.sheets:
        if _ours(sheet) or sheet.name not in before:
            continue
        _, values, formulas, _, _ = before[sheet.name]  # type: ignore[misc]
        for cell, value in values.items():
            now = sheet.values.get(cell)
            if marks.is_label(value):
                assert now == value, f"{sheet.name}!{cell}: label {value!r} became {now!r}"
            elif now != value and cell not in formulas and value is not None:
                note = sheet.notes.get(cell, [""])[0]
                assert any(form in note for form in _typed_forms(value)), (
                    f"{sheet.name}!{cell}: {value!r} → {now!r}, note does not keep it: {note!r}"
                )
        for cell, formula in formulas.items():
            assert sheet.formulas.get(cell) == formula, f"{sheet.name}!{cell}: formula {formula} replaced"
        for cell, value in sheet.values.items():
            if cell not in values and isinstance(value, str):
                assert not marks.is_label(value), f"{sheet.name}!{cell}: a label appeared: {value!r}"


def list_open_errors(book: FakeBook) -> int:
    (sheet,) = [s for s in book.sheets if s.values.get((1, 1)) == marks.LIST_TITLE]
    texts = [str(v) for (r, c), v in sorted(sheet.values.items()) if c == 1]
    summary = next((t for t in texts if _LISTED.search(t)), "")
    return int(_LISTED.search(summary)[1]) if summary else 0  # type: ignore[index]


def assert_excel_invariants(excel: FakeExcel, book: FakeBook) -> None:
    found_before = checked(book)
    before = state(book)
    excel_module_recalc(book)
    assert excel.alerts[-1]["mode"] != "critical", excel.alerts[-1]
    first_message = excel.alerts[-1]["prompt"]
    assert_kept_what_was_typed(before, book)

    found_after = checked(book)
    errors_before, errors_after = error_keys(found_before), error_keys(found_after)
    assert not errors_after - errors_before, f"recalc made new errors: {errors_after - errors_before}"
    fixed = error_keys(found_before, fixed_only=True)
    assert not fixed & errors_after, f"said fixed but still there: {fixed & errors_after}"
    assert list_open_errors(book) == sum(f.severity is Severity.ERROR for f in found_after.findings)

    once = state(book)
    excel_module_recalc(book)
    again = state(book)
    for name in once.keys() | again.keys():
        assert once.get(name) == again.get(name), f"the second 重新计算 changed {name}"
    assert excel.alerts[-1]["prompt"] == first_message  # the summary it shows, too


def _cases() -> list[tuple[int, str]]:
    rng = random.Random(SEED + 1)
    return [(n, rng.choice(CORPUS)) for n in range(MUTATIONS)]


@pytest.mark.parametrize(("n", "name"), _cases())
def test_the_ribbon_keeps_recalcs_promises_on_mutated_workbooks(
    n: int, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = "win32" if n % 2 == 0 else "darwin"
    excel = FakeExcel(platform)
    monkeypatch.setattr(door, "on_windows", lambda: platform == "win32")
    path = build_corpus(name, tmp_path)
    what = mutate(path, random.Random(SEED * 1000 + n))
    try:
        run_engine_ok = True
        from xl_selfeval.files.xlsx import read_workbook

        run_engine(read_workbook(path))
    except Exception:
        run_engine_ok = False  # not read as a form: the ribbon tells so, nothing to mark
    book = excel.open_file(path, marks_from_file=True)
    try:
        if run_engine_ok:
            assert_excel_invariants(excel, book)
        else:
            before = state(book)
            excel_module_recalc(book)
            assert state(book) == before
    except AssertionError as exc:
        raise AssertionError(f"mutation #{n} of {name} ({what}) on {platform}: {exc}") from None


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_the_ribbon_restores_our_layout_formula_typed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    """As tests/test_recalc_invariants.py does through files: in a workbook `new` made, a number typed
    over 执行率 and 总分 gives way to the layout's formula again, the typed number kept in the note."""
    path = tmp_path / "2025年度绩效自评.xlsx"
    assert cli("new", "--year", "2025", "-o", str(path)).code == 0
    wb = openpyxl.load_workbook(path)
    name = "附件3 项目支出绩效自评表"
    ws = wb[name]
    rate_formula, total_formula = ws["H9"].value, ws["H32"].value
    assert str(rate_formula).startswith("=IF(") and str(total_formula).startswith("=SUM(")
    ws["E6"], ws["F6"], ws["G9"] = 200, 150, 10
    ws["H9"] = 0.9  # 90% typed over the rate: 150÷200 is 75%
    ws["H9"].number_format = "0.00%"
    ws["H32"] = 88  # a total typed over its SUM
    wb.save(path)

    excel = FakeExcel(platform)
    monkeypatch.setattr(door, "on_windows", lambda: platform == "win32")
    book = excel.open_file(path)
    sheet = book.sheet(name)
    excel_module_recalc(book)
    assert excel.alerts[-1]["mode"] != "critical", excel.alerts[-1]
    assert (sheet.formulas.get((9, 8)), sheet.formulas.get((32, 8))) == (rate_formula, total_formula)
    assert "已恢复本表原有的公式（原为手填数字90.00%）" in sheet.notes[(9, 8)][0]
    assert "已恢复本表原有的公式（原为手填数字88" in sheet.notes[(32, 8)][0]
    listed = next(s for s in book.sheets if s.values.get((1, 1)) == marks.LIST_TITLE)
    assert any(str(v).startswith("已更正") for (r, c), v in listed.values.items() if c == 2)

    # Excel computes the restored formulas (as LibreOffice does in the file door's test); then a second
    # 重新计算 finds nothing more to write and changes nothing.
    sheet.values[(9, 8)], sheet.values[(32, 8)] = 0.75, 7.5
    sheet.values[(9, 9)] = 7.5
    once = state(book)
    excel_module_recalc(book)
    assert state(book) == once
