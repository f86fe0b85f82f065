"""Makes the committed format fixtures from the seed's hand-typed tables (tests/handtyped.py).

seed.xls and seed.ods: the hand-typed workbook with its rates typed as real percent cells (0.6165 shown as
61.65%), converted by LibreOffice. seed.docx: the three tables typed into Word as a unit's report holds
them (title and notes as paragraphs, Word-style merged cells: gridSpan across, vMerge down). Run
`python tests/formats/make_fixtures.py` from the repository root to make them again.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import docx
import openpyxl

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent.parent))

from handtyped import BASIC, DEPARTMENT, PROJECT, build_handtyped  # noqa: E402

from xl_selfeval.cells import parse_range  # noqa: E402
from xl_selfeval.files.convert import converted  # noqa: E402

# Rates a unit types as numbers formatted as percent (sheet, cell, typed rate).
PERCENT_CELLS = (("基础数据", "E6", 0.9606), ("整体自评", "G6", 0.7608), ("项目（运转经费）", "I10", 0.6165))


def _rows(form: list[list[object]], start: int, stop: int) -> list[list[object]]:
    """The form's rows from ``start`` to ``stop`` (0-based, exclusive), blank spacer rows dropped."""
    return [row for row in form[start:stop] if row]


# Each Word table: rows (after the title), column count, merges as a Word user makes them.
WORD_TABLES = (
    (
        "附件1",
        BASIC[1][0],
        _rows(BASIC, 2, 24),
        7,
        ("A1:A2", "A20:A21", "B22:G22"),
        [BASIC[24][0], BASIC[25][0]],
    ),
    (
        "附件2",
        DEPARTMENT[1][0],
        _rows(DEPARTMENT, 2, 33),
        10,
        (
            *("B1:J1", "A2:A8", "D4:E4", "D5:E5", "B9:E9", "F9:J9", "A9:A10", "B10:E10", "F10:J10"),
            *("A11:A30", "B12:B21", "C12:C15", "C16:C17", "C18:C21", "B22:B26", "C25:C26", "B28:B30"),
            "A31:G31",
        ),
        [DEPARTMENT[33][0]],
    ),
    (
        "附件3",
        PROJECT[1][0],
        _rows(PROJECT, 2, 34),
        9,
        (
            *("B1:I1", "B2:C2", "E2:I2", "A3:A7", "B8:E8", "F8:I8", "A8:A9", "B9:E9", "F9:I9"),
            *("A10:A29", "B11:B20", "C11:C14", "C15:C16", "C17:C20", "B21:B25", "C24:C25", "B27:B29"),
            "A30:F30",
        ),
        [PROJECT[34][0], PROJECT[35][0]],
    ),
)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def build_docx(path: Path) -> Path:
    """The seed's three tables typed into a Word report."""
    document = docx.Document()
    document.add_paragraph("岳阳市住房公积金管理中心2024年度绩效自评报告")
    document.add_paragraph("一、部门基本情况。本报告所附三张表为本单位2024年度绩效自评结果。")
    for label, title, rows, width, merges, notes in WORD_TABLES:
        document.add_paragraph(str(label))
        document.add_paragraph(str(title))
        table = document.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        covered: set[tuple[int, int]] = set()
        for text in merges:
            r1, c1, r2, c2 = parse_range(text)
            table.cell(r1 - 1, c1 - 1).merge(table.cell(r2 - 1, c2 - 1))
            covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or c > width:
                    continue
                if (r, c) in covered:
                    raise ValueError(f"{label} row {r} col {c}: a value under a merge")
                table.cell(r - 1, c - 1).text = _text(value)
        for note in notes:
            document.add_paragraph(str(note))
    document.save(str(path))
    return path


def build_percent_workbook(path: Path) -> Path:
    """The hand-typed workbook with its rates as real percent cells."""
    build_handtyped(path)
    wb = openpyxl.load_workbook(path)
    for sheet, ref, rate in PERCENT_CELLS:
        cell = wb[sheet][ref]
        if not str(cell.value).endswith("%"):
            raise ValueError(f"{sheet}!{ref} holds {cell.value!r}, not a typed rate")
        cell.value = rate
        cell.number_format = "0.00%"
    wb.save(path)
    return path


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    build_docx(FIXTURES / "seed.docx")
    with tempfile.TemporaryDirectory() as tmp:
        book = build_percent_workbook(Path(tmp) / "seed.xlsx")
        for target in ("xls", "ods"):
            with converted(book, target) as result:
                shutil.copyfile(result, FIXTURES / f"seed.{target}")
    print(f"wrote {', '.join(sorted(p.name for p in FIXTURES.iterdir()))} in {FIXTURES}")


if __name__ == "__main__":
    main()
