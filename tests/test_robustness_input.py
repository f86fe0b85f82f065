"""Damaged and hostile input: read_workbook returns Grids or raises a Chinese UserError, nothing else."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_selfeval.errors import UserError
from xl_selfeval.files.xlsx import read_workbook
from xl_selfeval.grid import Grid

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def outcome(path: Path) -> list[Grid] | str:
    """The grids, or the refusal's message; any other exception fails the test."""
    try:
        grids = read_workbook(path)
    except UserError as exc:
        message = str(exc)
        assert _has_cjk(message) and "\n" not in message, message
        return message
    assert isinstance(grids, list) and all(isinstance(g, Grid) for g in grids)
    return grids


def _openpyxl_workbook(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件1"
    ws.append(["项目", "金额", "比例"])
    ws.append(["运转经费", 26.44, 0.95])
    ws["C2"].number_format = "0.00%"
    ws["D2"] = "=B2*C2"
    ws.merge_cells("A4:C4")
    wb.create_sheet("附件2")["A1"] = "文本"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real shipped workbook (the example), or an openpyxl-built one if the generator is unavailable."""
    folder = tmp_path_factory.mktemp("real")
    try:
        from xl_selfeval.files.bundled import build_bundled

        paths = build_bundled(folder)
        path = paths[-1]
    except Exception:  # the generator is someone else's module; the reader is tested either way
        path = _openpyxl_workbook(folder / "wb.xlsx")
    data = path.read_bytes()
    assert isinstance(outcome(path), list)
    return data


def _members(data: bytes, tmp: Path) -> dict[str, bytes]:
    src = tmp / "src.xlsx"
    src.write_bytes(data)
    with zipfile.ZipFile(src) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _zip(members: dict[str, bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_truncated_at_many_lengths(real: bytes, tmp_path: Path) -> None:
    path = tmp_path / "截断.xlsx"
    n = len(real)
    lengths = sorted({*range(0, 64), *range(0, n, max(1, n // 60)), *range(n - 64, n)})
    refusals = 0
    for length in lengths:
        path.write_bytes(real[:length])
        refusals += isinstance(outcome(path), str)
    assert refusals >= len(lengths) - 1  # nothing short of the whole file reads


def test_random_byte_flips(real: bytes, tmp_path: Path) -> None:
    rng = random.Random(20240501)
    path = tmp_path / "翻转.xlsx"
    for _ in range(250):
        data = bytearray(real)
        for _ in range(rng.choice((1, 1, 2, 5, 20))):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        outcome(path)


def test_each_member_deleted(real: bytes, tmp_path: Path) -> None:
    members = _members(real, tmp_path)
    for name in members:
        kept = {k: v for k, v in members.items() if k != name}
        result = outcome(_zip(kept, tmp_path / "缺.xlsx"))
        if name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels") or name.startswith("xl/worksheets/"):
            assert isinstance(result, str), name


GARBAGE: list[bytes] = [
    b"",
    b"garbage",
    bytes(range(256)) * 4,
    b"\xef\xbb\xbf",
    b"<worksheet>",
    b"<worksheet><sheetData><row><c><v>1</c></row></sheetData></worksheet>",
    f'<worksheet xmlns="{NS}"><sheetData><row r="0"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'.encode(),
    f'<worksheet xmlns="{NS}"><sheetData><row r="x"/></sheetData></worksheet>'.encode(),
    f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="ZZZZ1"><v>1</v></c></row></sheetData></worksheet>'.encode(),
    f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1"><v>abc</v></c></row></sheetData></worksheet>'.encode(),
    f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="s"><v>99999</v></c></row></sheetData></worksheet>'.encode(),
    f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="s"><v>-1</v></c></row></sheetData></worksheet>'.encode(),
    f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="b"><v>2</v></c></row></sheetData></worksheet>'.encode(),
    f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="d"><v>nope</v></c></row></sheetData></worksheet>'.encode(),
    f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" s="x"><v>1e999</v></c></row></sheetData></worksheet>'.encode(),
    f'<worksheet xmlns="{NS}"><mergeCells><mergeCell ref="B2:"/></mergeCells></worksheet>'.encode(),
    f'<worksheet xmlns="{NS}"><mergeCells><mergeCell/></mergeCells></worksheet>'.encode(),
    f'<worksheet xmlns="{NS}"><sheetData><c><v>1</v></c></sheetData></worksheet>'.encode(),
    ("<a>" * 5000 + "</a>" * 5000).encode(),
    '<?xml version="1.0" encoding="UTF-16"?><worksheet/>'.encode("utf-16"),
    b'<?xml version="1.0" encoding="x-unknown"?><worksheet/>',
    b'<!DOCTYPE worksheet SYSTEM "http://example.invalid/evil.dtd"><worksheet/>',
    b"<worksheet>&undefined;</worksheet>",
]


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("real", "xl/worksheets/sheet1.xml"),
        ("real", "xl/styles.xml"),
        ("real", "xl/workbook.xml"),
        ("real", "xl/_rels/workbook.xml.rels"),
        ("small", "xl/worksheets/sheet1.xml"),
        ("small", "xl/sharedStrings.xml"),
        ("small", "xl/styles.xml"),
    ],
)
def test_part_replaced_by_garbage(
    real: bytes, small: bytes, tmp_path: Path, source: str, target: str
) -> None:
    members = _members(real if source == "real" else small, tmp_path)
    assert target in members
    for garbage in GARBAGE:
        outcome(_zip({**members, target: garbage}, tmp_path / "乱.xlsx"))


def test_other_files_and_paths(tmp_path: Path) -> None:
    ole = tmp_path / "加密.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(1).randbytes(4096))
    assert "加密的工作簿或旧版 .xls 文件" in str(outcome(ole))
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    assert isinstance(outcome(empty), str)
    text = tmp_path / "说明.xlsx"
    text.write_text("这不是工作簿\n", encoding="utf-8")
    assert "不是 Excel 工作簿" in str(outcome(text))
    html = tmp_path / "导出.xlsx"
    html.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>", encoding="utf-8")
    assert isinstance(outcome(html), str)
    assert isinstance(outcome(tmp_path), str)
    assert isinstance(outcome(tmp_path / "不存在.xlsx"), str)
    weird = tmp_path / "名\x1b[31m字.xlsx"
    weird.write_bytes(b"x")
    assert "\x1b" not in str(outcome(weird))  # no terminal escapes in messages


def _small_workbook(tmp: Path) -> bytes:
    sheet = (
        f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>0.5</v>'
        '</c><c r="C1"><f>B1*2</f><v>1</v></c></row></sheetData>'
        '<mergeCells><mergeCell ref="A2:B3"/></mergeCells></worksheet>'
    )
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    members = {
        "xl/workbook.xml": (
            f'<workbook xmlns="{NS}" xmlns:r="{rel}"><sheets><sheet name="表" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>"
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/></Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet.encode(),
        "xl/sharedStrings.xml": f'<sst xmlns="{NS}"><si><r><t>金</t></r><r><t>额</t></r></si></sst>'.encode(),
        "xl/styles.xml": f'<styleSheet xmlns="{NS}"><cellXfs><xf/><xf numFmtId="10"/></cellXfs></styleSheet>'.encode(),
    }
    path = _zip(members, tmp / "small.xlsx")
    (grid,) = read_workbook(path)
    assert grid.cell(1, 1).value == "金额" and grid.cell(1, 2).number_format == "0.00%"
    return path.read_bytes()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _small_workbook(tmp_path_factory.mktemp("small"))


_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FUZZ
@given(st.data())
def test_hypothesis_byte_mutations(small: bytes, tmp_path: Path, data: st.DataObject) -> None:
    raw = bytearray(small)
    edits = data.draw(
        st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)), min_size=1, max_size=8)
    )
    for at, byte in edits:
        raw[at] = byte
    cut = data.draw(st.integers(len(raw) // 2, len(raw)))
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(bytes(raw[:cut]))
    outcome(path)


@_FUZZ
@given(st.data())
def test_hypothesis_xml_mutations(small: bytes, tmp_path: Path, data: st.DataObject) -> None:
    # Byte flips in a compressed zip mostly end at the CRC check; mutate the XML and re-zip instead,
    # so the XML layer sees the damage.
    members = _members(small, tmp_path)
    name = data.draw(st.sampled_from(sorted(members)))
    xml = bytearray(members[name])
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(xml) - 1))
        kind = data.draw(st.sampled_from(["flip", "delete", "insert"]))
        if kind == "flip":
            xml[at] = data.draw(st.sampled_from(b"<>/=\"'&;x0-9 \x00\xff"))
        elif kind == "delete":
            del xml[at : at + data.draw(st.integers(1, 12))]
        else:
            xml[at:at] = data.draw(
                st.sampled_from([b"<c>", b"</row>", b"&amp;", b'r="A0"', b"<v>9</v>", b"]]>"])
            )
        if not xml:
            break
    members[name] = bytes(xml)
    outcome(_zip(members, tmp_path / "fuzz-xml.xlsx"))
