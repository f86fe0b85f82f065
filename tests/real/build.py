"""Type a real published form into a workbook, as a unit's accountant would: one TOML file → one .xlsx.

The TOML holds the table as the source page shows it (see README.md beside this file for the format).
Typing follows Excel: "251.89" becomes the number 251.89, "100.00%" becomes 1.0 shown as 0.00%,
"1,234.50" becomes 1234.5 with a thousands format; a leading apostrophe ("'251.89") keeps the text, and
a sheet with ``text_numbers = true`` keeps every number as text, as some web-system exports do.
"""

from __future__ import annotations

import re
import sys
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter

HERE = Path(__file__).resolve().parent
FORMS = HERE / "forms"

_NUMBER = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_PERCENT = re.compile(r"^-?\d+(\.\d+)?%$")


def typed(value: Any, keep_text: bool) -> tuple[Any, str | None]:
    """What Excel stores when ``value`` is typed into a General cell, and the number format it picks."""
    if not isinstance(value, str):
        return value, None
    if value.startswith("'"):
        return value[1:], "@"
    text = value.strip()
    if keep_text or not text:
        return (value if value else None), None
    if _PERCENT.match(text):
        digits = text[:-1]
        places = len(digits.split(".")[1]) if "." in digits else 0
        return float(Decimal(digits) / 100), "0" + ("." + "0" * places if places else "") + "%"
    if _NUMBER.match(text):
        number = Decimal(text.replace(",", ""))
        places = len(text.split(".")[1]) if "." in text else 0
        fmt = ("#,##0" if "," in text else "0") + ("." + "0" * places if places else "")
        as_int = number == number.to_integral_value() and "." not in text
        return (int(number) if as_int else float(number)), (fmt if ("," in text or places) else None)
    return value, None


def load(name: str) -> dict[str, Any]:
    path = FORMS / (name if name.endswith(".toml") else name + ".toml")
    with path.open("rb") as f:
        return tomllib.load(f)


def build(spec: dict[str, Any], out: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for sheet in spec["sheets"]:
        ws = wb.create_sheet(sheet["name"])
        start = sheet.get("start", "A1")
        m = re.match(r"([A-Z]+)(\d+)$", start)
        assert m, start
        col0, row0 = column_index_from_string(m.group(1)), int(m.group(2))
        keep_text = bool(sheet.get("text_numbers", False))
        for r, row in enumerate(sheet["rows"]):
            for c, value in enumerate(row):
                stored, fmt = typed(value, keep_text)
                if stored is None:
                    continue
                cell = ws.cell(row=row0 + r, column=col0 + c)
                cell.value = stored
                if fmt == "@":
                    cell.data_type = "s"
                    cell.number_format = "@"
                elif fmt:
                    cell.number_format = fmt
        for rng in sheet.get("merges", []):
            ws.merge_cells(rng)
        for c in range(col0, col0 + max((len(r) for r in sheet["rows"]), default=0)):
            ws.column_dimensions[get_column_letter(c)].width = 14
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def check_args(spec: dict[str, Any]) -> list[str]:
    """The options of `check` a reviewer of the form's province would use: the profile its [source] names."""
    profile = spec["source"].get("profile")
    return ["--profile", profile] if profile else []


def all_specs() -> list[Path]:
    return sorted(FORMS.glob("*.toml"))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "built"
    for path in all_specs():
        spec = load(path.name)
        print(
            " ".join(
                ["xl-selfeval", "check", str(build(spec, target / (path.stem + ".xlsx"))), *check_args(spec)]
            )
        )
