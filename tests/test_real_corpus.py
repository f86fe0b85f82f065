"""Real published forms (tests/real/forms): `check` must flag what a reviewer flags and leave correct cells alone.

Expectations are worked out by hand in each TOML; what the tool does not meet yet is listed there as a
[[expect.gap]], and a listed gap that no longer happens fails too, so the list stays the truth.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from xl_selfeval.cli import main


def _load_builder() -> ModuleType:
    """tests/real/build.py, which types a TOML form into an .xlsx (loaded by path: `build` is also a PyPI name)."""
    path = Path(__file__).resolve().parent / "real" / "build.py"
    spec = importlib.util.spec_from_file_location("real_corpus_build", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load_builder()

SPECS = build.all_specs()
FLAGGING = {"error", "warning"}
# Issue 11 asks for at least 20 forms and the 财政部 templates; the floor tracks what the corpus holds so far.
MIN_FORMS = 23


@dataclass
class Result:
    """What `check` did on one form, against the form's hand-worked expectations."""

    name: str
    exit_code: int
    forms_found: int
    years: list[int | None]  # the year read for each form found
    source_year: int
    flags: list[str]
    cleans: list[str]
    caught: set[str] = field(default_factory=set)
    false_flags: set[str] = field(default_factory=set)
    gaps: set[tuple[str, str]] = field(default_factory=set)

    @property
    def misses(self) -> set[tuple[str, str]]:
        missed = {(c, "flag") for c in self.flags if c not in self.caught}
        return missed | {(c, "clean") for c in self.false_flags}


def run_check(path: Path, options: list[str]) -> tuple[int, dict[str, Any]]:
    """`xl-selfeval check FILE --format json [--profile …]`, in-process; exit 2 gives no JSON."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["check", str(path), "--format", "json", *options])
    text = out.getvalue()
    return code, (json.loads(text) if code != 2 and text.strip() else {"forms": [], "findings": []})


def evaluate(spec_path: Path, folder: Path) -> Result:
    spec = build.load(spec_path.name)
    workbook = build.build(spec, folder / (spec_path.stem + ".xlsx"))
    code, data = run_check(workbook, build.check_args(spec))
    flagged = {
        f"{f['sheet']}!{f['cell']}" for f in data["findings"] if f["severity"] in FLAGGING and f.get("cell")
    }
    expect = spec.get("expect", {})
    flags = [e["cell"] for e in expect.get("flag", [])]
    cleans = [c for e in expect.get("clean", []) for c in e["cells"]]
    return Result(
        name=spec_path.stem,
        exit_code=code,
        forms_found=len(data["forms"]),
        years=[f.get("year") for f in data["forms"]],
        source_year=spec["source"]["year"],
        flags=flags,
        cleans=cleans,
        caught={c for c in flags if c in flagged},
        false_flags={c for c in cleans if c in flagged},
        gaps={(g["cell"], g["what"]) for g in expect.get("gap", [])},
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    folder = tmp_path_factory.mktemp("real")
    return {p.stem: evaluate(p, folder) for p in SPECS}


def table(results: dict[str, Result]) -> str:
    lines = [
        "| form | forms found | must-flag caught | false flags | listed gaps |",
        "|---|---|---|---|---|",
    ]
    for r in results.values():
        found = f"{r.forms_found}" + (" (exit 2)" if r.exit_code == 2 else "")
        lines.append(
            f"| {r.name} | {found} | {len(r.caught)}/{len(r.flags)} | "
            f"{len(r.false_flags)}/{len(r.cleans)} | {len(r.gaps)} |"
        )
    flags = sum(len(r.flags) for r in results.values())
    caught = sum(len(r.caught) for r in results.values())
    cleans = sum(len(r.cleans) for r in results.values())
    false = sum(len(r.false_flags) for r in results.values())
    lines.append(f"| **total ({len(results)} forms)** | | {caught}/{flags} | {false}/{cleans} | |")
    return "\n".join(lines)


def test_every_form_has_hand_worked_expectations() -> None:
    assert len(SPECS) >= MIN_FORMS
    for path in SPECS:
        spec = build.load(path.name)
        flags = spec["expect"].get("flag", [])
        cleans = [c for e in spec["expect"].get("clean", []) for c in e["cells"]]
        assert flags or cleans, f"{path.name}: no expectation at all"
        assert len(cleans) >= len(flags), f"{path.name}: fewer clean cells than must-flag cells"
        assert all(e.get("why") for e in spec["expect"].get("flag", [])), f"{path.name}: a flag without why"
        for gap in spec["expect"].get("gap", []):
            assert gap["what"] in ("flag", "clean") and gap.get("reason"), f"{path.name}: {gap}"


def test_corpus_spans_provinces_years_and_kinds() -> None:
    sources = [build.load(p.name)["source"] for p in SPECS]
    provinces = {s["province"] for s in sources} - {"未注明"}
    assert len(provinces) >= 8, provinces
    kinds = {k for s in sources for k in s["kind"]}
    assert kinds == {"basic_data", "department", "project"}, kinds
    assert {s["year"] for s in sources} <= set(range(2019, 2026))


def test_print_table(results: dict[str, Result]) -> None:
    print()
    print(table(results))
    assert len(results) == len(SPECS)


@pytest.mark.parametrize("name", [p.stem for p in SPECS])
def test_form_misses_are_the_listed_gaps(name: str, results: dict[str, Result]) -> None:
    r = results[name]
    unlisted = sorted(r.misses - r.gaps)
    fixed = sorted(r.gaps - r.misses)
    assert not unlisted, f"{name}: misses not listed as [[expect.gap]]: {unlisted}"
    assert not fixed, f"{name}: listed gaps that no longer happen (remove them): {fixed}"


# Forms that print no year the reader could take, each with where the published form leaves it out.
NO_YEAR_PRINTED = {
    "chongqing-2021-department-kxc-rongmeiti": ["部门整体绩效自评表: no year in the title, no line under it"],
    "sichuan-2023-project-daying-sfj": ["the sheet starts with the tail of a form cut at the page's top"],
}


def test_each_form_is_read_for_the_year_its_title_prints(results: dict[str, Result]) -> None:
    # The year is printed in many ways: 2023年度项目支出绩效自评表; a line （2022年度） or (2022 年度) under the
    # title; 2020年忠烈祠…自评表 and 市级文物保护专项经费绩效自评表（2022年度） around a name of the unit's own.
    for r in results.values():
        assert all(y in (r.source_year, None) for y in r.years), (r.name, r.years)
        unknown = sum(1 for y in r.years if y is None)
        assert unknown == len(NO_YEAR_PRINTED.get(r.name, [])), (r.name, r.years)


def test_a_named_profile_is_one_we_ship_and_is_passed_to_check() -> None:
    from xl_selfeval.profiles import profile_names

    for path in SPECS:
        spec = build.load(path.name)
        if "profile" in spec["source"]:
            assert spec["source"]["profile"] in profile_names(), path.name
    assert build.check_args(build.load("sichuan-2023-project-qingshen-fgj")) == ["--profile", "四川"]
    assert build.check_args(build.load("hubei-2020-project-huanggang-stbc")) == []
