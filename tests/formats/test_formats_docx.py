"""The Word reader: tables on their grid columns with merges, names 表N, body paragraphs, limits."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from xl_selfeval.errors import UserError
from xl_selfeval.files.docx import read_docx
from xl_selfeval.files.xlsx import Limits

FIXTURES = Path(__file__).parent / "fixtures"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def write_docx(path: Path, body: str, prolog: str = "") -> Path:
    """A minimal Word package around ``body`` (the children of w:body)."""
    document = f'{prolog}<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        zf.writestr("word/document.xml", document)
    return path


def refusal(path: Path, limits: Limits | None = None) -> str:
    """The message read_docx refuses ``path`` with."""
    with pytest.raises(UserError) as caught:
        read_docx(path, limits or Limits())
    return str(caught.value)


def p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def tc(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{p(text)}</w:tc>"


def test_seed_report_tables_are_grids_named_in_order(tmp_path: Path) -> None:
    doc = read_docx(FIXTURES / "seed.docx")
    assert [g.name for g in doc.grids] == ["表1", "表2", "表3"]
    project = doc.grids[2]
    assert project.text(7, 7) == "61.65%"  # 执行率 of 年度资金总额, typed in G7
    assert project.text(7, 4) == "2769.05"
    assert (3, 1, 7, 1) in project.merged  # 项目资金(万元): vMerge restart + four continues
    assert (1, 2, 1, 9) in project.merged  # 运转经费 across eight grid columns: gridSpan
    assert (10, 1, 29, 1) in project.merged  # 绩效指标 down the indicator rows
    assert doc.paragraphs[:2] == [
        "岳阳市住房公积金管理中心2024年度绩效自评报告",
        "一、部门基本情况。本报告所附三张表为本单位2024年度绩效自评结果。",
    ]
    assert "2024年度项目支出绩效自评表" in doc.paragraphs
    assert doc.source_kind == "docx"


def test_spans_land_on_grid_columns(tmp_path: Path) -> None:
    body = (
        "<w:tbl><w:tblGrid>" + '<w:gridCol w:w="1"/>' * 4 + "</w:tblGrid>"
        "<w:tr>"
        + tc("甲", '<w:gridSpan w:val="2"/><w:vMerge w:val="restart"/>')
        + tc("乙")
        + tc("丙")
        + "</w:tr>"
        "<w:tr>"
        + tc("", '<w:gridSpan w:val="2"/><w:vMerge/>')
        + tc("丁", '<w:gridSpan w:val="2"/>')
        + "</w:tr>"
        '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>' + tc("戊") + tc("己") + "</w:tr>"
        "</w:tbl>"
    )
    grid = read_docx(write_docx(tmp_path / "t.docx", body)).grids[0]
    assert grid.text(1, 1) == "甲" and grid.text(1, 3) == "乙" and grid.text(1, 4) == "丙"
    assert grid.text(2, 3) == "丁" and grid.text(3, 2) == "戊" and grid.text(3, 3) == "己"
    assert sorted(grid.merged) == [(1, 1, 2, 2), (2, 3, 2, 4)]


def test_vmerge_stops_where_the_column_does_not_continue(tmp_path: Path) -> None:
    body = (
        "<w:tbl>"
        "<w:tr>" + tc("上", '<w:vMerge w:val="restart"/>') + tc("x") + "</w:tr>"
        "<w:tr>" + tc("", "<w:vMerge/>") + tc("y") + "</w:tr>"
        "<w:tr>" + tc("下") + tc("z") + "</w:tr>"
        "<w:tr>" + tc("孤", "<w:vMerge/>") + tc("w") + "</w:tr>"  # a continue with nothing open: a cell
        "</w:tbl>"
    )
    grid = read_docx(write_docx(tmp_path / "t.docx", body)).grids[0]
    assert grid.merged == [(1, 1, 2, 1)]
    assert grid.text(3, 1) == "下" and grid.text(4, 1) == "孤"


def test_nested_table_is_read_on_its_own_with_a_note(tmp_path: Path) -> None:
    inner = "<w:tbl><w:tr>" + tc("内") + "</w:tr></w:tbl>"
    body = (
        p("前言")
        + "<w:tbl><w:tr>"
        + tc("外")
        + f"<w:tc>{p('说明')}{inner}{p('完')}</w:tc></w:tr></w:tbl>"
        + "<w:tbl><w:tr>"
        + tc("后")
        + "</w:tr></w:tbl>"
        + p("结语")
    )
    doc = read_docx(write_docx(tmp_path / "t.docx", body))
    assert [g.name for g in doc.grids] == ["表1", "表2", "表3"]
    assert doc.grids[0].text(1, 2) == "说明\n完"
    assert doc.grids[1].text(1, 1) == "内"
    assert doc.grids[2].text(1, 1) == "后"
    assert doc.notes == ["表2嵌在表1的B1单元格中，已作为单独的表读取。"]
    assert doc.paragraphs == ["前言", "结语"]


def test_text_box_fallback_is_not_read_twice(tmp_path: Path) -> None:
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    body = (
        f'<w:p xmlns:mc="{mc}"><w:r><w:t>正文</w:t></w:r><w:r><mc:AlternateContent>'
        f"<mc:Choice>{p('框内')}</mc:Choice><mc:Fallback>{p('框内')}</mc:Fallback>"
        "</mc:AlternateContent></w:r></w:p>"
    )
    doc = read_docx(write_docx(tmp_path / "t.docx", body))
    assert doc.paragraphs == ["框内", "正文"]


def test_entity_bomb_is_refused_naming_the_file(tmp_path: Path) -> None:
    prolog = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    path = write_docx(tmp_path / "炸弹.docx", p("&b;"), prolog)
    message = refusal(path)
    assert message.startswith("“炸弹.docx”文件内容格式异常") and "另存为 .docx" in message


def test_zip_bomb_and_oversized_files_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "压缩.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b" " * (20 * 1024 * 1024))
    assert refusal(bomb).startswith("“压缩.docx”压缩比异常")
    big = write_docx(tmp_path / "大.docx", p("字" * 5000))
    assert refusal(big, Limits(max_file_bytes=100)).startswith("“大.docx”文件过大")


def test_cell_limit_counts_word_cells(tmp_path: Path) -> None:
    body = "<w:tbl>" + ("<w:tr>" + tc("1") * 10 + "</w:tr>") * 10 + "</w:tbl>"
    path = write_docx(tmp_path / "多.docx", body)
    assert refusal(path, Limits(max_cells=50)).startswith("“多.docx”文件过大（超过 50 个单元格）")


def test_not_a_word_package(tmp_path: Path) -> None:
    path = tmp_path / "空.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("x.txt", "x")
    assert refusal(path).startswith("“空.docx”不是 Word 文档")


def test_check_says_where_a_nested_table_was_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from xl_selfeval.cli import main

    inner = "<w:tbl><w:tr>" + tc("内") + "</w:tr></w:tbl>"
    body = "<w:tbl><w:tr>" + tc("外") + f"<w:tc>{inner}{p('')}</w:tc></w:tr></w:tbl>"
    code = main(["check", str(write_docx(tmp_path / "嵌套.docx", body))])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.splitlines()[0] == "注意：表2嵌在表1的B1单元格中，已作为单独的表读取。"
