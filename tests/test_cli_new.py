"""`xl-selfeval new` as a user meets it: the console script, Chinese errors, no overwrite, odd project names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xl_selfeval", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_new_writes_one_project_sheet_per_project(tmp_path: Path) -> None:
    result = run(
        "new",
        "--year",
        "2025",
        "--unit",
        "岳阳市住房公积金管理中心本级",
        "--projects",
        "运转经费,业务工作经费",
        "-o",
        "2025年度绩效自评.xlsx",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    wb = openpyxl.load_workbook(tmp_path / "2025年度绩效自评.xlsx")
    assert wb.sheetnames == [
        "附件1 基础数据表",
        "附件2 部门整体支出绩效自评表",
        "附件3 运转经费",
        "附件3 业务工作经费",
    ]
    assert wb.worksheets[2]["B3"].value == "运转经费"
    assert wb.worksheets[1]["A2"].value == "2025年度部门整体支出绩效自评表"


def test_new_without_projects_makes_one_project_form(tmp_path: Path) -> None:
    assert run("new", "--year", "2026", "-o", "x.xlsx", cwd=tmp_path).returncode == 0
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    assert wb.sheetnames == ["附件1 基础数据表", "附件2 部门整体支出绩效自评表", "附件3 项目支出绩效自评表"]


def test_bad_year_is_one_chinese_line_and_exit_2(tmp_path: Path) -> None:
    for year in ("abc", "1899", "20255", "3000"):
        result = run("new", "--year", year, "-o", "x.xlsx", cwd=tmp_path)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "年度" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_existing_output_is_kept_without_force(tmp_path: Path) -> None:
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"mine")
    result = run("new", "--year", "2025", "-o", "x.xlsx", cwd=tmp_path)
    assert result.returncode == 2 and "--force" in result.stderr
    assert target.read_bytes() == b"mine"
    assert run("new", "--year", "2025", "-o", "x.xlsx", "--force", cwd=tmp_path).returncode == 0
    assert openpyxl.load_workbook(target).sheetnames[0] == "附件1 基础数据表"


def test_project_names_excel_cannot_use_get_a_short_sheet_name_but_stay_whole_in_the_cell(
    tmp_path: Path,
) -> None:
    long_name = "岳阳市住房公积金管理中心信息化建设及网点改造提质专项资金项目"
    odd_name = "专项[2025]:法律/诉讼*费?"
    result = run(
        "new", "--year", "2025", "--projects", f"{long_name},{odd_name}", "-o", "x.xlsx", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    long_sheet, odd_sheet = wb.worksheets[2], wb.worksheets[3]
    assert len(long_sheet.title) <= 31 and long_sheet.title.startswith("附件3 岳阳市")
    assert not set("[]:*?/\\") & set(odd_sheet.title)
    assert long_sheet["B3"].value == long_name and odd_sheet["B3"].value == odd_name
