"""Speed of reading forms, per file, as ratios to a python-calamine read of the same files in the same run.

    python benchmarks/bench_read.py [--runs N]

Two cases:
- the corpus of real published forms (tests/real/forms), each typed into an .xlsx;
- one sheet holding the same 项目 form stacked 5 times and 80 times, which shows whether reading stays
  linear in cells (the time per form should not grow with the number of forms on the sheet).

For each file: the floor is python-calamine loading every sheet's values; "read" is our file door and the
reader (files.open.read_document + read.read_forms); "check" adds every check (engine.run_engine). Figures
are medians of N runs, in-process (start-up is bench_engine.py's business).
Branch readfast, 500 bench_review workbooks, CPU best of 7 beside 205e6df: read_document 1.78 -> 1.50 ms, read_forms 1.86 -> 1.20 ms.
"""

from __future__ import annotations

import argparse
import copy
import re
import runpy
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from xl_selfeval.engine import run_engine
from xl_selfeval.errors import UserError
from xl_selfeval.files.open import read_document
from xl_selfeval.read import read_forms

REPO = Path(__file__).resolve().parent.parent
STACKED_FORM = "anhui-2022-project-tangxi-cunji"  # one sheet, one 项目 form with its indicator table
STACK_GAP = 2  # blank rows between stacked forms


def _load_builder() -> dict[str, Any]:
    """tests/real/build.py's functions (build, load, all_specs), which type a corpus TOML into an .xlsx."""
    return runpy.run_path(str(REPO / "tests" / "real" / "build.py"))


def calamine_read(path: Path) -> int:
    wb = CalamineWorkbook.from_path(str(path))
    n = 0
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            n += sum(1 for v in row if v not in (None, ""))
    return n


def our_read(path: Path) -> int:
    return len(read_forms(read_document(path).grids))


def our_check(path: Path) -> int:
    try:
        return len(run_engine(read_document(path).grids).findings)
    except UserError:  # a corpus form the reader does not find yet (exit 2 in check)
        return 0


def median_time(fn: Callable[[Path], int], path: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _shift(ref: str, rows: int) -> str:
    return re.sub(r"(\d+)", lambda m: str(int(m.group(1)) + rows), ref)


def stacked_spec(spec: dict[str, Any], copies: int) -> dict[str, Any]:
    """The spec's first sheet repeated ``copies`` times down one sheet, STACK_GAP blank rows apart."""
    sheet = spec["sheets"][0]
    height = len(sheet["rows"]) + STACK_GAP
    rows: list[list[Any]] = []
    merges: list[str] = []
    for i in range(copies):
        rows += copy.deepcopy(sheet["rows"]) + [[] for _ in range(STACK_GAP)]
        merges += [_shift(m, i * height) for m in sheet.get("merges", [])]
    return {"sheets": [{**sheet, "rows": rows, "merges": merges}]}


def measure(path: Path, runs: int) -> tuple[float, float, float]:
    floor = median_time(calamine_read, path, runs)
    return floor, median_time(our_read, path, runs), median_time(our_check, path, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    builder = _load_builder()
    build, load, all_specs = builder["build"], builder["load"], builder["all_specs"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        print("| file | calamine ms | read ms | read ÷ calamine | check ms | check ÷ calamine |")
        print("|---|---|---|---|---|---|")
        totals = [0.0, 0.0, 0.0]
        specs = all_specs()
        for spec_path in specs:
            path = build(load(spec_path.stem), out / f"{spec_path.stem}.xlsx")
            floor, read, check = measure(path, args.runs)
            totals = [totals[0] + floor, totals[1] + read, totals[2] + check]
            print(
                f"| {spec_path.stem} | {floor * 1e3:.1f} | {read * 1e3:.1f} | {read / floor:.1f}× "
                f"| {check * 1e3:.1f} | {check / floor:.1f}× |"
            )
        n = len(specs)
        print(
            f"| **corpus, per file ({n})** | {totals[0] / n * 1e3:.1f} | {totals[1] / n * 1e3:.1f} "
            f"| {totals[1] / totals[0]:.1f}× | {totals[2] / n * 1e3:.1f} | {totals[2] / totals[0]:.1f}× |"
        )
        print()
        print(
            "| forms on one sheet | forms read | calamine ms/form | read ms/form | read ÷ calamine "
            "| check ms/form | check ÷ calamine |"
        )
        print("|---|---|---|---|---|---|---|")
        per_form: dict[int, float] = {}
        base = load(STACKED_FORM)
        for copies in (5, 80):
            path = build(stacked_spec(base, copies), out / f"stacked-{copies}.xlsx")
            found = our_read(path)
            floor, read, check = measure(path, args.runs)
            per_form[copies] = check / copies
            print(
                f"| {copies} | {found} | {floor / copies * 1e3:.2f} | {read / copies * 1e3:.2f} "
                f"| {read / floor:.1f}× | {check / copies * 1e3:.2f} | {check / floor:.1f}× |"
            )
        print(f"\ncheck time per form, 80 stacked ÷ 5 stacked: {per_form[80] / per_form[5]:.2f}")


if __name__ == "__main__":
    main()
