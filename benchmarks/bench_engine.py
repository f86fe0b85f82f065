"""Speed of `xl-selfeval check` / `recalc` as ratios against bare openpyxl on the same file, measured in one run.

    python benchmarks/bench_engine.py [workbook.xlsx] [--runs N]

Each figure is the median wall time of whole processes (start-up included), because that is what a
user waits for. Targets: check ≤ 1.5× a process that loads the file with openpyxl and reads every cell;
recalc ≤ 1.5× a process that loads and saves it with openpyxl.

Then the number of Excel round trips of the ribbon's 重新计算 on the same workbook, counted on the strict
xlwings fakes of tests/test_excel_door.py (needs the test extras; no Excel here).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "workbooks" / "示例-岳阳市住房公积金管理中心-2024.xlsx"

FLOOR_READ = """
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
n = 0
for ws in wb.worksheets:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                n += 1
"""
FLOOR_SAVE = """
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
wb.save(sys.argv[2])
"""


# An installed package has its bytecode compiled; don't let this shell's PYTHONDONTWRITEBYTECODE make
# every run recompile our modules from source (openpyxl's are compiled at install either way).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(cmd: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=False, capture_output=True, env=ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workbook", nargs="?", default=str(EXAMPLE))
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    source = Path(args.workbook)
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / source.name
        out = Path(tmp) / "out.xlsx"
        shutil.copy(source, work)
        commands = {
            "read_floor": [py, "-c", FLOOR_READ, str(work)],
            "save_floor": [py, "-c", FLOOR_SAVE, str(work), str(out)],
            "check": [py, "-m", "xl_selfeval", "check", str(work)],
            "recalc": [py, "-m", "xl_selfeval", "recalc", str(work), "-o", str(out)],
        }
        for cmd in commands.values():
            out.unlink(missing_ok=True)
            run_once(cmd)  # warm-up: bytecode and file cache
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        # Interleaved rounds, so a busy moment of the machine hits every command alike.
        for _ in range(args.runs):
            for name, cmd in commands.items():
                out.unlink(missing_ok=True)
                samples[name].append(run_once(cmd))

    def med(name: str, i: int) -> float:
        return statistics.median(s[i] for s in samples[name])

    print(f"workbook: {source.name}  (median of {args.runs} interleaved runs of whole processes)")
    print(f"{'':40} {'wall':>8} {'cpu':>8}")
    for label, name in (
        ("floor  openpyxl load + read every cell", "read_floor"),
        ("floor  openpyxl load + save", "save_floor"),
    ):
        print(f"{label:40} {med(name, 0) * 1000:6.0f}ms {med(name, 1) * 1000:6.0f}ms")
    for label, name, floor in (("check", "check", "read_floor"), ("recalc", "recalc", "save_floor")):
        print(
            f"{label:40} {med(name, 0) * 1000:6.0f}ms {med(name, 1) * 1000:6.0f}ms   "
            f"ratio {med(name, 0) / med(floor, 0):.2f}× wall, {med(name, 1) / med(floor, 1):.2f}× cpu (target ≤ 1.5×)"
        )


def excel_round_trips(source: Path) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from test_excel_door import FakeExcel  # the autospec'd xlwings fakes, counting every call

    import xl_selfeval.excel as ribbon
    import xl_selfeval.excel.door as door
    from xl_selfeval.engine import run_engine
    from xl_selfeval.files.xlsx import read_workbook

    outcome = run_engine(read_workbook(source))
    marked = len({f.cell for f in outcome.findings} | {e.cell for e in outcome.edits})
    for platform, label in (("win32", "Windows (COM)"), ("darwin", "Mac (AppleScript)")):
        door.on_windows = lambda platform=platform: platform == "win32"  # type: ignore[misc]
        excel = FakeExcel(platform)
        book = excel.open_file(source)
        sheets = len(book.sheets)
        ribbon.recalc_caller(book.mock)
        first, com = excel.log.excel_calls, len(excel.com_calls)
        reads = excel.log.data_reads
        excel.log.clear()
        excel.com_calls.clear()
        ribbon.recalc_caller(book.mock)  # the second run reads our notes and fills back
        second = excel.log.excel_calls
        print(
            f"Excel round trips per 重新计算, {label}: {first} xlwings calls ({reads} data reads for {sheets} "
            f"sheets; {len(outcome.findings)} findings, {marked} marked cells, {len(outcome.edits)} values "
            f"written; {first / marked:.1f} per marked cell all told) + {com} COM calls through .api "
            f"(notes added and sized); second run {second}"
        )


if __name__ == "__main__":
    main()
    excel_round_trips(Path(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else EXAMPLE)
