"""Writes the three forms as real Excel workbooks: official layout, print setup, live formulas, protection."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from xl_selfeval.cells import address, column_letter
from xl_selfeval.forms import BASIC_DATA, DEPARTMENT, PROJECT
from xl_selfeval.forms.indicators import skeleton
from xl_selfeval.forms.layout import Rule
from xl_selfeval.forms.place import FormContent, PlacedCell, Placement, Role, place

# 宋体 is what the official forms use; LibreOffice falls back to a CJK serif (Noto Serif CJK / AR PL UMing).
FONT_NAME = "宋体"
CAPTION_FONT = "黑体"
BODY_SIZE = 11
LINE_HEIGHT = 15.0  # points per wrapped line at BODY_SIZE

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
DERIVED_FILL = PatternFill("solid", fgColor="F2F2F2")
TABLE_ROLES = {Role.HEADER, Role.LABEL, Role.INPUT, Role.DERIVED, Role.BLANK}

SHEET_NAMES = {
    "basic_data": "附件1 基础数据表",
    "department": "附件2 部门整体支出绩效自评表",
    "project": "附件3 项目支出绩效自评表",
}
MAX_SHEET_NAME = 31
FORBIDDEN_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(base: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (≤ 31 characters, none of []:*?/\\), unique in the workbook."""
    name = FORBIDDEN_SHEET_CHARS.sub("_", base).strip("'") or "Sheet"
    name = name[:MAX_SHEET_NAME]
    candidate, n = name, 2
    while candidate.casefold() in {t.casefold() for t in taken}:
        suffix = f"({n})"
        candidate = name[: MAX_SHEET_NAME - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def project_sheet_base(project: str) -> str:
    return f"附件3 {project}" if project else SHEET_NAMES["project"]


def blank_contents(year: int, projects: list[str] | None = None) -> list[FormContent]:
    """The three forms for ``year``, empty but for the indicator skeleton; one 附件3 per project."""
    contents = [
        FormContent(BASIC_DATA, year),
        FormContent(DEPARTMENT, year, blocks={"indicators": skeleton()}),
    ]
    for project in projects or [""]:
        contents.append(
            FormContent(
                PROJECT, year, values={"project_name": project or None}, blocks={"indicators": skeleton()}
            )
        )
    return contents


def build_workbook(contents: list[FormContent], unit: str = "") -> Workbook:
    """One sheet per form, in the given order."""
    wb = Workbook()
    for sheet in list(wb.worksheets):
        wb.remove(sheet)
    taken: set[str] = set()
    for content in contents:
        base = content.sheet_name or (
            project_sheet_base(str(content.values.get("project_name") or ""))
            if content.layout.kind == "project"
            else SHEET_NAMES[content.layout.kind]
        )
        ws = wb.create_sheet(sheet_name(base, taken))
        write_form(ws, content, unit)
    return wb


def write_form(ws: Worksheet, content: FormContent, unit: str = "") -> Placement:
    placement = place(content, unit)
    widths = content.layout.column_widths
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[column_letter(i)].width = width
    validations: dict[Rule, list[str]] = defaultdict(list)
    for cell in placement.cells:
        _write_cell(ws, cell, validations)
    for r1, c1, r2, c2 in placement.merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    _set_row_heights(ws, placement, widths)
    for rule, cells in validations.items():
        ws.add_data_validation(data_validation(rule, cells))
    _protect(ws)
    _print_setup(ws, placement, one_page=content.layout.one_page)
    return placement


def data_validation(rule: Rule, cells: list[str]) -> DataValidation:
    dv = DataValidation(
        type=rule.type,
        operator=rule.operator,
        formula1=rule.formula1,
        formula2=rule.formula2,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=rule.title,
        error=rule.message,
    )
    dv.sqref = " ".join(cells)  # type: ignore[assignment]  # openpyxl parses the string
    return dv


def _write_cell(ws: Worksheet, spec: PlacedCell, validations: dict[Rule, list[str]]) -> None:
    cell = ws.cell(row=spec.row, column=spec.col)
    if spec.value is not None:
        value = spec.value
        # User text is never written as a formula; only our own derived cells carry "=".
        if isinstance(value, str) and spec.role is not Role.DERIVED and value[:1] in "=+-@":
            cell.value = value
            cell.data_type = "s"
        else:
            cell.value = value  # type: ignore[assignment]  # a layout value: str, number or None
    size, bold, name = BODY_SIZE, spec.role is Role.HEADER, FONT_NAME
    horizontal, vertical = "center", "center"
    if spec.role is Role.TITLE:
        size, bold = 18, True
    elif spec.role is Role.CAPTION:
        name, size, horizontal = CAPTION_FONT, 12, "left"
    elif spec.role in (Role.NOTE,):
        horizontal = "left"
    elif spec.rule and spec.rule.type == "list":  # 一级/二级指标, merged down over their rows
        horizontal = "center"
    elif spec.role in (Role.LABEL, Role.INPUT) and not spec.fmt.is_number:
        horizontal = "left"
    elif spec.fmt.is_number and spec.role in (Role.INPUT, Role.DERIVED):
        horizontal = "right"
    cell.font = Font(name=name, size=size, bold=bold)
    cell.alignment = Alignment(horizontal=horizontal, vertical=vertical, wrap_text=True)
    if spec.role in TABLE_ROLES:
        cell.border = BORDER
    if spec.fmt.is_number:
        cell.number_format = spec.fmt.number_format
    if spec.role is Role.DERIVED:
        cell.fill = DERIVED_FILL
    if spec.role is Role.INPUT:
        cell.protection = Protection(locked=False)
        rule = spec.rule or spec.fmt.rule
        if rule:
            validations[rule].append(address(spec.row, spec.col))


def display_width(text: str) -> int:
    """Width in Excel's character units: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _set_row_heights(ws: Worksheet, placement: Placement, widths: tuple[float, ...]) -> None:
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for r1, c1, r2, c2 in placement.merges:
        spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
    lines_needed: dict[int, int] = defaultdict(lambda: 1)
    for cell in placement.cells:
        if cell.value is None or (isinstance(cell.value, str) and cell.value.startswith("=")):
            continue
        height, span = spans.get((cell.row, cell.col), (1, 1))
        width = sum(widths[cell.col - 1 : cell.col - 1 + span]) - 1
        lines = sum(
            max(1, math.ceil(display_width(part) / max(width, 1))) for part in str(cell.value).split("\n")
        )
        lines_needed[cell.row] = max(lines_needed[cell.row], math.ceil(lines / height))
    for row in range(1, placement.last_row + 1):
        ws.row_dimensions[row].height = max(20.0, lines_needed[row] * LINE_HEIGHT + 6)
    ws.row_dimensions[placement.title_rows[1]].height = 36


def _protect(ws: Worksheet) -> None:
    """Formula cells locked, no password; rows may still be inserted, deleted and formatted."""
    p = ws.protection
    p.sheet = True
    p.insertRows = False  # in OOXML, True means "this action is protected"
    p.deleteRows = False
    p.formatCells = False
    p.formatRows = False
    p.formatColumns = False
    p.selectLockedCells = False
    p.selectUnlockedCells = False


def _print_setup(ws: Worksheet, placement: Placement, *, one_page: bool) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0  # 0: as many pages tall as needed
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    first, last = placement.title_rows
    ws.print_title_rows = f"{first}:{last}"
    ws.sheet_view.showGridLines = False


def new_workbook(path: Path, year: int, unit: str = "", projects: list[str] | None = None) -> None:
    """Blank forms for ``year`` written to ``path``."""
    from xl_selfeval.files.workbook import save_workbook

    save_workbook(build_workbook(blank_contents(year, projects), unit), path)
