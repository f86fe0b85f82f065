"""Facts each official layout states once (docs/domain-rules.md §1) and the form kinds as an enum."""

from __future__ import annotations

import json

import pytest

from xl_selfeval.forms import ALL_LAYOUTS, BASIC_DATA, BY_KIND, DEPARTMENT, PROJECT, FormKind
from xl_selfeval.forms.layout import EntryRow, FormLayout, IndicatorBlock, PairedList, Table, TextBlock
from xl_selfeval.labels import LIST_TITLE, RECORD_SHEET, canonical, is_our_sheet


def _labels(layout: FormLayout) -> set[str]:
    out: set[str] = set()
    for section in layout.sections:
        if isinstance(section, EntryRow):
            out |= {e.label for e in section.entries}
        elif isinstance(section, Table):
            out |= {section.caption, section.label_header, *(c.header for c in section.columns)}
            out |= {line.label for line in section.lines}
        elif isinstance(section, PairedList):
            out |= {label for label, _ in section.left} | {item[0] for item in section.right if item}
        elif isinstance(section, (TextBlock, IndicatorBlock)):
            out |= {section.caption, *(c.header for c in section.columns)}
    return {canonical(label) for label in out if label}


@pytest.mark.parametrize("layout", ALL_LAYOUTS, ids=lambda layout: layout.name)
def test_a_distinctive_label_is_on_its_own_form_only(layout: FormLayout) -> None:
    assert canonical(layout.distinctive_label) in _labels(layout)
    others = [
        other.name
        for other in ALL_LAYOUTS
        if other is not layout and layout.distinctive_label in _labels(other)
    ]
    assert others == []


def test_the_execution_weight_sits_in_the_budget_table_of_form_2_and_the_funds_table_of_form_3() -> None:
    assert DEPARTMENT.execution_weight_key == "budget.total.weight"
    assert PROJECT.execution_weight_key == "funds.total.weight"
    assert BASIC_DATA.execution_table is None
    with pytest.raises(KeyError):
        BASIC_DATA.execution_weight_key  # noqa: B018


def test_forms_2_and_3_end_in_a_total_row_and_form_1_has_none() -> None:
    assert [layout.total_row.label if layout.total_row else None for layout in ALL_LAYOUTS] == [
        None,
        "总分",
        "总分",
    ]


def test_sheet_names_start_with_the_attachment_name() -> None:
    assert [layout.sheet_name.split()[0] for layout in ALL_LAYOUTS] == ["附件1", "附件2", "附件3"]


def test_form_kinds_are_an_enum_that_still_reads_and_writes_as_its_string() -> None:
    assert BY_KIND[FormKind.PROJECT] is PROJECT
    assert PROJECT.kind is FormKind("project") and PROJECT.kind == "project"
    assert f"{PROJECT.kind}" == "project" and json.dumps(PROJECT.kind) == '"project"'


def test_our_sheets_are_told_apart_by_name_or_by_their_title_cell() -> None:
    assert is_our_sheet(RECORD_SHEET, None)
    assert is_our_sheet("问题清单（自评检查）", LIST_TITLE)
    assert not is_our_sheet("问题清单", "问题清单")  # the user's own sheet of that name
