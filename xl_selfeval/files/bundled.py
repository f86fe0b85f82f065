"""The workbooks shipped in workbooks/, rebuilt from data: the blank template, the 岳阳 2024 example made by
the generator, and the same unit's three tables as it published them (typed figures, its own errors)."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from xl_selfeval.cells import column_letter
from xl_selfeval.files.generate import BODY_SIZE, FONT_NAME, blank_contents, build_workbook
from xl_selfeval.files.save import save_workbook
from xl_selfeval.forms import BY_KIND
from xl_selfeval.forms.place import FormContent
from xl_selfeval.forms.printing import LINE_POINTS, MIN_ROW, ROW_PADDING, column_points, lines_of

EXAMPLE_DATA = "example-yueyang-2024.json"
BLANK_NAME = "2025年度绩效自评-空白.xlsx"
EXAMPLE_NAME = "示例-岳阳市住房公积金管理中心-2024.xlsx"
PUBLISHED_DATA = "published-yueyang-2024.json"
PUBLISHED_NAME = "公开原表-岳阳市住房公积金管理中心-2024.xlsx"
PUBLISHED_WIDTHS = (26, 16, 16, 22, 14, 14, 14, 10, 10, 22)


def contents_from_data(data: dict[str, Any]) -> tuple[int, str, list[FormContent]]:
    """Forms described as JSON data: {"year", "unit", "forms": [{"kind", "values", "blocks"}]}."""
    year = int(data["year"])
    contents = [
        FormContent(BY_KIND[form["kind"]], year, dict(form.get("values", {})), dict(form.get("blocks", {})))
        for form in data["forms"]
    ]
    return year, str(data.get("unit", "")), contents


def _data(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("xl_selfeval.data").joinpath(name).read_text("utf-8"))
    return data


def example_data() -> dict[str, Any]:
    return _data(EXAMPLE_DATA)


def published_data() -> dict[str, Any]:
    """The seed's three tables as published: {"sheets": [{"name", "merges", "rows"}]}, rows of cell values."""
    return _data(PUBLISHED_DATA)


def write_rows(ws: Worksheet, rows: list[list[str | float | None]], top: int = 1, left: int = 1) -> None:
    """Values as typed, from (top, left); text is never turned into a formula."""
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                cell = ws.cell(top + i, left + j, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"


def published_workbook() -> Workbook:
    """The three tables as the unit published them: plain cells with borders, no formulas, no protection."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    side = Side(style="thin", color="000000")
    for sheet in published_data()["sheets"]:
        ws = wb.create_sheet(sheet["name"])
        rows: list[list[str | float | None]] = sheet["rows"]
        write_rows(ws, rows)
        for r1, c1, r2, c2 in sheet["merges"]:
            ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
        for i, width in enumerate(PUBLISHED_WIDTHS, start=1):
            ws.column_dimensions[column_letter(i)].width = width
        for row in ws.iter_rows(min_row=1, max_row=len(rows), max_col=len(PUBLISHED_WIDTHS)):
            in_table = row[0].row >= 3 and len([c for c in row if c.value is not None]) > 1
            lines = 1
            for cell, width in zip(row, PUBLISHED_WIDTHS, strict=True):
                cell.font = Font(name=FONT_NAME, size=BODY_SIZE)
                cell.alignment = Alignment(vertical="center", wrap_text=in_table)
                if in_table:
                    cell.border = Border(left=side, right=side, top=side, bottom=side)
                    if cell.value is not None:
                        lines = max(lines, lines_of(str(cell.value), column_points(width)))
            # No office suite grows a row for wrapped text it did not lay out itself: size it here.
            ws.row_dimensions[row[0].row].height = max(MIN_ROW, lines * LINE_POINTS + ROW_PADDING)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    return wb


def build_bundled(folder: Path) -> list[Path]:
    """Write the blank template and the example into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    blank = folder / BLANK_NAME
    save_workbook(build_workbook(blank_contents(2025)), blank)
    _, unit, contents = contents_from_data(example_data())
    example = folder / EXAMPLE_NAME
    save_workbook(build_workbook(contents, unit), example)
    published = folder / PUBLISHED_NAME
    save_workbook(published_workbook(), published)
    return [blank, example, published]


if __name__ == "__main__":
    for path in build_bundled(Path(sys.argv[1] if len(sys.argv) > 1 else "workbooks")):
        print(path)
