"""Shared fixtures: the seed documents from ../shared, LibreOffice headless, the bundled workbooks."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
WORKBOOKS = REPO / "workbooks"
IN_CI = os.environ.get("CI", "").lower() == "true"
EXAMPLE = WORKBOOKS / "示例-岳阳市住房公积金管理中心-2024.xlsx"
BLANK = WORKBOOKS / "2025年度绩效自评-空白.xlsx"
PUBLISHED = WORKBOOKS / "公开原表-岳阳市住房公积金管理中心-2024.xlsx"


def require_tool(name: str) -> str:
    """Path of an external tool; in CI a missing tool fails the test instead of skipping it."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed"
        if IN_CI:
            pytest.fail(message + " (CI must install it: see .ci/run)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def seed_001() -> str:
    path = SHARED / "seeds" / "001_63fea602bc354e3f.txt"
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing: CI runs with ../shared beside the clone")
        pytest.skip("../shared/seeds is not beside this clone")
    return path.read_text("utf-8")


def run_soffice(args: list[str], timeout: int = 120) -> None:
    soffice = require_tool("soffice")
    # Each call gets its own profile: two calls sharing one fail quietly.
    profile = Path("/tmp") / f"xl-selfeval-lo-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", *args],
            check=True,
            timeout=timeout,
            capture_output=True,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def uno_python() -> str:
    """A Python that can drive LibreOffice through UNO (Debian's python3-uno goes with /usr/bin/python3)."""
    for candidate in ("/usr/bin/python3", shutil.which("python3") or ""):
        if candidate and subprocess.run([candidate, "-c", "import uno"], capture_output=True).returncode == 0:
            return candidate
    message = "no Python with LibreOffice's uno module (python3-uno)"
    if IN_CI:
        pytest.fail(message + " (CI must install it: see .ci/run)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def libreoffice_edit() -> Callable[[Path, list[dict[str, object]]], list[dict[str, object]]]:
    """Insert rows and type numbers in LibreOffice as a user would, then read recalculated cells."""
    import json

    def edit(book: Path, steps: list[dict[str, object]]) -> list[dict[str, object]]:
        require_tool("soffice")
        python = uno_python()
        steps_file, out_file = book.with_suffix(".steps.json"), book.with_suffix(".out.json")
        steps_file.write_text(json.dumps(steps), encoding="utf-8")
        subprocess.run(
            [python, str(REPO / "tests" / "tools" / "lo_edit.py"), str(book), str(steps_file), str(out_file)],
            check=True,
            timeout=180,
            capture_output=True,
        )
        return json.loads(out_file.read_text("utf-8"))

    return edit


@pytest.fixture(scope="session")
def libreoffice_convert() -> Callable[[Path, Path, str], Path]:
    """Convert a workbook with LibreOffice headless (xlsx → xlsx recomputes every formula; or → pdf)."""

    def convert(source: Path, out_dir: Path, fmt: str = "xlsx") -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        run_soffice(["--convert-to", fmt, "--outdir", str(out_dir), str(source)])
        result = out_dir / (source.stem + "." + fmt)
        assert result.exists(), f"LibreOffice produced no {fmt} for {source.name}"
        return result

    return convert
