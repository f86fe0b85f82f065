"""Finds the official forms in any grid by their labels and reads every field into a Form model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xl_selfeval.cells import CellRef
from xl_selfeval.forms.layout import EntryRow, IndicatorBlock, PairedList, Table, TextBlock, TotalRow
from xl_selfeval.grid import Grid
from xl_selfeval.labels import is_our_sheet
from xl_selfeval.model import Form
from xl_selfeval.read_anchors import find_anchors, form_bounds
from xl_selfeval.read_cells import FormReading
from xl_selfeval.read_fields import (
    read_closing,
    read_entry_row,
    read_header_total,
    read_paired_list,
    read_text_block,
    read_total_row,
)
from xl_selfeval.read_indicators import read_indicators
from xl_selfeval.read_region import SheetIndex
from xl_selfeval.read_tables import read_table

# How each kind of section is read; notes carry nothing to read.
_SECTION_READERS: dict[type, Callable[[FormReading, Any], None]] = {
    EntryRow: read_entry_row,
    Table: read_table,
    PairedList: read_paired_list,
    TextBlock: read_text_block,
    IndicatorBlock: read_indicators,
    TotalRow: read_total_row,
}


def _read_form(reading: FormReading, tail: bool) -> Form:
    """Every section of the form; a form's tail (its head not on the sheet) has no 总分 we can check."""
    reading.form.head_missing = tail
    for section in reading.layout.sections:
        reader = _SECTION_READERS.get(type(section))
        if reader is not None and not (tail and isinstance(section, TotalRow)):
            reader(reading, section)
    read_closing(reading, reading.layout.closing)
    if not tail:
        read_header_total(reading, reading.layout.total_row)
    return reading.form


def read_forms(grids: list[Grid]) -> list[Form]:
    """Every form found in the workbook, in sheet order then top to bottom (left to right in a band)."""
    forms: list[Form] = []
    for grid in grids:
        if not grid.cells or is_our_sheet(grid.name, grid.cell(1, 1).value):
            continue  # 问题清单 and the record sheet are ours, not forms
        sheet = SheetIndex(grid)  # each sheet sorted and its labels read once, whatever the forms on it
        anchors = find_anchors(sheet)
        for anchor in anchors:
            reading = FormReading(sheet, anchor.layout, form_bounds(anchor, anchors, sheet), anchor)
            if anchor.title:
                reading.form.title_ref = CellRef(grid.name, anchor.row, anchor.col)
            forms.append(_read_form(reading, anchor.tail))
    return forms


__all__ = ["read_forms"]
