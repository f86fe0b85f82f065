"""XlsxWriter's workbook and worksheet with a fast path for the summary's many plain cells.

The summary holds about a hundred thousand cells (shared strings, numbers, blanks, link formulas); through
XlsxWriter's public methods each costs some 15 µs. Here they are stored as XlsxWriter 3's own records and
written with one string per cell; anything else goes through XlsxWriter's own code, and
tests/test_summary_fast.py holds the output to XlsxWriter's byte for byte.
"""

from __future__ import annotations

import io
import math
import re
import types
import zipfile
from typing import Any

import xlsxwriter
from xlsxwriter import workbook as _xb
from xlsxwriter import worksheet as _xw
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import xl_col_to_name, xl_range
from xlsxwriter.worksheet import Worksheet

LINK_TEXT = "打开"  # the cached result of a link formula, shown before Excel recalculates
LINK_START = '=HYPERLINK("'

# XlsxWriter 3's cell records (namedtuples), row writer and shared strings writer, which the fast path
# below stores and calls directly; with another XlsxWriter everything goes through XlsxWriter's own code.
FAST = (
    xlsxwriter.__version__.split(".")[0] == "3"
    and all(
        hasattr(_xw, name)
        for name in ("CellStringTuple", "CellNumberTuple", "CellBlankTuple", "CellFormulaTuple", "RowInfo")
    )
    and all(
        callable(getattr(Worksheet, name, None))
        for name in ("_write_rows", "_write_row", "_write_empty_row", "_write_cell", "_escape_data")
    )
    and all(callable(getattr(SharedStrings, name, None)) for name in ("_write_sst_strings", "_write_si"))
    and callable(getattr(Packager, "_write_shared_strings_file", None))
)
# The shared strings part is written by _SummaryStrings whenever XlsxWriter has the hooks it uses (not only
# with the fast path): it is what keeps a file's text that looks like a rich string as text.
OWN_STRINGS = all(
    callable(getattr(SharedStrings, name, None))
    for name in ("_write_sst_strings", "_write_si", "_xml_si_element", "_escape_control_characters")
) and callable(getattr(Packager, "_write_shared_strings_file", None))
# A cached formula result XlsxWriter writes with t="str" (not an error, not empty, not a boolean).
_ERROR_RESULTS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", ""})


class SummarySheet(Worksheet):  # type: ignore[misc]  # XlsxWriter ships no type hints
    """A worksheet for rows of many plain cells (shared strings, numbers, blanks, our link formulas).

    Writing such a cell through XlsxWriter's public methods and close() costs some 15 µs (argument
    conversion, a bounds check and a record per cell, then a list of attributes and an escape per
    attribute); the summary holds about a hundred thousand of them. So cells are stored as XlsxWriter's
    own records (``*_record``, a text's made once and shared by its cells) a row at a time (``put_row``),
    and the sheet data is written by ``_write_rows`` with one string per cell; any other cell, a row
    format, comments or another XlsxWriter go through XlsxWriter's own code, and tests/test_summary_fast.py
    holds the output to XlsxWriter's byte for byte.
    """

    # XlsxWriter's attributes that the fast path sets (typed here: XlsxWriter ships no hints).
    dim_rowmin: int | None
    dim_rowmax: int | None
    dim_colmin: int | None
    dim_colmax: int | None
    fh: Any
    _heights: dict[float, Any]

    def __init__(self) -> None:
        super().__init__()
        self._heights = {}

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        # XlsxWriter's formula preparation (some thirty regex rewrites of future functions per formula)
        # costs more than the rest of a link; link_formula's text holds no function but HYPERLINK.
        if formula.startswith(LINK_START):
            return formula[1:]
        prepared: str = super()._prepare_formula(formula, expand_future_functions)
        return prepared

    def text_record(self, text: str, fmt: Format | None) -> Any:
        """The stored cell of ``text`` (a shared string), reusable in any row of this workbook (put_row
        counts its uses); None when XlsxWriter's write_string must store it (it may cut a long text)."""
        if not FAST or len(text) > self.xls_strmax // 2:
            return None
        strings = self.str_table
        index = strings.string_table.get(text)
        if index is None:
            index = strings._get_shared_string_index(text)
            strings.count -= 1
        return _xw.CellStringTuple(index, fmt)

    @staticmethod
    def number_record(value: float, fmt: Format) -> Any:
        """The stored cell of a number; None for what write_number must see (NaN, infinity)."""
        return _xw.CellNumberTuple(value, fmt) if FAST and math.isfinite(value) else None

    @staticmethod
    def blank_record(fmt: Format) -> Any:
        """The stored cell of a blank with a style; None when write_blank must store it."""
        return _xw.CellBlankTuple(fmt) if FAST else None

    def link_record(self, formula: str, fmt: Format) -> Any:
        """The stored cell of a link_formula formula with 打开 as its result; None for write_formula."""
        if FAST and formula.startswith(LINK_START):
            return _xw.CellFormulaTuple(self._prepare_formula(formula), fmt, LINK_TEXT)
        return None

    def put_row(self, row: int, cells: dict[int, Any], strings: int, height: float | None = None) -> None:
        """Store records (``strings`` of them text records) in ``row`` as XlsxWriter's write_* and
        set_row(row, height) would: the sheet's dimensions grow to hold them; past the sheet's end, no row."""
        if not cells or row >= self.xls_rowmax:
            if height is not None:
                self.set_row(row, height)
            return
        self.table[row].update(cells)
        self.str_table.count += strings
        if self.dim_rowmin is None or row < self.dim_rowmin:
            self.dim_rowmin = row
        if self.dim_rowmax is None or row > self.dim_rowmax:
            self.dim_rowmax = row
        first, last = min(cells), max(cells)
        if self.dim_colmin is None or first < self.dim_colmin:
            self.dim_colmin = first
        if self.dim_colmax is None or last > self.dim_colmax:
            self.dim_colmax = last
        if height is not None:
            # set_row_pixels' record, one per height (XlsxWriter only reads it), made as set_row does.
            info = self._heights.get(height)
            if info is None:
                pixels = int(height * 4.0 / 3.0 + 0.5)
                info = self._heights[height] = _xw.RowInfo(
                    height=pixels, row_format=None, hidden=False, level=0, collapsed=False
                )
            self.row_info[row] = info
            self.row_sizes[row] = [info.height, False]

    def add_sole_table(self, last_row: int, last_col: int, options: dict[str, Any]) -> None:
        """add_table from A1 to (last_row, last_col) on a sheet with no other table and no merged range,
        without XlsxWriter's check of every cell against earlier tables and merges (a tenth of a second
        for the summary): the table is added over its header and first row, then given its full range."""
        if not FAST or self.tables or self.merged_cells or last_row < 2 or "total_row" in options:
            self.add_table(0, 0, last_row, last_col, options)
            return
        self.add_table(0, 0, 1, last_col, options)
        table = self.tables[-1]
        first = xl_range(0, 0, 1, last_col)
        if not (table["range"] == table["a_range"] == table.get("autofilter") == first):
            raise RuntimeError(f"XlsxWriter's table {table!r} is not what add_sole_table knows")
        table["range"] = table["a_range"] = table["autofilter"] = xl_range(0, 0, last_row, last_col)

    def _write_rows(self) -> None:
        first, last, left, right = self.dim_rowmin, self.dim_rowmax, self.dim_colmin, self.dim_colmax
        if (
            not FAST
            or self.constant_memory
            or self.comments
            or first is None
            or last is None
            or left is None
            or right is None
        ):
            super()._write_rows()
            return
        table, infos, col_info = self.table, self.row_info, self.col_info
        spans: dict[int, str] = {}
        for block in range(first // 16, last // 16 + 1):
            used = [
                table[r]
                for r in range(max(block * 16, first), min(block * 16 + 16, last + 1))
                if table.get(r)
            ]
            if used:
                spans[block] = f"{min(min(c) for c in used) + 1}:{max(max(c) for c in used) + 1}"
        self.row_spans = spans
        write = self.fh.write
        names = {c: xl_col_to_name(c) for c in range(left, right + 1)}
        xf: dict[int, str] = {}  # id(format) -> ' s="n"' (indexes given in XlsxWriter's order of use)
        opened: dict[tuple[Any, ...], str] = {}  # a row's attributes after r="n", by what sets them
        tails: dict[int, str] = {}  # id(record) -> its <c> after r="…", for records with their own style
        escape = self._escape_data
        String, Number, Blank, Formula = (
            _xw.CellStringTuple,
            _xw.CellNumberTuple,
            _xw.CellBlankTuple,
            _xw.CellFormulaTuple,
        )
        for r in range(first, last + 1):
            cells = table.get(r)
            info = infos.get(r)
            if not cells:
                if info is not None:
                    self._write_empty_row(r, spans.get(r // 16), info)
                continue
            span = spans.get(r // 16)
            key = (
                (span,)
                if info is None
                else (span, info.height, id(info.row_format), info.hidden, info.level, info.collapsed)
            )
            rest = opened.get(key)
            if rest is None:
                rest = opened[key] = self._row_attributes(span, info)
            number = str(r + 1)
            parts = [f'<row r="{number}"{rest}>']
            for col in sorted(cells):
                cell = cells[col]
                tail = tails.get(id(cell))
                if tail is not None:
                    parts.append(f'<c r="{names[col]}{number}"{tail}')
                    continue
                kind = cell.__class__
                fmt = own = cell.format
                if not fmt:
                    if (info is not None and info.row_format) or kind not in (String, Number, Blank, Formula):
                        write("".join(parts))
                        parts.clear()
                        self._write_cell(r, col, cell)
                        continue
                    column = col_info.get(col)
                    fmt = column.column_format if column is not None else None
                if fmt:
                    style = xf.get(id(fmt))
                    if style is None:
                        style = xf[id(fmt)] = f' s="{fmt._get_xf_index()}"'
                else:
                    style = ""
                if kind is String:
                    tail = f'{style} t="s"><v>{cell.string}</v></c>'
                elif kind is Number:
                    tail = f"{style}><v>{cell.number:.16G}</v></c>"
                elif kind is Blank:
                    tail = f"{style}/>"
                elif kind is Formula and cell.value.__class__ is str and cell.value not in _ERROR_RESULTS:
                    tail = f'{style} t="str"><f>{escape(cell.formula)}</f><v>{escape(cell.value)}</v></c>'
                else:
                    write("".join(parts))
                    parts.clear()
                    self._write_cell(r, col, cell)
                    continue
                if own and (kind is String or kind is Blank):  # a record stored in many cells
                    tails[id(cell)] = tail
                parts.append(f'<c r="{names[col]}{number}"{tail}')
            parts.append("</row>")
            write("".join(parts))

    def _row_attributes(self, span: str | None, info: Any) -> str:
        """XlsxWriter's own <row> attributes after r="…" for a row with these spans and properties."""
        fh, self.fh = self.fh, io.StringIO()
        try:
            self._write_row(0, span, info)
            written: str = self.fh.getvalue()
        finally:
            self.fh = fh
        return written[len('<row r="1"') : -1]


# A shared string XlsxWriter writes as <si><t>text</t></si> has none of these: control characters and
# text like _x0041_ (escaped), & < > (escaped; a rich string starts with <r>), leading or trailing space.
_STRING_NEEDS_CARE = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")


class _SummaryStrings(SharedStrings):  # type: ignore[misc]
    """XlsxWriter's shared strings part, its plain strings (most of the summary's) written in one join
    instead of three regex passes and a list of attributes each; the others by XlsxWriter's _write_si."""

    def _write_sst_strings(self) -> None:
        write = self.fh.write
        plain: list[str] = []
        for string in self.string_table.string_array:
            if _STRING_NEEDS_CARE.search(string) is None:
                plain.append(string)
                continue
            if plain:
                write("<si><t>" + "</t></si><si><t>".join(plain) + "</t></si>")
                plain.clear()
            self._write_si(string)
        if plain:
            write("<si><t>" + "</t></si><si><t>".join(plain) + "</t></si>")

    def _write_si(self, string: str) -> None:
        # XlsxWriter writes a string that starts with <r> and ends with </r> into the part as raw XML (its
        # rich strings); the summary writes none, so such a string is a file's text and stays text:
        # written raw, a unit name could change the summary's XML or have Excel call the file damaged.
        if string.startswith("<r>") and string.endswith("</r>"):
            self._xml_si_element(self._escape_control_characters(string), [])
        else:
            super()._write_si(string)


class _SummaryPackager(Packager):  # type: ignore[misc]
    """XlsxWriter's packager (its _get_packager hook) writing the shared strings with _SummaryStrings."""

    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        sst = _SummaryStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


# The summary's parts are deflated at level 3, not zipfile's default 6: its 8 MB of XML then take a third
# of the time (about 0.1 s of the review of 500 files, run after the workers) for a file some 16 % larger.
DEFLATE_LEVEL = 3


class _SummaryZip(zipfile.ZipFile):
    """The zip file XlsxWriter writes the summary into, deflating at DEFLATE_LEVEL."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compresslevel", DEFLATE_LEVEL)
        super().__init__(*args, **kwargs)


def _storing_with(zip_class: type[zipfile.ZipFile]) -> Any:
    """XlsxWriter's _store_workbook seeing ``zip_class`` as its ZipFile (it has no option for the level):
    a copy of the function with its own globals, so that XlsxWriter's module itself is left unchanged;
    None when this XlsxWriter's _store_workbook makes no ZipFile (it is then called as it is)."""
    store = getattr(xlsxwriter.Workbook, "_store_workbook", None)
    code = getattr(store, "__code__", None)
    if code is None or "ZipFile" not in code.co_names or getattr(_xb, "ZipFile", None) is not zipfile.ZipFile:
        return None
    assert isinstance(store, types.FunctionType)
    return types.FunctionType(
        code,
        {**store.__globals__, "ZipFile": zip_class},
        store.__name__,
        store.__defaults__,
        store.__closure__,
    )


_STORE = _storing_with(_SummaryZip)


class SummaryBook(xlsxwriter.Workbook):  # type: ignore[misc]
    """The summary's workbook: XlsxWriter's, with the shared strings written by _SummaryStrings and its
    parts deflated at DEFLATE_LEVEL."""

    def _get_packager(self) -> Packager:
        return _SummaryPackager() if OWN_STRINGS else super()._get_packager()

    def _store_workbook(self) -> None:
        if _STORE is None:
            super()._store_workbook()
        else:
            _STORE(self)
