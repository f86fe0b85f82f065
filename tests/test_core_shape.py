"""The core (everything but the doors files/, excel/, addin/ and the CLI) opens no file and imports no
Excel or zip library, so that both doors run the very same rules on the same in-memory grids."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "xl_selfeval"
CORE_MODULES = (
    "values",
    "units",
    "labels",
    "cells",
    "grid",
    "model",
    "read",
    "read_anchors",
    "read_cells",
    "read_fields",
    "read_headers",
    "read_indicators",
    "read_region",
    "read_tables",
    "compute",
    "scoring",
    "settings",
    "checks",
    "engine",
    "findings",
    "forms",
    "marks",
    "report_text",
    "report_context",
    "rollover",
    "issue_list",
    "naming",
    "limits",
    "memo",
    "review",
    "layout_formulas",
)
EXCEL_AND_ZIP_LIBRARIES = ("openpyxl", "xlwings", "defusedxml", "zipfile")
DOORS = ("xl_selfeval.files", "xl_selfeval.excel", "xl_selfeval.addin", "xl_selfeval.cli")
# Calls that reach the file system.
FILE_CALLS = frozenset({"open", "read_bytes", "read_text", "write_bytes", "write_text", "unlink", "mkdir"})
# Core modules still allowed file calls: none since files/rollover.py took over reading and saving.
STILL_DOING_IO: frozenset[str] = frozenset()


def _imported_by_core() -> list[str]:
    names = ", ".join(f"xl_selfeval.{m}" for m in CORE_MODULES)
    code = f"import json, sys\nimport {names}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return list(json.loads(done.stdout))


def test_importing_the_core_loads_no_excel_zip_or_door_module() -> None:
    loaded = _imported_by_core()
    assert "xl_selfeval.rollover" in loaded and "xl_selfeval.read_tables" in loaded  # the import did run
    offending = [
        name for name in loaded if name.split(".")[0] in EXCEL_AND_ZIP_LIBRARIES or name.startswith(DOORS)
    ]
    assert offending == []


def _core_files() -> list[Path]:
    files = []
    for module in CORE_MODULES:
        folder = PACKAGE / module
        files += sorted(folder.glob("*.py")) if folder.is_dir() else [PACKAGE / f"{module}.py"]
    return files


def _door_imports_and_file_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(DOORS):
            found.append(f"{path.name}:{node.lineno} imports {node.module}")
        elif isinstance(node, ast.Import):
            found += [
                f"{path.name}:{node.lineno} imports {a.name}" for a in node.names if a.name.startswith(DOORS)
            ]
        elif isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name in FILE_CALLS:
                found.append(f"{path.name}:{node.lineno} calls {name}")
    return found


def test_no_core_module_reaches_a_door_or_the_file_system() -> None:
    problems = {
        path.stem: found
        for path in _core_files()
        if path.stem not in STILL_DOING_IO and (found := _door_imports_and_file_calls(path))
    }
    assert problems == {}


def test_the_scan_finds_door_imports_and_file_calls(tmp_path: Path) -> None:
    """The scan above can fail: it sees a lazy door import, open() and Path.write_text."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def save(p):\n"
        "    from xl_selfeval.files.xlsx import read_workbook\n"
        "    with open(p) as f:\n"
        "        p.write_text(f.read().replace('a', 'b'))\n",
        encoding="utf-8",
    )
    assert _door_imports_and_file_calls(sample) == [
        "sample.py:2 imports xl_selfeval.files.xlsx",
        "sample.py:3 calls open",
        "sample.py:4 calls write_text",
    ]
