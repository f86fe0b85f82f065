"""The xlwings door against autospecs of the real xlwings classes over workbooks read from real files."""

from __future__ import annotations

import datetime as dt
import inspect
import io
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import MagicMock, PropertyMock, create_autospec

import pytest
import xlwings.main as xwm
from conftest import BLANK, EXAMPLE
from handtyped import build_handtyped
from openpyxl import load_workbook

import xl_selfeval.excel as ribbon
from xl_selfeval import marks
from xl_selfeval.cells import CellRef, address
from xl_selfeval.engine import run_engine
from xl_selfeval.errors import UserError
from xl_selfeval.excel import commands, door, ui
from xl_selfeval.excel.ranges import as_text, box_address, boxes, parse_address, unions
from xl_selfeval.files.marks import fill_token
from xl_selfeval.files.recalc import write_recalc
from xl_selfeval.files.xlsx import read_workbook
from xl_selfeval.findings import NOTE_MARKER, CellEdit, Finding, Outcome, Severity

Cell = tuple[int, int]
XL_MAX_ROW = 1_048_576
XL_MAX_COLUMN = 16_384

# --- a strict fake of xlwings: autospecs of its real classes over an in-memory workbook -------------------

# Members whose real xlwings implementation does not call into Excel (it only wraps Python objects).
LOCAL = frozenset({"Range.options"})
DATA_READS = frozenset({("Range.value", "get"), ("Range.formula", "get")})


class CallLog:
    """Every use of the fake: ('Class.member', 'get' | 'set' | 'call')."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []

    def add(self, member: str, kind: str) -> None:
        self.entries.append((member, kind))

    def count(self, member: str, kind: str | None = None) -> int:
        return sum(1 for m, k in self.entries if m == member and (kind is None or k == kind))

    @property
    def excel_calls(self) -> int:
        return sum(1 for m, _ in self.entries if m not in LOCAL)

    @property
    def data_reads(self) -> int:
        return sum(1 for entry in self.entries if entry in DATA_READS)

    def clear(self) -> None:
        self.entries.clear()


def notes_added(excel: FakeExcel) -> int:
    """Notes added: through xlwings' Range.add_note (a Mac) or COM's Range.AddComment (Windows)."""
    com = sum(1 for call in excel.com_calls if call.endswith(".AddComment"))
    return excel.log.count("Range.add_note") + com


def strict_mock(cls: type, log: CallLog, wired: dict[str, Callable[..., Any]]) -> Any:
    """create_autospec(cls, instance=True, spec_set=True) in which every public member of the real class
    fails unless the fake models it, every modelled member exists on the real class (a method or property
    real xlwings lacks fails the test), a read-only property cannot be set, and each use is logged."""
    label = cls.__name__
    unknown = sorted(name for name in wired if not hasattr(cls, name))
    assert not unknown, f"xlwings {label} has no {unknown}"
    mock, hooks = _POOL.take(cls)
    for name, (hook, static) in hooks.items():
        if isinstance(static, property):
            hook.side_effect = _property(label, name, static, wired.get(name), log)
        else:
            hook.side_effect = _method(label, name, wired.get(name), log)
    for name in MAGIC:
        if hasattr(cls, name):
            getattr(mock, name).side_effect = wired.get(name, _unmodelled(label, name))
    return mock


MAGIC = ("__iter__", "__len__", "__contains__", "__getitem__")


def _unmodelled(label: str, name: str) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"the door used {label}.{name}, which the fake does not model")

    return fail


class _MockPool:
    """Autospecs are slow to make (~30 ms each for Range), so each test reuses those of earlier tests,
    rewired: a mock handed out is never handed out again within the same FakeExcel."""

    def __init__(self) -> None:
        self.made: dict[type, list[tuple[Any, dict[str, tuple[Any, object]]]]] = {}
        self.used: dict[type, int] = {}

    def release_all(self) -> None:
        self.used.clear()

    def take(self, cls: type) -> tuple[Any, dict[str, tuple[Any, object]]]:
        made = self.made.setdefault(cls, [])
        index = self.used.get(cls, 0)
        self.used[cls] = index + 1
        if index == len(made):
            made.append(self._make(cls))
        return made[index]

    @staticmethod
    def _make(cls: type) -> tuple[Any, dict[str, tuple[Any, object]]]:
        mock = create_autospec(cls, instance=True, spec_set=True)
        hooks: dict[str, tuple[Any, object]] = {}
        for name in dir(cls):
            if name.startswith("_"):
                continue
            static = inspect.getattr_static(cls, name)
            if isinstance(static, property):
                hook = PropertyMock()
                setattr(type(mock), name, hook)  # each autospec instance has a class of its own
                hooks[name] = (hook, static)
            elif callable(getattr(mock, name, None)):
                hooks[name] = (getattr(mock, name), static)
        return mock, hooks


_POOL = _MockPool()


def _property(label: str, name: str, prop: property, fn: Callable[..., Any] | None, log: CallLog) -> Any:
    def access(*args: Any) -> Any:
        if args and prop.fset is None:
            raise AttributeError(f"xlwings {label}.{name} is read-only")
        log.add(f"{label}.{name}", "set" if args else "get")
        if fn is None:
            raise AssertionError(f"the door used {label}.{name}, which the fake does not model")
        return fn(*args)

    return access


def _method(label: str, name: str, fn: Callable[..., Any] | None, log: CallLog) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        log.add(f"{label}.{name}", "call")
        if fn is None:
            raise AssertionError(f"the door called {label}.{name}, which the fake does not model")
        return fn(*args, **kwargs)

    return call


def prop(get: Callable[[], Any] | None = None, put: Callable[[Any], Any] | None = None) -> Callable[..., Any]:
    def access(*args: Any) -> Any:
        if args:
            assert put is not None, "the fake does not model setting this"
            return put(args[0])
        assert get is not None, "the fake does not model reading this"
        return get()

    return access


class ComShape:
    """A note's Comment.Shape through COM: its Width and Height, each set a round trip."""

    def __init__(self, excel: FakeExcel) -> None:
        object.__setattr__(self, "_excel", excel)

    def __setattr__(self, name: str, value: object) -> None:
        assert name in ("Width", "Height"), f"the fake models no Shape.{name}"
        self._excel.com_calls.append(f"Shape.{name}")
        object.__setattr__(self, name, value)


class ComComment:
    """A COM Comment (what Range.AddComment returns and Note.api is): only its Shape is modelled."""

    def __init__(self, excel: FakeExcel, shape: ComShape) -> None:
        self._excel, self._shape = excel, shape

    @property
    def Shape(self) -> ComShape:  # COM's name
        self._excel.com_calls.append("Comment.Shape")
        return self._shape


@dataclass
class FakeSheet:
    """One worksheet's state: what Excel holds, not what xlwings shows."""

    name: str
    values: dict[Cell, object] = field(default_factory=dict)
    formulas: dict[Cell, str] = field(default_factory=dict)  # "=…" of formula cells only
    formats: dict[Cell, str] = field(default_factory=dict)
    fills: dict[Cell, tuple[int, int, int]] = field(default_factory=dict)
    notes: dict[Cell, list[str]] = field(default_factory=dict)  # [text, author]
    links: dict[Cell, tuple[str, str]] = field(default_factory=dict)  # "#" + location inside the book, text
    visible: bool | str = True  # True, False or "very"
    used: str | None = None  # UsedRange's address when not the box of the cells, e.g. "1:5" (whole rows)
    looks: list[tuple[str, str, object]] = field(default_factory=list)  # (address, what, value) formatting
    note_shapes: dict[Cell, ComShape] = field(default_factory=dict)  # Comment.Shape, through COM
    threaded: set[Cell] = field(default_factory=set)  # cells with a Microsoft 365 threaded comment
    protection: dict[str, object] | None = None  # Worksheet.Protect's arguments while protected
    password: str = ""
    protect_calls: list[dict[str, object]] = field(default_factory=list)
    heights: dict[str, float] = field(default_factory=dict)  # row_height by address written
    page: SimpleNamespace = field(default_factory=SimpleNamespace)  # PageSetup through Sheet.api
    window: SimpleNamespace = field(default_factory=SimpleNamespace)  # the book window, through Sheet.api

    def check_writable(self, what: str) -> None:
        """Excel refuses to change a protected sheet's cells (Contents) or notes (DrawingObjects)."""
        if self.protection is not None and (self.protection["Contents"] or self.protection["DrawingObjects"]):
            raise RuntimeError(f"Excel: the sheet {self.name} is protected ({what})")

    def box(self) -> tuple[int, int, int, int]:
        cells = {*self.values, *self.formulas, *self.fills}
        if not cells:
            return 1, 1, 1, 1
        rows, cols = [r for r, _ in cells], [c for _, c in cells]
        return min(rows), min(cols), max(rows), max(cols)


def _is_error(value: object) -> bool:
    return isinstance(value, str) and (value == "#N/A" or re.fullmatch(r"#[A-Z0-9/]+[!?]", value) is not None)


def _typed(value: object) -> tuple[object, str | None]:
    """What Excel stores for Range.Value = value: (value, formula). Text is parsed as if typed."""
    if not isinstance(value, str):
        return (float(value) if isinstance(value, int) and not isinstance(value, bool) else value), None
    if value.startswith("'"):
        return value[1:], None
    if value.startswith("="):
        return None, value  # a live formula: what the door must never produce from text
    text = value.strip()
    try:
        return (float(text[:-1]) / 100 if text.endswith("%") else float(text.replace(",", ""))), None
    except ValueError:
        pass
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE", None
    return (value or None), None


def _shown_constant(value: object, number_format: str) -> str:
    """Range.Formula of a constant: the formula bar's text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if "%" in number_format:
            return f"{round(float(value) * 100, 10):g}%"
        return f"{float(value):.15g}"
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value.month}/{value.day}/{value.year}"
    return str(value)


class FakeExcel:
    """An Excel application with its books, reached only through strict mocks of xlwings' classes."""

    def __init__(self, platform: str = "win32") -> None:
        _POOL.release_all()
        self.platform = platform  # "win32": xlwings over COM; "darwin": over AppleScript (see range_mock)
        self.log = CallLog()
        self.screen_updating = True
        self.calculation = "automatic"
        self.calculations = 0  # App.calculate() calls
        self.format_writes: list[tuple[str, str]] = []  # ("color" | "number_format", address) as addressed
        self.com_links: list[dict[str, Any]] = []  # Hyperlinks.Add calls through Range.api (Windows)
        # Round trips made through an .api COM object (not xlwings calls, so not in log.excel_calls): the
        # notes added and sized. Protection and the list's print setup are not counted here.
        self.com_calls: list[str] = []
        self.status: str | bool = False
        self.status_history: list[str | bool] = []
        self.alerts: list[dict[str, Any]] = []
        self.answers: list[str] = []  # what the user clicks, in order; "ok" when empty
        self.books: list[FakeBook] = []
        self.opened: list[str] = []
        self.fail_on: set[str] = set()  # members that raise, e.g. {"Range.color:set"}
        self.state_at_failure: tuple[bool, str] | None = None
        self.states_when_adding: list[tuple[bool, str]] = []
        self.app = self._app()

    # -- the workbook state --------------------------------------------------------------------------
    def open_file(self, path: Path, name: str | None = None, *, marks_from_file: bool = False) -> FakeBook:
        """A book holding what read_workbook reads from ``path`` (and its fills and notes, if asked)."""
        sheets = []
        for grid in read_workbook(path):
            sheet = FakeSheet(grid.name)
            for cell, data in grid.cells.items():
                if data.value is not None:
                    sheet.values[cell] = data.value
                if data.formula is not None:
                    sheet.formulas[cell] = "=" + data.formula
                sheet.formats[cell] = data.number_format
            sheets.append(sheet)
        book = FakeBook(self, name or path.name, str(path), sheets)
        if marks_from_file:
            wb = load_workbook(path)
            for ws in wb.worksheets:
                sheet = book.sheet(ws.title)
                sheet.visible = {"visible": True, "hidden": False, "veryHidden": "very"}[ws.sheet_state]
                for (row, col), cell in ws._cells.items():
                    token = fill_token(cell.fill)
                    if token:
                        sheet.fills[(row, col)] = door.fill_rgb(token) or (0, 0, 0)
                    if cell.comment is not None:
                        sheet.notes[(row, col)] = [cell.comment.text, cell.comment.author or ""]
        self.books.append(book)
        return book

    def _check(self, member: str) -> None:
        if member in self.fail_on:
            self.state_at_failure = (self.screen_updating, self.calculation)
            raise RuntimeError(f"Excel refused {member}")

    # -- the mocks ------------------------------------------------------------------------------------
    def _app(self) -> Any:
        def set_status(value: str | bool) -> None:
            self.status = value
            self.status_history.append(value)

        def set_updating(value: bool) -> None:
            self.screen_updating = value

        def set_calculation(value: str) -> None:
            self._check("App.calculation:set")
            self.calculation = value

        def calculate() -> None:
            self.calculations += 1

        def alert(
            prompt: str,
            title: str | None = None,
            buttons: str = "ok",
            mode: str | None = None,
            callback: str | None = None,
        ) -> str:
            self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
            return self.answers.pop(0) if self.answers else "ok"

        return strict_mock(
            xwm.App,
            self.log,
            {
                "screen_updating": prop(lambda: self.screen_updating, set_updating),
                "calculation": prop(lambda: self.calculation, set_calculation),
                "calculate": calculate,
                "status_bar": prop(lambda: self.status, set_status),
                "alert": alert,
                "books": prop(self._books),
            },
        )

    def _books(self) -> Any:
        def open_book(fullname: Any = None, *args: Any, **kwargs: Any) -> Any:
            path = Path(fullname)
            assert path.is_file(), f"Books.open of a missing file: {path}"
            self.opened.append(str(path))
            return self.open_file(path).mock

        return strict_mock(xwm.Books, self.log, {"open": open_book})


class FakeBook:
    def __init__(self, excel: FakeExcel, name: str, fullname: str, sheets: list[FakeSheet]) -> None:
        self.excel = excel
        self.name = name
        self.fullname = fullname
        self.sheets = sheets
        self.active = sheets[0].name if sheets else ""
        self.saved = True
        self.saves: list[Any] = []
        self._sheet_mocks: dict[int, Any] = {}
        self._ranges: dict[tuple[int, str, tuple[tuple[str, Any], ...]], Any] = {}
        self.mock = strict_mock(
            xwm.Book,
            excel.log,
            {
                "name": prop(lambda: self.name),
                "fullname": prop(lambda: self.fullname),
                "sheets": prop(self._sheets),
                "app": prop(lambda: excel.app),
                "save": self._save,
                "api": prop(lambda: SimpleNamespace(Saved=self.saved)),
            },
        )

    def sheet(self, name: str) -> FakeSheet:
        return next(s for s in self.sheets if s.name == name)

    def _save(self, path: Any = None, password: Any = None) -> None:
        self.saves.append(path)
        self.saved = True

    def _sheets(self) -> Any:
        def add(name: str | None = None, before: Any = None, after: Any = None) -> Any:
            assert name is not None and before is None
            self.excel.states_when_adding.append((self.excel.screen_updating, self.excel.calculation))
            assert name.casefold() not in {s.name.casefold() for s in self.sheets}, name
            sheet = FakeSheet(name)
            index = len(self.sheets)
            if after is not None:
                index = next(i for i, s in enumerate(self.sheets) if self.sheet_mock(s) is after) + 1
            self.sheets.insert(index, sheet)
            self.active = name  # Excel activates a new sheet
            return self.sheet_mock(sheet)

        return strict_mock(
            xwm.Sheets,
            self.excel.log,
            {
                "__iter__": lambda: iter([self.sheet_mock(s) for s in self.sheets]),
                "__len__": lambda: len(self.sheets),
                "active": prop(lambda: self.sheet_mock(self.sheet(self.active))),
                "add": add,
            },
        )

    def sheet_mock(self, sheet: FakeSheet) -> Any:
        if id(sheet) in self._sheet_mocks:
            return self._sheet_mocks[id(sheet)]
        excel = self.excel

        def set_visible(value: bool) -> None:
            sheet.visible = bool(value)

        def delete() -> None:
            self.sheets.remove(sheet)
            if self.active == sheet.name:
                self.active = next(s.name for s in self.sheets if s.visible is True)

        def activate() -> None:
            excel._check("Sheet.activate")
            assert sheet.visible is True, "Excel cannot activate a hidden sheet"
            self.active = sheet.name

        def get_visible() -> bool | int:
            if excel.platform == "win32":  # COM's XlSheetVisibility, as xlwings passes it on
                return {True: -1, False: 0, "very": 2}[sheet.visible]
            return sheet.visible is True

        def set_api_visible(value: int) -> None:
            sheet.visible = {-1: True, 0: False, 2: "very"}[value]

        def protected(part: str) -> Any:
            return property(lambda _: bool(sheet.protection and sheet.protection[part]))

        def unprotect(password: str) -> None:
            if sheet.password and password != sheet.password:
                raise RuntimeError("Excel: the password you supplied is not correct")
            sheet.protection = None

        def protect(**options: Any) -> None:
            assert "Password" not in options, "a password-less sheet is protected again without one"
            sheet.protect_calls.append(options)
            sheet.protection = dict(options)

        class SheetApi:  # the COM Worksheet: Visible, protection, PageSetup and the book's window
            Visible = property(lambda _: sheet.visible, lambda _, value: set_api_visible(value))
            ProtectContents = protected("Contents")
            ProtectDrawingObjects = protected("DrawingObjects")
            ProtectScenarios = protected("Scenarios")
            ProtectionMode = protected("UserInterfaceOnly")
            Protection = property(lambda _: SimpleNamespace(**(sheet.protection or {})))
            PageSetup = property(lambda _: sheet.page)
            Parent = property(lambda _: SimpleNamespace(Windows=lambda n: sheet.window))

            def Unprotect(self, Password: str = "") -> None:
                unprotect(Password)

            def Protect(self, **options: Any) -> None:
                protect(**options)

        api = SheetApi()
        mock = strict_mock(
            xwm.Sheet,
            excel.log,
            {
                "name": prop(lambda: sheet.name),
                "used_range": prop(lambda: self.range_mock(sheet, sheet.used or box_address(sheet.box()))),
                "range": lambda cell1, cell2=None: self.range_mock(sheet, cell1, cell2),
                "notes": prop(lambda: self._notes_mock(sheet)),
                "visible": prop(get_visible, set_visible),
                "delete": delete,
                "activate": activate,
                "api": prop(lambda: api),
                "comments": prop(lambda: self._comments_mock(sheet)),
            },
        )
        self._sheet_mocks[id(sheet)] = mock
        return mock

    def _notes_mock(self, sheet: FakeSheet) -> Any:
        return strict_mock(
            xwm.Notes,
            self.excel.log,
            {"__iter__": lambda: iter([self._note_mock(sheet, cell) for cell in sorted(sheet.notes)])},
        )

    def _comments_mock(self, sheet: FakeSheet) -> Any:
        def comment(cell: Cell) -> Any:
            return strict_mock(
                xwm.Comment,
                self.excel.log,
                {"location": prop(lambda: self.range_mock(sheet, address(*cell)))},
            )

        return strict_mock(
            xwm.Comments,
            self.excel.log,
            {"__iter__": lambda: iter([comment(cell) for cell in sorted(sheet.threaded)])},
        )

    def _note_mock(self, sheet: FakeSheet, cell: Cell) -> Any:
        shape = sheet.note_shapes.setdefault(cell, ComShape(self.excel))

        def set_text(text: str) -> None:
            sheet.check_writable("note")
            sheet.notes[cell][0] = text

        def delete() -> None:
            del sheet.notes[cell]

        return strict_mock(
            xwm.Note,
            self.excel.log,
            {
                "text": prop(lambda: sheet.notes[cell][0], set_text),
                "author": prop(lambda: sheet.notes[cell][1]),
                "delete": delete,
                "location": prop(lambda: self.range_mock(sheet, address(*cell))),
                "api": prop(lambda: ComComment(self.excel, shape)),
            },
        )

    def range_mock(self, sheet: FakeSheet, cell1: Any, cell2: Any = None, **options: Any) -> Any:
        assert cell2 is None and isinstance(cell1, str), "the door addresses ranges by A1 text"
        assert len(cell1) <= 255, "Excel's Range() refuses an address longer than 255 characters"
        if self.excel.platform == "darwin":
            cell1 = _mac_address(cell1)
        key = (id(sheet), cell1, tuple(sorted(options.items())))
        if key not in self._ranges:
            self._ranges[key] = self._new_range(sheet, cell1, options)
        return self._ranges[key]

    def _new_range(self, sheet: FakeSheet, where: str, options: dict[str, Any]) -> Any:
        excel = self.excel
        areas = [_area(part) for part in where.split(",")]
        top, left, bottom, right = areas[0]
        single = len(areas) == 1 and (top, left) == (bottom, right)

        def cells() -> list[Cell]:
            assert all(b < XL_MAX_ROW for _, _, b, _ in areas), "no cell-by-cell work on whole columns"
            return [(r, c) for t, lc, b, rc in areas for r in range(t, b + 1) for c in range(lc, rc + 1)]

        def get_value() -> Any:
            assert options.get("ndim") == 2 and len(areas) == 1, "the door reads values as 2-D, one area"
            rows = []
            for r in range(top, bottom + 1):
                row = []
                for c in range(left, right + 1):
                    value = sheet.values.get((r, c))
                    if _is_error(value) and not options.get("err_to_str"):
                        value = None
                    elif isinstance(value, int) and not isinstance(value, bool):
                        value = float(value)  # COM hands numbers over as doubles
                    row.append(value)
                rows.append(row)
            return rows

        def set_value(data: Any) -> None:
            sheet.check_writable("value")
            assert len(areas) == 1
            if not single:
                excel._check("Range.value:set block")
            block = data if isinstance(data, list) else [[data]]
            assert len(block) == bottom - top + 1, "a 2-D write fills its range exactly"
            for i, row in enumerate(block):
                assert len(row) == right - left + 1
                for j, value in enumerate(row):
                    cell = (top + i, left + j)
                    stored, formula = _typed(value)
                    sheet.values.pop(cell, None)
                    sheet.formulas.pop(cell, None)
                    if stored is not None:
                        sheet.values[cell] = stored
                    if formula is not None:
                        sheet.formulas[cell] = formula

        def get_formula() -> Any:
            assert len(areas) == 1

            def text(cell: Cell) -> str:
                if cell in sheet.formulas:
                    return sheet.formulas[cell]
                return _shown_constant(sheet.values.get(cell), sheet.formats.get(cell, "General"))

            if single:
                return text((top, left))
            return tuple(tuple(text((r, c)) for c in range(left, right + 1)) for r in range(top, bottom + 1))

        def get_color() -> Any:
            found = {sheet.fills.get(cell) for cell in cells()}
            if len(found) > 1:
                # xlwings over COM: Interior.ColorIndex and .Color are Null for mixed fills, and
                # int_to_rgb(None) fails.
                raise TypeError("unsupported operand type(s) for &: 'NoneType' and 'int'")
            return found.pop()

        def set_color(rgb: Any) -> None:
            excel._check("Range.color:set")
            sheet.check_writable("fill")
            excel.format_writes.append(("color", where))
            for cell in cells():
                if rgb is None:
                    sheet.fills.pop(cell, None)
                else:
                    sheet.fills[cell] = tuple(rgb)

        def set_format(number_format: str) -> None:
            excel.format_writes.append(("number_format", where))
            for cell in cells():
                sheet.formats[cell] = number_format

        def get_note() -> Any:
            assert single
            return self._note_mock(sheet, (top, left)) if (top, left) in sheet.notes else None

        def add_note(text: str) -> Any:
            # As xlwings' own checks: one cell, non-empty text, no note there yet.
            assert single and text and (top, left) not in sheet.notes
            assert (top, left) not in sheet.threaded, "a note over a threaded comment replaces the thread"
            sheet.check_writable("note")
            sheet.notes[(top, left)] = [text, "会计本人"]  # Excel writes the user's name as the author
            return self._note_mock(sheet, (top, left))

        def add_hyperlink(
            address: str, text_to_display: str | None = None, screen_tip: str | None = None
        ) -> None:
            assert single
            sheet.links[(top, left)] = (address, text_to_display or "")

        # The COM Range (Windows only): a MagicMock whose Hyperlinks.Add is checked and recorded, so the
        # door's calls can be inspected; nothing else of it is modelled.
        api = MagicMock(name=f"Range({where!r}).api")

        def add_com_link(**kwargs: Any) -> Any:
            assert single and set(kwargs) <= {"Anchor", "Address", "SubAddress", "ScreenTip", "TextToDisplay"}
            assert kwargs["Anchor"] is api, "Hyperlinks.Add anchors the link on the range's own COM object"
            excel.com_links.append({"cell": (top, left), **kwargs})
            target = kwargs.get("Address") or ""
            if kwargs.get("SubAddress"):
                assert target == "", "a link inside the workbook has an empty Address"
                target = "#" + kwargs["SubAddress"]
            sheet.links[(top, left)] = (target, kwargs.get("TextToDisplay") or "")
            return MagicMock(name="Hyperlink")

        api.Hyperlinks.Add.side_effect = add_com_link

        def add_com_note(text: str) -> ComComment:
            # COM's Range.AddComment fails as xlwings' add_note checks: one cell, text, no note there yet.
            assert single and isinstance(text, str) and text and (top, left) not in sheet.notes
            assert (top, left) not in sheet.threaded, "a note over a threaded comment replaces the thread"
            excel.com_calls.append(f"Range({where}).AddComment")
            sheet.check_writable("note")
            sheet.notes[(top, left)] = [text, "会计本人"]
            return ComComment(excel, sheet.note_shapes.setdefault((top, left), ComShape(excel)))

        api.AddComment.side_effect = add_com_note
        windows = {"api": prop(lambda: api)} if excel.platform == "win32" else {}

        def look(what: str) -> Callable[[Any], None]:
            def put(value: Any) -> None:
                sheet.looks.append((where, what, value))

            return put

        def get_font() -> Any:
            return strict_mock(
                xwm.Font,
                excel.log,
                {
                    "bold": prop(put=look("bold")),
                    "size": prop(put=look("size")),
                    "name": prop(put=look("font")),
                    "color": prop(put=look("font_color")),
                },
            )

        return strict_mock(
            xwm.Range,
            excel.log,
            {
                "value": prop(get_value, set_value),
                "formula": prop(get_formula),
                "address": prop(lambda: ",".join(_absolute(a) for a in areas)),
                "row": prop(lambda: top),
                "column": prop(lambda: left),
                "shape": prop(lambda: (bottom - top + 1, right - left + 1)),
                "color": prop(get_color, set_color),
                "number_format": prop(put=set_format),
                "note": prop(get_note),
                "add_note": add_note,
                "add_hyperlink": add_hyperlink,
                "font": prop(get_font),
                "wrap_text": prop(put=look("wrap_text")),
                "vertical_alignment": prop(put=look("vertical_alignment")),
                "column_width": prop(put=look("column_width")),
                "row_height": prop(put=lambda h: sheet.heights.__setitem__(where, h)),
                "options": lambda convert=None, **more: self.range_mock(sheet, where, **{**options, **more}),
                **windows,
            },
        )


def _area(text: str) -> tuple[int, int, int, int]:
    text = text.replace("$", "")
    if re.fullmatch(r"[A-Z]{1,3}:[A-Z]{1,3}", text):  # whole columns, as for column widths
        first, last = text.split(":")
        left, right = parse_address(f"{first}1:{last}1")[1::2]
        return 1, left, XL_MAX_ROW, right
    if re.fullmatch(r"[0-9]+:[0-9]+", text):  # whole rows
        top, bottom = sorted(int(part) for part in text.split(":"))
        return top, 1, bottom, XL_MAX_COLUMN
    return parse_address(text)


def _absolute(area: tuple[int, int, int, int]) -> str:
    """An area as Range.Address gives it: "$C$3:$H$40", "$A$1", "$1:$5" (whole rows), "$A:$C"."""

    def one(row: int, col: int) -> str:
        letters = address(row, col).rstrip("0123456789")
        return f"${letters}${row}"

    top, left, bottom, right = area
    if (left, right) == (1, XL_MAX_COLUMN):
        return f"${top}:${bottom}"
    if (top, bottom) == (1, XL_MAX_ROW):
        return f"${address(1, left)[:-1]}:${address(1, right)[:-1]}"
    return one(top, left) if (top, left) == (bottom, right) else f"{one(top, left)}:{one(bottom, right)}"


def _mac_address(text: str) -> str:
    """What xlwings on a Mac addresses for Sheet.range(text) (_xlmac Sheet.range): the text up to its first
    ":" and, only when there is exactly one ":", the part after it. "A1:B1,C3:D4" becomes "A1", silently."""
    parts = text.split(":")
    found = parts[0] if len(parts) != 2 else text
    assert "," not in found, f"xlwings on a Mac would hand {found!r} to AppleScript as it is"
    return found


# --- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture
def excel(monkeypatch: pytest.MonkeyPatch) -> FakeExcel:
    """Excel on Windows (the add-in's platform) unless a test sets excel.platform = "darwin" before it
    opens a book; the door is told the same platform the fake plays."""
    fake = FakeExcel()
    monkeypatch.setattr(door, "on_windows", lambda: fake.platform == "win32")
    return fake


@pytest.fixture(autouse=True)
def log_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The log goes under a Chinese home folder of the test's own."""
    home = tmp_path / "用户" / "张会计"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("LOCALAPPDATA", raising=False)
    return home


@pytest.fixture(scope="module")
def handtyped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_handtyped(tmp_path_factory.mktemp("手工") / "手工录入-绩效自评.xlsx")


@pytest.fixture(params=["example", "handtyped"])
def workbook(request: pytest.FixtureRequest, handtyped: Path) -> Path:
    return EXAMPLE if request.param == "example" else handtyped


def finding_keys(outcome: Outcome) -> list[tuple[object, ...]]:
    return [(f.severity, f.code, str(f.cell), f.message, f.expected, f.actual) for f in outcome.findings]


def form_sheets(book: FakeBook, names: Iterable[str]) -> list[FakeSheet]:
    return [book.sheet(name) for name in names]


def snapshot(book: FakeBook) -> dict[str, object]:
    """What marks and clearing may change: sheets, their visibility, fills and notes."""
    return {
        "sheets": [(s.name, s.visible) for s in book.sheets],
        "fills": {s.name: dict(s.fills) for s in book.sheets},
        "notes": {s.name: {c: list(n) for c, n in s.notes.items()} for s in book.sheets},
    }


def sheet_rows(sheet: FakeSheet) -> list[list[object]]:
    _, _, bottom, right = sheet.box()
    return [[sheet.values.get((r, c)) for c in range(1, right + 1)] for r in range(1, bottom + 1)]


# --- reading: the same grids and findings as the file path ----------------------------------------------


def test_findings_equal_those_of_the_file_path(excel: FakeExcel, workbook: Path) -> None:
    book = excel.open_file(workbook)
    live = door.read_book(book.mock)
    file_grids = read_workbook(workbook)
    assert [g.name for g in live.grids] == [g.name for g in file_grids]
    for ours, theirs in zip(live.grids, file_grids, strict=True):
        assert {k: (c.value, c.is_formula) for k, c in ours.cells.items()} == {
            k: (c.value, c.is_formula) for k, c in theirs.cells.items()
        }, ours.name
        for cell, data in theirs.cells.items():
            if not data.is_formula and isinstance(data.value, (int, float)):
                assert ("%" in ours.cells[cell].number_format) == ("%" in data.number_format), cell
    assert finding_keys(run_engine(live.grids)) == finding_keys(run_engine(file_grids))
    assert excel.log.data_reads == 2 * len(file_grids)


def test_without_merged_ranges_only_the_blank_row_count_can_differ(excel: FakeExcel) -> None:
    """The documented cost of not reading merged ranges (door.py): on an unfilled template, blank rows
    under a merged 一级指标 caption are not counted as template rows. Every finding is still there."""
    book = excel.open_file(BLANK)
    ours = run_engine(door.read_book(book.mock).grids).findings
    theirs = run_engine(read_workbook(BLANK)).findings
    assert [(f.code, f.cell) for f in ours] == [(f.code, f.cell) for f in theirs]
    differ = [f.code for f, g in zip(ours, theirs, strict=True) if f.message != g.message]
    assert set(differ) <= {"blank_template_rows"}


def test_used_range_offset_and_single_cell_reads() -> None:
    grid = door.grid_from("附件1", 3, 3, [[12.0]], "=SUM(A1:A2)")
    assert grid.cells[(3, 3)].value == 12 and grid.cells[(3, 3)].formula == "SUM(A1:A2)"
    grid = door.grid_from("附件1", 5, 2, [["=abc", None, 0.5, ""]], (("=abc", "", "50%", '=""'),))
    assert grid.cells[(5, 2)].value == "=abc" and not grid.cells[(5, 2)].is_formula  # text typed as '=abc
    assert (5, 3) not in grid.cells
    assert grid.cells[(5, 4)].number_format == "0.00%"
    assert grid.cells[(5, 5)].is_formula and grid.cells[(5, 5)].value is None


def test_an_oversized_used_range_is_refused_in_chinese(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    book.sheets[0].fills[(XL_MAX_ROW, 30)] = (255, 255, 255)  # one formatted cell far away
    excel.log.clear()
    excel_module_recalc(book)
    (alert,) = excel.alerts
    assert book.sheets[0].name in alert["prompt"] and "已用区域过大" in alert["prompt"]
    assert excel.log.data_reads == 0


def test_a_used_range_of_whole_rows_is_read(excel: FakeExcel) -> None:
    """Rows formatted whole make UsedRange.Address "$1:$40", which is no box of cells to parse."""
    book = excel.open_file(EXAMPLE)
    sheet = book.sheets[0]
    top, _, bottom, _ = sheet.box()
    assert top == 1
    sheet.used = f"{top}:{bottom}"
    assert book.sheet_mock(sheet).used_range.address == f"${top}:${bottom}"
    live = door.read_book(book.mock)
    file_grids = read_workbook(EXAMPLE)
    for ours, theirs in zip(live.grids, file_grids, strict=True):
        assert {k: c.value for k, c in ours.cells.items()} == {k: c.value for k, c in theirs.cells.items()}


def test_a_used_range_of_whole_columns_is_refused_in_chinese(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    book.sheets[0].used = "A:H"  # "$A:$H": a million rows
    excel_module_recalc(book)
    (alert,) = excel.alerts
    assert "已用区域过大（到 H1048576）" in alert["prompt"] and excel.log.data_reads == 0


def excel_module_recalc(book: FakeBook) -> None:
    assert ribbon.recalc_caller(book.mock) is None


# --- writing: the same marks as the file door -----------------------------------------------------------


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_recalc_leaves_what_the_file_recalc_leaves(
    excel: FakeExcel, workbook: Path, tmp_path: Path, platform: str
) -> None:
    excel.platform = platform
    copy = tmp_path / workbook.name
    shutil.copy(workbook, copy)
    write_recalc(copy, run_engine(read_workbook(copy)), backup=False)
    book = excel.open_file(workbook, marks_from_file=True)
    excel_module_recalc(book)
    assert excel.alerts[0]["mode"] != "critical", excel.alerts

    wb = load_workbook(copy)
    assert [s.name for s in book.sheets] == wb.sheetnames
    # Very hidden needs COM: on a Mac the record sheet is merely hidden.
    states = {"visible": True, "hidden": False, "veryHidden": "very" if platform == "win32" else False}
    for ws in wb.worksheets:
        sheet = book.sheet(ws.title)
        assert sheet.visible == states[ws.sheet_state], ws.title
        fills, notes = {}, {}
        for (row, col), cell in ws._cells.items():
            token = fill_token(cell.fill)
            if token in marks.OUR_FILLS:
                fills[(row, col)] = door.fill_rgb(token)
            if cell.comment is not None:
                notes[(row, col)] = cell.comment.text
            if cell.data_type != "f" and cell.value is not None and ws.title != marks.RECORD_SHEET:
                assert sheet.values.get((row, col)) == cell.value, (ws.title, row, col)
            if cell.hyperlink is not None:
                assert sheet.links[(row, col)] == ("#" + cell.hyperlink.location, str(cell.value))
        ours = {c: rgb for c, rgb in sheet.fills.items() if door.fill_token(rgb) in marks.OUR_FILLS}
        assert ours == fills, ws.title
        assert {c: n[0] for c, n in sheet.notes.items()} == notes, ws.title
        if ws["A1"].value == marks.LIST_TITLE:
            _, _, bottom, right = sheet.box()
            shown = [
                [sheet.values.get((r, c), sheet.formulas.get((r, c))) for c in range(1, right + 1)]
                for r in range(1, bottom + 1)
            ]
            assert shown == [list(row) for row in ws.iter_rows(values_only=True)]  # links as HYPERLINK too
    # The record sheets agree, fills compared by colour: Excel reports no alpha, openpyxl keeps the file's.
    ours = book.sheet(marks.RECORD_SHEET).values
    theirs = wb[marks.RECORD_SHEET]
    assert len(sheet_rows(book.sheet(marks.RECORD_SHEET))) == theirs.max_row
    for (row, col), cell in theirs._cells.items():
        if marks.RECORD_HEADERS[col - 1] in ("原填充", "标记填充") and row > 1:
            assert door.fill_rgb(ours.get((row, col)) or "") == door.fill_rgb(cell.value or ""), (row, col)
        else:
            assert ours.get((row, col)) == cell.value, (row, col)


def test_recalc_call_counts(excel: FakeExcel, workbook: Path) -> None:
    book = excel.open_file(workbook)
    sheets = len(book.sheets)
    outcome = run_engine(read_workbook(workbook))
    flagged = len({f.cell for f in outcome.findings})
    excel_module_recalc(book)
    log = excel.log
    counts = Counter(member for member, _ in log.entries)
    print(  # shown with pytest -s, and in the report of a failure
        f"\n{workbook.name}: {sheets} sheets, {len(outcome.findings)} findings on {flagged} cells, "
        f"{len(outcome.edits)} edits -> {log.excel_calls} Excel calls, {log.data_reads} data reads; "
        f"{dict(counts.most_common())}"
    )
    assert log.data_reads == 2 * sheets  # one 2-D read of values and one of formulas per sheet
    assert log.count("Range.value", "set") <= len(outcome.edits) + 2
    assert notes_added(excel) + log.count("Note.text", "set") <= flagged
    assert log.count("Range.color", "get") <= flagged
    marked = len({f.cell for f in outcome.findings} | {e.cell for e in outcome.edits})
    assert log.excel_calls <= 3 * marked + PER_SHEET * sheets + PER_RUN
    log.clear()
    excel_module_recalc(book)  # the second run reads our notes and fills back: the same budget
    assert log.excel_calls <= 3 * marked + PER_SHEET * (sheets + 2) + PER_RUN


# Round trips that do not grow with the findings: per sheet, its read (used range, values, formulas,
# notes, threaded comments), its protection, and its fills read by expected colour (≤ 3 groups); per run,
# Excel's state, the two sheets of ours and the list's formatting.
PER_SHEET, PER_RUN = 20, 60


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_each_marked_cell_costs_at_most_three_round_trips(excel: FakeExcel, platform: str) -> None:
    """Windows (the add-in's platform): per marked cell its Range, its note (COM's AddComment through
    Range.api) and, where a figure is corrected, the value write; fills are read once per group of
    expected colour and written per colour, number formats per format, the list's links go inside its one
    block write. On a Mac xlwings cannot address a union of cells, so fills are written and number formats
    set cell by cell there; the fills of scattered cells are still read in one call when they agree."""
    excel.platform = platform

    def cost(count: int) -> tuple[tuple[int, int], tuple[int, int]]:
        book = excel.open_file(EXAMPLE)
        sheet = book.sheets[0]
        bottom = sheet.box()[2]
        # Scattered cells below the form (no two neighbours), half of them with a fix written.
        cells = [CellRef(sheet.name, bottom + 2 + 2 * (n // 5), 1 + 2 * (n % 5)) for n in range(count)]
        findings = [
            Finding(
                Severity.ERROR if n % 2 else Severity.WARNING,
                f"c{n}",
                cell,
                f"{cell} 问题{n}",
                form="附件1",
                fix=CellEdit(cell, Decimal(n), "0.00", None, "测试", "fill") if n % 2 else None,
            )
            for n, cell in enumerate(cells)
        ]
        outcome = Outcome(findings=findings)
        runs = []
        for _ in range(2):
            excel.log.clear()
            excel.com_calls.clear()
            commands.apply_outcome(door.read_book(book.mock), outcome, correct=True)
            runs.append((excel.log.excel_calls, len(excel.com_calls)))
        return runs[0], runs[1]

    few, many = cost(10), cost(110)
    print(
        f"\n{platform}: 10 marked cells -> {few} calls, 110 -> {many} ((xlwings, COM) first run, second run)"
    )
    first, second = many[0][0] - few[0][0], many[1][0] - few[1][0]
    chunks = 5  # union addresses are cut at 255 characters: a few more reads and writes of fills
    if platform == "win32":
        # First run, per cell: its Range, Range.api for the note, and for half of them the value written.
        assert first <= 100 * 2 + 50 + chunks
        # Through COM, per note: AddComment, and its box sized (Shape, Width, Height).
        assert many[0][1] - few[0][1] == 4 * 100
        # Second run, per cell: the note read back (text, location, address); nothing changes.
        assert second <= 3 * 100 + chunks
    else:
        # First run, per cell: its Range, its fill, its note; for half of them the value and its format.
        assert first <= 100 * 3 + 50 * 2 + chunks
        # Second run: the note read back (3) and, the marked cells' fills differing from their
        # neighbours', each cell's fill read (its Range and colour).
        assert second <= 100 * (3 + 2) + 50 + chunks


def _adjacent_outcome(book: FakeBook) -> tuple[str, Outcome]:
    """Ten findings with fixes on three neighbouring empty cells of the 附件3 sheet."""
    sheet = next(s for s in book.sheets if s.name.startswith("附件3"))
    row = sheet.box()[2] + 3
    cells = [CellRef(sheet.name, row, col) for col in (3, 4, 5)]
    findings, edits = [], []
    for n in range(10):
        cell = cells[n % 3]
        edit = CellEdit(cell, Decimal(n) / 4, "0.00", None, "测试", "fill") if n < 3 else None
        findings.append(Finding(Severity.ERROR, f"code{n}", cell, f"{cell} 问题{n}", form="附件3", fix=edit))
        if edit is not None:
            edits.append(edit)
    return sheet.name, Outcome(findings=findings, edits=edits)


def test_writes_follow_regions_not_cells(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    live = door.read_book(book.mock)
    name, outcome = _adjacent_outcome(book)
    excel.log.clear()
    result = commands.apply_outcome(live, outcome, correct=True)
    log = excel.log
    assert log.count("Range.value", "set") == 3  # the three cells, 问题清单, the record sheet
    assert log.count("Range.number_format", "set") == 1
    assert log.count("Range.color", "set") == 2  # the three cells, 问题清单's header row
    assert log.count("Range.color", "get") == 1  # the three cells' fills (to give back later) in one read
    assert notes_added(excel) == 3 and log.count("Range.add_note") == 0  # through COM on Windows
    # The links of 问题清单 are HYPERLINK formulas inside its one block write: no call per link.
    assert not excel.com_links and log.count("Range.add_hyperlink") == 0
    links = book.sheet("问题清单").formulas.values()
    assert len([f for f in links if f.startswith('=HYPERLINK("#')]) == 10
    sheet = book.sheet(name)
    row = sheet.box()[2]
    assert [sheet.values[(row, c)] for c in (3, 4, 5)] == [0, 0.25, 0.5]
    assert all(sheet.fills[(row, c)] == (0xFF, 0xC7, 0xCE) for c in (3, 4, 5))
    assert book.active == result.list_sheet == "问题清单"  # errors: the list is shown


def test_check_writes_no_values(excel: FakeExcel, handtyped: Path) -> None:
    book = excel.open_file(handtyped)
    before = {s.name: (dict(s.values), dict(s.formulas)) for s in book.sheets}
    assert run_engine(read_workbook(handtyped)).edits, "the hand-typed workbook needs corrections"
    assert ribbon.check_caller(book.mock) is None
    for name, (values, formulas) in before.items():
        assert (book.sheet(name).values, book.sheet(name).formulas) == (values, formulas), name
    for name in before:
        assert not any("已更正" in n[0] or "已填入" in n[0] for n in book.sheet(name).notes.values())
    listed = book.sheet("问题清单")
    assert listed.values[(1, 1)] == marks.LIST_TITLE
    assert not any("已更正" in str(v) for v in listed.values.values())
    assert "未修改任何数字" in excel.alerts[-1]["prompt"]


def test_clear_marks_removes_what_recalc_made(excel: FakeExcel, handtyped: Path) -> None:
    book = excel.open_file(handtyped)
    first = run_engine(read_workbook(handtyped)).findings[0].cell
    user = book.sheet(first.sheet)
    user.fills[(first.row, first.col)] = (255, 255, 0)
    user.notes[(first.row, first.col)] = ["请核对来源", "张会计"]
    before = snapshot(book)
    excel_module_recalc(book)
    after = snapshot(book)
    assert after != before
    assert book.sheet(marks.RECORD_SHEET).visible == "very"  # on Windows, see below
    note = user.notes[(first.row, first.col)]
    assert note[0].startswith(NOTE_MARKER) and note[0].endswith("请核对来源") and note[1] == "张会计"

    assert ribbon.clear_marks_caller(book.mock) is None
    assert snapshot(book) == before
    assert excel.alerts[-1]["prompt"] == "已清除全部检查标记和问题清单。"
    ribbon.clear_marks_caller(book.mock)
    assert excel.alerts[-1]["prompt"] == "没有需要清除的检查标记。"


def test_recalc_twice_changes_nothing_more(excel: FakeExcel, handtyped: Path) -> None:
    book = excel.open_file(handtyped)
    excel_module_recalc(book)
    first = snapshot(book), {s.name: dict(s.values) for s in book.sheets}
    excel.log.clear()
    excel.com_calls.clear()
    excel_module_recalc(book)
    assert (snapshot(book), {s.name: dict(s.values) for s in book.sheets}) == first
    assert excel.log.count("Range.color", "set") == 1  # only the new 问题清单's header row
    assert notes_added(excel) == excel.log.count("Note.text", "set") == 0


def test_a_workbook_marked_by_the_command_line_is_cleared_in_excel(excel: FakeExcel, tmp_path: Path) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    copy = tmp_path / "命令行重算过的.xlsx"
    shutil.copy(EXAMPLE, copy)
    first = run_engine(read_workbook(copy)).findings[0].cell
    wb = load_workbook(copy)
    wb[first.sheet][first.address].fill = PatternFill(fill_type="solid", fgColor="FF00B0F0")
    wb[first.sheet][first.address].comment = Comment("张会计的批注", "张会计")
    wb.save(copy)
    original = snapshot(excel.open_file(copy, marks_from_file=True))
    write_recalc(copy, run_engine(read_workbook(copy)), backup=False)

    book = excel.open_file(copy, marks_from_file=True)
    assert book.sheet(marks.RECORD_SHEET).visible == "very"
    ribbon.clear_marks_caller(book.mock)
    # The user's note comes back as a new note: its author is whoever runs Excel (xlwings cannot set it),
    # never "xl-selfeval", which wrote the note the command line left.
    note = book.sheet(first.sheet).notes[(first.row, first.col)]
    assert note == ["张会计的批注", "会计本人"]
    note[1] = "张会计"
    assert snapshot(book) == original


def test_text_is_written_as_text(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    live = door.read_book(book.mock)
    name = book.sheets[0].name
    row = book.sheets[0].box()[2] + 2
    texts = ["=SUM(A1:A9)", "61.46%", "-5", "+1", "@x", "'引号", "TRUE", "2024/1/1", "1701.93万元", "说明"]
    writes = [marks.ValueWrite(CellRef(name, row, col), text) for col, text in enumerate(texts, start=1)]
    door.write_values(live, [*writes, marks.ValueWrite(CellRef(name, row + 1, 1), 12.5, "0.00")])
    sheet = book.sheet(name)
    assert [sheet.values[(row, col)] for col in range(1, len(texts) + 1)] == texts
    assert not any(r == row for r, _ in sheet.formulas)
    assert sheet.values[(row + 1, 1)] == 12.5 and sheet.formats[(row + 1, 1)] == "0.00"
    assert excel.log.count("Range.value", "set") == 2  # one block per row


def test_a_block_excel_refuses_is_written_cell_by_cell(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    live = door.read_book(book.mock)
    name = book.sheets[0].name
    excel.fail_on.add("Range.value:set block")  # as Excel does for a block cutting through a merge
    door.write_values(live, [marks.ValueWrite(CellRef(name, 70 + n, 3), n * 1.5) for n in range(3)])
    assert [book.sheet(name).values[(70 + n, 3)] for n in range(3)] == [0, 1.5, 3.0]


def test_a_message_that_looks_like_a_formula_stays_text_in_the_list(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    live = door.read_book(book.mock)
    cell = CellRef(book.sheets[0].name, 60, 2)
    outcome = Outcome(
        findings=[Finding(Severity.WARNING, "c", cell, "=SUM(A1)", "=SUM(A1)", "-1", form="附件1")]
    )
    commands.apply_outcome(live, outcome, correct=True)
    listed = book.sheet("问题清单")
    assert "=SUM(A1)" in listed.values.values() and "-1" in listed.values.values()
    # The only formula is our link, built from the sheet name and address.
    assert list(listed.formulas.values()) == [f'=HYPERLINK("#\'{cell.sheet}\'!B60","{cell.sheet}!B60")']
    assert book.sheet(cell.sheet).notes[(60, 2)][0] == NOTE_MARKER + "警告：=SUM(A1)"


def test_notes_adapter(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    name = book.sheets[0].name
    sheet = book.sheet(name)
    sheet.notes[(40, 1)] = ["用户的批注", "张会计"]
    sheet.notes[(41, 1)] = [NOTE_MARKER + "旧的", "xl-selfeval"]
    live = door.read_book(book.mock)
    looks = [
        marks.Look(CellRef(name, 40, 1), "", NOTE_MARKER + "新的\n——原批注——\n用户的批注", marks.AUTHOR),
        marks.Look(CellRef(name, 41, 1), "", ""),
        marks.Look(CellRef(name, 42, 1), "FFFFEB9C", NOTE_MARKER + "加上的", marks.AUTHOR),
    ]
    excel.log.clear()
    door.apply_looks(live, looks, size_notes=True)
    assert sheet.notes[(40, 1)] == [looks[0].note, "张会计"]  # the same note: its author kept
    assert (41, 1) not in sheet.notes
    assert sheet.notes[(42, 1)][0] == looks[2].note
    assert sheet.fills[(42, 1)] == (0xFF, 0xEB, 0x9C) and (40, 1) not in sheet.fills
    assert sheet.note_shapes[(42, 1)].Width == door.NOTE_WIDTH and sheet.note_shapes[(42, 1)].Height > 20
    assert [e for e in excel.log.entries if e[0].startswith(("Note.", "Range.add_note", "Range.api"))] == [
        ("Note.text", "set"),  # the user's note now carries ours, so it keeps its author
        ("Note.api", "get"),  # sized (Windows)
        ("Note.delete", "call"),
        ("Range.api", "get"),  # a new note through COM's AddComment, sized through the Comment it returns
    ]
    assert excel.com_calls == [
        *("Comment.Shape", "Shape.Width", "Shape.Height"),
        f"Range({address(42, 1)}).AddComment",
        *("Comment.Shape", "Shape.Width", "Shape.Height"),
    ]


def test_the_record_sheet_is_very_hidden_on_windows(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    door.very_hide(book.sheet_mock(book.sheets[0]), windows=True)
    assert book.sheets[0].visible == "very"
    door.very_hide(book.sheet_mock(book.sheets[1]), windows=False)
    assert book.sheets[1].visible is False


def test_range_addresses_group_only_on_windows() -> None:
    found = [(1, 1, 1, 2), (3, 3, 4, 4), (6, 1, 6, 1)]
    assert door.range_addresses(found, grouped=True) == ["A1:B1,C3:D4,A6"]
    assert door.range_addresses(found, grouped=False) == ["A1:B1", "C3:D4", "A6"]


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_colours_and_formats_reach_every_cell(excel: FakeExcel, platform: str) -> None:
    """On a Mac, xlwings' Sheet.range("A1:B1,C3:D4") is A1 alone: there each box gets a call of its own."""
    excel.platform = platform
    book = excel.open_file(EXAMPLE)
    live = door.read_book(book.mock)
    sheet = book.sheets[0]
    row = sheet.box()[2] + 2
    cells = [(row, 1), (row, 2), (row + 2, 4), (row + 3, 4)]
    door.apply_looks(live, [marks.Look(CellRef(sheet.name, r, c), marks.FILL_ERROR, "") for r, c in cells])
    door.write_values(live, [marks.ValueWrite(CellRef(sheet.name, r, c), 1.5, "0.00") for r, c in cells])
    assert all(sheet.fills[cell] == (0xFF, 0xC7, 0xCE) for cell in cells)
    assert all(sheet.formats[cell] == "0.00" and sheet.values[cell] == 1.5 for cell in cells)
    parts = [f"A{row}:B{row}", f"D{row + 2}:D{row + 3}"]
    addresses = [",".join(parts)] if platform == "win32" else parts
    assert excel.format_writes == [
        *(("color", a) for a in addresses),
        *(("number_format", a) for a in addresses),
    ]


@pytest.mark.parametrize("caller", ["recalc_caller", "check_caller", "clear_marks_caller"])
@pytest.mark.parametrize("mode", ["manual", "semiautomatic", "automatic"])
def test_manual_calculation_is_brought_up_to_date_before_reading(
    excel: FakeExcel, handtyped: Path, caller: str, mode: str
) -> None:
    book = excel.open_file(handtyped)
    excel.calculation = mode
    getattr(ribbon, caller)(book.mock)
    assert excel.alerts[-1]["mode"] != "critical", excel.alerts
    if mode == "automatic":
        assert excel.calculations == 0
    else:
        assert excel.calculations == 1
        entries = excel.log.entries
        assert entries.index(("App.calculate", "call")) < entries.index(("Range.value", "get"))
    assert excel.calculation == mode  # the user's setting given back


@pytest.mark.parametrize("hidden", [False, "very"])
def test_clearing_shows_a_visible_sheet(excel: FakeExcel, handtyped: Path, hidden: bool | str) -> None:
    """问题清单 was active and is deleted: the sheet shown instead is the first visible one of the user's.
    A very hidden sheet is as truthy as a visible one in COM's Sheet.Visible (2 against -1)."""
    book = excel.open_file(handtyped)
    excel_module_recalc(book)
    book.active = "问题清单"
    first, second = book.sheets[0], book.sheets[1]
    first.visible = hidden
    ribbon.clear_marks_caller(book.mock)
    assert excel.alerts[-1]["prompt"] == "已清除全部检查标记和问题清单。"
    assert book.active == second.name and first.visible == hidden


def test_a_sheet_that_cannot_be_shown_does_not_fail_the_command(excel: FakeExcel, handtyped: Path) -> None:
    book = excel.open_file(handtyped)
    excel.fail_on.add("Sheet.activate")
    excel_module_recalc(book)
    (alert,) = excel.alerts
    assert alert["mode"] != "critical" and alert["prompt"].startswith("重新计算完成")
    assert "RuntimeError: Excel refused Sheet.activate" in ui.log_file().read_text("utf-8")


# --- Excel's state, the status bar, errors --------------------------------------------------------------


def test_status_bar_is_set_and_given_back(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE, name="示例工作簿.xlsx")
    excel_module_recalc(book)
    history = excel.status_history
    assert history[0] == "正在读取“示例工作簿.xlsx”…"
    assert "正在检查“示例工作簿.xlsx”…" in history
    assert history[-1] is False and excel.status is False


def test_excel_settings_are_manual_during_writes_and_restored(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    excel.calculation = "semiautomatic"  # the user's own choice comes back, not "automatic"
    excel_module_recalc(book)
    assert excel.states_when_adding == [(False, "manual")] * 2  # 问题清单 and the record sheet
    assert (excel.screen_updating, excel.calculation) == (True, "semiautomatic")


def test_a_failing_write_restores_excel_and_says_what_to_do(excel: FakeExcel, workbook: Path) -> None:
    book = excel.open_file(workbook)
    excel.fail_on.add("Range.color:set")
    excel_module_recalc(book)  # nothing raised
    assert excel.state_at_failure == (False, "manual")
    assert (excel.screen_updating, excel.calculation, excel.status) == (True, "automatic", False)
    (alert,) = excel.alerts
    assert alert["mode"] == "critical" and alert["title"] == "绩效自评"
    assert alert["prompt"].startswith("“重新计算”没有完成") and "清除标记" in alert["prompt"]
    log = ui.log_file()
    assert str(log) in alert["prompt"] and "RuntimeError: Excel refused Range.color:set" in log.read_text(
        "utf-8"
    )


def test_an_engine_failure_leaves_the_workbook_untouched(
    excel: FakeExcel, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xl_selfeval.engine

    def broken(*args: object) -> Outcome:
        raise ZeroDivisionError("引擎出错")

    monkeypatch.setattr(xl_selfeval.engine, "run_engine", broken)
    book = excel.open_file(EXAMPLE)
    before = snapshot(book)
    excel_module_recalc(book)
    assert snapshot(book) == before
    assert (excel.screen_updating, excel.calculation, excel.status) == (True, "automatic", False)
    (alert,) = excel.alerts
    assert "工作簿没有被修改" in alert["prompt"] and "ZeroDivisionError: 引擎出错" in alert["prompt"]
    text = ui.log_file().read_text("utf-8")
    assert "重新计算" in text and "Traceback" in text and "引擎出错" in text


def test_a_user_error_is_shown_as_is(excel: FakeExcel, tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "不是自评表.xlsx"
    wb = Workbook()
    wb.active.title = "工资表"
    wb.active["A1"] = "姓名"
    wb.save(path)
    book = excel.open_file(path)
    excel_module_recalc(book)
    (alert,) = excel.alerts
    assert alert["prompt"].startswith("工作簿中没有找到绩效自评表") and alert["mode"] == "critical"
    assert [s.name for s in book.sheets] == ["工资表"]


def test_callers_find_the_calling_book(excel: FakeExcel, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlwings

    book = excel.open_file(EXAMPLE)
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book.mock))
    ribbon.check_caller()
    assert "问题清单" in [s.name for s in book.sheets]


def test_no_calling_book_is_told_through_runpython(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No Excel to show a message box: the message and the traceback go to stderr and Python exits 1, which
    is what makes xlwings' RunPython show stderr (Main.bas ExecuteWindows: ExitCode <> 0 -> ShowError)."""
    import xlwings

    def outside(cls: type) -> Any:
        raise RuntimeError("Book.caller() must not be called directly")

    monkeypatch.setattr(xlwings.Book, "caller", classmethod(outside))
    with pytest.raises(SystemExit) as exited:
        ribbon.recalc_caller()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("绩效自评：“重新计算”没有完成") and "工作簿没有被修改" in err
    assert "Traceback" in err and "RuntimeError: Book.caller() must not be called directly" in err
    assert str(ui.log_file()) in err
    assert "must not be called directly" in ui.log_file().read_text("utf-8")  # the log file still has it


def test_a_user_error_without_excel_is_told_through_runpython(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(book: Any, progress: commands.Progress) -> str:
        raise UserError("请先打开要处理的绩效自评工作簿。")

    with pytest.raises(SystemExit) as exited:
        ribbon._run("检查", refuse, SimpleNamespace())  # a book whose app cannot be had
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err == "绩效自评：请先打开要处理的绩效自评工作簿。\n"


def test_a_message_box_that_fails_falls_back_to_runpython(
    excel: FakeExcel, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import xl_selfeval.engine

    def broken(*args: object) -> Outcome:
        raise ZeroDivisionError("引擎出错")

    def no_box(*args: object, **kwargs: object) -> str:
        raise RuntimeError("Excel is busy")

    monkeypatch.setattr(xl_selfeval.engine, "run_engine", broken)
    book = excel.open_file(EXAMPLE)
    excel.app.alert.side_effect = no_box
    with pytest.raises(SystemExit):
        excel_module_recalc(book)
    err = capsys.readouterr().err
    assert "ZeroDivisionError: 引擎出错" in err and "Traceback" in err
    assert "Excel is busy" in ui.log_file().read_text("utf-8")


def test_stderr_is_written_in_the_code_page_vba_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """RunPython's ShowError reads the file with VBA's Line Input: the ANSI code page (cp936 on Chinese
    Windows, "mbcs" to Python), whatever Python's own stderr encoding is (UTF-8 under PYTHONUTF8=1), and
    lines ending in CR LF."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(ui, "stderr_encoding", lambda: "gbk")
    stream.write("前文\n")  # what Python wrote itself comes first, in its own encoding
    with pytest.raises(SystemExit):
        ui.exit_to_runpython("无法连接到 Excel。", "Traceback (most recent call last):\n  …")
    ours = "绩效自评：无法连接到 Excel。\n\nTraceback (most recent call last):\n  …\n"
    assert raw.getvalue() == "前文\n".encode() + ours.replace("\n", "\r\n").encode("gbk")


def test_rules_file_beside_the_workbook_is_used(excel: FakeExcel, tmp_path: Path) -> None:
    folder = tmp_path / "财务科" / "2024年"
    folder.mkdir(parents=True)
    path = folder / "岳阳市（2024）绩效自评.xlsx"
    shutil.copy(EXAMPLE, path)
    (folder / "规则.toml").write_text('[grades]\n"优" = 99\n"良" = 80\n"中" = 60\n"差" = 0\n', "utf-8")
    book = excel.open_file(path)
    ribbon.check_caller(book.mock)
    summary = [v for v in book.sheet("问题清单").values.values() if isinstance(v, str) and "等级" in v]
    assert summary and all("等级 良" in line for line in summary)


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_chinese_sheet_names_in_links(excel: FakeExcel, handtyped: Path, platform: str) -> None:
    excel.platform = platform
    book = excel.open_file(handtyped, name="手工录入（财务科）.xlsx")
    excel_module_recalc(book)
    links = book.sheet("问题清单").formulas
    assert '=HYPERLINK("#\'项目（运转经费）\'!H19","项目（运转经费）!H19")' in links.values()
    pattern = r"""=HYPERLINK\("#'[^'"]+'![A-Z]+[0-9]+","[^'"]+![A-Z]+[0-9]+"\)"""
    assert links and all(re.fullmatch(pattern, formula) for formula in links.values())
    # Inside the list's one block write: no call per link on either platform.
    assert not excel.com_links and excel.log.count("Range.add_hyperlink") == 0


# --- 新建下一年度 --------------------------------------------------------------------------------------


def test_rollover_never_overwrites_and_opens_the_new_book(excel: FakeExcel, tmp_path: Path) -> None:
    folder = tmp_path / "财务科" / "绩效自评"
    folder.mkdir(parents=True)
    source = folder / "2024年度绩效自评.xlsx"
    shutil.copy(EXAMPLE, source)
    taken = folder / "2025年度绩效自评.xlsx"
    taken.write_bytes(b"the user's own file")
    book = excel.open_file(source)

    assert ribbon.rollover_caller(book.mock) is None
    new = folder / "2025年度绩效自评（2）.xlsx"
    assert taken.read_bytes() == b"the user's own file"
    assert excel.opened == [str(new)]
    assert [s.name for s in excel.books[-1].sheets][:2] == [
        "附件1 基础数据表",
        "附件2 部门整体支出绩效自评表",
    ]
    (alert,) = excel.alerts
    assert new.name in alert["prompt"] and str(folder) in alert["prompt"] and "2025" in alert["prompt"]

    ribbon.rollover_caller(book.mock)
    assert excel.opened[-1] == str(folder / "2025年度绩效自评（3）.xlsx")


def test_rollover_of_an_unsaved_book_asks_to_save_it_first(excel: FakeExcel, tmp_path: Path) -> None:
    book = excel.open_file(EXAMPLE)
    book.fullname = "工作簿1"
    ribbon.rollover_caller(book.mock)
    (alert,) = excel.alerts
    assert alert["prompt"].startswith("请先保存本工作簿") and not excel.opened


def test_rollover_with_unsaved_changes(excel: FakeExcel, tmp_path: Path) -> None:
    source = tmp_path / "2024年度.xlsx"
    shutil.copy(EXAMPLE, source)
    book = excel.open_file(source)
    book.saved = False
    excel.answers = ["cancel"]
    ribbon.rollover_caller(book.mock)
    assert excel.alerts[0]["buttons"] == "yes_no_cancel" and "尚未保存" in excel.alerts[0]["prompt"]
    assert (
        not excel.opened and book.saves == [] and sorted(p.name for p in tmp_path.iterdir()) == [source.name]
    )

    excel.answers = ["yes"]
    ribbon.rollover_caller(book.mock)
    assert book.saves == [None] and excel.opened == [str(tmp_path / "2025年度绩效自评.xlsx")]


# --- 生成报告 --------------------------------------------------------------------------------------------


def test_report_button_writes_beside_the_workbook_under_a_free_name_and_opens_it(
    excel: FakeExcel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docx import Document

    from xl_selfeval.excel import commands

    opened: list[Path] = []
    monkeypatch.setattr(commands, "open_document", opened.append)
    source = tmp_path / "2024年度绩效自评.xlsx"
    shutil.copy(EXAMPLE, source)
    taken = tmp_path / "2024年度绩效自评-绩效自评报告.docx"
    taken.write_bytes(b"the user's own report")
    book = excel.open_file(source)

    assert ribbon.report_caller(book.mock) is None
    new = tmp_path / "2024年度绩效自评-绩效自评报告（2）.docx"
    assert taken.read_bytes() == b"the user's own report" and opened == [new]
    text = "\n".join(p.text for p in Document(str(new)).paragraphs)
    assert "4791.96万元" in text and "76.08%" in text and "95.61分" in text
    (alert,) = excel.alerts
    assert new.name in alert["prompt"] and "【请填写：…】" in alert["prompt"]


def test_report_button_on_an_unsaved_book_asks_to_save_it(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    book.fullname = "工作簿1"
    ribbon.report_caller(book.mock)
    (alert,) = excel.alerts
    assert alert["prompt"].startswith("请先保存本工作簿") and not excel.opened


# --- the pieces -----------------------------------------------------------------------------------------


def test_boxes_and_unions() -> None:
    assert boxes([(12, 7), (12, 8), (12, 9)]) == [(12, 7, 12, 9)]
    assert boxes([(1, 1), (2, 1), (3, 1), (3, 2)]) == [(1, 1, 2, 1), (3, 1, 3, 2)]
    assert boxes([(1, 1), (1, 2), (2, 1), (2, 2), (5, 5)]) == [(1, 1, 2, 2), (5, 5, 5, 5)]
    many = boxes((r, 1) for r in range(1, 400, 2))
    chunks = unions(many)
    assert all(len(chunk) <= 255 for chunk in chunks) and len(chunks) > 1
    assert ",".join(chunks).split(",") == [box_address(b) for b in many]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("-5", "'-5"),
        ("61.46%", "'61.46%"),
        ("2024/1/1", "'2024/1/1"),
        ("2024年1月", "'2024年1月"),
        ("true", "'true"),
        ("'引号", "''引号"),
        ("1701.93万元", "1701.93万元"),
        ("已按本表预算数填入", "已按本表预算数填入"),
        ("", ""),
    ],
)
def test_as_text(text: str, written: str) -> None:
    assert as_text(text) == written


def test_fill_tokens() -> None:
    assert door.fill_token((255, 199, 206)) == marks.FILL_ERROR
    assert door.fill_rgb(marks.FILL_WARNING) == (0xFF, 0xEB, 0x9C)
    assert door.fill_token(None) == "" and door.fill_rgb("") is None
    xml = 'xml:<fill><patternFill patternType="gray125"><fgColor rgb="FF00B0F0"/></patternFill></fill>'
    assert door.fill_rgb(xml) == (0, 0xB0, 0xF0)
    assert door.fill_rgb('xml:<fill><patternFill><fgColor theme="4"/></patternFill></fill>') is None


def test_free_path_never_reuses_a_name(tmp_path: Path) -> None:
    assert commands.free_path(tmp_path, 2025).name == "2025年度绩效自评.xlsx"
    (tmp_path / "2025年度绩效自评.xlsx").touch()
    (tmp_path / "2025年度绩效自评（2）.xlsx").touch()
    assert commands.free_path(tmp_path, 2025).name == "2025年度绩效自评（3）.xlsx"


def test_the_command_line_does_not_import_xlwings() -> None:
    code = (
        "import sys, xl_selfeval.cli, xl_selfeval.excel; xl_selfeval.cli.build_parser(); "
        "assert 'xlwings' not in sys.modules, 'xlwings imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_click_does_not_import_the_addin_builder() -> None:
    code = (
        "import sys, xl_selfeval.excel, xl_selfeval.excel.ui; "
        "heavy = {'jinja2', 'olefile', 'xl_selfeval.addin.build'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_runpython_targets_are_callable_without_arguments() -> None:
    for name in ribbon.__all__:
        signature = inspect.signature(getattr(ribbon, name))
        assert all(p.default is None for p in signature.parameters.values()), name


# --- protected sheets and threaded comments --------------------------------------------------------------

# Excel's defaults for Protect Sheet, plus the two options a unit might have ticked.
UNIT_PROTECTION: dict[str, object] = {
    "DrawingObjects": True,
    "Contents": True,
    "Scenarios": True,
    "UserInterfaceOnly": False,
    "AllowFormattingCells": False,
    "AllowFormattingColumns": True,
    "AllowFormattingRows": False,
    "AllowInsertingColumns": False,
    "AllowInsertingRows": False,
    "AllowInsertingHyperlinks": False,
    "AllowDeletingColumns": False,
    "AllowDeletingRows": False,
    "AllowSorting": True,
    "AllowFiltering": False,
    "AllowUsingPivotTables": False,
}


def _marked_sheet(book: FakeBook, workbook: Path) -> FakeSheet:
    outcome = run_engine(read_workbook(workbook))
    return book.sheet(outcome.findings[0].cell.sheet)


def test_a_protected_sheet_without_password_is_marked_and_protected_again(
    excel: FakeExcel, workbook: Path
) -> None:
    book = excel.open_file(workbook)
    sheet = _marked_sheet(book, workbook)
    sheet.protection = dict(UNIT_PROTECTION)
    excel_module_recalc(book)
    assert excel.alerts[-1]["mode"] != "critical", excel.alerts
    assert any(n[0].startswith(NOTE_MARKER) for n in sheet.notes.values())  # written while unprotected
    assert sheet.protect_calls == [UNIT_PROTECTION]  # protected again, with the very same options
    assert sheet.protection == UNIT_PROTECTION


def test_a_protected_sheet_is_protected_again_after_a_failure(excel: FakeExcel, workbook: Path) -> None:
    book = excel.open_file(workbook)
    sheet = _marked_sheet(book, workbook)
    sheet.protection = dict(UNIT_PROTECTION)
    excel.fail_on.add("Range.color:set")
    excel_module_recalc(book)
    assert excel.alerts[-1]["mode"] == "critical"
    assert sheet.protection == UNIT_PROTECTION and sheet.protect_calls == [UNIT_PROTECTION]


def test_a_password_protected_sheet_is_refused_before_anything_is_written(
    excel: FakeExcel, workbook: Path
) -> None:
    book = excel.open_file(workbook, marks_from_file=True)
    first = book.sheets[0]
    first.protection = {**UNIT_PROTECTION, "Contents": False, "DrawingObjects": True}  # notes locked only
    sheet = _marked_sheet(book, workbook)
    sheet.protection = dict(UNIT_PROTECTION)
    sheet.password = "财务科2024"
    before = snapshot(book)
    excel_module_recalc(book)
    (alert,) = excel.alerts
    assert f"工作表“{sheet.name}”设有密码保护" in alert["prompt"] and "工作簿没有被修改" in alert["prompt"]
    assert "意外错误" not in alert["prompt"]
    assert snapshot(book) == before and "问题清单" not in [s.name for s in book.sheets]
    assert sheet.protection == UNIT_PROTECTION
    if first is not sheet:  # a sheet unprotected before the refusal is protected again, as it was
        assert first.protection == {**UNIT_PROTECTION, "Contents": False, "DrawingObjects": True}


def test_a_cell_with_a_threaded_comment_gets_no_note_and_the_list_says_so(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    outcome = run_engine(read_workbook(EXAMPLE))
    cell = outcome.findings[0].cell
    sheet = book.sheet(cell.sheet)
    sheet.threaded.add((cell.row, cell.col))
    excel_module_recalc(book)
    assert excel.alerts[-1]["mode"] != "critical", excel.alerts
    assert (cell.row, cell.col) not in sheet.notes  # the thread is left alone
    assert sheet.fills.get((cell.row, cell.col)) is not None  # the fill still shows the finding
    listed = book.sheet("问题清单")
    texts = [v for v in listed.values.values() if isinstance(v, str)]
    assert any(
        t.endswith("（该单元格有批注串，未加批注）") and outcome.findings[0].message in t for t in texts
    )
    assert any("有 1 个单元格带有批注串" in t for t in texts)


def test_a_note_showing_a_threaded_comment_placeholder_is_left_alone(excel: FakeExcel) -> None:
    book = excel.open_file(EXAMPLE)
    cell = run_engine(read_workbook(EXAMPLE)).findings[0].cell
    sheet = book.sheet(cell.sheet)
    placeholder = "[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment."
    sheet.notes[(cell.row, cell.col)] = [placeholder, "张会计"]
    excel_module_recalc(book)
    assert sheet.notes[(cell.row, cell.col)] == [placeholder, "张会计"]


def test_a_second_recalc_changes_nothing(excel: FakeExcel, workbook: Path) -> None:
    """重新计算 twice: values, formulas, fills, notes, the 问题清单 and the record sheet stay as the first
    run left them (run on the example and on the hand-typed copy)."""
    book = excel.open_file(workbook)

    def everything() -> dict[str, object]:
        return {
            **snapshot(book),
            "values": {s.name: dict(s.values) for s in book.sheets},
            "formulas": {s.name: dict(s.formulas) for s in book.sheets},
        }

    excel_module_recalc(book)
    first = everything()
    assert excel.alerts[-1]["mode"] != "critical", excel.alerts
    excel_module_recalc(book)
    second = everything()
    for key in first:
        assert first[key] == second[key], key
