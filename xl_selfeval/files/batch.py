"""The batch review's file door: walk a folder, and read and check each file in worker processes.

Each worker reads one file, runs the engine in-process, and sends back small records (review.FileResult);
the grids and forms are dropped before the next file, so memory stays flat however many files there are.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TypeVar

from xl_selfeval.checks.context import Context
from xl_selfeval.engine import run_engine_with_context
from xl_selfeval.errors import UserError
from xl_selfeval.files.convert import find_soffice
from xl_selfeval.files.open import read_document
from xl_selfeval.files.xlsx import DEFAULT_LIMITS, Limits, _printable
from xl_selfeval.findings import Code, Outcome
from xl_selfeval.read import read_forms
from xl_selfeval.review import (
    FileResult,
    FindingRow,
    ReportTask,
    Skipped,
    assign_units,
    report_tasks,
    summarize,
    unreadable,
)
from xl_selfeval.settings import Settings

READ_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".docx"})
CONVERTED_SUFFIXES = frozenset({".doc", ".et", ".wps", ".xlsb", ".odt", ".rtf"})  # through LibreOffice
_LOCK_PREFIXES = ("~$", ".~lock.")

_T = TypeVar("_T")
_R = TypeVar("_R")
Progress = Callable[[int], None]  # called with the number of files just finished


@dataclass
class Batch:
    """What a review of a folder found: every file it took, in walk order, and every file it left."""

    results: list[FileResult]
    skipped: list[Skipped]


def walk(folder: Path, leave: Sequence[Path] = ()) -> tuple[list[str], list[Skipped]]:
    """Files to check under ``folder`` (relative, '/'-separated, sorted) and the ones left with the reason.

    Lock files and hidden files are left; linked folders are not entered (a link can loop).
    """
    folder = Path(folder)
    left_out = {p.resolve() for p in leave}
    has_soffice = find_soffice() is not None
    take: list[str] = []
    skipped: list[Skipped] = []
    for here, dirs, files in os.walk(folder, followlinks=False):
        base = Path(here)
        rel_base = base.relative_to(folder)
        for d in sorted(dirs):
            if d.startswith(".") or (base / d).is_symlink():
                why = "隐藏文件夹，未进入" if d.startswith(".") else "文件夹链接，未进入"
                skipped.append(Skipped(_rel(rel_base / d) + "/", why))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (base / d).is_symlink())
        for name in sorted(files):
            rel = _rel(rel_base / name)
            why = _why_left(base / name, name, has_soffice, left_out)
            if why:
                skipped.append(Skipped(rel, why))
            else:
                take.append(rel)
    return sorted(take, key=_walk_order), sorted(skipped, key=lambda s: _walk_order(s.file))


def _rel(p: Path) -> str:
    return p.as_posix()


def _walk_order(rel: str) -> tuple[str, ...]:
    return tuple(rel.split("/"))


def _why_left(path: Path, name: str, has_soffice: bool, left_out: set[Path]) -> str:
    suffix = path.suffix.lower()
    if name.startswith(_LOCK_PREFIXES):
        return "Office 或 LibreOffice 打开文件时留下的锁文件"
    if name.startswith("."):
        return "隐藏文件"
    if path.resolve() in left_out:
        return "本次审核的输出文件"
    if suffix in READ_SUFFIXES:
        return ""
    if suffix in CONVERTED_SUFFIXES:
        return (
            ""
            if has_soffice
            else f"{suffix} 文件要先由 LibreOffice 转换，本机未安装；请另存为 .xlsx 或 .docx"
        )
    shown = suffix or "无扩展名"
    return f"不是可检查的格式（{shown}）；可检查 .xlsx、.xlsm、.xls、.ods、.docx（装有 LibreOffice 时还有 .doc、.et、.wps）"


# --- the worker -----------------------------------------------------------------------------------------

_worker: tuple[Path, Settings, Limits] | None = None


def _start_worker(root: Path, settings: Settings, limits: Limits) -> None:
    global _worker
    _worker = (root, settings, limits)


def _state() -> tuple[Path, Settings, Limits]:
    assert _worker is not None, "worker not started"
    return _worker


def _crash_reason(exc: BaseException) -> str:
    # A defect or an exhausted resource on one file must not stop the batch; the type helps a bug report.
    return f"读取或检查时出错（{type(exc).__name__}），请在 Excel 或 Word 中打开并另存后再试"


def review_file(rel: str) -> FileResult:
    """Read and check one file in this process; never raises for a bad file."""
    root, settings, limits = _state()
    try:
        document = read_document(root / rel, limits)
    except UserError as exc:
        return unreadable(rel, str(exc))
    except Exception as exc:
        return unreadable(rel, _crash_reason(exc))
    ctx: Context | None = None
    try:
        outcome, ctx = run_engine_with_context(document.grids, settings)
    except UserError as exc:
        if document.paragraphs:  # a Word report without the tables: still the unit's report
            outcome = Outcome(profile=settings.profile)
        else:
            return unreadable(rel, f"“{_printable(Path(rel).name)}”：{exc}", document.source_kind)
    except Exception as exc:
        return unreadable(rel, _crash_reason(exc), document.source_kind)
    return summarize(rel, document.source_kind, outcome, document.paragraphs, document.notes, settings, ctx)


def check_report_task(task: ReportTask) -> list[FindingRow]:
    """A unit's Word report checked against the tables of that unit's workbook(s) (the report-check hook)."""
    from xl_selfeval.checks.report import check_report
    from xl_selfeval.review import finding_row

    root, settings, limits = _state()
    try:
        paragraphs = read_document(root / task.report, limits).paragraphs
        forms = [
            form for book in task.workbooks for form in read_forms(read_document(root / book, limits).grids)
        ]
        return [finding_row(task.report, f) for f in check_report(paragraphs, forms, settings)]
    except Exception as exc:  # the files were read once already; whatever fails now is told, not raised
        return [
            FindingRow(
                task.report, "", "", "警告", 1, Code.REPORT_UNCHECKED.value, _crash_reason(exc), "", ""
            )
        ]


# --- the pool -------------------------------------------------------------------------------------------


def default_jobs() -> int:
    return os.cpu_count() or 1


_CRASHED = "检查这个文件的进程意外退出（文件构造异常或内存不足），请在 Excel 或 Word 中打开并另存后再试"


def _file_crashed(rel: str) -> FileResult:
    return unreadable(rel, f"“{_printable(Path(rel).name)}”：{_CRASHED}")


def _report_crashed(task: ReportTask) -> list[FindingRow]:
    return [
        FindingRow(
            task.report,
            "",
            "",
            "警告",
            1,
            Code.REPORT_UNCHECKED.value,
            f"报告未能与表格核对：{_CRASHED}",
            "",
            "",
        )
    ]


class _Workers:
    """The worker processes, started once for the batch. A worker that dies (a crash inside a library on a
    hostile file, the out-of-memory killer) costs only the file it was reading: the files then in flight
    are tried again one at a time, and the pool is started again for the rest."""

    def __init__(self, jobs: int, start: tuple[Path, Settings, Limits]) -> None:
        self.jobs, self.start = jobs, start
        self.pool: ProcessPoolExecutor | None = None

    def _new_pool(self, jobs: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(jobs, initializer=_start_worker, initargs=self.start)

    def run(
        self, function: Callable[[_T], _R], items: Sequence[_T], crashed: Callable[[_T], _R]
    ) -> Iterator[_R]:
        """``function`` over ``items``, results in the order of ``items``; at most a few per worker in flight."""
        if self.jobs == 1 or len(items) < 2:
            _start_worker(*self.start)
            yield from map(function, items)
            return
        waiting = iter(items)
        flight: deque[tuple[_T, Future[_R]]] = deque()
        while True:
            if self.pool is None:
                self.pool = self._new_pool(self.jobs)
            for item in islice(waiting, self.jobs * 4 - len(flight)):
                flight.append((item, self.pool.submit(function, item)))
            if not flight:
                return
            item, future = flight.popleft()
            try:
                yield future.result()
            except BrokenProcessPool:
                self.pool.shutdown(cancel_futures=True)
                self.pool = None
                for again in [item, *(i for i, _ in flight)]:
                    yield self._alone(function, again, crashed)
                flight.clear()

    def _alone(self, function: Callable[[_T], _R], item: _T, crashed: Callable[[_T], _R]) -> _R:
        with self._new_pool(1) as one:
            try:
                return one.submit(function, item).result()
            except BrokenProcessPool:
                return crashed(item)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def review_folder(
    folder: Path,
    settings: Settings,
    limits: Limits = DEFAULT_LIMITS,
    jobs: int | None = None,
    leave: Sequence[Path] = (),
    progress: Progress | None = None,
) -> Batch:
    """Every file under ``folder`` read and checked by ``jobs`` worker processes; results in walk order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"找不到要审核的文件夹“{_printable(str(folder))}”，请检查路径后再试。")
    files, skipped = walk(folder, leave)
    jobs = max(1, min(jobs or default_jobs(), len(files)))
    workers = _Workers(jobs, (folder, settings, limits))
    try:
        results: list[FileResult] = []
        for result in workers.run(review_file, files, _file_crashed):
            results.append(result)
            if progress is not None:
                progress(1)
        assign_units(results)
        tasks = report_tasks(results)
        by_file = {r.file: r for r in results}
        for task, found in zip(tasks, workers.run(check_report_task, tasks, _report_crashed), strict=True):
            by_file[task.report].findings.extend(found)
    finally:
        workers.close()
    return Batch(results, skipped)
