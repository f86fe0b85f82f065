"""The finance bureau's batch review, core side: one engine outcome becomes small summary records; files
are grouped by unit; the batch is summed up and the same 偏差原因 or report paragraph found across units.

No file is opened here: files/batch.py walks the folder and runs the workers, files/summary.py writes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from xl_selfeval.checks.context import Context
from xl_selfeval.checks.review import EMPTY_EXPLANATIONS
from xl_selfeval.findings import Finding, Outcome
from xl_selfeval.model import Form
from xl_selfeval.scoring import execution_rate
from xl_selfeval.settings import Settings
from xl_selfeval.values import round_half_up

UNREADABLE = "无法读取"
SKIPPED = "已跳过"
# Where a form keeps its 全年预算数 / 全年执行数 (附件2 and 附件3 name their execution tables differently).
_MONEY_KEYS = {"department": "budget.total", "project": "funds.total"}
# Shorter texts are too generic to call a copy ("按计划完成", "资金到位及时").
MIN_COPIED_REASON = 8
MIN_COPIED_PARAGRAPH = 30
_NOT_TEXT = re.compile(r"[\s\u3000，,。．.、；;：:！!？?“”\"'‘’（）()【】\[\]—\-_/\\]+")


@dataclass(frozen=True)
class FindingRow:
    """One finding as the summary lists it (plain text only: small, and safe to send between processes)."""

    file: str
    sheet: str
    cell: str  # A1 address; "" for a finding on a whole document
    severity: str  # 错误 / 警告 / 提示
    rank: int  # 0 error, 1 warning, 2 info
    code: str
    message: str
    expected: str
    actual: str
    form: str = ""


@dataclass(frozen=True)
class FormRow:
    """One form of one file: the figures a reviewer sorts by."""

    file: str
    unit: str
    sheet: str
    form: str  # 附件1 / 附件2 / 附件3（项目）
    kind: str  # basic_data | department | project
    project: str
    year: int | None
    budget: Decimal | None
    executed: Decimal | None
    rate: Decimal | None  # recomputed 执行率, as a fraction rounded to 4 places
    typed_total: Decimal | None
    total: Decimal | None
    grade: str
    errors: int
    warnings: int
    worst: str  # the most serious finding's message


@dataclass(frozen=True)
class Text:
    """A 偏差原因 or report paragraph, kept to find the same wording in other units' files."""

    kind: str  # 偏差原因 | 报告段落
    place: str  # 附件3 运转经费!I15 or 正文第3段
    text: str


@dataclass
class FileResult:
    """Everything the summary needs of one file, or why it could not be read."""

    file: str  # as shown: the path relative to the reviewed folder
    kind: str = ""  # xlsx, xls, ods, docx, doc …
    unit: str = ""  # from the forms; "" until grouped when the forms do not say
    reason: str = ""  # why the file could not be read ("" when it was)
    forms: list[FormRow] = field(default_factory=list)
    findings: list[FindingRow] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    is_report: bool = False  # a Word document with body text (the unit's report)

    @property
    def readable(self) -> bool:
        return not self.reason

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.rank == 0)


@dataclass(frozen=True)
class Skipped:
    file: str
    reason: str


# A budget code typed before the unit's name (安徽 2022, 棠溪镇: 219-池州市贵池区棠溪镇人民政府): the unit's
# Word report and its other files name the unit without it.
_BUDGET_CODE = re.compile(r"^\d{3,}\s*[-－—_]\s*(?=\S)")


def unit_of_forms(forms: list[Form]) -> str:
    """The unit a file belongs to: 预算部门名称, else 主管部门, else 实施单位 (first filled, in that order),
    without a budget code typed before it."""
    for kind, key in (
        ("department", "unit_name"),
        ("project", "competent_dept"),
        ("project", "implementing_unit"),
    ):
        for form in forms:
            if form.kind == kind and form.text(key).strip():
                return _BUDGET_CODE.sub("", form.text(key).strip())
    return ""


def finding_row(file: str, f: Finding) -> FindingRow:
    return FindingRow(
        file=file,
        sheet=f.cell.sheet,
        cell=f.cell.address if f.cell.row > 0 and f.cell.col > 0 else "",
        severity=f.severity.label,
        rank=f.severity.rank,
        code=f.code,
        message=f.message,
        expected=f.expected,
        actual=f.actual,
        form=f.form,
    )


def _form_row(
    file: str, unit: str, form: Form, ctx: Context, outcome: Outcome, findings: list[FindingRow]
) -> FormRow:
    # Figures as the engine works them out, so a total left as a formula without its result still shows.
    prefix = _MONEY_KEYS.get(form.kind)
    figure = ctx.calculator(form).figure
    budget = figure(f"{prefix}.budget") if prefix else None
    executed = figure(f"{prefix}.executed") if prefix else None
    rate = execution_rate(executed, budget)
    score = next((s for s in outcome.scores if s.sheet == form.sheet), None)
    own = [f for f in findings if f.sheet == form.sheet]
    worst = min(own, key=lambda f: f.rank, default=None)
    return FormRow(
        file=file,
        unit=unit,
        sheet=form.sheet,
        form=form.display_name,
        kind=form.kind,
        project=form.text("project_name").strip() if form.kind == "project" else "",
        year=form.year,
        budget=budget,
        executed=executed,
        rate=round_half_up(rate, 4) if rate is not None else None,
        typed_total=score.typed_total if score else None,
        total=score.total if score else None,
        grade=score.grade if score else "",
        errors=sum(1 for f in own if f.rank == 0),
        warnings=sum(1 for f in own if f.rank == 1),
        worst=f"[{worst.severity}] {worst.message}" if worst else "",
    )


def _reasons(form: Form) -> list[Text]:
    out = []
    for row in form.blocks.get("indicators", []):
        cell = row.get("deviation")
        if cell is not None and cell.text.strip():
            out.append(Text("偏差原因", f"{cell.ref.sheet}!{cell.ref.address}", cell.text.strip()))
    return out


def summarize(
    file: str,
    kind: str,
    outcome: Outcome,
    paragraphs: list[str],
    notes: list[str],
    settings: Settings,
    ctx: Context | None = None,
) -> FileResult:
    """One file's outcome as the summary's records (the forms themselves are not kept); ``ctx`` is the
    engine's own context for these forms, built again when not given."""
    ctx = ctx if ctx is not None else Context.build(outcome.forms, settings)
    unit = unit_of_forms(outcome.forms)
    findings = [finding_row(file, f) for f in outcome.findings]
    texts = [t for form in outcome.forms for t in _reasons(form)]
    body = [p.strip() for p in paragraphs if p.strip()]
    texts += [Text("报告段落", f"正文第{n}段", p) for n, p in enumerate(body, 1)]
    return FileResult(
        file=file,
        kind=kind,
        unit=unit,
        forms=[_form_row(file, unit, form, ctx, outcome, findings) for form in outcome.forms],
        findings=findings,
        texts=texts,
        notes=list(notes),
        is_report=bool(body),
    )


def unreadable(file: str, reason: str, kind: str = "") -> FileResult:
    return FileResult(file=file, kind=kind, reason=reason or "原因不明")


# --- grouping -------------------------------------------------------------------------------------------

_NAME_NOISE = re.compile(
    r"(?:(?:19|20)\d{2}年?度?|绩效自评(?:报告|表)?|自评(?:报告|表)?|部门整体支出|项目支出|附件\d*|报告|"
    r"[（(][^）)]*[）)]|[-_ .、—])"
)


def unit_from_file_name(file: str) -> str:
    """A unit name guessed from a file name: 岳阳市某局-2024年度绩效自评报告.docx → 岳阳市某局."""
    stem = file.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return _NAME_NOISE.sub("", stem) or stem


def assign_units(results: list[FileResult]) -> None:
    """Give every readable file a unit: its forms' unit, else a known unit its file name contains (the
    Word report of a unit whose workbook names it), else the name left after dropping years and words
    like 绩效自评报告."""
    known = sorted({r.unit for r in results if r.unit}, key=len, reverse=True)
    for r in results:
        if r.unit or not r.readable:
            continue
        name = r.file.replace("\\", "/")
        r.unit = next((u for u in known if u in name), "") or unit_from_file_name(r.file)
        r.forms = [replace(row, unit=r.unit) for row in r.forms]


def units(results: list[FileResult]) -> dict[str, list[FileResult]]:
    """Readable files by unit, units in order of their first file."""
    out: dict[str, list[FileResult]] = {}
    for r in results:
        if r.readable:
            out.setdefault(r.unit, []).append(r)
    return out


@dataclass(frozen=True)
class ReportTask:
    """A unit's Word report to check against that unit's workbook(s): paths as the file door gave them."""

    unit: str
    report: str
    workbooks: tuple[str, ...]


def report_tasks(results: list[FileResult]) -> list[ReportTask]:
    """Each Word report with the workbooks of its unit, to be checked against their tables."""
    tasks = []
    for unit, files in units(results).items():
        books = tuple(r.file for r in files if not r.is_report and r.forms)
        for r in files:
            # A report whose unit sent no workbook is held to the tables it carries, if any.
            own = books or ((r.file,) if r.forms else ())
            if r.is_report and own:
                tasks.append(ReportTask(unit, r.file, own))
    return tasks


# --- the batch at a glance ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitScore:
    unit: str
    total: Decimal
    grade: str
    basis: str  # 附件2 总分 or the mean of its 附件3


@dataclass
class Statistics:
    files: int = 0
    readable: int = 0
    skipped: int = 0
    units: int = 0
    units_without_errors: int = 0
    budget: Decimal = Decimal(0)
    executed: Decimal = Decimal(0)
    grades: list[tuple[str, int]] = field(default_factory=list)
    by_code: list[tuple[str, str, int]] = field(default_factory=list)  # code, severity, count
    by_severity: list[tuple[str, int]] = field(default_factory=list)
    ranking: list[UnitScore] = field(default_factory=list)

    @property
    def share_without_errors(self) -> Decimal | None:
        return round_half_up(Decimal(self.units_without_errors) / self.units, 4) if self.units else None


def _unit_money(rows: list[FormRow]) -> tuple[Decimal, Decimal]:
    """A unit's money counted once: its 附件2 when it has one, else the sum of its 附件3."""
    department = [r for r in rows if r.kind == "department"]
    chosen = department[:1] or [r for r in rows if r.kind == "project"]
    return (
        sum((r.budget or Decimal(0) for r in chosen), Decimal(0)),
        sum((r.executed or Decimal(0) for r in chosen), Decimal(0)),
    )


def _unit_score(unit: str, rows: list[FormRow]) -> UnitScore | None:
    department = [r for r in rows if r.kind == "department" and r.total is not None]
    if department:
        return UnitScore(unit, department[0].total or Decimal(0), department[0].grade, "附件2总分")
    projects = [r for r in rows if r.kind == "project" and r.total is not None]
    if not projects:
        return None
    mean = round_half_up(sum((r.total or Decimal(0) for r in projects), Decimal(0)) / len(projects), 2)
    return UnitScore(unit, mean, "", f"{len(projects)}张附件3总分平均")


def statistics(
    results: list[FileResult], skipped: list[Skipped], grade_of: Callable[[Decimal], str]
) -> Statistics:
    grouped = units(results)
    stats = Statistics(files=len(results), readable=sum(r.readable for r in results), skipped=len(skipped))
    stats.units = len(grouped)
    stats.units_without_errors = sum(1 for files in grouped.values() if not any(r.errors for r in files))
    ranking = []
    for unit, files in grouped.items():
        rows = [
            row
            for r in files
            if not r.is_report or not any(not x.is_report for x in files)
            for row in r.forms
        ]
        budget, executed = _unit_money(rows)
        stats.budget += budget
        stats.executed += executed
        score = _unit_score(unit, rows)
        if score is not None:
            ranking.append(
                UnitScore(score.unit, score.total, score.grade or grade_of(score.total), score.basis)
            )
    stats.ranking = sorted(ranking, key=lambda s: (-s.total, s.unit))
    grades = Counter(row.grade for r in results for row in r.forms if row.grade)
    stats.grades = [(g, grades[g]) for g in sorted(grades, key=_grade_order)]
    findings = [f for r in results for f in r.findings]
    codes = Counter((f.code, f.severity, f.rank) for f in findings)
    stats.by_code = [
        (c, s, n) for (c, s, _), n in sorted(codes.items(), key=lambda kv: (kv[0][2], -kv[1], kv[0][0]))
    ]
    severities = Counter((f.rank, f.severity) for f in findings)
    stats.by_severity = [(s, severities[(rank, s)]) for rank, s in sorted(severities)]
    return stats


def _grade_order(g: str) -> tuple[int, str]:
    order = "优良中差"
    return (order.index(g), g) if g in order else (len(order), g)


# --- the same words in several units --------------------------------------------------------------------


@dataclass(frozen=True)
class Copied:
    """One wording found in the files of several units."""

    kind: str
    text: str
    units: tuple[str, ...]
    places: tuple[str, ...]  # file → place, one per occurrence


def _key(text: str) -> str:
    return _NOT_TEXT.sub("", text)


def copied_texts(results: Iterable[FileResult]) -> list[Copied]:
    """The same 偏差原因 or report paragraph in files of two or more units (spaces and punctuation aside).

    Short and empty explanations ("无", "已完成") are everyone's and are left out.
    """
    seen: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for r in results:
        for t in r.texts:
            key = _key(t.text)
            shortest = MIN_COPIED_REASON if t.kind == "偏差原因" else MIN_COPIED_PARAGRAPH
            if len(key) < shortest or t.text.strip() in EMPTY_EXPLANATIONS:
                continue
            seen[(t.kind, key)].append((r.unit, f"{r.file} {t.place}", t.text))
    out = []
    for (kind, _), hits in seen.items():
        names = tuple(dict.fromkeys(unit for unit, _, _ in hits))
        if len(names) >= 2:
            out.append(Copied(kind, hits[0][2], names, tuple(place for _, place, _ in hits)))
    return sorted(out, key=lambda c: (-len(c.units), c.kind, c.text))


# --- one line and the exit code -------------------------------------------------------------------------


def one_line(results: list[FileResult], skipped: list[Skipped], output: str) -> str:
    read = [r for r in results if r.readable]
    errors = sum(r.errors for r in read)
    warnings = sum(1 for r in read for f in r.findings if f.rank == 1)
    forms = sum(len(r.forms) for r in read)
    with_errors = sum(1 for files in units(results).values() if any(r.errors for r in files))
    return (
        f"审核完成：{len(results) + len(skipped)}个文件，已检查{len(read)}个（{len(units(results))}个单位、"
        f"{forms}张表），无法读取{len(results) - len(read)}个，跳过{len(skipped)}个；"
        f"发现{errors}个错误、{warnings}个警告，{with_errors}个单位有错误；汇总见 {output}"
    )


def exit_code(results: list[FileResult]) -> int:
    """2 when nothing could be read, 1 when any error finding, else 0."""
    if not any(r.readable for r in results):
        return 2
    return 1 if any(r.errors for r in results) else 0
