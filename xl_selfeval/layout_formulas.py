"""The formulas our own layout gives a form's derived cells, when the sheet is recognisably ours (made by new)."""

from __future__ import annotations

from xl_selfeval.cells import CellRef
from xl_selfeval.forms.place import FormContent, place
from xl_selfeval.model import Form

MIN_MATCHES = 2  # formulas of ours found as written: one alone could be a coincidence of a typed form


def _block_sizes(form: Form) -> dict[str, list[dict[str, object]]]:
    """Each repeatable block as many rows tall as the sheet has (filled and blank rows alike)."""
    sizes: dict[str, list[dict[str, object]]] = {}
    for name, rows in form.blocks.items():
        numbers = {r.row for r in rows} | (set(form.blank_rows) if name == "indicators" else set())
        if numbers:
            sizes[name] = [{} for _ in range(max(numbers) - min(numbers) + 1)]
    return sizes


def layout_formulas(form: Form) -> dict[CellRef, str]:
    """Our layout's formula (with its "=") for every derived cell of ``form`` that holds a constant, or {}
    when the sheet is not ours: every derived formula still in it must be exactly ours, in our cells."""
    placement = place(FormContent(form.layout, form.year or 2000, blocks=_block_sizes(form)))
    placed = {
        cell.key: ((cell.row, cell.col), cell.value)
        for cell in placement.cells
        if cell.key and isinstance(cell.value, str) and cell.value.startswith("=")
    }
    restorable: dict[CellRef, str] = {}
    matches = 0
    for key, (where, formula) in placed.items():
        f = form.get(key)
        if f is None:
            continue
        if (f.ref.row, f.ref.col) != where:
            return {}
        if f.is_formula:
            if "=" + (f.cell.formula or "") != formula:
                return {}
            matches += 1
        else:
            restorable[f.ref] = formula
    return restorable if matches >= MIN_MATCHES else {}
