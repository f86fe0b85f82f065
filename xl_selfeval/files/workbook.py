"""The openpyxl door: load workbooks defensively, mark them from a recalc plan, save them atomically."""

from __future__ import annotations

import lzma
import os
import re
import shutil
import stat
import struct
import tempfile
import zipfile
import zlib
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.drawing.image import PILImage
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.fills import Fill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import fromstring, tostring

from xl_selfeval import marks
from xl_selfeval.cells import CellRef
from xl_selfeval.checks.rules import may_overwrite
from xl_selfeval.errors import UserError
from xl_selfeval.files.xlsx import DEFAULT_LIMITS, Limits
from xl_selfeval.findings import Outcome

SUFFIXES = (".xlsx", ".xlsm")
_ARGB = re.compile(r"[0-9A-F]{8}")
_XML = "xml:"  # fill token prefix for anything but a plain solid colour (theme colours, patterns, gradients)
_NOTE_WIDTH = 320  # points; openpyxl's default (144) wraps our longer notes into a narrow column
_LINK_FONT = Font(color="FF0563C1", underline="single")
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="FFD9D9D9")
_MAX_WIDTH = 60  # characters; longer texts wrap


def save_workbook(wb: Workbook, path: Path) -> None:
    """Write to a temporary file beside ``path``, then replace it, so a crash never leaves half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".~xl-selfeval-", suffix=path.suffix, dir=path.parent or ".")
    os.close(fd)
    try:
        wb.save(tmp)
        os.chmod(tmp, _mode_for(path))  # mkstemp makes it private (0600); keep the file's own permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # the only way to read it; set straight back
        os.umask(umask)
        return 0o666 & ~umask


# --- loading and locks ----------------------------------------------------------------------------------


def _name(path: Path) -> str:
    # File names come from the file system: no control characters (terminal escapes) in messages.
    return "".join(ch if ch.isprintable() else "?" for ch in (path.name or str(path)))


def lock_files(path: Path) -> list[Path]:
    """Lock files other programs leave beside a workbook they have open (Excel/WPS, LibreOffice)."""
    path = Path(path)
    names = [f"~${path.name}", f".~lock.{path.name}#"]
    if len(path.stem) > 2:
        names.append(f"~${path.name[2:]}")  # Office shortens long names: "~$" replaces the first two chars
    return [path.parent / n for n in names if (path.parent / n).is_file()]


def _locked(path: Path, lock: Path | None = None) -> UserError:
    text = f"“{_name(path)}”正被其他程序打开（如 Excel/WPS），请先关闭后再试"
    if lock is not None:
        text += f"；如已关闭仍出现此提示，请删除同一文件夹中的锁文件“{_name(lock)}”"
    return UserError(text + "。")


def check_not_locked(path: Path) -> None:
    """Refuse a workbook another program has open: writing it would lose that program's edits or fail."""
    locks = lock_files(path)
    if locks:
        raise _locked(path, locks[0])


def _check_suffix(path: Path, what: str = "") -> None:
    if path.suffix.lower() not in SUFFIXES:
        if what == "output":
            raise UserError(f"输出文件“{_name(path)}”应以 .xlsx 或 .xlsm 结尾（与原工作簿相同）。")
        raise UserError(f"“{_name(path)}”不是 .xlsx/.xlsm 工作簿，请在 Excel 中另存为 .xlsx 后再试。")


def load_for_update(path: Path, *, check_lock: bool = True) -> Workbook:
    """Open a workbook to change it: formulas kept (not their cached values), VBA kept for .xlsm."""
    path = Path(path)
    _check_suffix(path)
    if check_lock:
        check_not_locked(path)
    from xl_selfeval.files.xlsx import assert_openpyxl_is_defused

    assert_openpyxl_is_defused()
    try:
        # rich_text: a cell with mixed fonts keeps them when saved back.
        return load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", data_only=False, rich_text=True)
    except FileNotFoundError:
        raise UserError(f"找不到文件“{_name(path)}”，请检查路径后再试。") from None
    except IsADirectoryError:
        raise UserError(f"“{_name(path)}”不是文件（可能是文件夹），请指定一个 .xlsx 工作簿。") from None
    except PermissionError:
        raise _locked(path) from None
    except Exception as exc:  # openpyxl raises many types on a damaged or foreign file
        raise UserError(
            f"无法打开“{_name(path)}”：文件已损坏、已加密或不是 Excel 工作簿，"
            "请在 Excel 中另存为 .xlsx 后再试。"
        ) from exc


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


def _set_look(wb: Workbook, look: marks.Look) -> None:
    ws = _worksheet(wb, look.cell.sheet)
    if ws is None:
        return
    cell = _anchor(ws, look.cell.row, look.cell.col)
    cell.fill = fill_from_token(look.fill)
    if not look.note:
        cell.comment = None
        return
    if look.author == marks.AUTHOR:
        lines = look.note.count("\n") + 1 + len(look.note) // 24  # a rough guess of wrapped lines
        cell.comment = Comment(look.note, marks.AUTHOR, height=min(20 + 15 * lines, 400), width=_NOTE_WIDTH)
    else:
        cell.comment = Comment(look.note, look.author)


def _write(wb: Workbook, write: marks.ValueWrite) -> None:
    ws = _worksheet(wb, write.cell.sheet)
    if ws is None:
        return
    cell = _anchor(ws, write.cell.row, write.cell.col)
    # The plan checked this too; a formula must never be replaced by a figure.
    assert may_overwrite(cell.data_type == "f"), f"refusing to overwrite the formula in {write.cell}"
    if isinstance(write.value, str):
        _set_text(cell, write.value)
    else:
        cell.value = write.value
    if write.number_format:
        cell.number_format = write.number_format


# --- applying a plan ----------------------------------------------------------------------------------------


def apply_outcome(wb: Workbook, outcome: Outcome) -> None:
    """Write the edits, mark every finding in place, give back what is fixed, rebuild 问题清单 and records."""
    read = _reader(wb)
    plan = marks.plan_marks(outcome, _records(wb), read, noted=_our_notes(wb))
    for write in plan.writes:
        _write(wb, write)
    for look in [*plan.restores, *plan.marks]:
        _set_look(wb, look)
    _rebuild(wb, plan)


def clear_marks(wb: Workbook) -> None:
    """Remove every mark of ours: user fills and notes given back, 问题清单 and the record sheet deleted."""
    for look in marks.plan_clear(_records(wb), _reader(wb), noted=_our_notes(wb)):
        _set_look(wb, look)
    _rebuild(wb, None)


def _is_our_list(ws: Any) -> bool:
    return isinstance(ws, Worksheet) and ws["A1"].value == marks.LIST_TITLE


def _list_name(wb: Workbook) -> str:
    # A sheet the user named 问题清单 themselves is theirs: ours takes another name rather than replace it.
    names = [marks.LIST_SHEET, f"{marks.LIST_SHEET}（自评检查）"]
    names += [f"{marks.LIST_SHEET}（自评检查{n}）" for n in range(2, 100)]
    return next(n for n in names if n not in wb.sheetnames)


def _rebuild(wb: Workbook, plan: marks.Plan | None) -> None:
    """Drop our sheets and write them again (never appended to), keeping the sheet the user had open."""
    active = wb.active.title if wb.active is not None else None
    for ws in list(wb):
        if ws.title == marks.RECORD_SHEET or _is_our_list(ws):
            wb.remove(ws)
    if plan is not None:
        _write_list(wb.create_sheet(_list_name(wb)), plan)
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


def _text_width(text: str) -> int:
    # CJK characters take two columns in Excel's width unit.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _write_list(ws: Worksheet, plan: marks.Plan) -> None:
    bold = Font(bold=True)
    _set_text(ws.cell(row=1, column=1), marks.LIST_TITLE)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    row = 2
    for line in plan.summary:
        cell = ws.cell(row=row, column=1)
        _set_text(cell, line.cells[0])
        if line.link:
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=line.link)
            cell.font = _LINK_FONT
        row += 1
    header = row + 1  # one empty row between the summary and the table
    for col, title in enumerate(marks.ISSUE_HEADERS, start=1):
        cell = ws.cell(row=header, column=col)
        _set_text(cell, title)
        cell.font = bold
        cell.fill = copy(_HEADER_FILL)
    wrap = Alignment(wrap_text=True, vertical="top")
    widths = [_text_width(title) for title in marks.ISSUE_HEADERS]
    for offset, issue in enumerate(plan.issues, start=1):
        for col, text in enumerate(issue.cells, start=1):
            cell = ws.cell(row=header + offset, column=col)
            if col == 1 and text.isdigit():
                cell.value = int(text)  # 序号 as a number: sorts 2 before 10, no "number stored as text" flag
            else:
                _set_text(cell, text)
            cell.alignment = wrap
            widths[col - 1] = max(widths[col - 1], *(_text_width(part) for part in text.split("\n")))
        if issue.link:
            cell = ws.cell(row=header + offset, column=marks.ISSUE_LINK_COLUMN + 1)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=issue.link)
            cell.font = _LINK_FONT
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(width + 2, _MAX_WIDTH)
    # Row heights for the wrapped text: spreadsheets do not grow a row on their own when a file is
    # opened, so a long message would print cut off.
    for offset, issue in enumerate(plan.issues, start=1):
        lines = max(
            sum(
                -(-_text_width(part) // max(min(widths[col] + 2, _MAX_WIDTH) - 1, 1)) or 1
                for part in text.split("\n")
            )
            for col, text in enumerate(issue.cells)
        )
        ws.row_dimensions[header + offset].height = max(15.0, 15.0 * lines + 2)
    last = header + len(plan.issues)
    ws.freeze_panes = f"A{header + 1}"
    ws.auto_filter.ref = f"A{header}:{get_column_letter(len(marks.ISSUE_HEADERS))}{last}"
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


# --- writing ------------------------------------------------------------------------------------------------


def backup_path(path: Path) -> Path:
    """名称.bak.xlsx beside the file, or 名称.bak2.xlsx, 名称.bak3.xlsx … when taken."""
    path = Path(path)
    candidate = path.with_name(f"{path.stem}.bak{path.suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.bak{n}{path.suffix}")
        n += 1
    return candidate


def make_backup(path: Path) -> Path:
    """Copy the file to its backup name (through a temporary file, so no half backup is left behind)."""
    target = backup_path(path)
    fd, tmp = tempfile.mkstemp(prefix=".~xl-selfeval-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        shutil.copy2(path, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


# --- what openpyxl cannot carry over -------------------------------------------------------------------------

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
_CHUNK = 1 << 20
_RATIO_FLOOR = 1 << 20  # as in xlsx.py: tiny parts legitimately compress beyond any ratio
_ZIP_ERRORS = (
    *(zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError, RuntimeError),
    *(struct.error, OverflowError),
)
_XML_ERRORS = (SyntaxError, DefusedXmlException, ValueError, LookupError)


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
    size, packed = info.file_size, max(info.compress_size, 1)
    if size > allowance or (size > _RATIO_FLOOR and size > limits.max_ratio * packed):
        found.add(_UNREADABLE)  # too big or a likely bomb: do not inflate it, and do not promise it survives
        return 0
    # Untrusted XML: no DTD at all, so entity tricks cannot even start (as in xlsx.py).
    parser = DefusedXMLParser(target=_DrawingScan(found, bool(PILImage)), forbid_dtd=True)
    read = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                read += len(chunk)
                if read > size:  # the header lied about the size
                    found.add(_UNREADABLE)
                    return read
                parser.feed(chunk)
        parser.close()
    except (*_ZIP_ERRORS, *_XML_ERRORS):
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
    except _ZIP_ERRORS:
        # Not a zip that can be listed: openpyxl has not opened it either, so no object is at stake.
        return []
    return [kind for kind in _KIND_ORDER if kind in found]


@dataclass(frozen=True)
class RecalcResult:
    """What write_recalc wrote, the backup it made, and warnings (Chinese, one line each) for the user."""

    path: Path
    backup: Path | None = None
    warnings: tuple[str, ...] = ()

    # Callers that took the old return value (the written Path) as a path or printed it keep working.
    def __fspath__(self) -> str:
        """The written file, for open() and Path()."""
        return os.fspath(self.path)

    def __str__(self) -> str:
        """The written file, as printed after 已写入."""
        return str(self.path)


def write_recalc(
    source: Path, outcome: Outcome, *, output: Path | None = None, backup: bool = True
) -> RecalcResult:
    """Apply ``outcome`` to ``source`` and save: in place (with a backup unless ``backup`` is False), or to
    ``output``, leaving the source untouched. Refuses an in-place write without backup that would lose
    text boxes, shapes or controls; otherwise says in ``warnings`` what was not kept and where it is."""
    source = Path(source)
    target = Path(output) if output is not None else source
    in_place = output is None or _same_file(source, target)
    _check_suffix(source)
    _check_suffix(target, "" if in_place else "output")
    if target.suffix.lower() != source.suffix.lower():
        # openpyxl writes the package type of the source: an .xlsm saved as .xlsx (or back) will not open.
        raise UserError(f"输出文件的扩展名应与原文件相同（{source.suffix}），收到的是“{_name(target)}”。")
    if not target.parent.is_dir():
        raise UserError(f"输出文件夹不存在：{target.parent}")
    check_not_locked(target)
    wb = load_for_update(source, check_lock=in_place)
    # After loading: a file openpyxl cannot open gets its own message, not one about shapes.
    lost = "、".join(objects_openpyxl_drops(source))
    if lost and in_place and not backup:
        # Nothing else would hold these objects afterwards: refuse rather than destroy them.
        raise UserError(
            f"“{_name(source)}”含有{lost}等对象，重算后无法保留；请去掉 --no-backup 或用 -o 另存，原文件未改动。"
        )
    apply_outcome(wb, outcome)
    check_not_locked(target)  # the user may have opened it while we worked
    saved: Path | None = None
    if in_place and backup:
        try:
            saved = make_backup(source)
        except OSError as exc:
            problem = exc.strerror or exc
            raise UserError(f"无法在“{source.parent}”中保存备份（{problem}），原文件未改动。") from None
    try:
        save_workbook(wb, target)
    except PermissionError:
        raise _locked(target) from None
    except OSError as exc:
        raise UserError(f"无法写入“{_name(target)}”：{exc.strerror or exc}。") from None
    warnings: tuple[str, ...] = ()
    if lost and saved is not None:
        warnings = (f"注意：本工作簿中的{lost}等对象无法保留，原文件已备份为“{_name(saved)}”。",)
    elif lost:
        warnings = (
            f"注意：本工作簿中的{lost}等对象无法保留到“{_name(target)}”中，原文件“{_name(source)}”未改动。",
        )
    return RecalcResult(target, saved, warnings)
