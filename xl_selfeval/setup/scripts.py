"""安装.cmd, 卸载.cmd and 安装说明.txt, rendered from the one template templates/bundle/scripts.j2."""

from __future__ import annotations

from dataclasses import dataclass

from xl_selfeval.addin._templates import render_template
from xl_selfeval.addin.install import ADDIN_FILE_NAME, INTERPRETER_KEY, LAUNCHER_FILE_NAME
from xl_selfeval.addin.names import ADDIN_TITLE, XLWINGS_CONFIG_NAME
from xl_selfeval.files.bundled import EXAMPLE_NAME
from xl_selfeval.setup import DEFAULT_INSTALL_FOLDER, SUPPORTED_PYTHONS

TEMPLATE = "bundle/scripts.j2"
INSTALLER = "安装.cmd"
UNINSTALLER = "卸载.cmd"
INSTRUCTIONS = "安装说明.txt"
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class BundleContents:
    """What a bundle holds that the scripts refer to."""

    version: str  # of xl-selfeval
    xlwings_version: str
    pythons: tuple[str, ...] = SUPPORTED_PYTHONS
    pip_wheel: str | None = None  # file name in wheels/, run directly by an embeddable Python
    embed_zip: str | None = None  # python.org embeddable zip in python/
    embed_pth: str | None = None  # its pythonXY._pth
    embed_version: str | None = None


def _render(mode: str, contents: BundleContents) -> str:
    text = render_template(
        TEMPLATE,
        mode=mode,
        title=ADDIN_TITLE,
        package="xl-selfeval",
        version=contents.version,
        xlwings_version=contents.xlwings_version,
        pythons=list(contents.pythons),
        python_tuples=", ".join(f"({v.replace('.', ', ')})" for v in contents.pythons),
        default_target=DEFAULT_INSTALL_FOLDER,
        addin_file=ADDIN_FILE_NAME,
        launcher=LAUNCHER_FILE_NAME.removesuffix(".bat"),
        conf_dir=f".{XLWINGS_CONFIG_NAME}",
        conf_file=f"{XLWINGS_CONFIG_NAME}.conf",
        interpreter_key=INTERPRETER_KEY,
        installer=INSTALLER,
        uninstaller=UNINSTALLER,
        example=EXAMPLE_NAME,
        embed_zip=contents.embed_zip,
        embed_pth=contents.embed_pth,
        embed_version=contents.embed_version,
        pip_wheel=contents.pip_wheel,
    )
    lines: list[str] = []
    for line in text.strip("\n").splitlines():
        if line.strip() or (lines and lines[-1]):  # steps with nothing to do leave no run of blank lines
            lines.append(line.rstrip())
    return "\r\n".join(lines) + "\r\n"  # cmd.exe and Notepad both want CRLF


def render_scripts(contents: BundleContents) -> dict[str, bytes]:
    """File name -> bytes of the installer, the uninstaller and the instructions.

    The scripts are UTF-8 without BOM: a BOM would glue itself to "@echo off", and their second line
    (chcp 65001) switches cmd to UTF-8 before any Chinese line is read. UTF-8 rather than GBK because
    the paths they print (user folders, the desktop) are not limited to GBK, and the same files must
    also work on an English Windows. The instructions carry a BOM so that every Notepad reads them
    as UTF-8.
    """
    if contents.embed_zip is not None and contents.pip_wheel is None:
        raise ValueError("随包附带的 Python 没有 pip：安装包必须含 pip 的 wheel")
    return {
        INSTALLER: _render("install", contents).encode("utf-8"),
        UNINSTALLER: _render("uninstall", contents).encode("utf-8"),
        INSTRUCTIONS: UTF8_BOM + _render("readme", contents).encode("utf-8"),
    }
