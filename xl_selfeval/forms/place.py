"""Lays a form's sections out on a grid of rows and columns, with its content and formulas (no Excel library)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from xl_selfeval.cells import address, column_letter
from xl_selfeval.forms.layout import (
    BlockSum,
    Column,
    EntryRow,
    ExecutionScore,
    Expr,
    Fmt,
    FormLayout,
    IndicatorBlock,
    Note,
    PairedList,
    Ratio,
    Ref,
    Rule,
    Sum,
    Table,
    TextBlock,
    TotalRow,
    with_year,
)

TEXT_BLOCK_LINES = 3  # 年度总体目标: room to write a paragraph in a blank form
INDICATOR_LINES = 1.5  # an indicator row: room for a two-line 三级指标


class Role(Enum):
    CAPTION = "caption"  # 附件N, above the table
    TITLE = "title"
    NOTE = "note"  # 说明 / 备注 / signature line, below the table
    HEADER = "header"  # column headers and table captions
    LABEL = "label"  # row labels
    INPUT = "input"
    DERIVED = "derived"
    BLANK = "blank"  # inside the table, not part of the form


@dataclass
class FormContent:
    """What goes into one form: typed values by field key, and the rows of its repeatable blocks."""

    layout: FormLayout
    year: int
    values: dict[str, object] = field(default_factory=dict)
    blocks: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    sheet_name: str = ""


@dataclass
class PlacedCell:
    row: int
    col: int
    role: Role
    value: object = None  # text, number, or "=formula"
    fmt: Fmt = Fmt.TEXT
    key: str = ""  # field key for inputs and derived cells
    rule: Rule | None = None  # data validation, when not the one of its kind (fmt.rule)


@dataclass
class Placement:
    cells: list[PlacedCell] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    title_rows: tuple[int, int] = (1, 2)
    last_row: int = 0
    min_lines: dict[int, float] = field(default_factory=dict)  # room for free text, in lines, by row
    repeat_row: int = 0  # the indicator table's column headers, repeated on every printed page
    break_before: list[int] = field(default_factory=list)  # rows a printed page may start with
    # Where a 一级指标 block taller than a page may be cut (its 二级 groups, then its rows).
    fallback_breaks: list[int] = field(default_factory=list)


@dataclass
class _Block:
    first: int  # first row of the block
    last: int
    columns: dict[str, int]  # column key -> sheet column


class _Placer:
    def __init__(self, content: FormContent) -> None:
        self.content = content
        self.layout = content.layout
        self.year = content.year
        self.out = Placement()
        self.row = 1
        self.blocks: dict[str, _Block] = {}
        self.pending: list[tuple[PlacedCell, Expr]] = []

    # -- primitives -------------------------------------------------------
    def text(self, template: str) -> str:
        return with_year(template, self.year)

    def put(self, row: int, col: int, span: int, cell: PlacedCell, height: int = 1) -> PlacedCell:
        cell.row, cell.col = row, col
        self.out.cells.append(cell)
        if span > 1 or height > 1:
            self.out.merges.append((row, col, row + height - 1, col + span - 1))
        for r in range(row, row + height):
            for c in range(col, col + span):
                if (r, c) != (row, col):
                    # Covered cells share the role (borders, locking) of the merged cell.
                    self.out.cells.append(PlacedCell(r, c, cell.role, fmt=cell.fmt))
        if cell.key:
            self.out.positions[cell.key] = (row, col)
        return cell

    def field_cell(self, key: str, fmt: Fmt, derived: Expr | None, default: object = None) -> PlacedCell:
        if derived is not None:
            cell = PlacedCell(0, 0, Role.DERIVED, fmt=fmt, key=key)
            self.pending.append((cell, derived))
            return cell
        value = self.content.values.get(key, default)
        return PlacedCell(0, 0, Role.INPUT, value=value, fmt=fmt, key=key)

    # -- sections ---------------------------------------------------------
    def note(self, note: Note) -> None:
        role = {"caption": Role.CAPTION, "title": Role.TITLE}.get(note.style, Role.NOTE)
        span = 1 if role is Role.CAPTION else self.layout.width
        self.put(self.row, 1, span, PlacedCell(0, 0, role, self.text(note.text)))
        if role is Role.TITLE:
            self.out.title_rows = (1, self.row)
        self.row += 1

    def entry_row(self, entries: EntryRow, unit: str) -> None:
        col = 1
        for entry in entries.entries:
            self.put(self.row, col, entry.label_span, PlacedCell(0, 0, Role.LABEL, self.text(entry.label)))
            col += entry.label_span
            default = unit if entry.default_from_unit else None
            self.out.min_lines[self.row] = max(self.out.min_lines.get(self.row, 1), entry.lines)
            self.put(self.row, col, entry.value_span, self.field_cell(entry.key, entry.fmt, None, default))
            col += entry.value_span
        self.row += 1

    def table(self, table: Table) -> None:
        top = self.row
        col0 = 1 + table.caption_span + table.label_span
        self.put(top, 1, table.caption_span, PlacedCell(0, 0, Role.HEADER, self.text(table.caption)))
        if table.label_span:
            self.put(
                top,
                1 + table.caption_span,
                table.label_span,
                PlacedCell(0, 0, Role.HEADER, table.label_header),
            )
        self._headers(top, col0, table.columns)
        self.row += 1
        for line in table.lines:
            self._table_line(table, line, col0)
            if table.items and table.items.after == line.key:
                self._items(table, col0)
        if table.caption_down:
            self._merge_caption_down(top, table.caption_span)

    def _headers(self, row: int, col: int, columns: tuple[Column, ...]) -> None:
        for column in columns:
            self.put(row, col, column.span, PlacedCell(0, 0, Role.HEADER, self.text(column.header)))
            col += column.span

    def _table_line(self, table: Table, line, col0: int) -> None:  # type: ignore[no-untyped-def]
        row = self.row
        if not table.caption_down:
            self.put(row, 1, table.caption_span, PlacedCell(0, 0, Role.LABEL, self.text(line.label)))
        if table.label_span:
            self.put(
                row,
                1 + table.caption_span,
                table.label_span,
                PlacedCell(0, 0, Role.LABEL, self.text(line.label)),
            )
        col = col0
        for column in table.columns:
            key = table.field_key(line.key, column.key)
            if column.key in line.unused:
                self.put(row, col, column.span, PlacedCell(0, 0, Role.BLANK))
            else:
                cell = self.field_cell(
                    key, column.fmt, line.derived.get(column.key), line.default.get(column.key)
                )
                self.put(row, col, column.span, cell)
            col += column.span
        self.row += 1

    def _items(self, table: Table, col0: int) -> None:
        assert table.items is not None
        rows = self.content.blocks.get(table.items.key)
        if rows is None:
            rows = [{"label": label} for label in table.items.default_labels]
        rows = rows or [{}]  # a block is never empty: its sum would refer to itself
        first = self.row
        for item in rows:
            self.put(
                self.row,
                1,
                table.caption_span,
                PlacedCell(0, 0, Role.INPUT, item.get("label"), fmt=Fmt.TEXT),
            )
            col = col0
            for column in table.columns:
                self.put(
                    self.row, col, column.span, PlacedCell(0, 0, Role.INPUT, item.get(column.key), column.fmt)
                )
                col += column.span
            self.row += 1
        columns = {}
        col = col0
        for column in table.columns:
            columns[column.key] = col
            col += column.span
        self.blocks[table.items.key] = _Block(first, self.row - 1, columns)

    def _merge_caption_down(self, top: int, span: int) -> None:
        # The caption cell was placed with height 1; widen its merge down to the current row.
        self.out.merges = [m for m in self.out.merges if (m[0], m[1]) != (top, 1)]
        self.out.cells = [c for c in self.out.cells if not (c.col <= span and top < c.row < self.row)]
        for r in range(top + 1, self.row):
            for c in range(1, span + 1):
                self.out.cells.append(PlacedCell(r, c, Role.HEADER))
        self.out.merges.append((top, 1, self.row - 1, span))
        self.caption_top = top

    def paired_list(self, plist: PairedList) -> None:
        ll, la, rl, ra = plist.spans
        col = 1 + plist.indent
        # Two boxes, as on the official form: each heading spans its labels and their amounts.
        self.put(self.row, col, ll + la, PlacedCell(0, 0, Role.HEADER, plist.left_header))
        self.put(self.row, col + ll + la, rl + ra, PlacedCell(0, 0, Role.HEADER, plist.right_header))
        self.row += 1
        for (llabel, lkey), right in zip(plist.left, plist.right, strict=True):
            c = col
            self.put(self.row, c, ll, PlacedCell(0, 0, Role.LABEL, llabel))
            c += ll
            self.put(self.row, c, la, self.field_cell(f"{plist.key}.{lkey}", Fmt.AMOUNT, None))
            c += la
            if right is None:
                self.put(self.row, c, rl, PlacedCell(0, 0, Role.BLANK))
                self.put(self.row, c + rl, ra, PlacedCell(0, 0, Role.BLANK))
            else:
                rlabel, rkey = right
                self.put(self.row, c, rl, PlacedCell(0, 0, Role.LABEL, rlabel))
                self.put(self.row, c + rl, ra, self.field_cell(f"{plist.key}.{rkey}", Fmt.AMOUNT, None))
            self.row += 1
        if plist.indent:
            # Continues the caption of the table above (年度预算申请 spans its source rows too).
            top = getattr(self, "caption_top", self.row)
            self._merge_caption_down(top, plist.indent)

    def text_block(self, block: TextBlock) -> None:
        top = self.row
        self.put(top, 1, block.caption_span, PlacedCell(0, 0, Role.HEADER, block.caption), height=2)
        col = 1 + block.caption_span
        self._headers(top, col, block.columns)
        for column in block.columns:
            self.put(top + 1, col, column.span, self.field_cell(f"{block.key}.{column.key}", Fmt.TEXT, None))
            col += column.span
        self.out.min_lines[top + 1] = TEXT_BLOCK_LINES
        self.row += 2

    def indicators(self, block: IndicatorBlock) -> None:
        header = self.row
        self._headers(header, 2, block.columns)
        self.out.repeat_row = header
        self.row += 1
        rows = self.content.blocks.get(block.key) or [{}]
        first = self.row
        for i, item in enumerate(rows):
            self.out.min_lines[first + i] = INDICATOR_LINES
            if i and item.get("level1") and item.get("level1") != rows[i - 1].get("level1"):
                self.out.break_before.append(first + i)
            elif i:
                self.out.fallback_breaks.append(first + i)
        columns = {c.key: 2 + i for i, c in enumerate(block.columns)}
        weight_col = columns.get("weight")
        for item in rows:
            for column in block.columns:
                cell = PlacedCell(0, 0, Role.INPUT, item.get(column.key), column.fmt, rule=column.rule)
                if cell.rule and weight_col:
                    cell.rule = cell.rule.bound_to(address(self.row, weight_col))
                self.put(self.row, columns[column.key], 1, cell)
            self.row += 1
        self.blocks[block.key] = _Block(first, self.row - 1, columns)
        self._merge_groups(rows, first, columns)
        self.put(header, 1, 1, PlacedCell(0, 0, Role.HEADER, block.caption), height=self.row - header)

    def _merge_groups(self, rows: list[dict[str, object]], first: int, columns: dict[str, int]) -> None:
        """Merge equal consecutive 一级 (and, within them, 二级) labels vertically, as the form does."""

        def runs(keyfunc: Callable[[dict[str, object]], object]) -> list[tuple[int, int]]:
            spans, start = [], 0
            for i in range(1, len(rows) + 1):
                if i == len(rows) or keyfunc(rows[i]) != keyfunc(rows[start]) or not keyfunc(rows[i]):
                    if i - start > 1 and keyfunc(rows[start]):
                        spans.append((start, i - 1))
                    start = i
            return spans

        for key, keyfunc in (
            ("level1", lambda r: r.get("level1")),
            ("level2", lambda r: (r.get("level1"), r.get("level2")) if r.get("level2") else None),
        ):
            col = columns[key]
            for a, b in runs(keyfunc):
                self.out.merges.append((first + a, col, first + b, col))
                drop = {(first + i, col) for i in range(a + 1, b + 1)}
                for cell in self.out.cells:
                    if (cell.row, cell.col) in drop:
                        cell.value, cell.rule = None, None

    def total_row(self, total: TotalRow) -> None:
        block = self.blocks[total.block]
        self.out.break_before.append(self.row)
        self.put(self.row, 1, total.label_span, PlacedCell(0, 0, Role.HEADER, total.label))
        derived = {key: expr for key, expr in total.cells if key in total.shown}
        columns = sorted((col, key) for key, col in block.columns.items() if col > total.label_span)
        last_shown = max((col for col, key in columns if key in derived), default=0)
        if len(derived) == 1:
            # A lone total (附件2) takes the rest of the row, as on the official form.
            columns = [(col, key) for col, key in columns if col <= last_shown]
        for col, key in columns:
            span = self.layout.width - col + 1 if len(derived) == 1 and col == last_shown else 1
            if key in derived:
                cell = self.field_cell(f"{total.key}.{key}", Fmt.SCORE, derived[key])
                self.put(self.row, col, span, cell)
            else:
                self.put(self.row, col, span, PlacedCell(0, 0, Role.BLANK))
        self.row += 1

    # -- formulas ---------------------------------------------------------
    def formula(self, expr: Expr, at_row: int) -> str:
        if isinstance(expr, Ref):
            r, c = self.out.positions[expr.key]
            return address(r, c)
        if isinstance(expr, Sum):
            return "SUM(" + ",".join(self.formula(t, at_row) for t in expr.terms) + ")"
        if isinstance(expr, Ratio):
            den, num = self.formula(expr.den, at_row), self.formula(expr.num, at_row)
            # Blank, not 0% or #DIV/0!, until both figures are typed in.
            return f'IF(OR(N({den})=0,{num}=""),"",{num}/{den})'
        if isinstance(expr, ExecutionScore):
            rate, weight = self.formula(expr.rate, at_row), self.formula(expr.weight, at_row)
            return f'IF({rate}="","",ROUND({weight}*MIN({rate},1),2))'
        if isinstance(expr, BlockSum):
            block = self.blocks[expr.block]
            letter = column_letter(block.columns[expr.column])
            before, after = block.first - 1, block.last + 1
            start = "ROW()+1" if before == at_row else f"ROW(${letter}${before})+1"
            end = "ROW()-1" if after == at_row else f"ROW(${letter}${after})-1"
            return f"SUM(INDEX({letter}:{letter},{start}):INDEX({letter}:{letter},{end}))"
        raise TypeError(f"unknown expression {expr!r}")

    def run(self, unit: str) -> Placement:
        handlers: dict[type, Callable[[Any], None]] = {
            Note: self.note,
            EntryRow: lambda section: self.entry_row(section, unit),
            Table: self.table,
            PairedList: self.paired_list,
            TextBlock: self.text_block,
            IndicatorBlock: self.indicators,
            TotalRow: self.total_row,
        }
        for section in self.layout.sections:
            handlers[type(section)](section)
        for cell, expr in self.pending:
            cell.value = "=" + self.formula(expr, cell.row)
        self.out.last_row = self.row - 1
        return self.out


def place(content: FormContent, unit: str = "") -> Placement:
    """Where every label, input and formula of the form goes."""
    return _Placer(content).run(unit)
