"""The xlwings door: a live workbook read into Grids, and a marks Plan written back to it in batches."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xl_selfeval import marks
from xl_selfeval.cells import CellRef, address, column_letter, parse_cell
from xl_selfeval.checks.rules import may_overwrite
from xl_selfeval.errors import UserError
from xl_selfeval.excel import ui
from xl_selfeval.excel.ranges import Box, Cell, as_text, box_address, boxes, column_range, unions
from xl_selfeval.files.xlsx import DEFAULT_LIMITS
from xl_selfeval.grid import CellData, Grid
from xl_selfeval.units import percent_shown

if TYPE_CHECKING:
    from xlwings import Book, Note, Range, Sheet

# What is deliberately NOT read from Excel: merged ranges and number formats. Each would cost calls per
# cell (xlwings has no bulk read for either), and the core does without them: a merged cell's value sits
# in its top-left cell, which is where the reader looks first. Two consequences, both small: a rate typed
# as a bare number in a percent-formatted cell is recognised from its formula text instead ("96.06%",
# see _cell), and blank template rows inside a merged 一级指标 caption are not told from the rows below
# it, so the blank_template_rows note of an unfilled template may count fewer rows than the CLI does.
MAX_CELLS = DEFAULT_LIMITS.max_cells  # per workbook, as the file reader allows
XL_SHEET_VISIBLE = -1  # Excel's XlSheetVisibility, as Sheet.visible returns it on Windows
XL_SHEET_VERY_HIDDEN = 2  # not even listed under 取消隐藏 (and truthy, like XL_SHEET_VISIBLE)
HEADER_RGB = (0xD9, 0xD9, 0xD9)  # 问题清单's header row, as files.py fills it
NOTE_WIDTH = 320  # points, as files.py: Excel's default note box cuts our longer notes off
MAX_COLUMN_WIDTH = 60  # characters; longer texts wrap
_ARGB = re.compile(r"[0-9A-Fa-f]{8}")
_XML_RGB = re.compile(r'<(?:\w+:)?fgColor[^>]*\brgb="([0-9A-Fa-f]{8})"')


def on_windows() -> bool:
    """Whether Excel is driven through COM (xlwings' _xlwindows) rather than AppleScript (_xlmac). xlwings
    picks its desktop engine by sys.platform and reports both as Engine "excel", type "desktop", so the
    platform is what tells them apart. It decides what the door may ask of xlwings (see LiveBook.windows)."""
    return sys.platform == "win32"


# --- fills as plan tokens ------------------------------------------------------------------------------


def fill_token(rgb: Sequence[int] | None) -> str:
    """A fill as marks.CellState holds it: "" for none, else ARGB as files.py writes a solid fill."""
    if rgb is None:
        return ""
    red, green, blue = (int(v) for v in rgb)
    return f"FF{red:02X}{green:02X}{blue:02X}"


def fill_rgb(token: str) -> tuple[int, int, int] | None:
    """The colour to give a cell for a plan token. The openpyxl door records fills it cannot name by an
    ARGB as their XML ("xml:<fill …>"): its foreground colour is used if it has one, else no fill, since
    theme colours and patterns cannot be set through xlwings."""
    if token.startswith("xml:"):
        match = _XML_RGB.search(token)
        token = match[1] if match else ""
    if not _ARGB.fullmatch(token):
        return None
    return int(token[2:4], 16), int(token[4:6], 16), int(token[6:8], 16)


# --- reading -------------------------------------------------------------------------------------------


def _two_d(data: object, rows: int, cols: int) -> list[list[Any]]:
    """Range.formula as rows: COM gives a str for one cell and rows of tuples otherwise; another engine
    may give one flat row or column."""
    if not isinstance(data, (list, tuple)):
        return [[data]]
    if data and not isinstance(data[0], (list, tuple)):
        return [list(data)] if rows == 1 else [[v] for v in data]
    return [list(row) for row in data]


def _cell(value: object, text: object) -> CellData | None:
    """One cell from its value and its formula text (what Range.Formula shows for it), or None if empty."""
    text = text if isinstance(text, str) else ""
    # A text constant typed as '=abc shows "=abc" as its formula too; only then do value and text agree.
    formula = text[1:] if text.startswith("=") and not (isinstance(value, str) and value == text) else None
    if value == "":
        value = None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)  # COM hands every number over as a float; the file reader keeps 127 an int
    if formula is None and value is None:
        return None
    # Excel shows a constant in a percent-formatted cell as "96.06%" in the formula bar, which is what
    # Range.Formula returns: the one number format the reader needs, at no extra call.
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    percent = formula is None and is_number and percent_shown(text)
    number_format = "0.00%" if percent else "General"
    return CellData(value, formula, number_format)


def grid_from(name: str, top: int, left: int, values: Sequence[Sequence[object]], formulas: object) -> Grid:
    """A Grid from one 2-D read of values and one of formulas of the used range starting at (top, left)."""
    grid = Grid(name)
    rows = len(values)
    cols = max((len(row) for row in values), default=0)
    texts = _two_d(formulas, rows, cols)
    for i, row in enumerate(values):
        text_row = texts[i] if i < len(texts) else []
        for j, value in enumerate(row):
            cell = _cell(value, text_row[j] if j < len(text_row) else "")
            if cell is not None:
                grid.cells[(top + i, left + j)] = cell
    return grid


@dataclass
class _Note:
    note: Note
    text: str
    author: str | None = None  # read only when needed: it costs a call


@dataclass
class LiveSheet:
    sheet: Sheet
    name: str
    grid: Grid
    notes: dict[Cell, _Note] = field(default_factory=dict)

    @property
    def is_ours(self) -> bool:
        return marks.is_our_sheet(self.name, self.grid.cell(1, 1).value)


@dataclass
class LiveBook:
    """A workbook as read from Excel, with the xlwings objects needed to write it back."""

    book: Book
    sheets: list[LiveSheet]
    active: str | None
    fills: dict[CellRef, str] = field(default_factory=dict)  # read so far, by cell
    # Windows (COM): a union address ("A1:B1,C3:D4") is one range, the COM object of a range is at hand
    # (very hidden sheets, note sizes, links inside the workbook). On a Mac, xlwings reads only the first
    # cell of such an address (_xlmac Sheet.range splits it at ":"), so each box is a range of its own.
    windows: bool = field(default_factory=lambda: on_windows())

    @property
    def grids(self) -> list[Grid]:
        return [s.grid for s in self.sheets]

    def sheet(self, name: str) -> LiveSheet | None:
        return next((s for s in self.sheets if s.name == name), None)

    def records(self) -> list[marks.Record]:
        record_sheet = self.sheet(marks.RECORD_SHEET)
        if record_sheet is None:
            return []
        grid = record_sheet.grid
        width = len(marks.RECORD_HEADERS)
        rows = [[grid.cell(r, c).value for c in range(1, width + 1)] for r in range(1, grid.max_row + 1)]
        return marks.records_from_rows(rows)

    def noted(self) -> list[CellRef]:
        """Cells whose note is ours (for marks.plan_marks: a lost record sheet is recovered from them)."""
        return [
            CellRef(s.name, row, col)
            for s in self.sheets
            for (row, col), note in sorted(s.notes.items())
            if marks.is_our_note(note.text)
        ]

    def state(self, ref: CellRef) -> marks.CellState | None:
        """marks.Reader: a cell's fill (one call the first time), note, author (when it is the user's) and
        value as read (which tells the plan whether a value we wrote earlier still stands)."""
        live = self.sheet(ref.sheet)
        if live is None:
            return None
        cell = (ref.row, ref.col)
        fill = self.fills.get(ref)
        if fill is None:
            fill = self.fills[ref] = fill_token(live.sheet.range(ref.address).color)
        note = live.notes.get(cell)
        author = ""
        if note is not None and not marks.is_our_note(note.text):
            author = _author(note)
        return marks.CellState(
            fill=fill,
            note=note.text if note is not None else "",
            author=author,
            is_formula=live.grid.cell(*cell).is_formula,
            value=live.grid.cell(*cell).value,
        )


def read_book(book: Book, *, windows: bool | None = None) -> LiveBook:
    """Every worksheet's used range in one read of values and one of formulas, plus its notes."""
    sheets: list[LiveSheet] = []
    total = 0
    for sheet in book.sheets:
        name = sheet.name
        used = sheet.used_range
        # Not used.address: rows or columns formatted whole make it "$1:$5" or "$A:$C".
        top, left = used.row, used.column
        height, width = used.shape
        bottom, right = top + height - 1, left + width - 1
        total += height * width
        if total > MAX_CELLS:
            raise UserError(
                f"工作表“{name}”的已用区域过大（到 {address(bottom, right)}），读取会非常慢。"
                "请删除表格下方和右侧多余的行和列（选中后右键“删除”），保存后再试。"
            )
        # ndim=2: a one-cell or one-row used range still comes back as rows; err_to_str: #DIV/0! stays
        # the text the file reader gives, rather than None.
        values = used.options(ndim=2, err_to_str=True).value
        grid = grid_from(name, top, left, values, used.formula)
        sheets.append(LiveSheet(sheet, name, grid, _read_notes(sheet)))
    active = book.sheets.active.name if sheets else None
    return LiveBook(book, sheets, active, windows=on_windows() if windows is None else windows)


def _read_notes(sheet: Sheet) -> dict[Cell, _Note]:
    found: dict[Cell, _Note] = {}
    for note in sheet.notes:
        found[parse_cell(note.location.address)] = _Note(note, note.text or "")
    return found


# --- writing -------------------------------------------------------------------------------------------


def write_values(live: LiveBook, writes: Sequence[marks.ValueWrite]) -> None:
    """One write per rectangle of neighbouring cells, then the number formats: one call per format and
    sheet on Windows, one per rectangle elsewhere (range_addresses)."""
    for name, cells in _by_sheet((w.cell, w) for w in writes).items():
        live_sheet = live.sheet(name)
        if live_sheet is None:
            continue  # renamed or deleted while we worked
        for cell, write in cells.items():
            # The plan checked it too; a figure must never replace the user's formula.
            assert may_overwrite(live_sheet.grid.cell(*cell).is_formula), (
                f"refusing to overwrite the formula in {write.cell}"
            )
        for box in boxes(cells):
            top, left, bottom, right = box
            block = [
                [_cell_value(cells[(r, c)].value) for c in range(left, right + 1)]
                for r in range(top, bottom + 1)
            ]
            try:
                live_sheet.sheet.range(box_address(box)).value = block
            except Exception:
                if len(block) * len(block[0]) == 1:
                    raise
                # Excel refuses a block that cuts through merged cells (which we do not read); each
                # cell of it, a merge's top-left cell, can still be written on its own.
                for r, row in enumerate(block, start=top):
                    for c, value in enumerate(row, start=left):
                        live_sheet.sheet.range(address(r, c)).value = value
        formats: dict[str, list[Cell]] = {}
        for cell, write in cells.items():
            if write.number_format:
                formats.setdefault(write.number_format, []).append(cell)
        for number_format, where in formats.items():
            for part in range_addresses(boxes(where), grouped=live.windows):
                live_sheet.sheet.range(part).number_format = number_format


def range_addresses(found: Sequence[Box], *, grouped: bool) -> list[str]:
    """The addresses to format ``found`` through: few unions of boxes ("A1:C1,E5", one call each) when
    ``grouped`` (Windows), else one address per box (see LiveBook.windows)."""
    return unions(found) if grouped else [box_address(box) for box in found]


def _cell_value(value: object) -> object:
    return as_text(value) if isinstance(value, str) else value


def _by_sheet(items: Iterable[tuple[CellRef, Any]]) -> dict[str, dict[Cell, Any]]:
    grouped: dict[str, dict[Cell, Any]] = {}
    for ref, item in items:
        grouped.setdefault(ref.sheet, {})[(ref.row, ref.col)] = item
    return grouped


def apply_looks(live: LiveBook, looks: Sequence[marks.Look], *, size_notes: bool | None = None) -> None:
    """Fills grouped by colour into range unions (one call each; one per box off Windows), then notes cell
    by cell, skipping every cell that already looks right. Notes are sized where COM can (Windows)."""
    if size_notes is None:
        size_notes = live.windows
    for name, cells in _by_sheet((look.cell, look) for look in looks).items():
        live_sheet = live.sheet(name)
        if live_sheet is None:
            continue
        colours: dict[str, list[Cell]] = {}
        for (row, col), look in cells.items():
            if live.fills.get(CellRef(name, row, col)) != look.fill:
                colours.setdefault(look.fill, []).append((row, col))
        for token, where in colours.items():
            rgb = fill_rgb(token)
            for part in range_addresses(boxes(where), grouped=live.windows):
                live_sheet.sheet.range(part).color = rgb
            for row, col in where:
                live.fills[CellRef(name, row, col)] = fill_token(rgb)
        for cell, look in cells.items():
            _set_note(live_sheet, cell, look.note, size=size_notes and look.author == marks.AUTHOR)


def _set_note(live_sheet: LiveSheet, cell: Cell, text: str, *, size: bool) -> None:
    current = live_sheet.notes.get(cell)
    if current is not None and current.text == text:
        return
    if not text:
        if current is not None:
            current.note.delete()
            del live_sheet.notes[cell]
        return
    if current is not None and not marks.is_our_note(text) and _author(current) == marks.AUTHOR:
        # The user's note given back from a note the command line wrote (author xl-selfeval): xlwings
        # cannot set an author, and a new note at least names the person at this Excel, not this program.
        current.note.delete()
        del live_sheet.notes[cell]
        current = None
    if current is not None:
        # Changing the text keeps the note itself, and so its author when it is the user's note we give back.
        current.note.text = text
        current.text = text
        note = current.note
    else:
        note = live_sheet.sheet.range(address(*cell)).add_note(text)
        live_sheet.notes[cell] = _Note(note, text)
    if size:
        _size_note(note, text)


def _author(note: _Note) -> str:
    if note.author is None:
        note.author = note.note.author or ""
    return note.author


def _size_note(note: Note, text: str) -> None:
    """A note box wide enough for our lines (Windows COM: Comment.Shape); cosmetic, so failures are let go."""
    lines = text.count("\n") + 1 + len(text) // 24  # a rough guess of wrapped lines, as files.py
    try:
        shape = note.api.Shape
        shape.Width = NOTE_WIDTH
        shape.Height = min(20 + 15 * lines, 400)
    except Exception:
        pass


# --- our sheets ----------------------------------------------------------------------------------------


def remove_our_sheets(live: LiveBook) -> None:
    """Delete 问题清单 and the record sheet (a very hidden sheet is made visible first, which Excel needs)."""
    for live_sheet in [s for s in live.sheets if s.is_ours]:
        if live_sheet.name == marks.RECORD_SHEET:
            live_sheet.sheet.visible = True
        live_sheet.sheet.delete()
        live.sheets.remove(live_sheet)


def _list_name(live: LiveBook) -> str:
    # A sheet the user named 问题清单 is theirs: ours takes another name rather than replace it.
    taken = {s.name.casefold() for s in live.sheets}  # Excel's sheet names ignore case
    names = [marks.LIST_SHEET, f"{marks.LIST_SHEET}（自评检查）"]
    names += [f"{marks.LIST_SHEET}（自评检查{n}）" for n in range(2, 100)]
    return next(n for n in names if n.casefold() not in taken)


def _text_width(text: str) -> int:
    # CJK characters take two columns in Excel's width unit.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _shown(text: str) -> object:
    return as_text(text) if text else None


def add_list(live: LiveBook, plan: marks.Plan) -> LiveSheet:
    """问题清单 as files.py lays it out: title, summary, a blank row, the table; one write for its text."""
    last = live.sheets[-1].sheet
    name = _list_name(live)
    sheet = live.book.sheets.add(name, after=last)
    width = len(marks.ISSUE_HEADERS)
    rows: list[list[object]] = [[marks.LIST_TITLE]]
    rows += [[_shown(line.cells[0])] for line in plan.summary]
    rows.append([])
    header = len(rows) + 1
    rows.append(list(marks.ISSUE_HEADERS))
    for issue in plan.issues:
        # 序号 as a number: sorts 2 before 10, no "number stored as text" flag (as files.py).
        first = int(issue.cells[0]) if issue.cells[0].isdigit() else _shown(issue.cells[0])
        rows.append([first, *(_shown(text) for text in issue.cells[1:])])
    last_row = len(rows)
    table = [[*row, *([None] * (width - len(row)))] for row in rows]
    end = column_letter(width)
    sheet.range(f"A1:{end}{last_row}").value = table

    title = sheet.range("A1").font
    title.bold = True
    title.size = 14
    head = sheet.range(f"A{header}:{end}{header}")
    head.font.bold = True
    head.color = HEADER_RGB
    if plan.issues:
        body = sheet.range(f"A{header + 1}:{end}{last_row}")
        body.wrap_text = True
        body.vertical_alignment = "top"
    widths = [_text_width(text) for text in marks.ISSUE_HEADERS]
    for issue in plan.issues:
        for col, text in enumerate(issue.cells):
            widths[col] = max(widths[col], *(_text_width(part) for part in text.split("\n")))
    for col, chars in enumerate(widths, start=1):
        sheet.range(column_range(col)).column_width = min(chars + 2, MAX_COLUMN_WIDTH)

    for row, line in enumerate(plan.summary, start=2):
        if line.link:
            add_link(sheet.range(f"A{row}"), line.link, line.cells[0], line.link, windows=live.windows)
    link_col = column_letter(marks.ISSUE_LINK_COLUMN + 1)
    for row, issue in enumerate(plan.issues, start=header + 1):
        if issue.link:
            text = issue.cells[marks.ISSUE_LINK_COLUMN]
            add_link(sheet.range(f"{link_col}{row}"), issue.link, text, "转到该单元格", windows=live.windows)
    added = LiveSheet(sheet, name, Grid(name, {(1, 1): CellData(marks.LIST_TITLE)}))
    live.sheets.append(added)
    return added


def add_link(cell: Range, location: str, text: str, tip: str, *, windows: bool) -> None:
    """A link to ``location`` ('附件3'!G12) inside the workbook. On Windows through COM's documented form
    for it, Hyperlinks.Add with an empty Address and the location as SubAddress; elsewhere through
    xlwings' add_hyperlink with "#" and the location, as Excel's HYPERLINK() takes it."""
    if windows:
        target = cell.api
        target.Hyperlinks.Add(
            Anchor=target, Address="", SubAddress=location, ScreenTip=tip, TextToDisplay=text
        )
    else:
        cell.add_hyperlink("#" + location, text, tip)


def add_records(live: LiveBook, records: Sequence[marks.Record], after: Sheet) -> None:
    """The record sheet, very hidden: the user's own fills and notes of the cells we marked."""
    sheet = live.book.sheets.add(marks.RECORD_SHEET, after=after)
    rows = [[_shown(text) for text in row] for row in marks.record_rows(records)]
    sheet.range(f"A1:{column_letter(len(marks.RECORD_HEADERS))}{len(rows)}").value = rows
    very_hide(sheet, windows=live.windows)
    live.sheets.append(LiveSheet(sheet, marks.RECORD_SHEET, Grid(marks.RECORD_SHEET)))


def very_hide(sheet: Sheet, *, windows: bool | None = None) -> None:
    """xlwings only knows visible or hidden; very hidden (not under 取消隐藏) needs COM, so on other
    systems the sheet is merely hidden."""
    if windows is None:
        windows = on_windows()
    if windows:
        try:
            sheet.api.Visible = XL_SHEET_VERY_HIDDEN
            return
        except Exception:
            pass  # e.g. a protected workbook structure: hidden is still better than shown
    sheet.visible = False


def is_shown(visible: object) -> bool:
    """Sheet.visible as xlwings returns it: True/False on a Mac, COM's XlSheetVisibility on Windows, where
    a very hidden sheet is 2, as truthy as a visible one (-1)."""
    return visible is True or visible == XL_SHEET_VISIBLE


def activate(live: LiveBook, name: str | None) -> None:
    """Show the sheet ``name`` if it still exists, else the first visible sheet that is not ours (Excel
    refuses to activate a hidden one). Best effort: a failure is logged, the command still succeeds."""
    try:
        chosen = live.sheet(name) if name else None
        if chosen is None or chosen.name == marks.RECORD_SHEET:
            chosen = next((s for s in live.sheets if not s.is_ours and is_shown(s.sheet.visible)), None)
        if chosen is not None:
            chosen.sheet.activate()
    except Exception:
        ui.log_exception("切换工作表")
