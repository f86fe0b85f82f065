"""The command line of reports: `report` (write a draft from a workbook) and `check 报告.docx`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from xl_selfeval.checks.context import INDICATOR_FORMS
from xl_selfeval.errors import UserError
from xl_selfeval.findings import Outcome
from xl_selfeval.model import Form

EXIT_OK, EXIT_FINDINGS = 0, 1


def _workbook(path: Path, settings: Any) -> Any:
    from xl_selfeval.files.open import read_document

    return read_document(path, settings.limits).grids


def cmd_report(
    args: argparse.Namespace, settings_of: Callable[..., Any], check_output: Callable[..., None]
) -> int:
    from xl_selfeval.engine import run_engine
    from xl_selfeval.report.write import write_report

    source = Path(args.file)
    out = Path(args.output) if args.output else source.with_name(f"{source.stem}-绩效自评报告.docx")
    if out.suffix.lower() not in (".docx", ".md", ".html"):
        raise UserError(f"报告只能写成 .docx、.md 或 .html，收到的是“{out.name}”")
    check_output(out, args.force)
    settings = settings_of(args)
    grids = _workbook(source, settings)
    outcome = run_engine(grids, settings)
    template = Path(args.template) if args.template else None
    write_report(grids, outcome, out, settings, project=args.project, template=template)
    errors = sum(1 for f in outcome.findings if f.severity.value == "error")
    print(
        f"已生成 {out}"
        + (f"（自评表仍有{errors}个错误，已列在报告末尾“附：自评表检查发现的问题”）" if errors else "")
    )
    return EXIT_OK


def check_report_document(path: Path, document: Any, tables: list[Form] | None, settings: Any) -> Outcome:
    """check 报告.docx [--tables 工作簿.xlsx]: the Word tables checked as forms (where they are forms) and
    the report's figures against the tables (its own, or those of --tables)."""
    from xl_selfeval.checks.report import check_report
    from xl_selfeval.engine import run_engine

    try:
        outcome = run_engine(document.grids, settings)
    except UserError:
        outcome = Outcome(profile=settings.profile)  # a report whose tables are not the forms
    forms = tables if tables is not None else outcome.forms
    if not any(f.kind in INDICATOR_FORMS for f in forms):
        where = "所指定的工作簿" if tables is not None else f"报告“{path.name}”的表格"
        raise UserError(
            f"{where}中没有找到绩效自评表，无法核对报告中的数字（可用 --tables 指定自评表工作簿）"
        )
    findings = check_report(document.paragraphs, forms, settings)
    return replace(outcome, findings=[*outcome.findings, *findings])


def add_report_parser(sub: Any, settings_of: Callable[..., Any], check_output: Callable[..., None]) -> None:
    report = sub.add_parser("report", help="由自评表工作簿生成绩效自评报告初稿（.docx/.md/.html）")
    report.add_argument("file", help="自评表工作簿（.xlsx）")
    report.add_argument(
        "-o", "--output", help="输出文件：.docx、.md 或 .html（默认：工作簿名-绩效自评报告.docx）"
    )
    report.add_argument("--project", metavar="项目名称", help="生成这一个附件3的项目支出绩效自评报告")
    report.add_argument(
        "--template", metavar="我的模板.docx", help="自己的报告模板（Word 或 .md/.html 文本模板）"
    )
    report.add_argument(
        "--profile", metavar="名称", help="评分规则方案（默认：全国；xl-selfeval profiles 列出全部）"
    )
    report.add_argument("--config", help="评分规则设置文件（TOML）")
    report.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    report.set_defaults(func=lambda args: cmd_report(args, settings_of, check_output))
