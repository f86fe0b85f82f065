"""Findings (problems in the user's figures, as values) and the cell edits a recalc makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from xl_selfeval.cells import CellRef
from xl_selfeval.model import Form

NOTE_MARKER = "【自评检查】"


class Severity(Enum):
    ERROR = "error"  # arithmetic or logic that is wrong
    WARNING = "warning"  # likely wrong, or a score that differs from the rule
    INFO = "info"  # worth a look

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class CellEdit:
    """A value recalc writes: the right figure for a wrong constant, or a blank filled in."""

    cell: CellRef
    value: object  # Decimal / str; never a formula from user text
    number_format: str | None = None
    old_value: object = None
    reason: str = ""  # Chinese, goes into the cell note
    kind: str = "correct"  # correct | fill | score


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str  # stable snake_case
    cell: CellRef
    message: str  # Chinese, names the cell, expected and actual
    expected: str = ""
    actual: str = ""
    related: tuple[CellRef, ...] = ()
    form: str = ""  # 附件1 / 附件2 / 附件3（项目名）
    fix: CellEdit | None = None  # what recalc writes for it, if anything

    def to_json(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "sheet": self.cell.sheet,
            "cell": self.cell.address,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "related": [{"sheet": r.sheet, "cell": r.address} for r in self.related],
        }


@dataclass
class Outcome:
    """Everything one run of the engine produces for one workbook."""

    forms: list[Form] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    edits: list[CellEdit] = field(default_factory=list)
    scores: list[dict[str, object]] = field(default_factory=list)
    profile: str = ""  # the rule profile the findings were made by (全国, 一体化平台 …)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)
