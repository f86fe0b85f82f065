"""What the core knows of a form once read: its fields, block rows and where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from xl_selfeval.cells import CellRef
from xl_selfeval.forms.layout import FormKind, FormLayout
from xl_selfeval.grid import CellData
from xl_selfeval.units import Dimension, bare_rate
from xl_selfeval.values import Kind, Value


@dataclass(slots=True)
class Field:
    """One figure or text of a form, where it is and what it holds (slots: a reader makes one per cell)."""

    key: str
    ref: CellRef
    cell: CellData
    value: Value
    inline: bool = False  # read from a "label:amount" cell

    @property
    def is_formula(self) -> bool:
        return self.cell.is_formula

    @property
    def is_blank(self) -> bool:
        return self.value.kind is Kind.BLANK

    @property
    def number(self) -> Decimal | None:
        """The figure as a plain number (a rate as a fraction), or None if the cell holds no single figure."""
        q = self.value.quantity
        if self.value.kind is not Kind.NUMBER or q is None:
            return None
        return q.number

    @property
    def text(self) -> str:
        return self.value.raw


@dataclass
class BlockRow:
    """A row of a repeatable block: a 项目支出 item or an indicator."""

    row: int
    cells: dict[str, Field]
    level1: str = ""
    level2: str = ""

    def get(self, key: str) -> Field | None:
        return self.cells.get(key)


@dataclass
class Form:
    layout: FormLayout
    sheet: str
    title: str | None
    year: int | None
    title_ref: CellRef | None
    fields: dict[str, Field] = field(default_factory=dict)
    blocks: dict[str, list[BlockRow]] = field(default_factory=dict)
    blank_rows: list[int] = field(default_factory=list)  # indicator rows nobody filled
    cut_short: bool = False  # no indicator block found
    head_missing: bool = False  # the tail of a form whose head (title, 执行率) is not on the sheet
    # 一级 labels that state their weight ('产出指标(50分)'): (cell, 一级, points), for Σ三级分值 to meet.
    stated_weights: list[tuple[CellRef, str, Decimal]] = field(default_factory=list)
    # Every 一级 label of the indicator block as read, rows under it or not: (cell, 一级).
    level1_labels: list[tuple[CellRef, str]] = field(default_factory=list)
    score_decimals: int = 2  # the precision the form types its indicator scores to (1.4 → 1, 10 → 0)
    # Column headers whose year disagrees with the title's: (cell, the header as typed, as it should read).
    year_mismatches: list[tuple[CellRef, str, str]] = field(default_factory=list)

    @property
    def kind(self) -> FormKind:
        return self.layout.kind

    @property
    def display_name(self) -> str:
        if self.kind is FormKind.PROJECT:
            name = self.text("project_name")
            return f"{self.layout.name}（{name}）" if name else self.layout.name
        return self.layout.name

    def get(self, key: str) -> Field | None:
        return self.fields.get(key)

    def number(self, key: str) -> Decimal | None:
        f = self.fields.get(key)
        return f.number if f else None

    def text(self, key: str) -> str:
        f = self.fields.get(key)
        return f.text if f else ""

    def column(self, block: str, column: str) -> list[Decimal | None]:
        return [r.cells[column].number if column in r.cells else None for r in self.blocks.get(block, [])]


def rate_of(f: Field) -> Decimal | None:
    """A rate cell's figure as a fraction: 76.08% typed, 0.7608 with a % format, or a bare 76.08."""
    q = f.value.quantity
    if f.value.kind is not Kind.NUMBER or q is None:
        return None
    return bare_rate(q.number) if q.dimension is Dimension.PLAIN else q.number
