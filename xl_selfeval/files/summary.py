"""The batch review's summary workbook (汇总, 问题明细, 统计, 跨单位, 未检查文件), written with XlsxWriter.

XlsxWriter because it writes tables with autofilter, charts, formulas with a cached result and the
quotePrefix style in one pass, and faster than openpyxl (the summary of 500 files is part of the time a
reviewer waits). Normal mode, not constant_memory: tables need it, and the records are small.
Every text from a file is written as a string cell (never through write(), which would turn "=…" into a
formula); a text Excel would read as a formula once edited (= + - @) also gets quotePrefix.
"""

from __future__ import annotations

import functools
import gc
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from xl_selfeval.files.batch import Batch
from xl_selfeval.files.save import write_atomically
from xl_selfeval.files.summary_book import LINK_START, LINK_TEXT, SummaryBook, SummarySheet
from xl_selfeval.forms.printing import display_width
from xl_selfeval.review import SKIPPED, UNREADABLE, Copied, FileResult, Statistics, copied_texts

SUMMARY, DETAILS, STATISTICS, ACROSS, LEFT = "汇总", "问题明细", "统计", "跨单位", "未检查文件"
# (header, width in characters, kind): kind says how a value is written (text is wrapped at the width).
Column = tuple[str, int, str]
SUMMARY_COLUMNS: tuple[Column, ...] = (
    ("文件", 28, "text"),
    ("单位", 20, "text"),
    ("表", 18, "text"),
    ("项目", 16, "text"),
    ("年度", 6, "count"),
    ("全年预算数（万元）", 12, "money"),
    ("全年执行数（万元）", 12, "money"),
    ("执行率", 9, "rate"),
    ("表中总分", 8, "score"),
    ("重算总分", 8, "score"),
    ("等级", 5, "short"),
    ("错误", 5, "count"),
    ("警告", 5, "count"),
    ("最严重的问题", 48, "text"),
)
DETAIL_COLUMNS: tuple[Column, ...] = (
    ("文件", 26, "text"),
    ("表", 16, "text"),
    ("单元格", 7, "short"),
    ("严重程度", 6, "short"),
    ("代码", 18, "text"),
    ("说明", 56, "text"),
    ("应为", 12, "text"),
    ("表中", 12, "text"),
    ("打开", 6, "link"),
)
ACROSS_COLUMNS: tuple[Column, ...] = (
    ("类型", 9, "short"),
    ("相同的内容", 50, "text"),
    ("单位数", 7, "count"),
    ("单位", 28, "text"),
    ("出现位置", 50, "text"),
)
LEFT_COLUMNS: tuple[Column, ...] = (("文件", 36, "text"), ("状态", 9, "short"), ("原因", 80, "text"))
LINK_MISSING = "—"  # in the link column of a finding whose file cannot be linked
_FORMULA_STARTS = ("=", "+", "-", "@")
_MAX_LITERAL = 255  # Excel refuses a longer string constant inside a formula
_NO_LINK = ("[", "]", "\n", "\r", "\t")
_REWRITTEN = re.compile(r"[A-Z]\(")  # what XlsxWriter treats as a future or dynamic function (XLOOKUP( …)
_A1 = re.compile(r"[A-Z]{1,3}[1-9][0-9]{0,6}")
# Files Excel opens at a cell; Word files (and WPS .et, which Excel cannot open) get a link to the file.
_SPREADSHEET_KINDS = frozenset({"xlsx", "xls", "ods", "xlsb"})
_RANKED_IN_CHART = 30


class _Formats:
    """The few cell styles of the summary, made once per workbook (XlsxWriter formats are per book)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "top"}
        self._book = book
        self._cache: dict[tuple[tuple[str, Any], ...], Format] = {}
        self.base = base
        self.title = book.add_format({**base, "bold": True, "font_size": 14})
        self.bold = book.add_format({**base, "bold": True})
        self.header = book.add_format(
            {**base, "bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )

    def get(self, **extra: Any) -> Format:
        key = tuple(sorted(extra.items()))
        if key not in self._cache:
            self._cache[key] = self._book.add_format({**self.base, **extra})
        return self._cache[key]


def _needs_quote(text: str) -> bool:
    """Whether Excel would take ``text`` for a formula once the cell is edited."""
    return text.lstrip().startswith(_FORMULA_STARTS)


def safe_text(ws: Worksheet, row: int, col: int, text: str, formats: _Formats, **style: Any) -> None:
    """A user's text as a string cell; one Excel would take for a formula once edited gets quotePrefix."""
    quote = _needs_quote(text)
    ws.write_string(row, col, text, formats.get(quote_prefix=quote, **style) if quote or style else None)


def _number(ws: Worksheet, row: int, col: int, value: Decimal | int | None, fmt: Format) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def link_formula(target: str, sheet: str = "", cell: str = "") -> str | None:
    """=HYPERLINK("[file]'sheet'!A1","打开") opening ``target`` at the cell, or at its start for a Word file.

    The formula is built only from the escaped path and sheet name (quotes doubled); a name that cannot be
    escaped ([ ] or line breaks) or a literal longer than Excel allows gives no link (None).
    """
    if cell and not _A1.fullmatch(cell):
        return None
    at_cell = bool(sheet and cell)
    start = _link_start(target, sheet, at_cell)
    # An A1 cell is printable and holds no quote: the checks of the rest hold with it.
    if start is None or start[1] + len(cell if at_cell else "") > _MAX_LITERAL:
        return None
    return start[0] + (cell if at_cell else "") + '","' + LINK_TEXT + '")'


@functools.lru_cache(maxsize=1024)
def _link_start(target: str, sheet: str, at_cell: bool) -> tuple[str, int] | None:
    """link_formula up to the cell for a file and sheet (done once per pair: a file has many findings),
    with the length of its location so far; None when the names give no link."""
    if any(ch in target or ch in sheet for ch in _NO_LINK):
        return None
    if _REWRITTEN.search(target + sheet):
        # XlsxWriter takes "SORT(" in a formula for a dynamic array function and writes the cell as an
        # array formula (_xlfn._xlws.SORT(…) inside): a broken link.
        return None
    location = "[" + target + "]'" + sheet.replace("'", "''") + "'!" if at_cell else target
    if not location.isprintable():
        return None
    return LINK_START + location.replace('"', '""'), len(location)


def _page(ws: Worksheet, title: str, repeat_header: bool = True) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many long as needed
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header(f'&C&"宋体,Bold"{title.replace("&", "&&")}')
    ws.set_footer("&C第 &P 页，共 &N 页")
    if repeat_header:
        ws.repeat_rows(0)


_LINE_HEIGHT = 13.5  # points per line of 10-point 宋体


def _rows(
    ws: SummarySheet, f: _Formats, columns: Sequence[Column], rows: Iterable[Sequence[Any]], name: str
) -> int:
    """``rows`` under a header as an Excel table (sortable, filterable, header frozen), each value written
    by its column's kind; rows are made tall enough for their wrapped text. Returns the number of rows."""
    styles = {
        "text": f.get(text_wrap=True),
        "short": f.get(align="center"),
        "count": f.get(num_format="0", align="center"),
        "money": f.get(num_format="#,##0.00"),
        "rate": f.get(num_format="0.00%"),
        "score": f.get(num_format="0.00"),
        "link": f.get(font_color="#0563C1", underline=1, align="center"),
    }
    # A text cell's style, without and with quotePrefix: what safe_text would pick, looked up once.
    texts = {
        "text": (f.get(quote_prefix=False, text_wrap=True), f.get(quote_prefix=True, text_wrap=True)),
        "short": (f.get(quote_prefix=False, align="center"), f.get(quote_prefix=True, align="center")),
    }
    # Per column: its text styles (None for others), and each text already seen with its style, lines
    # and stored record (a file's name comes back on every one of its findings, many messages recur).
    plan: list[
        tuple[int, int, str, tuple[Format, Format] | None, dict[str, tuple[Format, int, Any]], Format]
    ] = [
        (col, width, kind, texts.get(kind), {}, styles[kind]) for col, (_, width, kind) in enumerate(columns)
    ]
    blanks = {kind: ws.blank_record(style) for kind, style in styles.items()}
    n = 0
    for n, values in enumerate(rows, 1):
        lines = 1
        cells: dict[int, Any] = {}
        strings = 0
        for (col, width, kind, text_styles, seen, style), value in zip(plan, values, strict=True):
            if text_styles is not None:
                text = value if value.__class__ is str else "" if value is None else str(value)
                known = seen.get(text)
                if known is None:
                    # else one line (_lines' own shortcut)
                    wraps = 2 * len(text) >= width or "\n" in text
                    text_style = text_styles[_needs_quote(text)]
                    known = seen[text] = (
                        text_style,
                        _lines(text, width) if wraps else 1,
                        ws.text_record(text, text_style),
                    )
                if known[2] is None:
                    ws.write_string(n, col, text, known[0])
                else:
                    cells[col] = known[2]
                    strings += 1
                if known[1] > lines:
                    lines = known[1]
            elif kind == "link":
                if value is None:
                    if LINK_MISSING not in seen:  # stored on first use, as write_string would
                        seen[LINK_MISSING] = (style, 1, ws.text_record(LINK_MISSING, None))
                    record = seen[LINK_MISSING][2]
                else:
                    record = ws.link_record(value, style)
                if record is None:
                    _link(ws, n, col, value, style)
                else:
                    cells[col] = record
                    strings += value is None
            else:
                record = blanks[kind] if value is None else ws.number_record(float(value), style)
                if record is None:
                    _number(ws, n, col, value, style)
                else:
                    cells[col] = record
        ws.put_row(n, cells, strings, _LINE_HEIGHT * min(lines, 15) if lines > 1 else None)
    ws.add_sole_table(
        max(n, 1),  # a table needs one data row; an empty one stays blank
        len(columns) - 1,
        {
            "name": name,
            "style": "Table Style Light 9",
            "columns": [{"header": h, "header_format": f.header} for h, _, _ in columns],
        },
    )
    ws.set_row(0, _LINE_HEIGHT * 2)
    for col, (_, width, kind) in enumerate(columns):
        ws.set_column(col, col, width, styles[kind])
    ws.freeze_panes(1, 0)
    return n


def _lines(text: str, width: int) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide (a CJK character counts two)."""
    room = max(width - 1, 1)
    if 2 * len(text) <= room and "\n" not in text:
        return 1  # most cells: short enough whatever their characters
    if "\n" not in text:
        return max(1, -(-_width(text) // room))
    return sum(max(1, -(-_width(part) // room)) for part in text.split("\n"))


def _width(text: str) -> int:
    # From the UTF-8 length, fast enough for tens of thousands of cells: ASCII 1, CJK (3 bytes) 2.
    return (len(text) + len(text.encode()) + 1) // 2


def _link(ws: Worksheet, row: int, col: int, formula: str | None, style: Format) -> None:
    if formula is None:
        ws.write_string(row, col, LINK_MISSING)
    else:
        ws.write_formula(row, col, formula, style, LINK_TEXT)


def _relative(folder: Path, summary_folder: Path, rel: str) -> str:
    """The file's path as the summary's links use it: relative to the summary's folder, '/'-separated."""
    target = os.path.relpath(folder / rel, summary_folder)
    return Path(target).as_posix()


def _summary_lines(r: FileResult) -> list[tuple[Any, ...]]:
    """The 汇总 rows of one file: one per form, or one saying why it has none."""
    if not r.readable:
        return [
            (r.file, r.unit, UNREADABLE, "", None, None, None, None, None, None, "", None, None, r.reason)
        ]
    if not r.forms:
        worst = min(r.findings, key=lambda x: x.rank, default=None)
        shown = f"[{worst.severity}] {worst.message}" if worst else ""
        warnings = sum(1 for x in r.findings if x.rank == 1)
        return [
            (
                r.file,
                r.unit,
                "Word报告（无表格）",
                "",
                None,
                None,
                None,
                None,
                None,
                None,
                "",
                r.errors,
                warnings,
                shown,
            )
        ]
    return [
        (
            r.file,
            x.unit,
            x.form,
            x.project,
            x.year,
            x.budget,
            x.executed,
            x.rate,
            x.typed_total,
            x.total,
            x.grade,
            x.errors,
            x.warnings,
            x.worst,
        )
        for x in r.forms
    ]


def _summary_sheet(book: xlsxwriter.Workbook, f: _Formats, results: list[FileResult]) -> None:
    ws = book.add_worksheet(SUMMARY, SummarySheet)
    _rows(ws, f, SUMMARY_COLUMNS, (line for r in results for line in _summary_lines(r)), "Summary")
    _page(ws, "预算绩效自评审核汇总")


def _details_sheet(
    book: xlsxwriter.Workbook, f: _Formats, results: list[FileResult], folder: Path, output: Path
) -> None:
    ws = book.add_worksheet(DETAILS, SummarySheet)
    summary_folder = output.resolve().parent

    def lines() -> Iterator[tuple[Any, ...]]:
        for r in results:
            target = _relative(folder, summary_folder, r.file)
            at_cell = r.kind in _SPREADSHEET_KINDS
            for x in r.findings:
                link = link_formula(target, x.sheet, x.cell) if at_cell and x.cell else link_formula(target)
                yield (x.file, x.sheet, x.cell, x.severity, x.code, x.message, x.expected, x.actual, link)

    _rows(ws, f, DETAIL_COLUMNS, lines(), "Findings")
    _page(ws, "问题明细")


def _block(
    ws: Worksheet, f: _Formats, top: int, title: str, headers: Sequence[str], rows: list[tuple[Any, ...]]
) -> int:
    """A titled block of rows on the 统计 sheet; returns the row after it."""
    ws.write_string(top, 0, title, f.bold)
    for col, h in enumerate(headers):
        ws.write_string(top + 1, col, h, f.get(bold=True, bg_color="#D9D9D9", border=1))
    for i, values in enumerate(rows, top + 2):
        for col, v in enumerate(values):
            if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
                fmt = f.get(num_format="0.00" if isinstance(v, Decimal) else "0", border=1)
                ws.write_number(i, col, float(v), fmt)
            else:
                safe_text(ws, i, col, str(v), f, border=1)
    return top + 2 + len(rows) + 1


def _statistics_sheet(book: xlsxwriter.Workbook, f: _Formats, stats: Statistics) -> None:
    ws = book.add_worksheet(STATISTICS, SummarySheet)
    ws.write_string(0, 0, "本批上报材料概况", f.title)
    money, percent = f.get(num_format="#,##0.00", border=1), f.get(num_format="0.00%", border=1)
    cell = f.get(border=1)
    total_rate = stats.executed / stats.budget if stats.budget else None
    facts: list[tuple[str, Any, Format]] = [
        ("文件总数", stats.files + stats.skipped, cell),
        ("已检查文件", stats.readable, cell),
        ("无法读取的文件", stats.files - stats.readable, cell),
        ("跳过的文件", stats.skipped, cell),
        ("单位数", stats.units, cell),
        ("没有错误的单位", stats.units_without_errors, cell),
        ("没有错误的单位占比", stats.share_without_errors, percent),
        ("全年预算数合计（万元）", stats.budget, money),
        ("全年执行数合计（万元）", stats.executed, money),
        ("总体执行率", total_rate, percent),
    ]
    for i, (label, value, fmt) in enumerate(facts, 1):
        ws.write_string(i, 0, label, cell)
        _number(ws, i, 1, value, fmt)
    ws.write_string(
        len(facts) + 1,
        0,
        "金额按单位计一次：有附件2的取附件2年度资金总额，否则取各附件3合计；单位排名按附件2重算总分（没有附件2时取附件3平均）。",
    )
    top = len(facts) + 3
    grades_at = top
    top = _block(ws, f, top, "各表等级（按重算总分）", ("等级", "表数"), list(stats.grades))
    severity_at = top
    top = _block(ws, f, top, "问题按严重程度", ("严重程度", "个数"), list(stats.by_severity))
    codes_at = top
    top = _block(ws, f, top, "问题按代码", ("代码", "严重程度", "个数"), list(stats.by_code))
    ranking_at = top
    ranked = [(i, s.unit, s.total, s.grade, s.basis) for i, s in enumerate(stats.ranking, 1)]
    _block(ws, f, top, "单位排名（按重算总分）", ("名次", "单位", "重算总分", "等级", "依据"), ranked)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, max([display_width(s.unit) for s in stats.ranking] + [22]) + 1)
    ws.set_column(2, 4, 14)
    charts = [
        _chart(book, "column", "各表等级分布", grades_at, len(stats.grades), 0, 1),
        _chart(book, "pie", "问题按严重程度", severity_at, len(stats.by_severity), 0, 1),
        _chart(book, "bar", "问题按代码", codes_at, min(len(stats.by_code), 20), 0, 2),
        _chart(
            book, "bar", "单位重算总分（前30名）", ranking_at, min(len(stats.ranking), _RANKED_IN_CHART), 1, 2
        ),
    ]
    place = 1
    for chart in charts:
        if chart is not None:
            ws.insert_chart(place, 6, chart)
            place += 20
    _page(ws, "审核统计", repeat_header=False)


def _chart(
    book: xlsxwriter.Workbook, kind: str, title: str, top: int, rows: int, label_col: int, value_col: int
) -> Any:
    if rows == 0:
        return None
    chart = book.add_chart({"type": kind})
    first, last = top + 2, top + 1 + rows
    chart.add_series(
        {
            "name": title,
            "categories": [STATISTICS, first, label_col, last, label_col],
            "values": [STATISTICS, first, value_col, last, value_col],
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": title, "name_font": {"name": "宋体", "size": 11}})
    chart.set_legend({"none": kind != "pie"})
    if kind == "bar":
        chart.set_y_axis({"reverse": True, "num_font": {"name": "宋体"}})  # first row on top
    chart.set_size({"width": 620, "height": max(300, 18 * rows + 80) if kind == "bar" else 300})
    return chart


def _across_sheet(book: xlsxwriter.Workbook, f: _Formats, copied: list[Copied]) -> None:
    ws = book.add_worksheet(ACROSS, SummarySheet)
    rows = [(c.kind, c.text, len(c.units), "\n".join(c.units), "\n".join(c.places)) for c in copied]
    _rows(ws, f, ACROSS_COLUMNS, rows, "Across")
    _page(ws, "多个单位文件中相同的偏差原因和报告段落")


def _left_sheet(book: xlsxwriter.Workbook, f: _Formats, batch: Batch) -> None:
    ws = book.add_worksheet(LEFT, SummarySheet)
    rows = [(r.file, UNREADABLE, r.reason) for r in batch.results if not r.readable]
    rows += [(s.file, SKIPPED, s.reason) for s in batch.skipped]
    _rows(ws, f, LEFT_COLUMNS, rows, "Left")
    _page(ws, "未检查的文件")


def write_summary(batch: Batch, stats: Statistics, folder: Path, output: Path) -> None:
    """The summary workbook at ``output``, written atomically (a crash leaves no half file)."""

    def write(path: Path) -> None:
        # The batch's records (every finding of every file) are alive until the summary is written, and
        # none is garbage: kept apart from the collector meanwhile, a fifth of the writing was not spent
        # walking them again at each collection of the cells' records.
        gc.freeze()
        try:
            _write(path)
        finally:
            gc.unfreeze()

    def _write(path: Path) -> None:
        options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
        book = SummaryBook(str(path), options)
        formats = _Formats(book)
        _summary_sheet(book, formats, batch.results)
        _details_sheet(book, formats, batch.results, Path(folder), Path(output))
        _statistics_sheet(book, formats, stats)
        _across_sheet(book, formats, copied_texts(batch.results))
        _left_sheet(book, formats, batch)
        book.close()

    write_atomically(Path(output), write)
