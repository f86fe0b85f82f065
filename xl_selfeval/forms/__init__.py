"""The three official forms, each laid out once and shared by the generator and the reader."""

from __future__ import annotations

from xl_selfeval.forms import basic_data, department, project
from xl_selfeval.forms.layout import FormKind, FormLayout

BASIC_DATA = basic_data.LAYOUT
DEPARTMENT = department.LAYOUT
PROJECT = project.LAYOUT
ALL_LAYOUTS: tuple[FormLayout, ...] = (BASIC_DATA, DEPARTMENT, PROJECT)
BY_KIND: dict[FormKind, FormLayout] = {layout.kind: layout for layout in ALL_LAYOUTS}

__all__ = ["ALL_LAYOUTS", "BASIC_DATA", "BY_KIND", "DEPARTMENT", "PROJECT", "FormKind", "FormLayout"]
