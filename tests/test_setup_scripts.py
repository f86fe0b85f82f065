"""安装.cmd and 卸载.cmd come from one template: everything the installer writes, the uninstaller removes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from xl_selfeval.setup import __main__ as setup_main
from xl_selfeval.setup.scripts import INSTALLER, INSTRUCTIONS, UNINSTALLER, BundleContents, render_scripts

EMBEDDED = BundleContents(
    version="0.1.0",
    xlwings_version="0.37.8",
    pip_wheel="pip-26.3-py3-none-any.whl",
    embed_zip="python-3.12.8-embed-amd64.zip",
    embed_pth="python312._pth",
    embed_version="3.12.8",
)
SYSTEM_PYTHON = BundleContents(
    version="0.1.0", xlwings_version="0.37.8", pip_wheel="pip-26.3-py3-none-any.whl"
)

# What a line of the installer writes, by the command that writes it (group "path": a batch expression).
WRITES = [
    re.compile(r'^(?:if not exist "[^"]+" )?mkdir "(?P<path>[^"]+)"'),
    re.compile(r'^copy /y "[^"]+" "(?P<path>[^"]+)"'),
    re.compile(r'-m venv "(?P<path>[^"]+)"'),
    re.compile(r'^tar -xf "[^"]+" -C "(?P<path>[^"]+)"'),
    re.compile(r'^>>?"(?P<path>[^"]+)"'),
    re.compile(r'-m xl_selfeval\.setup write-\w+ "(?P<path>[^"]+)"'),
    re.compile(r"CreateShortcut\(\$env:(?P<var>\w+)\)"),
    re.compile(r'^reg add "(?P<path>[^"]+)"'),
]
# What a line of the uninstaller removes: (pattern, removes everything below the path too).
REMOVES = [
    (re.compile(r'del /f /q "(?P<path>[^"]+)"'), False),
    (re.compile(r'rmdir /s /q "(?P<path>[^"]+)"'), True),
    (re.compile(r'^rmdir "(?P<path>[^"]+)"'), False),
    (re.compile(r'^reg delete "(?P<path>[^"]+)"'), False),
]


def _lines(script: bytes) -> list[str]:
    return script.decode("utf-8").split("\r\n")


def written_paths(installer: bytes) -> set[str]:
    paths = set()
    for line in _lines(installer):
        for pattern in WRITES:
            match = pattern.search(line)
            if match:
                path = match.groupdict().get("path") or f"%{match.group('var')}%"
                paths.add(path)
    return paths


def removed_paths(uninstaller: bytes) -> tuple[set[str], set[str]]:
    exact, trees = set(), set()
    for line in _lines(uninstaller):
        for pattern, recursive in REMOVES:
            match = pattern.search(line)
            if match:
                (trees if recursive else exact).add(match.group("path"))
    return exact, trees


def not_undone(installer: bytes, uninstaller: bytes) -> set[str]:
    exact, trees = removed_paths(uninstaller)
    return {
        path
        for path in written_paths(installer)
        if path not in exact and path not in trees and not any(path.startswith(tree + "\\") for tree in trees)
    }


@pytest.mark.parametrize("contents", [EMBEDDED, SYSTEM_PYTHON], ids=["embedded", "system-python"])
def test_everything_the_installer_writes_the_uninstaller_removes(contents: BundleContents) -> None:
    scripts = render_scripts(contents)
    written = written_paths(scripts[INSTALLER])
    # The checker sees every kind of write the installer makes (so it cannot pass by seeing nothing).
    assert {
        "%XSE_TARGET%",
        "%XSE_ADDIN%",
        "%XSE_CONF%",
        "%XSE_CONF_DIR%",
        "%XSE_LAUNCHER%",
        "%XSE_LINK%",
        "%XSE_UNINSTALLER%",
        "%XSE_XLSTART%",
    } <= written
    assert ("%XSE_EMBED%" in written) == (contents is EMBEDDED)
    assert ("%XSE_VENV%" in written) == (contents is SYSTEM_PYTHON)
    assert not_undone(scripts[INSTALLER], scripts[UNINSTALLER]) == set()


def test_the_checker_notices_a_missing_undo() -> None:
    scripts = render_scripts(EMBEDDED)
    for victim in ("%XSE_LINK%", "%XSE_CONF%", "%XSE_ADDIN%", "%XSE_EMBED%"):
        lines = [
            line
            for line in _lines(scripts[UNINSTALLER])
            if f'"{victim}"' not in line or ("del" not in line and "rmdir" not in line)
        ]
        assert victim in not_undone(scripts[INSTALLER], "\r\n".join(lines).encode("utf-8")), victim


def test_both_scripts_compute_every_path_the_same_way() -> None:
    scripts = render_scripts(EMBEDDED)
    # The prelude: after the header (four lines), up to the first blank line.
    preludes = [
        _lines(scripts[name])[4 : _lines(scripts[name]).index("")] for name in (INSTALLER, UNINSTALLER)
    ]
    assert preludes[0] == preludes[1]
    assert sum(line.startswith('set "XSE_') for line in preludes[0]) == 12


def test_scripts_are_utf8_without_bom_and_switch_cmd_to_utf8_first() -> None:
    for name, data in render_scripts(EMBEDDED).items():
        assert b"\n" not in data.replace(b"\r\n", b""), name  # CRLF only
        if name == INSTRUCTIONS:
            assert data.startswith(b"\xef\xbb\xbf")  # every Notepad then reads it as UTF-8
            continue
        assert not data.startswith(b"\xef\xbb\xbf")  # a BOM would break "@echo off"
        lines = _lines(data)
        assert lines[:2] == ["@echo off", "chcp 65001 >nul"]
        assert any(not line.isascii() for line in lines[2:])


def test_installer_does_what_the_issue_asks() -> None:
    installer = render_scripts(EMBEDDED)[INSTALLER].decode("utf-8")
    assert 'set "XSE_TARGET=C:\\xl-selfeval"' in installer
    assert '>>"%XSE_EMBED%\\python312._pth" echo import site' in installer
    assert '--no-index --find-links "%XSE_HERE%wheels"' in installer
    assert "Unblock-File" in installer and "xlwings addin install" not in installer.replace(
        "`xlwings addin install`", ""
    )
    assert '"%XSE_HERE%wheels\\pip-26.3-py3-none-any.whl\\pip"' in installer
    system = render_scripts(SYSTEM_PYTHON)[INSTALLER].decode("utf-8")
    assert "py -3.13-64" in system and "tar -xf" not in system and "import site" not in system


def test_instructions_list_the_installer_steps_in_chinese() -> None:
    text = render_scripts(EMBEDDED)[INSTRUCTIONS].decode("utf-8-sig")
    for needed in (
        "信息科",
        "财务人员",
        "卸载",
        "XLSTART",
        "Python 3.12.8",
        "doctor",
        "不要“以管理员身份运行”",
    ):
        assert needed in text


def test_write_config_and_launcher_steps(tmp_path: Path) -> None:
    conf = tmp_path / "张会计" / ".xl_selfeval" / "xl_selfeval.conf"
    conf.parent.mkdir(parents=True)
    conf.write_bytes(b'"PYTHONPATH","D:\\x"\r\n')
    assert setup_main.main(["write-config", str(conf), "C:\\xl-selfeval\\python\\pythonw.exe"]) == 0
    assert (
        conf.read_bytes()
        == b'"PYTHONPATH","D:\\x"\r\n"INTERPRETER_WIN","C:\\xl-selfeval\\python\\pythonw.exe"\r\n'
    )
    bat = tmp_path / "绩效自评-重新计算.bat"
    assert setup_main.main(["write-launcher", str(bat), "C:\\xl-selfeval\\python\\python.exe"]) == 0
    assert '"C:\\xl-selfeval\\python\\python.exe" -m xl_selfeval recalc "%~1"' in bat.read_text("utf-8")
    assert setup_main.main(["write-config"]) == 2


def test_write_step_failure_is_one_chinese_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert setup_main.main(["write-config", str(blocker / "sub" / "x.conf"), sys.executable]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：无法写入") and err.count("\n") == 1
