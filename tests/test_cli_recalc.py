"""`xl-selfeval recalc` as a user meets it on the hand-typed seed forms: right figures in place, nothing lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
from handtyped import build_handtyped

from xl_selfeval.marks import LIST_SHEET, NOTE_MARKER


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xl_selfeval", *args], capture_output=True, text=True, timeout=120
    )


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: [
            (c.coordinate, c.value, c.fill.fgColor.rgb, c.comment.text if c.comment else None)
            for row in ws.iter_rows()
            for c in row
        ]
        for ws in wb.worksheets
    }


def test_recalc_corrects_the_typed_rate_and_keeps_the_old_value_in_the_note(tmp_path: Path) -> None:
    path = build_handtyped(tmp_path / "岳阳（手填）.xlsx")
    result = run("recalc", str(path))
    assert result.returncode == 1, result.stderr  # the 61.65% was an error
    assert (tmp_path / "岳阳（手填）.原件.xlsx").exists()
    assert "原文件已备份为“岳阳（手填）.原件.xlsx”" in result.stdout
    ws = openpyxl.load_workbook(path)["项目（运转经费）"]
    rate = ws["I10"]
    assert rate.value == 0.6146 and rate.number_format == "0.00%"
    assert rate.comment.text.startswith(NOTE_MARKER) and "原值61.65%" in rate.comment.text
    assert rate.fill.fgColor.rgb.endswith("FFC7CE")
    loan = ws["J17"]  # the typed 贷款 score 3.00 stays, flagged as a warning
    assert loan.value == "3.00" and loan.fill.fgColor.rgb.endswith("FFEB9C") and "3.40" in loan.comment.text
    dept = openpyxl.load_workbook(path)["整体自评"]
    assert dept["F31"].value == "4791.96万元"  # the blank 成本 actual filled from the table's own execution
    assert LIST_SHEET in openpyxl.load_workbook(path).sheetnames


def test_recalc_twice_gives_the_same_workbook(tmp_path: Path) -> None:
    path = build_handtyped(tmp_path / "h.xlsx")
    run("recalc", str(path), "--no-backup")
    first = snapshot(path)
    result = run("recalc", str(path), "--no-backup")
    assert result.returncode == 0, result.stdout  # the error is fixed now
    second = snapshot(path)
    assert first.keys() == second.keys()
    assert first == second


def test_recalc_to_another_file_leaves_the_source_untouched(tmp_path: Path) -> None:
    path = build_handtyped(tmp_path / "h.xlsx")
    before = path.read_bytes()
    run("recalc", str(path), "-o", str(tmp_path / "out.xlsx"))
    assert path.read_bytes() == before and (tmp_path / "out.xlsx").exists()
    assert not (tmp_path / "h.原件.xlsx").exists()


def test_a_workbook_open_in_excel_is_not_touched(tmp_path: Path) -> None:
    path = build_handtyped(tmp_path / "h.xlsx")
    (tmp_path / "~$h.xlsx").write_bytes(b"owner")
    before = path.read_bytes()
    result = run("recalc", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "关闭" in result.stderr
    assert path.read_bytes() == before


def test_recalc_does_not_overwrite_another_file_without_force(tmp_path: Path) -> None:
    path = build_handtyped(tmp_path / "h.xlsx")
    other = tmp_path / "别人的.xlsx"
    other.write_bytes(b"keep me")
    result = run("recalc", str(path), "-o", str(other))
    assert result.returncode == 2 and "--force" in result.stderr and other.read_bytes() == b"keep me"
    assert run("recalc", str(path), "-o", str(other), "--force").returncode == 1
    assert LIST_SHEET in openpyxl.load_workbook(other).sheetnames


def test_the_message_names_the_list_sheet_actually_written(tmp_path: Path) -> None:
    """A sheet the user named 问题清单 stays theirs; ours is 问题清单（自评检查）, and the console says so."""
    path = build_handtyped(tmp_path / "h.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.create_sheet(LIST_SHEET)["A1"] = "科室自己的问题清单"
    wb.save(path)
    result = run("recalc", str(path))
    assert result.returncode == 1, result.stderr
    ours = f"{LIST_SHEET}（自评检查）"
    assert f"问题清单见“{ours}”工作表" in result.stdout
    assert f"问题清单见“{LIST_SHEET}”工作表" not in result.stdout
    wb = openpyxl.load_workbook(path)
    assert wb[LIST_SHEET]["A1"].value == "科室自己的问题清单" and ours in wb.sheetnames
    # The last line counts the errors left, for the drag-and-drop launcher's window.
    errors = int(result.stdout.split("发现 ")[1].split(" 个错误")[0])
    assert errors > 0
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith(f"共 {errors} 个错误：已更正 ") and last.endswith(
        f"个需要核对，详见“{ours}”工作表。"
    )
