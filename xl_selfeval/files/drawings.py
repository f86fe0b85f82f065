"""Which objects of a workbook a save through openpyxl would lose (text boxes, controls …), found by
scanning its drawing parts defensively."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl.drawing.image import PILImage

from xl_selfeval.files.zipguard import CHUNK, XML_ERRORS, ZIP_ERRORS, defused_parser, member_suspicious
from xl_selfeval.limits import DEFAULT_LIMITS, Limits

# Each kind as the user knows it, in the order the warning names them.
_TEXT_BOX = "文本框"
_SHAPE = "形状"
_CONNECTOR = "连接线"
_GROUP = "组合对象"
_GRAPHIC = "SmartArt 图形"
_INK = "墨迹（手写）"
_PICTURE = "图片"
_METAFILE = "EMF/WMF 格式的图片"
_FORM_CONTROL = "表单控件"
_ACTIVEX = "ActiveX 控件"
_OLE_OBJECT = "嵌入的对象（OLE）"
_UNREADABLE = "无法检查的绘图内容"
_KIND_ORDER = (
    *(_TEXT_BOX, _SHAPE, _CONNECTOR, _GROUP, _GRAPHIC, _INK, _PICTURE, _METAFILE),
    *(_FORM_CONTROL, _ACTIVEX, _OLE_OBJECT, _UNREADABLE),
)

_DRAWING_PART = re.compile(r"xl/drawings/[^/]+\.xml", re.IGNORECASE)
_METAFILE_PART = re.compile(r"xl/media/[^/]+\.(?:emf|wmf)", re.IGNORECASE)
# Folders of parts that openpyxl never writes back.
_DROPPED_FOLDERS = (
    ("xl/ctrlprops/", _FORM_CONTROL),
    ("xl/activex/", _ACTIVEX),
    ("xl/embeddings/", _OLE_OBJECT),
)
_XDR_NS = (
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing",  # ISO 29500 strict
)
_A_NS = ("http://schemas.openxmlformats.org/drawingml/2006/main", "http://purl.oclc.org/ooxml/drawingml/main")
_CHART_URIS = (
    "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "http://purl.oclc.org/ooxml/drawingml/chart",
)
# Anchored objects openpyxl reads back: pictures (with Pillow) and charts. Everything else is dropped.
_DROPPED_ANCHORED = {"cxnSp": _CONNECTOR, "grpSp": _GROUP, "contentPart": _INK}


class _DrawingScan:
    """Parser target: notes the kinds of object in one drawing part that openpyxl would not keep."""

    def __init__(self, found: set[str], pictures_kept: bool) -> None:
        self.found = found
        self.pictures_kept = pictures_kept
        self.shapes: list[bool] = []  # one entry per open <xdr:sp>: is it a text box?

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        ns, _, local = tag[1:].rpartition("}")
        if ns in _XDR_NS:
            if local == "sp":
                self.shapes.append(False)
            elif local == "cNvSpPr" and self.shapes and attrib.get("txBox") in ("1", "true"):
                self.shapes[-1] = True
            elif local in _DROPPED_ANCHORED:
                self.found.add(_DROPPED_ANCHORED[local])
            elif local == "pic" and not self.pictures_kept:
                self.found.add(_PICTURE)
        elif ns in _A_NS and local == "graphicData" and attrib.get("uri") not in _CHART_URIS:
            self.found.add(_GRAPHIC)  # a graphic frame holding SmartArt, a new-style chart, a table …

    def end(self, tag: str) -> None:
        ns, _, local = tag[1:].rpartition("}")
        if ns in _XDR_NS and local == "sp" and self.shapes:
            self.found.add(_TEXT_BOX if self.shapes.pop() else _SHAPE)

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def _scan_drawing(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, found: set[str], allowance: int, limits: Limits
) -> int:
    """Stream-parse one drawing part into ``found``; returns the bytes inflated. Unreadable counts as lost."""
    size = info.file_size
    if member_suspicious(info, allowance, limits):
        found.add(_UNREADABLE)  # too big or a likely bomb: do not inflate it, and do not promise it survives
        return 0
    parser = defused_parser(_DrawingScan(found, bool(PILImage)))
    read = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(CHUNK):
                read += len(chunk)
                if read > size:  # the header lied about the size
                    found.add(_UNREADABLE)
                    return read
                parser.feed(chunk)
        parser.close()
    except (*ZIP_ERRORS, *XML_ERRORS):
        found.add(_UNREADABLE)
    return read


def objects_openpyxl_drops(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Kinds of object a save through openpyxl would lose (文本框, 表单控件 …), in Chinese; [] if none."""
    found: set[str] = set()
    allowance = limits.max_uncompressed_bytes  # inflated bytes for all drawing parts together
    try:
        with zipfile.ZipFile(Path(path)) as zf:
            for info in zf.infolist():
                name = info.filename.replace("\\", "/")  # some tools write backslashes
                if info.is_dir():
                    continue
                for folder, kind in _DROPPED_FOLDERS:
                    if name.lower().startswith(folder):
                        found.add(kind)
                if _METAFILE_PART.fullmatch(name):
                    found.add(_METAFILE)  # openpyxl drops WMF/EMF pictures even with Pillow
                if _DRAWING_PART.fullmatch(name):
                    allowance -= _scan_drawing(zf, info, found, allowance, limits)
    except ZIP_ERRORS:
        # Not a zip that can be listed: openpyxl has not opened it either, so no object is at stake.
        return []
    return [kind for kind in _KIND_ORDER if kind in found]
