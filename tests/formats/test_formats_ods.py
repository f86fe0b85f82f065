"""The .ods reader on hand-written content.xml: repeats, spans, styles, text, limits."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from xl_selfeval.errors import UserError
from xl_selfeval.files.ods import read_ods
from xl_selfeval.files.xlsx import Limits

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"'
)
STYLES = (
    '<office:automatic-styles><number:percentage-style style:name="P1"><number:number number:decimal-places="1"/>'
    "<number:text>%</number:text></number:percentage-style>"
    '<number:number-style style:name="N2"><number:number number:decimal-places="2" number:grouping="true"/>'
    "</number:number-style>"
    '<style:style style:name="ce1" style:family="table-cell" style:data-style-name="P1"/>'
    '<style:style style:name="ce2" style:family="table-cell" style:data-style-name="N2"/>'
    "</office:automatic-styles>"
)


def write_ods(path: Path, tables: str) -> Path:
    content = (
        f"<office:document-content {NS}>{STYLES}<office:body><office:spreadsheet>{tables}"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", content)
    return path


def cell(text: str, attrs: str = "") -> str:
    return f"<table:table-cell {attrs}><text:p>{text}</text:p></table:table-cell>"


def test_positions_spans_styles_and_text(tmp_path: Path) -> None:
    rows = (
        '<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="16384"/>'
        "</table:table-row>"
        "<table:table-row>"
        '<table:table-cell table:number-columns-repeated="2"/>'
        + cell(
            "项目资金",
            'table:number-columns-spanned="2" table:number-rows-spanned="3" office:value-type="string"',
        )
        + "<table:covered-table-cell><text:p>藏</text:p></table:covered-table-cell>"
        + cell("61.7%", 'table:style-name="ce1" office:value-type="percentage" office:value="0.6165"')
        + cell("1,701.93", 'table:style-name="ce2" office:value-type="float" office:value="1701.93"')
        + cell("", 'office:value-type="date" office:date-value="2025-03-31"')
        + '<table:table-cell office:value-type="string"><text:p>甲<text:s text:c="2"/>乙</text:p>'
        "<text:p>丙</text:p><office:annotation><text:p>批注</text:p></office:annotation></table:table-cell>"
        + cell("=A1", 'table:formula="of:=[.A1]*2" office:value-type="float" office:value="4"')
        + "</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell/></table:table-row>'
    )
    doc = read_ods(write_ods(tmp_path / "a.ods", f'<table:table table:name="附件3">{rows}</table:table>'))
    grid = doc.grids[0]
    assert grid.name == "附件3" and doc.source_kind == "ods"
    assert grid.cell(3, 3).value == "项目资金"
    assert grid.merged == [(3, 3, 5, 4)]
    assert (grid.cell(3, 5).value, grid.cell(3, 5).number_format) == (0.6165, "0.0%")
    assert (grid.cell(3, 6).value, grid.cell(3, 6).number_format) == (1701.93, "#,##0.00")
    assert grid.cell(3, 7).value == dt.datetime(2025, 3, 31)
    assert grid.cell(3, 8).value == "甲  乙\n丙"
    assert (grid.cell(3, 9).value, grid.cell(3, 9).formula) == (4, "[.A1]*2")
    assert grid.max_row == 3 and grid.max_col == 9


def test_repeated_content_counts_against_the_cell_limit(tmp_path: Path) -> None:
    rows = (
        '<table:table-row table:number-rows-repeated="100000">'
        + cell("1", 'office:value-type="float" office:value="1" table:number-columns-repeated="100"')
        + "</table:table-row>"
    )
    path = write_ods(tmp_path / "重复.ods", f'<table:table table:name="S">{rows}</table:table>')
    with pytest.raises(UserError) as caught:
        read_ods(path, Limits(max_cells=10_000))
    assert str(caught.value) == "“重复.ods”文件过大（超过 10000 个单元格），请删除无关内容后再试。"


def test_huge_spans_are_clipped_to_the_data(tmp_path: Path) -> None:
    rows = "<table:table-row>" + cell(
        "总", 'table:number-rows-spanned="1048576" table:number-columns-spanned="16384"'
    )
    rows += "</table:table-row>"
    grid = read_ods(write_ods(tmp_path / "a.ods", f'<table:table table:name="S">{rows}</table:table>')).grids[
        0
    ]
    assert grid.merged == [(1, 1, 1, 1)]


def test_not_a_spreadsheet_package(tmp_path: Path) -> None:
    path = tmp_path / "空.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(UserError) as caught:
        read_ods(path)
    assert str(caught.value).startswith("“空.ods”不是 OpenDocument 表格")
