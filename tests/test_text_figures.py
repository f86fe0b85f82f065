"""Text typed or pasted into a figure cell of the template: seen at once, blamed on that cell, fixed by recalc."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
from conftest import EXAMPLE
from openpyxl.utils.cell import range_boundaries

from xl_selfeval.files.generate import blank_contents, build_workbook


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xl_selfeval", *args], capture_output=True, text=True, timeout=300
    )


def test_every_figure_input_cell_turns_red_when_it_holds_text() -> None:
    wb = build_workbook(blank_contents(2025, ["运转经费"]))
    for ws in wb.worksheets:
        marked: set[tuple[int, int]] = set()
        for rng in ws.conditional_formatting:
            for rule in rng.rules:
                (formula,) = rule.formula
                c1, r1, c2, r2 = range_boundaries(str(rng.sqref))
                # ISTEXT of the range's own top-left cell: relative, so each cell tests itself
                assert formula == f"ISTEXT({openpyxl.utils.get_column_letter(c1)}{r1})", formula
                assert rule.dxf is not None and rule.dxf.fill is not None
                marked |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        figures = {  # every cell whose data validation asks for a number
            (r, c)
            for dv in ws.data_validations.dataValidation
            if dv.type in ("decimal", "whole")
            for rng in dv.sqref.ranges
            for r in range(rng.min_row, rng.max_row + 1)
            for c in range(rng.min_col, rng.max_col + 1)
        }
        assert len(figures) > 10 and figures <= marked, f"{ws.title}: {sorted(figures - marked)[:5]}"


def _typed_over(path: Path, libreoffice_convert) -> Path:  # type: ignore[no-untyped-def]
    """The example with a unit's text pasted into two amount cells, then calculated by LibreOffice."""
    wb = openpyxl.load_workbook(EXAMPLE)
    wb.worksheets[1]["F5"] = "4791.96万元"  # 全年执行数: the rate formula gives #VALUE!
    wb.worksheets[2]["D6"] = "2,447.06"  # pasted from Word: SUM skips it, the total shows 0
    wb.save(path)
    return libreoffice_convert(path, path.parent / "calculated")


def test_check_names_the_text_cell_not_the_formula(tmp_path: Path, libreoffice_convert) -> None:
    book = _typed_over(tmp_path / "typed.xlsx", libreoffice_convert)
    cached = openpyxl.load_workbook(book, data_only=True)
    assert cached.worksheets[1]["H5"].value == "#VALUE!" and cached.worksheets[2]["D9"].value == 0
    result = run("check", str(book), "--format", "json")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    text = [f for f in findings if f["code"] == "figure_typed_as_text"]
    assert {(f["cell"], f["expected"]) for f in text} == {("F5", "4791.96"), ("D6", "2447.06")}
    assert any("应为数字4791.96" in f["message"] for f in text)
    assert not [f for f in findings if "请检查公式" in f["message"]]


def test_recalc_writes_the_figure_and_keeps_the_text_in_the_note(tmp_path: Path, libreoffice_convert) -> None:
    book = _typed_over(tmp_path / "typed.xlsx", libreoffice_convert)
    out = tmp_path / "fixed.xlsx"
    result = run("recalc", str(book), "-o", str(out))
    assert result.returncode in (0, 1), result.stderr
    wb = openpyxl.load_workbook(out)
    for ws, coordinate, figure, text in (
        (wb.worksheets[1], "F5", 4791.96, "4791.96万元"),
        (wb.worksheets[2], "D6", 2447.06, "2,447.06"),
    ):
        cell = ws[coordinate]
        assert cell.value == figure and cell.data_type == "n"
        assert cell.comment is not None and f"原为文字“{text}”" in cell.comment.text
    again = run("check", str(out))
    assert "figure_typed_as_text" not in again.stdout and not re.search(r"填的是文字", again.stdout)
