"""Cells grouped into as few Excel ranges as possible, and text Excel would not turn into a number."""

from __future__ import annotations

import re
from collections.abc import Iterable

from xl_selfeval.cells import address, column_letter, parse_range

Cell = tuple[int, int]  # (row, column), 1-based
Box = tuple[int, int, int, int]  # (top, left, bottom, right)

# Excel's Range("…") refuses a longer address text, so a union of areas is split into chunks below it.
MAX_ADDRESS = 255

# Typed into a cell (and Range.Value assigned from COM is "typed"), such text becomes a number, a date,
# a time, a percentage or a truth value. Digits with only these characters around them are treated as
# risky; anything with another letter or a CJK word such as 万元 stays text in Excel anyway.
_NUMBER_LIKE = re.compile(
    r"[\s0-9.,%/:()$¥￥€£+\-eE年月日时分秒上下午AaPpMm]*[0-9][\s0-9.,%/:()$¥￥€£+\-eE年月日时分秒上下午AaPpMm]*"
)
_TRUTH = frozenset({"TRUE", "FALSE", "真", "假"})


def as_text(text: str) -> str:
    """``text`` as written into a cell so that Excel keeps it as that text: a leading apostrophe (Excel's
    own "store as text" mark, not part of the value) before anything that would become a formula
    (= + - @), a number, a date or a truth value. Other text is written unchanged."""
    if not text:
        return text
    risky = (
        text[0] in "=+-@'"  # an apostrophe of the user's own would otherwise be taken as the mark
        or text.strip().upper() in _TRUTH
        or _NUMBER_LIKE.fullmatch(text) is not None
    )
    return "'" + text if risky else text


def parse_address(text: str) -> Box:
    """'$C$3:$H$40' (or '$A$1') as (top, left, bottom, right)."""
    return parse_range(text)


def box_address(box: Box) -> str:
    top, left, bottom, right = box
    if (top, left) == (bottom, right):
        return address(top, left)
    return f"{address(top, left)}:{address(bottom, right)}"


def column_range(col: int) -> str:
    letters = column_letter(col)
    return f"{letters}:{letters}"


def boxes(cells: Iterable[Cell]) -> list[Box]:
    """Rectangles covering exactly ``cells``: runs along each row, then equal runs in consecutive rows
    stacked. Not the fewest possible rectangles, but adjacent flagged cells (a row of a table, a column
    of scores) come out as one."""
    by_row: dict[int, list[int]] = {}
    for row, col in set(cells):
        by_row.setdefault(row, []).append(col)
    runs: list[Box] = []
    for row in sorted(by_row):
        cols = sorted(by_row[row])
        start = previous = cols[0]
        for col in cols[1:]:
            if col != previous + 1:
                runs.append((row, start, row, previous))
                start = col
            previous = col
        runs.append((row, start, row, previous))
    stacked: dict[tuple[int, int], Box] = {}  # (left, right) -> the rectangle growing downwards
    done: list[Box] = []
    for top, left, bottom, right in runs:
        growing = stacked.get((left, right))
        if growing is not None and growing[2] == top - 1:
            stacked[(left, right)] = (growing[0], left, bottom, right)
            continue
        if growing is not None:
            done.append(growing)
        stacked[(left, right)] = (top, left, bottom, right)
    return sorted([*done, *stacked.values()])


def unions(found: Iterable[Box], limit: int = MAX_ADDRESS) -> list[str]:
    """The boxes as few comma-joined addresses ('A1:C1,E5'), each at most ``limit`` characters."""
    chunks: list[str] = []
    current = ""
    for box in found:
        part = box_address(box)
        if current and len(current) + 1 + len(part) > limit:
            chunks.append(current)
            current = ""
        current = f"{current},{part}" if current else part
    if current:
        chunks.append(current)
    return chunks
