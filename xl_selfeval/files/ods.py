"""Defensive reader of OpenDocument spreadsheets (.ods) into Grids: merges, number formats, cached values.

content.xml (and styles.xml for named styles) is stream-parsed with defusedxml under the .xlsx reader's
zip, size, element and cell limits. A cell spanning columns or rows (number-columns-spanned /
number-rows-spanned) becomes a merged range; a percent cell keeps a percent format code built from its
data style, so 0.6165 shown as 61.65% reads as a rate. Repeated empty rows and columns cost nothing.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from xl_selfeval.cells import MAX_COL, MAX_ROW
from xl_selfeval.files.document import Document, count_cells, refused_error
from xl_selfeval.files.xlsx import (
    _MALFORMED,
    _NOT_ZIP,
    _OLE,
    DEFAULT_LIMITS,
    Limits,
    _Book,
    _Refused,
    bound_merges,
    open_package,
)
from xl_selfeval.grid import CellData, Grid

__all__ = ["read_ods"]

_NOT_ODS = "“{name}”不是 OpenDocument 表格（.ods），请在 LibreOffice 或 WPS 中打开并另存为 .xlsx 后再试。"
_ODS_MALFORMED = (
    "“{name}”文件内容格式异常（{part}），无法读取，请在 LibreOffice 中打开并另存为 .xlsx 后再试。"
)

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_NUMBER = "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0}"

_DATA_STYLES = {
    f"{_NUMBER}{kind}-style": kind
    for kind in ("number", "percentage", "currency", "date", "time", "text", "boolean")
}
# Text that a cell shows: text:s (spaces), text:tab and text:line-break stand for characters.
_TEXT_CHARS = {f"{_TEXT}tab": "\t", f"{_TEXT}line-break": "\n"}
_FIXED_FORMATS = {"date": "yyyy-mm-dd", "time": "hh:mm:ss", "text": "@", "boolean": "General"}
_NUMBER_TYPES = ("float", "percentage", "currency")
_MAX_DECIMALS = 30


def _count(attrib: dict[str, str], key: str, upper: int) -> int:
    return max(1, min(int(attrib.get(key, "1")), upper))  # ValueError on garbage -> a malformed file


def _number(text: str) -> int | float:
    value = float(text)
    if value.is_integer() and abs(value) < 2**53 and "." not in text and "e" not in text.lower():
        return int(value)
    return value


class _ContentTarget:
    """Streaming callbacks for styles.xml and content.xml: data styles, cell styles, then the tables."""

    def __init__(self, book: _Book) -> None:
        self.book = book
        self.formats: dict[str, str] = {}  # data style name -> format code
        self.cell_styles: dict[str, str] = {}  # cell style name -> data style name
        self.data_style: tuple[str, str] | None = None  # (name, kind) being read
        self.decimals = 0
        self.grouping = False
        self.grids: list[Grid] = []
        self.grid: Grid | None = None
        self.column_styles: list[tuple[int, str]] = []  # (first column, default cell style), ascending
        self.columns = 0
        self.row = 0
        self.row_repeat = 1
        self.row_cells: list[tuple[int, CellData, int, int, int]] = []  # col, cell, repeat, rows, cols
        self.col = 0
        self.cell: dict[str, str] | None = None
        self.cell_text: list[str] | None = None
        self.paragraphs = 0
        self.skipped = 0  # depth inside annotations (comments): their text is not the cell's
        self.stored = 0

    # --- parser callbacks ---

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.book.count_element()
        if self.skipped:
            self.skipped += 1
            return
        if tag == f"{_TABLE}table-cell" or tag == f"{_TABLE}covered-table-cell":
            self.cell = attrib if tag.endswith("}table-cell") else None
            self.cell_text = []
            self.paragraphs = 0
            if self.cell is None:
                self.col += _count(attrib, f"{_TABLE}number-columns-repeated", MAX_COL)
        elif self.cell_text is not None:
            if tag == f"{_TEXT}p":
                if self.paragraphs:
                    self.cell_text.append("\n")
                self.paragraphs += 1
            elif tag == f"{_TEXT}s":
                self.cell_text.append(" " * _count(attrib, f"{_TEXT}c", 1000))
            elif tag in _TEXT_CHARS:
                self.cell_text.append(_TEXT_CHARS[tag])
            elif tag == f"{_OFFICE}annotation":
                self.skipped = 1
        elif tag == f"{_TABLE}table-row":
            self.row_repeat = _count(attrib, f"{_TABLE}number-rows-repeated", MAX_ROW)
            self.row_cells = []
            self.col = 0
        elif tag == f"{_TABLE}table-column":
            style = attrib.get(f"{_TABLE}default-cell-style-name")
            if style:
                self.column_styles.append((self.columns + 1, style))
            self.columns += _count(attrib, f"{_TABLE}number-columns-repeated", MAX_COL)
        elif tag == f"{_TABLE}table":
            self.grid = Grid(attrib.get(f"{_TABLE}name", ""))
            self.grids.append(self.grid)
            self.row = 0
            self.columns = 0
            self.column_styles = []
        elif tag in _DATA_STYLES:
            self.data_style = (attrib.get(f"{_STYLE}name", ""), _DATA_STYLES[tag])
            self.decimals, self.grouping = 0, False
        elif tag == f"{_NUMBER}number" and self.data_style is not None:
            self.decimals = max(0, min(int(attrib.get(f"{_NUMBER}decimal-places") or 0), _MAX_DECIMALS))
            self.grouping = attrib.get(f"{_NUMBER}grouping") == "true"
        elif tag == f"{_STYLE}style" and attrib.get(f"{_STYLE}family") == "table-cell":
            data = attrib.get(f"{_STYLE}data-style-name")
            if data:
                self.cell_styles[attrib.get(f"{_STYLE}name", "")] = data

    def end(self, tag: str) -> None:
        if self.skipped:
            self.skipped -= 1
            return
        if tag == f"{_TABLE}table-cell":
            self._end_cell()
        elif tag == f"{_TABLE}covered-table-cell":
            self.cell_text = None
        elif tag == f"{_TABLE}table-row":
            self._end_row()
        elif tag in _DATA_STYLES and self.data_style is not None:
            name, kind = self.data_style
            self.formats[name] = self._format_code(kind)
            self.data_style = None

    def data(self, text: str) -> None:
        if self.cell_text is not None and self.paragraphs and not self.skipped:
            self.cell_text.append(text)

    # --- helpers ---

    def _format_code(self, kind: str) -> str:
        if kind in _FIXED_FORMATS:
            return _FIXED_FORMATS[kind]
        digits = ("#,##0" if self.grouping else "0") + ("." + "0" * self.decimals if self.decimals else "")
        return digits + "%" if kind == "percentage" else digits

    def _style_format(self, style: str | None, col: int) -> str | None:
        if style is None:
            # A cell without its own style takes its column's default cell style.
            for first, name in self.column_styles:
                if first > col:
                    break
                style = name
        if style is None:
            return None
        return self.formats.get(self.cell_styles.get(style, style))

    def _end_cell(self) -> None:
        attrib, text = self.cell or {}, "".join(self.cell_text or [])
        self.cell, self.cell_text = None, None
        col = self.col + 1
        repeat = _count(attrib, f"{_TABLE}number-columns-repeated", MAX_COL)
        self.col += repeat
        rows = _count(attrib, f"{_TABLE}number-rows-spanned", MAX_ROW)
        cols = _count(attrib, f"{_TABLE}number-columns-spanned", MAX_COL)
        value, formula, fmt = self._value(attrib, text, col)
        if value is None and formula is None and rows == 1 and cols == 1:
            return  # an empty cell, however often repeated
        if col + repeat - 1 > MAX_COL:
            raise ValueError("cell outside the sheet")
        self.row_cells.append((col, CellData(value, formula, fmt), repeat, rows, cols))

    def _value(self, attrib: dict[str, str], text: str, col: int) -> tuple[object, str | None, str]:
        kind = attrib.get(f"{_OFFICE}value-type")
        formula = attrib.get(f"{_TABLE}formula")
        if formula is not None:
            # OpenFormula ("of:=[.B2]*2"): kept only so the cell counts as a formula; never evaluated.
            formula = formula.split(":=", 1)[1] if ":=" in formula[:4] else formula.lstrip("=")
        fmt = self._style_format(attrib.get(f"{_TABLE}style-name"), col)
        value: object
        if kind in _NUMBER_TYPES:
            value = _number(attrib.get(f"{_OFFICE}value", text))
            if kind == "percentage" and (fmt is None or "%" not in fmt):
                fmt = "0.00%"
        elif kind == "date":
            raw = attrib.get(f"{_OFFICE}date-value", text)
            try:
                value = dt.datetime.fromisoformat(raw)
            except ValueError:
                value = raw
        elif kind == "boolean":
            value = attrib.get(f"{_OFFICE}boolean-value", "").lower() == "true"
        else:
            value = attrib.get(f"{_OFFICE}string-value", text) if kind == "string" else text
            if value == "":
                value = None
        return value, formula, fmt or "General"

    def _end_row(self) -> None:
        grid = self.grid
        first = self.row + 1
        self.row += self.row_repeat
        if grid is None or not self.row_cells:
            return
        if self.row > MAX_ROW:
            raise ValueError("row outside the sheet")
        for offset in range(self.row_repeat):
            row = first + offset
            for col, cell, repeat, rows, cols in self.row_cells:
                self.stored = count_cells(self.stored + repeat, self.book.limits)
                for c in range(col, col + repeat):
                    if cell.value is not None or cell.formula is not None:
                        grid.cells[(row, c)] = cell
                    if rows > 1 or cols > 1:
                        grid.merged.append((row, c, row + rows - 1, c + cols - 1))
        self.row_cells = []


def _member(book: _Book, name: str) -> zipfile.ZipInfo | None:
    info = book.member(name)
    return info if info is not None and not info.is_dir() else None


def read_ods(path: Path, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Every sheet of an .ods, in order. An unusable file raises UserError with a sentence naming it."""
    path = Path(path)
    try:
        with open_package(path, limits) as book:
            content = _member(book, "content.xml")
            if content is None:
                raise _Refused(_NOT_ODS)
            target = _ContentTarget(book)
            styles = _member(book, "styles.xml")
            if styles is not None:
                book.parse(styles, target, "样式")
            book.parse(content, target, "内容")
            bound_merges(target.grids, limits)
            return Document(target.grids, source_kind="ods")
    except _Refused as exc:
        raise refused_error(
            path, exc, {_MALFORMED: _ODS_MALFORMED, _OLE: _NOT_ODS, _NOT_ZIP: _NOT_ODS}
        ) from exc
