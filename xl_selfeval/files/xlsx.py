"""Fast, defensive reader of untrusted .xlsx/.xlsm files into Grids: stream-parsed XML, no openpyxl."""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from xl_selfeval.cells import MAX_COL, MAX_ROW, column_index
from xl_selfeval.errors import UserError
from xl_selfeval.files.zipguard import CHUNK, XML_ERRORS, ZIP_ERRORS, defused_parser, too_compressed
from xl_selfeval.grid import CellData, Grid
from xl_selfeval.limits import DEFAULT_LIMITS, Limits

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "assert_openpyxl_is_defused",
    "bound_merges",
    "open_package",
    "read_head",
    "read_opened_workbook",
    "read_workbook",
]


# --- messages (one Chinese sentence each; {name} is the file name) -----------------------------------

_NOT_FOUND = "找不到文件“{name}”，请检查路径后再试。"
_NOT_FILE = "“{name}”不是文件（可能是文件夹），请指定一个 .xlsx 工作簿。"
_EMPTY = "“{name}”是空文件（0 字节），请重新获取文件后再试。"
_UNREADABLE = "无法读取文件“{name}”，请检查文件是否被其他程序占用或没有读取权限。"
_OLE = "“{name}”是加密的工作簿或旧版 .xls 文件，请在 Excel 中取消密码并另存为 .xlsx 后再试。"
_NOT_ZIP = "“{name}”不是 Excel 工作簿（.xlsx/.xlsm），请在 Excel 中打开并另存为 .xlsx 后再试。"
_CORRUPT = "“{name}”文件已损坏或不完整，请重新获取文件后再试。"
_NOT_BOOK = "“{name}”不是 Excel 工作簿（缺少 xl/workbook.xml），请确认文件类型后再试。"
_TOO_BIG = "“{name}”文件过大（{what}），请删除无关内容后再试。"
_BOMB = "“{name}”压缩比异常，可能是恶意构造的文件，已拒绝读取。"
_MALFORMED = "“{name}”文件内容格式异常（{part}），无法读取，请在 Excel 中打开并另存为 .xlsx 后再试。"


class _Refused(Exception):
    """Internal: the file is unusable; turned into a UserError naming the file at the boundary."""

    def __init__(self, template: str, **details: str) -> None:
        super().__init__(template)
        self.template = template
        self.details = details


def _printable(text: str, limit: int = 60) -> str:
    # Names come from the file and the file system: no control characters (terminal escapes) in messages.
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _mb(n: float) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


# --- spreadsheet constants -------------------------------------------------------------------------

_MAIN_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # ISO 29500 strict
)
_PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"  # strict keeps it
_MAX_ROW, _MAX_COL = MAX_ROW, MAX_COL
# Merges wider than this are clipped to the sheet's data; no form merges anywhere near it.
_MERGE_CLIP = 10_000
# Every XML element costs a Python callback: bound the work a crafted file can demand.
_ELEMENTS_PER_CELL = 10

# Excel caps a format code at 255 characters; longer ones are crafted, and regexes over them (here and
# in the core) could take quadratic time.
_MAX_FORMAT_LEN = 255

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}
# Ids that Excel resolves by locale (ECMA-376 18.8.30, zh-CN): a Chinese Excel writes dates with them
# and no numFmt entry. openpyxl shows them as 'General'; here they keep their meaning (dates).
_BUILTIN_FORMATS_ZH_CN = {
    27: 'yyyy"年"m"月"',
    28: 'm"月"d"日"',
    29: 'm"月"d"日"',
    30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"',
    33: 'h"时"mm"分"ss"秒"',
    34: '上午/下午h"时"mm"分"',
    35: '上午/下午h"时"mm"分"ss"秒"',
    36: 'yyyy"年"m"月"',
    50: 'yyyy"年"m"月"',
    51: 'm"月"d"日"',
    52: 'yyyy"年"m"月"',
    53: 'm"月"d"日"',
    54: 'm"月"d"日"',
    55: '上午/下午h"时"mm"分"',
    56: '上午/下午h"时"mm"分"ss"秒"',
    57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
}

# Date detection as openpyxl does it, so a date cell reads the same through either path (the strip
# pattern stops at a nested '[' so that it stays linear on crafted codes).
_DATE_STRIP_RE = re.compile(r'"[^"]*"|\[(?!hh?\]|mm?\]|ss?\])[^\[\]]*\]')
_DATE_CODE_RE = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA_RE = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.IGNORECASE)
_WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
_MAC_EPOCH = dt.datetime(1904, 1, 1)

_NUMBER, _DATE, _TIMEDELTA = 0, 1, 2

_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _date_kind(fmt: str) -> int:
    first = fmt.split(";")[0]
    if _TIMEDELTA_RE.search(first):
        return _TIMEDELTA
    if _DATE_CODE_RE.search(_DATE_STRIP_RE.sub("", first)):
        return _DATE
    return _NUMBER


def _from_excel(serial: float, epoch: dt.datetime, kind: int) -> object:
    """An Excel serial as openpyxl returns it: datetime, time (fraction of a day) or timedelta."""
    try:
        if kind == _TIMEDELTA:
            td = dt.timedelta(days=serial)
            if td.microseconds:
                td = dt.timedelta(seconds=td.total_seconds() // 1, microseconds=round(td.microseconds, -3))
            return td
        day, fraction = divmod(serial, 1)
        diff = dt.timedelta(milliseconds=round(fraction * 86_400_000))
        if 0 <= serial < 1 and diff.days == 0:
            minutes, seconds = divmod(diff.seconds, 60)
            hours, minutes = divmod(minutes, 60)
            return dt.time(hours, minutes, seconds, diff.microseconds)
        if 0 < serial < 60 and epoch == _WINDOWS_EPOCH:
            day += 1  # Excel's phantom 1900-02-29
        return epoch + dt.timedelta(days=day) + diff
    except (OverflowError, ValueError):
        return "#VALUE!"  # openpyxl's reading of a serial outside the calendar


def _unescape(text: str) -> str:
    """Undo OOXML's _xHHHH_ escapes (Excel writes a carriage return as _x000D_)."""
    if "_x" not in text:
        return text

    def sub(match: re.Match[str]) -> str:
        code = int(match.group(1), 16)
        # A lone surrogate would break printing later; leave such an escape as written.
        return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)

    return _ESCAPE_RE.sub(sub, text)


def _number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    try:
        return int(text)
    except ValueError:
        return float(text)  # 'INF' and friends; a ValueError here means garbage


_COLUMNS: dict[str, int] = {}


def _column(letters: str) -> int:
    """'B' (or '$B', as in '$B$3') -> 2; raises ValueError for anything that is not a column."""
    col = column_index(letters)
    if len(_COLUMNS) < 20_000:  # bounded whatever spellings a file uses
        _COLUMNS[letters] = col
    return col


def _tags(*names: str) -> dict[str, str]:
    """Tag as expat reports it ('namespace}local') -> local name, for the spreadsheet namespaces and
    for unqualified names too."""
    table: dict[str, str] = {}
    for name in names:
        table[name] = name
        for ns in _MAIN_NS:
            table[f"{ns}}}{name}"] = name
    return table


class _NoTarget:
    """Gives XMLParser no callbacks to wire: ours go straight onto expat."""


_NO_TARGET = _NoTarget()


# --- the workbook being read ---------------------------------------------------------------------


class _Book:
    """Shared state while reading one file: the zip, limits, counters, strings and styles."""

    def __init__(self, zf: zipfile.ZipFile, limits: Limits) -> None:
        self.zf = zf
        self.limits = limits
        self.cells = 0
        self.elements = 0
        self.inflated = 0  # bytes decompressed so far, over all members
        self.max_elements = limits.max_cells * _ELEMENTS_PER_CELL
        self.merged_area = 0
        self.strings: list[str] = []
        # style index as written in s="…" -> (number format code, date kind)
        self.styles: dict[str, tuple[str, int]] = {}
        self.default_style: tuple[str, int] = ("General", _NUMBER)
        self.epoch = _WINDOWS_EPOCH
        members: dict[str, zipfile.ZipInfo] = {}
        folded: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            members[info.filename] = info
            # Some tools write backslashes or change case; part names are case-insensitive (OPC).
            folded.setdefault(info.filename.replace("\\", "/").lower(), info)
        self.members = members
        self.folded = folded

    def member(self, name: str) -> zipfile.ZipInfo | None:
        name = name.lstrip("/")
        return self.members.get(name) or self.folded.get(name.lower())

    def count_element(self) -> None:
        self.elements += 1
        if self.elements > self.max_elements:
            raise _Refused(_TOO_BIG, what=f"内容超过 {self.max_elements} 个 XML 元素")

    def stream(self, info: zipfile.ZipInfo, sink: Callable[[bytes], object]) -> None:
        """Feed a member to ``sink`` in chunks, never taking more than its declared size."""
        total = 0
        try:
            fh: IO[bytes] = self.zf.open(info)
        except ZIP_ERRORS as exc:
            raise _Refused(_CORRUPT) from exc
        with fh:
            while True:
                try:
                    chunk = fh.read(CHUNK)
                except ZIP_ERRORS as exc:
                    raise _Refused(_CORRUPT) from exc
                if not chunk:
                    return
                total += len(chunk)
                if total > info.file_size:
                    raise _Refused(_BOMB)  # the header lied about the size
                # A part listed many times (say, one sheet under 10 000 names) is read again each
                # time: bound the bytes read over the whole file, not just each member's.
                self.inflated += len(chunk)
                if self.inflated > self.limits.max_uncompressed_bytes:
                    raise _Refused(_BOMB)
                sink(chunk)

    def parse(self, info: zipfile.ZipInfo, target: Any, part: str, data: bytes | None = None) -> None:
        """Stream-parse a member into ``target``'s start(tag, attrib) / end(tag) / data(text); ``data`` is
        the member's bytes when they were read already."""
        parser = defused_parser(_NO_TARGET)
        # Speed: take expat's events directly (tags as 'namespace}local', attributes as a dict built
        # in C) rather than through ElementTree's per-element Python wrapper. defusedxml's refusing
        # handlers stay installed on this same expat parser.
        expat = parser.parser
        expat.ordered_attributes = 0
        expat.StartElementHandler = target.start
        expat.EndElementHandler = target.end
        if hasattr(target, "data"):
            expat.CharacterDataHandler = target.data

        def feed(chunk: bytes) -> None:
            try:
                parser.feed(chunk)
            except XML_ERRORS as exc:
                raise _Refused(_MALFORMED, part=part) from exc

        if data is None:
            self.stream(info, feed)
        else:
            feed(data)
        try:
            parser.close()
        except XML_ERRORS as exc:
            raise _Refused(_MALFORMED, part=part) from exc


# --- parts -----------------------------------------------------------------------------------------


class _ElementsTarget:
    """Collects (local name, attributes) of the elements in ``wanted`` (expat tag -> local name)."""

    def __init__(self, book: _Book, wanted: dict[str, str]) -> None:
        self.book = book
        self.wanted = wanted
        self.found: list[tuple[str, dict[str, str]]] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.book.count_element()
        local = self.wanted.get(tag)
        if local is not None:
            self.found.append((local, attrib))

    def end(self, tag: str) -> None:
        pass


def _elements(
    book: _Book, info: zipfile.ZipInfo, part: str, wanted: dict[str, str]
) -> list[tuple[str, dict[str, str]]]:
    target = _ElementsTarget(book, wanted)
    book.parse(info, target, part)
    return target.found


_RELS_TAGS = {f"{_PACKAGE_REL_NS}}}Relationship": "Relationship", "Relationship": "Relationship"}
_WORKBOOK_TAGS = _tags("workbookPr", "sheet")


def _rels_part(source: str) -> str:
    """The part holding ``source``'s relationships: xl/workbook.xml -> xl/_rels/workbook.xml.rels."""
    folder, base = posixpath.split(source)
    return posixpath.join(folder, "_rels", base + ".rels")


def _relationships(book: _Book, source: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, member name) for the part ``source`` (external targets skipped)."""
    folder = posixpath.dirname(source)
    info = book.member(_rels_part(source))
    if info is None:
        return {}
    rels: dict[str, tuple[str, str]] = {}
    for _, attrib in _elements(book, info, "关系表", _RELS_TAGS):
        rid, target = attrib.get("Id"), attrib.get("Target")
        if not rid or not target or attrib.get("TargetMode") == "External":
            continue
        target = target.replace("\\", "/")
        # Targets are relative to the source part's folder, or absolute from the package root.
        name = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        rels[rid] = (attrib.get("Type") or "", posixpath.normpath(name))
    return rels


def _workbook_part(book: _Book) -> zipfile.ZipInfo:
    info = book.member("xl/workbook.xml")
    if info is not None:
        return info
    # The package may name its main part differently; the root relationships say where it is.
    for rel_type, name in _relationships(book, "").values():
        if rel_type.endswith("/officeDocument"):
            info = book.member(name)
            if info is not None and name.lower().endswith(".xml"):
                return info
    raise _Refused(_NOT_BOOK)


def _sheet_entries(
    book: _Book, workbook: zipfile.ZipInfo, rels: dict[str, tuple[str, str]]
) -> list[tuple[str, str, str]]:
    """(sheet name, relationship type, part name) of every sheet, in workbook order."""
    entries = []
    for local, attrib in _elements(book, workbook, "工作簿结构", _WORKBOOK_TAGS):
        if local == "workbookPr":
            if attrib.get("date1904", "").lower() in ("1", "true"):
                book.epoch = _MAC_EPOCH
            continue
        # r:id, whichever prefix and namespace (transitional or strict) the file uses.
        rid = next((v for k, v in attrib.items() if k.endswith("}id")), "")
        rel = rels.get(rid)
        if rel is None:
            raise _Refused(_CORRUPT)
        entries.append((attrib.get("name") or "", *rel))
    return entries


def _worksheet_parts(book: _Book) -> dict[str, str]:
    """Sheet name -> worksheet part name; chart, dialog and macro sheets left out."""
    workbook = _workbook_part(book)
    entries = _sheet_entries(book, workbook, _relationships(book, workbook.filename))
    return {name: part for name, rel_type, part in entries if rel_type.endswith("/worksheet")}


def _sheets(book: _Book, workbook: zipfile.ZipInfo) -> list[tuple[str, zipfile.ZipInfo]]:
    """(sheet name, worksheet member) in workbook order; chart, dialog and macro sheets left out."""
    rels = _relationships(book, workbook.filename)
    sheets: list[tuple[str, zipfile.ZipInfo]] = []
    for name, rel_type, part in _sheet_entries(book, workbook, rels):
        if not rel_type.endswith("/worksheet"):
            continue  # chartsheet, dialogsheet, xlMacrosheet: no cells for us
        info = book.member(part)
        if info is None:
            raise _Refused(_CORRUPT)
        sheets.append((name, info))
    # One styles part and one string table; a second one would only be a trick (or double the strings).
    for suffix, read in (("/styles", _read_styles), ("/sharedStrings", _read_strings)):
        info = next((book.member(n) for t, n in rels.values() if t.endswith(suffix) and book.member(n)), None)
        if info is not None:
            read(book, info)
    return sheets


_STYLE_TAGS = _tags("numFmts", "numFmt", "cellXfs", "xf")


class _StylesTarget:
    def __init__(self, book: _Book) -> None:
        self.book = book
        self.custom: dict[int, str] = {}
        self.xf_formats: list[int] = []
        self.in_numfmts = False
        self.in_cellxfs = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.book.count_element()
        kind = _STYLE_TAGS.get(tag)
        if kind == "numFmt":
            # dxf entries (conditional formats) hold numFmt too; only the numFmts list defines ids.
            if self.in_numfmts:
                self.custom[int(attrib.get("numFmtId", "0"))] = attrib.get("formatCode", "")
        elif kind == "xf":
            if self.in_cellxfs:
                self.xf_formats.append(int(attrib.get("numFmtId", "0")))
        elif kind == "numFmts":
            self.in_numfmts = True
        elif kind == "cellXfs":
            self.in_cellxfs = True

    def end(self, tag: str) -> None:
        kind = _STYLE_TAGS.get(tag)
        if kind == "numFmts":
            self.in_numfmts = False
        elif kind == "cellXfs":
            self.in_cellxfs = False


# Styles parts already read (a digest of their bytes -> style table, elements counted): a batch's files
# repeat their templates' styles byte for byte. Bounded in entries (a bench of 17 templates read in
# turn missed every time with 16) and in the size of a part kept; a digest, not the bytes, is kept.
_STYLES: dict[bytes, tuple[dict[str, tuple[str, int]], int]] = {}
_MAX_STYLES, _MAX_STYLES_BYTES = 64, 256 * 1024


def _read_styles(book: _Book, info: zipfile.ZipInfo) -> None:
    chunks: list[bytes] = []
    book.stream(info, chunks.append)
    data = b"".join(chunks)
    digest = hashlib.blake2b(data, digest_size=32).digest()
    known = _STYLES.get(digest)
    if known is None:
        before = book.elements
        book.styles = _parse_styles(book, info, data)
        if len(data) <= _MAX_STYLES_BYTES:
            if len(_STYLES) >= _MAX_STYLES:
                _STYLES.clear()
            _STYLES[digest] = (book.styles, book.elements - before)
    else:
        book.styles = known[0]  # shared: only read
        book.elements += known[1]
        if book.elements > book.max_elements:
            book.count_element()  # refuses, as parsing the part again would have
    book.default_style = book.styles.get("0", book.default_style)


def _parse_styles(book: _Book, info: zipfile.ZipInfo, data: bytes) -> dict[str, tuple[str, int]]:
    target = _StylesTarget(book)
    book.parse(info, target, "样式表", data)
    styles: dict[str, tuple[str, int]] = {}
    kinds: dict[str, int] = {}
    for index, fmt_id in enumerate(target.xf_formats):
        fmt = target.custom.get(fmt_id)
        if fmt is None or len(fmt) > _MAX_FORMAT_LEN:
            fmt = _BUILTIN_FORMATS.get(fmt_id) or _BUILTIN_FORMATS_ZH_CN.get(fmt_id) or "General"
        kind = kinds.get(fmt)
        if kind is None:
            kind = kinds[fmt] = _date_kind(fmt)
        styles[str(index)] = (fmt, kind)
    return styles


_STRING_TAGS = _tags("si", "t", "rPh")


class _StringsTarget:
    def __init__(self, book: _Book) -> None:
        self.book = book
        self.parts: list[str] | None = None
        self.buf: list[str] | None = None
        self.phonetic = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.book.count_element()
        kind = _STRING_TAGS.get(tag)
        if kind == "t":
            if self.parts is not None and not self.phonetic:
                self.buf = self.parts
        elif kind == "si":
            self.parts = []
        elif kind == "rPh":
            self.phonetic += 1  # phonetic guide (furigana / pinyin): not part of the text

    def end(self, tag: str) -> None:
        kind = _STRING_TAGS.get(tag)
        if kind == "t":
            self.buf = None
        elif kind == "si":
            self.book.strings.append(_unescape("".join(self.parts or ())))
            self.parts = None
        elif kind == "rPh":
            self.phonetic -= 1

    def data(self, text: str) -> None:
        if self.buf is not None:
            self.buf.append(text)


def _read_strings(book: _Book, info: zipfile.ZipInfo) -> None:
    book.parse(info, _StringsTarget(book), "共享字符串表")


# Cell references already read ('B3' -> (3, 2)): every file of a batch repeats the template's cells.
_REFS: dict[str, tuple[int, int]] = {}
_MAX_REFS = 50_000  # bounded whatever a file holds


def _ref(text: str) -> tuple[int, int]:
    """'B3' -> (3, 2); anything else is a malformed file."""
    found = _REFS.get(text)
    if found is not None:
        return found
    letters = text.rstrip("0123456789")
    digits = text[len(letters) :]
    col = _COLUMNS.get(letters) or _column(letters)
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"bad cell reference {text!r}")
    row = int(digits)
    if not 1 <= row <= _MAX_ROW:
        raise ValueError(f"row out of range in {text!r}")
    if len(_REFS) < _MAX_REFS:
        _REFS[text] = (row, col)
    return row, col


_SHEET_TAGS = _tags("c", "v", "f", "row", "is", "t", "rPh", "mergeCell")


class _SheetTarget:
    """Streaming callbacks for one worksheet: cells go straight into the Grid, nothing is kept."""

    def __init__(self, book: _Book, grid: Grid) -> None:
        self.book = book
        self.cells = grid.cells
        self.merged = grid.merged
        self.max_cells = book.limits.max_cells
        self.row = 0
        self.col = 0
        self.in_cell = False
        self.pos = (0, 0)
        self.ctype = "n"
        self.style: str | None = None
        self.value: list[str] | None = None  # <v> text
        self.formula: list[str] | None = None  # <f> text; [] for a shared formula's dependants
        self.inline: list[str] | None = None  # <is> text
        self.buf: list[str] | None = None  # where character data currently goes
        self.phonetic = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        book = self.book
        book.elements += 1
        if book.elements > book.max_elements:
            book.count_element()  # raises
        kind = _SHEET_TAGS.get(tag)
        if kind is None:
            return
        if kind == "c":
            book.cells += 1
            if book.cells > self.max_cells:
                raise _Refused(_TOO_BIG, what=f"超过 {self.max_cells} 个单元格")
            ref = attrib.get("r")
            if ref:
                row, col = _REFS.get(ref) or _ref(ref)
            else:
                # Cells may omit r (the spec allows it): they follow the previous one in the row.
                row, col = self.row, self.col + 1
                if not (1 <= row <= _MAX_ROW and col <= _MAX_COL):
                    raise ValueError("cell position out of range")
            self.col = col
            self.pos = (row, col)
            self.ctype = attrib.get("t", "n")
            self.style = attrib.get("s")
            self.value = self.formula = self.inline = None
            self.in_cell = True
        elif kind == "v":
            if self.in_cell:
                self.value = self.buf = []
        elif kind == "row":
            r = attrib.get("r")
            self.row = self.row + 1 if r is None else int(r)
            if not 1 <= self.row <= _MAX_ROW:
                raise ValueError("row number out of range")
            self.col = 0
        elif kind == "f":
            if self.in_cell:
                self.formula = self.buf = []
        elif kind == "is":
            if self.in_cell:
                self.inline = []
        elif kind == "t":
            if self.inline is not None and not self.phonetic:
                self.buf = self.inline
        elif kind == "rPh":
            self.phonetic += 1
        elif kind == "mergeCell":
            self._merge(attrib.get("ref", ""))

    def end(self, tag: str) -> None:
        kind = _SHEET_TAGS.get(tag)
        if kind is None:
            return
        if kind == "c":
            self._finish()
        elif kind == "rPh":
            self.phonetic -= 1
        elif kind != "row" and kind != "mergeCell":  # v, f, t, is
            self.buf = None

    def data(self, text: str) -> None:
        buf = self.buf
        if buf is not None:
            buf.append(text)

    def _finish(self) -> None:
        book = self.book
        parts, inline, written = self.value, self.inline, self.formula
        self.value = self.inline = self.formula = self.buf = None
        self.in_cell = False
        if parts is None and inline is None and written is None:
            return  # <c r="B3" s="5"/>: a cell only styled, not kept (the most common kind)
        formula = None if written is None else "".join(written)
        ctype = self.ctype
        # s absent or not an index of cellXfs: Excel falls back to the first cell format.
        style = book.styles.get(self.style, book.default_style) if self.style else book.default_style
        value: object
        if ctype == "inlineStr":
            value = None if inline is None else _unescape("".join(inline))
        else:
            raw = None if parts is None else "".join(parts)
            if not raw:
                value = None  # <v/> or no <v>: e.g. a formula never calculated (saved by openpyxl)
            elif ctype == "n":
                value = _number(raw)
                if style[1]:
                    value = _from_excel(value, book.epoch, style[1])
            elif ctype == "s":
                index = int(raw)
                strings = book.strings
                if not 0 <= index < len(strings):
                    raise ValueError(f"shared string index out of range: {index}")
                value = strings[index]
            elif ctype == "str":
                value = _unescape(raw)
            elif ctype == "b":
                value = _boolean(raw)
            elif ctype == "d":
                value = _iso_date(raw)
            else:  # "e" (the error text, e.g. '#DIV/0!') and unknown types: the text as written
                value = raw
        if formula is None and (value is None or value == ""):
            return  # an empty cell (perhaps only styled): not kept
        self.cells[self.pos] = CellData(None if value == "" else value, formula, style[0])

    def _merge(self, ref: str) -> None:
        first, _, last = ref.partition(":")
        r1, c1 = _ref(first)
        r2, c2 = _ref(last) if last else (r1, c1)
        self.merged.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))


def _boolean(raw: str) -> bool:
    text = raw.strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise ValueError(f"bad boolean {raw!r}")


def _iso_date(raw: str) -> object:
    text = raw.strip()
    try:
        if "T" in text or ":" in text:
            return dt.datetime.fromisoformat(text.rstrip("Z"))
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
    except ValueError:
        return raw  # keep what was written rather than refuse the file over one date cell


def bound_merges(grids: list[Grid], limits: Limits, area: int = 0) -> int:
    """Clip absurd merges to each grid's data and cap their total area (``area`` so far, returned
    updated): Grid indexes every merged cell in memory."""
    for grid in grids:
        if not grid.merged:
            continue
        max_row, max_col = grid.max_row, grid.max_col
        bounded = []
        for r1, c1, r2, c2 in grid.merged:
            if (r2 - r1 + 1) * (c2 - c1 + 1) > _MERGE_CLIP:
                # e.g. whole columns merged: what lies past the last stored cell is empty anyway.
                r2, c2 = min(r2, max(r1, max_row)), min(c2, max(c1, max_col))
            area += (r2 - r1 + 1) * (c2 - c1 + 1)
            bounded.append((r1, c1, r2, c2))
        if area > limits.max_cells:
            raise _Refused(_TOO_BIG, what=f"合并单元格超过 {limits.max_cells} 个")
        grid.merged[:] = bounded
    return area


# --- entry points ----------------------------------------------------------------------------------


def _check_sizes(zf: zipfile.ZipFile, file_bytes: int, limits: Limits) -> None:
    """Refuse on declared sizes alone, before any member is decompressed."""
    total = compressed = 0
    for info in zf.infolist():
        size, packed = info.file_size, info.compress_size
        total += size
        compressed += packed
        if too_compressed(size, packed, limits):
            raise _Refused(_BOMB)
    if too_compressed(total, compressed, limits):
        raise _Refused(_BOMB)
    if total > limits.max_uncompressed_bytes:
        raise _Refused(_TOO_BIG, what=f"解压后 {_mb(total)}，上限 {_mb(limits.max_uncompressed_bytes)}")
    if compressed > file_bytes:
        # Members sharing their compressed bytes: the overlapping-entries bomb.
        raise _Refused(_BOMB)


def read_head(path: Path, limits: Limits) -> tuple[int, bytes]:
    """(size, first 8 bytes) of a file that exists, is not empty and is within the size limit."""
    try:
        if not path.exists():
            raise _Refused(_NOT_FOUND)
        if not path.is_file():
            raise _Refused(_NOT_FILE)
        with path.open("rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(0)
            magic = fh.read(8)
    except OSError as exc:
        raise _Refused(_UNREADABLE) from exc
    if size == 0:
        raise _Refused(_EMPTY)
    if size > limits.max_file_bytes:
        raise _Refused(_TOO_BIG, what=f"{_mb(size)}，上限 {_mb(limits.max_file_bytes)}")
    return size, magic


@contextmanager
def open_package(path: Path, limits: Limits, *, zip_start: bool = False) -> Iterator[_Book]:
    """A zip package (.xlsx, .docx, .ods) opened under the size and ratio limits, before any member is
    decompressed; with ``zip_start`` only a file whose first bytes are a zip entry's (refused otherwise)."""
    size, magic = read_head(path, limits)
    if magic == _OLE_MAGIC:
        raise _Refused(_OLE)
    if zip_start and not magic.startswith(b"PK"):
        raise _Refused(_NOT_ZIP)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise _Refused(_UNREADABLE) from exc
    with fh:
        try:
            zf = zipfile.ZipFile(fh)
        except ZIP_ERRORS as exc:
            raise _Refused(_CORRUPT if magic.startswith(b"PK") else _NOT_ZIP) from exc
        with zf:
            _check_sizes(zf, size, limits)
            yield _Book(zf, limits)


def _read(path: Path, limits: Limits) -> list[Grid]:
    with open_package(path, limits) as book:
        return _grids(book)


def _grids(book: _Book) -> list[Grid]:
    grids = []
    for name, info in _sheets(book, _workbook_part(book)):
        grid = Grid(name)
        book.parse(info, _SheetTarget(book, grid), f"工作表“{_printable(name, 31)}”")
        book.merged_area = bound_merges([grid], book.limits, book.merged_area)
        grids.append(grid)
    return grids


def read_opened_workbook(book: _Book, path: Path) -> list[Grid]:
    """read_workbook for a package ``open_package`` opened already (its format told by its parts)."""
    try:
        return _grids(book)
    except _Refused as exc:
        name = _printable(path.name or str(path))
        raise UserError(exc.template.format(name=name, **exc.details)) from exc


def read_workbook(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[Grid]:
    """Every worksheet of an .xlsx/.xlsm, in workbook order, as Grids (cached values, formulas, formats).

    Formulas are never evaluated and macros never touched. An unusable file raises UserError with one
    Chinese sentence naming it; exceptions of other types are bugs in this module.
    """
    path = Path(path)
    try:
        return _read(path, limits)
    except _Refused as exc:
        name = _printable(path.name or str(path))
        raise UserError(exc.template.format(name=name, **exc.details)) from exc


def assert_openpyxl_is_defused() -> None:
    """Refuse to go on if openpyxl would parse untrusted XML without defusedxml."""
    import openpyxl.xml  # here, not at the top: the reader itself never loads openpyxl
    import openpyxl.xml.functions

    parser_module = getattr(openpyxl.xml.functions.iterparse, "__module__", "") or ""
    if openpyxl.xml.DEFUSEDXML is not True or not parser_module.startswith("defusedxml"):
        raise UserError(
            "openpyxl 未启用 defusedxml 安全解析（请安装 defusedxml，并且不要设置环境变量"
            " OPENPYXL_DEFUSEDXML=False），为安全起见不打开外来文件。"
        )
