"""The generated forms print like the official ones: A4 landscape, breaks between 一级指标, headers on every page."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLE, require_tool

from xl_selfeval.files.generate import blank_contents, build_workbook
from xl_selfeval.forms.indicators import LEVEL1, LEVEL2
from xl_selfeval.forms.place import Role, place
from xl_selfeval.forms.printing import BODY_POINTS, column_points, lines_of

LONG = (
    "在岳阳市范围内购房的，自受理申请之日起3个工作日内做出准予提取或者不准提取的决定，并告知提取申请人，"
    "手续齐全的，即时办理；异地购房的，自受理申请之日起20个工作日内办结。"
)


def long_texts_book(path: Path) -> Path:
    """The blank form with two projects, every free-text cell filled with a long Chinese paragraph."""
    contents = blank_contents(2025, ["运转经费", "业务工作经费"])
    for content in contents:
        for key in ("goals.expected", "goals.actual", "thrift_measures"):
            content.values[key] = LONG * 2
        rows = content.blocks.get("indicators", [])
        for row in rows:
            row.update(name=LONG, target="自受理申请之日起20个工作日内办结", actual=LONG[:30], deviation=LONG)
            row.update(criteria="未完成的按比例扣分，超过规定时限的每次扣0.5分", weight=5, score=4)
    build_workbook(contents, unit="岳阳市住房公积金管理中心本级").save(path)
    return path


def pages(pdf: Path) -> list[list[str]]:
    """Each page's printed lines (pdftotext -layout keeps a table row on one line), spaces removed."""
    count = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", pdf)).group(1))  # type: ignore[union-attr]
    out = []
    for i in range(1, count + 1):
        text = run("pdftotext", "-layout", "-f", str(i), "-l", str(i), pdf, "-")
        out.append([line for line in (re.sub(r"\s+", "", raw) for raw in text.splitlines()) if line])
    return out


def run(tool: str, *args: object) -> str:
    return subprocess.run(
        [require_tool(tool), *map(str, args)], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def forms_of(page_lines: list[list[str]]) -> list[list[list[str]]]:
    """Pages grouped per form: a form starts on the page showing 附件N above its title."""
    out: list[list[list[str]]] = []
    for lines in page_lines:
        if re.fullmatch(r"附件[123]", lines[0]):
            out.append([lines])
        else:
            out[-1].append(lines)
    return out


HEADER = {
    "department": "一级指标二级指标三级指标年度指标值实际完成值评扣分标准分值得分",
    "project": "一级指标二级指标三级指标年度指标值实际完成值分值得分",
}


def test_a_long_chinese_text_gets_as_many_lines_as_its_glyphs_need() -> None:
    width = column_points(20)
    text = "中" * 60  # 60 glyphs of 11 pt in a column of 124 pt: at least 660 / 124 → 6 lines
    assert lines_of(text, width) >= -(-60 * BODY_POINTS // width)
    assert lines_of("服务对象满意度指标", column_points(20)) == 1  # the 二级 label stays on one line
    assert lines_of("年初预算数\n(万元)", column_points(14)) == 2


def test_rows_grow_with_their_text_and_blank_text_rows_have_room(tmp_path: Path) -> None:
    book = build_workbook(blank_contents(2025))
    dept = book.worksheets[1]
    assert dept.row_dimensions[12].height >= 50  # 年度总体目标, blank: room for a paragraph
    assert all(dept.row_dimensions[r].height >= 28 for r in range(14, 33))  # blank indicator rows
    filled = openpyxl.load_workbook(long_texts_book(tmp_path / "long.xlsx")).worksheets[1]
    assert all(filled.row_dimensions[r].height >= 5 * 16 for r in range(14, 33))  # 三级指标 of 60 glyphs


def test_page_setup_is_a4_landscape_at_a_readable_fixed_scale() -> None:
    wb = build_workbook(blank_contents(2025, ["运转经费", "业务工作经费"]))
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        assert 70 <= int(ws.page_setup.scale) <= 100
        assert not ws.sheet_properties.pageSetUpPr.fitToPage  # Excel ignores manual breaks under fit-to-page
    assert not wb.worksheets[0].row_breaks.brk  # 附件1 on one page
    for ws in wb.worksheets[1:]:
        header_row = int(ws.print_title_rows.split(":")[0].strip("$"))
        assert ws.cell(header_row, 4).value == "三级指标"
        for brk in ws.row_breaks.brk:
            nxt = brk.id + 1
            starts = {ws.cell(nxt, 2).value, ws.cell(nxt, 1).value}
            assert nxt == header_row or starts & {*LEVEL1, "总分"}, f"{ws.title}: page break before row {nxt}"


@pytest.mark.parametrize("which", ["blank", "example", "long"])
def test_pdf_pages_start_with_the_title_and_the_indicator_header(
    which: str, tmp_path: Path, libreoffice_convert
) -> None:
    book = {
        "blank": lambda: _save(
            build_workbook(blank_contents(2025, ["运转经费", "业务工作经费"])), tmp_path / "blank.xlsx"
        ),
        "example": lambda: EXAMPLE,
        "long": lambda: long_texts_book(tmp_path / "long.xlsx"),
    }[which]()
    pdf = libreoffice_convert(book, tmp_path / "pdf", "pdf")
    assert re.search(r"Page size:\s+841\.\d+ x 59[45]\.\d+ pts", run("pdfinfo", pdf))
    forms = forms_of(pages(pdf))
    assert [f[0][0] for f in forms][:2] == ["附件1", "附件2"] and all(f[0][0] == "附件3" for f in forms[2:])
    assert len(forms[0]) == 1, "附件1 prints on one page"
    for form, kind in zip(forms[1:], ["department"] + ["project"] * (len(forms) - 2), strict=True):
        title = form[0][1]
        assert title.endswith("自评表"), title
        if which != "long":
            assert len(form) <= 3, f"{title} takes {len(form)} pages"
        for page in form[1:]:
            assert page[0] == title + "（续）", page[:2]
            assert page[1].startswith(HEADER[kind]), page[:3]  # the column headers, then the rows
        whole = "".join("".join(page) for page in form)
        for level1 in (
            LEVEL1 if which != "long" else ()
        ):  # a 一级 label prints once: no break inside its block
            inside = sum(
                whole.count(name) for name in LEVEL2 if level1 in name
            )  # 经济效益指标 holds 效益指标
            assert whole.count(level1) - inside == 1, level1
        last = "".join(form[-1])
        assert "总分" in last and "单位负责人签名" in last  # the signature stays with 总分
    if which == "blank":
        assert [len(f) for f in forms] == [1, 2, 2, 2]


def _save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


@pytest.mark.parametrize("index", [0, 1, 2])
def test_standard_labels_fit_their_cells_without_a_mid_word_wrap(index: int) -> None:
    """Each line of a fixed label (服务对象满意度指标, 投资概算控制率…) fits the merged width it has.

    Measured as LibreOffice draws it: 6.15 pt per column unit, 11 pt per CJK glyph, 5.5 pt per other.
    """
    content = blank_contents(2025)[index]
    placement = place(content)
    spans = {(r1, c1): c2 - c1 + 1 for r1, c1, _, c2 in placement.merges}
    widths = content.layout.column_widths
    too_narrow = []
    for cell in placement.cells:
        standard = cell.role in (Role.HEADER, Role.LABEL) or (
            cell.rule is not None and cell.rule.type == "list"
        )
        if not standard or not isinstance(cell.value, str):  # labels, and the 一级/二级 names of the skeleton
            continue
        room = 6.15 * sum(widths[cell.col - 1 : cell.col - 1 + spans.get((cell.row, cell.col), 1)]) - 4
        for line in cell.value.split("\n"):
            points = sum(11.0 if unicodedata.east_asian_width(ch) in "WF" else 5.5 for ch in line)
            if points > room:
                too_narrow.append(f"{line} ({points:.0f} pt in {room:.0f} pt)")
    assert not too_narrow, too_narrow
