"""check and recalc on the seed's tables saved as .xls, .ods, Word and LibreOffice-converted files.

The fixtures are real files made by tests/formats/make_fixtures.py (LibreOffice for .xls/.ods, the three
tables typed into Word with merged cells for .docx). Expected figures are the seed's, worked by hand:
附件3 执行率 1701.93 ÷ 2769.05 = 61.46%, typed 61.65%; 附件1 项目支出预算 2324.71 vs 附件3 2769.05.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import require_tool

from xl_selfeval.cli import main
from xl_selfeval.files import convert
from xl_selfeval.files.xls import read_xls
from xl_selfeval.files.xlsx import Limits, read_workbook

FIXTURES = Path(__file__).parent / "fixtures"
RATE = "应为61.46%（1701.93÷2769.05），表中为61.65%"

# Where the two findings sit in each fixture (sheet, cell of the rate, cell of 附件1's 项目支出 budget).
WHERE = {
    "seed.xls": ("项目（运转经费）", "I10", "基础数据", "D14"),
    "seed.ods": ("项目（运转经费）", "I10", "基础数据", "D14"),
    "seed.docx": ("表3", "G7", "表1", "C10"),
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def fixture_copy(tmp_path: Path, name: str, as_name: str | None = None) -> Path:
    target = tmp_path / (as_name or name)
    shutil.copyfile(FIXTURES / name, target)
    return target


@pytest.mark.parametrize("name", sorted(WHERE))
def test_check_finds_the_rate_and_the_budget_mismatch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    rate_sheet, rate_cell, basic_sheet, budget_cell = WHERE[name]
    path = fixture_copy(tmp_path, name)
    code, out, _ = run(capsys, "check", str(path))
    assert code == 1
    assert f"{rate_sheet}!{rate_cell} 年度资金总额（执行率）{RATE}" in out
    budget = next(line for line in out.splitlines() if f"{basic_sheet}!{budget_cell} " in line)
    assert "2324.71" in budget and "2769.05" in budget
    code, out, _ = run(capsys, "check", str(path), "--format", "json")
    findings = json.loads(out)["findings"]
    rate = next(f for f in findings if f["cell"] == rate_cell and f["sheet"] == rate_sheet)
    assert (rate["severity"], rate["expected"], rate["actual"]) == ("error", "61.46%", "61.65%")
    assert any(f["sheet"] == basic_sheet and f["cell"] == budget_cell for f in findings)


def test_xls_keeps_percent_formats_and_merges() -> None:
    grids = {g.name: g for g in read_xls(FIXTURES / "seed.xls").grids}
    rate = grids["项目（运转经费）"].cell(10, 9)
    assert (rate.value, rate.number_format) == (0.6165, "0.00%")
    assert grids["整体自评"].merged == [(15, 1, 33, 1)]  # 绩效指标 down the indicator rows
    assert grids["基础数据"].cell(6, 3).value == 127  # a whole number is an int, as from .xlsx


def test_ods_keeps_percent_formats_and_merges() -> None:
    from xl_selfeval.files.ods import read_ods

    grids = {g.name: g for g in read_ods(FIXTURES / "seed.ods").grids}
    rate = grids["项目（运转经费）"].cell(10, 9)
    assert (rate.value, rate.number_format) == (0.6165, "0.00%")
    assert grids["整体自评"].merged == [(15, 1, 33, 1)]
    assert grids["基础数据"].cell(6, 3).value == 127
    assert grids["基础数据"].cell(11, 5).value == "4.30"  # a number typed as text stays text


@pytest.mark.parametrize(
    ("name", "as_name", "rate_sheet"),
    [
        ("seed.xls", "改名.xlsx", "项目（运转经费）"),
        ("seed.ods", "改名.xls", "项目（运转经费）"),
        ("seed.docx", "改名.xlsx", "表3"),
    ],
)
def test_content_decides_not_the_suffix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, as_name: str, rate_sheet: str
) -> None:
    code, out, _ = run(capsys, "check", str(fixture_copy(tmp_path, name, as_name)))
    assert code == 1 and f"{rate_sheet}!" in out and RATE in out


def _bomb_member(path: Path, member: str, prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if path.suffix == ".ods":
            zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr(member, prefix + " " * (30 * 1024 * 1024))
    return path


ENTITY_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaaaaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)


def _entity_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if path.suffix == ".ods":
            zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
            zf.writestr("content.xml", ENTITY_BOMB + "<office:document-content>&c;</office:document-content>")
        else:
            w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
            body = f'<w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>'
            zf.writestr("word/document.xml", ENTITY_BOMB + body)
    return path


def _oversized(tmp_path: Path, name: str) -> Path:
    path = fixture_copy(tmp_path, name, "大" + name)
    with path.open("ab") as fh:
        fh.write(os.urandom(1024 * 1024 + 1))  # past the 1 MB limit set below, whatever the format
    return path


@pytest.mark.parametrize("suffix", [".ods", ".docx"])
def test_zip_and_entity_bombs_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    member = "content.xml" if suffix == ".ods" else "word/document.xml"
    bomb = _bomb_member(tmp_path / f"压缩炸弹{suffix}", member)
    code, out, err = run(capsys, "check", str(bomb))
    assert (code, out) == (2, "")
    assert err.strip() == f"错误：“压缩炸弹{suffix}”压缩比异常，可能是恶意构造的文件，已拒绝读取。"
    code, out, err = run(capsys, "check", str(_entity_bomb(tmp_path / f"实体{suffix}")))
    assert (code, out) == (2, "")
    assert err.startswith(f"错误：“实体{suffix}”文件内容格式异常") and "另存为" in err


@pytest.mark.parametrize("name", ["seed.xls", "seed.ods", "seed.docx", "seed.et", "seed.doc"])
def test_oversized_files_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # Files LibreOffice would convert are refused before it sees them.
    monkeypatch.setattr(convert, "find_soffice", lambda: pytest.fail("LibreOffice started"))
    config = tmp_path / "规则.toml"
    config.write_text("[limits]\nmax_file_mb = 1\n", "utf-8")
    if name == "seed.doc":
        path = tmp_path / "大seed.doc"
        path.write_bytes(rb"{\rtf1\ansi " + b"x" * (1024 * 1024 + 1) + b"}")  # RTF saved as .doc
    else:
        path = _oversized(tmp_path, name.replace(".et", ".xls"))
        path = path.rename(path.with_suffix(Path(name).suffix))
    code, out, err = run(capsys, "check", str(path), "--config", str(config))
    assert (code, out) == (2, "")
    assert err.startswith(f"错误：“{path.name}”文件过大（") and "上限 1.0 MB" in err


def test_xls_cell_limit_and_damage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(Exception, match="超过 100 个单元格"):
        read_xls(FIXTURES / "seed.xls", Limits(max_cells=100))
    damaged = tmp_path / "坏.xls"
    damaged.write_bytes((FIXTURES / "seed.xls").read_bytes()[:3000])
    code, out, err = run(capsys, "check", str(damaged))
    assert (code, out) == (2, "")
    assert err == "错误：“坏.xls”文件已损坏或不完整，请重新获取文件后再试。\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "网页.xls",
            b"<html><body><table><tr><td>1</td></tr></table></body></html>",
            "实际是网页（HTML）文件",
        ),
        ("导出.xls", b"\xef\xbb\xbf  <table><tr><td>1</td></tr></table>", "实际是网页（HTML）文件"),
        ("文本.xlsx", "附件3 项目支出绩效自评表".encode(), "不是能读取的表格或 Word 文档"),
        ("图片.docx", b"\x89PNG\r\n\x1a\n" + bytes(100), "不是能读取的表格或 Word 文档"),
    ],
)
def test_other_content_gets_one_chinese_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run(capsys, "check", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"错误：“{name}”{message}") and err.count("\n") == 1


def test_without_libreoffice_old_word_files_get_a_save_as_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(convert, "find_soffice", lambda: None)
    rtf = tmp_path / "报告.doc"
    rtf.write_bytes(rb"{\rtf1\ansi \u38468?3}")
    code, out, err = run(capsys, "check", str(rtf))
    assert (code, out) == (2, "")
    assert (
        err
        == "错误：“报告.doc”需要先转换格式，但本机没有安装 LibreOffice；请在 Word 或 WPS 中打开并另存为 .docx 后再试。\n"
    )
    et = fixture_copy(tmp_path, "seed.xls", "表.et")
    code, out, err = run(capsys, "check", str(et))
    assert code == 2 and "另存为 .xlsx" in err


@pytest.fixture(scope="module")
def seed_doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Word fixture saved by LibreOffice as a Word 97-2003 .doc."""
    require_tool("soffice")
    folder = tmp_path_factory.mktemp("doc")
    with convert.converted(FIXTURES / "seed.docx", "doc") as doc:
        return Path(shutil.copyfile(doc, folder / "报告.doc"))


def test_doc_is_converted_and_checked(seed_doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(seed_doc))
    assert code == 1
    assert f"表3!G7 年度资金总额（执行率）{RATE}" in out


def test_odt_and_rtf_are_converted_and_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_tool("soffice")
    for target, name in (("odt", "报告.odt"), ("rtf", "报告.doc")):  # Word saves "doc" as RTF too
        with convert.converted(FIXTURES / "seed.docx", target) as copy:
            path = Path(shutil.copyfile(copy, tmp_path / name))
        code, out, _ = run(capsys, "check", str(path))
        assert code == 1 and f"表3!G7 年度资金总额（执行率）{RATE}" in out, name


def test_et_is_converted_and_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_tool("soffice")
    et = fixture_copy(tmp_path, "seed.xls", "表.et")  # WPS .et keeps a BIFF8 workbook stream
    code, out, _ = run(capsys, "check", str(et))
    assert code == 1 and f"项目（运转经费）!I10 年度资金总额（执行率）{RATE}" in out


def test_xlsb_goes_to_libreoffice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # LibreOffice reads .xlsb but cannot write one, so no real .xlsb fixture: a damaged one shows the route.
    require_tool("soffice")
    book = tmp_path / "二进制.xlsx"
    with zipfile.ZipFile(book, "w") as zf:
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    code, out, err = run(capsys, "check", str(book))
    assert (code, out) == (2, "")
    assert err.startswith("错误：LibreOffice 无法转换“二进制.xlsx”") and "另存为 .xlsx" in err


@pytest.mark.parametrize("name", ["seed.xls", "seed.ods"])
def test_recalc_writes_a_new_xlsx_beside_the_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    require_tool("soffice")
    source = fixture_copy(tmp_path, name)
    before = source.read_bytes()
    code, out, _ = run(capsys, "recalc", str(source))
    written = tmp_path / "seed（重算）.xlsx"
    assert code == 1 and f"已写入 {written}" in out
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, written.name])
    rate = {g.name: g for g in read_workbook(written)}["项目（运转经费）"].cell(10, 9)
    assert (rate.value, rate.number_format) == (0.6146, "0.00%")
    code, out, _ = run(capsys, "recalc", str(source))  # again: a second name, the first one kept
    assert code == 1 and (tmp_path / "seed（重算2）.xlsx").exists()


def test_recalc_refuses_word_and_points_to_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = fixture_copy(tmp_path, "seed.docx")
    code, out, err = run(capsys, "recalc", str(source))
    assert (code, out) == (2, "")
    assert err.startswith("错误：“seed.docx”是 Word 文档") and f"xl-selfeval check {source}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed.docx"]


def test_recalc_of_xls_never_writes_over_the_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("soffice")
    source = fixture_copy(tmp_path, "seed.xls")
    before = source.read_bytes()
    code, _, err = run(capsys, "recalc", str(source), "-o", str(source))
    assert code == 2 and "应以 .xlsx 或 .xlsm 结尾" in err
    assert source.read_bytes() == before


def test_a_stuck_conversion_is_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    stuck = tmp_path / "soffice"
    stuck.write_text("#!/bin/sh\nsleep 60 &\nsleep 60\n", "utf-8")
    stuck.chmod(0o755)
    monkeypatch.setattr(convert, "find_soffice", lambda: str(stuck))
    monkeypatch.setattr(convert, "TIMEOUT_SECONDS", 1)
    started = time.monotonic()
    code, out, err = run(capsys, "check", str(fixture_copy(tmp_path, "seed.xls", "表.et")))
    assert time.monotonic() - started < 15
    assert (code, out) == (2, "")
    assert (
        err
        == "错误：用 LibreOffice 转换“表.et”超过 1 秒仍未完成，已停止；请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试。\n"
    )
