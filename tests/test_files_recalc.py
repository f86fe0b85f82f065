"""write_recalc on real files: atomic write, backups, -o, lock files, VBA and pictures kept, LibreOffice recomputes."""

from __future__ import annotations

import os
import stat
import sys
import zipfile
from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.styles import PatternFill
from PIL import Image as PILImage

from xl_selfeval import marks
from xl_selfeval.cells import CellRef
from xl_selfeval.errors import UserError
from xl_selfeval.files import drawings, save
from xl_selfeval.files.drawings import objects_openpyxl_drops
from xl_selfeval.files.recalc import load_for_update, write_recalc
from xl_selfeval.findings import NOTE_MARKER, CellEdit, Finding, Outcome, ScoreSummary, Severity

SHEET = "附件3 运转经费"
FORM = "附件3（运转经费）"
FAKE_VBA = b"\xd0\xcf\x11\xe0 not a real VBA project, but openpyxl must carry its bytes unchanged"


def make_book(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["C3"], ws["C4"], ws["C5"] = 100, 200, "=SUM(C3:C4)"
    ws["D3"] = 0.6165
    ws["D3"].number_format = "0.00%"
    ws["D6"] = "=D3*100"
    ws["G12"] = 90
    ws["G12"].fill = PatternFill(fill_type="solid", fgColor="FFFFFF00")
    ws["G12"].comment = Comment("请核对来源", "张会计")
    wb.save(path)
    return path


EDIT = CellEdit(CellRef(SHEET, 3, 4), Decimal("0.6"), "0.00%", 0.6165, "原值61.65%")


def outcome() -> Outcome:
    return Outcome(
        findings=[
            Finding(
                Severity.ERROR, "c", CellRef(SHEET, 12, 7), "G12 应为88，表中为90", "88", "90", form=FORM
            ),
            Finding(
                Severity.WARNING, "c", CellRef(SHEET, 3, 4), "=SUM(A1)", "=SUM(A1)", "-1", form=FORM, fix=EDIT
            ),
        ],
        edits=[EDIT],
        scores=[ScoreSummary(SHEET, FORM, Decimal(90), Decimal(88), "良")],
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~xl-selfeval-"))


def test_in_place_with_backup(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评 2024.xlsx")
    original = path.read_bytes()
    assert write_recalc(path, outcome()).path == path
    kept = tmp_path / "自评 2024.原件.xlsx"
    assert kept.read_bytes() == original
    ws = load_workbook(path)[SHEET]
    assert ws["D3"].value == 0.6 and "原值61.65%" in ws["D3"].comment.text
    assert ws["C5"].value == "=SUM(C3:C4)"  # formulas stay formulas
    first_result = path.read_bytes()
    second = write_recalc(path, outcome())
    previous = tmp_path / "自评 2024.上次.xlsx"
    assert second.backup == previous and previous.read_bytes() == first_result
    assert kept.read_bytes() == original  # the user's own typed workbook is never replaced
    assert "最初的原件保存在“自评 2024.原件.xlsx”" in second.backup_text
    third_input = path.read_bytes()
    write_recalc(path, outcome())
    assert previous.read_bytes() == third_input and kept.read_bytes() == original
    write_recalc(path, outcome(), backup=False)
    # Two backups at most, however often recalc runs: no .bak2, .bak3 … pile-up.
    assert {p.name for p in tmp_path.iterdir()} == {
        "自评 2024.上次.xlsx",
        "自评 2024.原件.xlsx",
        "自评 2024.xlsx",
    }
    assert leftovers(tmp_path) == []


def test_the_list_says_where_the_backup_is(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    result = write_recalc(path, outcome())
    ws = load_workbook(path)[result.list_sheet]
    lines = [row[0] for row in ws.iter_rows(values_only=True)]
    assert "原文件已备份为“自评.原件.xlsx”（与原文件在同一文件夹）。" in lines


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_the_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    path.chmod(0o640)
    write_recalc(path, outcome(), backup=False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_output_elsewhere_leaves_the_source_untouched(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    original = path.read_bytes()
    out = tmp_path / "out" / "结果.xlsx"
    out.parent.mkdir()
    assert write_recalc(path, outcome(), output=out).path == out
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "自评.xlsx"]  # and no backup
    assert load_workbook(out)[marks.LIST_SHEET]["A1"].value == marks.LIST_TITLE


def test_text_from_a_message_is_written_as_text(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    write_recalc(path, outcome(), backup=False)
    ws = load_workbook(path)[marks.LIST_SHEET]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    cells = [c for c in cells if not c.value.startswith("=HYPERLINK(")]  # our links, built from addresses
    assert [(c.value, c.data_type) for c in cells] == [("=SUM(A1)", "s"), ("=SUM(A1)", "s")]
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>SUM(A1)" in archive.read(n) for n in sheets)


@pytest.mark.parametrize("lock", ["~$自评.xlsx", ".~lock.自评.xlsx#"])
def test_a_locked_file_is_refused_and_left_alone(tmp_path: Path, lock: str) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    original = path.read_bytes()
    (tmp_path / lock).write_text("someone")
    with pytest.raises(UserError, match="正被其他程序打开（如 Excel/WPS），请先关闭后再试") as info:
        write_recalc(path, outcome())
    assert lock in str(info.value)
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([lock, "自评.xlsx"])


def test_a_locked_output_is_refused(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    (tmp_path / "~$结果.xlsx").write_text("someone")
    with pytest.raises(UserError, match=r"结果\.xlsx”正被其他程序打开"):
        write_recalc(path, outcome(), output=tmp_path / "结果.xlsx")


@pytest.mark.parametrize("winerror", [32, None])
def test_permission_error_on_replace_is_a_lock_only_when_windows_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, winerror: int | None
) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    original = path.read_bytes()

    def refuse(src: object, dst: object) -> None:
        if Path(str(dst)) == path:
            error = PermissionError(13, "Permission denied")
            error.winerror = winerror  # type: ignore[attr-defined]  # 32: Windows' sharing violation
            raise error
        os.rename(str(src), str(dst))

    monkeypatch.setattr(save.os, "replace", refuse)
    with pytest.raises(UserError) as info:
        write_recalc(path, outcome(), backup=False)
    if winerror == 32:
        assert "正被其他程序打开（如 Excel/WPS）" in str(info.value)
    else:  # nothing is known to hold it open: no claim that Excel has it
        assert "正被其他程序打开" not in str(info.value) and "原文件未改动" in str(info.value)
    assert "Permission denied" not in str(info.value)
    assert path.read_bytes() == original
    assert leftovers(tmp_path) == []


def test_a_crash_while_saving_leaves_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    original = path.read_bytes()

    def half_save(self: Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", half_save)
    with pytest.raises(UserError, match="无法写入"):
        write_recalc(path, outcome(), backup=False)
    assert path.read_bytes() == original
    assert leftovers(tmp_path) == []


def test_output_must_keep_the_package_type(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    with pytest.raises(UserError, match="扩展名应与原文件相同"):
        write_recalc(path, outcome(), output=tmp_path / "结果.xlsm")
    with pytest.raises(UserError, match="输出文件夹不存在"):
        write_recalc(path, outcome(), output=tmp_path / "没有" / "结果.xlsx")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("没有.xlsx", None, "找不到文件“没有.xlsx”"),
        ("坏的.xlsx", b"this is not a zip", "无法打开“坏的.xlsx”"),
        ("旧的.xls", b"\xd0\xcf\x11\xe0", "不是 .xlsx/.xlsm 工作簿"),
    ],
)
def test_unusable_files_are_refused_in_chinese(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        load_for_update(path)


def make_xlsm(path: Path) -> Path:
    """An .xlsm: our small book plus a vbaProject.bin, declared the way Excel declares it."""
    plain = make_book(path.with_suffix(".tmp.xlsx"))
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    b"<Default ",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
                    1,
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/'
                    b'vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", FAKE_VBA)
    plain.unlink()
    return path


def test_xlsm_keeps_its_vba_project(tmp_path: Path) -> None:
    path = make_xlsm(tmp_path / "自评.xlsm")
    write_recalc(path, outcome())
    assert (tmp_path / "自评.原件.xlsm").exists()
    with zipfile.ZipFile(path) as archive:
        assert archive.read("xl/vbaProject.bin") == FAKE_VBA
        assert b"macroEnabled" in archive.read("[Content_Types].xml")
        assert b"vbaProject.bin" in archive.read("xl/_rels/workbook.xml.rels")
    assert load_workbook(path, keep_vba=True)[SHEET]["D3"].value == 0.6


def test_libreoffice_opens_the_result_and_recomputes_its_formulas(
    tmp_path: Path, libreoffice_convert: Callable[[Path, Path, str], Path]
) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    write_recalc(path, outcome(), backup=False)
    converted = libreoffice_convert(path, tmp_path / "lo", "xlsx")
    wb = load_workbook(converted, data_only=True)
    ws = wb[SHEET]
    assert ws["C5"].value == 300
    assert ws["D6"].value == pytest.approx(60)  # computed from the corrected D3
    assert marks.LIST_SHEET in wb.sheetnames
    assert wb[marks.LIST_SHEET]["A1"].value == marks.LIST_TITLE
    formulas = load_workbook(converted)[marks.LIST_SHEET]
    links = [c.value for row in formulas.iter_rows() for c in row if str(c.value).startswith("=HYPERLINK")]
    assert '=HYPERLINK("#\'附件3 运转经费\'!G12","附件3 运转经费!G12")' in links  # kept by LibreOffice
    shown = [c.value for row in wb[marks.LIST_SHEET].iter_rows() for c in row]
    assert "附件3 运转经费!G12" in shown  # and computed: the link shows the cell
    assert ws["G12"].comment is not None and ws["G12"].comment.text.startswith(NOTE_MARKER)


# --- pictures, text boxes and controls ---------------------------------------------------------------------

XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
DRAWINGML = "http://schemas.openxmlformats.org/drawingml/2006/main"


def seal_png() -> bytes:
    """A tiny red PNG standing in for a scanned 公章."""
    buffer = BytesIO()
    PILImage.new("RGB", (12, 12), (200, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def make_book_with_seal(path: Path) -> Path:
    """Our small book with a picture on the form sheet, as Excel or WPS would insert it."""
    make_book(path)
    wb = load_workbook(path)
    wb[SHEET].add_image(Image(BytesIO(seal_png())), "H14")
    wb.save(path)
    return path


def anchored(inner: str) -> bytes:
    """One Excel-style anchored object (prefixed xdr:/a:, as Excel writes them) for a drawing part."""
    return (
        f'<xdr:twoCellAnchor xmlns:xdr="{XDR}" xmlns:a="{DRAWINGML}">'
        "<xdr:from><xdr:col>8</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff>"
        "</xdr:from><xdr:to><xdr:col>11</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>4</xdr:row>"
        f"<xdr:rowOff>0</xdr:rowOff></xdr:to>{inner}<xdr:clientData/></xdr:twoCellAnchor>"
    ).encode()


def shape(text_box: bool) -> bytes:
    flag = ' txBox="1"' if text_box else ""
    return anchored(
        '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="9" name="TextBox 1"/>'
        f'<xdr:cNvSpPr{flag}/></xdr:nvSpPr><xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        "</xdr:spPr><xdr:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>经办人：张会计</a:t></a:r></a:p>"
        "</xdr:txBody></xdr:sp>"
    )


SMART_ART = anchored(
    '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="10" name="Diagram 1"/>'
    "<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm/><a:graphic>"
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/diagram"/></a:graphic>'
    "</xdr:graphicFrame>"
)


def rewrite(path: Path, change: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None) -> Path:
    """Rewrite the workbook's zip member by member (``change(name, data)``), adding ``extra`` members."""
    parts = {}
    with zipfile.ZipFile(path) as src:
        for item in src.infolist():
            parts[item.filename] = change(item.filename, src.read(item))
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return path


def with_drawn(path: Path, *objects: bytes) -> Path:
    """The seal book with more anchored objects written into its drawing part by hand."""
    make_book_with_seal(path)

    def change(name: str, data: bytes) -> bytes:
        return (
            data.replace(b"</wsDr>", b"".join(objects) + b"</wsDr>")
            if name == "xl/drawings/drawing1.xml"
            else data
        )

    return rewrite(path, change)


def media(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.startswith("xl/media/")}


def test_a_scanned_seal_picture_survives_recalc_in_place(tmp_path: Path) -> None:
    path = make_book_with_seal(tmp_path / "自评.xlsx")
    result = write_recalc(path, outcome())
    assert list(media(path).values()) == [seal_png()]
    assert load_workbook(path)[SHEET]._images  # still anchored on the form sheet
    assert result.warnings == ()  # nothing was lost, so nothing to say


def test_a_scanned_seal_picture_survives_recalc_to_another_file(tmp_path: Path) -> None:
    path = make_book_with_seal(tmp_path / "自评.xlsx")
    out = tmp_path / "结果.xlsx"
    assert write_recalc(path, outcome(), output=out).warnings == ()
    assert list(media(out).values()) == [seal_png()]


def test_a_text_box_in_place_with_a_backup_is_written_with_a_warning_naming_the_backup(
    tmp_path: Path,
) -> None:
    path = with_drawn(tmp_path / "自评.xlsx", shape(text_box=True))
    original = path.read_bytes()
    result = write_recalc(path, outcome())
    assert result.warnings == (
        "注意：本工作簿中的文本框等对象无法保留，原文件已备份为“自评.原件.xlsx”（与原文件在同一文件夹）。",
    )
    assert result.backup == tmp_path / "自评.原件.xlsx" and result.backup.read_bytes() == original
    assert list(media(path).values()) == [seal_png()]  # the picture beside the text box is kept


def test_a_text_box_in_place_without_a_backup_is_refused_and_the_file_left_alone(tmp_path: Path) -> None:
    path = with_drawn(tmp_path / "自评.xlsx", shape(text_box=True))
    original = path.read_bytes()
    with pytest.raises(
        UserError, match=r"“自评\.xlsx”含有文本框等对象，重算后无法保留；请去掉 --no-backup 或用 -o 另存"
    ):
        write_recalc(path, outcome(), backup=False)
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["自评.xlsx"]  # no backup, no temporary file


def test_a_text_box_with_output_elsewhere_is_written_with_a_warning_and_the_source_untouched(
    tmp_path: Path,
) -> None:
    path = with_drawn(tmp_path / "自评.xlsx", shape(text_box=True))
    original = path.read_bytes()
    result = write_recalc(path, outcome(), output=tmp_path / "结果.xlsx", backup=False)
    assert result.warnings == (
        "注意：本工作簿中的文本框等对象无法保留到“结果.xlsx”中，原文件“自评.xlsx”未改动。",
    )
    assert path.read_bytes() == original and result.backup is None


def test_without_pillow_a_picture_counts_as_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # openpyxl reads pictures back only through Pillow: if it is missing, say so instead of dropping them.
    import openpyxl.reader.drawings

    monkeypatch.setattr(openpyxl.reader.drawings, "PILImage", False)
    monkeypatch.setattr(drawings, "PILImage", False)
    path = make_book_with_seal(tmp_path / "自评.xlsx")
    with pytest.raises(UserError, match="含有图片等对象"):
        write_recalc(path, outcome(), backup=False)


def test_a_chart_is_kept_by_openpyxl_and_not_reported(tmp_path: Path) -> None:
    path = make_book_with_seal(tmp_path / "自评.xlsx")
    wb = load_workbook(path)
    chart = BarChart()
    chart.add_data(Reference(wb[SHEET], min_col=3, min_row=3, max_row=4))
    wb[SHEET].add_chart(chart, "J2")
    wb.save(path)
    assert objects_openpyxl_drops(path) == []


@pytest.mark.parametrize(
    ("objects", "extra", "kinds"),
    [
        ((), {}, []),
        ((shape(text_box=False),), {}, ["形状"]),
        ((shape(text_box=True), shape(text_box=False)), {}, ["文本框", "形状"]),
        ((SMART_ART,), {}, ["SmartArt 图形"]),
        (
            (
                anchored(
                    '<xdr:grpSp><xdr:nvGrpSpPr><xdr:cNvPr id="3" name="G"/><xdr:cNvGrpSpPr/></xdr:nvGrpSpPr></xdr:grpSp>'
                ),
            ),
            {},
            ["组合对象"],
        ),
        ((), {"xl/ctrlProps/ctrlProp1.xml": b"<formControlPr/>"}, ["表单控件"]),
        ((), {"xl/activeX/activeX1.xml": b"<ax:ocx/>"}, ["ActiveX 控件"]),
        ((), {"xl/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"}, ["嵌入的对象（OLE）"]),
        ((), {"xl/media/image9.emf": b"\x01\x00\x00\x00"}, ["EMF/WMF 格式的图片"]),
    ],
)
def test_objects_openpyxl_cannot_keep_are_named_for_the_user(
    tmp_path: Path, objects: tuple[bytes, ...], extra: dict[str, bytes], kinds: list[str]
) -> None:
    path = rewrite(with_drawn(tmp_path / "自评.xlsx", *objects), lambda name, data: data, extra)
    assert objects_openpyxl_drops(path) == kinds


def test_a_drawing_part_that_cannot_be_checked_counts_as_lost(tmp_path: Path) -> None:
    # A DTD (the start of an entity bomb) is refused unread; the part is not promised to survive.
    path = rewrite(
        make_book_with_seal(tmp_path / "自评.xlsx"),
        lambda name, data: (
            b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + data if name.endswith("drawing1.xml") else data
        ),
    )
    assert objects_openpyxl_drops(path) == ["无法检查的绘图内容"]
