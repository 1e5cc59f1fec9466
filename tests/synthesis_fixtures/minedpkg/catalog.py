"""A module that reads a sibling module as a namespace (``units.to_cm``), and a class whose body has
aliases: of a member kept, and of a member left out because it reads a file."""

import email.header  # binds ``email`` first: the code reads email.utils, which the next import loads
import email.utils
import functools
import warnings

from . import units
from .units import Size  # objects of this class of another module are the values of area_cm2's tests

PER_METRE = units.HIGH // 10  # read when the module runs: the namespace must come before it


def describe(inches):
    """``inches`` in centimetres as text, or "out of range" outside the catalogue's range."""
    cm = units.to_cm(inches)
    if not units.LOW <= cm <= units.HIGH:
        return "out of range"
    return f"{cm} cm"


def area_cm2(size: Size):
    """The area of ``size`` in square centimetres, rounded to 2 places."""
    area = size.width * size.height * units.CM_PER_INCH**2
    return round(area, 2)


def attribute_of(name):
    """The attribute ``name`` of the units module."""
    found = getattr(units, name)
    return found


def per_metre(x):
    """``x`` scaled by the metre factor."""
    scaled = x * PER_METRE
    return scaled


def address_of(name, address):
    """``name <address>`` as a mail header has it, ``name`` quoted where it needs it."""
    text = email.utils.formataddr((name, address))
    return text


def deprecated(func):
    """A pass-through decorator: the wrapper warns and returns what ``func`` returns for the same arguments."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        warnings.warn(f"{func.__name__} is deprecated", DeprecationWarning, stacklevel=2)
        return func(*args, **kwargs)

    return wrapper


def doubling(func):
    """Not a pass-through: the wrapper changes the arguments."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*[arg * 2 for arg in args], **kwargs)

    return wrapper


@deprecated
def inches_of(cm):
    """``cm`` in whole inches, rounded down, at least 0."""
    whole = int(cm // units.CM_PER_INCH)
    return max(whole, 0)


@doubling
def inches_twice(cm):
    """Whole inches of ``cm``."""
    whole = int(cm // units.CM_PER_INCH)
    return whole


class Shelf:
    """Items on a shelf, by width in inches."""

    def __init__(self, items):
        self.items = list(items)

    def load(self, path):
        with open(path) as handle:
            self.items = [float(line) for line in handle]
        return len(self.items)

    read = load  # an alias of a member that is left out (it reads a file): left out with it
    """An older name of ``load``."""

    def count_over(self, limit):
        """How many items are wider than ``limit``."""
        over = [item for item in self.items if item > limit]
        return len(over)

    total_over = count_over  # an alias of a member that stays: resolved in the class's scope

    def widest(self, extra=0):
        """The widest item plus ``extra``, in centimetres."""
        best = max(self.items) + extra
        return units.to_cm(best)

    def label(self, inches):
        return describe(inches)  # one simple statement: a thin wrapper

    def fits(self, width):
        """Whether an item of ``width`` fits next to the others within 100 inches."""
        if sum(self.items) + width <= 100:
            return "fits"
        elif width > 100:
            return "never"
        return "full"


def fit_within(size: Size, limit):
    """Shrink ``size`` in place so that neither side is over ``limit`` inches, keeping its proportions."""
    longest = max(size.width, size.height)
    if longest > limit:
        size.width = round(size.width * limit / longest, 2)
        size.height = round(size.height * limit / longest, 2)
