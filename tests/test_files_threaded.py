"""recalc through files keeps a Microsoft 365 threaded comment (批注串): openpyxl drops its parts on save,
so they are put back; the cell gets its fill but no note of ours (the note there is the thread's twin),
and 问题清单 says so. The workbook is built by hand, the threaded parts written as XML in this test."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import PUBLISHED, run_soffice
from openpyxl.comments import Comment
from test_recalc_invariants import cli

from xl_selfeval import issue_list, marks
from xl_selfeval.files.marks import fill_token

THREAD_ID = "{6C1F1E2A-0B7D-4C55-9E0A-1D2C3B4A5F60}"
PERSON_ID = "{0E5B7C1D-2A3F-4B6C-8D9E-0F1A2B3C4D5E}"
THREADS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    f'<threadedComment ref="G10" dT="2025-03-01T09:00:00.00" personId="{PERSON_ID}" id="{THREAD_ID}">'
    "<text>执行率请财务科复核</text></threadedComment>"
    f'<threadedComment ref="G10" dT="2025-03-02T10:30:00.00" personId="{PERSON_ID}" '
    f'id="{{7D2A0B3C-1E4F-4A6B-9C8D-2E3F4A5B6C7D}}" parentId="{THREAD_ID}">'
    "<text>已复核，按决算数</text></threadedComment></ThreadedComments>"
).encode()
PERSONS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    f'<person displayName="张会计" id="{PERSON_ID}" userId="张会计" providerId="None"/></personList>'
).encode()
TWIN = (
    "[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; however, any "
    "edits to it will get removed if the file is opened in a newer version of Excel.\n\n"
    "Comment:\n    执行率请财务科复核\nReply:\n    已复核，按决算数"
)
THREAD_PART = "xl/threadedComments/threadedComment1.xml"
PERSON_PART = "xl/persons/person.xml"
THREAD_REL = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
PERSON_REL = "http://schemas.microsoft.com/office/2017/10/relationships/person"


def _sheet_part(zf: zipfile.ZipFile, name: str) -> str:
    """The worksheet part of sheet ``name`` (workbook.xml's r:id through workbook.xml.rels)."""
    book = zf.read("xl/workbook.xml").decode()
    rid = re.search(rf'<sheet [^>]*name="{name}"[^>]*r:id="([^"]+)"', book)
    assert rid, book
    rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'<Relationship [^>]*Id="{rid[1]}"[^>]*/>', rels)
    assert target
    found = re.search(r'Target="([^"]+)"', target[0])
    assert found
    return found[1].lstrip("/") if found[1].startswith("/") else "xl/" + found[1]


def _add_relationship(rels: str, rid: str, kind: str, target: str) -> str:
    return rels.replace(
        "</Relationships>", f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/></Relationships>'
    )


def with_thread(folder: Path, *, threads: bytes = THREADS) -> Path:
    """The published forms with a threaded comment (and its legacy twin note) on 附件3!G10, the 61.65%
    recalc corrects to 61.46%; built as Excel 365 stores it."""
    plain = folder / "plain.xlsx"
    wb = openpyxl.load_workbook(PUBLISHED)
    wb["附件3"]["G10"].comment = Comment(TWIN, f"tc={THREAD_ID}")
    wb.save(plain)
    path = folder / "岳阳-批注串.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        sheet = _sheet_part(zin, "附件3")
        sheet_rels = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == sheet_rels:
                data = _add_relationship(
                    data.decode(), "rId90", THREAD_REL, "../threadedComments/threadedComment1.xml"
                ).encode()
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = _add_relationship(data.decode(), "rId91", PERSON_REL, "persons/person.xml").encode()
            elif info.filename == "[Content_Types].xml":
                data = (
                    data.decode()
                    .replace(
                        "</Types>",
                        f'<Override PartName="/{THREAD_PART}" '
                        'ContentType="application/vnd.ms-excel.threadedcomments+xml"/>'
                        f'<Override PartName="/{PERSON_PART}" ContentType="application/vnd.ms-excel.person+xml"/>'
                        "</Types>",
                    )
                    .encode()
                )
            zout.writestr(info, data)
        zout.writestr(THREAD_PART, threads)
        zout.writestr(PERSON_PART, PERSONS)
    plain.unlink()
    return path


def assert_thread_kept(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        assert zf.read(THREAD_PART) == THREADS and zf.read(PERSON_PART) == PERSONS
        sheet = _sheet_part(zf, "附件3")
        rels = zf.read(sheet.replace("worksheets/", "worksheets/_rels/") + ".rels").decode()
        assert rels.count(THREAD_REL) == 1 and 'Target="../threadedComments/threadedComment1.xml"' in rels
        book_rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        assert book_rels.count(PERSON_REL) == 1 and 'Target="../persons/person.xml"' not in book_rels
        types = zf.read("[Content_Types].xml").decode()
        assert (
            types.count(f'PartName="/{THREAD_PART}"') == 1 and types.count(f'PartName="/{PERSON_PART}"') == 1
        )
    ws = openpyxl.load_workbook(path)["附件3"]
    note = ws["G10"].comment
    assert (note.text, note.author) == (TWIN, f"tc={THREAD_ID}")  # the twin untouched: no note of ours


def test_a_threaded_comment_survives_recalc_and_its_cell_gets_no_note(tmp_path: Path) -> None:
    path = with_thread(tmp_path)
    first = cli("recalc", str(path))
    assert first.code == 1, first.out + first.err
    assert not first.err, first.err  # nothing lost, nothing to warn about
    assert_thread_kept(path)
    wb = openpyxl.load_workbook(path)
    g10 = wb["附件3"]["G10"]
    assert g10.value == pytest.approx(1701.93 / 2769.05, abs=5e-5)  # corrected all the same
    assert fill_token(g10.fill) == marks.FILL_ERROR
    listed = [row for row in wb[marks.LIST_SHEET].iter_rows(values_only=True)]
    (row,) = [r for r in listed if r[3] and "G10" in str(r[3])]
    assert str(row[4]).endswith(issue_list.THREADED_NOTE) and row[6] == "61.65%"  # the old value, here
    assert any(r[0] and str(r[0]).startswith("有 1 个单元格带有批注串") for r in listed)

    once = tmp_path / "once.xlsx"
    shutil.copy(path, once)
    second = cli("recalc", str(path))
    assert second.code == 0, second.out
    assert_thread_kept(path)  # put back again, once
    for name in ("附件3", marks.LIST_SHEET):
        a = [[c.value for c in r] for r in openpyxl.load_workbook(once)[name].iter_rows()]
        b = [[c.value for c in r] for r in openpyxl.load_workbook(path)[name].iter_rows()]
        assert [r for r in a if "备份" not in str(r[0])] == [r for r in b if "备份" not in str(r[0])]

    out = tmp_path / "lo"
    out.mkdir()
    run_soffice(["--convert-to", "xlsx", "--outdir", str(out), str(path)], timeout=120)
    assert openpyxl.load_workbook(out / path.name)["附件3"]["G10"].value == pytest.approx(0.6146, abs=5e-5)


def test_threads_that_cannot_be_read_are_named_as_lost(tmp_path: Path) -> None:
    path = with_thread(tmp_path, threads=b"<ThreadedComments><threadedComment ref=")
    before = path.read_bytes()
    refused = cli("recalc", str(path), "--no-backup")
    assert refused.code == 2 and "批注串（新版批注）" in refused.err, refused.err
    assert path.read_bytes() == before
    kept = cli("recalc", str(path))
    assert kept.code == 1 and "批注串（新版批注）" in kept.err and "备份" in kept.err, kept.err
    # Its note is left alone all the same: the twin still names the thread.
    note = openpyxl.load_workbook(path)["附件3"]["G10"].comment
    assert note.author == f"tc={THREAD_ID}"
