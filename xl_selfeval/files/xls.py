"""Defensive reader of old Excel .xls (BIFF8) workbooks into Grids, with merged cells and number formats.

xlrd with formatting_info=True is used because it gives both things the forms depend on: the merged
ranges and each cell's number format (a rate typed as 0.6165 shown as 61.65% is a rate only by its
format). python-calamine reads merges but not formats. BIFF is not compressed, so the file-size limit
bounds the work; the cell and merge limits apply as for .xlsx. Cached formula results are read; formulas
are never evaluated (xlrd does not give their text).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import xlrd

from xl_selfeval.files.document import Document, count_cells, refused_error
from xl_selfeval.files.xlsx import (
    _BUILTIN_FORMATS,
    _BUILTIN_FORMATS_ZH_CN,
    _CORRUPT,
    _MAX_FORMAT_LEN,
    _UNREADABLE,
    DEFAULT_LIMITS,
    Limits,
    _Refused,
    bound_merges,
    read_head,
)
from xl_selfeval.grid import CellData, Grid

__all__ = ["read_xls"]

_ENCRYPTED = "“{name}”是加密的工作簿，请在 Excel 中取消密码并另存为 .xlsx 后再试。"
_NOT_XLS = "“{name}”不是可以读取的 Excel 97-2003 工作簿（.xls），请在 Excel 中打开并另存为 .xlsx 后再试。"

_EXACT_INT = 2**53


def _number(value: float) -> int | float:
    # BIFF stores every number as a double: give whole numbers back as int, as the .xlsx reader does.
    if value.is_integer() and abs(value) < _EXACT_INT:
        return int(value)
    return value


def _open(data: bytes) -> Any:
    try:
        return xlrd.open_workbook(
            file_contents=data,
            formatting_info=True,
            ragged_rows=True,  # no padding of short rows up to the widest: memory follows the cells
            logfile=io.StringIO(),
        )
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise _Refused(_ENCRYPTED) from exc
        raise _Refused(_NOT_XLS) from exc
    except Exception as exc:  # a third-party parser on untrusted bytes: any failure means unusable
        raise _Refused(_CORRUPT) from exc


def _formats(book: Any) -> list[str]:
    """Number format code of each XF index."""
    codes = []
    for xf in book.xf_list:
        fmt = book.format_map.get(xf.format_key)
        code = fmt.format_str if fmt is not None else None
        if not code or len(code) > _MAX_FORMAT_LEN:
            # xlrd leaves the locale-dependent built-ins (Chinese dates) without a code.
            key = xf.format_key
            code = _BUILTIN_FORMATS.get(key) or _BUILTIN_FORMATS_ZH_CN.get(key) or "General"
        codes.append(code)
    return codes


def _value(cell: Any, datemode: int) -> object:
    ctype, value = cell.ctype, cell.value
    if ctype == xlrd.XL_CELL_TEXT:
        return value
    if ctype == xlrd.XL_CELL_NUMBER:
        return _number(value)
    if ctype == xlrd.XL_CELL_DATE:
        try:
            date: dt.datetime = xlrd.xldate.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return _number(value)
        return date
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#N/A")
    return None  # empty or blank (a formatted empty cell)


def _grids(book: Any, limits: Limits) -> list[Grid]:
    formats = _formats(book)
    grids: list[Grid] = []
    cells = 0
    for sheet in book.sheets():
        grid = Grid(sheet.name)
        for r in range(sheet.nrows):
            cells = count_cells(cells + sheet.row_len(r), limits)
            for c, cell in enumerate(sheet.row(r)):
                value = _value(cell, book.datemode)
                if value is None or value == "":
                    continue
                xf = cell.xf_index
                fmt = formats[xf] if xf is not None and 0 <= xf < len(formats) else "General"
                grid.cells[(r + 1, c + 1)] = CellData(value, None, fmt)
        # xlrd gives (first row, row after last, first col, col after last), 0-based.
        grid.merged = [
            (r1 + 1, c1 + 1, r2, c2) for r1, r2, c1, c2 in sheet.merged_cells if r2 > r1 and c2 > c1
        ]
        grids.append(grid)
    bound_merges(grids, limits)
    return grids


def read_xls(path: Path, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Every worksheet of an .xls, in workbook order. An unusable file raises UserError naming it."""
    path = Path(path)
    try:
        read_head(path, limits)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise _Refused(_UNREADABLE) from exc
        book = _open(data)
        try:
            grids = _grids(book, limits)
        finally:
            book.release_resources()
        return Document(grids, source_kind="xls")
    except _Refused as exc:
        raise refused_error(path, exc) from exc
