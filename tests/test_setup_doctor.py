"""xl-selfeval doctor against a fake Windows profile (real files in tmp_path) and a fake registry."""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from xl_selfeval.addin.build import build_addin
from xl_selfeval.setup import doctor
from xl_selfeval.setup.doctor import Check, System, doctor_report, run_doctor
from xl_selfeval.setup.windows import read_file

EXCEL = r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE"
WPS = r"C:\Users\张会计\AppData\Local\Kingsoft\WPS Office\12.1.0\office6\et.exe /Automation"
CLSID = "{00024500-0000-0000-C000-000000000046}"
SECURITY = r"HKCU\Software\Microsoft\Office\16.0\Excel\Security"
POLICY = r"HKCU\Software\Policies\Microsoft\Office\16.0\Excel\Security"


class FakeRegistry:
    def __init__(self, values: Mapping[tuple[str, str], str | int]) -> None:
        self.values = dict(values)

    def value(self, key: str, name: str) -> str | int | None:
        return self.values.get((key, name))


def healthy_registry(tmp_path: Path) -> FakeRegistry:
    return FakeRegistry(
        {
            (doctor.EXCEL_APP_PATH, ""): str(tmp_path / "Office16" / "EXCEL.EXE"),
            (r"HKCR\Excel.Application\CLSID", ""): CLSID,
            (rf"HKCR\CLSID\{CLSID}\LocalServer32", ""): EXCEL + " /automation",
            (SECURITY, "VBAWarnings"): 2,
        }
    )


def pe_header(machine: int) -> bytes:
    header = bytearray(0x200)
    header[:2] = b"MZ"
    header[0x3C:0x40] = struct.pack("<I", 0x80)
    header[0x80:0x86] = b"PE\0\0" + struct.pack("<H", machine)
    return bytes(header)


@pytest.fixture(scope="module")
def addin(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return build_addin(tmp_path_factory.mktemp("addin") / "绩效自评.xlam").read_bytes()


def installed_profile(tmp_path: Path, addin: bytes) -> System:
    """A Windows user 张会计 with the add-in, its settings and Excel installed as 安装.cmd leaves them."""
    profile = tmp_path / "Users" / "张会计"
    xlstart = profile / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART"
    xlstart.mkdir(parents=True)
    (xlstart / "绩效自评.xlam").write_bytes(addin)
    pythonw = tmp_path / "xl-selfeval" / "python" / "pythonw.exe"
    pythonw.parent.mkdir(parents=True)
    pythonw.write_bytes(pe_header(0x8664))
    conf = profile / ".xl_selfeval" / "xl_selfeval.conf"
    conf.parent.mkdir()
    conf.write_bytes(f'"INTERPRETER_WIN","{pythonw}"\r\n'.encode("gbk"))
    excel = tmp_path / "Office16" / "EXCEL.EXE"
    excel.parent.mkdir()
    excel.write_bytes(pe_header(0x8664))
    versions = {"xl-selfeval": "0.1.0", "xlwings": "0.37.8"}
    return System(
        windows=True,
        profile=profile,
        registry=healthy_registry(tmp_path),
        read_file=read_file,
        code_page="cp936",
        python_version="3.12.8",
        python_bits=64,
        python_executable=pythonw.with_name("python.exe"),
        distribution_version=versions.get,
        pinned_xlwings="0.37.8",
    )


def by_label(checks: list[Check]) -> dict[str, Check]:
    return {check.label: check for check in checks}


def test_a_healthy_install_passes_every_check(tmp_path: Path, addin: bytes) -> None:
    checks = run_doctor(installed_profile(tmp_path, addin))
    assert [c.status for c in checks] == ["ok"] * len(checks), doctor_report(checks)
    assert len(checks) == 11
    found = by_label(checks)
    assert found["Excel"].detail.endswith("（64 位）")
    assert "XLSTART 是受信任位置" in found["宏设置"].detail
    report = doctor_report(checks)
    assert all(line.startswith("✓") for line in report.splitlines()[1:-1])


def test_missing_addin_says_where_and_what_to_do(tmp_path: Path, addin: bytes) -> None:
    system = installed_profile(tmp_path, addin)
    path = system.profile / "AppData/Roaming/Microsoft/Excel/XLSTART/绩效自评.xlam"  # type: ignore[operator]
    path.unlink()
    found = by_label(run_doctor(system))
    assert found["加载项在 XLSTART"].status == "fail"
    assert str(path) in found["加载项在 XLSTART"].line and "安装.cmd" in found["加载项在 XLSTART"].line
    assert found["加载项版本"].status == "unknown"  # said, not skipped


def test_blocked_addin_is_reported(tmp_path: Path, addin: bytes) -> None:
    system = installed_profile(tmp_path, addin)
    path = system.profile / "AppData/Roaming/Microsoft/Excel/XLSTART/绩效自评.xlam"  # type: ignore[operator]
    # The real reader opens "<file>:Zone.Identifier": the alternate stream on Windows, a sibling file here.
    Path(f"{path}:Zone.Identifier").write_bytes(b"[ZoneTransfer]\r\nZoneId=3\r\n")
    line = by_label(run_doctor(system))["加载项未被锁定"].line
    assert line.startswith("✗") and "ZoneId=3" in line and "解除锁定" in line and "Unblock-File" in line


def test_addin_of_another_xlwings_version(tmp_path: Path, addin: bytes) -> None:
    system = replace(
        installed_profile(tmp_path, addin),
        distribution_version={"xl-selfeval": "0.1.0", "xlwings": "0.37.9"}.get,
    )
    found = by_label(run_doctor(system))
    assert found["加载项版本"].status == "fail" and "0.37.8" in found["加载项版本"].detail
    assert found["xl-selfeval 与 xlwings 版本"].status == "fail"
    assert "pip install xlwings==0.37.8" in found["xl-selfeval 与 xlwings 版本"].line


def test_config_pointing_at_a_removed_python(tmp_path: Path, addin: bytes) -> None:
    system = installed_profile(tmp_path, addin)
    (tmp_path / "xl-selfeval" / "python" / "pythonw.exe").unlink()
    check = by_label(run_doctor(system))["设置中的 Python"]
    assert check.status == "fail" and "pythonw.exe 不存在" in check.detail


def test_paths_outside_the_code_page(tmp_path: Path, addin: bytes) -> None:
    system = installed_profile(tmp_path, addin)
    # 张 is in cp936 (GBK) but not in cp1252: on an English Windows the profile breaks xlwings' VBA.
    assert by_label(run_doctor(system))["路径字符"].status == "ok"
    check = by_label(run_doctor(replace(system, code_page="cp1252")))["路径字符"]
    assert check.status == "fail" and "张会计" in check.detail and "cp1252" in check.detail


def test_wps_holding_excel_application(tmp_path: Path, addin: bytes) -> None:
    system = installed_profile(tmp_path, addin)
    assert isinstance(system.registry, FakeRegistry)
    system.registry.values[(rf"HKCR\CLSID\{CLSID}\LocalServer32", "")] = WPS
    check = by_label(run_doctor(system))["Excel.Application 注册"]
    assert check.status == "fail" and "WPS" in check.line and "兼容第三方系统和软件" in check.line


def test_no_excel_and_32_bit_excel(tmp_path: Path, addin: bytes) -> None:
    system = installed_profile(tmp_path, addin)
    (tmp_path / "Office16" / "EXCEL.EXE").write_bytes(pe_header(0x014C))
    assert by_label(run_doctor(system))["Excel"].detail.endswith("（32 位）")
    assert isinstance(system.registry, FakeRegistry)
    del system.registry.values[(doctor.EXCEL_APP_PATH, "")]
    check = by_label(run_doctor(system))["Excel"]
    assert check.status == "fail" and "拖" in check.fix


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ({(POLICY, "VBAWarnings"): 4, (POLICY + r"\Trusted Locations", "AllLocationsDisabled"): 1}, "fail"),
        (
            {(SECURITY, "VBAWarnings"): 3, (SECURITY + r"\Trusted Locations", "AllLocationsDisabled"): 1},
            "fail",
        ),
        ({(POLICY, "VBAWarnings"): 4}, "ok"),  # XLSTART is trusted: its macros still run
        ({(SECURITY + r"\Trusted Locations", "AllLocationsDisabled"): 1}, "ok"),  # asks at start
    ],
)
def test_macro_settings(
    tmp_path: Path, addin: bytes, values: dict[tuple[str, str], int], status: str
) -> None:
    system = installed_profile(tmp_path, addin)
    assert isinstance(system.registry, FakeRegistry)
    system.registry.values.update(values)
    assert by_label(run_doctor(system))["宏设置"].status == status


def test_off_windows_every_unknown_is_said(tmp_path: Path, addin: bytes) -> None:
    system = replace(installed_profile(tmp_path, addin), windows=False, registry=None, code_page=None)
    checks = run_doctor(system)
    assert len(checks) == 11
    unknown = [c for c in checks if c.status == "unknown"]
    assert len(unknown) == 9 and all("无法检查——本机不是 Windows" in c.line for c in unknown)
    assert re.search(r"无法检查 9 项", doctor_report(checks))


def test_unsupported_python(tmp_path: Path, addin: bytes) -> None:
    check = run_doctor(replace(installed_profile(tmp_path, addin), python_version="3.10.11"))[0]
    assert check.status == "fail" and "3.11、3.12、3.13" in check.detail


def test_cli_doctor_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, addin: bytes
) -> None:
    from xl_selfeval.cli import main
    from xl_selfeval.setup import windows

    system = installed_profile(tmp_path, addin)
    monkeypatch.setattr(windows, "current_system", lambda: system)
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert out.count("✓") == 11
    (tmp_path / "Office16" / "EXCEL.EXE").unlink()
    assert main(["doctor"]) == 1
    assert "✗ Excel：注册表指向的" in capsys.readouterr().out


def test_macro_settings_are_read_for_the_installed_office_version(tmp_path: Path, addin: bytes) -> None:
    system = installed_profile(tmp_path, addin)
    assert isinstance(system.registry, FakeRegistry)
    office15 = r"C:\Program Files\Microsoft Office\Office15\EXCEL.EXE"
    system.registry.values[(doctor.EXCEL_APP_PATH, "")] = office15
    policy15 = r"HKCU\Software\Policies\Microsoft\Office\15.0\Excel\Security"
    system.registry.values[(policy15, "VBAWarnings")] = 4
    system.registry.values[(policy15 + r"\Trusted Locations", "AllLocationsDisabled")] = 1
    check = by_label(run_doctor(system))["宏设置"]
    assert check.status == "fail" and "禁用所有宏，并且不通知" in check.detail
