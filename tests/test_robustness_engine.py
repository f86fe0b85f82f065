"""Randomly edited forms (valid workbooks with odd content) give findings or a clean exit 2, never a traceback."""

from __future__ import annotations

import copy
import random
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from handtyped import BASIC, DEPARTMENT, PROJECT, write_rows

from xl_selfeval.engine import run_engine
from xl_selfeval.errors import UserError
from xl_selfeval.files.marks import apply_outcome
from xl_selfeval.files.xlsx import read_workbook

ODD_VALUES: list[object] = [
    "",
    " ",
    "=SUM(A1:A3)",
    "+1",
    "-",
    "@x",
    "不适用",
    "无",
    "#DIV/0!",
    "１２３．４５",
    "1,701.93",
    "12%%",
    "≥",
    "≤-5%",
    "控制在-3%以上",
    "50%-",
    "~70%",
    "1e309",
    "NaN",
    "inf",
    "0",
    0,
    -3.5,
    1e12,
    10**20,
    True,
    "分值",
    "总分",
    "三级指标",
    "2024年度项目支出绩效自评表",
    "项目支出：",
    "其中:基本支出:abc",
    "5分",
    "😀",
    "\n\n",
]


def mutate(rows: list[list[object]], rng: random.Random) -> list[list[object]]:
    out = copy.deepcopy(rows)
    for _ in range(rng.randint(1, 12)):
        action = rng.random()
        if action < 0.6 and out:
            row = rng.choice(out)
            if row:
                row[rng.randrange(len(row))] = rng.choice(ODD_VALUES)
        elif action < 0.8 and len(out) > 3:
            del out[rng.randrange(len(out))]
        else:
            out.insert(
                rng.randrange(len(out) + 1), [rng.choice(ODD_VALUES) for _ in range(rng.randint(0, 10))]
            )
    return out


@pytest.mark.parametrize("seed", range(40))
def test_randomly_edited_forms_never_crash_the_engine(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    wb = openpyxl.Workbook()
    write_rows(wb.active, mutate(BASIC, rng), rng.randint(1, 4), rng.randint(1, 3))
    write_rows(wb.create_sheet("附件2"), mutate(DEPARTMENT, rng), 1, 1)
    write_rows(wb.create_sheet("附件3"), mutate(PROJECT, rng), 1, rng.randint(1, 3))
    path = tmp_path / f"random-{seed}.xlsx"
    wb.save(path)
    try:
        outcome = run_engine(read_workbook(path))
    except UserError as exc:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc))
        return
    for finding in outcome.findings:
        assert finding.message and finding.cell.row > 0 and finding.cell.col > 0
    # and recalc can write the outcome back
    book = openpyxl.load_workbook(path)
    apply_outcome(book, outcome)
    book.save(tmp_path / "out.xlsx")


def test_cli_on_a_broken_file_exits_2_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "截断.xlsx"
    source = tmp_path / "src.xlsx"
    wb = openpyxl.Workbook()
    write_rows(wb.active, PROJECT, 1, 1)
    wb.save(source)
    path.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    for command in ("check", "recalc"):
        result = subprocess.run(
            [sys.executable, "-m", "xl_selfeval", command, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert "截断.xlsx" in result.stderr
