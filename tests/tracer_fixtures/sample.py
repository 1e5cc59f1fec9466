"""A module written for the tracer tests: one function per behaviour to record."""

import threading


def add(a, b=2, *rest, scale=1, **options):
    return (a + b + sum(rest)) * scale


def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)


def fail(x):
    raise ValueError(f"bad {x}")


def wraps_fail(x):
    return fail(x)


def count_then_mutate(items):
    n = len(items)
    items.append("later")
    return n


def countdown(n):
    while n > 0:
        yield n
        n -= 1


async def double(x):
    return 2 * x


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def manhattan(self):
        return abs(self.x) + abs(self.y)

    @classmethod
    def origin(cls):
        return cls(0, 0)


class Opaque:
    def __init__(self):
        self.handle = object()

    def __repr__(self):
        raise RuntimeError("repr is broken")


class Tagged:
    """A counter that also holds an attribute with no encoding."""

    def __init__(self):
        self.handle = object()
        self.count = 0

    def bump(self, by):
        self.count += by
        return self.count


def take_opaque(value):
    return value


def make_adder(n):
    def adder(x):
        return x + n
    return adder


square = lambda x: x * x  # noqa: E731 - the tracer must record lambdas too


def in_thread(x):
    results = []
    worker = threading.Thread(target=lambda: results.append(add(x, x)))
    worker.start()
    worker.join()
    return results[0]


def echo(value):
    return value


def sort_in_place(items, reverse=False):
    items.sort(reverse=reverse)
    items = None  # the name rebound: the state after is the object's, not the name's


def rename(version, major):
    version.major = major


def length_of(items):
    return len(items)


def is_small(n):
    if n < 0:
        raise ValueError("negative")
    return n < 1000


class Counter:
    """State that methods change: ``bump`` mutates self, ``total`` reads it."""

    __slots__ = ("__hidden", "__weakref__", "count", "step")

    def __init__(self, start, step=1):
        self.count = start
        self.step = step
        self.__hidden = "h"

    def bump(self):
        self.count += self.step

    def total(self, extra):
        return self.count + extra


class Base:
    def __init__(self, a):
        self.a = a


class Child(Base):
    def __init__(self, a, b):
        super().__init__(a)
        self.b = b

    def both(self):
        return (self.a, self.b)


def stamp(value):
    return value


class Version:
    """A plain object of the project: encoded by its attributes wherever it appears."""

    def __init__(self, major, minor):
        self.major = major
        self.minor = minor

    def bumped(self):
        return Version(self.major, self.minor + 1)


class Tags(dict):
    """A dict subclass: its items are not attributes, so it has no encoding."""
