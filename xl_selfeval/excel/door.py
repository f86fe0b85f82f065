"""The xlwings door: a live workbook read into Grids, and a marks Plan written back to it in batches."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xl_selfeval import issue_list, marks
from xl_selfeval.cells import CellRef, address, column_letter, parse_cell, parse_range
from xl_selfeval.checks.rules import may_overwrite
from xl_selfeval.errors import UserError
from xl_selfeval.excel import ui
from xl_selfeval.excel.ranges import Box, Cell, as_text, box_address, boxes, column_range, unions
from xl_selfeval.grid import CellData, Grid
from xl_selfeval.limits import DEFAULT_LIMITS
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
NOTE_WIDTH = marks.NOTE_WIDTH
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
    note: Note | None  # None for a note this run added through COM (it is not touched again in the run)
    text: str
    author: str | None = None  # read only when needed: it costs a call


@dataclass
class LiveSheet:
    sheet: Sheet
    name: str
    grid: Grid
    notes: dict[Cell, _Note] = field(default_factory=dict)
    threaded: set[Cell] = field(default_factory=set)  # cells with a threaded comment: never given a note
    ranges: dict[str, Range] = field(default_factory=dict)  # by address: a cell written, then noted, once

    def range(self, where: str) -> Range:
        """The xlwings Range at ``where``, made once: each Sheet.range is a round trip on Windows."""
        found = self.ranges.get(where)
        if found is None:
            found = self.ranges[where] = self.sheet.range(where)
        return found

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
            fill = self.fills[ref] = fill_token(live.range(ref.address).color)
        note = live.notes.get(cell)
        author = ""
        if note is not None and not marks.is_our_note(note.text):
            author = _author(note)
        data = live.grid.cell(*cell)
        return marks.CellState(
            fill=fill,
            note=note.text if note is not None else "",
            author=author,
            is_formula=data.is_formula,
            # A formula cell as the file door reads it: its formula text, so that our layout's formula put
            # back by an earlier run is recognised as the value that run wrote (and its mark kept).
            value="=" + data.formula if data.formula is not None else data.value,
        )


def read_fills(live: LiveBook, cells: Iterable[CellRef], expected: dict[CellRef, str]) -> None:
    """The fills of ``cells`` into live.fills, few calls: per sheet, the cells grouped by the fill they
    are expected to have (ours, from the record; else none) and each group read as one range; only a
    group whose cells turn out to differ is read cell by cell."""
    wanted = [c for c in dict.fromkeys(cells) if c not in live.fills]
    for name, group in _by_sheet((c, expected.get(c, "")) for c in wanted).items():
        live_sheet = live.sheet(name)
        if live_sheet is None:
            continue
        by_token: dict[str, list[Cell]] = {}
        for cell, expected_fill in group.items():
            by_token.setdefault(expected_fill, []).append(cell)
        for where in by_token.values():
            found_boxes = boxes(where)
            if not live.windows and len(found_boxes) > 1:
                # Off Windows each box is a range of its own (no unions): the one box around them all is
                # read first, and when it has one fill, so has every cell of the group.
                token = _one_fill(live_sheet, box_address(_around(found_boxes)))
                if token is not None:
                    live.fills.update({CellRef(name, row, col): token for row, col in where})
                    continue
            for part in range_addresses(found_boxes, grouped=live.windows):
                found = _cells_of(part)
                token = _one_fill(live_sheet, part) if len(found) > 1 else None
                for row, col in found:
                    ref = CellRef(name, row, col)
                    if token is None:
                        live.fills[ref] = fill_token(live_sheet.range(ref.address).color)
                    else:
                        live.fills[ref] = token


def _one_fill(live_sheet: LiveSheet, where: str) -> str | None:
    """The fill every cell at ``where`` has, or None when they differ (xlwings fails on mixed fills)."""
    try:
        return fill_token(live_sheet.range(where).color)
    except Exception:
        return None


def _around(found: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in found),
        min(b[1] for b in found),
        max(b[2] for b in found),
        max(b[3] for b in found),
    )


def _cells_of(address_text: str) -> list[Cell]:
    cells = []
    for part in address_text.split(","):
        top, left, bottom, right = parse_range(part)
        cells += [(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)]
    return cells


def read_book(book: Book, *, windows: bool | None = None, max_cells: int = MAX_CELLS) -> LiveBook:
    """Every worksheet's used range in one read of values and one of formulas, plus its notes; refused
    beyond ``max_cells`` in all (the limits of 规则.toml)."""
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
        if total > max_cells:
            raise UserError(
                f"工作表“{name}”的已用区域过大（到 {address(bottom, right)}），读取会非常慢。"
                "请删除表格下方和右侧多余的行和列（选中后右键“删除”），保存后再试。"
            )
        # ndim=2: a one-cell or one-row used range still comes back as rows; err_to_str: #DIV/0! stays
        # the text the file reader gives, rather than None.
        values = used.options(ndim=2, err_to_str=True).value
        grid = grid_from(name, top, left, values, used.formula)
        notes = _read_notes(sheet)
        threaded = {cell for cell, note in notes.items() if marks.is_threaded_note(note.text)}
        sheets.append(LiveSheet(sheet, name, grid, notes, threaded | _threaded_cells(sheet)))
    active = book.sheets.active.name if sheets else None
    return LiveBook(book, sheets, active, windows=on_windows() if windows is None else windows)


def _threaded_cells(sheet: Sheet) -> set[Cell]:
    """Cells holding a threaded comment (Microsoft 365): one call per sheet, two per such comment."""
    try:
        return {parse_cell(comment.location.address) for comment in sheet.comments}
    except Exception:  # an Excel without threaded comments, or an engine without the collection
        return set()


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
        # A cell already holding the value (written by an earlier run) is not written again.
        changed = {
            cell: write
            for cell, write in cells.items()
            if marks.written_text(live_sheet.grid.cell(*cell).value) != marks.written_text(write.value)
        }
        for box in boxes(changed):
            top, left, bottom, right = box
            block = [
                [_cell_value(changed[(r, c)]) for c in range(left, right + 1)] for r in range(top, bottom + 1)
            ]
            try:
                live_sheet.range(box_address(box)).value = block
            except Exception:
                if len(block) * len(block[0]) == 1:
                    raise
                # Excel refuses a block that cuts through merged cells (which we do not read); each
                # cell of it, a merge's top-left cell, can still be written on its own.
                for r, row in enumerate(block, start=top):
                    for c, value in enumerate(row, start=left):
                        live_sheet.range(address(r, c)).value = value
        formats: dict[str, list[Cell]] = {}
        for cell, write in cells.items():
            if write.number_format:
                formats.setdefault(write.number_format, []).append(cell)
        for number_format, where in formats.items():
            for part in range_addresses(boxes(where), grouped=live.windows):
                live_sheet.range(part).number_format = number_format


def range_addresses(found: Sequence[Box], *, grouped: bool) -> list[str]:
    """The addresses to format ``found`` through: few unions of boxes ("A1:C1,E5", one call each) when
    ``grouped`` (Windows), else one address per box (see LiveBook.windows)."""
    return unions(found) if grouped else [box_address(box) for box in found]


def _cell_value(write: marks.ValueWrite) -> object:
    # Our layout's formula goes in as a formula; any other text stays text.
    return as_text(write.value) if isinstance(write.value, str) and not write.formula else write.value


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
                live_sheet.range(part).color = rgb
            for row, col in where:
                live.fills[CellRef(name, row, col)] = fill_token(rgb)
        for cell, look in cells.items():
            if cell in live_sheet.threaded:
                continue  # a note would replace the thread (or fail): the finding is in 问题清单 only
            _set_note(
                live_sheet,
                cell,
                look.note,
                size=size_notes and look.author == marks.AUTHOR,
                windows=live.windows,
            )


def _set_note(live_sheet: LiveSheet, cell: Cell, text: str, *, size: bool, windows: bool) -> None:
    current = live_sheet.notes.get(cell)
    if current is not None and (current.text == text or current.note is None):
        return  # already so, or added earlier in this run (a cell is noted once per run)
    if not text:
        if current is not None and current.note is not None:
            current.note.delete()
            del live_sheet.notes[cell]
        return
    given_back = current is not None and not marks.is_our_note(text) and _author(current) == marks.AUTHOR
    if current is not None and current.note is not None and given_back:
        # The user's note given back from a note the command line wrote (author xl-selfeval): xlwings
        # cannot set an author; a new note at least names the person at this Excel, not this program.
        current.note.delete()
        del live_sheet.notes[cell]
        current = None
    if current is not None and current.note is not None:
        # Changing the text keeps the note itself, and so its author when it is the user's note we give back.
        current.note.text = text
        current.text = text
        if size:
            _size_shape(current.note.api, text)
        return
    where = live_sheet.range(address(*cell))
    if windows:
        # COM's Range.AddComment: one round trip, and it hands back the Comment to size. xlwings'
        # Range.add_note would first ask the range's shape and its note again (about five more round
        # trips per cell), which read_book already knows: no note (notes are read) and no thread.
        comment = where.api.AddComment(text)
        live_sheet.notes[cell] = _Note(None, text)
        if size:
            _size_shape(comment, text)
        return
    note = where.add_note(text)
    live_sheet.notes[cell] = _Note(note, text)


def _author(note: _Note) -> str:
    if note.author is None:
        note.author = (note.note.author if note.note is not None else "") or ""
    return note.author


def _size_shape(comment: Any, text: str) -> None:
    """A note box wide enough for our lines (Windows COM: Comment.Shape); cosmetic, so failures are let go."""
    try:
        shape = comment.Shape
        shape.Width = NOTE_WIDTH
        shape.Height = marks.note_height(text)
    except Exception:
        pass


# --- protected sheets ------------------------------------------------------------------------------------

# What Worksheet.Protect takes back, read from the sheet before it is unprotected (COM names).
_PROTECTED_PARTS = {
    "DrawingObjects": "ProtectDrawingObjects",
    "Contents": "ProtectContents",
    "Scenarios": "ProtectScenarios",
    "UserInterfaceOnly": "ProtectionMode",
}
_ALLOWED = (
    "AllowFormattingCells",
    "AllowFormattingColumns",
    "AllowFormattingRows",
    "AllowInsertingColumns",
    "AllowInsertingRows",
    "AllowInsertingHyperlinks",
    "AllowDeletingColumns",
    "AllowDeletingRows",
    "AllowSorting",
    "AllowFiltering",
    "AllowUsingPivotTables",
)


@dataclass(frozen=True)
class _Protection:
    sheet: Sheet
    options: dict[str, object]


def _protection(sheet: Sheet) -> dict[str, object] | None:
    """The sheet's protection options as Protect takes them, or None when it is not protected."""
    api = sheet.api
    options: dict[str, object] = {arg: bool(getattr(api, prop)) for arg, prop in _PROTECTED_PARTS.items()}
    if not (options["Contents"] or options["DrawingObjects"]):
        return None
    allowed = api.Protection
    options.update({name: bool(getattr(allowed, name)) for name in _ALLOWED})
    return options


@contextmanager
def unprotected(live: LiveBook, names: Iterable[str]) -> Iterator[None]:
    """The sheets ``names`` writable meanwhile: protected without a password, they are unprotected and
    protected again afterwards with the same options (also on an error); a sheet protected with a
    password is refused before anything is written. Through COM (Windows); elsewhere nothing is done."""
    done: list[_Protection] = []
    try:
        if live.windows:
            for name in dict.fromkeys(names):
                live_sheet = live.sheet(name)
                if live_sheet is None:
                    continue
                options = _protection(live_sheet.sheet)
                if options is None:
                    continue
                try:
                    live_sheet.sheet.api.Unprotect("")  # "" rather than nothing: Excel would prompt
                except Exception:
                    raise UserError(
                        f"工作表“{name}”设有密码保护，无法标注问题。请在 Excel 中点“审阅→撤销工作表保护”"
                        "输入密码后再试；工作簿没有被修改。"
                    ) from None
                done.append(_Protection(live_sheet.sheet, options))
        yield
    finally:
        for protection in done:
            try:
                protection.sheet.api.Protect(**protection.options)
            except Exception:
                ui.log_exception("恢复工作表保护")


# --- our sheets ----------------------------------------------------------------------------------------


def remove_our_sheets(live: LiveBook) -> None:
    """Delete 问题清单 and the record sheet (a very hidden sheet is made visible first, which Excel needs)."""
    for live_sheet in [s for s in live.sheets if s.is_ours]:
        if live_sheet.name == marks.RECORD_SHEET:
            live_sheet.sheet.visible = True
        live_sheet.sheet.delete()
        live.sheets.remove(live_sheet)


def _shown(text: str) -> object:
    return as_text(text) if text else None


def _list_value(value: object) -> object:
    """A cell of the list spec as written into Excel: a link as its HYPERLINK formula, text kept text."""
    if isinstance(value, issue_list.Link):
        return value.formula
    if isinstance(value, str):
        return as_text(value)
    return value


def add_list(live: LiveBook, plan: marks.Plan, *, backup: str = "", unnoted: Iterable[str] = ()) -> LiveSheet:
    """问题清单 as issue_list lays it out, the same as the file door: one write for its text and links,
    then a fixed number of formatting calls (rows of equal height together)."""
    last = live.sheets[-1].sheet
    spec = issue_list.list_sheet(plan, (s.name for s in live.sheets), backup=backup, unnoted=unnoted)
    sheet = live.book.sheets.add(spec.name, after=last)
    end = spec.last_column
    whole = sheet.range(f"A1:{end}{spec.last_row}")
    whole.value = [[_list_value(v) for v in row] for row in spec.rows]
    whole.font.name = issue_list.FONT
    title = sheet.range("A1").font
    title.bold = True
    title.size = issue_list.TITLE_SIZE
    head = sheet.range(spec.header)
    head.font.bold = True
    head.color = fill_rgb(issue_list.HEADER_FILL)
    if spec.body is not None:
        body = sheet.range(spec.body)
        body.wrap_text = True
        body.vertical_alignment = "top"
        link_col = column_letter(marks.ISSUE_LINK_COLUMN + 1)
        links = sheet.range(f"{link_col}{spec.header_row + 1}:{link_col}{spec.last_row}")
        links.font.color = fill_rgb(issue_list.LINK_COLOUR) or (5, 99, 193)
    for col, width in enumerate(spec.column_widths, start=1):
        sheet.range(column_range(col)).column_width = width
    heights: dict[float, list[Box]] = {}
    for row, height in spec.row_heights.items():
        heights.setdefault(height, []).append((row, 1, row, 1))
    for height, rows in heights.items():
        for part in range_addresses(boxes((r, 1) for r, *_ in rows), grouped=live.windows):
            sheet.range(_whole_rows(part)).row_height = height
    if live.windows:
        _finish_list_com(sheet, spec)
    added = LiveSheet(sheet, spec.name, Grid(spec.name, {(1, 1): CellData(marks.LIST_TITLE)}))
    live.sheets.append(added)
    return added


def _whole_rows(address_text: str) -> str:
    """'A5,A7:A8' as whole rows '5:5,7:8' (row heights are set on rows)."""
    parts = []
    for part in address_text.split(","):
        top, _, bottom, _ = parse_range(part)
        parts.append(f"{top}:{bottom}")
    return ",".join(parts)


# COM constants (Excel's XlBordersIndex, XlLineStyle, XlPaperSize, XlPageOrientation).
_XL_CONTINUOUS, _XL_THIN = 1, 2
_XL_PAPER_A4, _XL_LANDSCAPE = 9, 2
_BORDER_SIDES = (7, 8, 9, 10, 11, 12)  # left, top, bottom, right, inside vertical, inside horizontal


def _finish_list_com(sheet: Sheet, spec: issue_list.ListSheet) -> None:
    """Borders, filter, frozen header and print setup through COM (Windows): xlwings has no desktop call
    for them. Cosmetic, so a failure is logged and the list stays as written."""
    try:
        table = sheet.range(spec.table).api
        for side in _BORDER_SIDES:
            border = table.Borders(side)
            border.LineStyle = _XL_CONTINUOUS
            border.Weight = _XL_THIN
        table.AutoFilter(1)
        api = sheet.api
        setup = api.PageSetup
        setup.PaperSize = _XL_PAPER_A4
        setup.Orientation = _XL_LANDSCAPE
        setup.Zoom = False
        setup.FitToPagesWide = 1
        setup.FitToPagesTall = False
        setup.PrintTitleRows = "$" + spec.print_title_rows.replace(":", ":$")
        setup.CenterHorizontally = True
        # The new sheet is the active one (Excel activates a sheet it adds): freeze in its window.
        window = api.Parent.Windows(1)
        window.SplitColumn = 0
        window.SplitRow = spec.header_row
        window.FreezePanes = True
    except Exception:
        ui.log_exception("问题清单格式")


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
