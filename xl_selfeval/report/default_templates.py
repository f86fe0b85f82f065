"""Builds the bundled Word report templates (templates/report/*.docx) with their jinja2 tags.

The .docx files are data an accountant may restyle in Word; this module is how they were made, so a
change of wording or style is a reviewed change here, then `python -m xl_selfeval.report.default_templates`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from xl_selfeval.report.render import DEPARTMENT, PROJECT

BODY_FONT, HEADING_FONT, SUBHEADING_FONT, TITLE_FONT = "仿宋", "黑体", "楷体", "宋体"
BODY_PT, TITLE_PT = 14, 20

# (kind, text): kinds are title, h1 (一、), h2 (（一）), body, tag (a jinja2 block tag paragraph), right,
# caption (附件N on a new page), table_title, page (a heading on a new page).
Spec = tuple[str, str]


def _loop(items: str, kind: str = "body") -> list[Spec]:
    return [("tag", f"{{%p for line in {items} %}}"), (kind, "{{ line }}"), ("tag", "{%p endfor %}")]


def _groups(items: str) -> list[Spec]:
    return [
        ("tag", f"{{%p for g in {items} %}}"),
        ("body", "{{ g.name }}完成情况："),
        *_loop("g.lines"),
        ("tag", "{%p endfor %}"),
    ]


def _tail(closing: str) -> list[Spec]:
    return [
        ("body", "附件："),
        ("tag", "{%p for a in attachments %}"),
        ("body", "{{ loop.index }}.{{ a.title }}{% if a.caption == '附件3' %}（{{ a.name }}）{% endif %}"),
        ("tag", "{%p endfor %}"),
        ("blank", ""),
        ("right", closing),
        ("right", "{{ report_date }}"),
        ("landscape", ""),
        ("tag", "{%p for a in attachments %}"),
        ("caption", "{{ a.caption }}"),
        ("table_title", "{{ a.title }}"),
        ("body", "{{p a.table }}"),
        ("tag", "{%p endfor %}"),
        ("page", "附：自评表检查发现的问题"),
        ("tag", "{%p if open_errors %}"),
        ("body", "以下错误在自评表中仍未改正，报送前请先改正自评表，再重新生成本报告："),
        ("tag", "{%p for e in open_errors %}"),
        ("body", "{{ loop.index }}. {{ e }}"),
        ("tag", "{%p endfor %}"),
        ("tag", "{%p else %}"),
        ("body", "自评表检查未发现错误（警告和提示可用 xl-selfeval check 查看）。"),
        ("tag", "{%p endif %}"),
    ]


DEPARTMENT_SPECS: list[Spec] = [
    ("title", "{{ title }}"),
    ("h1", "一、部门基本情况"),
    ("h2", "（一）基本概况"),
    ("body", "{{ overview }}"),
    ("h2", "（二）机构设置情况"),
    ("body", "{{ structure }}"),
    ("h2", "（三）人员编制情况"),
    ("body", "{{ staff }}"),
    ("h1", "二、一般公共预算支出情况"),
    ("body", "{{ budget }}"),
    ("h2", "（一）基本支出情况"),
    ("body", "{{ basic_spending }}"),
    ("h2", "（二）项目支出情况"),
    *_loop("project_spending"),
    ("h2", "（三）“三公”经费等经费控制情况"),
    *_loop("three_public"),
    ("h1", "三、政府性基金预算支出情况"),
    ("body", "{{ gov_fund }}"),
    ("h1", "四、国有资本经营预算支出情况"),
    ("body", "{{ state_capital }}"),
    ("h1", "五、社会保险基金预算支出情况"),
    ("body", "{{ social_insurance }}"),
    ("h1", "六、部门整体支出绩效情况"),
    ("h2", "（一）全年绩效目标完成情况"),
    ("body", "年度总体目标：{{ goal_expected }}"),
    ("body", "实际完成情况：{{ goal_actual }}"),
    *_groups("indicator_groups"),
    ("h2", "（二）职能履行及社会效益情况"),
    ("body", "{{ functions }}"),
    ("h2", "（三）社会公众和服务对象满意度"),
    *_loop("satisfaction"),
    ("h2", "（四）综合评价结果"),
    ("body", "{{ result }}"),
    *_loop("projects"),
    ("h1", "七、存在的问题及原因分析"),
    *_loop("problems"),
    ("h1", "八、下一步改进措施"),
    *_loop("measures"),
    ("h1", "九、部门整体支出绩效自评结果拟应用和公开情况"),
    ("body", "{{ use_of_results }}"),
    ("h1", "十、其他需要说明的情况"),
    ("body", "{{ other }}"),
    *_tail("{{ unit }}"),
]

PROJECT_SPECS: list[Spec] = [
    ("title", "{{ title }}"),
    ("h1", "一、项目支出概况"),
    ("h2", "（一）项目实施单位基本情况"),
    ("body", "{{ unit_overview }}"),
    ("h2", "（二）项目资金基本情况"),
    ("body", "{{ funding }}"),
    ("h2", "（三）预算资金绩效目标"),
    ("body", "年度总体目标：{{ goal_expected }}"),
    ("h1", "二、项目资金使用及管理情况"),
    ("h2", "（一）项目资金及自筹资金的安排落实、总投入等情况"),
    ("body", "{{ arranged }}"),
    ("h2", "（二）项目资金实际使用情况"),
    ("body", "{{ used }}"),
    ("h2", "（三）项目资金管理情况分析"),
    ("body", "{{ management }}"),
    ("h1", "三、项目支出组织实施情况"),
    ("body", "{{ organization }}"),
    ("h1", "四、项目支出绩效情况"),
    ("h2", "（一）项目支出决策情况"),
    ("body", "{{ decision }}"),
    ("h2", "（二）项目支出过程情况"),
    ("body", "{{ process }}"),
    ("h2", "（三）项目支出产出情况"),
    ("body", "实际完成情况：{{ goal_actual }}"),
    *_groups("outputs"),
    ("h2", "（四）项目支出效益情况"),
    *_groups("benefits"),
    ("body", "{{ result }}"),
    ("h1", "五、主要经验做法、存在的问题及原因分析"),
    *_loop("problems"),
    ("h1", "六、有关建议"),
    ("body", "{{ suggestions }}"),
    ("h1", "七、其他需要说明的问题"),
    ("body", "{{ other }}"),
    *_tail("{{ unit }}"),
]


def _east_asian(run_or_style_rpr: object, font: str) -> None:
    fonts = run_or_style_rpr.get_or_add_rFonts()  # type: ignore[attr-defined]
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:ascii"), font)
    fonts.set(qn("w:hAnsi"), font)


def build(specs: list[Spec]) -> Any:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _east_asian(normal.element.get_or_add_rPr(), BODY_FONT)
    normal.paragraph_format.line_spacing = Pt(26)
    normal.paragraph_format.space_after = Pt(0)
    for kind, text in specs:
        if kind == "landscape":
            # The attachments print on A4 landscape, as the forms do; the text before stays portrait.
            landscape = document.add_section(WD_SECTION.NEW_PAGE)
            landscape.orientation = WD_ORIENT.LANDSCAPE
            landscape.page_width, landscape.page_height = Cm(29.7), Cm(21)
            landscape.top_margin = landscape.bottom_margin = Cm(1.8)
            landscape.left_margin = landscape.right_margin = Cm(2.0)
            continue
        paragraph = document.add_paragraph()
        fmt = paragraph.paragraph_format
        font, size, bold = BODY_FONT, BODY_PT, False
        if kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            font, size, bold = TITLE_FONT, TITLE_PT, True
            fmt.space_after = Pt(18)
            fmt.line_spacing = Pt(32)
        elif kind == "h1":
            font = HEADING_FONT
            fmt.first_line_indent = Pt(BODY_PT * 2)
        elif kind == "h2":
            font = SUBHEADING_FONT
            fmt.first_line_indent = Pt(BODY_PT * 2)
        elif kind == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif kind == "caption":
            font = HEADING_FONT
            fmt.page_break_before = True  # each attachment on its own page (Word skips it at a section start)
        elif kind in ("table_title", "page"):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            font, size, bold = TITLE_FONT, 16, True
            fmt.space_after = Pt(8)
            fmt.page_break_before = kind == "page"
        elif kind == "body" and not text.startswith("{{p"):
            fmt.first_line_indent = Pt(BODY_PT * 2)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if not text:
            continue
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        _east_asian(run._element.get_or_add_rPr(), font)
    return document


def main(folder: str = "templates/report") -> int:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, specs in ((DEPARTMENT, DEPARTMENT_SPECS), (PROJECT, PROJECT_SPECS)):
        build(specs).save(str(out / f"{name}.docx"))
        print(out / f"{name}.docx")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
