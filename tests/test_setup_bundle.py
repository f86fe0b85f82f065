"""The offline bundle: complete wheelhouses per target, nothing foreign, and a real offline install.

The bundle built here (once per session) downloads from PyPI: about 40 s for one Windows Python plus this
computer's Python (the CLI default, three Windows Pythons, takes about 95 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLE, IN_CI, REPO
from packaging.specifiers import SpecifierSet

from xl_selfeval.files.bundled import EXAMPLE_NAME
from xl_selfeval.setup import SUPPORTED_PYTHONS, pinned_xlwings_version
from xl_selfeval.setup.bundle import (
    BundleError,
    Target,
    Wheel,
    build_bundle,
    extract_bundle,
    foreign_wheels,
    host_target,
    missing_requirements,
    parse_pythons,
    read_embedded_python,
    wheelhouse,
    windows_target,
)
from xl_selfeval.setup.scripts import INSTALLER, INSTRUCTIONS, UNINSTALLER

WINDOWS_PYTHON = "3.12"


def fake_embedded_python(folder: Path) -> Path:
    path = folder / "python-3.12.8-embed-amd64.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("python.exe", b"MZ")
        archive.writestr("pythonw.exe", b"MZ")
        archive.writestr("python312._pth", "python312.zip\r\n.\r\n#import site\r\n")
    return path


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bundle")
    out = folder / "xl-selfeval-离线安装包-win64.zip"
    try:
        build_bundle(
            out,
            pythons=(WINDOWS_PYTHON,),
            python_zip=fake_embedded_python(folder),
            targets=(windows_target(WINDOWS_PYTHON), host_target()),
        )
    except BundleError as error:
        if IN_CI:
            raise
        pytest.skip(f"cannot download wheels here: {error}")
    return extract_bundle(out, folder / "unpacked")


def test_bundle_holds_what_an_offline_pc_needs(bundle: Path) -> None:
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    for needed in (
        INSTALLER,
        UNINSTALLER,
        INSTRUCTIONS,
        "绩效自评.xlam",
        EXAMPLE_NAME,
        "python/python-3.12.8-embed-amd64.zip",
    ):
        assert needed in names
    installer = (bundle / INSTALLER).read_bytes().decode("utf-8")
    pip_wheel = next(p.name for p in (bundle / "wheels").glob("pip-*.whl"))
    assert f'"%XSE_HERE%wheels\\{pip_wheel}\\pip"' in installer
    assert '>>"%XSE_EMBED%\\python312._pth" echo import site' in installer
    # The project's wheel holds exactly the modules of this checkout, and the bundle's template.
    project = next((bundle / "wheels").glob("xl_selfeval-*.whl"))
    with zipfile.ZipFile(project) as archive:
        shipped = {n for n in archive.namelist() if n.endswith(".py")}
    assert shipped == {p.relative_to(REPO).as_posix() for p in (REPO / "xl_selfeval").rglob("*.py")} | {
        "xl_selfeval/templates/__init__.py"
    }
    assert "xl_selfeval/templates/bundle/scripts.j2" in zipfile.ZipFile(project).namelist()


def test_windows_wheelhouse_is_complete_and_has_pywin32(bundle: Path) -> None:
    wheels = wheelhouse(bundle / "wheels")
    windows = {w.path.name for w in wheels if not foreign_wheels([w], [windows_target(WINDOWS_PYTHON)])}
    names = {name.split("-")[0].lower() for name in windows}
    # Every distribution xl-selfeval needs on Windows, checked by name against the dependencies as declared.
    assert names == {
        "xl_selfeval", "xlwings", "pywin32", "openpyxl", "et_xmlfile", "defusedxml", "jinja2", "markupsafe",
        "olefile", "pillow", "packaging", "pip", "xlrd", "docxtpl", "docxcompose", "python_docx", "lxml",
        "babel", "typing_extensions", "xlsxwriter", "tqdm", "colorama",
    }  # fmt: skip
    for binary in ("xlwings", "pywin32", "pillow", "markupsafe", "lxml"):
        assert any(
            n.startswith(f"{binary}-") and n.endswith("-cp312-cp312-win_amd64.whl") for n in windows
        ), binary
    assert missing_requirements(wheels, windows_target(WINDOWS_PYTHON)) == []
    assert missing_requirements(wheels, host_target()) == []
    # Nothing for a platform the bundle was not built for (macOS, 32-bit Windows, another Python).
    assert foreign_wheels(wheels, [windows_target(WINDOWS_PYTHON), host_target()]) == []
    assert not any(part in w.path.name for w in wheels for part in ("macosx", "win32.whl", "cp313"))
    assert {w.path.name.split("-")[2] for w in wheels if w.path.name.endswith("win_amd64.whl")} == {"cp312"}


def test_offline_install_in_a_fresh_venv_then_check_the_example(bundle: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    # Without pip, like python.org's embeddable Python: pip runs from its wheel in the bundle, as 安装.cmd
    # runs it there (and ensurepip would add half a minute).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    pip = next((bundle / "wheels").glob("pip-*.whl")) / "pip"
    # No index, no pip configuration (which might name a local mirror): only the bundle's wheels.
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1"}
    install = subprocess.run(
        [str(python), str(pip), "install", "--no-compile", "--no-index", "--find-links", str(bundle / "wheels"), "xl-selfeval"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    check = subprocess.run(
        [str(venv / "bin" / "xl-selfeval"), "check", str(bundle / EXAMPLE_NAME)],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    assert "找到 3 张表" in check.stdout and "附件2：表中总分 95.61，重算总分 95.61" in check.stdout
    assert (bundle / EXAMPLE_NAME).read_bytes() == EXAMPLE.read_bytes()
    doctor = subprocess.run(
        [str(venv / "bin" / "xl-selfeval"), "doctor"], capture_output=True, text=True, timeout=120
    )
    assert "✓ xl-selfeval 与 xlwings 版本" in doctor.stdout and "无法检查——本机不是 Windows" in doctor.stdout


def test_pyproject_ci_and_the_addin_agree_on_python_and_xlwings(bundle: Path) -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["requires-python"] == f">={SUPPORTED_PYTHONS[0]}"
    pinned = next(d for d in project["dependencies"] if d.startswith("xlwings"))
    assert pinned == f"xlwings=={pinned_xlwings_version()}"
    from xl_selfeval.setup.doctor import addin_versions

    assert addin_versions((REPO / "workbooks" / "绩效自评.xlam").read_bytes())[0] == pinned_xlwings_version()
    # xlwings' own Requires-Python admits every supported Python and nothing older.
    xlwings = next(w for w in wheelhouse(bundle / "wheels") if w.name == "xlwings")
    with zipfile.ZipFile(xlwings.path) as archive:
        meta = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    requires = SpecifierSet(
        next(
            line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Requires-Python")
        )
    )
    assert all(requires.contains(f"{v}.0") for v in SUPPORTED_PYTHONS)
    major, minor = SUPPORTED_PYTHONS[0].split(".")
    assert not requires.contains(f"{major}.{int(minor) - 1}.0")
    assert "Python >= 3.11" in (REPO / ".ci" / "run").read_text("utf-8")


# --- without the network ------------------------------------------------------------------------


def fake_wheel(folder: Path, filename: str, requires: list[str]) -> Wheel:
    path = folder / filename
    name, version = filename.split("-")[:2]
    meta = "Metadata-Version: 2.1\nName: {}\nVersion: {}\n{}".format(
        name, version, "".join(f"Requires-Dist: {r}\n" for r in requires)
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}-{version}.dist-info/METADATA", meta)
    return Wheel.read(path)


def test_missing_requirements_uses_the_targets_markers(tmp_path: Path) -> None:
    wheels = [
        fake_wheel(tmp_path, "xl_selfeval-0.1.0-py3-none-any.whl", ["xlwings==0.37.8", "tomli; python_version < '3.11'"]),
        fake_wheel(tmp_path, "xlwings-0.37.8-cp312-cp312-win_amd64.whl", ['pywin32>=224; platform_system == "Windows"', 'appscript; platform_system == "Darwin"']),
    ]  # fmt: skip
    windows = windows_target("3.12")
    assert [str(r) for r in missing_requirements(wheels, windows)] == [
        'pywin32>=224; platform_system == "Windows"'
    ]
    wheels.append(fake_wheel(tmp_path, "pywin32-311-cp312-cp312-win_amd64.whl", []))
    assert missing_requirements(wheels, windows) == []
    # The cp312 wheels do not serve Python 3.13: xlwings is missing there.
    assert [r.name for r in missing_requirements(wheels, windows_target("3.13"))] == ["xlwings"]
    linux = Target("3.12", ("manylinux_2_17_x86_64",), {**windows.environment, "platform_system": "Linux"})
    assert foreign_wheels(wheels, [linux]) == wheels[1:]


def test_parse_pythons_and_the_embedded_python(tmp_path: Path) -> None:
    assert parse_pythons("3.11，3.12, 3.12") == ("3.11", "3.12")
    for bad in ("3.10", "", "3.12,4"):
        with pytest.raises(BundleError, match=r"只能是 3\.11、3\.12、3\.13"):
            parse_pythons(bad)
    embedded = read_embedded_python(fake_embedded_python(tmp_path))
    assert (embedded.python, embedded.full_version, embedded.pth) == ("3.12", "3.12.8", "python312._pth")
    with pytest.raises(BundleError, match="免安装版"):
        read_embedded_python(tmp_path / "python-3.12.8-amd64.exe")
    broken = tmp_path / "python-3.13.1-embed-amd64.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("python.exe", b"MZ")
    with pytest.raises(BundleError, match=r"python313\._pth"):
        read_embedded_python(broken)


def test_cli_bundle_refuses_bad_arguments_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from xl_selfeval.cli import main

    assert main(["bundle", "-o", str(tmp_path / "x.tar")]) == 2
    assert ".zip" in capsys.readouterr().err
    assert main(["bundle", "-o", str(tmp_path / "x.zip"), "--python", "3.9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：--python 只能是") and err.count("\n") == 1
    assert main(["bundle", "-o", str(tmp_path / "x.zip"), "--python-zip", str(tmp_path / "nope.zip")]) == 2
    assert "免安装版" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()
