"""Recomputes a form's derived figures from its layout expressions, in Decimal, rounded like Excel."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import wraps
from typing import TypeVar

from xl_selfeval.forms.layout import (
    BlockSum,
    ExecutionScore,
    Expr,
    FormLayout,
    Ratio,
    Ref,
    Sum,
    Table,
    TotalRow,
)
from xl_selfeval.scoring import execution_rate, execution_score

Lookup = Callable[[str], Decimal | None]
ColumnLookup = Callable[[str, str], list[Decimal | None]]


_T = TypeVar("_T")
_MAX_LAYOUTS = 64


def per_layout(work: Callable[[FormLayout], _T]) -> Callable[[FormLayout], _T]:
    """Remember what ``work`` finds in a layout. Layouts are few and frozen, and every form of a batch asks
    the same of its layout many times; kept by identity (hashing a layout walks all of it), bounded."""
    known: dict[int, tuple[FormLayout, _T]] = {}

    @wraps(work)
    def call(layout: FormLayout) -> _T:
        hit = known.get(id(layout))
        if hit is not None and hit[0] is layout:
            return hit[1]
        out = work(layout)
        if len(known) >= _MAX_LAYOUTS:
            known.clear()
        known[id(layout)] = (layout, out)
        return out

    return call


@per_layout
def derived_cells(layout: FormLayout) -> Mapping[str, Expr]:
    """Every derived field of the form, by field key, in layout order (shared: read, never change)."""
    return _derived_cells(layout)


@per_layout
def execution_table(layout: FormLayout) -> Table | None:
    """The layout's table holding the 执行率 (FormLayout.execution_table, which searches the layout)."""
    return layout.execution_table


def _derived_cells(layout: FormLayout) -> dict[str, Expr]:
    out: dict[str, Expr] = {}
    for section in layout.sections:
        if isinstance(section, Table):
            for line in section.lines:
                for column, expr in line.derived.items():
                    out[section.field_key(line.key, column)] = expr
        elif isinstance(section, TotalRow):
            for column, expr in section.cells:
                out[f"{section.key}.{column}"] = expr
    return out


class Calculator:
    """Evaluates derived figures from the inputs, so a wrong intermediate figure never hides another.

    Where a total cannot be worked out from its parts (every part blank, or a part's row not found in
    the workbook), the figure typed in the total's own cell stands: the user's total is not the error.
    """

    def __init__(
        self,
        layout: FormLayout,
        inputs: Lookup,
        column: ColumnLookup,
        located: Callable[[str], bool] | None = None,
    ) -> None:
        self.derived = derived_cells(layout)
        self.inputs = inputs
        self.column = column
        self.located = located or (lambda key: True)
        self.cache: dict[str, Decimal | None] = {}
        self.worked_out: set[str] = set()  # keys whose figure came from their parts (see from_parts)

    def figure(self, key: str) -> Decimal | None:
        if key not in self.derived:
            return self.inputs(key)
        if key not in self.cache:
            self.cache[key] = None  # guards against a cycle in a layout
            expr = self.derived[key]
            value = self.evaluate(expr)
            if value is not None:
                self.worked_out.add(key)
            elif isinstance(expr, (Sum, BlockSum)):
                value = self.inputs(key)
            self.cache[key] = value
        return self.cache[key]

    def from_parts(self, key: str) -> bool:
        """Whether figure(key) was worked out from its parts rather than taken as typed."""
        if key not in self.derived:
            return False
        self.figure(key)
        return key in self.worked_out

    def evaluate(self, expr: Expr) -> Decimal | None:
        if isinstance(expr, Ref):
            return self.figure(expr.key)
        if isinstance(expr, Sum):
            if any(
                isinstance(t, Ref) and t.key not in self.derived and not self.located(t.key)
                for t in expr.terms
            ):
                return None  # a part's row is not in the workbook: the sum cannot be checked
            return _total([self.evaluate(t) for t in expr.terms])
        if isinstance(expr, BlockSum):
            return _total(self.column(expr.block, expr.column))
        if isinstance(expr, Ratio):
            num = self.evaluate(expr.num)
            return None if num is None else execution_rate(num, self.evaluate(expr.den))
        if isinstance(expr, ExecutionScore):
            return execution_score(self.evaluate(expr.weight) or Decimal(0), self.evaluate(expr.rate))
        raise TypeError(f"unknown expression {expr!r}")


def _total(terms: list[Decimal | None]) -> Decimal | None:
    """Like Excel's SUM, but blank (not 0) when every term is blank, so an empty form stays empty."""
    present = [t for t in terms if t is not None]
    return sum(present, Decimal(0)) if present else None
