"""A bounded memo for pure functions of a cell's text: a bureau's files repeat the template's labels."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

_R = TypeVar("_R")

# Longer texts are prose, rarely repeated; not keeping them bounds the memo's memory too.
LONGEST_KEPT = 256


def memo_text(maxsize: int) -> Callable[[Callable[[str], _R]], Callable[[str], _R]]:
    """Remember up to ``maxsize`` results of a pure function of one str (exact str only: a subclass may
    say something else through __str__, and texts over LONGEST_KEPT characters are computed each time)."""

    def wrap(function: Callable[[str], _R]) -> Callable[[str], _R]:
        kept = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(text: str) -> _R:
            if type(text) is str and len(text) <= LONGEST_KEPT:
                return kept(text)
            return function(text)

        return call

    return wrap
