"""The workbooks shipped in workbooks/: the blank template and the 岳阳 2024 example, rebuilt from data."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from xl_selfeval.files.generate import blank_contents, build_workbook
from xl_selfeval.files.workbook import save_workbook
from xl_selfeval.forms import BY_KIND
from xl_selfeval.forms.place import FormContent

EXAMPLE_DATA = "example-yueyang-2024.json"
BLANK_NAME = "2025年度绩效自评-空白.xlsx"
EXAMPLE_NAME = "示例-岳阳市住房公积金管理中心-2024.xlsx"


def contents_from_data(data: dict[str, Any]) -> tuple[int, str, list[FormContent]]:
    """Forms described as JSON data: {"year", "unit", "forms": [{"kind", "values", "blocks"}]}."""
    year = int(data["year"])
    contents = [
        FormContent(BY_KIND[form["kind"]], year, dict(form.get("values", {})), dict(form.get("blocks", {})))
        for form in data["forms"]
    ]
    return year, str(data.get("unit", "")), contents


def example_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("xl_selfeval.data").joinpath(EXAMPLE_DATA).read_text("utf-8")
    )
    return data


def build_bundled(folder: Path) -> list[Path]:
    """Write the blank template and the example into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    blank = folder / BLANK_NAME
    save_workbook(build_workbook(blank_contents(2025)), blank)
    _, unit, contents = contents_from_data(example_data())
    example = folder / EXAMPLE_NAME
    save_workbook(build_workbook(contents, unit), example)
    return [blank, example]


if __name__ == "__main__":
    for path in build_bundled(Path(sys.argv[1] if len(sys.argv) > 1 else "workbooks")):
        print(path)
