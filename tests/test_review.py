"""The finance bureau's batch review: a folder of real submissions in, a summary workbook out.

The folder holds what a bureau receives: good workbooks of two units, a Word report per unit (one only
text, grouped by its file name), the seed's tables as .xls and .docx, a form typed from another
province's published table, a corrupt zip, an encrypted file, an empty file, a PDF and a lock file.
Every assertion reads the written summary back with openpyxl.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from conftest import EXAMPLE, REPO

from xl_selfeval.addin.cfb import write_compound_file
from xl_selfeval.cli import main
from xl_selfeval.files.batch import review_folder, walk
from xl_selfeval.files.settings import load_settings
from xl_selfeval.files.summary import link_formula
from xl_selfeval.files.xlsx import Limits
from xl_selfeval.review import FileResult, Text, copied_texts, unit_from_file_name

sys.path.insert(0, str(REPO / "tests" / "real"))
import build as real_build

FIXTURES = REPO / "tests" / "formats" / "fixtures"
UNIT_A = "岳阳市住房公积金管理中心本级"
UNIT_B = "华容县财政局"
FORMULA_UNIT = "=1+2 临湘市水利局"
SHARED_REASON = "住房交易创新低，购房偏向办提取。"
SHARED_PARAGRAPH = (
    "本年度我单位严格落实预算绩效管理要求，全面开展绩效自评工作，资金使用规范，项目实施效果良好。"
)
FOREIGN = "sichuan-2022-project-zhongjiang-slj"
# The unit's 附件2 says 全年执行数 4791.96; its report quotes the digits swapped.
WRONG_EXECUTION = "本单位2024年全年执行数4791.69万元。"


def _unit_copy(target: Path, unit: str) -> Path:
    """The example workbook as another unit filed it: its name typed in 附件2 and 附件3."""
    wb = openpyxl.load_workbook(EXAMPLE)
    for sheet, cells in (("附件2 部门整体支出绩效自评表", ("B3",)), ("附件3 运转经费", ("B4", "F4"))):
        for ref in cells:
            cell = wb[sheet][ref]
            cell.value = unit
            cell.data_type = "s"  # a name starting with "=" stays text, as a web system exports it
    wb.save(target)
    return target


def _report(target: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(target))
    return target


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("review") / "上报材料"
    (root / "岳阳").mkdir(parents=True)
    (root / "华容").mkdir()
    (root / "外省").mkdir()
    shutil.copy(EXAMPLE, root / "岳阳" / EXAMPLE.name)
    _report(root / "岳阳" / f"{UNIT_A}2024年度绩效自评报告.docx", ["一、基本情况", SHARED_PARAGRAPH])
    _unit_copy(root / "华容" / "华容县财政局-2024.xlsx", UNIT_B)
    _report(
        root / "华容" / f"{UNIT_B}2024年度绩效自评报告.docx",
        [SHARED_PARAGRAPH, "二、存在问题", WRONG_EXECUTION],
    )
    _unit_copy(root / "临湘.xlsx", FORMULA_UNIT)
    shutil.copy(FIXTURES / "seed.xls", root / "旧版.xls")
    shutil.copy(FIXTURES / "seed.docx", root / "含表格的报告.docx")
    real_build.build(real_build.load(FOREIGN), root / "外省" / f"{FOREIGN}.xlsx")
    (root / "损坏.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    (root / "加密.xlsx").write_bytes(
        write_compound_file({"EncryptionInfo": b"\x04\x00" * 64, "EncryptedPackage": os.urandom(4096)})
    )
    (root / "空.xlsx").write_bytes(b"")
    (root / "说明.pdf").write_bytes(b"%PDF-1.4\n")
    (root / "岳阳" / f"~${EXAMPLE.name}").write_bytes(b"lock")
    return root


@pytest.fixture(scope="module")
def reviewed(submissions: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, str]:
    out = tmp_path_factory.mktemp("out") / "2024年度绩效自评审核汇总.xlsx"
    from contextlib import redirect_stdout
    from io import StringIO

    printed = StringIO()
    with redirect_stdout(printed):
        code = main(["review", str(submissions), "-o", str(out), "--jobs", "2"])
    return code, out, printed.getvalue()


def _rows(out: Path, sheet: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(out)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]  # type: ignore[arg-type]


def test_exit_code_and_one_line(reviewed: tuple[int, Path, str]) -> None:
    code, out, printed = reviewed
    assert code == 1  # the seed's tables hold an error
    lines = printed.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("审核完成：13个文件，已检查8个")
    assert "无法读取3个，跳过2个" in lines[0] and str(out) in lines[0]


def test_summary_has_one_row_per_form_with_figures(reviewed: tuple[int, Path, str]) -> None:
    _, out, _ = reviewed
    rows = _rows(out, "汇总")
    example = [r for r in rows if r["文件"] == f"岳阳/{EXAMPLE.name}"]
    assert [r["表"] for r in example] == ["附件1", "附件2", "附件3（运转经费）"]
    department = example[1]
    assert department["单位"] == UNIT_A and department["年度"] == 2024
    assert department["全年预算数（万元）"] == pytest.approx(6298.34)
    assert department["全年执行数（万元）"] == pytest.approx(4791.96)
    assert department["执行率"] == pytest.approx(0.7608)
    assert department["重算总分"] == pytest.approx(95.61) and department["等级"] == "优"
    project = example[2]
    # The generated example keeps its totals as formulas: the figures are the ones the engine works out.
    assert project["全年预算数（万元）"] == pytest.approx(2769.05) and project["项目"] == "运转经费"
    foreign = [r for r in rows if r["文件"] == f"外省/{FOREIGN}.xlsx"]
    assert foreign and foreign[0]["单位"] == "中江县水利局" and foreign[0]["错误"] >= 1  # type: ignore[operator]
    assert str(foreign[0]["最严重的问题"]).startswith("[错误]")
    xls = [r for r in rows if r["文件"] == "旧版.xls"]
    assert [r["错误"] for r in xls] == [0, 0, 1]


def test_unreadable_files_are_listed_with_their_reason(reviewed: tuple[int, Path, str]) -> None:
    _, out, _ = reviewed
    summary = {r["文件"]: r for r in _rows(out, "汇总") if r["表"] == "无法读取"}
    assert "已加密" in str(summary["加密.xlsx"]["最严重的问题"])
    assert "损坏" in str(summary["损坏.xlsx"]["最严重的问题"])
    assert "空文件" in str(summary["空.xlsx"]["最严重的问题"])
    left = {r["文件"]: (r["状态"], r["原因"]) for r in _rows(out, "未检查文件")}
    assert left["说明.pdf"][0] == "已跳过" and ".pdf" in str(left["说明.pdf"][1])
    assert left[f"岳阳/~${EXAMPLE.name}"][0] == "已跳过" and "锁文件" in str(
        left[f"岳阳/~${EXAMPLE.name}"][1]
    )
    assert left["加密.xlsx"][0] == "无法读取"


def test_word_reports_are_grouped_with_their_unit(reviewed: tuple[int, Path, str]) -> None:
    _, out, _ = reviewed
    rows = {r["文件"]: r for r in _rows(out, "汇总")}
    report_b = rows[f"华容/{UNIT_B}2024年度绩效自评报告.docx"]
    assert report_b["表"] == "Word报告（无表格）" and report_b["单位"] == UNIT_B
    assert rows[f"岳阳/{UNIT_A}2024年度绩效自评报告.docx"]["单位"] == UNIT_A


def test_a_text_starting_with_equals_arrives_as_text(reviewed: tuple[int, Path, str]) -> None:
    _, out, _ = reviewed
    ws = openpyxl.load_workbook(out)["汇总"]
    cells = [row[1] for row in ws.iter_rows(min_row=2) if row[0].value == "临湘.xlsx"]
    assert cells and all(c.value == FORMULA_UNIT and c.data_type == "s" for c in cells)
    assert all(c.quotePrefix for c in cells)  # Excel keeps it text even when the cell is edited
    # No formula anywhere but the links.
    for sheet in openpyxl.load_workbook(out).worksheets:
        for row in sheet.iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert str(c.value).startswith('=HYPERLINK("') and sheet.title == "问题明细"


def test_finding_links_open_the_file_at_the_cell(reviewed: tuple[int, Path, str], submissions: Path) -> None:
    _, out, _ = reviewed
    ws = openpyxl.load_workbook(out)["问题明细"]
    header = [c.value for c in ws[1]]
    assert header == ["文件", "表", "单元格", "严重程度", "代码", "说明", "应为", "表中", "打开"]
    checked = 0
    for row in ws.iter_rows(min_row=2):
        file, sheet, cell, link = row[0].value, row[1].value, row[2].value, row[8].value
        target = Path(os.path.relpath(submissions / str(file), out.parent)).as_posix()
        if str(file).endswith((".xlsx", ".xls")) and cell:
            assert link == f'=HYPERLINK("[{target}]\'{sheet}\'!{cell}","打开")'
            # The link names a real sheet and cell of the file it opens.
            if str(file).endswith(".xlsx"):
                book = openpyxl.load_workbook(out.parent / target, read_only=True)
                assert sheet in book.sheetnames
                book.close()
            checked += 1
        elif str(file).endswith(".docx"):
            assert link == f'=HYPERLINK("{target}","打开")'
    assert checked > 20
    messages = [str(r[5].value) for r in ws.iter_rows(min_row=2)]
    assert any(
        "应为61.46%（1701.93÷2769.05）" in m for m in messages
    )  # the seed's mistyped rate, from the .xls


def test_summary_is_a_sortable_printable_table(reviewed: tuple[int, Path, str]) -> None:
    _, out, _ = reviewed
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总", "问题明细", "统计", "跨单位", "未检查文件"]
    ws = wb["汇总"]
    table = ws.tables["Summary"]
    assert table.ref == f"A1:N{ws.max_row}" and table.autoFilter is not None
    assert ws.freeze_panes == "A2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$1:$1"
    assert ws.column_dimensions["A"].width > 20 and ws.column_dimensions["N"].width > 40


def test_statistics_sum_up_the_batch(reviewed: tuple[int, Path, str]) -> None:
    _, out, _ = reviewed
    ws = openpyxl.load_workbook(out)["统计"]
    facts = {row[0]: row[1] for row in ws.iter_rows(min_row=2, max_row=11, values_only=True)}
    assert facts["文件总数"] == 13 and facts["无法读取的文件"] == 3 and facts["跳过的文件"] == 2
    # Units: 岳阳 (example, report, seed .xls and .docx all name it), 华容, 临湘, 中江 → 4.
    assert facts["单位数"] == 4
    # 岳阳 (the seed's error), 中江 and 华容 (its report's 4791.69) have errors: only 临湘 has none.
    assert facts["没有错误的单位占比"] == pytest.approx(0.25)
    # Money counted once per unit from its 附件2: 岳阳, 华容 and 临湘 6298.34 each; 中江 from its 附件3.
    foreign = next(r for r in _rows(out, "汇总") if r["文件"] == f"外省/{FOREIGN}.xlsx")
    expected = Decimal("6298.34") * 3 + Decimal(str(foreign["全年预算数（万元）"]))
    assert facts["全年预算数合计（万元）"] == pytest.approx(float(expected))
    labels = [row[0] for row in ws.iter_rows(values_only=True)]
    assert "单位排名（按重算总分）" in labels and "问题按代码" in labels
    assert len(ws._charts) == 4


def test_the_same_reason_and_paragraph_across_units(reviewed: tuple[int, Path, str]) -> None:
    _, out, _ = reviewed
    rows = _rows(out, "跨单位")
    reason = next(r for r in rows if r["相同的内容"] == SHARED_REASON)
    assert reason["类型"] == "偏差原因" and reason["单位数"] == 3
    assert set(str(reason["单位"]).split("\n")) == {UNIT_A, UNIT_B, FORMULA_UNIT}
    paragraph = next(r for r in rows if r["相同的内容"] == SHARED_PARAGRAPH)
    assert paragraph["类型"] == "报告段落" and paragraph["单位数"] == 2
    assert f"华容/{UNIT_B}2024年度绩效自评报告.docx 正文第1段" in str(paragraph["出现位置"])


def test_order_does_not_depend_on_the_workers(
    reviewed: tuple[int, Path, str], submissions: Path, tmp_path: Path
) -> None:
    _, out, _ = reviewed
    again = tmp_path / "again.xlsx"
    assert main(["review", str(submissions), "-o", str(again), "--jobs", "1"]) == 1
    for sheet in ("汇总", "问题明细", "跨单位", "未检查文件"):
        first = [r for r in _rows(out, sheet)]
        second = [r for r in _rows(again, sheet)]
        if sheet == "问题明细":  # links are relative to each summary's folder
            first = [{**r, "打开": None} for r in first]
            second = [{**r, "打开": None} for r in second]
        assert first == second, sheet


def test_nothing_readable_exits_2_and_still_lists_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "空.xlsx").write_bytes(b"")
    out = tmp_path / "汇总.xlsx"
    assert main(["review", str(folder), "-o", str(out)]) == 2
    assert [r["文件"] for r in _rows(out, "未检查文件")] == ["空.xlsx"]
    assert "已检查0个" in capsys.readouterr().out


def test_a_clean_folder_exits_0(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / EXAMPLE.name)
    assert main(["review", str(folder), "-o", str(tmp_path / "汇总.xlsx")]) == 0


def test_bad_arguments_exit_2_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", str(tmp_path / "没有"), "-o", str(tmp_path / "a.xlsx")]) == 2
    assert "找不到要审核的文件夹" in capsys.readouterr().err
    (tmp_path / "a.xlsx").write_bytes(b"x")
    assert main(["review", str(tmp_path), "-o", str(tmp_path / "a.xlsx")]) == 2
    assert "已存在" in capsys.readouterr().err
    assert main(["review", str(tmp_path), "-o", str(tmp_path / "b.xlsx"), "--jobs", "0"]) == 2


def test_an_oversized_file_is_unreadable_not_fatal(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "大.xlsx")
    shutil.copy(EXAMPLE, tmp_path / "好.xlsx")
    with (tmp_path / "大.xlsx").open("ab") as fh:
        fh.write(os.urandom(40_000))
    limit = (tmp_path / "好.xlsx").stat().st_size + 1000
    batch = review_folder(tmp_path, load_settings(None, None), Limits(max_file_bytes=limit), jobs=1)
    by_file = {r.file: r for r in batch.results}
    assert "过大" in by_file["大.xlsx"].reason and by_file["好.xlsx"].readable


def test_a_units_report_is_checked_against_that_units_workbook(submissions: Path) -> None:
    """The report sent beside a unit's workbook is held to that workbook's tables (it has none itself)."""
    batch = review_folder(submissions, load_settings(None, None), jobs=1)
    report = next(r for r in batch.results if r.file == f"华容/{UNIT_B}2024年度绩效自评报告.docx")
    mismatches = [f for f in report.findings if f.code == "report_figure_mismatch"]
    assert len(mismatches) == 1 and "4791.69" in mismatches[0].message and "4791.96" in mismatches[0].message
    other = next(r for r in batch.results if r.file == f"岳阳/{UNIT_A}2024年度绩效自评报告.docx")
    assert not [f for f in other.findings if f.code == "report_figure_mismatch"]


def test_links_escape_names_or_give_none() -> None:
    assert link_formula("a/b.xlsx", "it's", "C5") == "=HYPERLINK(\"[a/b.xlsx]'it''s'!C5\",\"打开\")"
    assert link_formula('a"b.xlsx', "S", "A1") == '=HYPERLINK("[a""b.xlsx]\'S\'!A1","打开")'
    assert link_formula("a[1].xlsx", "S", "A1") is None
    assert link_formula("x" * 300, "S", "A1") is None
    assert link_formula("报告.docx") == '=HYPERLINK("报告.docx","打开")'


def test_walk_leaves_hidden_and_output_files(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "a.xlsx").write_bytes(b"")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "c.XLSX").write_bytes(b"")
    (tmp_path / "out.xlsx").write_bytes(b"")
    take, left = walk(tmp_path, [tmp_path / "out.xlsx"])
    assert take == ["b/c.XLSX"]
    assert {s.file: s.reason for s in left} == {
        ".git/": "隐藏文件夹，未进入",
        "out.xlsx": "本次审核的输出文件",
    }


def test_copied_texts_leave_out_short_and_empty_explanations() -> None:
    def result(unit: str, *texts: str) -> FileResult:
        return FileResult(file=f"{unit}.xlsx", unit=unit, texts=[Text("偏差原因", "S!I9", t) for t in texts])

    long = "受疫情影响，项目招标延期，资金未能按期支付。"
    copied = copied_texts([result("甲", "无", "已完成", long), result("乙", "无", "已完成", long + " ")])
    assert [(c.text, c.units) for c in copied] == [(long, ("甲", "乙"))]
    assert copied_texts([result("甲", long), result("甲", long)]) == []


def test_a_budget_code_before_the_unit_does_not_part_it_from_its_report(tmp_path: Path) -> None:
    # 棠溪镇 (安徽 2022) types its 主管部门 as 219-池州市贵池区棠溪镇人民政府; its report names the unit alone.
    folder = tmp_path / "上报材料"
    folder.mkdir()
    real_build.build(real_build.load("anhui-2022-project-tangxi-cunji"), folder / "村级补助.xlsx")
    report = docx.Document()
    report.add_paragraph("池州市贵池区棠溪镇人民政府2022年度项目支出绩效自评报告")
    report.save(str(folder / "池州市贵池区棠溪镇人民政府2022年度绩效自评报告.docx"))
    batch = review_folder(folder, load_settings(None, None), jobs=1)
    assert [(r.file, r.unit) for r in batch.results] == [
        ("村级补助.xlsx", "池州市贵池区棠溪镇人民政府"),
        ("池州市贵池区棠溪镇人民政府2022年度绩效自评报告.docx", "池州市贵池区棠溪镇人民政府"),
    ]


def test_unit_from_file_name() -> None:
    assert unit_from_file_name("a/岳阳市某局-2024年度绩效自评报告.docx") == "岳阳市某局"
    assert unit_from_file_name("2024.xlsx") == "2024"


def test_libreoffice_prints_every_sheet_a4_landscape(reviewed: tuple[int, Path, str], tmp_path: Path) -> None:
    import subprocess

    from conftest import require_tool, run_soffice

    _, out, _ = reviewed
    run_soffice(["--convert-to", "pdf", "--outdir", str(tmp_path), str(out)])
    pdf = tmp_path / (out.stem + ".pdf")
    info = subprocess.run(
        [require_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    width, height = (float(x) for x in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())  # type: ignore[union-attr]
    assert "(A4)" in info and width > height
    text = subprocess.run([require_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True).stdout
    for title in (
        "预算绩效自评审核汇总",
        "问题明细",
        "审核统计",
        "多个单位文件中相同的偏差原因和报告段落",
        "未检查的文件",
    ):
        assert title in text
    assert "最严重的问题" in text and UNIT_B in text and FORMULA_UNIT in text


# A test that monkeypatches the reader in this process sees the patch in the workers only when they are forked.
patch_reaches_workers = pytest.mark.skipif(
    not hasattr(os, "fork") or multiprocessing.get_start_method() != "fork",
    reason="the patch reaches workers by fork",
)


@patch_reaches_workers
@pytest.mark.parametrize("chunk", [1, 3])
def test_a_worker_that_dies_costs_only_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    from xl_selfeval.files import batch as batch_module

    monkeypatch.setattr(batch_module, "_chunk_size", lambda items, jobs: chunk)

    for name in ("a.xlsx", "b.xlsx", "崩溃.xlsx", "c.xlsx", "d.xlsx"):
        shutil.copy(EXAMPLE, tmp_path / name)
    real_read = batch_module.read_document

    def read_or_die(path: Path, limits: Limits) -> object:
        if path.name == "崩溃.xlsx":
            os._exit(70)  # as a crash in a C library or the out-of-memory killer ends a process
        return real_read(path, limits)

    monkeypatch.setattr(batch_module, "read_document", read_or_die)
    batch = review_folder(tmp_path, load_settings(None, None), jobs=2)
    assert [r.file for r in batch.results] == ["a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx", "崩溃.xlsx"]
    assert [r.readable for r in batch.results] == [True, True, True, True, False]
    assert "进程意外退出" in batch.results[-1].reason


def test_a_cell_that_is_not_an_a1_address_gives_no_link() -> None:
    assert link_formula("a.xlsx", "S", 'A1",1)+("') is None
    assert link_formula("a.xlsx", "S", "ABCD1") is None  # 4 letters: not a column Excel has


def test_a_name_xlsxwriter_would_rewrite_gives_no_link() -> None:
    assert link_formula("MAP(2).xlsx", "S", "A1") is None
    assert link_formula("map(2).xlsx", "S", "A1") == '=HYPERLINK("[map(2).xlsx]\'S\'!A1","打开")'


def _slow_folder(tmp_path: Path) -> Path:
    for name in ("a.xlsx", "慢.xlsx", "b.xlsx"):
        shutil.copy(EXAMPLE, tmp_path / name)
    return tmp_path


def _slow_reader(monkeypatch: pytest.MonkeyPatch, ignore_alarm: bool) -> None:
    """The reader taking a minute on 慢.xlsx; with ``ignore_alarm`` as a C library that never returns
    to Python (the worker cannot stop itself)."""
    import signal
    import time

    from xl_selfeval.files import batch as batch_module

    real_read = batch_module.read_document

    def read_slowly(path: Path, limits: Limits) -> object:
        if path.name == "慢.xlsx":
            if ignore_alarm:
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(60)
        return real_read(path, limits)

    monkeypatch.setattr(batch_module, "read_document", read_slowly)


@pytest.mark.parametrize("jobs", [1, 2])
@patch_reaches_workers
def test_a_file_over_the_time_limit_is_unreadable_and_the_batch_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    import time

    _slow_reader(monkeypatch, ignore_alarm=False)
    started = time.monotonic()
    batch = review_folder(_slow_folder(tmp_path), load_settings(None, None), jobs=jobs, time_limit=0.5)
    assert time.monotonic() - started < 20
    by_file = {r.file: r for r in batch.results}
    assert by_file["a.xlsx"].readable and by_file["b.xlsx"].readable and by_file["a.xlsx"].forms
    assert (
        by_file["慢.xlsx"].reason
        == "“慢.xlsx”：读取超时（超过0.5秒），文件可能构造异常；请在 Excel 或 Word 中打开并另存后再试"
    )


@patch_reaches_workers
@pytest.mark.parametrize("chunk", [1, 3])
def test_a_worker_stuck_past_the_limit_is_ended_from_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    import time

    from xl_selfeval.files import batch as batch_module

    monkeypatch.setattr(batch_module, "_GRACE", 1.0)
    monkeypatch.setattr(batch_module, "_chunk_size", lambda items, jobs: chunk)
    _slow_reader(monkeypatch, ignore_alarm=True)
    started = time.monotonic()
    batch = review_folder(_slow_folder(tmp_path), load_settings(None, None), jobs=2, time_limit=0.5)
    assert time.monotonic() - started < 30
    assert [r.file for r in batch.results] == ["a.xlsx", "b.xlsx", "慢.xlsx"]
    assert [r.readable for r in batch.results] == [True, True, False]
    assert "读取超时（超过0.5秒）" in batch.results[-1].reason


@patch_reaches_workers
def test_the_reviewer_sets_the_time_limit_per_file_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    _slow_reader(monkeypatch, ignore_alarm=False)
    (tmp_path / "上报").mkdir()
    folder, out = _slow_folder(tmp_path / "上报"), tmp_path / "汇总.xlsx"
    started = time.monotonic()
    assert main(["review", str(folder), "-o", str(out), "--jobs", "1", "--time-limit", "0.5"]) == 0
    assert time.monotonic() - started < 20
    sheet = openpyxl.load_workbook(out)["未检查文件"]
    rows = {row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert (
        rows["慢.xlsx"]
        == "“慢.xlsx”：读取超时（超过0.5秒），文件可能构造异常；请在 Excel 或 Word 中打开并另存后再试"
    )


@pytest.mark.parametrize("given", ["-1", "nan", "inf"])
def test_a_time_limit_that_is_not_a_number_of_seconds_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    shutil.copy(EXAMPLE, tmp_path / "a.xlsx")
    out = tmp_path / "汇总.xlsx"
    assert main(["review", str(tmp_path), "-o", str(out), f"--time-limit={given}"]) == 2
    assert "--time-limit 应为不小于0的秒数（0 表示不限时）" in capsys.readouterr().err
    assert not out.exists()
