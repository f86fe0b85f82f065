"""The one exception that carries a Chinese message for the user (bad input, unusable file)."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; its text is shown as is, without a traceback."""
