"""Classes written for the synthesis tests: state-changing and pure methods, a staticmethod, a
classmethod, an object rebuilt from its constructor call and one from its attributes, an enum, a
namedtuple, an exception of the project, and names imported from a sibling module."""

import collections
import datetime
import decimal
import enum

from minedpkg.other import SCALE

from .other import Store, clamp
from .other import clamp as limit


class LedgerError(ValueError):
    """A malformed amount."""


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


Span = collections.namedtuple("Span", "start end")


class Account:
    """A balance with a history of movements."""

    rate = decimal.Decimal("0.05")

    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        self.history = []
        self.fmt = "{:.2f}".format  # a bound method has no encoding: tests build the object by calling the class

    def __repr__(self):
        return f"Account({self.owner!r}, {self.balance!r})"

    def deposit(self, amount):
        """Add ``amount`` (positive) to the balance, remember it, and return the new balance."""
        if amount <= 0:
            raise LedgerError(f"not a deposit: {amount}")
        self.balance += amount
        self.history.append(amount)
        return self.balance

    def projected(self, years):
        """The balance after ``years`` of interest at ``rate``, rounded to cents (a Decimal)."""
        value = decimal.Decimal(self.balance)
        for _ in range(years):
            value += value * self.rate
        return value.quantize(decimal.Decimal("0.01"))

    def statement(self):
        """The owner and the balance with two decimals, as ``owner: 12.00``."""
        text = self.fmt(self.balance)
        return f"{self.owner}: {text}"

    def level(self):
        """Level.HIGH when the balance is at least 100, else Level.LOW."""
        if self.balance >= 100:
            return Level.HIGH
        return Level.LOW

    @staticmethod
    def parse_amount(text):
        """An amount from text like ``"12.50"``, in cents; LedgerError when it is not one."""
        whole, _, cents = text.strip().partition(".")
        if not whole.isdigit() or (cents and not cents.isdigit()):
            raise LedgerError(f"not an amount: {text!r}")
        return int(whole) * 100 + int((cents + "00")[:2])

    @classmethod
    def opening(cls, owner, days):
        """An account for ``owner`` opened with a bonus of ``days`` (capped by clamp)."""
        account = cls(owner)
        account.balance = clamp(days * SCALE)
        return account.balance + len(owner)


class Window:
    """A time window; slotted without weak references, so a test rebuilds it from its attributes."""

    __slots__ = ("start", "length")

    def __init__(self, start, length):
        self.start = start
        self.length = length

    def end(self):
        """When the window closes (a datetime)."""
        finish = self.start + self.length
        return finish.replace(microsecond=0)

    def span(self, offset):
        """The window as a Span of day numbers, shifted by ``offset`` days."""
        first = self.start.toordinal() + offset
        return Span(first, (self.start + self.length).toordinal() + offset)

    def shifted(self, days):
        """A new window ``days`` later, as long as this one."""
        later = self.start + datetime.timedelta(days=days)
        return Window(later, self.length)

    def stretch(self, factor):
        """Make the window ``factor`` times longer; returns nothing."""
        longer = self.length * factor
        self.length = longer


def scaled(x):
    """``x`` times SCALE, clamped to LIMITS (names from a sibling module)."""
    product = x * SCALE
    return clamp(product)


def week_after(day):
    """The date a week after ``day``."""
    delta = datetime.timedelta(days=7)
    return day + delta


def longest(windows):
    """The longest of ``windows`` (the first on a tie)."""
    best = windows[0]
    for window in windows[1:]:
        if window.length > best.length:
            best = window
    return best


def limited_sum(values):
    """The sum of ``values``, each limited to LIMITS first."""
    total = 0
    for value in values:
        total += limit(value)
    return total


class Grader:
    """Scores against fixed cutoffs; no method changes it after construction."""

    def __init__(self, cutoffs, formatter=None):
        self.cutoffs = sorted(cutoffs)
        self.formatter = formatter or "{}/{}".format  # a bound method: the object has no snapshot

    def grade(self, score):
        """How many cutoffs ``score`` reaches."""
        passed = [cutoff for cutoff in self.cutoffs if score >= cutoff]
        return len(passed)

    def label(self, score):
        """The grade over the number of cutoffs, as text."""
        reached = self.grade(score)
        return self.formatter(reached, len(self.cutoffs))


class Crate(Store):
    """A store of numbers; its base reads files, which a problem cannot, so those members stay out."""

    def __call__(self, path):
        return self.reload(path)

    def heaviest(self, n):
        """The ``n`` largest items, largest first, and how many items there are."""
        ordered = sorted(self.items, reverse=True)
        return ordered[:n], self.count()
