"""The 绩效自评 ribbon add-in: MS-OVBA compression, the compound file, the built .xlam, the installer."""

from __future__ import annotations

import importlib
import os
import re
import struct
import sys
import zipfile
from pathlib import Path, PureWindowsPath

import defusedxml.ElementTree as SafeET
import olefile
import pytest
import xlwings
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, VBA_Project, decompress_stream

from xl_selfeval.addin import build, cfb, install, names, ovba

CUSTOMUI_NS = "{http://schemas.microsoft.com/office/2006/01/customui}"
XLWINGS_ADDIN = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"


def oracle_decompress(data: bytes) -> bytes:
    """oletools' independent implementation of MS-OVBA 2.4.1.3.1."""
    return bytes(decompress_stream(bytearray(data)))


# --- MS-OVBA 2.4.1 compression ------------------------------------------------------------

# MS-OVBA 3.2.2 Normal Compression Example, copied from the spec.
NORMAL_TEXT = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
NORMAL_COMPRESSED = bytes.fromhex(
    "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20"
    " 6D 6E 6F 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C"
)
# MS-OVBA 3.2.1 No Compression Example: only literal tokens, a zero flag byte per 8 bytes.
PLAIN_TEXT = b"abcdefghijklmnopqrstuv."
PLAIN_COMPRESSED = bytes.fromhex("01 19 B0 00") + b"abcdefgh" + b"\x00" + b"ijklmnop" + b"\x00" + b"qrstuv."


def test_decompress_spec_normal_example() -> None:
    assert ovba.decompress(NORMAL_COMPRESSED) == NORMAL_TEXT


def test_compress_spec_normal_example() -> None:
    assert ovba.compress(NORMAL_TEXT) == NORMAL_COMPRESSED


def test_compress_spec_no_compression_example() -> None:
    assert ovba.compress(PLAIN_TEXT) == PLAIN_COMPRESSED
    assert ovba.decompress(PLAIN_COMPRESSED) == PLAIN_TEXT


def test_compress_run_of_one_byte_is_one_literal_and_one_copy_token() -> None:
    # 'a' then a copy token at distance 1 (offset 1, bit count 4): length 99 -> 96 = 0x0060.
    assert ovba.compress(b"a" * 100) == bytes.fromhex("01 03 B0 02 61 60 00")


def test_incompressible_full_chunk_is_stored_raw() -> None:
    data = os.urandom(4096)  # random bytes gain far less than the 512 flag bytes cost
    compressed = ovba.compress(data)
    # 2.4.1.1.5: flag 0, signature 0b011, size field 0xFFF -> 0x3FFF; then the 4096 bytes.
    assert compressed[:3] == b"\x01\xff\x3f"
    assert compressed[3:] == data
    assert oracle_decompress(compressed) == data


def test_short_incompressible_last_chunk_is_padded_as_the_spec_says() -> None:
    data = os.urandom(4000)  # too big to fit compressed into 4096 bytes, shorter than a chunk
    compressed = ovba.compress(data)
    assert compressed[1:3] == b"\xff\x3f"
    assert ovba.decompress(compressed) == data + b"\x00" * 96


def test_decompress_rejects_a_wrong_signature() -> None:
    with pytest.raises(ovba.OvbaFormatError):
        ovba.decompress(b"\x02" + PLAIN_COMPRESSED[1:])


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=12000))
def test_compress_roundtrip_random_bytes(data: bytes) -> None:
    compressed = ovba.compress(data)
    restored = ovba.decompress(compressed)
    assert oracle_decompress(compressed) == restored
    assert restored[: len(data)] == data
    padding = restored[len(data) :]
    assert padding == b"\x00" * len(padding)
    assert not padding or len(restored) % 4096 == 0


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=1, max_size=9), st.integers(min_value=1, max_value=3000), st.binary(max_size=40))
def test_compress_roundtrip_repetitive(unit: bytes, repeat: int, tail: bytes) -> None:
    data = unit * repeat + tail
    compressed = ovba.compress(data)
    assert ovba.decompress(compressed) == data
    assert oracle_decompress(compressed) == data
    if len(data) >= 64:
        assert len(compressed) < len(data)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="Sub End If Then RunPython\r\n\"' ()_.x=1", max_size=20000))
def test_compress_roundtrip_vba_like_text(text: str) -> None:
    data = text.encode("ascii")
    assert oracle_decompress(ovba.compress(data)) == data


# --- MS-OVBA 2.4.3 data encryption ----------------------------------------------------------


def _xlwings_project_stream() -> dict[str, str]:
    with zipfile.ZipFile(XLWINGS_ADDIN) as archive:
        ole = olefile.OleFileIO(archive.read("xl/vbaProject.bin"))
    text = ole.openstream("PROJECT").read().decode("cp1252")
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("["))


def test_decrypt_values_written_by_other_software() -> None:
    values = _xlwings_project_stream()
    project_id = values["ID"].strip('"')
    checksum = sum(project_id.encode("ascii")) % 256
    expected = {"CMG": b"\x00\x00\x00\x00", "DPB": b"\x00", "GC": b"\xff"}  # unprotected, visible
    for key, data in expected.items():
        assert ovba.decrypt_data(bytes.fromhex(values[key].strip('"'))) == (checksum, data)


@given(st.binary(max_size=40), st.integers(min_value=0, max_value=255), st.binary(min_size=3, max_size=3))
def test_encrypt_then_decrypt(data: bytes, seed: int, ignored: bytes) -> None:
    project_id = "{54AE6725-851E-4F69-A315-E41B27C7DD58}"
    encrypted = ovba.encrypt_data(project_id, data, seed=seed, ignored=ignored)
    assert len(encrypted) == 3 + (seed & 6) // 2 + 4 + len(data)
    assert ovba.decrypt_data(encrypted) == (sum(project_id.encode()) % 256, data)


# --- MS-CFB writer -------------------------------------------------------------------------


def _cfb_sort_key(name: str) -> tuple[int, str]:
    return len(name), name.upper()


def _check_red_black_tree(ole: olefile.OleFileIO, root_sid: int) -> list[str]:
    """In-order names of a sibling tree, after checking the red-black properties."""
    entries = ole.direntries
    names: list[str] = []

    def walk(sid: int, parent_red: bool) -> int:
        if sid == cfb.NOSTREAM:
            return 1
        entry = entries[sid]
        red = entry.color == 0
        assert not (red and parent_red), "red node with a red child"
        left = walk(entry.sid_left, red)
        names.append(entry.name)
        right = walk(entry.sid_right, red)
        assert left == right, "unequal black heights"
        return left + (0 if red else 1)

    assert entries[root_sid].color == 1, "tree root must be black"
    walk(root_sid, False)
    return names


@pytest.mark.parametrize("count", [1, 2, 3, 5, 6, 7, 8, 13, 40])
def test_compound_file_trees_are_sorted_red_black_trees(count: int) -> None:
    streams = {f"S/{'n' * (i % 5 + 1)}{i}": bytes([i]) * (i * 37) for i in range(count)}
    ole = olefile.OleFileIO(cfb.write_compound_file(streams), raise_defects=olefile.DEFECT_INCORRECT)
    storage_sid = ole.root.kids[0].sid
    names = _check_red_black_tree(ole, ole.direntries[storage_sid].sid_child)
    assert names == sorted((p.split("/")[1] for p in streams), key=_cfb_sort_key)


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 4095, 4096, 4097, 70000, 200000])
def test_compound_file_stream_sizes(size: int) -> None:
    data = os.urandom(size)
    streams = {"PROJECT": b"x" * 10, "VBA/big": data, "VBA/small": b"y" * 100}
    raw = cfb.write_compound_file(streams)
    assert raw[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    assert len(raw) % 512 == 0
    ole = olefile.OleFileIO(raw, raise_defects=olefile.DEFECT_INCORRECT)
    assert ole.sector_size == 512 and ole.mini_sector_size == 64
    for path, content in streams.items():
        assert ole.openstream(path).read() == content


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        st.text(alphabet="abcXYZ_09", min_size=1, max_size=12),
        st.binary(max_size=9000),
        min_size=1,
        max_size=12,
    )
)
def test_compound_file_roundtrip(streams: dict[str, bytes]) -> None:
    # Names differing only by case would be the same entry (MS-CFB compares case-insensitively).
    unique = {name: data for name, data in streams.items() if name.upper() == name}
    if not unique:
        return
    paths = {f"VBA/{name}": data for name, data in unique.items()}
    ole = olefile.OleFileIO(cfb.write_compound_file(paths), raise_defects=olefile.DEFECT_INCORRECT)
    for path, content in paths.items():
        assert ole.openstream(path).read() == content


def test_compound_file_rejects_bad_names() -> None:
    with pytest.raises(ValueError):
        cfb.write_compound_file({"VBA/a:b": b""})
    with pytest.raises(ValueError):
        cfb.write_compound_file({"x" * 32: b""})


# --- the built add-in ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.build_addin(tmp_path_factory.mktemp("addin") / "绩效自评.xlam")


def _vba_bin(xlam: Path) -> bytes:
    with zipfile.ZipFile(xlam) as archive:
        return archive.read("xl/vbaProject.bin")


def _olevba_modules(xlam: Path) -> dict[str, str]:
    """Module name -> source, as oletools extracts them from the file."""
    parser = VBA_Parser(str(xlam))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").split("\n")


def _oletools_project(vba_bin: bytes) -> VBA_Project:
    ole = olefile.OleFileIO(vba_bin, raise_defects=olefile.DEFECT_INCORRECT)
    project = VBA_Project(ole, "", "PROJECT", "VBA/dir", relaxed=False)  # strict: raises on bad records
    project.parse_project_stream()
    list(project.parse_modules())
    return project


def test_ribbon_xml_parses_with_the_expected_buttons(built: Path) -> None:
    with zipfile.ZipFile(built) as archive:
        root = SafeET.fromstring(archive.read("customUI/customUI.xml"))
    (tab,) = root.iter(f"{CUSTOMUI_NS}tab")
    assert tab.get("label") == "绩效自评"
    buttons = list(root.iter(f"{CUSTOMUI_NS}button"))
    assert [b.get("label") for b in buttons] == ["重新计算", "检查", "清除标记", "新建下一年度", "生成报告"]
    assert all(b.get("imageMso") for b in buttons)
    groups = [g.get("label") for g in root.iter(f"{CUSTOMUI_NS}group")]
    assert groups == ["自评表", "年度与报告"]


def _subs_with_ribbon_signature(source: str) -> set[str]:
    pattern = re.compile(
        r"^\s*(?:Public\s+)?Sub\s+(\w+)\s*\(\s*control\s+As\s+IRibbonControl\s*\)", re.I | re.M
    )
    return set(pattern.findall(source))


def _check_on_actions(xlam: Path) -> list[str]:
    with zipfile.ZipFile(xlam) as archive:
        root = SafeET.fromstring(archive.read("customUI/customUI.xml"))
    modules = _olevba_modules(xlam)
    actions = [b.get("onAction") for b in root.iter(f"{CUSTOMUI_NS}button")]
    for action in actions:
        module, _, sub = action.rpartition(".")
        assert sub in _subs_with_ribbon_signature(modules[module]), action
    return actions


def test_every_on_action_names_a_ribbon_sub_in_the_vba(built: Path) -> None:
    actions = _check_on_actions(built)
    assert actions == [
        "XSE_Ribbon.XSE_Recalc",
        "XSE_Ribbon.XSE_Check",
        "XSE_Ribbon.XSE_ClearMarks",
        "XSE_Ribbon.XSE_Rollover",
        "XSE_Ribbon.XSE_Report",
    ]


def test_without_rollover_its_group_is_absent(tmp_path: Path) -> None:
    xlam = build.build_addin(tmp_path / "a.xlam", buttons=build.default_buttons(rollover=False, report=False))
    assert _check_on_actions(xlam) == [
        "XSE_Ribbon.XSE_Recalc",
        "XSE_Ribbon.XSE_Check",
        "XSE_Ribbon.XSE_ClearMarks",
    ]
    assert "rollover_caller" not in _olevba_modules(xlam)["XSE_Ribbon"]


def test_enabling_rollover_adds_its_button_and_sub(tmp_path: Path) -> None:
    xlam = build.build_addin(tmp_path / "a.xlam", buttons=build.default_buttons(rollover=True, report=False))
    actions = _check_on_actions(xlam)
    assert actions[-1] == "XSE_Ribbon.XSE_Rollover"
    assert (
        'RunPython "import xl_selfeval.excel as x; x.rollover_caller()"'
        in _olevba_modules(xlam)["XSE_Ribbon"]
    )
    assert not any("Report" in action for action in actions)


def test_ribbon_subs_call_runpython_with_the_excel_functions(built: Path) -> None:
    source = _olevba_modules(built)["XSE_Ribbon"]
    for function in (
        "recalc_caller",
        "check_caller",
        "clear_marks_caller",
        "rollover_caller",
        "report_caller",
    ):
        assert f'RunPython "import xl_selfeval.excel as x; x.{function}()"' in source


def test_ribbon_module_round_trips_through_the_file(built: Path) -> None:
    extracted = _olevba_modules(built)["XSE_Ribbon"]
    rendered = build.render_ribbon_module()
    assert rendered.startswith('Attribute VB_Name = "XSE_Ribbon"\r\n')
    assert _lines(extracted) == _lines(rendered)
    project = _oletools_project(_vba_bin(built))
    (module,) = [m for m in project.modules if m.name == "XSE_Ribbon"]
    assert module.code_raw == rendered.encode("cp1252")


def test_xlwings_modules_are_kept_as_xlwings_ships_them(built: Path) -> None:
    ours = _olevba_modules(built)
    theirs = _olevba_modules(XLWINGS_ADDIN)
    assert set(ours) == {"ThisWorkbook", "Dictionary", "Sheet2", "xlwings", "XSE_Ribbon"}
    assert "RibbonMyAddin" in theirs
    for name in ("ThisWorkbook", "Dictionary", "Sheet2"):
        assert ours[name] == theirs[name], name
    # The xlwings module differs in exactly one line: its config name (see names.XLWINGS_CONFIG_NAME).
    ours_lines, theirs_lines = _lines(ours["xlwings"]), _lines(theirs["xlwings"])
    assert len(ours_lines) == len(theirs_lines)
    changed = [(a, b) for a, b in zip(theirs_lines, ours_lines, strict=True) if a != b]
    assert changed == [
        (
            'Public Const PROJECT_NAME As String = "myaddin"',
            'Public Const PROJECT_NAME As String = "xl_selfeval"',
        )
    ]


def _vba_concat(expression: str, known: dict[str, str]) -> str:
    """The value of a VBA string expression made of "literals" and known names joined by &."""
    parts = re.findall(r'"(?:[^"]|"")*"|[^&\s][^&]*?(?=\s*(?:&|$))', expression.strip())
    value = ""
    for part in parts:
        part = part.strip()
        value += part[1:-1].replace('""', '"') if part.startswith('"') else known[part]
    return value


def test_the_vba_reads_settings_only_under_our_own_name(built: Path, tmp_path: Path) -> None:
    """Config.bas (in the add-in's xlwings module) derives every settings sheet and file name from
    PROJECT_NAME: so the add-in reads xl_selfeval.conf, never xlwings' own xlwings.conf, and
    `addin install` writes the very file GetConfigFilePath names."""
    source = _olevba_modules(built)["xlwings"]
    code = [line for line in _lines(source) if not line.strip().startswith("'")]
    (const,) = [line for line in code if "Const PROJECT_NAME" in line]
    project_name = re.fullmatch(r'Public Const PROJECT_NAME As String = "([^"]*)"', const.strip())[1]
    assert project_name == names.XLWINGS_CONFIG_NAME == "xl_selfeval"
    # Every ".conf" of the code is PROJECT_NAME & ".conf": no file or sheet name is written out.
    confs = [line.strip() for line in code if ".conf" in line]
    assert confs and all('PROJECT_NAME & ".conf"' in line for line in confs), confs
    assert "xlwings.conf" not in "\n".join(code)

    profile = PureWindowsPath("C:/Users/张会计")
    known = {
        "PROJECT_NAME": project_name,
        'Environ("USERPROFILE")': str(profile),
        "GetDirectoryPath(ActiveWorkbook)": "D:\\财务科",
        "pathSeparator": "\\",
    }
    files, sheets = {}, set()
    for line in confs:
        sheet = re.search(r'(?:SheetExists\((\w+), |(\w+)\.Sheets\()(PROJECT_NAME & "\.conf")\)', line)
        if sheet is not None:
            sheets.add((sheet[1] or sheet[2], _vba_concat(sheet[3], known)))
            continue
        target, _, expression = line.partition(" = ")
        if "GetMacDir" not in expression:  # the Mac branch
            files[target] = _vba_concat(expression, known)
    assert files == {
        # The user file, which install writes: %USERPROFILE%\.xl_selfeval\xl_selfeval.conf
        "GetConfigFilePath": str(profile / ".xl_selfeval" / "xl_selfeval.conf"),
        # A file beside the active workbook.
        "GetDirectoryConfigFilePath": "D:\\财务科\\xl_selfeval.conf",
    }
    # Sheets in the active workbook and in the add-in (ThisWorkbook); GetConfigFromSheet's wb is either.
    assert sheets == {(wb, "xl_selfeval.conf") for wb in ("ActiveWorkbook", "ThisWorkbook", "wb")}
    written = install.windows_paths(tmp_path).config_file.relative_to(tmp_path)
    assert written.parts == PureWindowsPath(files["GetConfigFilePath"]).relative_to(profile).parts
    # The add-in's own settings sheet is inactive (xlwings' "_" prefix): a xl_selfeval.conf sheet in the
    # user's workbook or a xl_selfeval.conf file beside it are the only settings above the user file.
    with zipfile.ZipFile(built) as archive:
        in_addin = re.findall(r'<sheet name="([^"]+)"', archive.read("xl/workbook.xml").decode())
    assert in_addin == ["_xl_selfeval.conf"]


def test_vba_storage_structure(built: Path) -> None:
    ole = olefile.OleFileIO(_vba_bin(built), raise_defects=olefile.DEFECT_INCORRECT)
    listed = {"/".join(path) for path in ole.listdir()}
    modules = ["ThisWorkbook", "Dictionary", "XSE_Ribbon", "Sheet2", "xlwings"]
    assert listed == {"PROJECT", "PROJECTwm", "VBA/dir", "VBA/_VBA_PROJECT"} | {f"VBA/{m}" for m in modules}
    vba_project = ole.openstream("VBA/_VBA_PROJECT").read()
    assert vba_project == bytes.fromhex("CC 61 FF FF 00 00 00")
    assert struct.unpack_from("<H", vba_project, 2)[0] == 0xFFFF
    # Sibling trees are valid red-black trees in MS-CFB order.
    vba_sid = next(kid.sid for kid in ole.root.kids if kid.name == "VBA")
    names = _check_red_black_tree(ole, ole.direntries[vba_sid].sid_child)
    assert names == sorted(names, key=_cfb_sort_key)
    assert set(names) == {"dir", "_VBA_PROJECT", *modules}


def test_dir_stream_modules_have_offset_zero_and_source_only_streams(built: Path) -> None:
    vba_bin = _vba_bin(built)
    project = _oletools_project(vba_bin)
    assert project.projectname == "xl_selfeval"
    assert project.codepage == 1252
    ole = olefile.OleFileIO(vba_bin)
    types = {}
    for module in project.modules:
        assert module.textoffset == 0, module.name
        stream = ole.openstream(f"VBA/{module.streamname}").read()
        assert oracle_decompress(stream) == module.code_raw
        types[module.name] = module.type
    assert types == {
        "ThisWorkbook": 0x22,
        "Dictionary": 0x22,
        "Sheet2": 0x22,
        "xlwings": 0x21,
        "XSE_Ribbon": 0x21,
    }


def test_dir_stream_keeps_the_references_of_the_xlwings_addin(built: Path) -> None:
    ours = oracle_decompress(olefile.OleFileIO(_vba_bin(built)).openstream("VBA/dir").read())
    with zipfile.ZipFile(XLWINGS_ADDIN) as archive:
        theirs_ole = olefile.OleFileIO(archive.read("xl/vbaProject.bin"))
    theirs = oracle_decompress(theirs_ole.openstream("VBA/dir").read())
    # Everything from the first REFERENCENAME (0x0016) up to PROJECTMODULES (0x000F, size 2).
    start = theirs.index(b"\x16\x00\x07\x00\x00\x00MSForms")
    end = theirs.index(b"\x0f\x00\x02\x00\x00\x00")
    assert theirs[start:end] in ours
    assert b"{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}" in theirs[start:end]  # Office type library


def test_project_stream(built: Path) -> None:
    ole = olefile.OleFileIO(_vba_bin(built))
    text = ole.openstream("PROJECT").read().decode("cp1252")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[0] == f'ID="{build.PROJECT_ID}"'
    for expected in (
        "Document=ThisWorkbook/&H00000000",
        "Class=Dictionary",
        "Module=XSE_Ribbon",
        "Document=Sheet2/&H00000000",
        "Module=xlwings",
        'Name="xl_selfeval"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "[Workspace]",
    ):
        assert expected in lines, expected
    assert "RibbonMyAddin" not in text
    values = dict(line.split("=", 1) for line in lines if line[:3] in ("CMG", "DPB", "GC="))
    checksum = sum(build.PROJECT_ID.encode()) % 256
    assert ovba.decrypt_data(bytes.fromhex(values["CMG"].strip('"'))) == (checksum, b"\x00" * 4)
    assert ovba.decrypt_data(bytes.fromhex(values["DPB"].strip('"'))) == (checksum, b"\x00")
    assert ovba.decrypt_data(bytes.fromhex(values["GC"].strip('"'))) == (checksum, b"\xff")


def test_projectwm_stream(built: Path) -> None:
    ole = olefile.OleFileIO(_vba_bin(built))
    expected = b"".join(
        name.encode() + b"\0" + name.encode("utf-16-le") + b"\0\0"
        for name in ("ThisWorkbook", "Dictionary", "XSE_Ribbon", "Sheet2", "xlwings")
    )
    assert ole.openstream("PROJECTwm").read() == expected + b"\0\0"


def test_package_parts(built: Path) -> None:
    with zipfile.ZipFile(built) as ours, zipfile.ZipFile(XLWINGS_ADDIN) as theirs:
        assert ours.namelist() == theirs.namelist()
        changed = {"customUI/customUI.xml", "xl/vbaProject.bin", "docProps/core.xml", "xl/workbook.xml"}
        for name in theirs.namelist():
            if name not in changed:
                assert ours.read(name) == theirs.read(name), name
        core = SafeET.fromstring(ours.read("docProps/core.xml"))
        assert core.find("{http://purl.org/dc/elements/1.1/}title").text == "绩效自评"
        workbook = ours.read("xl/workbook.xml").decode()
        assert 'name="_xl_selfeval.conf"' in workbook and "myaddin" not in workbook


def test_build_is_reproducible_and_atomic(built: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.xlam"
    target.write_bytes(b"old")
    assert build.build_addin(target) == target
    assert target.read_bytes() == built.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlam"]  # no temp file left


def test_vba_project_reads_back_identically() -> None:
    with zipfile.ZipFile(XLWINGS_ADDIN) as archive:
        original = ovba.read_vba_project(archive.read("xl/vbaProject.bin"))
    again = ovba.read_vba_project(ovba.write_vba_project(original))
    assert again == original


def test_runpython_targets_are_the_excel_callers() -> None:
    assert build.RUNPYTHON_TARGETS == (
        "xl_selfeval.excel.recalc_caller",
        "xl_selfeval.excel.check_caller",
        "xl_selfeval.excel.clear_marks_caller",
        "xl_selfeval.excel.rollover_caller",
        "xl_selfeval.excel.report_caller",
    )


def test_runpython_targets_exist() -> None:
    for target in build.RUNPYTHON_TARGETS:
        module_name, _, function = target.rpartition(".")
        assert callable(getattr(importlib.import_module(module_name), function, None)), target


def test_a_vba_line_longer_than_vba_allows_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert max(len(line) for line in _lines(build.render_ribbon_module())) <= build.VBA_LINE_LIMIT
    # Each Chinese character becomes "ChrW(&H5F88) & " (15 characters) in the MsgBox line.
    monkeypatch.setattr(build, "NO_WORKBOOK_MESSAGE", "很" * 70)
    with pytest.raises(ValueError, match=r"第 \d+ 行有 1\d{3} 个字符，超过 VBA 每行 1023 个字符的上限"):
        build.render_ribbon_module()


def test_vba_string_expression_keeps_the_source_ascii() -> None:
    assert build.vba_string_expression('a"b') == '"a""b"'
    assert build.vba_string_expression("绩效x") == 'ChrW(&H7EE9) & ChrW(&H6548) & "x"'
    assert build.vba_string_expression("") == '""'


# --- installing -------------------------------------------------------------------------------


def _fake_profile(tmp_path: Path) -> Path:
    profile = tmp_path / "Users" / "张会计"
    profile.mkdir(parents=True)
    return profile


def test_install_copies_the_addin_and_writes_its_own_conf(built: Path, tmp_path: Path) -> None:
    profile = _fake_profile(tmp_path)
    conf = profile / ".xl_selfeval" / "xl_selfeval.conf"
    conf.parent.mkdir()
    conf.write_bytes(b'"CONDA PATH","C:\\conda"\r\n"INTERPRETER_WIN","C:\\old\\python.exe"\r\n')
    theirs = profile / ".xlwings" / "xlwings.conf"  # xlwings' own settings, for other xlwings tools
    theirs.parent.mkdir()
    theirs.write_bytes(b'"INTERPRETER_WIN","C:\\other\\python.exe"\r\n')
    lines = install.install_addin(
        dry_run=False, launcher=False, profile=profile, source=built, system="Windows"
    )
    assert theirs.read_bytes() == b'"INTERPRETER_WIN","C:\\other\\python.exe"\r\n'
    addin = profile / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "绩效自评.xlam"
    assert addin.read_bytes() == built.read_bytes()
    pythonw = Path(sys.executable).parent / "pythonw.exe"
    assert conf.read_bytes().split(b"\r\n") == [
        b'"CONDA PATH","C:\\conda"',
        f'"INTERPRETER_WIN","{pythonw}"'.encode(),
        b"",
    ]
    assert not (profile / "Desktop").exists()
    assert any(str(addin) in line for line in lines)
    assert all(re.search(r"[\u4e00-\u9fff]", line) for line in lines)


def test_install_without_a_prebuilt_file_builds_it(built: Path, tmp_path: Path) -> None:
    profile = _fake_profile(tmp_path)
    install.install_addin(dry_run=False, launcher=False, profile=profile, system="Windows")
    addin = profile / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "绩效自评.xlam"
    assert addin.read_bytes() == built.read_bytes()
    conf = (profile / ".xl_selfeval" / "xl_selfeval.conf").read_bytes()
    assert conf == f'"INTERPRETER_WIN","{Path(sys.executable).parent / "pythonw.exe"}"\r\n'.encode()
    assert not (profile / ".xlwings").exists()


def test_install_dry_run_writes_nothing(tmp_path: Path) -> None:
    profile = _fake_profile(tmp_path)
    lines = install.install_addin(dry_run=True, launcher=True, profile=profile, system="Windows")
    assert list(profile.iterdir()) == []
    assert lines[0].startswith("将")
    assert "未" in lines[-1]
    assert any("绩效自评-重新计算.bat" in line for line in lines)


def test_install_refuses_other_systems_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(install.AddinInstallError, match="只能安装到 Windows") as caught:
        install.install_addin(dry_run=False, launcher=True, profile=tmp_path, system="Linux")
    assert "Linux" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_install_reports_a_locked_addin_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def locked(path: Path) -> Path:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(install, "build_addin", locked)
    with pytest.raises(install.AddinInstallError, match="关闭所有 Excel"):
        install.install_addin(
            dry_run=False, launcher=False, profile=_fake_profile(tmp_path), system="Windows"
        )


def test_launcher_bat(built: Path, tmp_path: Path) -> None:
    profile = _fake_profile(tmp_path)
    install.install_addin(dry_run=False, launcher=True, profile=profile, source=built, system="Windows")
    raw = (profile / "Desktop" / "绩效自评-重新计算.bat").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # a BOM would break "@echo off"
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    lines = raw.decode("utf-8").split("\r\n")
    assert lines[:2] == ["@echo off", "chcp 65001 >nul"]
    assert f'"{sys.executable}" -m xl_selfeval recalc "%~1"' in lines
    assert lines.index('    start "" "%~1"') > lines.index(f'"{sys.executable}" -m xl_selfeval recalc "%~1"')
    assert 'if "%~1"=="" (' in lines


def test_launcher_escapes_percent_signs() -> None:
    script = install.launcher_script(Path("C:/100%/python.exe"))
    assert '"C:/100%%/python.exe" -m xl_selfeval recalc "%~1"' in script.split("\r\n")


def test_set_conf_value_keeps_unrelated_lines_byte_for_byte() -> None:
    existing = '"PYTHONPATH","D:\\项目"\n"interpreter_win","x"\n"INTERPRETER_WIN","y"\nrubbish\n'.encode(
        "gbk"
    )
    content, kept = install.set_conf_value(existing, "INTERPRETER_WIN", "C:\\py\\pythonw.exe", "gbk")
    assert (
        content
        == '"PYTHONPATH","D:\\项目"\r\n"INTERPRETER_WIN","C:\\py\\pythonw.exe"\r\nrubbish\r\n'.encode("gbk")
    )
    assert kept == 1


def test_read_vba_project_of_the_built_file_matches_the_ribbon_source(built: Path) -> None:
    project = ovba.read_vba_project(_vba_bin(built))
    assert project.information.name == "xl_selfeval"
    assert project.module("XSE_Ribbon").source == build.render_ribbon_module().encode("cp1252")
    assert [m.kind for m in project.modules] == [
        ovba.ModuleKind.DOCUMENT,
        ovba.ModuleKind.CLASS,
        ovba.ModuleKind.PROCEDURAL,
        ovba.ModuleKind.DOCUMENT,
        ovba.ModuleKind.PROCEDURAL,
    ]


# --- the committed add-in and the command line --------------------------------------------------

COMMITTED = Path(__file__).resolve().parent.parent / "workbooks" / "绩效自评.xlam"
STALE = "workbooks/绩效自评.xlam is stale: run xl-selfeval addin build -o workbooks/绩效自评.xlam --force"


def test_committed_addin_matches_a_rebuild(built: Path) -> None:
    with zipfile.ZipFile(COMMITTED) as committed, zipfile.ZipFile(built) as rebuilt:
        assert committed.namelist() == rebuilt.namelist(), STALE
        assert committed.read("customUI/customUI.xml") == rebuilt.read("customUI/customUI.xml"), STALE
    assert _olevba_modules(COMMITTED) == _olevba_modules(built), STALE
    _check_on_actions(COMMITTED)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from xl_selfeval.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_addin_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = _cli(capsys, "addin", "build")
    assert code == 0 and "绩效自评.xlam" in out
    assert (tmp_path / "绩效自评.xlam").read_bytes() == build.build_addin(
        tmp_path / "again.xlam"
    ).read_bytes()

    code, _, err = _cli(capsys, "addin", "build")
    assert code == 2 and "已存在" in err and "--force" in err and err.count("\n") == 1
    assert _cli(capsys, "addin", "build", "--force")[0] == 0

    target = tmp_path / "加载项" / "我的.xlam"
    code, _, err = _cli(capsys, "addin", "build", "-o", str(target))
    assert code == 2 and "文件夹不存在" in err
    target.parent.mkdir()
    assert _cli(capsys, "addin", "build", "-o", str(target))[0] == 0 and target.is_file()
    code, _, err = _cli(capsys, "addin", "build", "-o", "绩效自评.zip")
    assert code == 2 and ".xlam" in err


def test_cli_addin_install_elsewhere_than_windows(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(install.platform, "system", lambda: "Linux")
    code, out, err = _cli(capsys, "addin", "install", "--dry-run")
    assert code == 2 and out == ""
    assert err.startswith("错误：“绩效自评”加载项只能安装到 Windows") and err.count("\n") == 1


def test_cli_addin_install_dry_run_on_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = _fake_profile(tmp_path)
    monkeypatch.setattr(install.platform, "system", lambda: "Windows")
    monkeypatch.setenv("USERPROFILE", str(profile))
    monkeypatch.setenv("APPDATA", str(profile / "AppData" / "Roaming"))
    code, out, err = _cli(capsys, "addin", "install", "--dry-run", "--launcher")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert (
        lines[0]
        == f"将把加载项放到 Excel 启动文件夹：{profile / 'AppData/Roaming/Microsoft/Excel/XLSTART/绩效自评.xlam'}"
    )
    assert any("绩效自评-重新计算.bat" in line for line in lines) and "未执行" in lines[-1]
    assert list(profile.iterdir()) == []


def test_cli_addin_install_failure_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(**kwargs: object) -> list[str]:
        raise install.AddinInstallError(
            "无法写入 XLSTART：Excel 可能正在使用旧版加载项。请关闭所有 Excel 窗口后重试。"
        )

    monkeypatch.setattr(install, "install_addin", refuse)
    code, out, err = _cli(capsys, "addin", "install")
    assert (
        code == 2
        and out == ""
        and err == "错误：无法写入 XLSTART：Excel 可能正在使用旧版加载项。请关闭所有 Excel 窗口后重试。\n"
    )
