"""Writes the three forms as real Excel workbooks: official layout, print setup, live formulas, protection."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import Rule as FormatRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from xl_selfeval.cells import address, column_letter
from xl_selfeval.forms import ALL_LAYOUTS, BASIC_DATA, DEPARTMENT, PROJECT
from xl_selfeval.forms.indicators import skeleton
from xl_selfeval.forms.layout import FormKind, Rule
from xl_selfeval.forms.place import FormContent, PlacedCell, Placement, Role, place
from xl_selfeval.forms.printing import (
    MARGIN_SIDE,
    MARGIN_TOP,
    PagePlan,
    page_plan,
    row_heights,
    split_merges_at_breaks,
)
from xl_selfeval.naming import first_free, numbered

# 宋体 is what the official forms use; LibreOffice falls back to a CJK serif (Noto Serif CJK / AR PL UMing).
FONT_NAME = "宋体"
CAPTION_FONT = "黑体"
BODY_SIZE = 11

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
DERIVED_FILL = PatternFill("solid", fgColor="F2F2F2")
TEXT_IN_FIGURE_FILL = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
TABLE_ROLES = {Role.HEADER, Role.LABEL, Role.INPUT, Role.DERIVED, Role.BLANK}

SHEET_NAMES = {layout.kind: layout.sheet_name for layout in ALL_LAYOUTS}
MAX_SHEET_NAME = 31
FORBIDDEN_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(base: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (≤ 31 characters, none of []:*?/\\), unique in the workbook."""
    name = FORBIDDEN_SHEET_CHARS.sub("_", base).strip("'") or "Sheet"
    name = name[:MAX_SHEET_NAME]
    used = {t.casefold() for t in taken}  # Excel compares sheet names without case
    candidates = numbered(name, lambda n: name[: MAX_SHEET_NAME - len(f"({n})")] + f"({n})")
    candidate = first_free(candidates, lambda c: c.casefold() in used)
    taken.add(candidate)
    return candidate


def project_sheet_base(project: str) -> str:
    return f"附件3 {project}" if project else SHEET_NAMES[FormKind.PROJECT]


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
    # The workbook's default font sets the width of a column unit: 宋体 makes it the same in Excel, WPS and
    # LibreOffice (Calibri is missing on most Linux desktops, and its stand-in is a third wider).
    wb._fonts = IndexedList([Font(name=FONT_NAME, size=BODY_SIZE, family=3, charset=134)])  # type: ignore[attr-defined]
    for sheet in list(wb.worksheets):
        wb.remove(sheet)
    taken: set[str] = set()
    for content in contents:
        base = content.sheet_name or (
            project_sheet_base(str(content.values.get("project_name") or ""))
            if content.layout.kind is FormKind.PROJECT
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
    heights = row_heights(placement, widths)
    _set_row_heights(ws, heights)
    plan = page_plan(placement, heights, widths, one_page=content.layout.one_page)
    merged_first = {(r1, c1): (r1, c1) for r1, c1, _, _ in placement.merges}
    for r1, c1, r2, c2 in split_merges_at_breaks(placement, plan.breaks):
        if (r1, c1) not in merged_first:  # the part of a caption on a later page repeats its text
            top = next(m for m in placement.merges if m[0] < r1 <= m[2] and m[1] == c1)
            label = next(c for c in placement.cells if (c.row, c.col) == (top[0], c1))
            _write_cell(ws, replace(label, row=r1), validations)
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for rule, cells in validations.items():
        ws.add_data_validation(data_validation(rule, cells))
    _mark_text_in_figures(ws, [c for c in placement.cells if c.role is Role.INPUT and c.fmt.is_number])
    _protect(ws)
    _print_setup(ws, placement, plan, content.layout.title_for(content.year))
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
    dv.sqref = " ".join(cells)
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


def _mark_text_in_figures(ws: Worksheet, cells: list[PlacedCell]) -> None:
    """Text in a figure cell turns red in Excel, WPS and LibreOffice alike: a paste skips data validation."""
    runs: list[tuple[int, int, int]] = []  # column, first row, last row
    for cell in sorted(cells, key=lambda c: (c.col, c.row)):
        if runs and runs[-1][0] == cell.col and runs[-1][2] == cell.row - 1:
            runs[-1] = (cell.col, runs[-1][1], cell.row)
        else:
            runs.append((cell.col, cell.row, cell.row))
    for col, first, last in runs:
        top = address(first, col)
        style = DifferentialStyle(fill=TEXT_IN_FIGURE_FILL, font=Font(color="9C0006"))
        rule = FormatRule(type="expression", formula=[f"ISTEXT({top})"], dxf=style)
        ws.conditional_formatting.add(f"{top}:{address(last, col)}", rule)


def _set_row_heights(ws: Worksheet, heights: dict[int, float]) -> None:
    for row, height in heights.items():
        ws.row_dimensions[row].height = height


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


def _print_setup(ws: Worksheet, placement: Placement, plan: PagePlan, title: str) -> None:
    """A4 landscape at a fixed scale with our own page breaks (Excel ignores manual breaks under fit-to-page)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.scale = plan.scale
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = MARGIN_SIDE / 72
    ws.page_margins.top = ws.page_margins.bottom = MARGIN_TOP / 72
    ws.page_margins.header = ws.page_margins.footer = 0.25
    for row in plan.breaks:
        ws.row_breaks.append(Break(id=row))
    if plan.pages > 1:
        # Later pages open with the title (page header) and the indicator column headers (print titles);
        # the first page shows the form's own title rows.
        hf = ws.HeaderFooter
        hf.differentFirst = True
        header, footer, first_footer = hf.oddHeader, hf.oddFooter, hf.firstFooter
        assert header is not None and footer is not None and first_footer is not None
        header.center.text = f"{title}（续）"
        header.center.font = f"{FONT_NAME},Bold"
        header.center.size = 12
        footer.center.text = first_footer.center.text = "第 &P 页"
        # Each form numbers its own pages, so "first page" is the form's first page in every office suite.
        ws.page_setup.firstPageNumber = 1
        ws.page_setup.useFirstPageNumber = True
        if placement.repeat_row:
            ws.print_title_rows = f"{placement.repeat_row}:{placement.repeat_row}"
    ws.sheet_view.showGridLines = False


def new_workbook(path: Path, year: int, unit: str = "", projects: list[str] | None = None) -> None:
    """Blank forms for ``year`` written to ``path``."""
    from xl_selfeval.files.save import save_workbook

    save_workbook(build_workbook(blank_contents(year, projects), unit), path)
