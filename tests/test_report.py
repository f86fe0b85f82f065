"""The written report: generated from the example workbook, rendered by every template, checked against tables."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLE, require_tool
from docx import Document

from xl_selfeval.checks.report import check_report
from xl_selfeval.cli import main
from xl_selfeval.engine import run_engine
from xl_selfeval.errors import UserError
from xl_selfeval.files.docx import read_docx
from xl_selfeval.files.xlsx import read_workbook
from xl_selfeval.read import read_forms
from xl_selfeval.report.render import render_docx, render_report, render_text
from xl_selfeval.report.tables import add_form_table
from xl_selfeval.report.write import free_name, report_context
from xl_selfeval.report_context import month
from xl_selfeval.settings import Settings

TODAY = dt.date(2025, 3, 20)


@pytest.fixture(scope="module")
def example() -> tuple[list, object]:
    grids = read_workbook(EXAMPLE)
    return grids, run_engine(grids)


def _context(example, project: str | None = None) -> dict:
    grids, outcome = example
    return report_context(outcome, grids, Settings(), project, TODAY)[1]


def _text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def test_department_report_quotes_the_tables_and_attaches_them(tmp_path: Path) -> None:
    out = tmp_path / "2024年度部门整体支出绩效自评报告.docx"
    assert main(["report", str(EXAMPLE), "-o", str(out)]) == 0
    text = _text(out)
    for figure in ("3090.03万元", "1701.93万元", "4791.96万元", "76.08%", "95.61分", "自评等级为“优”"):
        assert figure in text
    for heading in (
        "一、部门基本情况",
        "六、部门整体支出绩效情况",
        "十、其他需要说明的情况",
        "附：自评表检查发现的问题",
    ):
        assert heading in text
    assert "发放住房公积金贷款：年度指标值15亿元，实际完成10.19亿元，未完成。偏差原因：住房交易创新低" in text
    assert "【请填写：" in text  # what the tables cannot say stays visibly open
    assert "2025年3月" not in text or month(TODAY) == "2025年3月"
    document = read_docx(out)
    assert [g.name for g in document.grids] == ["表1", "表2", "表3"]
    kinds = [f.kind for f in read_forms(document.grids)]
    assert kinds == ["basic_data", "department", "project"]
    # The attachment keeps the form's merged header: 年度预算申请 spans its rows.
    assert any(m[2] - m[0] >= 6 for m in document.grids[1].merged)


def test_generated_report_passes_its_own_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "报告.docx"
    assert main(["report", str(EXAMPLE), "-o", str(out)]) == 0
    assert main(["check", str(out)]) == 0
    assert main(["check", str(out), "--tables", str(EXAMPLE)]) == 0
    assert "发现 0 处不一致" in capsys.readouterr().out


def test_project_report(tmp_path: Path) -> None:
    out = tmp_path / "运转经费项目支出绩效自评报告.docx"
    assert main(["report", str(EXAMPLE), "--project", "运转经费", "-o", str(out)]) == 0
    text = _text(out)
    for figure in (
        "2769.05万元",
        "1701.93万元",
        "61.46%",
        "94.15分",
        "一、项目支出概况",
        "七、其他需要说明的问题",
    ):
        assert figure in text
    assert [g.name for g in read_docx(out).grids] == ["表1"]


def test_unknown_project_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(EXAMPLE), "--project", "不存在", "-o", str(tmp_path / "x.docx")]) == 2
    assert "没有项目支出名称为“不存在”的附件3（有：运转经费）" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".docx", ".md", ".html"])
@pytest.mark.parametrize("project", [None, "运转经费"])
def test_every_tag_of_the_default_templates_resolves(
    example, suffix: str, project: str | None, tmp_path: Path
) -> None:
    kind = "project" if project else "department"
    data = render_report(_context(example, project), kind, suffix)
    if suffix == ".docx":
        path = tmp_path / f"{kind}.docx"
        path.write_bytes(data)
        text = _text(path) + "".join(g.text(r, c) for g in read_docx(path).grids for (r, c) in g.cells)
    else:
        text = data.decode("utf-8")
    assert "{{" not in text and "{%" not in text
    assert "1701.93" in text


def test_a_missing_variable_names_the_template_and_the_tag(example, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"报告模板“我的模板.md”中的标签 \{\{ unit_nmae \}\}"):
        render_text(_context(example), "# {{ unit_nmae }}", "我的模板.md")
    template = Document()
    template.add_paragraph("{{ titel }}")
    path = tmp_path / "bad.docx"
    template.save(str(path))
    with pytest.raises(UserError, match=r"报告模板“我的模板.docx”中的标签 \{\{ titel \}\}"):
        render_docx(_context(example), path.read_bytes(), "我的模板.docx")


def test_user_word_template(tmp_path: Path) -> None:
    template = Document()
    template.add_paragraph("{{ unit }}：总分见下")
    template.add_paragraph("{{ result }}")
    path = tmp_path / "我的模板.docx"
    template.save(str(path))
    out = tmp_path / "out.docx"
    assert main(["report", str(EXAMPLE), "--template", str(path), "-o", str(out)]) == 0
    assert "自评总分95.61分" in _text(out)


def test_html_is_autoescaped(example) -> None:
    context = _context(example)
    context["unit"] = "<script>x</script>"
    html = render_report(context, "department", ".html").decode("utf-8")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert 'rowspan="' in html  # the attachments keep their merges


def test_report_converts_to_pdf(tmp_path: Path, libreoffice_convert) -> None:
    out = tmp_path / "报告.docx"
    assert main(["report", str(EXAMPLE), "-o", str(out)]) == 0
    pdf = libreoffice_convert(out, tmp_path / "pdf", "pdf")
    text = subprocess.run([require_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True).stdout
    text = "".join(text.split())  # pdftotext spaces out digits among CJK
    pages = subprocess.run([require_tool("pdfinfo"), str(pdf)], capture_output=True, text=True).stdout
    assert "A4" in pages or "595" in pages
    for figure in ("2024年度部门整体支出绩效自评表", "4791.96", "95.61", "附：自评表检查发现的问题"):
        assert figure in text


def test_free_name_never_overwrites(tmp_path: Path) -> None:
    first = tmp_path / "报告.docx"
    first.write_bytes(b"x")
    assert free_name(first).name == "报告（2）.docx"
    assert free_name(tmp_path / "新.docx").name == "新.docx"


# --- the report check, on seed 001's figures ----------------------------------------------------------

SEED_001_SENTENCES = (
    "本部门2024年全年基本支出3090.03万元。",
    "本部门2024年全年项目支出1701.93万元。",
    "本年度部门整体预算执行率为76.08%，未达到预期目标。",
)


def _report(tmp_path: Path, example, sentences: tuple[str, ...], with_tables: bool = True) -> Path:
    document = Document()
    for sentence in sentences:
        document.add_paragraph(sentence)
    if with_tables:
        for attachment in _context(example)["attachments"]:
            document.add_paragraph(str(attachment["caption"]))
            add_form_table(document, attachment["rows"])
    path = tmp_path / "报告.docx"
    document.save(str(path))
    return path


def _findings(path: Path, tables: Path | None = None) -> list[str]:
    document = read_docx(path)
    grids = read_workbook(tables) if tables else document.grids
    return [f.message for f in check_report(document.paragraphs, read_forms(grids), Settings())]


def test_seed_001_figures_agree_with_its_attachments(tmp_path: Path, example) -> None:
    path = _report(tmp_path, example, SEED_001_SENTENCES)
    assert _findings(path) == []
    assert _findings(_report(tmp_path, example, SEED_001_SENTENCES, with_tables=False), EXAMPLE) == []


@pytest.mark.parametrize(
    ("index", "old", "new", "expected"),
    [
        (
            0,
            "3090.03",
            "3090.30",
            "正文第1段“本部门2024年全年基本支出3090.30万元。”中基本支出为3090.30万元，表中（附件2）为3090.03万元",
        ),
        (
            1,
            "1701.93",
            "1710.93",
            "正文第2段“本部门2024年全年项目支出1710.93万元。”中项目支出为1710.93万元，表中（附件2）为1701.93万元",
        ),
        (2, "76.08%", "78.06%", "中执行率为78.06%，表中（附件2）为76.08%"),
    ],
)
def test_one_changed_figure_gives_exactly_that_finding(
    tmp_path: Path, example, index, old, new, expected
) -> None:
    sentences = list(SEED_001_SENTENCES)
    sentences[index] = sentences[index].replace(old, new)
    found = _findings(_report(tmp_path, example, tuple(sentences)))
    assert len(found) == 1
    assert expected in found[0]


def test_cli_check_names_the_paragraph_and_exits_1(tmp_path: Path, example, capsys) -> None:
    path = _report(tmp_path, example, ("本部门全年基本支出3090.30万元。",), with_tables=False)
    assert main(["check", str(path), "--tables", str(EXAMPLE)]) == 1
    assert "正文第1段“本部门全年基本支出3090.30万元。”" in capsys.readouterr().out


def test_enumerations_are_summed(tmp_path: Path, example) -> None:
    # Seed 001's basic spending by economic class, and seed 000's project parts with 另其他资金 (2549.4).
    agree = (
        "全年基本支出3090.03万元，其中工资福利支出2666.53万元，对个人和家庭的补助137.97万元，商品和服务支出285.53万元。",
        "项目资金共2549.4万元。其中：信息化建设经费302.98万元，劳务派遣费155.81万元，法律诉讼费37.33万元，"
        "城区网点建设1568.35万元，其他运营成本431.78万元，改革前退休人员补贴6.7万元，车辆购置24.98万元。另其他资金21.47万元。",
    )
    assert _findings(_report(tmp_path, example, agree)) == []
    wrong = (agree[0], agree[1].replace("另其他资金21.47", "另其他资金12.47"))
    found = _findings(_report(tmp_path, example, wrong))
    assert len(found) == 1
    assert "所列各项之和为2540.40万元" in found[0] and "与合计2549.4万元不符" in found[0]


def test_a_mistyped_year_and_a_wrong_grade_are_findings(tmp_path: Path, example) -> None:
    found = _findings(_report(tmp_path, example, ("20234年项目资金预算安排2549.4万元。", "自评等级为“良”。")))
    assert len(found) == 2
    assert "年份“20234年”有误" in found[0]
    assert "等级为“良”，按表中总分95.61（附件2）应为“优”" in found[1]


def test_an_indicator_actual_quoted_wrong(tmp_path: Path, example) -> None:
    found = _findings(
        _report(tmp_path, example, ("发放住房公积金贷款：年度指标值15亿元，实际完成11.19亿元，未完成。",))
    )
    assert len(found) == 1 and "“发放住房公积金贷款”实际完成值为11.19亿元，表中为10.19亿元" in found[0]


def test_seed_001_text_agrees_with_its_tables(seed_001: str) -> None:
    # Every figure seed 001's text quotes for a table quantity (3090.03, 1701.93, 76.08%, 127名, 在编122人 …)
    # is its 附件's, which the bundled example workbook holds.
    body = seed_001.split("附件1\n")[0].split("\n")
    assert "3090.03" in seed_001 and "76.08%" in seed_001
    assert check_report(body, read_forms(read_workbook(EXAMPLE)), Settings()) == []


def test_public_funds_and_staff_quoted_wrong(tmp_path: Path, example) -> None:
    found = _findings(
        _report(
            tmp_path,
            example,
            (
                "2024年“三公”经费支出5.34万元。",
                "“三公”经费预算数15.80万元，2023年决算数31.03万元。",
                "公务接待费1.31万元。",
                "核定编制127名，在编121人，控制率96.06%。",
            ),
        )
    )
    assert len(found) == 3
    assert "中三公经费为5.34万元，表中（附件1）为5.43万元" in found[0]
    assert "正文第3段" in found[1] and "中公务接待费为1.31万元，表中（附件1）为1.13万元" in found[1]
    assert "正文第4段" in found[2] and "中实际在职人数为121人，表中（附件1）为122人" in found[2]
