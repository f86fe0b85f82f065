"""Zip and XML safety for untrusted workbooks, written once: the errors to catch, bomb ratios, a parser."""

from __future__ import annotations

import lzma
import struct
import zipfile
import zlib
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from xl_selfeval.limits import Limits

CHUNK = 1 << 20  # bytes inflated at a time
# Members this small cannot be bombs, and tiny parts legitimately compress far beyond any ratio.
RATIO_FLOOR = 1 << 20

# Errors zipfile and the decompressors raise on damaged data (a bad CRC, a truncated stream, an
# unsupported or encrypted member, a name that does not decode, a size field out of range).
ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    struct.error,
    OverflowError,
)
# Errors the XML layer raises: ParseError is a SyntaxError; defusedxml's refusals are ValueErrors; a
# bad number or date in a cell is a ValueError (or an OverflowError) from int()/float().
XML_ERRORS: tuple[type[BaseException], ...] = (
    SyntaxError,
    DefusedXmlException,
    ValueError,
    LookupError,
    OverflowError,
)


def too_compressed(size: int, packed: int, limits: Limits) -> bool:
    """Whether ``size`` bytes from ``packed`` compressed ones is a likely bomb."""
    return size > RATIO_FLOOR and size > limits.max_ratio * max(packed, 1)


def member_suspicious(info: zipfile.ZipInfo, allowance: int, limits: Limits) -> bool:
    """A member too big for what may still be inflated, or compressed like a bomb: do not inflate it."""
    return info.file_size > allowance or too_compressed(info.file_size, info.compress_size, limits)


def defused_parser(target: Any) -> DefusedXMLParser:
    """An XML parser for untrusted parts: OOXML never carries a DTD, so any is refused and entity tricks
    cannot even start."""
    return DefusedXMLParser(target=target, forbid_dtd=True)
