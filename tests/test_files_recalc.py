"""write_recalc on real files: atomic write, backups, -o, lock files, VBA kept, LibreOffice recomputes."""

from __future__ import annotations

import os
import stat
import sys
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from xl_selfeval import files, marks
from xl_selfeval.errors import UserError
from xl_selfeval.files import load_for_update, write_recalc
from xl_selfeval.findings import NOTE_MARKER, CellEdit, CellRef, Finding, Outcome, Severity

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
        scores=[
            {"sheet": SHEET, "form": FORM, "typed_total": Decimal(90), "total": Decimal(88), "grade": "良"}
        ],
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~xl-selfeval-"))


def test_in_place_with_backup(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评 2024.xlsx")
    original = path.read_bytes()
    assert write_recalc(path, outcome()) == path
    assert (tmp_path / "自评 2024.bak.xlsx").read_bytes() == original
    ws = load_workbook(path)[SHEET]
    assert ws["D3"].value == 0.6 and "原值61.65%" in ws["D3"].comment.text
    assert ws["C5"].value == "=SUM(C3:C4)"  # formulas stay formulas
    write_recalc(path, outcome())
    assert (tmp_path / "自评 2024.bak2.xlsx").exists()  # a second run does not overwrite the first backup
    write_recalc(path, outcome(), backup=False)
    assert not (tmp_path / "自评 2024.bak3.xlsx").exists()
    assert leftovers(tmp_path) == []


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
    assert write_recalc(path, outcome(), output=out) == out
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "自评.xlsx"]  # and no backup
    assert load_workbook(out)[marks.LIST_SHEET]["A1"].value == marks.LIST_TITLE


def test_text_from_a_message_is_written_as_text(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    write_recalc(path, outcome(), backup=False)
    ws = load_workbook(path)[marks.LIST_SHEET]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
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
    with pytest.raises(UserError, match=r"“结果\.xlsx”正被其他程序打开"):
        write_recalc(path, outcome(), output=tmp_path / "结果.xlsx")


def test_permission_error_on_replace_is_a_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    original = path.read_bytes()

    def refuse(src: object, dst: object) -> None:
        if Path(str(dst)) == path:
            raise PermissionError(13, "Permission denied")  # what Windows says while Excel holds the file
        os.rename(str(src), str(dst))

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(UserError, match="正被其他程序打开"):
        write_recalc(path, outcome())
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
    assert (tmp_path / "自评.bak.xlsm").exists()
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
    links = [c.hyperlink.location for row in wb[marks.LIST_SHEET].iter_rows() for c in row if c.hyperlink]
    assert "'附件3 运转经费'!G12" in links  # LibreOffice understood the in-workbook links
    assert ws["G12"].comment is not None and ws["G12"].comment.text.startswith(NOTE_MARKER)
