"""The 问题清单 sheet as a spec built once from a marks Plan, for every door to write as it is: cells,
styles, column widths, row heights, links, frozen header, filter and print setup."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from xl_selfeval.cells import column_letter
from xl_selfeval.forms.printing import display_width
from xl_selfeval.marks import ISSUE_HEADERS, ISSUE_LINK_COLUMN, LIST_SHEET, LIST_TITLE, Plan

FONT = "宋体"  # what printed government forms use; LibreOffice maps it to a CJK serif
FONT_SIZE = 11
TITLE_SIZE = 14
HEADER_FILL = "FFD9D9D9"  # ARGB
LINK_COLOUR = "FF0563C1"  # Excel's own hyperlink blue
MAX_WIDTH = 60  # characters; longer texts wrap
LINE_HEIGHT = 15.0  # points per wrapped line at FONT_SIZE
PAPER = "A4"
THREADED_NOTE = "（该单元格有批注串，未加批注）"


@dataclass(frozen=True)
class Link:
    """A link inside the workbook, written as a HYPERLINK formula built from a quoted sheet name and an
    address only (never from other text of the user), so it cannot become another formula."""

    location: str  # 'sheet'!A1 as marks.link_location makes it (quotes doubled)
    text: str  # what the cell shows: the same sheet!address

    @property
    def formula(self) -> str:
        return f'=HYPERLINK("#{_quoted(self.location)}","{_quoted(self.text)}")'


def _quoted(text: str) -> str:
    # Inside an Excel string literal a double quote is doubled; nothing else is special there.
    return text.replace('"', '""')


@dataclass(frozen=True)
class ListSheet:
    """问题清单 as a door writes it: ``rows`` from A1 down, every row ``width`` cells wide."""

    name: str
    rows: tuple[tuple[str | int | Link | None, ...], ...]
    header_row: int
    column_widths: tuple[float, ...]
    row_heights: Mapping[int, float] = field(default_factory=dict)  # only rows taller than one line

    @property
    def width(self) -> int:
        return len(ISSUE_HEADERS)

    @property
    def last_row(self) -> int:
        return len(self.rows)

    @property
    def last_column(self) -> str:
        return column_letter(self.width)

    @property
    def table(self) -> str:
        """The header row and the issues under it: bordered, filtered."""
        return f"A{self.header_row}:{self.last_column}{self.last_row}"

    @property
    def body(self) -> str | None:
        """The issue rows (wrapped, top-aligned), or None when there are none."""
        if self.last_row == self.header_row:
            return None
        return f"A{self.header_row + 1}:{self.last_column}{self.last_row}"

    @property
    def header(self) -> str:
        return f"A{self.header_row}:{self.last_column}{self.header_row}"

    @property
    def freeze_at(self) -> str:
        """The first cell below the frozen rows (title, summary and header stay in view)."""
        return f"A{self.header_row + 1}"

    @property
    def print_title_rows(self) -> str:
        """Rows repeated at the top of every printed page: the header."""
        return f"{self.header_row}:{self.header_row}"

    @property
    def links(self) -> list[tuple[int, int, Link]]:
        """(row, column, link) of every link cell, 1-based."""
        return [
            (r, c, value)
            for r, row in enumerate(self.rows, start=1)
            for c, value in enumerate(row, start=1)
            if isinstance(value, Link)
        ]


def wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a column ``width`` wide (its own line breaks kept)."""
    usable = max(int(width) - 1, 1)
    return sum(-(-display_width(part) // usable) or 1 for part in text.split("\n"))


def list_name(taken: Iterable[str]) -> str:
    """问题清单, or 问题清单（自评检查）… when the user has a sheet of that name (Excel ignores case)."""
    from xl_selfeval.naming import first_free, numbered

    used = {name.casefold() for name in taken}
    candidates = numbered(LIST_SHEET, lambda n: f"{LIST_SHEET}（自评检查{'' if n == 2 else n}）")
    return first_free(candidates, lambda name: name.casefold() in used)


def list_sheet(
    plan: Plan, taken: Iterable[str], *, backup: str = "", unnoted: Iterable[str] = ()
) -> ListSheet:
    """The spec of 问题清单 for ``plan``, named so as not to clash with ``taken`` sheet names. ``backup``
    says where the backup is; ``unnoted`` lists cell locations that got no note (threaded comments)."""
    skipped = set(unnoted)
    rows: list[tuple[str | int | Link | None, ...]] = [_row(LIST_TITLE)]
    rows += [_row(line.cells[0]) for line in plan.summary]
    if backup:
        rows.append(_row(backup + "。"))
    if skipped:
        rows.append(_row(f"有 {len(skipped)} 个单元格带有批注串（新版批注），未加批注，问题只列在下表中。"))
    rows.append(_row(None))
    header = len(rows) + 1
    rows.append(tuple(ISSUE_HEADERS))
    texts: list[tuple[str, ...]] = []
    for issue in plan.issues:
        cells = issue.cells
        if issue.link in skipped:
            cells = (*cells[:4], cells[4] + THREADED_NOTE, *cells[5:])
        texts.append(cells)
        first: str | int = int(cells[0]) if cells[0].isdigit() else cells[0]  # 序号 sorts as a number
        values: list[str | int | Link | None] = [first, *(text or None for text in cells[1:])]
        if issue.link:
            values[ISSUE_LINK_COLUMN] = Link(issue.link, cells[ISSUE_LINK_COLUMN])
        rows.append(tuple(values))
    widths = [display_width(title) for title in ISSUE_HEADERS]
    for shown in texts:
        for col, text in enumerate(shown):
            widths[col] = max(widths[col], *(display_width(part) for part in text.split("\n")))
    column_widths = tuple(float(min(w + 2, MAX_WIDTH)) for w in widths)
    heights: dict[int, float] = {}
    for offset, shown in enumerate(texts, start=1):
        # Spreadsheets do not grow a row on their own when a file is opened: a long message would print
        # cut off without a height of its own.
        lines = max(wrapped_lines(text, column_widths[col]) for col, text in enumerate(shown))
        if lines > 1:
            heights[header + offset] = LINE_HEIGHT * lines + 2
    return ListSheet(list_name(taken), tuple(rows), header, column_widths, heights)


def _row(first: str | None) -> tuple[str | None, ...]:
    return (first or None, *([None] * (len(ISSUE_HEADERS) - 1)))
