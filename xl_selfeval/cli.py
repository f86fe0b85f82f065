"""The command line: xl-selfeval new | check | recalc | addin."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from xl_selfeval.errors import UserError

MIN_YEAR, MAX_YEAR = 2000, 2100
EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2


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
    if path.exists() and not force:
        raise UserError(f"输出文件已存在：{path}（如需覆盖，请加 --force）")
    if not path.parent.exists():
        raise UserError(f"输出文件夹不存在：{path.parent}")


def cmd_new(args: argparse.Namespace) -> int:
    from xl_selfeval.generate import new_workbook

    year = parse_year(args.year)
    out = Path(args.output or f"{year}年度绩效自评.xlsx")
    _check_output(out, args.force)
    projects = parse_projects(args.projects)
    new_workbook(out, year, args.unit or "", projects)
    sheets = 2 + max(1, len(projects))
    print(f"已生成 {out}（{year}年度，{sheets}张表：附件1、附件2、{max(1, len(projects))}张附件3）")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xl-selfeval", description="预算绩效自评三表：生成模板、检查、重算。")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    sub.required = True

    new = sub.add_parser("new", help="生成某年度的三表工作簿（附件1、附件2、每个项目一张附件3）")
    new.add_argument("--year", required=True, help="年度，如 2025")
    new.add_argument("--unit", help="单位名称，填入预算部门名称、主管部门、实施单位")
    new.add_argument("--projects", help="一级项目名称，用逗号分隔，每个项目一张附件3")
    new.add_argument("-o", "--output", help="输出文件（默认：{年度}年度绩效自评.xlsx）")
    new.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    new.set_defaults(func=cmd_new)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except UserError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return EXIT_UNUSABLE
