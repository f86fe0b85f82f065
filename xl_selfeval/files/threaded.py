"""Microsoft 365 threaded comments (批注串), which openpyxl drops when it saves: found in the source
package and put back into the saved one, with their relationships and content types.

A threaded comment lives in xl/threadedComments/*.xml (related from its sheet), its people in
xl/persons/*.xml (related from the workbook); the cell also has a legacy note whose author is "tc={id}",
which openpyxl keeps as an ordinary comment and recalc leaves alone. Only these parts are copied, as the
user's own bytes, after checking that each is well-formed XML within the zip limits.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from defusedxml.ElementTree import fromstring

from xl_selfeval.cells import CellRef, parse_cell
from xl_selfeval.files.xlsx import _Book, _Refused, _relationships, _rels_part, _worksheet_parts, open_package
from xl_selfeval.files.zipguard import XML_ERRORS, ZIP_ERRORS, member_suspicious
from xl_selfeval.limits import DEFAULT_LIMITS, Limits

LOST_KIND = "批注串（新版批注）"  # as objects_openpyxl_drops names what a save would lose

THREAD_REL = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
PERSON_REL = "http://schemas.microsoft.com/office/2017/10/relationships/person"
THREAD_TYPE = "application/vnd.ms-excel.threadedcomments+xml"
PERSON_TYPE = "application/vnd.ms-excel.person+xml"
_THREAD_PART = re.compile(r"xl/threadedComments/[A-Za-z0-9_.-]+\.xml")
_PERSON_PART = re.compile(r"xl/persons/[A-Za-z0-9_.-]+\.xml")
_MAX_PART = 8 << 20  # bytes; a comment part this big is no comment


class Unreadable(Exception):
    """The threaded comments are there but cannot be read safely: they would be lost."""


@dataclass(frozen=True)
class Part:
    name: str  # inside the package, e.g. xl/threadedComments/threadedComment1.xml
    data: bytes


@dataclass
class Threads:
    """The threaded comments of a workbook: their parts by sheet name, the persons part, their cells."""

    by_sheet: dict[str, list[Part]] = field(default_factory=dict)
    persons: list[Part] = field(default_factory=list)
    cells: set[CellRef] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.by_sheet)


def _read(book: _Book, name: str) -> bytes:
    """A part's bytes, under the package's limits and a comment part's own bound."""
    info = book.member(name)
    if info is None or member_suspicious(
        info, min(book.limits.max_uncompressed_bytes, _MAX_PART), book.limits
    ):
        raise Unreadable(name)
    chunks: list[bytes] = []
    book.stream(info, chunks.append)
    return b"".join(chunks)


def _xml(data: bytes) -> object:
    try:
        return fromstring(data, forbid_dtd=True)
    except XML_ERRORS:
        raise Unreadable("xml") from None


def read_threads(path: Path, limits: Limits = DEFAULT_LIMITS) -> Threads:
    """The threaded comments of the workbook at ``path`` (empty Threads when it has none). Raises
    Unreadable when they are there but cannot be read safely."""
    threads = Threads()
    try:
        with open_package(path, limits) as book:
            if not any(n.startswith(("xl/threadedComments/", "xl/persons/")) for n in book.members):
                return threads
            for sheet, part in _worksheet_parts(book).items():
                for kind, target in _relationships(book, part).values():
                    if kind != THREAD_REL:
                        continue
                    if not _THREAD_PART.fullmatch(target):
                        raise Unreadable(target)
                    data = _read(book, target)
                    root = _xml(data)
                    for comment in root.iter():  # type: ignore[attr-defined]
                        ref = comment.get("ref") if str(comment.tag).endswith("}threadedComment") else None
                        if ref:
                            row, col = parse_cell(ref)
                            threads.cells.add(CellRef(sheet, row, col))
                    threads.by_sheet.setdefault(sheet, []).append(Part(target, data))
            for kind, target in _relationships(book, "xl/workbook.xml").values():
                if kind == PERSON_REL:
                    if not _PERSON_PART.fullmatch(target):
                        raise Unreadable(target)
                    data = _read(book, target)
                    _xml(data)
                    threads.persons.append(Part(target, data))
    except _Refused:
        raise Unreadable(str(path)) from None
    except ZIP_ERRORS:
        raise Unreadable(str(path)) from None
    return threads


def _relative(source_part: str, target_part: str) -> str:
    return posixpath.relpath(target_part, posixpath.dirname(source_part))


def _with_relationships(rels: bytes | None, added: list[tuple[str, str]]) -> bytes:
    """A .rels part (openpyxl's, or a new one) with (Type, Target) relationships added under fresh Ids."""
    text = (
        rels.decode("utf-8")
        if rels is not None
        else '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
    )
    taken = set(re.findall(r'\bId="([^"]*)"', text))
    lines = []
    n = 0
    for kind, target in added:
        n += 1
        while f"rIdTc{n}" in taken:
            n += 1
        lines.append(f"<Relationship Id={_attr(f'rIdTc{n}')} Type={_attr(kind)} Target={_attr(target)}/>")
    if text.rstrip().endswith("/>") and "</Relationships>" not in text:  # <Relationships …/> (empty)
        text = re.sub(r"<Relationships([^>]*)/>\s*$", r"<Relationships\1></Relationships>", text.rstrip())
    return text.replace("</Relationships>", "".join(lines) + "</Relationships>").encode("utf-8")


def _attr(value: str) -> str:
    """An XML attribute value, quoted and escaped (html.escape: xml.sax.saxutils costs 20 ms to import)."""
    return '"' + escape(value, quote=True) + '"'


def _with_overrides(types: bytes, parts: list[tuple[str, str]]) -> bytes:
    text = types.decode("utf-8")
    present = set(re.findall(r'PartName="([^"]*)"', text))
    lines = [
        f"<Override PartName={_attr('/' + name)} ContentType={_attr(kind)}/>"
        for name, kind in parts
        if "/" + name not in present
    ]
    return text.replace("</Types>", "".join(lines) + "</Types>").encode("utf-8")


def put_back(saved: Path, threads: Threads, limits: Limits = DEFAULT_LIMITS) -> None:
    """Add ``threads`` to the package openpyxl just wrote at ``saved`` (rewritten in place): the parts,
    a relationship from each sheet (found by name) and from the workbook, and their content types."""
    if not threads:
        return
    with open_package(saved, limits) as book:
        members = {info.filename: book.zf.read(info) for info in book.zf.infolist()}
        parts = _worksheet_parts(book)
    changed: dict[str, bytes] = {}
    overrides: list[tuple[str, str]] = []
    for sheet, found in threads.by_sheet.items():
        part = parts.get(sheet)
        if part is None:
            continue  # the sheet is gone: so are its threads
        rels = _rels_part(part)
        added = [(THREAD_REL, _relative(part, p.name)) for p in found]
        changed[rels] = _with_relationships(changed.get(rels, members.get(rels)), added)
        for p in found:
            changed[p.name] = p.data
            overrides.append((p.name, THREAD_TYPE))
    if threads.persons:
        rels = _rels_part("xl/workbook.xml")
        added = [(PERSON_REL, _relative("xl/workbook.xml", p.name)) for p in threads.persons]
        changed[rels] = _with_relationships(members.get(rels), added)
        for p in threads.persons:
            changed[p.name] = p.data
            overrides.append((p.name, PERSON_TYPE))
    changed["[Content_Types].xml"] = _with_overrides(members["[Content_Types].xml"], overrides)
    order = [*members, *(name for name in changed if name not in members)]
    with zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as out:
        for name in order:
            out.writestr(name, changed.get(name, members.get(name, b"")))
