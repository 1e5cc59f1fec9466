"""Module-level shapes that fill or guard state when the module runs: a table filled by later calls,
thread-local storage and a lock, a ``typing.TYPE_CHECKING`` block, functions defined in a branch on
the Python version, and classes that register themselves in ``__init_subclass__``."""

import sys
import threading
import typing
from threading import RLock, local

from .other import clamp as _clamp

if typing.TYPE_CHECKING:
    from sftmine_typing_only_not_installed import Pair
else:
    Pair = tuple

PLURALS = [("(?i)s$", "s"), ("$", "s")]
COUNTS = {}
_CURRENT = local()
_LOCK = RLock()
_UNITS = {}
_CLAMPED = tuple(_clamp(v) for v in (-5, 30, 500))  # reads the renamed import while the module runs


def _irregular(singular, plural):
    """Teach the rules one irregular word (called below, while the module runs)."""
    PLURALS.insert(0, ("(?i)^" + singular + "$", plural))
    COUNTS[singular] = len(plural)


_irregular("person", "people")
_irregular("child", "children")
PLURALS.append(("(?i)x$", "xes"))
COUNTS["ox"] = 4


def plural(word):
    """The plural of ``word`` by the first rule that matches it."""
    import re

    for pattern, ending in PLURALS:
        if re.search(pattern, word):
            if pattern.startswith("(?i)^"):
                return ending
            return re.sub(pattern, ending, word) if ending != "s" or pattern == "$" else word
    return word


def count_of(word):
    """The length of the plural of ``word`` when it is a known irregular word, else -1."""
    return COUNTS.get(word, -1)


def learn(singular, plural):
    """Teach the rules one more irregular word at run time (a test cannot see this)."""
    _irregular(singular, plural)
    return len(PLURALS)


def greeting(name):
    """``name`` greeted with the current thread's greeting word (``Hello`` unless one was set)."""
    with _LOCK:
        word = getattr(_CURRENT, "word", "Hello")
    return f"{word}, {name}!"


def busy(n):
    """``n`` plus the number of threads running (not a data test)."""
    return n + threading.active_count()


def pair(a, b):
    """``a`` and ``b`` as a pair, the smaller first."""
    return Pair((min(a, b), max(a, b)))


if sys.version_info >= (3, 0):  # noqa: UP036 - the shape of real compatibility modules

    def _byte_values(buffer_object):
        return list(memoryview(buffer_object))

    def _padded(data):
        return _byte_values(data) + [0] * (4 - len(data))  # needs its own block

else:

    def _byte_values(buffer_object):
        return map(ord, buffer(buffer_object))  # noqa: F821

    def _padded(data):
        return list(_byte_values(data)) + [0] * (4 - len(data))


def checksum(data):
    """The sum of the bytes of ``data``, modulo 256."""
    return sum(_byte_values(data)) % 256


class Unit:
    """A unit of length; each subclass registers itself under its symbol."""

    symbol = ""
    factor = 1

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _UNITS[cls.symbol] = cls

    def describe(self, value):
        """``value`` in this unit, in metres, as text."""
        return f"{value}{self.symbol} = {value * self.factor}m"


class Kilometre(Unit):
    """Thousands of metres."""

    symbol = "km"
    factor = 1000

    def to_metres(self, value):
        """``value`` kilometres in metres, rounded to whole metres."""
        metres = value * self.factor
        return round(metres)


def clamped(i):
    """The ``i``-th of the clamped sample values."""
    return _CLAMPED[i]
