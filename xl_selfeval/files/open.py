"""The one entry point for reading a file to check: the format is told by content first, then by suffix.

A .xls that is really an .xlsx, a renamed .docx or a .doc saved as RTF is read for what it is; .doc, .et,
.wps, .xlsb (and RTF, .odt) go through LibreOffice; anything else gets one Chinese sentence naming it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from contextlib import AbstractContextManager, ExitStack, nullcontext
from pathlib import Path

import olefile

from xl_selfeval.errors import UserError
from xl_selfeval.files.convert import converted
from xl_selfeval.files.document import Document, refused_error
from xl_selfeval.files.docx import read_docx
from xl_selfeval.files.ods import read_ods
from xl_selfeval.files.xls import read_xls
from xl_selfeval.files.xlsx import (
    _OLE_MAGIC,
    DEFAULT_LIMITS,
    Limits,
    _printable,
    _Refused,
    open_package,
    read_head,
    read_opened_workbook,
    read_workbook,
)
from xl_selfeval.naming import first_free, numbered

__all__ = ["detect_kind", "read_document", "recalc_output", "recalc_source"]

# What a file is, as detect_kind names it.
XLSX, XLS, ODS, DOCX = "xlsx", "xls", "ods", "docx"
# Kinds LibreOffice converts, and to what.
_CONVERTED = {"xlsb": "xlsx", "et": "xlsx", "doc": "docx", "wps": "docx", "rtf": "docx", "odt": "docx"}
_WORD_KINDS = {DOCX, "doc", "wps", "rtf", "odt"}

_UNKNOWN = (
    "“{name}”不是能读取的表格或 Word 文档（支持 .xlsx、.xlsm、.xls、.ods、.docx，以及经 LibreOffice 转换的"
    " .doc、.et、.wps、.xlsb），请另存为 .xlsx 或 .docx 后再试。"
)
_HTML = "“{name}”实际是网页（HTML）文件，不是工作簿，请在 Excel 中打开并另存为 .xlsx 后再试。"
_ENCRYPTED = "“{name}”已加密（设置了打开密码），请在 Excel 或 Word 中取消密码并另存后再试。"
_DOCX_RECALC = (
    "“{name}”是 Word 文档，重算只能改写工作簿；请用 check 检查它（xl-selfeval check {path}），"
    "或把表格复制到 .xlsx 工作簿后再重算。"
)

_ODS_MIMETYPES = (b"application/vnd.oasis.opendocument.spreadsheet",)
_ODT_MIMETYPES = (b"application/vnd.oasis.opendocument.text",)
_MAX_MIMETYPE = 100
_HTML_SNIFF = 512
_HTML_STARTS = (b"<html", b"<!doctype html", b"<table", b"<meta", b"<head", b"<body")


def _zip_kind(path: Path) -> str | None:
    """xlsx, xlsb, docx, ods or odt by the package's own parts (the central directory only)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = {name.replace("\\", "/").lower() for name in zf.namelist()}
            mimetype = b""
            info = next((i for i in zf.infolist() if i.filename == "mimetype"), None)
            if info is not None and info.file_size <= _MAX_MIMETYPE:
                mimetype = zf.read(info).strip()
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError):
        return None  # damaged: the reader for its suffix gives the message
    kind = _parts_kind(names)
    if kind is not None:
        return kind
    if mimetype.startswith(_ODS_MIMETYPES):
        return ODS
    if mimetype.startswith(_ODT_MIMETYPES):
        return "odt"
    return None


def _parts_kind(names: Collection[str]) -> str | None:
    """xlsb, xlsx or docx by the package's part names (lowercase, '/'-separated)."""
    if "xl/workbook.bin" in names:
        return "xlsb"
    if any(name.startswith("xl/") for name in names):
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    return None


def _read_xlsx_once(path: Path, limits: Limits) -> Document | None:
    """An .xlsx told by its parts and read from the package opened once; None for anything else, and for
    a package refused on opening (detect_kind's way then names what is wrong)."""
    with ExitStack() as stack:
        try:
            # as detect_kind: only a file starting as a zip is taken for a package
            book = stack.enter_context(open_package(path, limits, zip_start=True))
        except _Refused:
            return None
        if _parts_kind(book.folded) != XLSX:
            return None
        return Document(read_opened_workbook(book, path))


def _ole_kind(path: Path) -> str | None:
    """xls, doc, wps or encrypted by the streams of an OLE compound file."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry).lower() for entry in ole.listdir()}
    except Exception:  # olefile on untrusted bytes: whatever fails, the content does not say
        return None
    if "encryptedpackage" in streams:
        return "encrypted"  # an .xlsx or .docx with an opening password
    if "workbook" in streams or "book" in streams:
        return XLS  # WPS .et files keep a BIFF8 Workbook stream too
    if "worddocument" in streams:
        return "doc"
    return None


def _looks_like_html(path: Path) -> bool:
    """A web page saved with a spreadsheet's name (as many sites export tables)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_HTML_SNIFF)
    except OSError:
        return False
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().lower().startswith(_HTML_STARTS)


def detect_kind(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """xlsx, xls, ods, docx, or a kind LibreOffice converts (xlsb, et, doc, wps, rtf, odt).

    Content wins over the suffix; the suffix decides only for files whose content does not say.
    """
    path = Path(path)
    try:
        _, magic = read_head(path, limits)
    except _Refused as exc:
        raise refused_error(path, exc) from exc
    suffix = path.suffix.lower().lstrip(".")
    kind: str | None = None
    if magic.startswith(b"PK"):
        kind = _zip_kind(path)
    elif magic == _OLE_MAGIC:
        kind = _ole_kind(path)
        if kind == XLS and suffix == "et":
            kind = "et"  # WPS extras in the BIFF stream: LibreOffice knows them, xlrd may not
        if kind is None and suffix in ("wps", "et"):
            kind = suffix
    elif magic.startswith(b"{\\rtf"):
        kind = "rtf"
    elif _looks_like_html(path):
        raise UserError(_HTML.format(name=_printable(path.name)))
    if kind == "encrypted":
        raise UserError(_ENCRYPTED.format(name=_printable(path.name)))
    if kind is None and suffix in (XLSX, "xlsm") and magic.startswith(b"PK"):
        kind = XLSX  # a damaged package: the .xlsx reader says what is wrong with it
    if kind is None and suffix in (DOCX, ODS) and magic.startswith(b"PK"):
        kind = suffix
    if kind is None and suffix == XLS and magic == _OLE_MAGIC:
        kind = XLS
    if kind is None:
        raise UserError(_UNKNOWN.format(name=_printable(path.name)))
    return kind


def _read_converted(path: Path, kind: str, limits: Limits) -> Document:
    target = _CONVERTED[kind]
    with converted(path, target) as copy:
        document = read_docx(copy, limits) if target == DOCX else Document(read_workbook(copy, limits))
    document.source_kind = kind
    return document


def read_document(path: Path, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Any supported file as a Document: its grids, and for Word files the body paragraphs.

    An unusable file raises UserError with one Chinese sentence naming it.
    """
    path = Path(path)
    once = _read_xlsx_once(path, limits)
    if once is not None:
        return once
    kind = detect_kind(path, limits)
    if kind == XLSX:
        return Document(read_workbook(path, limits))
    if kind == XLS:
        return read_xls(path, limits)
    if kind == ODS:
        return read_ods(path, limits)
    if kind == DOCX:
        return read_docx(path, limits)
    return _read_converted(path, kind, limits)


def recalc_source(path: Path, limits: Limits = DEFAULT_LIMITS) -> AbstractContextManager[Path]:
    """The .xlsx that recalc reads and writes from: the file itself, or LibreOffice's .xlsx copy of an
    .xls, .ods, .et or .xlsb (which keeps the form's layout, fonts, borders and formulas, where grids
    written anew would keep only values). Word documents are refused with a pointer to check."""
    path = Path(path)
    kind = detect_kind(path, limits)
    if kind == XLSX:
        return nullcontext(path)
    if kind in _WORD_KINDS:
        raise UserError(_DOCX_RECALC.format(name=_printable(path.name), path=path))
    return converted(path, XLSX)


def recalc_output(path: Path) -> Path:
    """Where recalc writes for a source it cannot rewrite: 名称（重算）.xlsx beside it, never over a file."""
    names = numbered(f"{path.stem}（重算）.xlsx", lambda n: f"{path.stem}（重算{n}）.xlsx")
    return path.with_name(first_free(names, lambda name: path.with_name(name).exists()))
