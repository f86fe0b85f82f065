"""A newcomer runs the README's commands in order, from 快速上手 to 财政局批量审核, in a fresh copy of the repository.

Left out: `pip install` (the test runs in the installed package), `addin install` (Windows Excel only) and
`bundle` (it downloads the Windows wheels; tests/test_setup_bundle.py builds and installs such a bundle).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
FIRST, LAST = "## 快速上手", "## 财政局批量审核"


def readme_commands() -> list[str]:
    """Shell lines of the fenced blocks from 快速上手 through 财政局批量审核, without the pip install step."""
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.index(FIRST)
    end = text.index("\n## ", text.index(LAST) + len(LAST))
    lines = []
    for block in re.findall(r"^```\n(.*?)^```", text[start:end], flags=re.M | re.S):
        for line in block.splitlines():
            line = re.sub(r"^pip install [^&]*&&\s*", "", line.strip())
            if line and not line.startswith("pip install"):
                lines.append(line)
    return lines


def test_the_readme_commands_are_the_ones_expected() -> None:
    commands = readme_commands()
    assert [shlex.split(c)[:2] for c in commands] == [
        ["xl-selfeval", "check"],
        ["xl-selfeval", "new"],
        ["xl-selfeval", "new"],
        ["xl-selfeval", "check"],
        ["xl-selfeval", "recalc"],
        ["xl-selfeval", "check"],
        ["xl-selfeval", "profiles"],
        ["xl-selfeval", "check"],
        ["xl-selfeval", "report"],
        ["xl-selfeval", "report"],
        ["xl-selfeval", "report"],
        ["xl-selfeval", "check"],
        ["mkdir", "上报材料"],
        ["xl-selfeval", "review"],
    ]


def test_the_readme_runs_in_order_on_a_fresh_copy(tmp_path: Path) -> None:
    repo = tmp_path / "xl-selfeval"
    shutil.copytree(ROOT / "workbooks", repo / "workbooks")
    shutil.copytree(ROOT / "templates", repo / "templates")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    outputs = []
    for command in readme_commands():
        done = subprocess.run(
            command, shell=True, cwd=repo, env=env, capture_output=True, text=True, timeout=300
        )
        where = f"`{command}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        assert done.returncode in (0, 1), where  # 1 = the workbook has errors, which is what check is for
        assert "Traceback" not in done.stderr, where
        outputs.append(done.stdout)
    first = outputs[0]
    assert "应为61.46%（1701.93÷2769.05），表中为61.65%" in first
    assert "2324.71" in first and "2769.05" in first
    for made in ("2025年度绩效自评.xlsx", "2025年度绩效自评-沿用2024.xlsx", "公开原表-已重算.xlsx"):
        assert (repo / made).stat().st_size > 5000, made
    assert "61.65%" in outputs[3]  # the JSON check names the wrong rate
    assert "发现 1 个错误" in first and "发现 0 个错误" in outputs[5]  # recalc wrote 61.46%
    assert "一体化平台" in outputs[6] and "desk33.com" in outputs[6]
    assert "评分规则方案：一体化平台" in outputs[7] and "总分不应超过79.00" in outputs[7]
    report = (repo / "2024年度部门整体支出绩效自评报告.md").read_text("utf-8")
    assert "4791.96" in report and "76.08%" in report
    assert (repo / "运转经费项目支出绩效自评报告.docx").stat().st_size > 5000
    assert "发现 0 处不一致" in outputs[11]  # the report agrees with the tables it was made from
    summary = openpyxl.load_workbook(repo / "2024年度绩效自评审核汇总.xlsx")
    assert {"汇总", "问题明细", "统计", "跨单位"} <= set(summary.sheetnames)
