"""Load and render the jinja2 text templates, installed (xl_selfeval.templates) or from the repo."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

_PACKAGE = "xl_selfeval.templates"
# Running from a source checkout: templates/ sits at the repo root, two levels above this package.
_REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def read_template_bytes(relative: str) -> bytes:
    """Bytes of the template at ``relative`` (e.g. 'addin/Ribbon.bas.j2', 'report/….docx')."""
    try:
        resource = resources.files(_PACKAGE)
        for part in relative.split("/"):
            resource = resource / part
        if resource.is_file():
            return resource.read_bytes()
    except ModuleNotFoundError:
        pass  # not installed as a package: fall back to the checkout
    path = _REPO_TEMPLATES / relative
    if not path.is_file():
        raise FileNotFoundError(f"找不到模板 {relative}（已查找 {_PACKAGE} 与 {_REPO_TEMPLATES}）")
    return path.read_bytes()


def read_template(relative: str) -> str:
    """Text of the template at ``relative`` (e.g. 'addin/Ribbon.bas.j2')."""
    return read_template_bytes(relative).decode("utf-8")


def render_template(relative: str, filters: dict[str, Any] | None = None, **context: Any) -> str:
    """Render a template; XML/HTML templates are autoescaped, undefined names are errors."""
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(read_template),
        autoescape=relative.endswith((".xml.j2", ".html.j2")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(filters or {})
    return environment.get_template(relative).render(**context)
