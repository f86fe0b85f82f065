"""Render a report context through a template: .docx with docxtpl (tables as subdocuments), .md/.html
with jinja2. Every template runs with StrictUndefined: a tag without data stops the run and is named."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import jinja2

from xl_selfeval.addin._templates import read_template_bytes as read_bundled
from xl_selfeval.errors import UserError

DEPARTMENT = "部门整体支出绩效自评报告"
PROJECT = "项目支出绩效自评报告"
FORMATS = (".docx", ".md", ".html")
_UNDEFINED = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


def read_template_bytes(relative: str) -> bytes:
    """A bundled report template's bytes (installed package data, else the checkout's templates/)."""
    try:
        return read_bundled(relative)
    except FileNotFoundError as error:
        raise UserError(f"找不到报告模板：{error}") from None


def default_template(kind: str, suffix: str) -> str:
    """templates/report/部门整体支出绩效自评报告.docx, …/项目支出绩效自评报告.md.j2 and so on."""
    name = DEPARTMENT if kind == "department" else PROJECT
    return f"report/{name}{suffix}" if suffix == ".docx" else f"report/{name}{suffix}.j2"


def environment(*, autoescape: bool, loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    return jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _template_error(name: str, exc: jinja2.TemplateError) -> UserError:
    if isinstance(exc, jinja2.UndefinedError):
        match = _UNDEFINED.search(str(exc))
        tag = (match.group(1) or match.group(2)) if match else "?"
        return UserError(f"报告模板“{name}”中的标签 {{{{ {tag} }}}} 没有对应的数据，请检查标签名是否写错")
    line = getattr(exc, "lineno", None)
    where = f"第{line}行" if line else ""
    return UserError(f"报告模板“{name}”{where}的标签写法有误：{exc}")


def render_text(context: dict[str, Any], template: str, name: str) -> str:
    """Render a .md/.html jinja2 template given as text; HTML is autoescaped."""
    loader = jinja2.FunctionLoader(lambda relative: read_template_bytes(relative).decode("utf-8"))
    env = environment(autoescape=name.endswith((".html", ".html.j2", ".htm")), loader=loader)
    try:
        return env.from_string(template).render(**context)
    except jinja2.TemplateError as exc:
        raise _template_error(name, exc) from None


def render_docx(context: dict[str, Any], template: bytes, name: str) -> bytes:
    """Render a Word template with jinja2 tags (docxtpl); the attachments become real Word tables."""
    from docxtpl import DocxTemplate

    from xl_selfeval.report.tables import add_form_table

    try:
        document = DocxTemplate(io.BytesIO(template))
        document.init_docx()
    except Exception as exc:  # not a Word document, or one python-docx cannot open
        raise UserError(f"报告模板“{name}”不是可用的 Word 文档（.docx）：{exc}") from None
    data = dict(context)
    last = document.docx.sections[-1]  # the attachments' section (landscape in the bundled templates)
    width = (last.page_width - last.left_margin - last.right_margin) / 360000 if last.page_width else 16.0
    tables = []
    for attachment in context.get("attachments", []):
        subdoc = document.new_subdoc()
        add_form_table(subdoc, attachment["rows"], attachment.get("widths"), width)
        tables.append({**attachment, "table": subdoc})
    data["attachments"] = tables
    try:
        document.render(data, jinja_env=jinja2.Environment(undefined=jinja2.StrictUndefined), autoescape=True)
    except jinja2.TemplateError as exc:
        raise _template_error(name, exc) from None
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render_report(context: dict[str, Any], kind: str, suffix: str, template: Path | None = None) -> bytes:
    """The report as bytes in the format ``suffix`` names, from ``template`` or the bundled one."""
    if suffix not in FORMATS:
        raise UserError(f"报告只能写成 .docx、.md 或 .html，收到的文件后缀是“{suffix}”")
    if template is not None:
        if not template.is_file():
            raise UserError(f"找不到报告模板：{template}")
        raw, name = template.read_bytes(), template.name
    else:
        relative = default_template(kind, suffix)
        raw, name = read_template_bytes(relative), relative
    if suffix == ".docx":
        return render_docx(context, raw, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"报告模板“{name}”不是 UTF-8 编码的文本模板") from None
    return render_text(context, text, name).encode("utf-8")
