"""A module written for the synthesis tests: one function per rule."""

import functools
import os
import random
import re
import time
from datetime import datetime

from minedpkg import other

VOWELS = frozenset("aeiou")
WORD = re.compile(r"[a-z]+")
REGISTRY = []


def _count(word):
    return sum(1 for char in word if char in VOWELS)


def vowel_heavy(text, minimum=2):
    """Words of ``text`` with at least ``minimum`` vowels, in order."""
    return [w for w in WORD.findall(text.lower()) if _count(w) >= minimum]


@functools.lru_cache(maxsize=None)  # noqa: UP033 - the decorator form synthesis must strip
def triangle(n):
    """The n-th triangular number; negative n is an error."""
    if n < 0:
        raise ValueError("n must be >= 0")
    return n * (n + 1) // 2


def no_doc(a, b):
    return max(a, b) - min(a, b)


def stamp(label):
    """Label with the current time."""
    return f"{label}@{time.time():.0f}"


def today_label(label):
    """Label with today's date."""
    return f"{label}:{datetime.now().date()}"


def shuffle_copy(items):
    """A shuffled copy."""
    copy = list(items)
    random.shuffle(copy)
    return copy


def home_of(user):
    """Where a user's home is, from the environment."""
    return os.environ.get("HOME", "") + "/" + user


def uses_other(x):
    """Depends on another module of the project."""
    return other.double(x) + 1


def register(name):
    """Mutates module state."""
    REGISTRY.append(name)
    return len(name)


def always_none(x):
    """Tests that all expect None check nothing."""
    x = x + 1


def unique_letters(word):
    """Letters of word, in set order (depends on the hash seed)."""
    return "".join(set(word))


def rare(x):
    """Called too rarely."""
    return x * 3


def dedupe_in_place(items):
    """Remove repeated items from the list in place, keeping the first of each; returns nothing."""
    seen = set()
    write = 0
    for item in items:
        if item not in seen:
            seen.add(item)
            items[write] = item
            write += 1
    del items[write:]


def lazy_factor(n):
    """Imports a sibling module when called: one module of a problem has no sibling to import."""
    from .units import CM_PER_INCH

    return n * CM_PER_INCH


def safe_text(obj):
    """str(obj), or a placeholder when str() fails: the suite only ever passes printable objects."""
    try:
        text = str(obj)
    except Exception:
        text = "<unprintable>"
    return text
