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


def timed(cmd: list[str], runs: int, prepare=None) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        if prepare:
            prepare()
        start = time.perf_counter()
        subprocess.run(cmd, check=False, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workbook", nargs="?", default=str(EXAMPLE))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    source = Path(args.workbook)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / source.name
        out = Path(tmp) / "out.xlsx"

        def fresh() -> None:
            shutil.copy(source, work)

        fresh()
        py = sys.executable
        read_floor = timed([py, "-c", FLOOR_READ, str(work)], args.runs)
        save_floor = timed([py, "-c", FLOOR_SAVE, str(work), str(out)], args.runs)
        check = timed([py, "-m", "xl_selfeval", "check", str(work)], args.runs)
        recalc = timed(
            [py, "-m", "xl_selfeval", "recalc", str(work), "-o", str(out)],
            args.runs,
            prepare=lambda: out.unlink(missing_ok=True),
        )
    print(f"workbook: {source.name}  (median of {args.runs} runs, whole processes)")
    print(f"floor  openpyxl load + read every cell : {read_floor * 1000:7.0f} ms")
    print(f"floor  openpyxl load + save            : {save_floor * 1000:7.0f} ms")
    print(
        f"check                                  : {check * 1000:7.0f} ms   ratio {check / read_floor:.2f}× (target ≤ 1.5×)"
    )
    print(
        f"recalc                                 : {recalc * 1000:7.0f} ms   ratio {recalc / save_floor:.2f}× (target ≤ 1.5×)"
    )


def excel_round_trips(source: Path) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from test_excel_door import FakeExcel  # the autospec'd xlwings fakes, counting every call

    import xl_selfeval.excel as ribbon
    from xl_selfeval.engine import run_engine
    from xl_selfeval.xlsx import read_workbook

    excel = FakeExcel()
    book = excel.open_file(source)
    sheets = len(book.sheets)
    outcome = run_engine(read_workbook(source))
    ribbon.recalc_caller(book.mock)
    flagged = len({f.cell for f in outcome.findings})
    print(
        f"Excel round trips per 重新计算: {excel.log.excel_calls} "
        f"({excel.log.data_reads} data reads for {sheets} sheets; "
        f"{len(outcome.findings)} findings on {flagged} cells, {len(outcome.edits)} values written)"
    )


if __name__ == "__main__":
    main()
    excel_round_trips(Path(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else EXAMPLE)
