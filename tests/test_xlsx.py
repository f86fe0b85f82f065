"""read_workbook against openpyxl (and LibreOffice-calculated values), hand-written XML cases, and limits."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from xl_selfeval.errors import UserError
from xl_selfeval.files.xlsx import Limits, assert_openpyxl_is_defused, read_workbook
from xl_selfeval.grid import Grid

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


# --- comparing with openpyxl -----------------------------------------------------------------------


def _blank(value: object) -> bool:
    return value is None or value == ""


def assert_matches_openpyxl(path: Path, grids: list[Grid] | None = None) -> list[Grid]:
    """Every cell's value or formula, number format, and every merge agree with openpyxl."""
    grids = read_workbook(path) if grids is None else grids
    wb = openpyxl.load_workbook(path, data_only=False)
    assert [g.name for g in grids] == [ws.title for ws in wb.worksheets]
    for grid, ws in zip(grids, wb.worksheets, strict=True):
        seen = set()
        for row in ws.iter_rows():
            for cell in row:
                ours = grid.cell(cell.row, cell.column)
                theirs = cell.value
                where = f"{ws.title}!{cell.coordinate}"
                if isinstance(theirs, ArrayFormula):
                    assert ours.formula == theirs.text.removeprefix("="), where
                elif cell.data_type == "f":
                    # Shared-formula dependants are recorded as '' (a formula, text not expanded).
                    assert ours.formula in (theirs[1:], ""), where
                else:
                    assert ours.formula is None, where
                    if _blank(theirs):
                        assert _blank(ours.value), where
                    else:
                        assert ours.value == theirs and type(ours.value) is type(theirs), where
                if ours.is_formula or not _blank(ours.value):
                    assert ours.number_format == cell.number_format, where
                    seen.add((cell.row, cell.column))
        assert set(grid.cells) == seen, ws.title
        theirs_merged = {(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges}
        assert set(grid.merged) == theirs_merged, ws.title
    return grids


def assert_values_match_openpyxl(path: Path) -> None:
    """Cached values (data_only=True) agree with openpyxl for every cell."""
    grids = read_workbook(path)
    wb = openpyxl.load_workbook(path, data_only=True)
    for grid, ws in zip(grids, wb.worksheets, strict=True):
        for row in ws.iter_rows():
            for cell in row:
                ours = grid.cell(cell.row, cell.column).value
                where = f"{ws.title}!{cell.coordinate}"
                if _blank(cell.value):
                    assert _blank(ours), where
                else:
                    assert ours == cell.value and type(ours) is type(cell.value), where


def rich_workbook(path: Path) -> Path:
    """A workbook exercising what openpyxl can write: values, formats, merges, Chinese names."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件1 基础数据表"
    ws["A1"] = "2024年度部门整体支出绩效评价基础数据表"
    ws.merge_cells("A1:G1")
    ws.append(["编制数", 127, 122, 0.9606, "123.40", "  前后空格  ", True])
    ws["D2"].number_format = "0.00%"
    ws["E2"].number_format = "@"
    ws.append(["金额", 26.44, -0.1, 1e-7, 12345678901234567890, 1.5e300, False])
    ws["B3"].number_format = "0.00"
    ws["C3"].number_format = "#,##0.00_);[Red](#,##0.00)"
    ws.append(["公式", "=SUM(B2:C2)", '=IF(N(B2)=0,"",C2/B2)', "=B3*10000", "=附件2!A1", None, "=TODAY()"])
    ws["C4"].number_format = "0.00%"
    ws.append(["日期", dt.datetime(2024, 5, 1), dt.datetime(2024, 12, 31, 17, 30), dt.date(2025, 1, 1)])
    ws["B5"].number_format = "yyyy-mm-dd"
    ws["C5"].number_format = 'yyyy"年"m"月"d"日" h:mm'
    ws["D5"].number_format = "yyyy-mm-dd"
    ws.append(["时间", dt.time(10, 30), dt.timedelta(hours=30, minutes=5)])
    ws["A7"] = "多行\n文本"
    ws.merge_cells("B7:D9")
    ws["B7"] = "合并区域"
    ws.cell(20, 10, "远处的单元格")
    ws["A10"].number_format = "0.00%"  # styled but empty: not kept

    ws2 = wb.create_sheet("附件2 部门整体支出绩效自评表")
    ws2["A1"] = 5
    ws2["B1"] = "共享字符串"
    ws2["B2"] = "共享字符串"
    ws2["C3"] = "富文本占位"
    ws2.merge_cells("A5:B6")
    ws2.merge_cells(start_row=8, start_column=1, end_row=8, end_column=10)
    wb.create_sheet("空表")
    wb.save(path)
    return path


def rewrite_member(src: Path, dst: Path, name: str, data: bytes | None) -> Path:
    """Copy a zip, replacing (or, with None, dropping) one member."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == name:
                if data is not None:
                    zout.writestr(name, data)
            else:
                zout.writestr(info.filename, zin.read(info))
    return dst


_INLINE_RE = re.compile(
    r'<c ([^>]*?)t="inlineStr"([^>]*)><is><t( xml:space="preserve")?>(.*?)</t></is></c>', re.S
)


def to_shared_strings(src: Path, dst: Path, rich: dict[str, str] | None = None) -> Path:
    """Move every inline string into xl/sharedStrings.xml (openpyxl 3.1 writes inline strings only).

    ``rich`` replaces the <si> of a given text with hand-written XML (rich runs, phonetic runs).
    """
    rich = rich or {}
    table: dict[str, int] = {}
    items: list[str] = []

    def index(match: re.Match[str]) -> str:
        text = match.group(4)
        if text not in table:
            table[text] = len(items)
            # openpyxl writes non-ASCII text as character references when lxml is installed.
            plain = re.sub(r"&#(\d+);", lambda ref: chr(int(ref.group(1))), text)
            items.append(rich.get(plain) or f"<si><t{match.group(3) or ''}>{text}</t></si>")
        return f'<c {match.group(1)}t="s"{match.group(2)}><v>{table[text]}</v></c>'

    with zipfile.ZipFile(src) as zin:
        members = {info.filename: zin.read(info) for info in zin.infolist()}
    for name in [n for n in members if n.startswith("xl/worksheets/")]:
        members[name] = _INLINE_RE.sub(index, members[name].decode()).encode()
    members["xl/sharedStrings.xml"] = f'<sst xmlns="{NS}">{"".join(items)}</sst>'.encode()
    rel = f'<Relationship Id="rIdSST" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    members["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>", rel + "</Relationships>"
    ).encode()
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
    types = members["[Content_Types].xml"].decode()
    members["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    return dst


def test_matches_openpyxl_on_a_rich_workbook(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / "三表.xlsx")
    grids = assert_matches_openpyxl(path)
    first, second, empty = grids
    assert first.cell(2, 4).value == 0.9606 and first.cell(2, 4).number_format == "0.00%"
    assert first.cell(2, 5).value == "123.40"  # a number typed as text stays text
    assert first.cell(2, 2).value == 127 and type(first.cell(2, 2).value) is int
    assert first.cell(3, 2).value == 26.44 and type(first.cell(3, 2).value) is float
    assert first.cell(4, 3).formula == 'IF(N(B2)=0,"",C2/B2)' and first.cell(4, 3).value is None
    assert first.cell(5, 2).value == dt.datetime(2024, 5, 1)
    assert (10, 1) not in first.cells
    assert (1, 1, 1, 7) in first.merged and (7, 2, 9, 4) in first.merged
    assert second.cell(1, 2).value == second.cell(2, 2).value == "共享字符串"
    assert empty.cells == {} and empty.merged == []


def test_shared_strings_and_rich_text_written_by_hand(tmp_path: Path) -> None:
    rich = (
        '<si><r><rPr><b/><sz val="11"/></rPr><t>富</t></r><r><t xml:space="preserve">文本 </t></r>'
        '<rPh sb="0" eb="1"><t>fu</t></rPh><phoneticPr fontId="1"/></si>'
    )
    path = to_shared_strings(rich_workbook(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", {"富文本占位": rich})
    with zipfile.ZipFile(path) as zf:
        assert b"<v>" in zf.read("xl/worksheets/sheet2.xml") and b"inlineStr" not in zf.read(
            "xl/worksheets/sheet1.xml"
        )
    grids = assert_matches_openpyxl(path)
    assert grids[1].cell(3, 3).value == "富文本 "
    assert grids[1].cell(1, 2).value == grids[1].cell(2, 2).value == "共享字符串"
    assert grids[0].cell(7, 1).value == "多行\n文本"


def test_bundled_workbooks_match_openpyxl(tmp_path: Path) -> None:
    from xl_selfeval.files.bundled import PUBLISHED_NAME, build_bundled

    for path in build_bundled(tmp_path):
        grids = assert_matches_openpyxl(path)
        assert path.name == PUBLISHED_NAME or any(
            cell.is_formula for grid in grids for cell in grid.cells.values()
        )
    repo = Path(__file__).resolve().parents[1] / "workbooks"
    for path in sorted(repo.glob("*.xlsx")):
        assert_matches_openpyxl(path)


# --- cached values from a real calculation engine ----------------------------------------------------


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        message = "LibreOffice (soffice) is not installed: cannot produce cached formula values"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return exe


def _recalculate(paths: list[Path], out: Path, profile: Path) -> list[Path]:
    cmd = [
        _soffice(),
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(out),
        *map(str, paths),
    ]
    subprocess.run(cmd, check=True, timeout=240, capture_output=True)
    results = [out / p.name for p in paths]
    assert all(p.exists() for p in results), list(out.iterdir())
    return results


def formula_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "计算"
    ws.append(["数", 3, 4.5, 0, "文本"])
    ws.append(["合计", "=SUM(B1:C1)", "=B1/C1", "=B1/D1", "=B1>2"])
    ws.append(["文字", '=CONCATENATE(E1,"中")', '=IF(D1=0,"",1)', "=DATE(2024,1,31)", "=ROUND(C1/7,4)"])
    ws["C2"].number_format = "0.00%"
    ws["D3"].number_format = "yyyy-mm-dd"
    ws.append(["空引用", "=Z99", "=NA()", "=SQRT(-1)", "=10^20"])
    wb.save(path)
    return path


def test_cached_values_after_libreoffice_recalculation(tmp_path: Path) -> None:
    from xl_selfeval.files.bundled import build_bundled

    sources = [formula_workbook(tmp_path / "公式.xlsx"), *build_bundled(tmp_path / "bundled")]
    calculated = _recalculate(sources, tmp_path / "out", tmp_path / "lo-profile")
    for path in calculated:
        assert_values_match_openpyxl(path)
        assert_matches_openpyxl(path)
    grid = read_workbook(calculated[0])[0]
    assert grid.cell(2, 2).value == 7.5 and grid.cell(2, 2).formula == "SUM(B1:C1)"
    assert grid.cell(2, 4).value == "#DIV/0!"
    assert grid.cell(2, 5).value is True
    assert grid.cell(3, 2).value == "文本中"
    assert grid.cell(3, 3).value is None and grid.cell(3, 3).is_formula
    assert grid.cell(3, 4).value == dt.datetime(2024, 1, 31)
    assert grid.cell(4, 3).value == "#N/A"


# --- hand-written parts: what openpyxl does not write ------------------------------------------------


def write_xlsx(
    path: Path,
    sheets: list[tuple[str, str]],
    *,
    shared: str = "",
    styles: str = "",
    workbook_pr: str = "",
    absolute: bool = False,
    chart_first: bool = False,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A minimal but complete package; each sheet is (name, inner XML of <worksheet>)."""
    ct = [
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>',
    ]
    rels, entries, members = [], [], {}
    if chart_first:
        rels.append(f'<Relationship Id="rIdC" Type="{REL}/chartsheet" Target="chartsheets/sheet1.xml"/>')
        entries.append('<sheet name="图表" sheetId="99" r:id="rIdC"/>')
        members["xl/chartsheets/sheet1.xml"] = f'<chartsheet xmlns="{NS}"><sheetPr/></chartsheet>'.encode()
    for i, (name, body) in enumerate(sheets, 1):
        target = f"/xl/worksheets/sheet{i}.xml" if absolute else f"worksheets/sheet{i}.xml"
        rels.append(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="{target}"/>')
        entries.append(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>')
        ct.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT}.worksheet+xml"/>')
        members[f"xl/worksheets/sheet{i}.xml"] = (
            f'<worksheet xmlns="{NS}" xmlns:r="{REL}">{body}</worksheet>'.encode()
        )
    if shared:
        rels.append(f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
        ct.append(f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>')
        members["xl/sharedStrings.xml"] = f'<sst xmlns="{NS}">{shared}</sst>'.encode()
    if styles:
        rels.append(f'<Relationship Id="rIdT" Type="{REL}/styles" Target="styles.xml"/>')
        ct.append(f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>')
        members["xl/styles.xml"] = f'<styleSheet xmlns="{NS}">{styles}</styleSheet>'.encode()
    members["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        + "".join(ct)
        + "</Types>"
    ).encode()
    members["_rels/.rels"] = (
        f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument"'
        ' Target="xl/workbook.xml"/></Relationships>'
    ).encode()
    members["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}">{workbook_pr}'
        f"<sheets>{''.join(entries)}</sheets></workbook>"
    ).encode()
    members["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{PKG_REL}">' + "".join(rels) + "</Relationships>"
    ).encode()
    members.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


STYLES = (
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="0.000"/><numFmt numFmtId="9" formatCode="0.0%"/>'
    "</numFmts>"
    '<cellStyleXfs count="1"><xf numFmtId="2"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="10"/><xf numFmtId="9"/>'
    '<xf numFmtId="31"/><xf numFmtId="14"/></cellXfs>'
    '<dxfs count="1"><dxf><numFmt numFmtId="164" formatCode="ignored"/></dxf></dxfs>'
)


def test_cell_types_formulas_and_positions(tmp_path: Path) -> None:
    body = (
        "<sheetData>"
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr">'
        '<is><r><t>内</t></r><r><t>联</t></r><rPh><t>x</t></rPh></is></c><c r="D1" t="b"><v>1</v></c>'
        '<c r="E1" t="e"><v>#DIV/0!</v></c><c r="F1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>'
        '<row r="2"><c r="A2" s="1"><v>1.25</v></c><c r="B2" s="2"><v>0.5</v></c><c r="C2" s="3"><v>1</v></c>'
        '<c r="D2"><v>42</v></c><c r="E2"><v>1E-3</v></c><c r="F2" s="9"><v>7</v></c></row>'
        '<row r="3"><c r="A3"><f t="shared" ref="A3:C3" si="0">A2*2</f><v>2.5</v></c>'
        '<c r="B3"><f t="shared" si="0"/><v>1</v></c><c r="C3"><f t="array" ref="C3">SUM(A2:B2)</f><v>1.75</v></c>'
        '<c r="D3"><f>A3+1</f></c><c r="E3"><f>E2</f><v/></c><c r="F3" s="2"/><c r="G3" t="s"><v>2</v></c></row>'
        '<row><c><v>10</v></c><c><v>11</v></c><c r="E4"><v>14</v></c><c><v>15</v></c></row>'
        '<row r="7"><c r="A7" s="4"><v>45292</v></c><c r="B7" s="5"><v>0.75</v></c>'
        '<c r="C7" t="s"><v>3</v></c></row>'
        "</sheetData>"
        '<mergeCells count="2"><mergeCell ref="A10:C11"/><mergeCell ref="E10"/></mergeCells>'
    )
    shared = "<si><t>甲</t></si><si><r><t>乙</t></r><r><t>丙</t></r></si><si><t/></si><si><t>回车_x000D_换行</t></si>"
    path = write_xlsx(tmp_path / "t.xlsx", [("类型", body)], shared=shared, styles=STYLES)
    (grid,) = read_workbook(path)
    c = grid.cell
    assert (c(1, 1).value, c(1, 2).value, c(1, 3).value) == ("甲", "乙丙", "内联")
    assert c(1, 4).value is True and c(1, 5).value == "#DIV/0!"
    assert (c(1, 6).value, c(1, 6).formula) == ("ab", '"a"&"b"')
    assert (c(2, 1).value, c(2, 1).number_format) == (1.25, "0.000")
    assert (c(2, 2).value, c(2, 2).number_format) == (0.5, "0.00%")
    assert c(2, 3).number_format == "0.0%"  # a custom numFmt overrides the built-in id
    assert c(2, 4).value == 42 and type(c(2, 4).value) is int and c(2, 4).number_format == "General"
    assert c(2, 5).value == 0.001
    assert c(2, 6).number_format == "General"  # s outside cellXfs
    assert (c(3, 1).formula, c(3, 2).formula, c(3, 3).formula) == ("A2*2", "", "SUM(A2:B2)")
    assert (c(3, 1).value, c(3, 2).value, c(3, 3).value) == (2.5, 1, 1.75)
    assert c(3, 4).is_formula and c(3, 4).value is None and c(3, 5).value is None
    assert (3, 6) not in grid.cells and (3, 7) not in grid.cells  # styled / empty string: dropped
    # Cells without r follow the previous one; a row without r follows the previous row.
    assert [c(4, k).value for k in (1, 2, 5, 6)] == [10, 11, 14, 15]
    assert c(7, 1).value == dt.datetime(2024, 1, 1) and c(7, 1).number_format == 'yyyy"年"m"月"d"日"'
    assert c(7, 2).value == dt.time(18, 0)
    assert c(7, 3).value == "回车\r换行"
    assert grid.merged == [(10, 1, 11, 3), (10, 5, 10, 5)]


def test_sheet_order_targets_chart_sheets_and_macros(tmp_path: Path) -> None:
    sheets = [("第一", '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'), ("第二", "")]
    extra = {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"macro" * 100}
    for absolute in (False, True):
        path = write_xlsx(
            tmp_path / f"m{absolute}.xlsm", sheets, absolute=absolute, chart_first=True, extra=extra
        )
        grids = read_workbook(path)
        assert [g.name for g in grids] == ["第一", "第二"]
        assert grids[0].cell(1, 1).value == 1 and grids[1].cells == {}


def test_date1904_and_strict_namespace(tmp_path: Path) -> None:
    body = '<sheetData><row r="1"><c r="A1" s="1"><v>0</v></c></row></sheetData>'
    styles = '<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    path = write_xlsx(
        tmp_path / "mac.xlsx", [("S", body)], styles=styles, workbook_pr='<workbookPr date1904="1"/>'
    )
    assert read_workbook(path)[0].cell(1, 1).value == dt.time(0, 0)  # serial 0 is a time, as openpyxl
    body = '<sheetData><row r="1"><c r="A1" s="1"><v>1</v></c></row></sheetData>'
    path = write_xlsx(
        tmp_path / "mac2.xlsx", [("S", body)], styles=styles, workbook_pr='<workbookPr date1904="1"/>'
    )
    assert read_workbook(path)[0].cell(1, 1).value == dt.datetime(1904, 1, 2)

    strict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    path = write_xlsx(tmp_path / "strict.xlsx", [("S", "")])
    sheet = f'<worksheet xmlns="{strict}"><sheetData><row r="2"><c r="B2"><v>3</v></c></row></sheetData></worksheet>'
    out = rewrite_member(path, tmp_path / "strict2.xlsx", "xl/worksheets/sheet1.xml", sheet.encode())
    assert read_workbook(out)[0].cell(2, 2).value == 3


def test_whole_sheet_merge_is_clipped_to_the_data(tmp_path: Path) -> None:
    body = (
        '<sheetData><row r="3"><c r="C3"><v>1</v></c></row></sheetData>'
        '<mergeCells><mergeCell ref="A1:XFD1048576"/><mergeCell ref="B1:B2"/></mergeCells>'
    )
    (grid,) = read_workbook(write_xlsx(tmp_path / "m.xlsx", [("S", body)]))
    assert grid.merged == [(1, 1, 3, 3), (1, 2, 2, 2)]
    assert grid.top_left(3, 3) == (1, 1)


# --- refusals ------------------------------------------------------------------------------------


def refused(path: Path, limits: Limits | None = None) -> str:
    with pytest.raises(UserError) as info:
        read_workbook(path) if limits is None else read_workbook(path, limits)
    message = str(info.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message) and "\n" not in message
    return message


def test_unusable_paths(tmp_path: Path) -> None:
    assert "找不到文件" in refused(tmp_path / "无.xlsx")
    assert "不是文件" in refused(tmp_path)
    (tmp_path / "空.xlsx").write_bytes(b"")
    assert "空文件" in refused(tmp_path / "空.xlsx")
    (tmp_path / "旧.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    message = refused(tmp_path / "旧.xls")
    assert "“旧.xls”是加密的工作簿或旧版 .xls 文件" in message and "另存为 .xlsx" in message
    (tmp_path / "文本.xlsx").write_text("序号,金额\n1,2\n", encoding="utf-8")
    assert "不是 Excel 工作簿" in refused(tmp_path / "文本.xlsx")
    with zipfile.ZipFile(tmp_path / "doc.xlsx", "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    assert "不是 Excel 工作簿" in refused(tmp_path / "doc.xlsx")
    good = rich_workbook(tmp_path / "好.xlsx")
    (tmp_path / "半.xlsx").write_bytes(good.read_bytes()[:3000])
    assert "文件已损坏或不完整" in refused(tmp_path / "半.xlsx")


def test_a_styles_part_seen_before_still_gives_each_file_its_own_formats(tmp_path: Path) -> None:
    """A batch repeats its template's styles part byte for byte and the reader parses it once: a file with
    other styles in between must still be read with its own (a date stays a date, a rate a rate)."""

    def book(path: Path, fmt: str) -> Path:
        wb = openpyxl.Workbook()
        wb.active["A1"] = 45000.5
        wb.active["A1"].number_format = fmt
        wb.active["B2"] = "单位"
        wb.save(path)
        return path

    rate, date = book(tmp_path / "率.xlsx", "0.00%"), book(tmp_path / "日期.xlsx", "yyyy-mm-dd")
    again = book(tmp_path / "率2.xlsx", "0.00%")
    for path in (rate, date, again, date, rate):
        assert_matches_openpyxl(path)
    assert read_workbook(date)[0].cells[(1, 1)].value == dt.datetime(2023, 3, 15, 12)
    assert read_workbook(again)[0].cells[(1, 1)].number_format == "0.00%"


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / "大.xlsx")
    assert "文件过大" in refused(path, Limits(max_file_bytes=1000))
    assert "文件过大" in refused(path, Limits(max_uncompressed_bytes=2000))
    assert "文件过大" in refused(path, Limits(max_cells=10))


def test_zip_bomb_member_is_refused(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / "炸弹.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/zeros.bin", bytes(50 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    assert "压缩比异常，可能是恶意构造的文件" in refused(path)
    # The same ratio in a small member is harmless and common (repetitive XML).
    small = rich_workbook(tmp_path / "小.xlsx")
    with zipfile.ZipFile(small, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/zeros.bin", bytes(512 * 1024))
    assert len(read_workbook(small)) == 3


def test_one_part_listed_many_times_is_bounded(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 200))
    path = write_xlsx(tmp_path / "重复.xlsx", [("S", f"<sheetData>{rows}</sheetData>")])
    with zipfile.ZipFile(path) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
        sheet_size = zf.getinfo("xl/worksheets/sheet1.xml").file_size
    entry = '<sheet name="S" sheetId="1" r:id="rId1"/>'
    workbook = workbook.replace(entry, "".join(entry.replace('"S"', f'"S{i}"') for i in range(1000)))
    out = rewrite_member(path, tmp_path / "重复2.xlsx", "xl/workbook.xml", workbook.encode())
    assert len(read_workbook(out)) == 1000
    assert "压缩比异常" in refused(out, Limits(max_uncompressed_bytes=100 * sheet_size))


def test_element_budget_and_long_format_codes(tmp_path: Path) -> None:
    body = "<sheetData>" + "<x/>" * 5000 + '<row r="1"><c r="A1" s="1"><v>1</v></c></row></sheetData>'
    styles = f'<numFmts><numFmt numFmtId="164" formatCode="{"[" * 300}"/></numFmts><cellXfs><xf/><xf numFmtId="164"/></cellXfs>'
    path = write_xlsx(tmp_path / "多.xlsx", [("S", body)], styles=styles)
    assert read_workbook(path)[0].cell(1, 1).number_format == "General"  # over Excel's 255 characters
    assert "文件过大" in refused(path, Limits(max_cells=100))


def _patch_declared_size(path: Path, member: str, size: int) -> None:
    """Make the local and central headers of ``member`` declare ``size`` uncompressed bytes."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:  # central directory entries
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == name:
            struct.pack_into("<I", data, at + 24, size)
            local = struct.unpack_from("<I", data, at + 42)[0]
            struct.pack_into("<I", data, local + 22, size)
        at += 4
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("declared", [10, 3_000_000])
def test_lying_size_headers_are_refused(tmp_path: Path, declared: int) -> None:
    path = rich_workbook(tmp_path / "谎.xlsx")
    _patch_declared_size(path, "xl/worksheets/sheet1.xml", declared)
    message = refused(path)
    assert "文件已损坏或不完整" in message or "压缩比异常" in message


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]>"
)


@pytest.mark.parametrize(
    "member",
    [
        "xl/worksheets/sheet1.xml",
        "xl/sharedStrings.xml",
        "xl/workbook.xml",
        "xl/styles.xml",
        "xl/_rels/workbook.xml.rels",
    ],
)
def test_entity_expansion_and_external_entities_are_refused(tmp_path: Path, member: str) -> None:
    path = to_shared_strings(rich_workbook(tmp_path / "a.xlsx"), tmp_path / "s.xlsx")
    laughs = (
        BILLION_LAUGHS
        + f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    out = rewrite_member(path, tmp_path / "laughs.xlsx", member, laughs.encode())
    assert "文件内容格式异常" in refused(out)
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    out = rewrite_member(path, tmp_path / "xxe.xlsx", member, xxe.encode())
    assert "文件内容格式异常" in refused(out)


def test_malformed_xml_names_the_part(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / "a.xlsx")
    out = rewrite_member(
        path, tmp_path / "b.xlsx", "xl/worksheets/sheet2.xml", b"<worksheet><sheetData><row>"
    )
    message = refused(out)
    assert "文件内容格式异常" in message and "附件2 部门整体支出绩效自评表" in message


# --- housekeeping ------------------------------------------------------------------------------------


def test_reader_does_not_import_openpyxl() -> None:
    code = "import sys, xl_selfeval.files.xlsx; sys.exit('openpyxl' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_openpyxl_defused_check(monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl.xml

    assert_openpyxl_is_defused()
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    with pytest.raises(UserError, match="defusedxml"):
        assert_openpyxl_is_defused()
