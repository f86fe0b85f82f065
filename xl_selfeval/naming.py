"""Names the commands give to files and sheets: the default new-year file, workbook suffixes, a free name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")  # what recalc writes and rollover reads through openpyxl
NO_FORMS = "没有找到绩效自评表（附件1基础数据表、附件2部门整体支出绩效自评表或附件3项目支出绩效自评表）"


def workbook_stem(year: int) -> str:
    """The stem of a new year's workbook, as `new` and 新建下一年度 name it."""
    return f"{year}年度绩效自评"


def default_workbook_name(year: int) -> str:
    return workbook_stem(year) + ".xlsx"


def is_workbook_name(name: str) -> bool:
    """Whether a file name has a suffix recalc can write back (.xlsx, .xlsm; any case)."""
    return name.lower().endswith(WORKBOOK_SUFFIXES)


def numbered(first: str, later: Callable[[int], str]) -> Iterator[str]:
    """``first``, then later(2), later(3), …: the candidates of a free-name search, in order."""
    yield first
    n = 2
    while True:
        yield later(n)
        n += 1


def first_free(candidates: Iterable[str], taken: Callable[[str], bool]) -> str:
    """The first candidate not taken (the candidates are endless, or end with one surely free)."""
    for name in candidates:
        if not taken(name):
            return name
    raise ValueError("no free name among the candidates")
