"""Module-level shapes real packages use: lazy annotations, typing-only imports, an optional
dependency behind ``try``/``except ImportError``, and a table computed by a comprehension."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

try:
    import sftmine_fast_backend_not_installed as fast
except ImportError:
    try:  # a second optional backend, tried in the first one's fallback
        import sftmine_other_backend_not_installed as fast
    except ImportError:
        fast = None

ORDS = {c: ord(c) - 96 for c in "abcdefghijklmnopqrstuvwxyz"}
SPEED = "fast" if fast else "slow"


def word_score(word: str, bonus: Sequence[int] = ()) -> int:
    """Sum of the letters' places in the alphabet (a=1) of ``word``, plus the bonuses."""
    total = sum(ORDS.get(c, 0) for c in word.lower())
    return total + sum(bonus)


def mode(n: int) -> str:
    """The backend in use, ``n`` times, joined by dashes."""
    label = SPEED
    return "-".join([label] * n)


if sys.version_info < (3, 0):  # noqa: UP036 - the branch that does not run reads a name Python 3 lacks
    text_type = unicode  # noqa: F821
else:
    text_type = str


def as_text(value):
    """``value`` as text, bytes decoded as UTF-8."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return text_type(value)
