"""The drag-and-drop .bat run by a small interpreter of the cmd lines it uses: it opens the workbook when
recalc wrote it (exit 0, and exit 1: errors remain), and only exit 2 or worse is a failure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from xl_selfeval.addin import install

PYTHON = Path("C:/Python311/python.exe")
DROPPED = "D:\\财务科\\2024年度绩效自评.xlsx"


@dataclass
class Run:
    shown: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    paused: int = 0
    exit_code: int | None = None
    recalcs: list[str] = field(default_factory=list)


def run_bat(script: str, argument: str, recalc_exit: int) -> Run:
    """Interpret ``script`` as cmd.exe would for the constructs it uses; any other line fails the test,
    so the launcher cannot grow a construct this interpreter would silently misread."""
    run = Run()
    variables: dict[str, str] = {"errorlevel": "0"}
    blocks: list[bool] = []

    def expand(text: str) -> str:
        text = text.replace("%~1", argument).replace("%%", "\0")
        text = re.sub(r"%(\w+)%", lambda m: variables.get(m[1], variables.get(m[1].lower(), "")), text)
        return text.replace("\0", "%")

    for raw in script.split("\r\n"):
        line = raw.strip()
        if line == ")":
            blocks.pop()
            continue
        if not all(blocks):
            if line.startswith("if ") and line.endswith("("):
                blocks.append(False)
            continue
        if not line or line in ("@echo off", "chcp 65001 >nul") or line.startswith("rem "):
            continue
        if match := re.fullmatch(r'if "([^"]*)"=="([^"]*)" \(', line):
            blocks.append(expand(match[1]) == expand(match[2]))
        elif line == "echo.":
            run.shown.append("")
        elif line.startswith("echo "):
            run.shown.append(expand(line[5:]))
        elif line == "pause":
            run.paused += 1
        elif match := re.fullmatch(r"exit /b (\S+)", line):
            run.exit_code = int(expand(match[1]))
            return run
        elif match := re.fullmatch(r'start "" "([^"]*)"', line):
            run.opened.append(expand(match[1]))
        elif match := re.fullmatch(r'"[^"]+" -m xl_selfeval recalc "([^"]*)"', line):
            run.recalcs.append(expand(match[1]))
            variables["errorlevel"] = str(recalc_exit)
        elif match := re.fullmatch(r'set "(\w+)=([^"]*)"', line):
            variables[match[1]] = expand(match[2])
        else:
            raise AssertionError(f"the interpreter does not know this line of the launcher: {raw!r}")
    run.exit_code = int(variables["errorlevel"])
    return run


@pytest.fixture
def script() -> str:
    return install.launcher_script(PYTHON)


def test_no_errors_opens_the_workbook(script: str) -> None:
    run = run_bat(script, DROPPED, 0)
    assert run.recalcs == [DROPPED] and run.opened == [DROPPED] and run.exit_code == 0
    assert "未发现错误" in run.shown[-1]


def test_errors_found_still_opens_the_written_workbook(script: str) -> None:
    run = run_bat(script, DROPPED, 1)
    assert run.opened == [DROPPED] and run.exit_code == 1
    assert not any("没有成功" in line for line in run.shown)
    assert "仍有错误" in run.shown[-1] and "个数见上一行" in run.shown[-1] and run.paused == 1


@pytest.mark.parametrize("code", [2, 3, 9009])  # unusable input, a bug, python not found
def test_only_exit_2_or_worse_is_a_failure(script: str, code: int) -> None:
    run = run_bat(script, DROPPED, code)
    assert run.opened == [] and run.exit_code == code and run.paused == 1
    assert "重新计算没有成功，工作簿未改动" in run.shown[-1]


def test_nothing_dropped(script: str) -> None:
    run = run_bat(script, "", 0)
    assert run.recalcs == [] and run.opened == [] and run.exit_code == 2
