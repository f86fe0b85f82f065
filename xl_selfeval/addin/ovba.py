"""MS-OVBA pieces for a source-only VBA project: compression, dir/PROJECT streams, vbaProject.bin."""

from __future__ import annotations

import enum
import io
import struct
from dataclasses import dataclass, field

import olefile

from xl_selfeval.addin import cfb

# ---------------------------------------------------------------------------
# MS-OVBA 2.4.1 compression
# ---------------------------------------------------------------------------

_CHUNK = 4096  # 2.4.1.1.4: a chunk decompresses to at most 4096 bytes
_SIGNATURE_BYTE = 0x01  # 2.4.1.1.1 CompressedContainer.SignatureByte
_CHUNK_SIGNATURE = 0b011  # 2.4.1.1.5 CompressedChunkHeader.CompressedChunkSignature


class OvbaFormatError(ValueError):
    """Raised when bytes do not follow the MS-OVBA structures they are parsed as."""


def _copy_token_split(difference: int) -> tuple[int, int]:
    """Return (bit_count, maximum_length) for a CopyToken (MS-OVBA 2.4.1.3.19.1 CopyToken Help).

    ``difference`` is the distance from the chunk start to the current decompressed
    position; the offset field widens (and the length field narrows) as it grows.
    """
    bit_count = max((difference - 1).bit_length(), 4)  # ceil(log2(difference)), at least 4
    return bit_count, (0xFFFF >> bit_count) + 3


def _match_length(data: bytes, candidate: int, current: int, limit: int) -> int:
    length = 0
    while current + length < limit and data[candidate + length] == data[current + length]:
        length += 1
    return length


def _compress_chunk(data: bytes, start: int) -> bytes:
    """Compress one DecompressedChunk starting at ``start`` (MS-OVBA 2.4.1.3.7)."""
    end = min(start + _CHUNK, len(data))
    out = bytearray()
    # Positions of every 3-byte prefix seen so far in this chunk. The spec's matching
    # (2.4.1.3.19.4) scans every earlier position; only positions that share the first
    # three bytes can give a match of the minimum length 3, so the chains are equivalent.
    chains: dict[bytes, list[int]] = {}
    indexed = start

    def index_up_to(stop: int) -> None:
        nonlocal indexed
        while indexed < stop and indexed + 3 <= end:
            chains.setdefault(data[indexed : indexed + 3], []).append(indexed)
            indexed += 1

    current = start
    while current < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):  # 2.4.1.1.7 TokenSequence: a FlagByte then up to 8 tokens
            if current >= end:
                break
            index_up_to(current)
            bit_count, maximum_length = _copy_token_split(current - start)
            best_length = 0
            best_candidate = 0
            if current + 3 <= end:
                # Nearest candidate first; a farther one only wins if strictly longer,
                # which is the tie rule of 2.4.1.3.19.4.
                for candidate in reversed(chains.get(data[current : current + 3], ())):
                    length = _match_length(data, candidate, current, end)
                    if length > best_length:
                        best_length, best_candidate = length, candidate
                        if best_length >= maximum_length:
                            break
            if best_length >= 3:
                length = min(best_length, maximum_length)
                offset = current - best_candidate
                token = ((offset - 1) << (16 - bit_count)) | (length - 3)  # 2.4.1.3.19.3 Pack
                out += struct.pack("<H", token)
                flags |= 1 << bit
                current += length
            else:
                out.append(data[current])  # LiteralToken, 2.4.1.1.8
                current += 1
        out[flag_at] = flags

    if len(out) > _CHUNK:
        # 2.4.1.3.10 Compressing a RawChunk: the chunk would not fit the 12-bit size field,
        # so it is stored uncompressed; a raw chunk always holds 4096 bytes, padded with 0x00.
        raw = data[start:end].ljust(_CHUNK, b"\x00")
        header = (_CHUNK - 1) | (_CHUNK_SIGNATURE << 12)  # CompressedChunkFlag 0
        return struct.pack("<H", header) + raw
    header = (len(out) + 2 - 3) | (_CHUNK_SIGNATURE << 12) | 0x8000  # size - 3, flag 1 (2.4.1.1.5)
    return struct.pack("<H", header) + bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA CompressedContainer (2.4.1.3.6).

    A final chunk shorter than 4096 bytes that does not compress is stored as a raw chunk
    and therefore padded with zeros, as the spec prescribes (2.4.1.3.10); text never
    reaches that case.
    """
    out = bytearray([_SIGNATURE_BYTE])
    for start in range(0, len(data), _CHUNK):
        out += _compress_chunk(data, start)
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer (2.4.1.3.1)."""
    if not data or data[0] != _SIGNATURE_BYTE:
        raise OvbaFormatError("压缩数据的签名字节不是 0x01（MS-OVBA 2.4.1.1.1）")
    out = bytearray()
    pos = 1
    while pos < len(data):
        if pos + 2 > len(data):
            raise OvbaFormatError("压缩块头不完整")
        (header,) = struct.unpack_from("<H", data, pos)
        if (header >> 12) & 0b111 != _CHUNK_SIGNATURE:
            raise OvbaFormatError(f"压缩块签名错误（位置 {pos}）")
        chunk_end = min(pos + (header & 0x0FFF) + 3, len(data))
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:  # 2.4.1.3.3 raw chunk
            out += data[pos : pos + _CHUNK]
            pos += _CHUNK
            continue
        while pos < chunk_end:  # 2.4.1.3.4 TokenSequence
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise OvbaFormatError("复制标记不完整")
                (token,) = struct.unpack_from("<H", data, pos)
                pos += 2
                bit_count, _ = _copy_token_split(len(out) - chunk_start)
                length = (token & (0xFFFF >> bit_count)) + 3  # 2.4.1.3.19.2 Unpack
                offset = (token >> (16 - bit_count)) + 1
                source = len(out) - offset
                if source < chunk_start:
                    raise OvbaFormatError("复制标记指向块开始之前")
                for i in range(length):  # byte by byte: the copy may overlap its own output
                    out.append(out[source + i])
    return bytes(out)


# ---------------------------------------------------------------------------
# MS-OVBA 2.4.3 data encryption (CMG / DPB / GC values of the PROJECT stream)
# ---------------------------------------------------------------------------


def project_key(project_id: str) -> int:
    """Checksum of the ProjectId string, the ProjKey of MS-OVBA 2.4.3.2."""
    return sum(project_id.encode("ascii")) & 0xFF


def encrypt_data(project_id: str, data: bytes, *, seed: int, ignored: bytes = b"") -> bytes:
    """Obfuscate ``data`` as an Encrypted Data Structure (MS-OVBA 2.4.3.1/2.4.3.2).

    ``ignored`` supplies the arbitrary IgnoredEnc bytes; missing ones are zero. A fixed
    seed keeps builds reproducible: this is obfuscation, not security.
    """
    seed &= 0xFF
    version_enc = seed ^ 2  # Version MUST be 2
    key = project_key(project_id)
    key_enc = seed ^ key
    out = bytearray([seed, version_enc, key_enc])
    unencrypted1, encrypted1, encrypted2 = key, key_enc, version_enc

    def put(byte: int) -> None:
        nonlocal unencrypted1, encrypted1, encrypted2
        byte_enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(byte_enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, byte_enc, byte

    ignored_length = (seed & 6) // 2
    for i in range(ignored_length):
        put(ignored[i] if i < len(ignored) else 0)
    for byte in struct.pack("<I", len(data)):
        put(byte)
    for byte in data:
        put(byte)
    return bytes(out)


def decrypt_data(encrypted: bytes) -> tuple[int, bytes]:
    """Return (ProjKey, Data) from an Encrypted Data Structure (MS-OVBA 2.4.3.3)."""
    if len(encrypted) < 7:
        raise OvbaFormatError("加密数据太短")
    seed, version_enc, key_enc = encrypted[0], encrypted[1], encrypted[2]
    if seed ^ version_enc != 2:
        raise OvbaFormatError("加密数据版本不是 2（MS-OVBA 2.4.3.3）")
    key = seed ^ key_enc
    unencrypted1, encrypted1, encrypted2 = key, key_enc, version_enc
    pos = 3

    def take() -> int:
        nonlocal pos, unencrypted1, encrypted1, encrypted2
        if pos >= len(encrypted):
            raise OvbaFormatError("加密数据被截断")
        byte_enc = encrypted[pos]
        pos += 1
        byte = byte_enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        encrypted2, encrypted1, unencrypted1 = encrypted1, byte_enc, byte
        return byte

    for _ in range((seed & 6) // 2):
        take()
    (length,) = struct.unpack("<I", bytes(take() for _ in range(4)))
    data = bytes(take() for _ in range(length))
    return key, data


# ---------------------------------------------------------------------------
# Project model
# ---------------------------------------------------------------------------


class ModuleKind(enum.Enum):
    """How a module is declared in the PROJECT stream (MS-OVBA 2.3.1.3-2.3.1.7)."""

    PROCEDURAL = "Module"
    DOCUMENT = "Document"
    CLASS = "Class"

    @property
    def type_record_id(self) -> int:
        # 2.3.4.2.3.2.8 MODULETYPE: 0x0021 procedural, 0x0022 document/class/designer
        return 0x0021 if self is ModuleKind.PROCEDURAL else 0x0022


@dataclass(frozen=True)
class ProjectInformation:
    """PROJECTINFORMATION of the dir stream (MS-OVBA 2.3.4.2.1)."""

    name: str
    code_page: int = 1252
    sys_kind: int = 1
    lcid: int = 0x0409
    lcid_invoke: int = 0x0409
    docstring: bytes = b""
    docstring_unicode: bytes = b""
    help_file_1: bytes = b""
    help_file_2: bytes = b""
    help_context: int = 0
    lib_flags: int = 0
    version_major: int = 0
    version_minor: int = 0
    constants: bytes = b""
    constants_unicode: bytes = b""
    compat_version: int | None = None


@dataclass(frozen=True)
class Reference:
    """One REFERENCE of PROJECTREFERENCES (MS-OVBA 2.3.4.2.2), kept byte for byte."""

    name: str
    record_id: int  # 0x000D registered, 0x000E project, 0x002F control, 0x0033 original
    raw: bytes


@dataclass(frozen=True)
class ModuleRecord:
    """One MODULE record of PROJECTMODULES as stored (MS-OVBA 2.3.4.2.3.2)."""

    name: str
    stream_name: str
    docstring: bytes
    docstring_unicode: bytes
    text_offset: int
    help_context: int
    cookie: int
    type_id: int
    read_only: bool
    private: bool


@dataclass(frozen=True)
class DirStream:
    """The decompressed dir stream (MS-OVBA 2.3.4.2), parsed."""

    information: ProjectInformation
    references: tuple[Reference, ...]
    modules: tuple[ModuleRecord, ...]


@dataclass(frozen=True)
class VbaModule:
    """A module of the project: its name, kind and source text in the project code page."""

    name: str
    kind: ModuleKind
    source: bytes
    docstring: bytes = b""
    docstring_unicode: bytes = b""
    help_context: int = 0
    read_only: bool = False
    private: bool = False

    @property
    def stream_name(self) -> str:
        return self.name


@dataclass(frozen=True)
class VbaProject:
    """Everything needed to write a vbaProject.bin."""

    project_id: str  # "{GUID}" as in the PROJECT stream's ID= line
    information: ProjectInformation
    references: tuple[Reference, ...]
    modules: tuple[VbaModule, ...]
    host_extenders: tuple[str, ...] = field(
        # 2.3.1.18: the VBE host extender every Office project carries
        default=("&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",)
    )

    def module(self, name: str) -> VbaModule:
        for module in self.modules:
            if module.name == name:
                return module
        raise KeyError(name)


def codec_for_code_page(code_page: int) -> str:
    """Python codec name for a Windows code page number (PROJECTCODEPAGE, 2.3.4.2.1.5)."""
    special = {65001: "utf-8", 10000: "mac_roman", 1200: "utf-16-le"}
    return special.get(code_page, f"cp{code_page}")


# ---------------------------------------------------------------------------
# dir stream: reading
# ---------------------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def u16(self) -> int:
        if self.pos + 2 > len(self.data):
            raise OvbaFormatError("dir 流意外结束")
        (value,) = struct.unpack_from("<H", self.data, self.pos)
        self.pos += 2
        return int(value)

    def u32(self) -> int:
        if self.pos + 4 > len(self.data):
            raise OvbaFormatError("dir 流意外结束")
        (value,) = struct.unpack_from("<I", self.data, self.pos)
        self.pos += 4
        return int(value)

    def take(self, size: int) -> bytes:
        if self.pos + size > len(self.data):
            raise OvbaFormatError("dir 流意外结束")
        value = self.data[self.pos : self.pos + size]
        self.pos += size
        return value

    def peek_u16(self) -> int:
        if self.pos + 2 > len(self.data):
            return -1
        return int(struct.unpack_from("<H", self.data, self.pos)[0])

    def expect(self, record_id: int) -> None:
        found = self.u16()
        if found != record_id:
            raise OvbaFormatError(f"dir 流在 {self.pos - 2} 处应为记录 0x{record_id:04X}，实为 0x{found:04X}")

    def sized(self, record_id: int) -> bytes:
        """Read a record of the common shape Id (2) + Size (4) + Data (Size)."""
        self.expect(record_id)
        return self.take(self.u32())


def _parse_information(reader: _Reader) -> ProjectInformation:
    # Records in the fixed order of MS-OVBA 2.3.4.2.1.
    sys_kind = struct.unpack("<I", reader.sized(0x0001))[0]
    compat_version = None
    if reader.peek_u16() == 0x004A:  # PROJECTCOMPATVERSION, written by newer Office versions
        compat_version = struct.unpack("<I", reader.sized(0x004A))[0]
    lcid = struct.unpack("<I", reader.sized(0x0002))[0]
    lcid_invoke = struct.unpack("<I", reader.sized(0x0014))[0]
    code_page = struct.unpack("<H", reader.sized(0x0003))[0]
    name_bytes = reader.sized(0x0004)
    docstring = reader.sized(0x0005)
    docstring_unicode = reader.sized(0x0040)
    help_file_1 = reader.sized(0x0006)
    help_file_2 = reader.sized(0x003D)
    help_context = struct.unpack("<I", reader.sized(0x0007))[0]
    lib_flags = struct.unpack("<I", reader.sized(0x0008))[0]
    reader.expect(0x0009)  # PROJECTVERSION: Reserved (4, always 4), then 4 + 2 bytes
    reader.u32()
    version_major = reader.u32()
    version_minor = reader.u16()
    constants = reader.sized(0x000C)
    constants_unicode = reader.sized(0x003C)
    return ProjectInformation(
        name=name_bytes.decode(codec_for_code_page(code_page)),
        code_page=code_page,
        sys_kind=sys_kind,
        lcid=lcid,
        lcid_invoke=lcid_invoke,
        docstring=docstring,
        docstring_unicode=docstring_unicode,
        help_file_1=help_file_1,
        help_file_2=help_file_2,
        help_context=help_context,
        lib_flags=lib_flags,
        version_major=version_major,
        version_minor=version_minor,
        constants=constants,
        constants_unicode=constants_unicode,
        compat_version=compat_version,
    )


def _parse_reference(reader: _Reader, codec: str) -> Reference:
    start = reader.pos
    name = ""
    if reader.peek_u16() == 0x0016:  # REFERENCENAME, 2.3.4.2.2.2
        name = reader.sized(0x0016).decode(codec, errors="replace")
        reader.sized(0x003E)
    record_id = reader.peek_u16()
    if record_id == 0x0033:  # REFERENCEORIGINAL, followed by its REFERENCECONTROL (2.3.4.2.2.4)
        reader.sized(0x0033)
        _skip_reference_control(reader)
    elif record_id == 0x002F:
        _skip_reference_control(reader)
    elif record_id in (0x000D, 0x000E):  # REFERENCEREGISTERED / REFERENCEPROJECT: Id + Size + data
        reader.sized(record_id)
    else:
        raise OvbaFormatError(f"未知的引用记录 0x{record_id:04X}")
    return Reference(name=name, record_id=record_id, raw=reader.data[start : reader.pos])


def _skip_reference_control(reader: _Reader) -> None:
    # REFERENCECONTROL, MS-OVBA 2.3.4.2.2.3: twiddled part, optional extended name,
    # Reserved3 0x0030, then the extended part; both parts carry their own sizes.
    reader.sized(0x002F)
    if reader.peek_u16() == 0x0016:
        reader.sized(0x0016)
        reader.sized(0x003E)
    reader.sized(0x0030)


def _parse_module(reader: _Reader, codec: str) -> ModuleRecord:
    name = reader.sized(0x0019).decode(codec)
    if reader.peek_u16() == 0x0047:  # MODULENAMEUNICODE is optional
        name = reader.sized(0x0047).decode("utf-16-le")
    stream_name = reader.sized(0x001A).decode(codec)
    stream_name_unicode = reader.sized(0x0032)
    if stream_name_unicode:
        stream_name = stream_name_unicode.decode("utf-16-le")
    docstring = reader.sized(0x001C)
    docstring_unicode = reader.sized(0x0048)
    text_offset = struct.unpack("<I", reader.sized(0x0031))[0]
    help_context = struct.unpack("<I", reader.sized(0x001E))[0]
    cookie = struct.unpack("<H", reader.sized(0x002C))[0]
    type_id = reader.u16()
    if type_id not in (0x0021, 0x0022):
        raise OvbaFormatError(f"模块 {name} 的类型记录 0x{type_id:04X} 无效")
    reader.u32()
    read_only = private = False
    while True:
        record_id = reader.u16()
        reader.u32()  # Reserved, MUST be 0
        if record_id == 0x0025:
            read_only = True
        elif record_id == 0x0028:
            private = True
        elif record_id == 0x002B:  # module Terminator
            break
        else:
            raise OvbaFormatError(f"模块 {name} 中有未知记录 0x{record_id:04X}")
    return ModuleRecord(
        name=name,
        stream_name=stream_name,
        docstring=docstring,
        docstring_unicode=docstring_unicode,
        text_offset=text_offset,
        help_context=help_context,
        cookie=cookie,
        type_id=type_id,
        read_only=read_only,
        private=private,
    )


def parse_dir_stream(data: bytes) -> DirStream:
    """Parse a decompressed dir stream (MS-OVBA 2.3.4.2)."""
    reader = _Reader(data)
    information = _parse_information(reader)
    codec = codec_for_code_page(information.code_page)
    references = []
    while reader.peek_u16() in (0x0016, 0x0033, 0x002F, 0x000D, 0x000E):
        references.append(_parse_reference(reader, codec))
    reader.expect(0x000F)  # PROJECTMODULES, 2.3.4.2.3
    reader.u32()
    count = reader.u16()
    reader.sized(0x0013)  # PROJECTCOOKIE
    modules = tuple(_parse_module(reader, codec) for _ in range(count))
    reader.expect(0x0010)  # dir stream Terminator
    return DirStream(information=information, references=tuple(references), modules=modules)


# ---------------------------------------------------------------------------
# dir stream: writing
# ---------------------------------------------------------------------------


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _u32(value: int) -> bytes:
    return struct.pack("<I", value)


def _u16(value: int) -> bytes:
    return struct.pack("<H", value)


def build_dir_stream(project: VbaProject) -> bytes:
    """The uncompressed dir stream for ``project``: every MODULEOFFSET is 0 (source only)."""
    info = project.information
    codec = codec_for_code_page(info.code_page)
    out = bytearray()
    out += _record(0x0001, _u32(info.sys_kind))
    if info.compat_version is not None:
        out += _record(0x004A, _u32(info.compat_version))
    out += _record(0x0002, _u32(info.lcid))
    out += _record(0x0014, _u32(info.lcid_invoke))
    out += _record(0x0003, _u16(info.code_page))
    name = info.name.encode(codec)
    if not 1 <= len(name) <= 128:  # 2.3.4.2.1.6 SizeOfProjectName
        raise ValueError(f"VBA 工程名长度必须在 1-128 字节之间：{info.name!r}")
    out += _record(0x0004, name)
    out += _record(0x0005, info.docstring) + _record(0x0040, info.docstring_unicode)
    out += _record(0x0006, info.help_file_1) + _record(0x003D, info.help_file_2)
    out += _record(0x0007, _u32(info.help_context))
    out += _record(0x0008, _u32(info.lib_flags))
    out += struct.pack("<HIIH", 0x0009, 4, info.version_major, info.version_minor)
    out += _record(0x000C, info.constants) + _record(0x003C, info.constants_unicode)
    for reference in project.references:
        out += reference.raw
    out += _record(0x000F, _u16(len(project.modules)))
    out += _record(0x0013, _u16(0xFFFF))  # PROJECTCOOKIE: MUST be 0xFFFF on write
    for module in project.modules:
        out += _record(0x0019, module.name.encode(codec))
        out += _record(0x0047, module.name.encode("utf-16-le"))
        out += _record(0x001A, module.stream_name.encode(codec))
        out += _record(0x0032, module.stream_name.encode("utf-16-le"))
        out += _record(0x001C, module.docstring) + _record(0x0048, module.docstring_unicode)
        out += _record(0x0031, _u32(0))  # MODULEOFFSET 0: the stream holds no p-code cache
        out += _record(0x001E, _u32(module.help_context))
        out += _record(0x002C, _u16(0xFFFF))  # MODULECOOKIE: MUST be 0xFFFF on write
        out += struct.pack("<HI", module.kind.type_record_id, 0)
        if module.read_only:
            out += struct.pack("<HI", 0x0025, 0)
        if module.private:
            out += struct.pack("<HI", 0x0028, 0)
        out += struct.pack("<HI", 0x002B, 0)
    out += struct.pack("<HI", 0x0010, 0)
    return bytes(out)


# ---------------------------------------------------------------------------
# PROJECT and PROJECTwm streams
# ---------------------------------------------------------------------------

# MS-OVBA 2.3.1.16-2.3.1.17: an unprotected, visible project.
_PROTECTION_STATE = b"\x00\x00\x00\x00"
_NO_PASSWORD = b"\x00"
_VISIBLE = b"\xff"

# 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF (no valid p-code: compile from source),
# Reserved2 0x00, Reserved3 (ignored), and no PerformanceCache.
VBA_PROJECT_STREAM = b"\xcc\x61\xff\xff\x00\x00\x00"


def _seed_for(project_id: str, salt: int) -> int:
    return (project_key(project_id) * 31 + salt * 97 + 0x5D) & 0xFF


def build_project_stream(project: VbaProject) -> bytes:
    """The text PROJECT stream (MS-OVBA 2.3.1), CRLF lines in the project code page."""
    codec = codec_for_code_page(project.information.code_page)
    pid = project.project_id
    lines = [f'ID="{pid}"']
    for module in project.modules:
        if module.kind is ModuleKind.DOCUMENT:
            lines.append(f"Document={module.name}/&H00000000")  # 2.3.1.4 DocTlibVer 0
        else:
            lines.append(f"{module.kind.value}={module.name}")
    lines.append(f'Name="{project.information.name}"')
    lines.append(f'HelpContextID="{project.information.help_context}"')
    lines.append('VersionCompatible32="393222000"')  # 2.3.1.13: fixed value
    for key, data, salt in (("CMG", _PROTECTION_STATE, 1), ("DPB", _NO_PASSWORD, 2), ("GC", _VISIBLE, 3)):
        encrypted = encrypt_data(pid, data, seed=_seed_for(pid, salt))
        lines.append(f'{key}="{encrypted.hex().upper()}"')
    lines.append("")
    lines.append("[Host Extender Info]")
    lines.extend(project.host_extenders)
    lines.append("")
    lines.append("[Workspace]")  # 2.3.1.19: editor window positions, all closed
    lines.extend(f"{module.name}=0, 0, 0, 0, C" for module in project.modules)
    return ("\r\n".join(lines) + "\r\n").encode(codec)


def build_projectwm_stream(project: VbaProject) -> bytes:
    """The PROJECTwm stream (MS-OVBA 2.3.3): MBCS and UTF-16 name of every module."""
    codec = codec_for_code_page(project.information.code_page)
    out = bytearray()
    for module in project.modules:
        out += module.name.encode(codec) + b"\x00"
        out += module.name.encode("utf-16-le") + b"\x00\x00"
    out += b"\x00\x00"
    return bytes(out)


def parse_project_stream(data: bytes, code_page: int) -> tuple[str, dict[str, ModuleKind]]:
    """Return the project ID and the module kinds declared in a PROJECT stream (2.3.1)."""
    project_id = ""
    kinds: dict[str, ModuleKind] = {}
    for line in data.decode(codec_for_code_page(code_page), errors="replace").splitlines():
        if line.startswith("["):
            break  # [Host Extender Info] and [Workspace] follow the properties
        key, _, value = line.partition("=")
        if key == "ID":
            project_id = value.strip('"')
        elif key == "Document":
            kinds[value.split("/", 1)[0]] = ModuleKind.DOCUMENT
        elif key == "Module":
            kinds[value] = ModuleKind.PROCEDURAL
        elif key == "Class":
            kinds[value] = ModuleKind.CLASS
        elif key == "BaseClass":
            raise OvbaFormatError(f"不支持窗体模块（设计器）：{value}")
    return project_id, kinds


# ---------------------------------------------------------------------------
# vbaProject.bin
# ---------------------------------------------------------------------------


def write_vba_project(project: VbaProject) -> bytes:
    """A complete vbaProject.bin (MS-OVBA 2.2) holding only compressed source."""
    names = [module.name.upper() for module in project.modules]
    if len(set(names)) != len(names):
        raise ValueError(f"模块名重复：{[m.name for m in project.modules]}")
    streams: dict[str, bytes] = {
        "PROJECT": build_project_stream(project),
        "PROJECTwm": build_projectwm_stream(project),
        "VBA/_VBA_PROJECT": VBA_PROJECT_STREAM,
        "VBA/dir": compress(build_dir_stream(project)),
    }
    for module in project.modules:
        streams[f"VBA/{module.stream_name}"] = compress(module.source)  # MODULEOFFSET 0: source only
    return cfb.write_compound_file(streams)


def read_vba_project(data: bytes) -> VbaProject:
    """Read the modules (source text), references and project information of a vbaProject.bin."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        directory = parse_dir_stream(decompress(ole.openstream("VBA/dir").read()))
        project_id, kinds = parse_project_stream(
            ole.openstream("PROJECT").read(), directory.information.code_page
        )
        modules = []
        for record in directory.modules:
            stream = ole.openstream(f"VBA/{record.stream_name}").read()
            kind = kinds.get(record.name)
            if kind is None:
                kind = ModuleKind.PROCEDURAL if record.type_id == 0x0021 else ModuleKind.CLASS
            modules.append(
                VbaModule(
                    name=record.name,
                    kind=kind,
                    source=decompress(stream[record.text_offset :]),
                    docstring=record.docstring,
                    docstring_unicode=record.docstring_unicode,
                    help_context=record.help_context,
                    read_only=record.read_only,
                    private=record.private,
                )
            )
    return VbaProject(
        project_id=project_id,
        information=directory.information,
        references=directory.references,
        modules=tuple(modules),
    )
