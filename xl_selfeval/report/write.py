"""Write a report file from a workbook: read it, run the engine, build the context, render, save."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from xl_selfeval.errors import UserError
from xl_selfeval.findings import Outcome
from xl_selfeval.grid import Grid
from xl_selfeval.naming import first_free, numbered
from xl_selfeval.report.render import render_report
from xl_selfeval.report_context import department_context, find_project, project_context
from xl_selfeval.settings import Settings


def report_context(
    outcome: Outcome, grids: list[Grid], settings: Settings, project: str | None, today: dt.date
) -> tuple[str, dict[str, object]]:
    """(kind, context) of the department report, or of the project report for the 附件3 named ``project``."""
    if project:
        form = find_project(outcome, project)
        if form is None:
            names = "、".join(f.text("project_name") or f.sheet for f in outcome.forms if f.kind == "project")
            raise UserError(f"工作簿中没有项目支出名称为“{project}”的附件3（有：{names or '无'}）")
        return "project", project_context(outcome, grids, settings, form, today)
    if not any(f.kind == "department" for f in outcome.forms):
        raise UserError(
            "工作簿中没有附件2部门整体支出绩效自评表，无法生成部门整体报告；项目报告请用 --project 项目名称"
        )
    return "department", department_context(outcome, grids, settings, today)


def save_atomically(path: Path, data: bytes) -> None:
    """Write beside the target and rename, so a failure never leaves half a report."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".~", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_report(
    grids: list[Grid],
    outcome: Outcome,
    out: Path,
    settings: Settings,
    *,
    project: str | None = None,
    template: Path | None = None,
    today: dt.date | None = None,
) -> str:
    """Render and save the report to ``out`` (.docx/.md/.html); returns the kind written."""
    kind, context = report_context(outcome, grids, settings, project, today or dt.date.today())
    data = render_report(context, kind, out.suffix.lower(), template)
    save_atomically(out, data)
    return kind


def free_name(path: Path) -> Path:
    """``path``, or 名称（2）.docx, （3）… when it is taken: a report is never written over."""
    names = numbered(path.name, lambda n: f"{path.stem}（{n}）{path.suffix}")
    return path.with_name(first_free(names, lambda name: path.with_name(name).exists()))
