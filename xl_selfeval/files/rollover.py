"""new --from and 新建下一年度 through files: last year's workbook read, next year's written."""

from __future__ import annotations

from pathlib import Path

from xl_selfeval.errors import UserError
from xl_selfeval.files.save import save_workbook, shown, shown_name
from xl_selfeval.limits import DEFAULT_LIMITS, Limits
from xl_selfeval.model import Form
from xl_selfeval.naming import NO_FORMS
from xl_selfeval.read import read_forms
from xl_selfeval.rollover import RolloverSummary, next_year_of, roll_over


def read_last_year(source: Path, limits: Limits = DEFAULT_LIMITS) -> list[Form]:
    """Last year's forms, read like any workbook (generated, bundled example or hand-typed)."""
    from xl_selfeval.files.xlsx import read_workbook

    forms = read_forms(read_workbook(Path(source), limits))
    if not forms:
        raise UserError(f"“{shown_name(Path(source))}”中{NO_FORMS}，无法由它生成下一年度")
    return forms


def rollover_file(
    source: Path, output: Path, year: int | None = None, limits: Limits = DEFAULT_LIMITS
) -> RolloverSummary:
    """Write the forms of ``year`` (default: the year after the source's) to ``output``, from ``source``."""
    from xl_selfeval.files.generate import build_workbook

    source, output = Path(source), Path(output)
    if output.exists() and source.exists() and output.resolve() == source.resolve():
        raise UserError(f"输出文件不能是上年工作簿本身：{shown(output)}（请另取一个文件名）")
    forms = read_last_year(source, limits)
    contents, summary = roll_over(forms, year if year is not None else next_year_of(forms))
    save_workbook(build_workbook(contents), output, untouched="上年工作簿未改动")
    return summary
