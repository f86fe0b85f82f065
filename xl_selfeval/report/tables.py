"""The attachments (附件1–3) as Word tables: the form's merged cells, borders, A4-width columns."""

from __future__ import annotations

from typing import Any

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

from xl_selfeval.forms.printing import display_width

TABLE_WIDTH_CM = 16.0  # A4 portrait with 2.5 cm margins, when the document does not say
TABLE_FONT_PT = 9  # 小五
MIN_COLUMN_CM = 1.25  # '100.00' in 小五 with the cell margins
HALF_CHAR_CM = 0.165  # half a CJK character at 9 pt
CELL_PADDING_CM = 0.3


def positioned(rows: list[list[dict[str, Any]]]) -> list[tuple[int, int, dict[str, Any]]]:
    """(row, column, cell) for every cell, columns found as HTML does: past the cells spanning from above."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            for dr in range(int(cell["rowspan"])):
                for dc in range(int(cell["colspan"])):
                    taken.add((r + dr, c + dc))
            out.append((r, c, cell))
            c += int(cell["colspan"])
    return out


def column_widths(
    cells: list[tuple[int, int, dict[str, Any]]],
    count: int,
    hints: list[float] | None = None,
    width: float = TABLE_WIDTH_CM,
) -> list[float]:
    """Widths in cm filling the page: the official layout's proportions when given, else each column as
    wide as its longest one-column text wants (capped); never narrower than a score such as 100.00 needs,
    only the wide columns giving way when space is short."""
    need = [MIN_COLUMN_CM] * count
    if hints and len(hints) == count:
        need = [max(MIN_COLUMN_CM, width * h / sum(hints)) for h in hints]
        cells = []
    for _, c, cell in cells:
        if int(cell["colspan"]) == 1:
            longest = max((display_width(part) for part in str(cell["text"]).split("\n")), default=0)
            need[c] = max(need[c], min(longest, 24) * HALF_CHAR_CM + CELL_PADDING_CM)
    total = sum(need)
    if total <= width:
        return [w * width / total for w in need]
    flexible = sum(w - MIN_COLUMN_CM for w in need)
    shrink = (total - width) / flexible if flexible else 0
    return [w - (w - MIN_COLUMN_CM) * shrink for w in need]


def _borders(table: Any) -> None:
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "4")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    properties.append(borders)


def _keep_row_on_one_page(row: Any) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def add_form_table(
    document: Any,
    rows: list[list[dict[str, Any]]],
    hints: list[float] | None = None,
    width: float = TABLE_WIDTH_CM,
) -> Any:
    """Append one attachment's table to ``document`` (a python-docx Document or docxtpl Subdoc)."""
    cells = positioned(rows)
    count = max((c + int(cell["colspan"]) for _, c, cell in cells), default=1)
    table = document.add_table(rows=len(rows), cols=count)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    widths = column_widths(cells, count, hints, width)
    for i, column in enumerate(table.columns):
        column.width = Cm(widths[i])
    # Merge by writing w:gridSpan / w:vMerge on the cells of a plain grid: python-docx's cell() and
    # merge() rescan the whole table on every call, which takes minutes on a form of 30 rows.
    grid = [list(row._tr.tc_lst) for row in table.rows]
    for row in table.rows:
        _keep_row_on_one_page(row)
    for r, c, spec in cells:
        rowspan, colspan = int(spec["rowspan"]), int(spec["colspan"])
        for dr in range(rowspan):
            tc = grid[r + dr][c]
            tc.width = Cm(sum(widths[c : c + colspan]))
            if colspan > 1:
                tc.grid_span = colspan
                for covered in grid[r + dr][c + 1 : c + colspan]:
                    covered.getparent().remove(covered)
            if rowspan > 1:
                tc.vMerge = "restart" if dr == 0 else "continue"
        cell = _Cell(grid[r][c], table)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        text = str(spec["text"])
        paragraph.alignment = (
            WD_ALIGN_PARAGRAPH.CENTER if spec["header"] or len(text) <= 12 else WD_ALIGN_PARAGRAPH.LEFT
        )
        paragraph.paragraph_format.first_line_indent = Cm(0)
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        paragraph.add_run(text).font.size = Pt(TABLE_FONT_PT)
    return table
