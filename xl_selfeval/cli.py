"""The command line: xl-selfeval new | check | recalc | report | review | profiles | addin | bundle | doctor."""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from xl_selfeval.errors import UserError
from xl_selfeval.setup import SUPPORTED_PYTHONS

if TYPE_CHECKING:
    pass
from xl_selfeval.naming import default_workbook_name

MIN_YEAR, MAX_YEAR = 2000, 2100
EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE, EXIT_BUG = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One Chinese line instead of argparse's English usage dump.
        raise UserError(f"命令参数有误：{message}（运行 xl-selfeval -h 查看用法）")


def parse_year(text: str) -> int:
    text = text.strip()
    if not re.fullmatch(r"\d{4}", text) or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise UserError(f"年度应为{MIN_YEAR}–{MAX_YEAR}之间的四位数字，收到的是“{text}”")
    return int(text)


def parse_projects(text: str | None) -> list[str]:
    if not text:
        return []
    return [p.strip() for p in re.split(r"[,，、;；]", text) if p.strip()]


def _check_output(path: Path, force: bool) -> None:
    """Before any work: an output that exists needs --force; its folder must exist and be writable; no
    other program may have it open."""
    from xl_selfeval.files.save import check_can_write

    check_can_write(path, force=force)


def cmd_new(args: argparse.Namespace) -> int:
    from xl_selfeval.files.generate import new_workbook

    if args.source:
        return _new_from_last_year(args)
    if not args.year:
        raise UserError("请用 --year 指定年度，如 --year 2025（或用 --from 由上年工作簿生成下一年度）")
    year = parse_year(args.year)
    out = Path(args.output or default_workbook_name(year))
    _check_output(out, args.force)
    projects = parse_projects(args.projects)
    new_workbook(out, year, args.unit or "", projects)
    sheets = 2 + max(1, len(projects))
    print(f"已生成 {out}（{year}年度，{sheets}张表：附件1、附件2、{max(1, len(projects))}张附件3）")
    return EXIT_OK


def _new_from_last_year(args: argparse.Namespace) -> int:
    """new --from: next year's forms started from last year's workbook (figures, indicators, targets)."""
    from xl_selfeval.files.rollover import read_last_year, rollover_file
    from xl_selfeval.rollover import next_year_of

    if args.unit or args.projects:
        raise UserError(
            "由上年工作簿生成（--from）时单位名称和项目沿用上年，不能同时使用 --unit 或 --projects"
        )
    source = Path(args.source)
    year = parse_year(args.year) if args.year else None
    limits = _settings(args).limits
    # The default file name needs the year, which then comes from last year's workbook.
    out = Path(args.output or default_workbook_name(year or next_year_of(read_last_year(source, limits))))
    _check_output(out, args.force)
    summary = rollover_file(source, out, year, limits)
    print(f"已生成 {out}")
    print(summary.text)
    return EXIT_OK


def _settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from xl_selfeval.files.settings import load_settings

    return load_settings(Path(args.config) if args.config else None, getattr(args, "profile", None))


def _document(path: Path, settings):  # type: ignore[no-untyped-def]
    from xl_selfeval.files.open import read_document

    document = read_document(path, settings.limits)
    for note in document.notes:
        print(f"注意：{note}", file=sys.stderr)
    return document


def _outcome(path: Path, settings):  # type: ignore[no-untyped-def]
    from xl_selfeval.engine import run_engine

    return run_engine(_document(path, settings).grids, settings)


PROFILE_HELP = "评分规则方案（默认：全国；xl-selfeval profiles 列出全部）"


def cmd_profiles(args: argparse.Namespace) -> int:
    from xl_selfeval.settings import DEFAULT_PROFILE, list_profiles

    for info in list_profiles():
        default = "（默认）" if info.name == DEFAULT_PROFILE else ""
        print(f"{info.name}{default}：{info.summary}")
        for source in info.sources:
            print(f"    出处：{source}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from xl_selfeval.report_text import outcome_json, outcome_text

    path = Path(args.file)
    settings = _settings(args)
    document = _document(path, settings)
    if document.paragraphs:
        # A Word report: its tables are checked as forms, and its text against the tables.
        from xl_selfeval.report.cli import check_report_document

        tables = _outcome(Path(args.tables), settings).forms if args.tables else None
        outcome = check_report_document(path, document, tables, settings)
    else:
        from xl_selfeval.engine import run_engine

        outcome = run_engine(document.grids, settings)
    if args.format == "json":
        print(outcome_json(path, outcome))
    else:
        print(outcome_text(path, outcome))
        if document.paragraphs:
            against = f"工作簿 {Path(args.tables).name}" if args.tables else "报告所附的表"
            mismatches = sum(f.code == "report_figure_mismatch" for f in outcome.findings)
            print(
                f"核对 {path.name} 正文 {len(document.paragraphs)} 段与{against}：发现 {mismatches} 处不一致"
            )
    return EXIT_FINDINGS if outcome.has_errors else EXIT_OK


def cmd_recalc(args: argparse.Namespace) -> int:
    from xl_selfeval.files.open import recalc_output, recalc_source
    from xl_selfeval.files.recalc import write_recalc
    from xl_selfeval.findings import Severity
    from xl_selfeval.report_text import outcome_text

    path = Path(args.file)
    settings = _settings(args)
    # An .xls/.ods/.et/.xlsb is recalculated in LibreOffice's .xlsx copy, written beside the source.
    with recalc_source(path, settings.limits) as source:
        copied = source != path
        output = Path(args.output) if args.output else (recalc_output(path) if copied else None)
        if output is not None and not (output.exists() and output.resolve() == path.resolve()):
            _check_output(output, args.force)
        outcome = _outcome(source, settings)
        result = write_recalc(
            source, outcome, output=output, backup=not args.no_backup, limits=settings.limits
        )
    print(outcome_text(path, outcome))
    for line in result.warnings:
        print(line, file=sys.stderr)
    print(
        f"已写入 {result.path}（已改正 {sum(1 for e in outcome.edits if e.kind == 'correct')} 处，"
        f"已补填 {sum(1 for e in outcome.edits if e.kind != 'correct')} 处，"
        f"问题清单见“{result.list_sheet}”工作表）"
    )
    if result.backup_text:
        print(result.backup_text + "。")
    errors = [f for f in outcome.findings if f.severity is Severity.ERROR]
    if errors:
        # The last line: what the drag-and-drop launcher leaves on screen (exit 1 = written, errors found).
        fixed = sum(1 for f in errors if f.fix is not None)
        print(
            f"共 {len(errors)} 个错误：已更正 {fixed} 个，仍有 {len(errors) - fixed} 个需要核对，"
            f"详见“{result.list_sheet}”工作表。"
        )
    return EXIT_FINDINGS if outcome.has_errors else EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    """The finance bureau's batch review: every file under a folder checked, one summary workbook."""
    from xl_selfeval.files.batch import FILE_TIME_LIMIT, review_folder, walk
    from xl_selfeval.files.summary import write_summary
    from xl_selfeval.review import exit_code, one_line, statistics
    from xl_selfeval.scoring import grade

    folder, output = Path(args.folder), Path(args.output)
    if output.suffix.lower() != ".xlsx":
        raise UserError(f"汇总文件名应以 .xlsx 结尾，收到的是“{output}”")
    _check_output(output, args.force)
    if args.jobs is not None and args.jobs < 1:
        raise UserError(f"--jobs 应为不小于1的整数，收到的是 {args.jobs}")
    seconds = FILE_TIME_LIMIT if args.time_limit is None else args.time_limit
    if not (seconds >= 0 and math.isfinite(seconds)):
        raise UserError(f"--time-limit 应为不小于0的秒数（0 表示不限时），收到的是 {args.time_limit:g}")
    settings = _settings(args)
    total = len(walk(folder, [output])[0]) if folder.is_dir() else 0
    with _progress(total) as bar:
        batch = review_folder(
            folder, settings, settings.limits, args.jobs, [output], bar.update, time_limit=seconds
        )
    stats = statistics(batch.results, batch.skipped, lambda total: grade(total, settings))
    write_summary(batch, stats, folder, output)
    print(one_line(batch.results, batch.skipped, str(output)))
    return exit_code(batch.results)


def _progress(total: int):  # type: ignore[no-untyped-def]
    # tqdm: one small pure-Python dependency; it draws on stderr only when that is a terminal.
    from tqdm import tqdm

    return tqdm(total=total, desc="审核", unit="个文件", disable=None, leave=False, file=sys.stderr)


def cmd_addin_build(args: argparse.Namespace) -> int:
    from xl_selfeval.addin.build import build_addin
    from xl_selfeval.addin.install import ADDIN_FILE_NAME
    from xl_selfeval.files.save import write_error

    out = Path(args.output or ADDIN_FILE_NAME)
    if out.suffix.lower() != ".xlam":
        raise UserError(f"加载项文件名应以 .xlam 结尾，收到的是“{out}”")
    _check_output(out, args.force)
    try:
        build_addin(out)
    except (FileNotFoundError, RuntimeError) as error:  # xlwings missing, or a version we do not know
        raise UserError(f"无法生成加载项：{error}") from None
    except OSError as error:  # writing the .xlam: disk full, folder gone or locked meanwhile
        raise write_error(out, error) from None
    print(f"已生成 {out}（Excel 加载项“绩效自评”；安装到本机 Excel：xl-selfeval addin install）")
    return EXIT_OK


def cmd_addin_install(args: argparse.Namespace) -> int:
    from xl_selfeval.addin.install import AddinInstallError, install_addin

    try:
        lines = install_addin(dry_run=args.dry_run, launcher=args.launcher)
    except (AddinInstallError, FileNotFoundError, RuntimeError) as error:
        raise UserError(str(error)) from None
    for line in lines:
        print(line)
    return EXIT_OK


def cmd_bundle(args: argparse.Namespace) -> int:
    from xl_selfeval.setup.bundle import BundleError, build_bundle, parse_pythons

    out = Path(args.output)
    if out.suffix.lower() != ".zip":
        raise UserError(f"安装包文件名应以 .zip 结尾，收到的是“{out}”")
    _check_output(out, args.force)
    try:
        pythons = parse_pythons(args.python)
        summary = build_bundle(
            out, pythons=pythons, python_zip=Path(args.python_zip) if args.python_zip else None
        )
    except BundleError as error:
        raise UserError(str(error)) from None
    python_note = f"，含 Python（{summary.embedded}）" if summary.embedded else "，不含 Python"
    print(
        f"已生成 {out}（{summary.size / 1e6:.1f} MB，适用于 64 位 Windows 上的 Python {'、'.join(summary.pythons)}"
        f"{python_note}，{len(summary.wheels)} 个程序包）。解压后以使用者身份运行其中的 安装.cmd。"
    )
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    from xl_selfeval.setup.doctor import doctor_report, run_doctor
    from xl_selfeval.setup.windows import current_system

    checks = run_doctor(current_system())
    print(doctor_report(checks))
    return EXIT_FINDINGS if any(check.status == "fail" for check in checks) else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xl-selfeval", description="预算绩效自评三表：生成模板、检查、重算。")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    sub.required = True

    new = sub.add_parser("new", help="生成某年度的三表工作簿（附件1、附件2、每个项目一张附件3）")
    new.add_argument("--year", help="年度，如 2025（用 --from 时可省略：上年工作簿的年度加一）")
    new.add_argument(
        "--from",
        dest="source",
        metavar="上年工作簿.xlsx",
        help="由上年工作簿生成：结转上年决算数、编制数、绩效指标和年度指标值，本年数字留空",
    )
    new.add_argument("--unit", help="单位名称，填入预算部门名称、主管部门、实施单位")
    new.add_argument("--projects", help="一级项目名称，用逗号分隔，每个项目一张附件3")
    new.add_argument("-o", "--output", help="输出文件（默认：{年度}年度绩效自评.xlsx）")
    new.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    new.add_argument("--config", help="规则设置文件（TOML）：用 --from 时按其中 [limits] 读取上年工作簿")
    new.set_defaults(func=cmd_new)

    check = sub.add_parser("check", help="检查工作簿中的三表，列出问题（不修改文件）")
    check.add_argument("file", help="要检查的工作簿或 Word 文档（.xlsx/.xlsm/.xls/.ods/.docx 等）")
    check.add_argument("--format", choices=["text", "json"], default="text", help="输出格式（默认 text）")
    check.add_argument("--profile", metavar="名称", help=PROFILE_HELP)
    check.add_argument("--config", help="评分规则设置文件（TOML），见 templates/规则示例.toml")
    check.add_argument("--tables", metavar="工作簿.xlsx", help="检查 Word 报告时，与此工作簿中的三表核对")
    check.set_defaults(func=cmd_check)

    from xl_selfeval.report.cli import add_report_parser

    add_report_parser(sub, _settings, _check_output)

    recalc = sub.add_parser("recalc", help="重算派生数字、填入建议得分，并在原处标出问题")
    recalc.add_argument("file", help="要重算的工作簿（.xlsx/.xlsm；.xls/.ods 另存为新的 .xlsx）")
    recalc.add_argument("-o", "--output", help="另存为此文件（默认：改写原文件，并在旁边留备份）")
    recalc.add_argument("--no-backup", action="store_true", help="改写原文件时不留备份")
    recalc.add_argument("--force", action="store_true", help="用 -o 时覆盖已存在的输出文件")
    recalc.add_argument("--profile", metavar="名称", help=PROFILE_HELP)
    recalc.add_argument("--config", help="评分规则设置文件（TOML），只改写方案中的个别项")
    recalc.set_defaults(func=cmd_recalc)

    review = sub.add_parser(
        "review", help="批量审核：检查文件夹（含子文件夹）中全部上报材料，输出审核汇总工作簿"
    )
    review.add_argument("folder", help="上报材料所在的文件夹")
    review.add_argument(
        "-o", "--output", default="绩效自评审核汇总.xlsx", help="汇总工作簿（默认：绩效自评审核汇总.xlsx）"
    )
    review.add_argument("--jobs", type=int, metavar="N", help="同时检查的进程数（默认：本机处理器核数）")
    review.add_argument(
        "--time-limit",
        type=float,
        metavar="秒",
        help="单个文件读取和检查的最长时间，超过即记为无法读取（读取超时）；默认60，0 为不限时",
    )
    review.add_argument("--force", action="store_true", help="覆盖已存在的汇总工作簿")
    review.add_argument("--profile", metavar="名称", help=PROFILE_HELP)
    review.add_argument("--config", help="评分规则设置文件（TOML），见 templates/规则示例.toml")
    review.set_defaults(func=cmd_review)

    profiles = sub.add_parser("profiles", help="列出可用的评分规则方案及其出处")
    profiles.set_defaults(func=cmd_profiles)

    addin = sub.add_parser("addin", help="Excel 加载项（功能区“绩效自评”选项卡）：生成、安装")
    addin_sub = addin.add_subparsers(dest="addin_command", metavar="操作", parser_class=_Parser)
    addin_sub.required = True
    build = addin_sub.add_parser("build", help="生成加载项文件（.xlam）")
    build.add_argument("-o", "--output", help="输出文件（默认：绩效自评.xlam）")
    build.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    build.set_defaults(func=cmd_addin_build)
    install = addin_sub.add_parser("install", help="把加载项装到本机 Excel 的启动文件夹（仅 Windows）")
    install.add_argument("--dry-run", action="store_true", help="只列出将要做的事，不写入任何文件")
    install.add_argument(
        "--launcher", action="store_true", help="同时在桌面生成拖放脚本（供 WPS、LibreOffice 用户使用）"
    )
    install.set_defaults(func=cmd_addin_install)

    bundle = sub.add_parser("bundle", help="生成内网电脑用的离线安装包（.zip，含程序包、加载项和安装脚本）")
    bundle.add_argument("-o", "--output", default="xl-selfeval-离线安装包-win64.zip", help="输出文件（.zip）")
    bundle.add_argument(
        "--python-zip", help="随包附带的 python.org 免安装版 Python，如 python-3.12.8-embed-amd64.zip"
    )
    bundle.add_argument(
        "--python", default=",".join(SUPPORTED_PYTHONS), help="安装包适用的 Python 版本，逗号分隔"
    )
    bundle.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    bundle.set_defaults(func=cmd_bundle)

    doctor = sub.add_parser("doctor", help="检查本机能否使用加载项：Python、加载项、设置、Excel、WPS、宏设置")
    doctor.set_defaults(func=cmd_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except UserError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:  # output piped into head/more that stopped reading
        return EXIT_OK
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return EXIT_UNUSABLE
    except OSError as exc:  # a file operation no command anticipated: still Chinese, naming the file
        where = f"“{exc.filename}”" if exc.filename else "文件"
        print(f"错误：无法读写{where}（系统错误代码 {exc.errno}），原文件未改动。", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception:  # a bug: exit 3 so that a launcher never takes it for "written, errors found" (1)
        import traceback

        traceback.print_exc()
        print(
            "错误：程序遇到了意外错误（见上面的详细信息），原文件未改动，请把以上内容发给技术支持。",
            file=sys.stderr,
        )
        return EXIT_BUG
