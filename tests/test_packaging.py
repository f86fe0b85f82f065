"""A non-editable `pip install .` ships every package and the data the CLI needs at run time."""

from __future__ import annotations

import tomllib
from pathlib import Path

from conftest import REPO


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "xl_selfeval").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    # Folders of templates/ ship as subpackages of xl_selfeval.templates.
    found |= {
        "xl_selfeval.templates." + ".".join(d.relative_to(REPO / "templates").parts)
        for d in (REPO / "templates").rglob("*")
        if d.is_dir() and d.name != "__pycache__"
    }
    assert found <= listed, f"packages missing from pyproject.toml: {sorted(found - listed)}"
    assert config["package-dir"]["xl_selfeval.templates"] == "templates"
    assert (REPO / "templates" / "addin" / "customUI.xml.j2").exists()


def test_runtime_data_is_declared_as_package_data() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    data = config["package-data"]
    assert "*.json" in data["xl_selfeval.data"]
    assert any(Path("customUI.xml.j2").match(pattern) for pattern in data["xl_selfeval.templates.addin"])
    assert any(Path("规则示例.toml").match(pattern) for pattern in data["xl_selfeval.templates"])
