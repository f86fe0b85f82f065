"""Applying a recalc plan to an openpyxl workbook: values, fills, notes, the record sheet and 问题清单."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.fills import Fill
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import fromstring, tostring

from xl_selfeval import issue_list, marks
from xl_selfeval.cells import CellRef, column_letter
from xl_selfeval.checks.rules import may_overwrite
from xl_selfeval.findings import Outcome
from xl_selfeval.forms.printing import column_points, lines_height, lines_of

_ARGB = re.compile(r"[0-9A-F]{8}")
_XML = "xml:"  # fill token prefix for anything but a plain solid colour (theme colours, patterns, gradients)
_THIN = Side(style="thin", color="FF808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
DEFAULT_COLUMN_WIDTH = 8.43  # Excel's default column width, in characters
_PAPER_SIZES = {"A4": 9}  # openpyxl's paperSize codes (ECMA-376 ST_PaperSize)


# --- fills and notes as plan tokens -----------------------------------------------------------------------


def fill_token(fill: Any) -> str:
    """A cell's fill as a plan token: "" none, ARGB for a plain solid colour, else its XML (kept exactly)."""
    fill = copy(fill)  # cell.fill is a StyleProxy; the copy is the real PatternFill/GradientFill
    if fill is None or fill == PatternFill():
        return ""
    colour = getattr(fill, "fgColor", None)
    rgb = colour.rgb if colour is not None and colour.type == "rgb" else None
    if isinstance(rgb, str) and fill == PatternFill(fill_type="solid", fgColor=rgb):
        return rgb.upper()
    return _XML + str(tostring(fill.to_tree()).decode("utf-8"))


def fill_from_token(token: str) -> Fill:
    if token.startswith(_XML):
        try:
            fill = Fill.from_tree(fromstring(token[len(_XML) :]))  # type: ignore[arg-type]
        except Exception:  # a tampered record sheet: leave the cell unfilled rather than fail the recalc
            fill = None
        return fill if fill is not None else PatternFill()
    if _ARGB.fullmatch(token.upper()):
        return PatternFill(fill_type="solid", fgColor=token.upper())
    return PatternFill()


def _anchor(ws: Worksheet, row: int, col: int) -> Any:
    """The cell that holds a merged range's value and note (openpyxl's MergedCell cannot)."""
    cell = ws.cell(row=row, column=col)
    if isinstance(cell, MergedCell):
        for merged in ws.merged_cells.ranges:
            if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
                return ws.cell(row=merged.min_row, column=merged.min_col)
    return cell


def _worksheet(wb: Workbook, name: str) -> Worksheet | None:
    ws = wb[name] if name in wb.sheetnames else None
    return ws if isinstance(ws, Worksheet) else None  # a chart sheet has no cells


def _reader(wb: Workbook) -> marks.Reader:
    def read(ref: CellRef) -> marks.CellState | None:
        ws = _worksheet(wb, ref.sheet)
        if ws is None:
            return None
        cell = _anchor(ws, ref.row, ref.col)
        note = cell.comment
        return marks.CellState(
            fill=fill_token(cell.fill),
            note=note.text if note is not None else "",
            author=(note.author or "") if note is not None else "",
            is_formula=cell.data_type == "f",
            value=cell.value,
        )

    return read


def _our_notes(wb: Workbook) -> list[CellRef]:
    found = []
    for ws in wb.worksheets:
        # ws._cells: the cells that exist; iter_rows() would create every empty cell of the used range.
        for (row, col), cell in sorted(ws._cells.items()):
            if cell.comment is not None and marks.is_our_note(cell.comment.text or ""):
                found.append(CellRef(ws.title, row, col))
    return found


def _records(wb: Workbook) -> list[marks.Record]:
    ws = _worksheet(wb, marks.RECORD_SHEET)
    if ws is None:
        return []
    return marks.records_from_rows(ws.iter_rows(values_only=True))


def _set_text(cell: Any, text: str) -> None:
    """Text stays text: openpyxl would store "=SUM(A1)" from user input as a live formula."""
    if not text:
        cell.value = None  # an empty cell, not an empty string (which reads back as a typeless oddity)
        return
    cell.value = text
    cell.data_type = "s"


def _set_look(wb: Workbook, look: marks.Look, threaded: Collection[CellRef] = ()) -> None:
    ws = _worksheet(wb, look.cell.sheet)
    if ws is None:
        return
    cell = _anchor(ws, look.cell.row, look.cell.col)
    cell.fill = fill_from_token(look.fill)
    if look.cell in threaded:
        return  # its note is a threaded comment's twin: ours would replace the thread (问题清单 says so)
    if not look.note:
        cell.comment = None
        return
    if look.author == marks.AUTHOR:
        cell.comment = Comment(
            look.note, marks.AUTHOR, height=marks.note_height(look.note), width=marks.NOTE_WIDTH
        )
    else:
        cell.comment = Comment(look.note, look.author)


def _write(wb: Workbook, write: marks.ValueWrite) -> None:
    ws = _worksheet(wb, write.cell.sheet)
    if ws is None:
        return
    cell = _anchor(ws, write.cell.row, write.cell.col)
    # The plan checked this too; a formula must never be replaced by a figure.
    assert may_overwrite(cell.data_type == "f"), f"refusing to overwrite the formula in {write.cell}"
    if write.formula:
        cell.value = write.value  # our layout's formula, from place(), never the user's text
    elif isinstance(write.value, str):
        _set_text(cell, write.value)
        _fit_row(ws, cell.row, cell.column, write.value)
    else:
        cell.value = write.value
    if write.number_format:
        cell.number_format = write.number_format


def _fit_row(ws: Worksheet, row: int, col: int, text: str) -> None:
    """Grow the row so the text written fits its (merged) cell, as the forms' own rows are sized."""
    span = next(
        (m for m in ws.merged_cells.ranges if m.min_row == row and m.min_col == col),
        None,
    )
    last_col, rows = (span.max_col, span.max_row - span.min_row + 1) if span is not None else (col, 1)
    width = sum(
        column_points(ws.column_dimensions[column_letter(c)].width or DEFAULT_COLUMN_WIDTH)
        for c in range(col, last_col + 1)
    )
    needed = lines_height(lines_of(text, width) / rows)
    current = ws.row_dimensions[row].height
    if current is None or current < needed:
        ws.row_dimensions[row].height = needed


# --- applying a plan ----------------------------------------------------------------------------------------


def threaded_cells(wb: Workbook, threads: Iterable[CellRef] = ()) -> set[CellRef]:
    """Cells with a threaded comment: those its parts name (``threads``) and those whose note is the
    legacy twin Excel writes beside one."""
    found = set(threads)
    for ws in wb.worksheets:
        for (row, col), cell in ws._cells.items():
            note = cell.comment
            if note is not None and marks.is_threaded_note(note.text or "", note.author or ""):
                found.add(CellRef(ws.title, row, col))
    return found


def apply_outcome(
    wb: Workbook, outcome: Outcome, *, backup: str = "", threads: Iterable[CellRef] = ()
) -> str:
    """Write the edits, mark every finding in place, give back what is fixed, rebuild 问题清单 and records;
    returns the name 问题清单 got. ``backup`` (where the backup is) goes into 问题清单. Cells with a
    threaded comment (``threads``, and notes that are a thread's twin) get their fill but no note."""
    read = _reader(wb)
    plan = marks.plan_marks(outcome, _records(wb), read, noted=_our_notes(wb))
    threaded = threaded_cells(wb, threads)
    for write in plan.writes:
        _write(wb, write)
    for look in [*plan.restores, *plan.marks]:
        _set_look(wb, look, threaded)
    unnoted = [marks.link_location(look.cell) for look in plan.marks if look.cell in threaded]
    return _rebuild(wb, plan, backup, unnoted)


def clear_marks(wb: Workbook) -> None:
    """Remove every mark of ours: user fills and notes given back, 问题清单 and the record sheet deleted."""
    threaded = threaded_cells(wb)
    for look in marks.plan_clear(_records(wb), _reader(wb), noted=_our_notes(wb)):
        _set_look(wb, look, threaded)
    _rebuild(wb, None)


def _is_our_list(ws: Any) -> bool:
    return isinstance(ws, Worksheet) and ws["A1"].value == marks.LIST_TITLE


def _rebuild(wb: Workbook, plan: marks.Plan | None, backup: str = "", unnoted: Iterable[str] = ()) -> str:
    """Drop our sheets and write them again (never appended to), keeping the sheet the user had open."""
    active = wb.active.title if wb.active is not None else None
    for ws in list(wb):
        if ws.title == marks.RECORD_SHEET or _is_our_list(ws):
            wb.remove(ws)
    name = ""
    if plan is not None:
        spec = issue_list.list_sheet(plan, wb.sheetnames, backup=backup, unnoted=unnoted)
        name = spec.name
        write_list(wb.create_sheet(name), spec)
        if plan.records:
            records = wb.create_sheet(marks.RECORD_SHEET)
            for r, values in enumerate(marks.record_rows(plan.records), start=1):
                for c, text in enumerate(values, start=1):
                    _set_text(records.cell(row=r, column=c), text)
            records.sheet_state = "veryHidden"  # not even in Excel's 取消隐藏 list
    visible = [ws for ws in wb if ws.sheet_state == "visible"]
    chosen = next((ws for ws in visible if ws.title == active), visible[0] if visible else None)
    if chosen is not None:
        wb.active = chosen
        for ws in wb:
            # Several selected tabs would group the sheets in Excel and edits would go to all of them.
            ws.sheet_view.tabSelected = ws is chosen
    return name


def write_list(ws: Worksheet, spec: issue_list.ListSheet) -> None:
    """问题清单 written as its spec says, every cell in 宋体."""
    plain = Font(name=issue_list.FONT, size=issue_list.FONT_SIZE)
    link_font = Font(
        name=issue_list.FONT, size=issue_list.FONT_SIZE, color=issue_list.LINK_COLOUR, underline="single"
    )
    for r, row in enumerate(spec.rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, issue_list.Link):
                cell.value = value.formula
                cell.font = link_font
                continue
            if isinstance(value, int):
                cell.value = value
            else:
                _set_text(cell, value or "")
            cell.font = plain
    ws["A1"].font = Font(name=issue_list.FONT, size=issue_list.TITLE_SIZE, bold=True)
    header_fill = PatternFill(fill_type="solid", fgColor=issue_list.HEADER_FILL)
    for cell in ws[spec.header][0]:
        cell.font = Font(name=issue_list.FONT, size=issue_list.FONT_SIZE, bold=True)
        cell.fill = copy(header_fill)
    for row in ws[spec.table]:
        for cell in row:
            cell.border = _BORDER
    if spec.body is not None:
        wrap = Alignment(wrap_text=True, vertical="top")
        for row in ws[spec.body]:
            for cell in row:
                cell.alignment = wrap
    for c, width in enumerate(spec.column_widths, start=1):
        ws.column_dimensions[column_letter(c)].width = width
    for r, height in spec.row_heights.items():
        ws.row_dimensions[r].height = height
    ws.freeze_panes = spec.freeze_at
    ws.auto_filter.ref = spec.table
    ws.print_title_rows = spec.print_title_rows
    ws.page_setup.paperSize = _PAPER_SIZES[issue_list.PAPER]
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
