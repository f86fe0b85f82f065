"""Offline installation for Windows PCs without internet: the install bundle and the `doctor` self-check."""

from __future__ import annotations

# The Pythons a bundle carries wheels for by default; pyproject.toml's requires-python starts at the first
# (xlwings 0.37.8 needs 3.11) and tests/test_setup_bundle.py checks the two agree.
SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13")
DEFAULT_INSTALL_FOLDER = r"C:\xl-selfeval"
WINDOWS_PLATFORM = "win_amd64"


def pinned_xlwings_version() -> str | None:
    """The xlwings version pyproject.toml pins (``xlwings==X``), as installed metadata says; None if unknown."""
    from importlib import metadata

    try:
        requirements = metadata.requires("xl-selfeval") or []
    except metadata.PackageNotFoundError:
        return None
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        if name.strip().lower() == "xlwings" and version:
            return version.split(";")[0].strip()
    return None
