"""Minimal MS-CFB (OLE compound file, version 3) writer for the streams of a vbaProject.bin."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

# MS-CFB 2.1 special sector numbers
MAXREGSECT = 0xFFFFFFFA
DIFSECT = 0xFFFFFFFC
FATSECT = 0xFFFFFFFD
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF  # MS-CFB 2.6.1: no sibling / child

SECTOR_SIZE = 512  # version 3 files: sector shift 9 (MS-CFB 2.2)
MINI_SECTOR_SIZE = 64  # mini sector shift 6
MINI_STREAM_CUTOFF = 4096  # streams smaller than this live in the mini stream (MS-CFB 2.2)
_ENTRIES_PER_FAT_SECTOR = SECTOR_SIZE // 4
_DIR_ENTRY_SIZE = 128
_HEADER_DIFAT_ENTRIES = 109  # MS-CFB 2.2: DIFAT entries held in the header

_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")

# MS-CFB 2.6.1 object types and colours
_TYPE_STORAGE = 1
_TYPE_STREAM = 2
_TYPE_ROOT = 5
_RED = 0
_BLACK = 1

_FORBIDDEN_NAME_CHARS = set("/\\:!")


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _compare_key(name: str) -> tuple[int, list[int]]:
    """Sort key of sibling names (MS-CFB 2.6.4): shorter first, then by upper-cased code unit."""
    units = name.encode("utf-16-le")
    upper = "".join(c.upper() if len(c.upper()) == 1 else c for c in name).encode("utf-16-le")
    return len(units), list(struct.unpack(f"<{len(upper) // 2}H", upper))


def _check_name(name: str) -> None:
    # MS-CFB 2.6.1: at most 31 UTF-16 code units plus the terminator, and no / \ : !
    if not name or len(name.encode("utf-16-le")) > 62 or _FORBIDDEN_NAME_CHARS & set(name):
        raise ValueError(f"复合文件中的名称无效：{name!r}")


def _build_tree(entries: list[_Entry], depth: int, height: int) -> int:
    """Link ``entries`` (sorted) as a balanced binary search tree; return the root's SID.

    Splitting at the median fills every level but the last, so colouring only the last
    level red gives every root-to-leaf path the same number of black nodes and no red
    node a red child: a valid red-black tree (MS-CFB 2.6.4).
    """
    if not entries:
        return NOSTREAM
    middle = len(entries) // 2
    node = entries[middle]
    node.color = _RED if depth == height and depth > 0 else _BLACK
    node.left = _build_tree(entries[:middle], depth + 1, height)
    node.right = _build_tree(entries[middle + 1 :], depth + 1, height)
    return node.sid


def _tree_height(count: int) -> int:
    """Depth of the deepest node of a median-split tree of ``count`` nodes (root = 0)."""
    return count.bit_length() - 1 if count else -1


def _sectors_for(size: int, unit: int) -> int:
    return (size + unit - 1) // unit


def write_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """Write a compound file holding ``streams``, keyed by '/'-separated paths such as 'VBA/dir'.

    Storages are created for the intermediate path parts. The file uses 512-byte sectors
    (version 3), keeps streams under 4096 bytes in the mini stream, and supports up to
    109 FAT sectors (about 7 MB), far more than a VBA project needs.
    """
    root = _Entry("Root Entry", _TYPE_ROOT)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            _check_name(part)
            node = node.children.setdefault(part, _Entry(part, _TYPE_STORAGE))
            if node.kind != _TYPE_STORAGE:
                raise ValueError(f"{path}: {part} 既是流又是存储")
        _check_name(parts[-1])
        if parts[-1] in node.children:
            raise ValueError(f"重复的流：{path}")
        node.children[parts[-1]] = _Entry(parts[-1], _TYPE_STREAM, data=bytes(data))

    # Directory order: root first, then each storage's children breadth first.
    ordered = [root]
    for entry in ordered:
        ordered.extend(sorted(entry.children.values(), key=lambda e: _compare_key(e.name)))
    for sid, entry in enumerate(ordered):
        entry.sid = sid
    for entry in ordered:
        siblings = sorted(entry.children.values(), key=lambda e: _compare_key(e.name))
        entry.child = _build_tree(siblings, 0, _tree_height(len(siblings)))

    stream_entries = [e for e in ordered if e.kind == _TYPE_STREAM]
    small = [e for e in stream_entries if 0 < len(e.data) < MINI_STREAM_CUTOFF]
    large = [e for e in stream_entries if len(e.data) >= MINI_STREAM_CUTOFF]

    # Mini stream (MS-CFB 2.5): small streams packed in 64-byte mini sectors.
    mini_stream = bytearray()
    mini_fat: list[int] = []
    for entry in small:
        count = _sectors_for(len(entry.data), MINI_SECTOR_SIZE)
        first = len(mini_fat)
        entry.start, entry.size = first, len(entry.data)
        mini_fat.extend(range(first + 1, first + count))
        mini_fat.append(ENDOFCHAIN)
        mini_stream += entry.data.ljust(count * MINI_SECTOR_SIZE, b"\x00")
    for entry in stream_entries:
        if not entry.data:
            entry.start, entry.size = ENDOFCHAIN, 0

    mini_stream_sectors = _sectors_for(len(mini_stream), SECTOR_SIZE)
    mini_fat_sectors = _sectors_for(len(mini_fat) * 4, SECTOR_SIZE)
    dir_sectors = _sectors_for(len(ordered) * _DIR_ENTRY_SIZE, SECTOR_SIZE)
    large_sectors = [_sectors_for(len(e.data), SECTOR_SIZE) for e in large]
    data_sectors = mini_stream_sectors + mini_fat_sectors + dir_sectors + sum(large_sectors)
    fat_sectors = 1
    while fat_sectors * _ENTRIES_PER_FAT_SECTOR < data_sectors + fat_sectors:
        fat_sectors += 1
    if fat_sectors > _HEADER_DIFAT_ENTRIES:
        raise ValueError("复合文件过大：本写入器不支持 DIFAT 扇区")

    # Layout: FAT, directory, mini FAT, mini stream, large streams.
    fat = [FATSECT] * fat_sectors
    body = bytearray()

    def allocate(data: bytes, count: int) -> int:
        if count == 0:
            return ENDOFCHAIN
        first = len(fat)
        fat.extend(range(first + 1, first + count))
        fat.append(ENDOFCHAIN)
        body.extend(data.ljust(count * SECTOR_SIZE, b"\x00"))
        return first

    # The directory is written after its sector numbers are known; reserve its place.
    dir_start = len(fat)
    fat.extend(range(dir_start + 1, dir_start + dir_sectors))
    fat.append(ENDOFCHAIN)
    dir_offset = len(body)
    body.extend(b"\x00" * dir_sectors * SECTOR_SIZE)

    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_bytes = mini_fat_bytes.ljust(mini_fat_sectors * SECTOR_SIZE, b"\xff")  # FREESECT
    mini_fat_start = allocate(mini_fat_bytes, mini_fat_sectors)
    root.start = allocate(bytes(mini_stream), mini_stream_sectors)
    root.size = len(mini_stream)
    for entry, count in zip(large, large_sectors, strict=True):
        entry.start, entry.size = allocate(entry.data, count), len(entry.data)

    directory = bytearray()
    for entry in ordered:
        directory += _directory_entry(entry)
    while len(directory) < dir_sectors * SECTOR_SIZE:
        directory += _unused_directory_entry()
    body[dir_offset : dir_offset + len(directory)] = directory

    fat.extend([FREESECT] * (fat_sectors * _ENTRIES_PER_FAT_SECTOR - len(fat)))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)

    difat = list(range(fat_sectors)) + [FREESECT] * (_HEADER_DIFAT_ENTRIES - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _SIGNATURE,
        b"\x00" * 16,  # header CLSID: MUST be zero
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # byte order mark: little-endian
        9,  # sector shift
        6,  # mini sector shift
        b"\x00" * 6,
        0,  # number of directory sectors: MUST be 0 for version 3
        fat_sectors,
        dir_start,
        0,  # transaction signature
        MINI_STREAM_CUTOFF,
        mini_fat_start,
        mini_fat_sectors,
        ENDOFCHAIN,  # first DIFAT sector: none
        0,  # number of DIFAT sectors
    )
    header += struct.pack(f"<{_HEADER_DIFAT_ENTRIES}I", *difat)
    assert len(header) == SECTOR_SIZE
    return bytes(header) + fat_bytes + bytes(body)


def _directory_entry(entry: _Entry) -> bytes:
    """One 128-byte directory entry (MS-CFB 2.6.1)."""
    name = entry.name.encode("utf-16-le") + b"\x00\x00"
    start = entry.start if entry.kind != _TYPE_STORAGE else 0
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        entry.kind,
        entry.color,
        entry.left,
        entry.right,
        entry.child,
        b"\x00" * 16,  # CLSID
        0,  # state bits
        0,  # creation time (MAY be zero)
        0,  # modified time
        start,
        entry.size,
    )


def _unused_directory_entry() -> bytes:
    # MS-CFB 2.6.3: free entries are zero with NOSTREAM sibling and child IDs.
    return struct.pack(
        "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\x00" * 16, 0, 0, 0, 0, 0
    )
