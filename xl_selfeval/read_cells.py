"""One form being read: its area on the sheet, the Form filled so far, and how a labelled cell becomes a Field."""

from __future__ import annotations

from xl_selfeval.cells import CellRef
from xl_selfeval.forms.layout import FormLayout
from xl_selfeval.grid import EMPTY
from xl_selfeval.model import Field, Form
from xl_selfeval.read_anchors import Anchor
from xl_selfeval.read_region import Hit, Region, SheetIndex
from xl_selfeval.values import BLANK, Value, parse_value


class FormReading:
    """The state the section readers share; sections are read top to bottom, `cursor` marks how far."""

    def __init__(
        self, sheet: SheetIndex, layout: FormLayout, bounds: tuple[int, int, int, int], anchor: Anchor
    ):
        top, bottom, left, right = bounds
        grid = self.grid = sheet.grid
        self.layout = layout
        self.region = Region(sheet, top, bottom, left, right)
        title_ref = CellRef(grid.name, top, sheet.first_col.get(top, 1)) if anchor.title else None
        self.form = Form(layout, grid.name, anchor.title, anchor.year, title_ref)
        self.cursor = top
        self.cells = grid.cells
        self.tops = grid.top_lefts()  # read once: merges do not change while a form is read

    def filled(self, row: int, col: int | None) -> bool:
        """Whether the cell holds a value or a formula."""
        if col is None:
            return False
        cell = self.cells.get((row, col), EMPTY)
        return cell.value not in (None, "") or cell.formula is not None

    def field_at(self, key: str, row: int, col: int, inline: Value | None = None) -> Field:
        """The Field of the cell at (row, col), or of the amount typed in its label, recorded under `key`."""
        f = self._field(key, row, col, inline)
        self.form.fields[key] = f
        return f

    def block_field(self, key: str, row: int, col: int) -> Field:
        """A cell of a block row: it lives in its block, not among the form's fields."""
        self.form.fields.pop(key, None)  # as if recorded and taken back, should a field share its key
        return self._field(key, row, col, None)

    def _field(self, key: str, row: int, col: int, inline: Value | None) -> Field:
        pos = (row, col)
        pos = self.tops.get(pos, pos)
        ref = CellRef(self.grid.name, *pos)
        if inline is not None:
            return Field(key, ref, EMPTY, inline, True)
        cell = self.cells.get(pos, EMPTY)
        value = cell.value
        return Field(key, ref, cell, BLANK if value is None else parse_value(value, cell.number_format))

    def value_in_span(self, row: int, c1: int, c2: int) -> int:
        """Column of the first non-empty cell of the row within [c1, c2]; c1 when all are empty."""
        tops = self.tops
        for c in range(c1, c2 + 1):
            r, cc = tops.get((row, c), (row, c))
            if self.filled(r, cc):
                return cc
        return c1

    def value_right_of(self, hit: Hit, stop: int | None = None) -> int:
        """Column of the first filled cell right of a label on its row (before `stop`); else the next one."""
        _, c2 = self.region.span(hit.row, hit.col)
        last = stop - 1 if stop else max(self.region.right, c2 + 1)
        for c in range(c2 + 1, last + 1):
            r, cc = self.grid.top_left(hit.row, c)
            if r == hit.row and self.filled(r, cc):
                return cc
        return c2 + 1
