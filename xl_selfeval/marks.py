"""Plans what recalc leaves in a workbook (values, fills, notes, records, 问题清单), with no Excel library."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from xl_selfeval.cells import CellRef, parse_cell
from xl_selfeval.checks.rules import may_overwrite
from xl_selfeval.findings import NOTE_MARKER, CellEdit, Code, Finding, Outcome, ScoreSummary, Severity
from xl_selfeval.labels import LIST_SHEET as LIST_SHEET
from xl_selfeval.labels import LIST_TITLE as LIST_TITLE
from xl_selfeval.labels import RECORD_SHEET as RECORD_SHEET
from xl_selfeval.labels import is_our_sheet as is_our_sheet
from xl_selfeval.report_text import score_line
from xl_selfeval.values import format_plain, to_decimal

AUTHOR = "xl-selfeval"
FILL_ERROR = "FFFFC7CE"  # Excel's "light red fill"
FILL_WARNING = "FFFFEB9C"  # Excel's "yellow fill" of its conditional-format presets
OUR_FILLS = frozenset({FILL_ERROR, FILL_WARNING})
ORIGINAL_NOTE_RULE = "——原批注——"
NOTE_WIDTH = 320  # points; the default note box (144) wraps our longer notes into a narrow column

ISSUE_HEADERS = ("序号", "严重程度", "表格", "单元格", "问题说明", "应为", "表中为")
ISSUE_LINK_COLUMN = ISSUE_HEADERS.index("单元格")  # 0-based: the column of an issue row that carries its link
RECORD_HEADERS = (
    "工作表",
    "单元格",
    "原填充",
    "原批注",
    "原批注作者",
    "写入值",
    "写入类别",
    "标记填充",
    "标记批注",
    "清单行",
    "标记代码",
)

_FILLS = {Severity.ERROR: FILL_ERROR, Severity.WARNING: FILL_WARNING}  # info: note only, fill left alone


@dataclass(frozen=True)
class CellState:
    """One cell as a door reads it before recalc touches it; "" means no fill / no note."""

    fill: str = ""  # the door's token: ARGB ("FFFFFF00") for a plain solid fill, other tokens are opaque
    note: str = ""
    author: str = ""
    is_formula: bool = False
    value: object = None  # what the cell holds now: tells whether a value we wrote is still there


# Reads a cell's current state; None when its sheet does not exist (renamed or deleted since).
Reader = Callable[[CellRef], "CellState | None"]


@dataclass(frozen=True)
class Record:
    """The user's own fill and note of a cell we marked, kept in the workbook until we give them back.

    For a cell whose value recalc wrote, it also keeps that value and the mark that explains it (the old
    value is in that note): while the value is still there the mark stays, run after run, so the old
    figure is never lost and a second recalc changes nothing.
    """

    cell: CellRef
    fill: str = ""
    note: str = ""
    author: str = ""
    written: str = ""  # the value we wrote, as text ("" when we wrote none)
    written_kind: str = ""  # correct | fill | score
    mark_fill: str = ""
    mark_note: str = ""  # our note without the user's part
    rows: str = ""  # its 问题清单 rows, as JSON
    codes: str = ""  # the finding codes its mark explains, comma-separated

    def keeps_mark(self, state: CellState | None) -> bool:
        return bool(self.written) and state is not None and written_text(state.value) == self.written


@dataclass(frozen=True)
class ValueWrite:
    """A value to put in a constant cell: a number (never a Decimal, which Excel libraries handle unevenly)
    or a text, which the door must store as text even when it begins with = + - @."""

    cell: CellRef
    value: int | float | str
    number_format: str | None = None
    formula: bool = False  # value is our layout's formula ("=…"), never user text


@dataclass(frozen=True)
class Look:
    """A cell's fill and note as we leave them: our mark, or the user's own given back."""

    cell: CellRef
    fill: str  # "" = no fill
    note: str  # "" = no note
    author: str = ""


@dataclass(frozen=True)
class ListRow:
    """One row of 问题清单 as display strings, and the in-workbook link ('sheet'!A1) it carries, if any."""

    cells: tuple[str, ...]
    link: str = ""
    # A problem recalc corrected (this run or an earlier one): listed in 问题清单's 已更正 part, after the
    # open problems, and not counted among them (the workbook as written no longer has it).
    corrected: bool = False


@dataclass
class Plan:
    """Everything a door does to a workbook for one recalc, in this order: writes, restores, marks,
    then the record sheet and 问题清单 rebuilt from records, summary and issues."""

    writes: list[ValueWrite] = field(default_factory=list)
    restores: list[Look] = field(default_factory=list)
    marks: list[Look] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    summary: list[ListRow] = field(default_factory=list)  # lines above the table; link on the first cell
    # Under ISSUE_HEADERS, link on ISSUE_LINK_COLUMN: the open problems, then those recalc corrected
    # (ListRow.corrected; their 严重程度 reads 已更正（原…）).
    issues: list[ListRow] = field(default_factory=list)

    @property
    def open_issues(self) -> list[ListRow]:
        return [row for row in self.issues if not row.corrected]


# --- the plan -------------------------------------------------------------------------------------------


def plan_marks(
    outcome: Outcome, records: Iterable[Record], read: Reader, *, noted: Iterable[CellRef] = ()
) -> Plan:
    """What to do to a workbook for ``outcome``, given the records a previous run stored in it.

    ``noted`` lists cells whose note begins with NOTE_MARKER (the door finds them): if the record sheet
    was lost, their user note is recovered from inside ours instead of being left behind.
    """
    edits = _edits(outcome)
    by_cell: dict[CellRef, list[Finding]] = {}
    for finding in outcome.findings:
        by_cell.setdefault(finding.cell, []).append(finding)
    previous = _previous(records, noted, read)
    sheet_order = _sheet_order(outcome)
    formulas = _layout_formulas(outcome)

    plan = Plan()
    rows: list[ListRow] = []
    any_kept = False
    for cell in dict.fromkeys([*by_cell, *edits]):  # first appearance order: findings, then edits
        state = read(cell)
        findings = by_cell.get(cell, [])
        cell_rows = issue_rows(findings)
        if state is None:
            rows += cell_rows
            continue  # its sheet is gone: nothing to mark; 问题清单 still lists the finding
        edit = edits.get(cell)
        if edit is not None and is_label(state.value) and not isinstance(edit.value, str):
            edit = (
                None  # a figure never goes over a label (say 总分 merged over the row): listed, not written
            )
        record = previous.get(cell)
        kept = record if record is not None and record.keeps_mark(state) else None
        codes = [str(f.code) for f in findings]
        if kept is not None:
            # A finding the kept mark already explains (the same check, now worded with the value we
            # wrote) adds nothing: the note, fill and list rows stay as the run that wrote the value left them.
            known = set(kept.codes.split(","))
            findings = [f for f in findings if str(f.code) not in known]
            cell_rows = issue_rows(findings)
            codes = list(dict.fromkeys([*kept.codes.split(","), *codes]))
        restored = next((f for f in findings if f.code == Code.FORMULA_REPLACED_BY_CONSTANT), None)
        formula = formulas.get(cell) if restored is not None and not state.is_formula else None
        if formula is not None:
            edit = None  # our own layout: its formula goes back, not the figure it would show
        written = edit is not None or formula is not None  # a figure, or our layout's formula
        fixed = {
            id(f) for f in _corrected_here(findings, cell, written, edits, restored if formula else None)
        }
        cell_rows = [
            replace(row, corrected=True) if id(f) in fixed else row
            for row, f in zip(cell_rows, findings, strict=True)
        ]
        original = _original(state, record, cell)
        worst = min((f.severity for f in findings), key=lambda s: s.rank, default=None)
        fill = _FILLS.get(worst, original.fill) if worst is not None else original.fill
        ours = note_text(findings, edit)
        if formula is not None and restored is not None:
            ours += "\n" + restored_line(restored.actual)
        if kept is not None:
            # The kept mark comes first and the fill never softens while its note still says 错误: a
            # corrected cell that still has a finding looks the same on every run.
            any_kept = True
            ours = _merged_notes(kept.mark_note, ours)
            cell_rows = _unique_rows([*_rows_from_json(kept.rows), *cell_rows])
            fill = _worse_fill(fill, kept.mark_fill)
        if edit is not None:
            if not may_overwrite(state.is_formula):
                # The engine never corrects a formula (it would destroy the user's model): a bug, not input.
                raise ValueError(f"CellEdit targets formula cell {cell}")
            value = cell_value(edit.value)
            plan.writes.append(ValueWrite(cell, value, edit.number_format))
            original = _with_mark(original, written_text(value), edit.kind, fill, ours, cell_rows, codes)
        elif formula is not None:
            plan.writes.append(ValueWrite(cell, formula, formula=True))
            original = _with_mark(original, formula, "formula", fill, ours, cell_rows, codes)
        elif kept is not None:
            original = _with_mark(original, kept.written, kept.written_kind, fill, ours, cell_rows, codes)
        plan.marks.append(Look(cell, fill, _with_original(ours, original.note), AUTHOR))
        plan.records.append(original)
        rows += cell_rows

    marked = {look.cell for look in plan.marks}
    for record in previous.values():
        if record.cell in marked:
            continue
        state = read(record.cell)
        if record.keeps_mark(state):
            # A value we wrote is still there and nothing new is wrong with it: its mark stays as it was.
            assert state is not None
            original = _original(state, record, record.cell)
            original = _with_mark(
                original,
                record.written,
                record.written_kind,
                record.mark_fill,
                record.mark_note,
                [],
                record.codes.split(","),
            )
            original = replace(original, rows=record.rows)
            plan.marks.append(
                Look(record.cell, record.mark_fill, _with_original(record.mark_note, original.note), AUTHOR)
            )
            plan.records.append(original)
            rows += _rows_from_json(record.rows)
            marked.add(record.cell)
            any_kept = True
    plan.restores = _restores((r for r in previous.values() if r.cell not in marked), read)
    plan.records.sort(
        key=lambda r: (sheet_order.get(r.cell.sheet, len(sheet_order)), r.cell.sheet, r.cell.row, r.cell.col)
    )
    rows = _unique_rows(rows)
    if any_kept:
        # Rows kept from an earlier run go where that run listed them: the engine's order, which is
        # sheet order, then row and column, then severity (a stable sort leaves the engine's ties alone).
        rows.sort(key=lambda r: _row_key(r, sheet_order))
    # The open problems first, then the 已更正 part: the list describes the workbook as written.
    rows = [r for r in rows if not r.corrected] + [_as_corrected(r) for r in rows if r.corrected]
    plan.issues = _numbered(rows)
    plan.summary = summary_rows(outcome, plan.issues, plan.records)
    return plan


def _corrected_here(
    findings: Sequence[Finding],
    cell: CellRef,
    written: bool,
    edits: dict[CellRef, CellEdit],
    restored: Finding | None,
) -> list[Finding]:
    """The findings at ``cell`` this run corrects: something is ``written`` there (its fix, or our layout's
    formula, which computes the right figure) or at the cell its fix names; or it is the number typed
    over our layout's formula that is put back."""
    return [
        f
        for f in findings
        if f is restored or (f.fix is not None and (written if f.fix.cell == cell else f.fix.cell in edits))
    ]


CORRECTED_LABEL = "已更正（原{}）"  # 严重程度 of a row in the 已更正 part


def _as_corrected(row: ListRow) -> ListRow:
    """A corrected problem's row with 严重程度 saying so (once: a kept row already does)."""
    severity = row.cells[1]
    if severity.startswith(CORRECTED_LABEL[:3]):
        return row
    return replace(row, cells=(row.cells[0], CORRECTED_LABEL.format(severity), *row.cells[2:]))


def _layout_formulas(outcome: Outcome) -> dict[CellRef, str]:
    """Our layout's formulas where a form made by new had one typed over (worked out only then)."""
    if not any(f.code == Code.FORMULA_REPLACED_BY_CONSTANT for f in outcome.findings):
        return {}
    from xl_selfeval.layout_formulas import layout_formulas

    return {ref: text for form in outcome.forms for ref, text in layout_formulas(form).items()}


def restored_line(typed: str) -> str:
    """The note line for a formula put back: the number typed over it is kept here."""
    return f"已恢复本表原有的公式（原为手填数字{typed}）"


def _with_mark(
    record: Record,
    written: str,
    kind: str,
    fill: str,
    note: str,
    rows: Sequence[ListRow],
    codes: Sequence[str] = (),
) -> Record:
    return Record(
        record.cell,
        record.fill,
        record.note,
        record.author,
        written,
        kind,
        fill,
        note,
        _rows_to_json(rows),
        ",".join(c for c in codes if c),
    )


def _with_original(ours: str, original_note: str) -> str:
    return ours + (f"\n{ORIGINAL_NOTE_RULE}\n{original_note}" if original_note else "")


def _merged_notes(kept: str, current: str) -> str:
    lines = kept[len(NOTE_MARKER) :].split("\n") + current[len(NOTE_MARKER) :].split("\n")
    return NOTE_MARKER + "\n".join(dict.fromkeys(line for line in lines if line))


_FILL_RANK = {FILL_ERROR: 0, FILL_WARNING: 1}


def _worse_fill(fill: str, kept_fill: str) -> str:
    """Our fill for a cell by its worst mark, current or kept; a fill not ours counts as no mark."""
    return min((fill, kept_fill), key=lambda f: _FILL_RANK.get(f, 9)) if kept_fill in _FILL_RANK else fill


def _sheet_order(outcome: Outcome) -> dict[str, int]:
    order: dict[str, int] = {}
    for form in outcome.forms:
        order.setdefault(getattr(form, "sheet", ""), len(order))
    for finding in outcome.findings:
        order.setdefault(finding.cell.sheet, len(order))
    return order


_RANKS = {s.label: s.rank for s in Severity}


def _row_key(row: ListRow, sheet_order: dict[str, int]) -> tuple[int, str, int, int, int]:
    """Sheet order, then row and column of the cell, then severity: the engine's own order."""
    sheet, _, address = row.link.rpartition("!")
    sheet = sheet.strip("'").replace("''", "'")
    try:
        r, c = parse_cell(address)
    except ValueError:
        r, c = 0, 0
    return (sheet_order.get(sheet, len(sheet_order)), sheet, r, c, _RANKS.get(row.cells[1], 9))


def _unique_rows(rows: Iterable[ListRow]) -> list[ListRow]:
    seen: dict[tuple[tuple[str, ...], str], ListRow] = {}
    for row in rows:
        seen.setdefault((row.cells[1:], row.link), row)
    return list(seen.values())


def _numbered(rows: Sequence[ListRow]) -> list[ListRow]:
    return [replace(row, cells=(str(n), *row.cells[1:])) for n, row in enumerate(rows, start=1)]


def _rows_to_json(rows: Sequence[ListRow]) -> str:
    items = [[list(r.cells), r.link, *([1] if r.corrected else [])] for r in rows]
    return json.dumps(items, ensure_ascii=False) if rows else ""


def _rows_from_json(text: str) -> list[ListRow]:
    try:
        data = json.loads(text) if text else []
        # [cells, link] or [cells, link, 1] for a corrected problem (a record of an older run has no flag).
        return [ListRow(tuple(str(c) for c in item[0]), str(item[1]), bool(item[2:])) for item in data]
    except (ValueError, TypeError, IndexError, KeyError):
        return []  # a tampered record: the mark stays, its list row is lost


def written_text(value: object) -> str:
    """A value as we compare it across runs: 0.6146 and '4791.96万元' the same way every door reads them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        number = to_decimal(value)
        return format_plain(number) if number is not None else str(value)
    return str(value)


def plan_clear(records: Iterable[Record], read: Reader, *, noted: Iterable[CellRef] = ()) -> list[Look]:
    """The user's fills and notes to give back when every mark is removed (清除标记)."""
    return _restores(_previous(records, noted, read).values(), read)


def _edits(outcome: Outcome) -> dict[CellRef, CellEdit]:
    # One value per cell. Should two fixes disagree, the first wins (the engine sorts a cell's findings
    # worst first) rather than failing the whole recalc; both findings are still noted and listed.
    edits: dict[CellRef, CellEdit] = {}
    fixes = [f.fix for f in outcome.findings if f.fix is not None]
    for edit in [*outcome.edits, *fixes]:
        edits.setdefault(edit.cell, edit)
    return edits


def _previous(records: Iterable[Record], noted: Iterable[CellRef], read: Reader) -> dict[CellRef, Record]:
    previous = {r.cell: r for r in records}
    for cell in noted:
        if cell in previous:
            continue
        state = read(cell)
        if state is not None and is_our_note(state.note):
            previous[cell] = _recovered(cell, state)
    return previous


def _recovered(cell: CellRef, state: CellState) -> Record:
    # No record, yet our note is there: the user's note is the part after ORIGINAL_NOTE_RULE, and a fill
    # of ours came with it (its author is not recorded inside our note).
    fill = "" if state.fill in OUR_FILLS else state.fill
    return Record(cell, fill, original_from_note(state.note), "")


def _original(state: CellState, record: Record | None, cell: CellRef) -> Record:
    """The user's own look of a cell: the record where the cell still shows our mark, else what it shows,
    because a fill or note the user set after our last run is theirs to keep."""
    if record is None:
        if is_our_note(state.note):
            return _recovered(cell, state)
        return Record(cell, state.fill, state.note, state.author)
    fill = record.fill if state.fill in OUR_FILLS else state.fill
    if is_our_note(state.note):
        return Record(cell, fill, record.note, record.author)
    return Record(cell, fill, state.note, state.author)


def _restores(records: Iterable[Record], read: Reader) -> list[Look]:
    looks = []
    for record in records:
        state = read(record.cell)
        if state is None:
            continue  # the sheet is gone, and its record with it
        original = _original(state, record, record.cell)
        looks.append(Look(record.cell, original.fill, original.note, original.author))
    return looks


# --- notes and values -----------------------------------------------------------------------------------


def note_height(text: str) -> int:
    """Points of height for a note box NOTE_WIDTH wide holding ``text`` (a rough guess of wrapped lines)."""
    lines = text.count("\n") + 1 + len(text) // 24
    return min(20 + 15 * lines, 400)


def is_label(value: object) -> bool:
    """A cell holding words without a single digit (总分, 合计): a label, never a figure to correct."""
    return isinstance(value, str) and bool(value.strip()) and not any(ch.isdigit() for ch in value)


def is_our_note(note: str) -> bool:
    return note.startswith(NOTE_MARKER)


# The note text an Excel shows for a threaded comment (批注串) it cannot show as a thread; the note's
# author is then "tc={the thread's id}". Such a note is the thread's twin: writing ours there replaces it.
THREADED_PLACEHOLDERS = ("[Threaded comment]", "[线程批注]", "[批注串]")


def is_threaded_note(note: str, author: str = "") -> bool:
    return note.startswith(THREADED_PLACEHOLDERS) or author.startswith("tc={")


def note_text(findings: Sequence[Finding], edit: CellEdit | None, original_note: str = "") -> str:
    """Our note: every finding on the cell (worst first), what we wrote, then the user's own note (if given)."""
    lines = [f"{f.severity.label}：{f.message}" for f in sorted(findings, key=lambda f: f.severity.rank)]
    if edit is not None:
        lines.append(edit_line(edit))
    lines = list(dict.fromkeys(lines))  # the same message twice on one cell says nothing new
    text = NOTE_MARKER + "\n".join(lines)
    if original_note:
        text += f"\n{ORIGINAL_NOTE_RULE}\n{original_note}"
    return text


def edit_line(edit: CellEdit) -> str:
    """One line saying what recalc wrote; for a correction it keeps the old value ("原值61.65%")."""
    reason = edit.reason.strip()
    if edit.kind == "correct":
        if not reason and edit.old_value is not None:
            reason = f"原值{edit.old_value}"
        return "已更正为正确值" + (f"（{reason}）" if reason else "")
    what = "得分" if edit.kind == "score" else "数值"
    return f"原为空，已填入{what}" + (f"（{reason}）" if reason else "")


def original_from_note(note: str) -> str:
    """The user's note kept inside one of ours ("" if there is none)."""
    if not is_our_note(note):
        return note
    _, rule, rest = note.partition(f"\n{ORIGINAL_NOTE_RULE}\n")
    return rest if rule else ""


def cell_value(value: object) -> int | float | str:
    """A CellEdit's value as a door writes it: Decimal → int/float (a number), str stays text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float)):
        raise ValueError(f"cannot write {type(value).__name__} {value!r} into a cell")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} into a cell")
        return value
    if not value.is_finite():
        raise ValueError(f"cannot write {value!r} into a cell")
    return int(value) if value == value.to_integral_value() else float(value)


# --- 问题清单 --------------------------------------------------------------------------------------------


def link_location(cell: CellRef) -> str:
    """An in-workbook link target, sheet name always quoted: '附件3 运转经费'!G12."""
    return sheet_location(cell.sheet, cell.address)


def sheet_location(sheet: str, address: str = "A1") -> str:
    return "'" + sheet.replace("'", "''") + "'!" + address


def issue_rows(findings: Sequence[Finding]) -> list[ListRow]:
    """One row per finding, in the engine's order (it reads the forms in workbook order)."""
    return [
        ListRow(
            (str(n), f.severity.label, f.form, str(f.cell), f.message, f.expected, f.actual),
            link_location(f.cell),
        )
        for n, f in enumerate(findings, start=1)
    ]


def summary_rows(outcome: Outcome, issues: Sequence[ListRow], records: Sequence[Record]) -> list[ListRow]:
    """Lines above the list: counts of the open problems (those the workbook as written still has), of
    the corrected ones listed after them, what recalc wrote, and each form's totals."""
    open_rows = [row for row in issues if not row.corrected]
    counts = {s: sum(row.cells[1] == s.label for row in open_rows) for s in Severity}
    if open_rows:
        parts = "，".join(f"{s.label} {counts[s]} 项" for s in Severity)
        rows = [ListRow((f"共发现 {len(open_rows)} 项问题：{parts}。",))]
    else:
        rows = [ListRow(("未发现问题。",))]
    fixed = len(issues) - len(open_rows)
    if fixed:
        rows.append(
            ListRow((f"另有 {fixed} 项已由重算更正，列在表末（严重程度为“已更正”），不计入以上问题数。",))
        )
    kinds = [r.written_kind for r in records if r.written]
    corrected = kinds.count("correct") + kinds.count("formula")
    filled = len(kinds) - corrected
    if kinds:
        rows.append(
            ListRow((f"已更正 {corrected} 个单元格，填写 {filled} 个空白单元格（详见单元格批注）。",))
        )
    if outcome.profile:
        rows.append(ListRow((f"评分规则方案：{outcome.profile}。",)))
    written = {r.cell: r for r in records if r.written}
    for score in outcome.scores:
        rows.append(_score_row(_as_written(score, outcome, written)))
    return rows


def _as_written(score: ScoreSummary, outcome: Outcome, written: dict[CellRef, Record]) -> ScoreSummary:
    """A form's totals as the workbook holds them after recalc: a 总分 it corrected shows the new figure,
    one whose formula it restored shows what the formula computes."""
    form = next((f for f in outcome.forms if f.sheet == score.sheet and f.display_name == score.form), None)
    total = form.get("total.score") if form is not None else None
    record = written.get(total.ref) if total is not None else None
    if record is None:
        return score
    figure = score.total if record.written_kind == "formula" else to_decimal(record.written)
    return replace(score, typed_total=figure) if figure is not None else score


def _score_row(score: ScoreSummary) -> ListRow:
    return ListRow((score_line(score),), sheet_location(score.sheet) if score.sheet else "")


# --- the record sheet -------------------------------------------------------------------------------------


def record_rows(records: Iterable[Record]) -> list[tuple[str, ...]]:
    """The record sheet's content, header first; every value is text."""
    return [
        RECORD_HEADERS,
        *(
            (
                r.cell.sheet,
                r.cell.address,
                r.fill,
                r.note,
                r.author,
                r.written,
                r.written_kind,
                r.mark_fill,
                r.mark_note,
                r.rows,
                r.codes,
            )
            for r in records
        ),
    ]


def records_from_rows(rows: Iterable[Sequence[object]]) -> list[Record]:
    """Records read back from the record sheet; rows that do not parse (a tampered sheet) are skipped."""
    width = len(RECORD_HEADERS)
    records = []
    for row in rows:
        values = ["" if v is None else str(v) for v in (*row, *([""] * width))][:width]
        sheet, address = values[0], values[1]
        try:
            row_col = parse_cell(address)
        except ValueError:
            continue
        if not sheet or tuple(values) == RECORD_HEADERS:
            continue
        written, kind, mark_fill, mark_note = values[5:9]
        if written and not is_our_note(mark_note):
            written = ""  # a record without our note can't explain the value: treat it as the user's
        fill, note, author = values[2:5]
        cell = CellRef(sheet, *row_col)
        records.append(
            Record(cell, fill, note, author, written, kind, mark_fill, mark_note, values[9], values[10])
        )
    return records
