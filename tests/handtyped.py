"""The seed's three tables as published (data in xl_selfeval/data), laid out as another unit might type them:
other sheet names, shifted start cells, an extra sheet."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from xl_selfeval.files.bundled import published_data, write_rows

_SHEETS = published_data()["sheets"]
BASIC, DEPARTMENT, PROJECT = (sheet["rows"] for sheet in _SHEETS)
__all__ = ["BASIC", "DEPARTMENT", "PROJECT", "build_handtyped", "write_rows"]


def build_handtyped(path: Path) -> Path:
    """Three sheets as a unit typed them: shifted start cells, other sheet names, constants everywhere."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "基础数据"
    write_rows(ws, BASIC, top=3, left=2)
    ws2 = wb.create_sheet("整体自评")
    write_rows(ws2, DEPARTMENT, top=2, left=1)
    ws2.merge_cells("A15:A33")  # 绩效指标 caption over the indicator rows, as in the official form
    ws3 = wb.create_sheet("项目（运转经费）")
    write_rows(ws3, PROJECT, top=1, left=3)
    wb.create_sheet("说明").cell(1, 1, "本工作簿由财务科填写")
    wb.save(path)
    return path
