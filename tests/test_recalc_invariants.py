"""recalc's promises as properties, over every corpus workbook and seeded random mutations of them.

For each workbook: labels never change, a changed cell is a figure whose note keeps what was typed, no
figure goes into a merged range anchored on a label, a second recalc changes nothing, `check` afterwards
shows no new error and none of the fixed ones, the result opens, and no run ends in a traceback.
CI runs a fixed seeded subset; XL_SELFEVAL_MUTATIONS=400 runs hundreds.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import EXAMPLE, PUBLISHED, run_soffice
from handtyped import build_handtyped
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from xl_selfeval.cli import main
from xl_selfeval.engine import run_engine
from xl_selfeval.errors import UserError
from xl_selfeval.files.open import read_document
from xl_selfeval.files.settings import load_settings
from xl_selfeval.findings import Outcome, Severity
from xl_selfeval.marks import LIST_TITLE, RECORD_SHEET, is_label
from xl_selfeval.report_text import outcome_text

REAL = Path(__file__).resolve().parent / "real"
MUTATIONS = int(os.environ.get("XL_SELFEVAL_MUTATIONS", "30"))
SEED = int(os.environ.get("XL_SELFEVAL_SEED", "20241"))


# --- the corpus ---------------------------------------------------------------------------------------------


def _real_forms() -> list[str]:
    return sorted(p.stem for p in (REAL / "forms").glob("*.toml"))


CORPUS = ["示例", "公开原表", "手填", *(f"real:{name}" for name in _real_forms())]


def build_corpus(name: str, folder: Path) -> Path:
    """The named corpus workbook, copied or built into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    if name == "示例":
        return Path(shutil.copy(EXAMPLE, folder / EXAMPLE.name))
    if name == "公开原表":
        return Path(shutil.copy(PUBLISHED, folder / PUBLISHED.name))
    if name == "手填":
        return build_handtyped(folder / "岳阳（手填）.xlsx")
    from real.build import build, load

    stem = name.removeprefix("real:")
    return build(load(stem), folder / f"{stem}.xlsx")


# --- running the doors in-process ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def cli(*args: str) -> Run:
    """xl-selfeval in-process; a traceback fails the test, so does any exit code but 0, 1 and 2."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    assert code in (0, 1, 2), f"exit {code}: {err.getvalue()}"
    assert "Traceback" not in err.getvalue(), err.getvalue()
    return Run(code, out.getvalue(), err.getvalue())


def error_keys(found: Outcome, *, fixed_only: bool = False) -> set[tuple[str, str, str]]:
    return {
        (str(f.code), f.cell.sheet, f.cell.address)
        for f in found.findings
        if f.severity is Severity.ERROR and (f.fix is not None or not fixed_only)
    }


def outcome(path: Path) -> Outcome:
    """What recalc computes for ``path``: the findings with the fixes it writes."""
    settings = load_settings(None, None)
    return run_engine(read_document(path, settings.limits).grids, settings)


# --- what a workbook looks like, cell by cell ---------------------------------------------------------------

Cell = tuple[object, str, str]  # value, fill, note


def _fill(cell: Any) -> str:
    fill = cell.fill
    if fill is None or fill.fill_type is None:
        return ""
    return f"{fill.fill_type}:{fill.fgColor.rgb if fill.fgColor.type == 'rgb' else fill.fgColor.theme}"


def cells(path: Path) -> dict[str, dict[str, Cell]]:
    """Every sheet's cells that hold something, the record sheet and 问题清单 included."""
    wb = openpyxl.load_workbook(path, rich_text=False)
    sheets: dict[str, dict[str, Cell]] = {}
    for ws in wb.worksheets:
        got: dict[str, Cell] = {}
        for _, cell in sorted(ws._cells.items()):
            if isinstance(cell, MergedCell):
                continue
            note = cell.comment.text if cell.comment is not None else ""
            look: Cell = (cell.value, _fill(cell), note)
            if look != (None, "", ""):
                got[cell.coordinate] = look
        sheets[ws.title] = got
    return sheets


def label_merges(path: Path) -> dict[str, list[str]]:
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: sorted(
            str(m) for m in ws.merged_cells.ranges if is_label(ws.cell(m.min_row, m.min_col).value)
        )
        for ws in wb.worksheets
    }


def _typed_forms(value: object) -> list[str]:
    """How a note may show what was typed: the text itself, or the number as typed or as a percent."""
    if isinstance(value, str):
        return [value.strip()]
    if isinstance(value, (int, float)):
        from decimal import Decimal

        d = Decimal(str(value))
        forms = {str(value), f"{d:.2f}", format(d.normalize(), "f"), f"{d * 100:.2f}%"}
        return sorted(forms)
    return []


def _ours(title: str, sheet: dict[str, Cell]) -> bool:
    return title == RECORD_SHEET or sheet.get("A1", (None,))[0] == LIST_TITLE


def assert_recalc_kept_what_was_typed(before: Path, after: Path) -> None:
    """Labels unchanged; every changed value is a figure cell whose note holds the old value as typed."""
    old, new = cells(before), cells(after)
    for title, sheet in old.items():
        if _ours(title, sheet):
            continue
        assert title in new, f"sheet {title} lost"
        for address, (value, _fill_before, _note) in sheet.items():
            now = new[title].get(address, (None, "", ""))
            if is_label(value):
                assert now[0] == value, f"{title}!{address}: label {value!r} became {now[0]!r}"
            elif now[0] != value and value is not None:
                assert not (isinstance(value, str) and value.startswith("=")), f"{title}!{address} formula"
                assert any(form in now[2] for form in _typed_forms(value)), (
                    f"{title}!{address}: {value!r} → {now[0]!r}, note does not keep it: {now[2]!r}"
                )
        for address, (value, _, _) in new[title].items():
            if address not in sheet and isinstance(value, str):
                assert not is_label(value), f"{title}!{address}: a label appeared: {value!r}"
    assert label_merges(before) == {t: m for t, m in label_merges(after).items() if t in label_merges(before)}
    wb = openpyxl.load_workbook(before)
    for ws in wb.worksheets:
        if ws.title not in new:
            continue
        for merged in ws.merged_cells.ranges:
            anchor = ws.cell(merged.min_row, merged.min_col).value
            if not is_label(anchor):
                continue
            for row in merged.rows:
                for r, c in row:
                    address = ws.cell(r, c).coordinate
                    assert new[ws.title].get(address, (None,))[0] == old[ws.title].get(address, (None,))[0], (
                        f"{ws.title}!{address} inside the label range {merged} was written"
                    )


_BACKUP = re.compile(r".*备份.*\n?")


def without_backup_lines(text: str) -> str:
    """The backup sentence names 原件 on the first run and 上次 on the second: the one allowed difference."""
    return _BACKUP.sub("", text)


def comparable(sheets: dict[str, dict[str, Cell]]) -> dict[str, dict[str, Cell]]:
    return {
        title: {
            a: (without_backup_lines(v) if isinstance(v, str) else v, f, n) for a, (v, f, n) in sheet.items()
        }
        for title, sheet in sheets.items()
    }


def assert_invariants(path: Path) -> None:
    """Everything promised, on the workbook at ``path`` (changed in place, backups beside it)."""
    before = path.with_name("before-" + path.name)
    shutil.copy(path, before)
    try:
        found_before = outcome(before)
    except UserError:
        # Not read as a form (another helper teaches the reader more layouts): refused, nothing written.
        refused = cli("recalc", str(path))
        assert refused.code == 2 and refused.err.strip(), refused
        assert path.read_bytes() == before.read_bytes()
        return
    first = cli("recalc", str(path))
    assert first.code == (1 if error_keys(found_before) else 0), first.out
    assert list_open_errors(path) == console_open_errors(first), first.out
    assert_recalc_kept_what_was_typed(before, path)
    once = path.with_name("once-" + path.name)
    shutil.copy(path, once)

    found_after = outcome(path)
    errors_before, errors_after = error_keys(found_before), error_keys(found_after)
    assert not errors_after - errors_before, f"recalc made new errors: {errors_after - errors_before}"
    fixed = error_keys(found_before, fixed_only=True)
    assert not fixed & errors_after, f"said fixed but still there: {fixed & errors_after}"

    second = cli("recalc", str(path))
    a, b = comparable(cells(once)), comparable(cells(path))
    assert a.keys() == b.keys()
    for title in a:
        diff = {
            k: (a[title].get(k), b[title].get(k))
            for k in a[title].keys() | b[title].keys()
            if a[title].get(k) != b[title].get(k)
        }
        assert not diff, f"second recalc changed {title}: {dict(sorted(diff.items())[:4])}"
    # The second run's console: what `check` says of the written workbook, and nothing more to write.
    assert second.out.startswith(outcome_text(path, found_after) + "\n"), second.out
    assert "（已改正 0 处，已补填 0 处，" in second.out, second.out
    assert second.code == (1 if errors_after else 0)
    assert list_open_errors(path) == console_open_errors(second), second.out


_STILL_OPEN = re.compile(r"共 \d+ 个错误：已更正 \d+ 个，仍有 (\d+) 个需要核对")
_LISTED = re.compile(r"共发现 \d+ 项问题：错误 (\d+) 项")


def console_open_errors(run: Run) -> int:
    """The errors recalc's console says still need checking (0 when it names none)."""
    found = _STILL_OPEN.search(run.out)
    return int(found[1]) if found else 0


def list_open_errors(path: Path) -> int:
    """The open errors 问题清单 counts in its summary, checked against its rows: those of severity 错误
    (a corrected problem's row says 已更正 there and is not counted)."""
    wb = openpyxl.load_workbook(path)
    (ws,) = [ws for ws in wb.worksheets if ws["A1"].value == LIST_TITLE]
    rows = list(ws.iter_rows(values_only=True))
    summary = next((str(row[0]) for row in rows if row[0] and _LISTED.search(str(row[0]))), "")
    counted = int(_LISTED.search(summary)[1]) if summary else 0  # type: ignore[index]
    header = next(i for i, row in enumerate(rows) if row[0] == "序号")
    assert counted == sum(1 for row in rows[header + 1 :] if row[1] == Severity.ERROR.label), rows
    return counted


# --- mutations, as people make them -------------------------------------------------------------------------


def _sheets(wb: openpyxl.Workbook) -> list[Worksheet]:
    return [ws for ws in wb.worksheets if ws.title != RECORD_SHEET and ws.sheet_state == "visible"]


def _figures(wb: openpyxl.Workbook) -> list[Any]:
    return [
        cell
        for ws in _sheets(wb)
        for cell in ws._cells.values()
        if not isinstance(cell, MergedCell)
        and isinstance(cell.value, (int, float))
        and not isinstance(cell.value, bool)
    ]


def _rates(wb: openpyxl.Workbook) -> list[Any]:
    return [c for c in _figures(wb) if "%" in (c.number_format or "")]


def perturb(wb: openpyxl.Workbook, rng: random.Random) -> str:
    cell = rng.choice(_figures(wb))
    cell.value = round(cell.value * rng.choice([0.5, 0.9, 1.1, 1.37, 3]) + rng.choice([0, 1, -1]), 2)
    return f"perturb {cell.coordinate}"


def change_score(wb: openpyxl.Workbook, rng: random.Random) -> str:
    small = [c for c in _figures(wb) if 0 <= c.value <= 100 and "%" not in (c.number_format or "")]
    cell = rng.choice(small or _figures(wb))
    cell.value = rng.choice([0, 1, 2.5, 5, 10, 20, 95, 110])
    return f"score {cell.coordinate}"


def rate_as_number(wb: openpyxl.Workbook, rng: random.Random) -> str:
    rates = _rates(wb)
    if not rates:
        return perturb(wb, rng)
    cell = rng.choice(rates)
    cell.value = round(cell.value * 100, 2)  # 61.65 typed into a percent cell: shows 6165.00%
    return f"rate-number {cell.coordinate}"


def rate_as_text(wb: openpyxl.Workbook, rng: random.Random) -> str:
    rates = _rates(wb)
    if not rates:
        return number_as_text(wb, rng)
    cell = rng.choice(rates)
    cell.value = f"{cell.value * 100:.2f}%"
    return f"rate-text {cell.coordinate}"


def number_as_text(wb: openpyxl.Workbook, rng: random.Random) -> str:
    cell = rng.choice(_figures(wb))
    cell.value = rng.choice(["{:.2f}", "{:,.2f}", "{}万元"]).format(cell.value)
    cell.data_type = "s"
    return f"text {cell.coordinate}"


def full_width(wb: openpyxl.Workbook, rng: random.Random) -> str:
    cell = rng.choice(_figures(wb))
    cell.value = f"{cell.value:.2f}".translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    return f"full-width {cell.coordinate}"


def insert_row(wb: openpyxl.Workbook, rng: random.Random) -> str:
    """A blank row inserted as Excel does it: cells, merges below and heights move down together."""
    plain = [ws for ws in _sheets(wb) if not any(c.data_type == "f" for c in ws._cells.values())]
    if not plain:
        return perturb(wb, rng)  # formulas would need Excel's reference shifting, which openpyxl lacks
    ws = rng.choice(plain)
    at = rng.randint(ws.min_row + 3, max(ws.min_row + 3, ws.max_row - 1))
    moved = [m for m in ws.merged_cells.ranges if m.max_row >= at]
    for m in moved:
        ws.merged_cells.remove(m)
    ws.insert_rows(at)
    for m in moved:
        if m.min_row >= at:
            m.shift(0, 1)
        else:
            m.expand(down=1)  # a merge across the inserted row grows, as in Excel
        ws.merged_cells.add(m)
    return f"insert {ws.title}!{at}"


def merge_label(wb: openpyxl.Workbook, rng: random.Random) -> str:
    candidates = []
    for ws in _sheets(wb):
        inside = {(r, c) for m in ws.merged_cells.ranges for row in m.rows for r, c in row}
        for (r, c), cell in ws._cells.items():
            if not is_label(cell.value) or (r, c) in inside:
                continue
            right = ws._cells.get((r, c + 1))
            if (r, c + 1) not in inside and (right is None or right.value is None):
                candidates.append((ws, r, c))
    if not candidates:
        return perturb(wb, rng)
    ws, r, c = rng.choice(candidates)
    width = 1
    while width < 4 and (r, c + width + 1) not in ws._cells:
        width += 1
    ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + width)
    return f"merge-label {ws.title}!{ws.cell(r, c).coordinate}"


def user_marks(wb: openpyxl.Workbook, rng: random.Random) -> str:
    cells_ = _figures(wb)
    chosen = rng.sample(cells_, min(3, len(cells_)))
    for cell in chosen:
        cell.comment = Comment(rng.choice(["财务科：已核对", "=SUM(A1)", "待补充凭证"]), "财务科")
        cell.fill = PatternFill(fill_type="solid", fgColor=rng.choice(["FFFFFF00", "FFC6EFCE", "FFFFC7CE"]))
    return "user-marks " + ",".join(c.coordinate for c in chosen)


MUTATIONS_BY_NAME: dict[str, Callable[[openpyxl.Workbook, random.Random], str]] = {
    f.__name__: f
    for f in (
        perturb,
        change_score,
        rate_as_number,
        rate_as_text,
        number_as_text,
        full_width,
        insert_row,
        merge_label,
        user_marks,
    )
}


def mutate(path: Path, rng: random.Random) -> str:
    wb = openpyxl.load_workbook(path, rich_text=True)
    done = [
        MUTATIONS_BY_NAME[name](wb, rng) for name in rng.sample(sorted(MUTATIONS_BY_NAME), rng.randint(1, 3))
    ]
    wb.save(path)
    return "; ".join(done)


# --- the tests ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


@pytest.mark.parametrize("name", CORPUS)
def test_recalc_keeps_its_promises_on_every_corpus_workbook(name: str, tmp_path: Path) -> None:
    assert_invariants(build_corpus(name, tmp_path))


def _cases() -> list[tuple[int, str]]:
    rng = random.Random(SEED)
    return [(n, rng.choice(CORPUS)) for n in range(MUTATIONS)]


@pytest.mark.parametrize(("n", "name"), _cases())
def test_recalc_keeps_its_promises_on_mutated_workbooks(n: int, name: str, tmp_path: Path) -> None:
    path = build_corpus(name, tmp_path)
    rng = random.Random(SEED * 1000 + n)
    what = mutate(path, rng)
    try:
        assert_invariants(path)
    except AssertionError as exc:
        raise AssertionError(f"mutation #{n} of {name} ({what}): {exc}") from None


# The result opens in LibreOffice too: a fixed few, converted headless with their own profile.
@pytest.mark.parametrize("name", ["示例", "公开原表", "手填", "real:hunan-2023-department-guantang"])
def test_recalculated_workbooks_open_in_libreoffice(name: str, tmp_path: Path) -> None:
    path = build_corpus(name, tmp_path / "in")
    mutate(path, random.Random(SEED))
    assert cli("recalc", str(path)).code in (0, 1)
    openpyxl.load_workbook(path)
    out = tmp_path / "out"
    out.mkdir()
    run_soffice(["--convert-to", "xlsx", "--outdir", str(out), str(path)], timeout=120)
    converted = out / path.name
    assert converted.exists() and converted.stat().st_size > 0
    reopened = openpyxl.load_workbook(converted)
    assert set(openpyxl.load_workbook(path).sheetnames) <= set(reopened.sheetnames)


def test_a_row_recalc_writes_text_into_grows_to_fit_it(tmp_path: Path) -> None:
    """Issue 10: the 4791.96万元 recalc writes into a narrow 实际完成值 cell is not cut off in print."""
    path = build_corpus("公开原表", tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["附件2"]
    ws.column_dimensions["F"].width = 4  # a narrow column: the text needs several lines
    ws.row_dimensions[30].height = 15
    wb.save(path)
    assert cli("recalc", str(path)).code in (0, 1)
    ws = openpyxl.load_workbook(path)["附件2"]
    assert ws["F30"].value == "4791.96万元"
    # 4 characters wide holds at most 3 half-width characters a line: 11 display units need 4 lines.
    assert ws.row_dimensions[30].height >= 4 * 15


def test_a_corrected_score_keeps_the_same_note_when_its_rule_finding_remains(tmp_path: Path) -> None:
    """Found by mutation #164 (seed 7): 得分 typed as text "3万元" is corrected to 3, whose 评分规则 warning
    remains, worded with the new value: the second run must not add that wording as another note line."""
    path = build_corpus("示例", tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["附件3 运转经费"]["H15"] = "3万元"
    wb.save(path)
    assert_invariants(path)
    note = openpyxl.load_workbook(path)["附件3 运转经费"]["H15"].comment.text
    assert note.count("警告：") == 1, note


def test_recalc_restores_our_layout_formula_typed_over(tmp_path: Path) -> None:
    """A workbook made by `new` (recognised by its layout's formulas, all still exactly ours): a number
    typed over 执行率 and 总分 gives way to the formula again, the typed number kept in the note."""
    path = tmp_path / "2025年度绩效自评.xlsx"
    assert cli("new", "--year", "2025", "-o", str(path)).code == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["附件3 项目支出绩效自评表"]
    rate_formula, total_formula = ws["H9"].value, ws["H32"].value
    assert str(rate_formula).startswith("=IF(") and str(total_formula).startswith("=SUM(")
    ws["E6"], ws["F6"], ws["G9"] = 200, 150, 10  # 财政拨款 makes up the 年度资金总额; 分值 10
    ws["H9"] = 0.9  # 90% typed over the rate: 150÷200 is 75%
    ws["H32"] = 88  # a total typed over its SUM
    wb.save(path)

    assert_invariants(path)
    ws = openpyxl.load_workbook(path)["附件3 项目支出绩效自评表"]
    assert ws["H9"].value == rate_formula and ws["H32"].value == total_formula
    assert "已恢复本表原有的公式（原为手填数字90.00%）" in ws["H9"].comment.text
    assert "已恢复本表原有的公式（原为手填数字88" in ws["H32"].comment.text

    out = tmp_path / "lo"
    out.mkdir()
    run_soffice(["--convert-to", "xlsx", "--outdir", str(out), str(path)], timeout=120)
    computed = openpyxl.load_workbook(out / path.name, data_only=True)["附件3 项目支出绩效自评表"]
    assert computed["H9"].value == pytest.approx(0.75)
    assert computed["I9"].value == pytest.approx(7.5)  # 10 × 75%
    assert computed["H32"].value == pytest.approx(7.5)  # no indicator scores yet: the 执行率 score alone
