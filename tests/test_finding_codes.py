"""docs/finding-codes.md and the registry of finding codes say the same: every code, severity and meaning."""

from __future__ import annotations

import re

from conftest import REPO

from xl_selfeval.findings import Code

TABLE = REPO / "docs" / "finding-codes.md"
_ROW = re.compile(
    r"^\| `(?P<code>[a-z0-9_]+)` \| (?P<severity>[^|]+) \| (?P<meaning>[^|]+) \| (?P<example>[^|]+) \|$"
)


def documented() -> dict[str, tuple[str, str, str]]:
    rows = {}
    for line in TABLE.read_text("utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            assert match["code"] not in rows, f"{match['code']} is listed twice"
            rows[match["code"]] = (
                match["severity"].strip(),
                match["meaning"].strip(),
                match["example"].strip(),
            )
    return rows


def test_every_code_is_in_the_table_and_every_row_is_a_code() -> None:
    assert set(documented()) == {code.value for code in Code}


def test_the_table_gives_each_code_the_registry_severity_and_meaning() -> None:
    rows = documented()
    for code in Code:
        severity, meaning, example = rows[code.value]
        assert (severity, meaning) == (code.severity.label, code.meaning), code.value
        # A finding names its cell (表3!G9), for a Word report's text its paragraph (正文第12段), and for
        # a batch row about a whole file the file.
        assert re.match(r"^(?:[^!]+![A-Z]+[0-9]+ |正文第[0-9]+段|[^：]+\.docx：)", example), (
            f"{code.value}: the example names no place"
        )


def test_codes_are_stable_snake_case_and_unique() -> None:
    values = [code.value for code in Code]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", v) for v in values)


def test_codes_named_as_profile_dependent_exist() -> None:
    text = TABLE.read_text("utf-8")
    section = text[text.index("## 随评分规则方案而变的问题") :]
    named = set(re.findall(r"`([a-z][a-z0-9_]*)`", section.split("| 代码 |", 1)[1]))
    named -= {"negative_formula", "deviation_penalty", "over_achievement", "execution_caps"}
    assert named and named <= {code.value for code in Code}, named - {code.value for code in Code}
