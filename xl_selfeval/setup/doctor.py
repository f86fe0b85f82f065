"""`xl-selfeval doctor`: one Chinese line per thing the add-in needs on this PC, with what to do about it.

Every registry and file read goes through a System (real: windows.py; tests: a fake profile and registry).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from xl_selfeval.addin.install import ADDIN_FILE_NAME, INTERPRETER_KEY, windows_paths
from xl_selfeval.addin.names import ADDIN_TITLE
from xl_selfeval.excel.config import value_in_file
from xl_selfeval.setup import SUPPORTED_PYTHONS

Status = Literal["ok", "fail", "unknown"]
SYMBOLS: Mapping[Status, str] = {"ok": "✓", "fail": "✗", "unknown": "？"}
REINSTALL = "请关闭 Excel 后重新运行 安装.cmd（或 xl-selfeval addin install）"
# The CLSID Excel registers for Excel.Application; WPS's "兼容第三方系统和软件" points it at its own et.exe.
EXCEL_APPLICATION_CLSID = "{00024500-0000-0000-C000-000000000046}"
EXCEL_APP_PATH = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\excel.exe"
WPS_MARKERS = ("wps", "kingsoft", "\\et.exe", "ksolaunch")
DEFAULT_OFFICE_VERSION = "16.0"  # Office 2016, 2019, 2021 and 365 all keep their settings under 16.0
VBA_WARNINGS = {
    1: "启用所有宏",
    2: "禁用所有宏并发出通知",
    3: "禁用无数字签名的所有宏",
    4: "禁用所有宏，并且不通知",
}
PE_HEADER_BYTES = 4096
PE_MACHINE_BITS = {0x8664: 64, 0xAA64: 64, 0x014C: 32}


class Registry(Protocol):
    """Reads one registry value; ``key`` starts with HKCU, HKLM or HKCR; name "" is the default value."""

    def value(self, key: str, name: str) -> str | int | None: ...


class FileReader(Protocol):
    """Reads a file (or, on Windows, ``name:stream``), at most ``limit`` bytes; None if it does not exist."""

    def __call__(self, path: Path, limit: int | None = None) -> bytes | None: ...


@dataclass(frozen=True)
class System:
    """What doctor may read about this PC. On other systems than Windows the registry is None."""

    windows: bool
    profile: Path | None  # a fake Windows user profile in tests; None: the current user's
    registry: Registry | None
    read_file: FileReader
    code_page: str | None  # the ANSI code page VBA uses, e.g. "cp936"; None when unknown
    python_version: str
    python_bits: int
    python_executable: Path
    distribution_version: Callable[[str], str | None]
    pinned_xlwings: str | None


@dataclass(frozen=True)
class Check:
    status: Status
    label: str
    detail: str
    fix: str = ""

    @property
    def line(self) -> str:
        text = f"{SYMBOLS[self.status]} {self.label}："
        if self.status == "unknown":
            return text + f"无法检查——{self.detail}"
        return text + self.detail + (f"。处理：{self.fix}" if self.fix else "")


def ok(label: str, detail: str) -> Check:
    return Check("ok", label, detail)


def fail(label: str, detail: str, fix: str) -> Check:
    return Check("fail", label, detail, fix)


def unknown(label: str, why: str) -> Check:
    return Check("unknown", label, why)


NOT_WINDOWS = "本机不是 Windows"


def check_python(system: System) -> Check:
    label = "Python"
    detail = f"{system.python_version}（{system.python_bits} 位）：{system.python_executable}"
    major_minor = ".".join(system.python_version.split(".")[:2])
    if major_minor not in SUPPORTED_PYTHONS:
        return fail(
            label, detail + f"，本工具支持 {'、'.join(SUPPORTED_PYTHONS)}", "请换用受支持的 Python 后重新安装"
        )
    return ok(label, detail)


def check_versions(system: System) -> Check:
    label = "xl-selfeval 与 xlwings 版本"
    ours = system.distribution_version("xl-selfeval")
    theirs = system.distribution_version("xlwings")
    if ours is None or theirs is None:
        missing = "xl-selfeval" if ours is None else "xlwings"
        return fail(label, f"未安装 {missing}", REINSTALL)
    detail = f"xl-selfeval {ours}，xlwings {theirs}"
    if system.pinned_xlwings and theirs != system.pinned_xlwings:
        return fail(
            label,
            detail + f"，应为 xlwings {system.pinned_xlwings}",
            f"pip install xlwings=={system.pinned_xlwings}",
        )
    return ok(label, detail)


_XLWINGS_VERSION_CONST = re.compile(rb'XLWINGS_VERSION As String = "([^"]+)"')


def addin_versions(data: bytes) -> tuple[str | None, bytes | None]:
    """The xlwings version the add-in's VBA declares, and its ribbon module's source."""
    import io

    from xl_selfeval.addin import ovba
    from xl_selfeval.addin.build import RIBBON_MODULE_NAME

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        project = ovba.read_vba_project(archive.read("xl/vbaProject.bin"))
    modules = {module.name: module.source for module in project.modules}
    match = _XLWINGS_VERSION_CONST.search(modules.get("xlwings", b""))
    return (match.group(1).decode("ascii") if match else None), modules.get(RIBBON_MODULE_NAME)


def check_addin(system: System) -> list[Check]:
    """The add-in in XLSTART: present, of matching versions, not blocked by Mark of the Web."""
    labels = ("加载项在 XLSTART", "加载项版本", "加载项未被锁定")
    if not system.windows:
        return [unknown(label, NOT_WINDOWS) for label in labels]
    path = windows_paths(system.profile).addin
    data = system.read_file(path)
    if data is None:
        fix = f"{REINSTALL}；确认 {ADDIN_FILE_NAME} 在该文件夹中"
        return [fail(labels[0], f"{path} 不存在", fix)] + [
            unknown(label, "没有加载项") for label in labels[1:]
        ]
    checks = [ok(labels[0], str(path))]
    checks.append(_check_addin_version(labels[1], data, system))
    zone = system.read_file(Path(f"{path}:Zone.Identifier"))
    zone_id = re.search(rb"ZoneId=(\d+)", zone or b"")
    if zone_id and int(zone_id.group(1)) >= 3:
        checks.append(
            fail(
                labels[2],
                f"{path.name} 带有“来自其他计算机”标记（ZoneId={zone_id.group(1).decode()}），Excel 会阻止其中的宏",
                f"右键 {path} → 属性 → 勾选“解除锁定”，或在 PowerShell 中运行 Unblock-File '{path}'",
            )
        )
    else:
        checks.append(ok(labels[2], "没有“来自其他计算机”标记"))
    return checks


def _check_addin_version(label: str, data: bytes, system: System) -> Check:
    from xl_selfeval.addin.build import render_ribbon_module

    try:
        xlwings_in_addin, ribbon = addin_versions(data)
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        return fail(label, f"加载项文件已损坏（{error}）", REINSTALL)
    installed = system.distribution_version("xlwings")
    if xlwings_in_addin != installed:
        return fail(
            label, f"加载项的宏来自 xlwings {xlwings_in_addin}，已安装的是 xlwings {installed}", REINSTALL
        )
    if ribbon != render_ribbon_module().encode("cp1252"):
        ours = system.distribution_version("xl-selfeval")
        return fail(label, f"加载项的按钮与已安装的 xl-selfeval {ours} 不一致（旧版加载项）", REINSTALL)
    return ok(label, f"与 xl-selfeval {system.distribution_version('xl-selfeval')}、xlwings {installed} 一致")


def configured_interpreter(content: bytes, encoding: str) -> str | None:
    """The interpreter the add-in's config file names; the file is read as VBA reads it, in the code page."""
    return value_in_file(content.decode(encoding, errors="replace"), INTERPRETER_KEY)


def check_config(system: System) -> list[Check]:
    labels = ("加载项设置文件", "设置中的 Python")
    if not system.windows:
        return [unknown(label, NOT_WINDOWS) for label in labels]
    path = windows_paths(system.profile).config_file
    content = system.read_file(path)
    if content is None:
        return [fail(labels[0], f"{path} 不存在", REINSTALL), unknown(labels[1], "没有设置文件")]
    interpreter = configured_interpreter(content, system.code_page or "utf-8")
    if interpreter is None:
        return [
            fail(labels[0], f"{path} 中没有 {INTERPRETER_KEY}", REINSTALL),
            unknown(labels[1], "没有设置"),
        ]
    checks = [ok(labels[0], str(path))]
    if system.read_file(Path(interpreter)) is None:
        checks.append(fail(labels[1], f"{interpreter} 不存在（Python 被移动或卸载了？）", REINSTALL))
    else:
        checks.append(ok(labels[1], interpreter))
    return checks


def check_code_page(system: System) -> Check:
    label = "路径字符"
    if not system.windows or system.code_page is None:
        return unknown(label, NOT_WINDOWS if not system.windows else "不知道本机的系统代码页")
    paths = windows_paths(system.profile)
    content = system.read_file(paths.config_file)
    interpreter = configured_interpreter(content, system.code_page) if content else None
    candidates = [paths.profile, paths.addin, paths.config_file, system.python_executable]
    candidates += [Path(interpreter)] if interpreter else []
    bad = []
    for path in candidates:
        try:
            str(path).encode(system.code_page)
        except UnicodeEncodeError:
            bad.append(str(path))
    if bad:
        return fail(
            label,
            f"{'、'.join(bad)} 含有系统代码页（{system.code_page}）之外的字符，xlwings 的宏读不到",
            "请把 Python 装到只含英文字母、数字的文件夹（如 C:\\xl-selfeval），用户名含生僻字时请换用户",
        )
    return ok(label, f"加载项用到的路径都在系统代码页（{system.code_page}）之内")


def pe_bits(header: bytes) -> int | None:
    """32 or 64 from a Windows executable's PE header, None if it is not one."""
    if len(header) < 0x40 or header[:2] != b"MZ":
        return None
    offset = int.from_bytes(header[0x3C:0x40], "little")
    if header[offset : offset + 4] != b"PE\0\0":
        return None
    return PE_MACHINE_BITS.get(int.from_bytes(header[offset + 4 : offset + 6], "little"))


def excel_path(registry: Registry) -> str | None:
    value = registry.value(EXCEL_APP_PATH, "")
    return str(value).strip('"') if value else None


def check_excel(system: System) -> Check:
    label = "Excel"
    if system.registry is None:
        return unknown(label, NOT_WINDOWS)
    path = excel_path(system.registry)
    if path is None:
        return fail(
            label,
            "没有找到已安装的 Microsoft Excel",
            f"“{ADDIN_TITLE}”选项卡只能在 Excel 中使用；WPS 用户请把工作簿拖到桌面的“{ADDIN_TITLE}-重新计算”图标上",
        )
    header = system.read_file(Path(path), PE_HEADER_BYTES)
    bits = pe_bits(header) if header else None
    if header is None:
        return fail(label, f"注册表指向的 {path} 不存在", "请修复 Office 安装")
    return ok(label, f"{path}（{bits} 位）" if bits else f"{path}（位数未知）")


def check_wps(system: System) -> Check:
    label = "Excel.Application 注册"
    if system.registry is None:
        return unknown(label, NOT_WINDOWS)
    clsid = system.registry.value(r"HKCR\Excel.Application\CLSID", "") or EXCEL_APPLICATION_CLSID
    server = system.registry.value(rf"HKCR\CLSID\{clsid}\LocalServer32", "")
    if not server:
        return fail(label, "Excel.Application 没有注册，xlwings 无法连接 Excel", "请修复 Office 安装")
    server_text = str(server)
    if any(marker in server_text.lower() for marker in WPS_MARKERS):
        return fail(
            label,
            f"Excel.Application 被 WPS 占用（{server_text}），按钮会连到 WPS 而不是 Excel",
            "在“WPS 配置工具 → 高级 → 兼容设置”中取消“WPS Office 兼容第三方系统和软件”，然后修复 Office 安装",
        )
    return ok(label, f"属于 Excel：{server_text}")


def office_version(path: str | None) -> str:
    match = re.search(r"office(\d\d)\b", path or "", re.IGNORECASE)
    return f"{match.group(1)}.0" if match else DEFAULT_OFFICE_VERSION


def check_macros(system: System) -> Check:
    label = "宏设置"
    if system.registry is None:
        return unknown(label, NOT_WINDOWS)
    version = office_version(excel_path(system.registry))
    policy = rf"HKCU\Software\Policies\Microsoft\Office\{version}\Excel\Security"
    user = rf"HKCU\Software\Microsoft\Office\{version}\Excel\Security"

    def first(name: str, *keys: str) -> int | None:
        for key in keys:
            value = system.registry.value(key, name) if system.registry else None
            if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                return int(value)
        return None

    warnings = first("VBAWarnings", policy, user) or 2
    trusted_off = first("AllLocationsDisabled", rf"{policy}\Trusted Locations", rf"{user}\Trusted Locations")
    setting = VBA_WARNINGS.get(warnings, f"VBAWarnings={warnings}")
    if trusted_off and warnings in (3, 4):
        return fail(
            label,
            f"“{setting}”，且受信任位置已被停用，XLSTART 中的加载项不能运行宏",
            "请信息科在组策略中允许受信任位置，或把宏设置改为“禁用所有宏并发出通知”",
        )
    where = (
        "受信任位置已停用，启动时会询问是否启用宏"
        if trusted_off
        else "XLSTART 是受信任位置，加载项的宏可以运行"
    )
    return ok(label, f"“{setting}”；{where}")


CHECKS: Sequence[Callable[[System], Check | list[Check]]] = (
    check_python,
    check_versions,
    check_addin,
    check_config,
    check_code_page,
    check_excel,
    check_wps,
    check_macros,
)


def run_doctor(system: System) -> list[Check]:
    checks: list[Check] = []
    for check in CHECKS:
        result = check(system)
        checks.extend(result if isinstance(result, list) else [result])
    return checks


def doctor_report(checks: Sequence[Check]) -> str:
    counts = {status: sum(1 for c in checks if c.status == status) for status in SYMBOLS}
    lines = [f"检查本机能否使用“{ADDIN_TITLE}”加载项：", *(check.line for check in checks)]
    lines.append(
        f"共 {len(checks)} 项：正常 {counts['ok']} 项，有问题 {counts['fail']} 项，无法检查 {counts['unknown']} 项。"
    )
    return "\n".join(lines)
