"""Resource ceilings for one untrusted workbook: a core setting every door's reader honours."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How big a workbook may be before it is refused (规则.toml [limits] sets the first two)."""

    max_file_bytes: int = 50 * MB
    max_uncompressed_bytes: int = 300 * MB  # sum of member sizes declared in the zip
    max_ratio: float = 200.0  # per member: uncompressed / compressed; total likewise
    max_cells: int = 2_000_000


DEFAULT_LIMITS = Limits()
