"""The batch review's file door: walk a folder, and read and check each file in worker processes.

Each worker reads one file, runs the engine in-process, and sends back small records (review.FileResult);
the grids and forms are dropped before the next file, so memory stays flat however many files there are.
"""

from __future__ import annotations

import gc
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
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

# Seconds one file may take to be read and checked (a form takes milliseconds): a pathological file must
# not stall the batch. Past it the worker stops the file itself; one that does not answer (stuck inside a
# C library) is ended from outside after the grace period.
FILE_TIME_LIMIT = 60.0
_GRACE = 5.0
_MAX_CHUNK = 8  # files sent to a worker at once

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

_worker: tuple[Path, Settings, Limits, float] | None = None


def _start_worker(root: Path, settings: Settings, limits: Limits, seconds: float = FILE_TIME_LIMIT) -> None:
    global _worker
    _worker = (root, settings, limits, seconds)


def _start_pool_worker(root: Path, settings: Settings, limits: Limits, seconds: float) -> None:
    """A pool worker's start: what it inherited from the batch's process at fork (modules, settings) is
    set apart from the collector, so the cycle collections that reading makes frequent do not walk it again
    and again (no cycle among those objects ever becomes garbage in the worker)."""
    gc.freeze()
    _start_worker(root, settings, limits, seconds)


def _state() -> tuple[Path, Settings, Limits, float]:
    """What this worker was started with: the folder, settings, limits and the time limit per file."""
    assert _worker is not None, "worker not started"
    return _worker


class _TimeUp(BaseException):
    """The file's time is up. A BaseException, so that no `except Exception` safety net on the way
    (one odd cell must not stop a check) swallows it."""


def timed_out_reason(seconds: float) -> str:
    return f"读取超时（超过{seconds:g}秒），文件可能构造异常；请在 Excel 或 Word 中打开并另存后再试"


def _time_up(signum: int, frame: object) -> None:
    raise _TimeUp


def _can_interrupt(seconds: float) -> bool:
    """Whether this thread can stop its own work after ``seconds`` (not on Windows: no SIGALRM)."""
    return (
        seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the work inside after ``seconds`` of wall time (a real-time timer; only in a process's
    main thread, where Python runs signal handlers: elsewhere the batch's outer deadline still holds)."""
    if not _can_interrupt(seconds) or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield  # no limit here, or the caller's own timer runs (it is left alone)
        return
    previous = signal.signal(signal.SIGALRM, _time_up)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _crash_reason(exc: BaseException) -> str:
    # A defect or an exhausted resource on one file must not stop the batch; the type helps a bug report.
    return f"读取或检查时出错（{type(exc).__name__}），请在 Excel 或 Word 中打开并另存后再试"


def review_file(rel: str) -> FileResult:
    """Read and check one file in this process, within the batch's time limit; never raises for a bad file."""
    seconds = _state()[3]
    try:
        with _time_limit(seconds):
            return _review_file(rel)
    except _TimeUp:
        return _file_timed_out(rel, seconds)


def _review_file(rel: str) -> FileResult:
    root, settings, limits, _ = _state()
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

    root, settings, limits, seconds = _state()
    try:
        with _time_limit(seconds):
            paragraphs = read_document(root / task.report, limits).paragraphs
            forms = [
                form
                for book in task.workbooks
                for form in read_forms(read_document(root / book, limits).grids)
            ]
            return [finding_row(task.report, f) for f in check_report(paragraphs, forms, settings)]
    except _TimeUp:
        return _report_timed_out(task, seconds)
    except Exception as exc:  # the files were read once already; whatever fails now is told, not raised
        return _report_unchecked(task, _crash_reason(exc))


def _report_unchecked(task: ReportTask, why: str) -> list[FindingRow]:
    return [FindingRow(task.report, "", "", "警告", 1, Code.REPORT_UNCHECKED.value, why, "", "")]


# --- the pool -------------------------------------------------------------------------------------------


def default_jobs() -> int:
    return os.cpu_count() or 1


_CRASHED = "检查这个文件的进程意外退出（文件构造异常或内存不足），请在 Excel 或 Word 中打开并另存后再试"


def _file_crashed(rel: str) -> FileResult:
    return unreadable(rel, f"“{_printable(Path(rel).name)}”：{_CRASHED}")


def _file_timed_out(rel: str, seconds: float) -> FileResult:
    return unreadable(rel, f"“{_printable(Path(rel).name)}”：{timed_out_reason(seconds)}")


def _report_crashed(task: ReportTask) -> list[FindingRow]:
    return _report_unchecked(task, f"报告未能与表格核对：{_CRASHED}")


def _report_timed_out(task: ReportTask, seconds: float) -> list[FindingRow]:
    return _report_unchecked(task, f"报告未能与表格核对：{timed_out_reason(seconds)}")


class _Workers:
    """The worker processes, started once for the batch. A worker that dies (a crash inside a library on a
    hostile file, the out-of-memory killer) costs only the file it was reading: the files then in flight
    are tried again one at a time, and the pool is started again for the rest. A file whose worker does
    not answer within the time limit and its grace is listed as timed out, and its pool is ended."""

    def __init__(self, jobs: int, start: tuple[Path, Settings, Limits, float]) -> None:
        self.jobs, self.start = jobs, start
        self.pool: ProcessPoolExecutor | None = None
        seconds = start[3]
        # Waiting starts when the file is the oldest in flight, so it has been running at least as long.
        self.deadline = seconds + _GRACE if seconds > 0 else None

    def _new_pool(self, jobs: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(jobs, initializer=_start_pool_worker, initargs=self.start)

    def run(
        self,
        function: Callable[[_T], _R],
        items: Sequence[_T],
        crashed: Callable[[_T], _R],
        timed_out: Callable[[_T], _R],
    ) -> Iterator[_R]:
        """``function`` over ``items``, results in the order of ``items``; at most a few per worker in flight."""
        # In this process when one worker will do, unless a stuck file could then stall the batch.
        if (self.jobs == 1 or len(items) < 2) and (_can_interrupt(self.start[3]) or self.deadline is None):
            _start_worker(*self.start)
            yield from map(function, items)
            return
        size = _chunk_size(len(items), self.jobs)
        waiting = (list(items[i : i + size]) for i in range(0, len(items), size))
        flight: deque[tuple[list[_T], Future[list[_R]]]] = deque()
        while True:
            if self.pool is None:
                self.pool = self._new_pool(self.jobs)
            for chunk in islice(waiting, self.jobs * 3 - len(flight)):
                flight.append((chunk, self.pool.submit(_each, function, chunk)))
            if not flight:
                return
            chunk, future = flight.popleft()
            deadline = None if self.deadline is None else self.deadline * len(chunk)
            try:
                yield from future.result(timeout=deadline)
                continue
            except BrokenProcessPool:
                first = [self._alone(function, item, crashed, timed_out) for item in chunk]
            except FutureTimeout:
                _end(self.pool)
                # Which file of the chunk hung is not known: each is tried alone, the hung one again times out.
                first = (
                    [timed_out(chunk[0])]
                    if len(chunk) == 1
                    else [self._alone(function, item, crashed, timed_out) for item in chunk]
                )
            self.pool.shutdown(cancel_futures=True)
            self.pool = None
            yield from first
            for again, _ in flight:
                for item in again:
                    yield self._alone(function, item, crashed, timed_out)
            flight.clear()

    def _alone(
        self,
        function: Callable[[_T], _R],
        item: _T,
        crashed: Callable[[_T], _R],
        timed_out: Callable[[_T], _R],
    ) -> _R:
        one = self._new_pool(1)
        try:
            return one.submit(function, item).result(timeout=self.deadline)
        except BrokenProcessPool:
            return crashed(item)
        except FutureTimeout:
            _end(one)
            return timed_out(item)
        finally:
            one.shutdown(cancel_futures=True)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _chunk_size(items: int, jobs: int) -> int:
    """Files go to the workers a few at a time: one message per file cost the parent about as much as a
    tenth of the checking. Several chunks per worker still keep the workers evenly busy."""
    return max(1, min(_MAX_CHUNK, items // (jobs * 8)))


def _each(function: Callable[[_T], _R], chunk: list[_T]) -> list[_R]:
    """``function`` over a chunk of items, in a worker."""
    return [function(item) for item in chunk]


def _end(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes (one is stuck past every deadline); the pool is then broken."""
    # ProcessPoolExecutor has no public way to end a running call before Python 3.14's terminate_workers.
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        process.kill()


def review_folder(
    folder: Path,
    settings: Settings,
    limits: Limits = DEFAULT_LIMITS,
    jobs: int | None = None,
    leave: Sequence[Path] = (),
    progress: Progress | None = None,
    time_limit: float = FILE_TIME_LIMIT,
) -> Batch:
    """Every file under ``folder`` read and checked by ``jobs`` worker processes; results in walk order.

    A file that takes more than ``time_limit`` seconds (0: no limit) is listed as unreadable, timed out."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"找不到要审核的文件夹“{_printable(str(folder))}”，请检查路径后再试。")
    files, skipped = walk(folder, leave)
    jobs = max(1, min(jobs or default_jobs(), len(files)))
    workers = _Workers(jobs, (folder, settings, limits, time_limit))
    try:
        results: list[FileResult] = []
        timed_out = partial(_file_timed_out, seconds=time_limit)
        for result in workers.run(review_file, files, _file_crashed, timed_out):
            results.append(result)
            if progress is not None:
                progress(1)
        assign_units(results)
        tasks = report_tasks(results)
        by_file = {r.file: r for r in results}
        unchecked = partial(_report_timed_out, seconds=time_limit)
        checked = workers.run(check_report_task, tasks, _report_crashed, unchecked)
        for task, found in zip(tasks, checked, strict=True):
            by_file[task.report].findings.extend(found)
    finally:
        workers.close()
    return Batch(results, skipped)
