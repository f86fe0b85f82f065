"""What each ribbon button does to the open workbook, given its xlwings Book (tests pass a fake one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from xl_selfeval import marks
from xl_selfeval.errors import UserError
from xl_selfeval.excel import config, door, ui
from xl_selfeval.findings import Outcome
from xl_selfeval.grid import Grid
from xl_selfeval.settings import Settings, load_settings

if TYPE_CHECKING:
    from xlwings import App, Book

RULES_FILE = "规则.toml"  # beside the workbook: the ribbon's counterpart of the CLI's --config
NEW_BOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class Progress:
    """How far a button got, so that a failure message can say whether the workbook was touched."""

    writing: bool = False


@dataclass(frozen=True)
class MarkResult:
    outcome: Outcome
    plan: marks.Plan
    list_sheet: str


def _saved_path(book: Book) -> Path | None:
    """The workbook's file, or None when it was never saved (or lives where no path can name it)."""
    try:
        path = Path(book.fullname)
    except Exception:  # e.g. a OneDrive address xlwings cannot map to a local folder
        return None
    return path if path.is_absolute() and path.is_file() else None


def settings_for(book: Book, grids: Sequence[Grid] = ()) -> Settings:
    """The PROFILE set in xl_selfeval.conf (sheet or file), with 规则.toml beside the workbook
    overriding single values when there is one; else the default profile."""
    path = _saved_path(book)
    rules = path.with_name(RULES_FILE) if path is not None else None
    profile = config.profile_setting(grids, path)
    return load_settings(rules if rules is not None and rules.is_file() else None, profile)


def findings_only(outcome: Outcome) -> Outcome:
    """The outcome without any fix: 检查 marks what is wrong and changes no figure, so no note says
    '已更正' and 问题清单 counts no correction."""
    return Outcome(
        forms=outcome.forms,
        findings=[replace(f, fix=None) for f in outcome.findings],
        edits=[],
        scores=outcome.scores,
        profile=outcome.profile,
    )


def calculate_if_manual(app: App) -> None:
    """Bring every formula's value up to date before the workbook is read: in manual (or semiautomatic)
    calculation Excel keeps the values of before the last edits, which the checks would take as typed."""
    if app.calculation != "automatic":
        app.calculate()


def mark_book(book: Book, *, correct: bool, progress: Progress | None = None) -> MarkResult:
    """重新计算 (``correct``) or 检查: run the engine on the open workbook and mark it as recalc marks a file."""
    from xl_selfeval.engine import run_engine

    app = book.app
    with ui.status(app) as say:
        say(f"正在读取“{book.name}”…")
        calculate_if_manual(app)
        live = door.read_book(book)
        say(f"正在检查“{book.name}”…")
        outcome = run_engine(live.grids, settings_for(book, live.grids))
        say("正在标注问题…")
        return apply_outcome(live, outcome, correct=correct, progress=progress)


def apply_outcome(
    live: door.LiveBook, outcome: Outcome, *, correct: bool, progress: Progress | None = None
) -> MarkResult:
    """The marks of ``outcome`` written into the live workbook (its figures corrected only if ``correct``),
    with screen updating and calculation off meanwhile; 问题清单 shown when there is an error."""
    progress = progress or Progress()
    if not correct:
        outcome = findings_only(outcome)
    plan = marks.plan_marks(outcome, live.records(), live.state, noted=live.noted())
    app = live.book.app
    progress.writing = True
    with ui.quiet(app):
        if correct:
            door.write_values(live, plan.writes)
        door.apply_looks(live, [*plan.restores, *plan.marks])
        door.remove_our_sheets(live)
        list_sheet = door.add_list(live, plan)
        if plan.records:
            door.add_records(live, plan.records, after=list_sheet.sheet)
        door.activate(live, list_sheet.name if outcome.has_errors else live.active)
    progress.writing = False
    return MarkResult(outcome, plan, list_sheet.name)


def result_message(result: MarkResult, *, correct: bool) -> str:
    lines = [line.cells[0] for line in result.plan.summary]
    head = "重新计算完成。" if correct else "检查完成（未修改任何数字）。"
    tail = f"问题清单见“{result.list_sheet}”工作表；有问题的单元格已标色并加批注。"
    if not result.outcome.findings:
        tail = f"结果见“{result.list_sheet}”工作表。"
    return "\n".join([head, *lines, tail])


def clear_book(book: Book, progress: Progress | None = None) -> int:
    """清除标记: give back the user's fills and notes, delete 问题清单 and the record sheet. Returns how many
    cells and sheets were cleared (0: there was nothing of ours)."""
    progress = progress or Progress()
    app = book.app
    with ui.status(app) as say:
        say("正在清除标记…")
        calculate_if_manual(app)
        live = door.read_book(book)
        looks = marks.plan_clear(live.records(), live.state, noted=live.noted())
        ours = [s for s in live.sheets if s.is_ours]
        if not looks and not ours:
            return 0
        progress.writing = True
        with ui.quiet(app):
            door.apply_looks(live, looks)
            door.remove_our_sheets(live)
            door.activate(live, live.active)
        progress.writing = False
    return len(looks) + len(ours)


# --- 新建下一年度 ----------------------------------------------------------------------------------------


def free_path(folder: Path, year: int) -> Path:
    """{year}年度绩效自评.xlsx in ``folder``, or …（2）.xlsx, …（3）.xlsx: an existing file is never replaced."""
    stem = f"{year}年度绩效自评"
    candidate = folder / f"{stem}.xlsx"
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}（{n}）.xlsx"
        n += 1
    return candidate


def has_unsaved_changes(book: Book) -> bool | None:
    """Whether Excel holds changes not yet saved (None: cannot tell). xlwings has no property for it, so
    COM's Workbook.Saved (Windows) or AppleScript's saved (Mac) is asked."""
    try:
        api = book.api
        saved = api.Saved if hasattr(api, "Saved") else api.saved.get()
    except Exception:
        return None
    return not bool(saved)


def rollover_book(book: Book) -> str | None:
    """新建下一年度 from the open workbook's file; the message to show, or None if the user cancelled."""
    from xl_selfeval.rollover import next_year_of, read_last_year, rollover_file

    source = _saved_path(book)
    if source is None:
        raise UserError("请先保存本工作簿（文件→另存为，保存为 .xlsx），再点“新建下一年度”。")
    if source.suffix.lower() not in NEW_BOOK_SUFFIXES:
        raise UserError(
            f"“{source.name}”不是 .xlsx/.xlsm 工作簿。请先另存为 .xlsx（文件→另存为），再点“新建下一年度”。"
        )
    app = book.app
    if has_unsaved_changes(book):
        answer = ui.alert(
            app,
            "本工作簿有尚未保存的修改，新建下一年度会以保存在磁盘上的内容为底稿。\n\n"
            "点“是”：先保存，再新建；\n点“否”：不保存，按上次保存的内容新建；\n点“取消”：不新建。",
            buttons="yes_no_cancel",
            mode=None,
        )
        if answer == "yes":
            book.save()
        elif answer != "no":
            return None
    with ui.status(app) as say:
        say(f"正在读取“{source.name}”…")
        year = next_year_of(read_last_year(source))
        target = free_path(source.parent, year)
        say(f"正在生成 {target.name}…")
        try:
            summary = rollover_file(source, target, year)
        except OSError as error:
            raise UserError(
                f"无法在“{target.parent}”中保存新工作簿（{error.strerror or error}）。"
                "请把当前工作簿另存到可以写入的文件夹后再试。"
            ) from None
    app.books.open(str(target))
    return f"已生成“{target.name}”，保存在：\n{target.parent}\n\n{summary.text}"
