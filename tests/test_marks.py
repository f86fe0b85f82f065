"""The recalc plan (marks.py) with a fake cell reader, and applied by the openpyxl door to real xlsx files."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Color, PatternFill

from xl_selfeval import marks
from xl_selfeval.cells import CellRef
from xl_selfeval.files.marks import apply_outcome, clear_marks, fill_token
from xl_selfeval.findings import NOTE_MARKER, CellEdit, Finding, Outcome, ScoreSummary, Severity
from xl_selfeval.marks import CellState, Look, Record

SHEET = "附件3 运转经费"
FORM = "附件3（运转经费）"
YELLOW = "FFFFFF00"


def ref(address: str, sheet: str = SHEET) -> CellRef:
    col = ord(address[0]) - 64
    return CellRef(sheet, int(address[1:]), col)


def finding(severity: Severity, address: str, message: str, **kw: object) -> Finding:
    return Finding(severity, "test_code", ref(address), message, form=FORM, **kw)  # type: ignore[arg-type]


# --- the plan, with a fake reader ------------------------------------------------------------------


class FakeBook:
    """Cells as CellStates; applies a plan's looks the way a door would."""

    def __init__(self, cells: dict[CellRef, CellState] | None = None) -> None:
        self.cells = dict(cells or {})
        self.records: list[Record] = []

    def read(self, cell: CellRef) -> CellState | None:
        if cell.sheet not in {SHEET, "附件1"}:
            return None
        return self.cells.get(cell, CellState())

    def noted(self) -> list[CellRef]:
        return [c for c, s in self.cells.items() if marks.is_our_note(s.note)]

    def apply(self, outcome: Outcome) -> marks.Plan:
        plan = marks.plan_marks(outcome, self.records, self.read, noted=self.noted())
        for look in [*plan.restores, *plan.marks]:
            old = self.cells.get(look.cell, CellState())
            self.cells[look.cell] = CellState(look.fill, look.note, look.author, old.is_formula)
        self.records = plan.records
        return plan


def test_worst_severity_decides_fill_and_note_lists_every_finding() -> None:
    book = FakeBook({ref("G12"): CellState(YELLOW, "请核对来源", "张会计")})
    outcome = Outcome(
        findings=[
            finding(Severity.INFO, "G12", "G12 可再看看"),
            finding(Severity.ERROR, "G12", "G12 应为88，表中为90"),
            finding(Severity.WARNING, "G12", "G12 得分偏高"),
        ]
    )
    plan = book.apply(outcome)
    (look,) = plan.marks
    assert look.fill == marks.FILL_ERROR
    assert look.author == marks.AUTHOR
    assert look.note == (
        f"{NOTE_MARKER}错误：G12 应为88，表中为90\n警告：G12 得分偏高\n提示：G12 可再看看"
        f"\n{marks.ORIGINAL_NOTE_RULE}\n请核对来源"
    )
    assert plan.records == [Record(ref("G12"), YELLOW, "请核对来源", "张会计")]


def test_info_keeps_the_user_fill_and_warning_is_yellow() -> None:
    book = FakeBook({ref("B2"): CellState(YELLOW)})
    plan = book.apply(
        Outcome(findings=[finding(Severity.INFO, "B2", "看看"), finding(Severity.WARNING, "C3", "偏高")])
    )
    assert [(m.cell, m.fill) for m in plan.marks] == [(ref("B2"), YELLOW), (ref("C3"), marks.FILL_WARNING)]


def test_restore_when_the_finding_is_gone_and_again_is_a_no_op() -> None:
    book = FakeBook({ref("G12"): CellState(YELLOW, "请核对来源", "张会计")})
    book.apply(Outcome(findings=[finding(Severity.ERROR, "G12", "错")]))
    assert book.cells[ref("G12")].fill == marks.FILL_ERROR
    plan = book.apply(Outcome())
    assert plan.restores == [Look(ref("G12"), YELLOW, "请核对来源", "张会计")]
    assert plan.records == [] and plan.marks == []
    assert book.cells[ref("G12")] == CellState(YELLOW, "请核对来源", "张会计")
    assert book.apply(Outcome()).restores == []


def test_a_note_or_fill_the_user_changed_after_our_run_is_theirs() -> None:
    book = FakeBook()
    book.apply(Outcome(findings=[finding(Severity.ERROR, "G12", "错")]))
    book.cells[ref("G12")] = CellState("FF00FF00", "我改过了", "李会计")  # user replaced our mark
    plan = book.apply(Outcome(findings=[finding(Severity.ERROR, "G12", "还是错")]))
    assert plan.records == [Record(ref("G12"), "FF00FF00", "我改过了", "李会计")]
    assert plan.marks[0].note.endswith("\n我改过了")
    book.apply(Outcome())
    assert book.cells[ref("G12")] == CellState("FF00FF00", "我改过了", "李会计")


def test_records_lost_the_user_note_is_recovered_from_ours() -> None:
    book = FakeBook({ref("G12"): CellState(YELLOW, "请核对", "张会计")})
    book.apply(Outcome(findings=[finding(Severity.WARNING, "G12", "偏高")]))
    book.records = []  # e.g. the sheets were copied into another workbook
    plan = book.apply(Outcome())
    assert plan.restores == [Look(ref("G12"), "", "请核对", "")]


def test_edits_become_numbers_and_text_and_keep_the_old_value_in_the_note() -> None:
    edit = CellEdit(ref("D3"), Decimal("0.6000"), "0.00%", Decimal("0.6165"), "原值61.65%")
    fill = CellEdit(ref("D4"), Decimal("12"), None, None, "按公式计算", kind="fill")
    text = CellEdit(ref("D5"), "=SUM(A1)", kind="fill")
    outcome = Outcome(
        findings=[finding(Severity.ERROR, "D3", "D3 应为60.00%", fix=edit)], edits=[edit, fill, text]
    )
    plan = marks.plan_marks(outcome, [], FakeBook().read)
    assert [(w.cell, w.value, w.number_format) for w in plan.writes] == [
        (ref("D3"), 0.6, "0.00%"),
        (ref("D4"), 12, None),
        (ref("D5"), "=SUM(A1)", None),
    ]
    assert type(plan.writes[1].value) is int
    notes = {m.cell: m.note for m in plan.marks}
    assert notes[ref("D3")] == f"{NOTE_MARKER}错误：D3 应为60.00%\n已更正为正确值（原值61.65%）"
    assert notes[ref("D4")] == f"{NOTE_MARKER}原为空，已填入数值（按公式计算）"
    assert {m.cell: m.fill for m in plan.marks}[ref("D4")] == ""  # filled, not a problem: note only
    assert [row.cells[0] for row in plan.summary[:3]] == [
        "未发现问题。",  # the one error is corrected: the workbook as written has none
        "另有 1 项已由重算更正，列在表末（严重程度为“已更正”），不计入以上问题数。",
        "已更正 1 个单元格，填写 2 个空白单元格（详见单元格批注）。",
    ]
    assert [(row.cells[1], row.corrected) for row in plan.issues] == [("已更正（原错误）", True)]


def test_old_value_from_the_edit_when_no_reason_is_given() -> None:
    edit = CellEdit(ref("D3"), Decimal("5"), old_value="6")
    assert marks.edit_line(edit) == "已更正为正确值（原值6）"


def test_an_edit_on_a_formula_cell_is_refused() -> None:
    book = FakeBook({ref("C5"): CellState(is_formula=True)})
    with pytest.raises(ValueError, match="formula"):
        marks.plan_marks(Outcome(edits=[CellEdit(ref("C5"), Decimal(1))]), [], book.read)


def test_of_two_edits_for_one_cell_the_first_is_written() -> None:
    edits = [CellEdit(ref("C5"), Decimal(1)), CellEdit(ref("C5"), Decimal(2))]
    plan = marks.plan_marks(Outcome(edits=edits), [], FakeBook().read)
    assert [(w.cell, w.value) for w in plan.writes] == [(ref("C5"), 1)]


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), float("inf"), True, None, object()])
def test_values_that_are_not_cell_values_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        marks.cell_value(value)


def test_findings_on_a_missing_sheet_are_listed_but_not_marked() -> None:
    gone = Finding(Severity.ERROR, "c", CellRef("已删除", 2, 2), "错", form="附件2")
    plan = marks.plan_marks(Outcome(findings=[gone]), [], FakeBook().read)
    assert plan.marks == [] and len(plan.issues) == 1


def test_issue_rows_and_summary() -> None:
    outcome = Outcome(
        findings=[finding(Severity.WARNING, "G12", "G12 偏高", expected="=SUM(A1)", actual="+5")],
        scores=[
            ScoreSummary(SHEET, FORM, Decimal("90.0"), Decimal("88.50"), "良"),
            ScoreSummary("附件1", "附件1", None, Decimal(100), ""),
        ],
    )
    plan = marks.plan_marks(outcome, [], FakeBook().read)
    assert plan.issues == [
        marks.ListRow(
            ("1", "警告", FORM, f"{SHEET}!G12", "G12 偏高", "=SUM(A1)", "+5"), "'附件3 运转经费'!G12"
        )
    ]
    texts = [row.cells[0] for row in plan.summary]
    assert texts[0] == "共发现 1 项问题：错误 0 项，警告 1 项，提示 0 项。"
    assert texts[1] == f"{FORM}：表中总分 90.00，重算总分 88.50，等级 良（表中总分与重算不一致）"
    assert texts[2] == "附件1：表中总分 未填，重算总分 100.00，等级 —"
    assert plan.summary[1].link == "'附件3 运转经费'!A1"


def test_our_sheets_are_told_from_forms() -> None:
    assert marks.is_our_sheet(marks.RECORD_SHEET, None)
    assert marks.is_our_sheet("问题清单（自评检查）", marks.LIST_TITLE)
    assert not marks.is_our_sheet(marks.LIST_SHEET, "我自己的问题清单")
    assert not marks.is_our_sheet(SHEET, "附件3")


def test_link_location_quotes_sheet_names() -> None:
    assert marks.link_location(ref("G12")) == "'附件3 运转经费'!G12"
    assert marks.link_location(CellRef("O'Brien 表", 3, 28)) == "'O''Brien 表'!AB3"


def test_record_rows_round_trip_and_junk_rows_are_skipped() -> None:
    records = [
        Record(CellRef(SHEET, 12, 7), YELLOW, "=SUM(A1) 不是公式", "张会计"),
        Record(CellRef("附件1", 100, 28), "", "", ""),
    ]
    rows: list[tuple[object, ...]] = list(marks.record_rows(records))
    assert rows[0] == marks.RECORD_HEADERS
    rows += [(None, None), ("附件1", "not a cell"), ("附件1",), ()]
    rows[2] = (*rows[2][:2], None, None, None)  # empty cells read back as None
    assert marks.records_from_rows(rows) == records


@settings(max_examples=200)
@given(original=st.text())
def test_the_user_note_survives_inside_ours(original: str) -> None:
    note = marks.note_text([finding(Severity.ERROR, "A1", "错")], None, original)
    assert note.startswith(NOTE_MARKER)
    assert marks.original_from_note(note) == original


@settings(max_examples=100)
@given(
    severities=st.lists(st.sampled_from(list(Severity)), max_size=6),
    rows=st.lists(st.integers(1, 4), min_size=6, max_size=6),
    user=st.sampled_from([CellState(), CellState(YELLOW, "自己的", "张"), CellState("xml:<fill/>", "", "")]),
)
def test_mark_twice_is_mark_once_and_clearing_gives_everything_back(
    severities: list[Severity], rows: list[int], user: CellState
) -> None:
    start = {CellRef(SHEET, r, 1): user for r in range(1, 5)}
    book = FakeBook(start)
    outcome = Outcome(
        findings=[
            Finding(s, "c", CellRef(SHEET, r, 1), f"第{r}行") for s, r in zip(severities, rows, strict=False)
        ]
    )
    book.apply(outcome)
    once = (dict(book.cells), list(book.records))
    book.apply(outcome)
    assert (book.cells, book.records) == once
    for look in marks.plan_clear(book.records, book.read, noted=book.noted()):
        book.cells[look.cell] = CellState(look.fill, look.note, look.author)
    assert {c: s for c, s in book.cells.items() if s != CellState()} == {
        c: s for c, s in start.items() if s != CellState()
    }


# --- applied to real workbooks by the openpyxl door ------------------------------------------------


def make_book(path: Path) -> Path:
    """A small form: formulas, a wrong typed percentage, and the user's own yellow fills and notes."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = "附件3"
    ws["C3"], ws["C4"], ws["C5"] = 100, 200, "=SUM(C3:C4)"
    ws["D3"] = 0.6165
    ws["D3"].number_format = "0.00%"
    ws["E6"] = 5
    ws["E6"].fill = PatternFill(fill_type="solid", fgColor=Color(theme=4, tint=0.6))  # a theme colour
    for address, note in (("G12", "请核对来源"), ("H12", "用户自己的批注")):
        ws[address] = 90
        ws[address].fill = PatternFill(fill_type="solid", fgColor=YELLOW)
        ws[address].comment = Comment(note, "张会计")
    other = wb.create_sheet("附件1")
    other["B3"] = "岳阳市某单位"
    wb.save(path)
    return path


EDIT = CellEdit(ref("D3"), Decimal("0.6"), "0.00%", 0.6165, "原值61.65%")


def full_outcome() -> Outcome:
    return Outcome(
        # In the engine's order: sheet, row, column, severity.
        findings=[
            finding(Severity.ERROR, "D3", "D3 应为60.00%", expected="60.00%", actual="61.65%", fix=EDIT),
            finding(Severity.WARNING, "E6", "E6 写成了=SUM(A1)", expected="=SUM(A1)", actual="@5"),
            finding(Severity.ERROR, "G12", "G12 应为88，表中为90", expected="88", actual="90"),
            finding(Severity.INFO, "G12", "G12 请再看看"),
            Finding(Severity.INFO, "c", CellRef("附件1", 3, 2), "单位名称请核对", form="附件1"),
        ],
        edits=[EDIT, CellEdit(ref("D4"), Decimal("12.5"), "0.00", kind="fill", reason="按公式计算")],
        scores=[ScoreSummary(SHEET, FORM, Decimal(90), Decimal("88.5"), "良")],
    )


def recalc(path: Path, outcome: Outcome) -> None:
    wb = load_workbook(path, rich_text=True)
    apply_outcome(wb, outcome)
    wb.save(path)


def snapshot(path: Path) -> dict[str, object]:
    """Every sheet (name, state) and every cell's value, type, format, fill, note and link."""
    wb = load_workbook(path, rich_text=True)
    out: dict[str, object] = {"sheets": [(ws.title, ws.sheet_state) for ws in wb]}
    for ws in wb.worksheets:
        for (r, c), cell in sorted(ws._cells.items()):
            note = cell.comment
            link = cell.hyperlink
            out[f"{ws.title}!{r},{c}"] = (
                cell.value,
                cell.data_type,
                cell.number_format,
                fill_token(cell.fill),
                (note.text, note.author) if note else None,
                (link.location, link.target) if link else None,
            )
    return out


_LINK = re.compile(r'=HYPERLINK\("#(.*)","(.*)"\)')


def shown_link(value: object) -> object:
    """A HYPERLINK formula's text as the cell shows it; other values as they are."""
    match = _LINK.fullmatch(value) if isinstance(value, str) else None
    return match[2].replace('""', '"') if match else value


def link_target(value: object) -> str | None:
    match = _LINK.fullmatch(value) if isinstance(value, str) else None
    return match[1].replace('""', '"') if match else None


def issue_table(path: Path) -> list[tuple[object, ...]]:
    ws = load_workbook(path)[marks.LIST_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    header = rows.index(marks.ISSUE_HEADERS)
    return [tuple(shown_link(v) for v in row) for row in rows[header + 1 :]]


def test_marks_notes_and_values_in_place(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    recalc(path, full_outcome())
    wb = load_workbook(path)
    ws = wb[SHEET]
    g12 = ws["G12"]
    assert fill_token(g12.fill) == marks.FILL_ERROR
    assert g12.comment.author == marks.AUTHOR
    assert g12.comment.text.startswith(NOTE_MARKER + "错误：G12 应为88，表中为90\n提示：G12 请再看看")
    assert g12.comment.text.endswith(f"{marks.ORIGINAL_NOTE_RULE}\n请核对来源")
    assert fill_token(ws["E6"].fill) == marks.FILL_WARNING
    # D3: right value as a number in its format, the old one kept in the note
    assert ws["D3"].value == 0.6 and ws["D3"].data_type == "n" and ws["D3"].number_format == "0.00%"
    assert "原值61.65%" in ws["D3"].comment.text
    assert ws["D4"].value == 12.5 and ws["D4"].number_format == "0.00"
    assert "已填入" in ws["D4"].comment.text and fill_token(ws["D4"].fill) == ""
    # untouched: the formula, the user's other fill and note
    assert ws["C5"].value == "=SUM(C3:C4)"
    assert fill_token(ws["H12"].fill) == YELLOW
    assert (ws["H12"].comment.text, ws["H12"].comment.author) == ("用户自己的批注", "张会计")
    # info on 附件1: note only
    assert wb["附件1"]["B3"].comment.text.startswith(NOTE_MARKER + "提示：")
    assert fill_token(wb["附件1"]["B3"].fill) == ""


def test_issue_list_sheet(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    recalc(path, full_outcome())
    wb = load_workbook(path)
    assert wb.sheetnames == [SHEET, "附件1", marks.LIST_SHEET, marks.RECORD_SHEET]
    assert wb[marks.RECORD_SHEET].sheet_state == "veryHidden"
    assert wb.active.title == SHEET  # the sheet the user had open stays open
    ws = wb[marks.LIST_SHEET]
    assert ws["A1"].value == marks.LIST_TITLE
    # D3's error is corrected: counted apart and listed last, as 已更正.
    assert ws["A2"].value == "共发现 4 项问题：错误 1 项，警告 1 项，提示 2 项。"
    assert ws["A3"].value == "另有 1 项已由重算更正，列在表末（严重程度为“已更正”），不计入以上问题数。"
    assert ws["A5"].value == f"{FORM}：表中总分 90.00，重算总分 88.50，等级 良（表中总分与重算不一致）"
    header = 7
    assert [c.value for c in ws[header]] == list(marks.ISSUE_HEADERS)
    assert all(c.font.b for c in ws[header])
    assert ws.freeze_panes == f"A{header + 1}"
    assert ws.auto_filter.ref == f"A{header}:G{header + 5}"
    rows = issue_table(path)
    assert rows[1] == (2, "错误", FORM, f"{SHEET}!G12", "G12 应为88，表中为90", "88", "90")
    assert [r[1] for r in rows] == ["警告", "错误", "提示", "提示", "已更正（原错误）"]
    links = [link_target(ws.cell(row=header + n, column=4).value) for n in range(1, 6)]
    assert links == [
        "'附件3 运转经费'!E6",
        "'附件3 运转经费'!G12",
        "'附件3 运转经费'!G12",
        "'附件1'!B3",
        "'附件3 运转经费'!D3",
    ]
    assert ws.print_title_rows == f"${header}:${header}" and ws.page_setup.paperSize == 9  # A4
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert all(c.font.name == "宋体" for row in ws.iter_rows() for c in row if c.value is not None)
    assert all(c.border.left.style == "thin" for c in ws[header + 3])
    # user text beginning with = or @ stays text
    e6 = ws.cell(row=header + 1, column=6)
    assert (e6.value, e6.data_type) == ("=SUM(A1)", "s")
    assert ws.cell(row=header + 1, column=7).value == "@5"
    assert ws.column_dimensions["E"].width >= len("G12 应为88，表中为90")


def test_restore_after_the_finding_disappears(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    before = snapshot(path)
    recalc(path, full_outcome())
    wb = load_workbook(path)
    wb[SHEET]["D3"].value = 0.58  # the user types another figure over the one recalc wrote…
    wb[SHEET]["D4"].value = None  # …and clears the one it filled in
    wb.save(path)
    recalc(path, Outcome())
    wb = load_workbook(path)
    ws = wb[SHEET]
    for address, note in (("G12", "请核对来源"), ("H12", "用户自己的批注")):
        assert fill_token(ws[address].fill) == YELLOW
        assert (ws[address].comment.text, ws[address].comment.author) == (note, "张会计")
    assert ws["E6"].fill.fgColor.theme == 4 and ws["E6"].fill.fgColor.tint == 0.6
    assert ws["D3"].comment is None and wb["附件1"]["B3"].comment is None
    assert marks.RECORD_SHEET not in wb.sheetnames
    assert wb[marks.LIST_SHEET]["A2"].value == "未发现问题。"
    assert issue_table(path) == []
    # apart from the values the user changed and the (empty) list, the workbook is as it was
    after = snapshot(path)
    written = {f"{SHEET}!3,4", f"{SHEET}!4,4"}
    assert {
        k: v for k, v in after.items() if k not in written and marks.LIST_SHEET not in k and k != "sheets"
    } == {k: v for k, v in before.items() if k not in written and k != "sheets"}


def test_a_value_recalc_wrote_keeps_its_note_with_the_old_value_on_later_runs(tmp_path: Path) -> None:
    """Never overwrite a typed value without keeping it in the note: not on the next run either."""
    path = make_book(tmp_path / "自评.xlsx")
    recalc(path, full_outcome())
    first = snapshot(path)
    recalc(path, Outcome(scores=full_outcome().scores))  # the engine finds nothing wrong any more
    ws = load_workbook(path)[SHEET]
    assert ws["D3"].value == 0.6 and "原值61.65%" in ws["D3"].comment.text
    assert "已填入" in ws["D4"].comment.text
    assert ws["G12"].comment.text == "请核对来源"  # a finding without a written value is given back
    rows = issue_table(path)
    assert [r[3] for r in rows] == [f"{SHEET}!D3"]  # the correction stays listed
    assert snapshot(path)[f"{SHEET}!3,4"] == first[f"{SHEET}!3,4"]


def test_recalc_twice_gives_the_same_workbook(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    recalc(path, full_outcome())
    once = snapshot(path)
    recalc(path, full_outcome())
    assert snapshot(path) == once


def test_clear_marks_gives_the_workbook_back(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    before = snapshot(path)
    outcome = full_outcome()
    outcome.edits = []  # without written values, clearing must give back exactly the original
    outcome.findings[0] = finding(Severity.ERROR, "D3", "D3 应为60.00%")
    recalc(path, outcome)
    wb = load_workbook(path)
    clear_marks(wb)
    wb.save(path)
    assert snapshot(path) == before


def test_a_user_sheet_named_like_our_list_is_kept(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    wb = load_workbook(path)
    wb.create_sheet(marks.LIST_SHEET)["A1"] = "我自己的问题清单"
    wb.save(path)
    recalc(path, full_outcome())
    recalc(path, full_outcome())
    wb = load_workbook(path)
    assert wb[marks.LIST_SHEET]["A1"].value == "我自己的问题清单"
    ours = [ws.title for ws in wb if ws["A1"].value == marks.LIST_TITLE]
    assert ours == [f"{marks.LIST_SHEET}（自评检查）"]


def test_finding_on_a_merged_range_marks_its_top_left_cell(tmp_path: Path) -> None:
    path = make_book(tmp_path / "自评.xlsx")
    wb = load_workbook(path)
    wb[SHEET].merge_cells("B8:D8")
    wb.save(path)
    recalc(path, Outcome(findings=[finding(Severity.ERROR, "C8", "合并单元格")]))
    ws = load_workbook(path)[SHEET]
    assert ws["B8"].comment.text == NOTE_MARKER + "错误：合并单元格"


def test_a_figure_never_goes_over_a_label_merged_over_the_row(tmp_path: Path) -> None:
    """The 总分 row typed as a unit would: "总分" merged over A33:H33. A fix aimed inside that range (the
    reader's mistake) is listed and noted, but the label stays and no note claims a correction."""
    path = tmp_path / "自评.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A33"] = "总分"
    ws.merge_cells("A33:H33")
    ws["I33"] = 95.61
    wb.save(path)
    cell = ref("C33")  # inside the merge: its value sits in A33
    fix = CellEdit(cell, Decimal("100"), None, "总分", "分值合计")
    outcome = Outcome(findings=[finding(Severity.ERROR, "C33", "分值合计应为100", fix=fix)], edits=[fix])
    recalc(path, outcome)
    ws = load_workbook(path)[SHEET]
    assert ws["A33"].value == "总分"
    assert "已更正" not in ws["A33"].comment.text and "分值合计应为100" in ws["A33"].comment.text
    assert [r[4] for r in issue_table(path)] == ["分值合计应为100"]
    assert marks.is_label("总分") and not marks.is_label("3.00") and not marks.is_label("１００分")
