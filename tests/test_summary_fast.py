"""The summary workbook's fast cell path writes, part for part, what XlsxWriter's own methods write.

Each test writes the same rows twice: through the fast path (records stored a row at a time, the sheet
data written by _SummarySheet._write_rows, the table added without its cell-by-cell check) and with the
fast path switched off, when every cell goes through XlsxWriter's write_string/write_number/
write_blank/write_formula, set_row, add_table and its own row writer. The two files must hold the same
parts byte for byte (docProps/core.xml aside: it holds the time of writing).
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import EXAMPLE

from xl_selfeval.files import summary, summary_book
from xl_selfeval.files.batch import review_folder
from xl_selfeval.files.settings import load_settings
from xl_selfeval.review import statistics
from xl_selfeval.scoring import grade

LONG = (
    "很长的说明" * 4000
)  # past half of Excel's 32767: XlsxWriter's write_string stores it (and would cut it)
TOO_LONG = "x" * 40000  # cut by XlsxWriter to 32767
TEXTS = [
    "=1+1",  # quotePrefix: Excel would take these for formulas once edited
    "  -3 元",
    "@SUM(A1)",
    "+86",
    "第一行\n第二行\n第三行",  # wrapped over three lines: a taller row
    "a & b < c > d \"quoted\" 'single'",
    "R&D 经费",  # each XML special alone
    "x > y",
    "a<b",
    "backspace\x08 alone",
    "_x0000_ and _x005F_ stay text",
    "control \x00\x01\x08\x0b\x1f characters\ttab",
    "  leading and trailing spaces  ",
    " leading only",
    "trailing only\u3000",
    "\nafter a line break",
    "非字符\ufffe\uffff",
    "",
    "附件3!G12 执行率应为61.46%（1701.93÷2769.05），表中为61.65%" * 3,  # wraps by width
    LONG,
    TOO_LONG,
]
NUMBERS: list[Decimal | int | None] = [
    Decimal("2769.05"),
    Decimal("0.6146"),
    0,
    -5,
    2024,
    Decimal("1E+20"),
    Decimal("1E-7"),
    Decimal("0.1"),
    None,
]
LINKS = [
    summary.link_formula("上报材料/a.xlsx", "附件3 运转经费", "G12"),
    summary.link_formula("a&b<c>.xlsx", "it's", "C5"),
    summary.link_formula('报"告".docx'),
    None,  # a file that cannot be linked: '—' in the column's style
]


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def _both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: Callable[[Path], None]
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The parts ``write`` gives through the fast path and through XlsxWriter's own methods."""
    assert summary_book.FAST, "the installed XlsxWriter is not the one the fast path knows: nothing compared"
    fast, stock = tmp_path / "fast.xlsx", tmp_path / "stock.xlsx"
    write(fast)
    with monkeypatch.context() as m:
        m.setattr(summary_book, "FAST", False)
        m.setattr(summary_book, "OWN_STRINGS", False)
        write(stock)
    return _parts(fast), _parts(stock)


def _assert_same(fast: dict[str, bytes], stock: dict[str, bytes]) -> None:
    assert sorted(fast) == sorted(stock)
    for name in stock:
        if fast[name] != stock[name]:  # not assert ==: pytest's diff of two large parts takes minutes
            at = next(
                (i for i, (a, b) in enumerate(zip(fast[name], stock[name], strict=False)) if a != b),
                min(len(fast[name]), len(stock[name])),
            )
            around = slice(max(at - 80, 0), at + 80)
            pytest.fail(
                f"{name} differs from XlsxWriter's own at byte {at}: {fast[name][around]!r} "
                f"instead of {stock[name][around]!r}"
            )


def _book(path: Path, sheets: Sequence[tuple[str, Sequence[summary.Column], list[tuple[Any, ...]]]]) -> None:
    book = summary_book.SummaryBook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    formats = summary._Formats(book)
    for name, columns, rows in sheets:
        ws = book.add_worksheet(name, summary_book.SummarySheet)
        summary._rows(ws, formats, columns, rows, name)
    book.close()


def _detail_rows() -> list[tuple[Any, ...]]:
    rows = []
    for i, text in enumerate(TEXTS):
        # Each text in each text column, next to others; files and codes recur as in a real batch.
        rows.append(
            (f"文件{i % 3}.xlsx", text, f"C{i + 1}", "错误", text, text, None, i, LINKS[i % len(LINKS)])
        )
        rows.append((text, "附件2", "", "警告", "CODE", "短", text, "—", LINKS[(i + 1) % len(LINKS)]))
    return rows


def _summary_rows() -> list[tuple[Any, ...]]:
    rows = []
    for i, number in enumerate(NUMBERS):
        n = NUMBERS[(i + 3) % len(NUMBERS)]
        rows.append(
            (TEXTS[i], "单位", "附件3", None, number, number, n, number, n, number, "优", i, None, TEXTS[-i])
        )
    return rows


def test_fast_cells_are_written_as_xlsxwriter_writes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheets = [
        ("问题明细", summary.DETAIL_COLUMNS, _detail_rows()),
        ("汇总", summary.SUMMARY_COLUMNS, _summary_rows()),
        ("空表", summary.LEFT_COLUMNS, []),  # an empty table: one blank data row
        ("一行", summary.ACROSS_COLUMNS, [("偏差原因", "第一行\n第二行", 2, "甲\n乙", "甲!A1\n乙!B2")]),
    ]
    fast, stock = _both(tmp_path, monkeypatch, lambda path: _book(path, sheets))
    _assert_same(fast, stock)
    # And what was compared is what a reviewer reads.
    wb = openpyxl.load_workbook(tmp_path / "fast.xlsx")
    ws = wb["问题明细"]
    assert ws["B2"].value == "=1+1" and ws["B2"].data_type == "s" and ws["B2"].quotePrefix
    strings = fast["xl/sharedStrings.xml"].decode()
    assert "control _x0000__x0001__x0008__x000B__x001F_ characters\ttab" in strings
    assert "_x005F_x0000_ and _x005F_x005F_ stay text" in strings
    assert '<t xml:space="preserve">  leading and trailing spaces  </t>' in strings
    assert ws.cell(2 + 2 * TEXTS.index("x > y"), 2).value == "x > y"
    assert len(ws.cell(2 + 2 * TEXTS.index(LONG), 2).value) == 20000
    assert len(ws.cell(2 + 2 * TEXTS.index(TOO_LONG), 2).value) == 32767
    assert ws["I2"].value.startswith('=HYPERLINK("[上报材料/a.xlsx]') and ws["I7"].value == "—"
    assert wb["汇总"]["E2"].value == 2769.05 and wb["汇总"]["E10"].value is None
    assert (
        ws.tables["问题明细"].ref == f"A1:I{1 + 2 * len(TEXTS)}" and wb["空表"].tables["空表"].ref == "A1:C2"
    )


def test_a_number_excel_cannot_hold_is_refused_as_xlsxwriter_refuses_it(tmp_path: Path) -> None:
    rows = [("a", "u", "f", "p", 2024, Decimal("NaN"), 1, 1, 1, 1, "优", 0, 0, "")]
    with pytest.raises(TypeError, match="NAN/INF"):
        _book(tmp_path / "nan.xlsx", [("汇总", summary.SUMMARY_COLUMNS, rows)])


def test_a_whole_summary_is_written_as_xlsxwriter_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "上报材料"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / EXAMPLE.name)
    wb = openpyxl.load_workbook(EXAMPLE)
    sheet = wb["附件3 运转经费"]
    sheet["B4"].value = "=1+2 某单位 & <其他>"
    sheet["B4"].data_type = "s"
    wb.save(folder / "某单位'表[1].xlsx")  # a name no link can hold: '—'
    (folder / "坏文件.xlsx").write_bytes(b"not a zip")
    settings = load_settings(None, None)
    output = tmp_path / "审核汇总.xlsx"
    batch = review_folder(folder, settings, jobs=1, leave=[output])
    assert sum(len(r.findings) for r in batch.results) > 5  # a summary with findings to write
    stats = statistics(batch.results, batch.skipped, lambda total: grade(total, settings))

    def write(path: Path) -> None:
        summary.write_summary(batch, stats, folder, output)
        output.replace(path)

    fast, stock = _both(tmp_path, monkeypatch, write)
    _assert_same(fast, stock)


def test_a_files_text_that_looks_like_a_rich_string_stays_text(tmp_path: Path) -> None:
    # XlsxWriter writes "<r>…</r>" into the shared strings as raw XML: a unit could reshape the summary.
    out = tmp_path / "summary.xlsx"
    crafted = "<r><t>单位</t></r><si><t>injected</t></si><r>x</r>"
    _book(
        out,
        [
            (
                "问题明细",
                summary.DETAIL_COLUMNS,
                [("a.xlsx", "附件3", "B3", "错误", "c", crafted, "", "<r>1</r>", None)],
            )
        ],
    )
    with zipfile.ZipFile(out) as z:
        strings = z.read("xl/sharedStrings.xml").decode()
    assert "<si><t>injected</t></si>" not in strings
    assert "&lt;r&gt;&lt;t&gt;单位" in strings
    row = next(openpyxl.load_workbook(out)["问题明细"].iter_rows(min_row=2, values_only=True))
    assert row[5] == crafted and row[7] == "<r>1</r>"


def test_the_summary_is_deflated_at_level_3_and_xlsxwriter_itself_is_left_as_it_was(tmp_path: Path) -> None:
    # Level 3 takes a third of the time of zipfile's default 6 on the summary's XML; XlsxWriter offers no
    # option for it, and its module must stay untouched for any other workbook written in the process.
    import zlib

    import xlsxwriter.workbook

    out = tmp_path / "summary.xlsx"
    rows = [
        ("a.xlsx", "附件3", f"B{i}", "错误", "sum_wrong", f"合计应为{i}.00", "", "", None) for i in range(500)
    ]
    _book(out, [("问题明细", summary.DETAIL_COLUMNS, rows)])
    with zipfile.ZipFile(out) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        data = z.read(info)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    deflate = zlib.compressobj(3, zlib.DEFLATED, -15)
    assert info.compress_size == len(deflate.compress(data) + deflate.flush())
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile
