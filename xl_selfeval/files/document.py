"""What any readable file becomes (its grids, its paragraphs, its kind), and refusals naming the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xl_selfeval.errors import UserError
from xl_selfeval.files.xlsx import _TOO_BIG, Limits, _printable, _Refused
from xl_selfeval.grid import Grid

__all__ = ["Document", "count_cells", "refused_error"]


@dataclass
class Document:
    """One file as the core reads it: every table as a Grid, and for Word files the body text too."""

    grids: list[Grid]
    paragraphs: list[str] = field(default_factory=list)  # body paragraphs in order; [] for spreadsheets
    source_kind: str = "xlsx"  # xlsx, xls, ods, docx, or the suffix of a converted file (doc, et, wps, xlsb)
    notes: list[str] = field(default_factory=list)  # Chinese remarks on what was read differently


def refused_error(path: Path, exc: _Refused, replace: dict[str, str] | None = None) -> UserError:
    """The UserError naming ``path`` for a refusal; ``replace`` swaps a spreadsheet wording for another."""
    template = (replace or {}).get(exc.template, exc.template)
    return UserError(template.format(name=_printable(path.name or str(path)), **exc.details))


def count_cells(counted: int, limits: Limits) -> int:
    """``counted`` cells so far, refused beyond the limit."""
    if counted > limits.max_cells:
        raise _Refused(_TOO_BIG, what=f"超过 {limits.max_cells} 个单元格")
    return counted
