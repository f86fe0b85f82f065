"""Defensive reader of untrusted Word .docx files: every table as a Grid named 表1, 表2, …, and the body text.

A table cell lands on its table grid column (w:gridCol), so a cell spanning columns (w:gridSpan) or rows
(w:vMerge) becomes a merged range and a finding names it by the A1 address of its top-left grid cell
(表3!G9). document.xml is stream-parsed with defusedxml under the zip limits of the .xlsx reader.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from xl_selfeval.cells import MAX_COL, MAX_ROW, address
from xl_selfeval.files.document import Document, refused_error
from xl_selfeval.files.xlsx import (
    _MALFORMED,
    _NOT_ZIP,
    _OLE,
    _TOO_BIG,
    DEFAULT_LIMITS,
    Limits,
    _Book,
    _Refused,
    _relationships,
    open_package,
)
from xl_selfeval.grid import CellData, Grid

__all__ = ["TABLE_NAME", "read_docx"]

TABLE_NAME = "表{n}"

_NOT_WORD = "“{name}”不是 Word 文档（缺少 word/document.xml），请在 Word 中打开并另存为 .docx 后再试。"
_WORD_MALFORMED = "“{name}”文件内容格式异常（{part}），无法读取，请在 Word 中打开并另存为 .docx 后再试。"
_WORD_OLE = "“{name}”是加密的文档或旧版 .doc 文件，请在 Word 中取消密码并另存为 .docx 后再试。"
_NOT_DOCX = "“{name}”不是 Word 文档（.docx），请在 Word 中打开并另存为 .docx 后再试。"
# The spreadsheet wording of the shared refusals, said for a Word document.
_WORDING = {_MALFORMED: _WORD_MALFORMED, _OLE: _WORD_OLE, _NOT_ZIP: _NOT_DOCX}
_NESTED = "{inner}嵌在{outer}的{cell}单元格中，已作为单独的表读取。"

_W_NS = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # ISO 29500 strict
)
# Word writes text boxes and some drawings twice (mc:Choice and a VML mc:Fallback): read one of them.
_MC_FALLBACK = "http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

_WORD_TAGS = (
    *("tbl", "tr", "tc", "gridBefore", "gridSpan", "vMerge"),
    *("p", "t", "tab", "br", "cr", "noBreakHyphen"),
)
_TAGS = {f"{ns}}}{local}": local for ns in _W_NS for local in _WORD_TAGS}
_TEXT_CHARS = {"tab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}


def _val(attrib: dict[str, str]) -> str | None:
    """w:val, whichever prefix the file uses."""
    for key, value in attrib.items():
        if key == "val" or key.endswith("}val"):
            return value
    return None


def _count(attrib: dict[str, str], upper: int) -> int:
    """A w:val that counts grid columns: at least 1, at most ``upper``."""
    text = _val(attrib) or "1"
    return max(1, min(int(text), upper))  # ValueError on garbage -> a malformed file


@dataclass
class _Cell:
    col: int
    span: int = 1
    vmerge: str | None = None  # "restart", "continue" or None
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class _Table:
    grid: Grid
    row: int = 0
    col: int = 1
    cell: _Cell | None = None
    open_vmerge: dict[int, list[int]] = field(default_factory=dict)  # column -> [r1, c1, r2, c2]


class _BodyTarget:
    """Streaming callbacks for document.xml: tables into Grids, body paragraphs into text."""

    def __init__(self, book: _Book) -> None:
        self.book = book
        self.grids: list[Grid] = []
        self.paragraphs: list[str] = []
        self.notes: list[str] = []
        self.tables: list[_Table] = []
        self.texts: list[list[str]] = []  # open paragraphs (a text box's paragraph nests in another)
        self.in_text = False
        self.skipped = 0  # depth inside mc:Fallback

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.book.count_element()
        if self.skipped or tag == _MC_FALLBACK:
            self.skipped += 1
            return
        local = _TAGS.get(tag)
        if local is None:
            return
        if local == "t":
            self.in_text = True
        elif local in _TEXT_CHARS:
            if self.texts:
                self.texts[-1].append(_TEXT_CHARS[local])
        elif local == "p":
            self.texts.append([])
        elif local == "tc":
            table = self._table()
            if table is not None:
                table.cell = _Cell(table.col)
        elif local == "tr":
            table = self._table()
            if table is not None:
                table.row += 1
                table.col = 1
                if table.row > MAX_ROW:
                    raise ValueError("too many table rows")
        elif local == "gridSpan":
            table = self._table()
            if table is not None and table.cell is not None:
                table.cell.span = _count(attrib, MAX_COL)
        elif local == "vMerge":
            table = self._table()
            if table is not None and table.cell is not None:
                table.cell.vmerge = "restart" if _val(attrib) == "restart" else "continue"
        elif local == "gridBefore":
            table = self._table()
            if table is not None and table.cell is None:
                table.col += _count(attrib, MAX_COL)
        elif local == "tbl":
            self._open_table()

    def end(self, tag: str) -> None:
        if self.skipped:
            self.skipped -= 1
            return
        local = _TAGS.get(tag)
        if local is None:
            return
        if local == "t":
            self.in_text = False
        elif local == "p":
            text = "".join(self.texts.pop()) if self.texts else ""
            table = self._table()
            if table is not None and table.cell is not None:
                table.cell.paragraphs.append(text)
            elif table is None and text.strip():
                self.paragraphs.append(text)
        elif local == "tc":
            table = self._table()
            if table is not None and table.cell is not None:
                self._place(table, table.cell)
                table.cell = None
        elif local == "tr":
            table = self._table()
            if table is not None:
                self._close_vmerges(table, before_row=table.row)
        elif local == "tbl":
            table = self.tables.pop()
            self._close_vmerges(table, before_row=table.row + 1)

    def data(self, text: str) -> None:
        if self.in_text and self.texts and not self.skipped:
            self.texts[-1].append(text)

    def _table(self) -> _Table | None:
        return self.tables[-1] if self.tables else None

    def _open_table(self) -> None:
        grid = Grid(TABLE_NAME.format(n=len(self.grids) + 1))
        outer = self._table()
        if outer is not None:
            # A table inside a cell: read on its own, so the outer cell keeps only its own text.
            where = address(outer.row, outer.cell.col if outer.cell else outer.col)
            self.notes.append(_NESTED.format(inner=grid.name, outer=outer.grid.name, cell=where))
        self.grids.append(grid)
        self.tables.append(_Table(grid))

    def _place(self, table: _Table, cell: _Cell) -> None:
        row, col, span = table.row, cell.col, cell.span
        last_col = col + span - 1
        if row < 1 or last_col > MAX_COL:
            raise ValueError("table cell outside the sheet")
        table.col = last_col + 1
        book = self.book
        book.cells += 1
        if book.cells > book.limits.max_cells:
            raise _Refused(_TOO_BIG, what=f"超过 {book.limits.max_cells} 个单元格")
        opened = table.open_vmerge.get(col)
        if cell.vmerge == "continue" and opened is not None and opened[2] == row - 1:
            opened[2] = row  # Word ignores what a continuation cell holds: so does the grid
            return
        if opened is not None:
            self._close(table, col)
        if cell.vmerge == "restart":
            table.open_vmerge[col] = [row, col, row, last_col]
        elif span > 1:
            self._merge(table, (row, col, row, last_col))
        text = "\n".join(cell.paragraphs).strip()
        if text:
            table.grid.cells[(row, col)] = CellData(text)

    def _close_vmerges(self, table: _Table, before_row: int) -> None:
        """Close the vertical merges that did not continue into ``before_row``."""
        for col in [c for c, m in table.open_vmerge.items() if m[2] < before_row]:
            self._close(table, col)

    def _close(self, table: _Table, col: int) -> None:
        r1, c1, r2, c2 = table.open_vmerge.pop(col)
        if r2 > r1 or c2 > c1:
            self._merge(table, (r1, c1, r2, c2))

    def _merge(self, table: _Table, merge: tuple[int, int, int, int]) -> None:
        r1, c1, r2, c2 = merge
        book = self.book
        # Grid indexes every merged cell in memory: merged areas count against the cell limit.
        book.merged_area += (r2 - r1 + 1) * (c2 - c1 + 1)
        if book.merged_area > book.limits.max_cells:
            raise _Refused(_TOO_BIG, what=f"合并单元格超过 {book.limits.max_cells} 个")
        table.grid.merged.append(merge)


def _main_part(book: _Book) -> zipfile.ZipInfo:
    for rel_type, name in _relationships(book, "").values():
        if rel_type.endswith("/officeDocument"):
            info = book.member(name)
            if info is not None and posixpath.basename(name).lower().endswith(".xml"):
                return info
    info = book.member("word/document.xml")
    if info is None:
        raise _Refused(_NOT_WORD)
    return info


def read_docx(path: Path, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Every table of a .docx (tables nested in cells read on their own) and its body paragraphs.

    Tables are named 表1, 表2, … in the order they start in the document; cell text is kept as typed
    (paragraphs joined by line breaks). Empty body paragraphs are left out. An unusable file raises
    UserError with one Chinese sentence naming it.
    """
    path = Path(path)
    try:
        with open_package(path, limits) as book:
            target = _BodyTarget(book)
            book.parse(_main_part(book), target, "正文")
            return Document(target.grids, target.paragraphs, "docx", target.notes)
    except _Refused as exc:
        raise refused_error(path, exc, _WORDING) from exc
