"""Named rule profiles (评分规则方案) shipped as TOML data, each rule with its source.

This package is data: its loader reads the package's own resources (like importing a constant), never a
user's file.
"""

from __future__ import annotations

from importlib import resources


def profile_names() -> list[str]:
    """The names of the shipped profiles (the file names without .toml)."""
    return sorted(
        r.name.removesuffix(".toml") for r in resources.files(__name__).iterdir() if r.name.endswith(".toml")
    )


def profile_text(name: str) -> str | None:
    """The TOML text of a shipped profile, or None when there is no profile of that name."""
    if name not in profile_names():
        return None
    return resources.files(__name__).joinpath(f"{name}.toml").read_text("utf-8")
