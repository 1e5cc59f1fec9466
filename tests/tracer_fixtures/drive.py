"""Exercises tests/tracer_fixtures/sample.py as a test suite would; run under the tracer."""

import asyncio
import collections
import contextlib
import datetime
import decimal
import enum
import fractions
import json
import pathlib
import re
import sys
from xml.parsers import expat

import sample

sample.add(1)
sample.add(1, 2, 3, 4, scale=10, verbose=True)
sample.fact(5)
try:
    sample.wraps_fail(3)
except ValueError as exc:
    assert "bad 3" in str(exc)
items = [1, 2]
sample.count_then_mutate(items)
list(sample.countdown(3))
asyncio.run(sample.double(21))
point = sample.Point(3, -4)
point.manhattan()
sample.Point.origin()
sample.take_opaque(sample.Opaque())
sample.Tagged().bump(3)
sample.make_adder(10)(5)
sample.square(7)
sample.in_thread(4)
sample.echo(list(range(100_000)))
sample.echo({"nan": float("nan"), "set": {1, 2}, "tuple": (1, "a"), "bytes": b"\x00\xff"})
counter = sample.Counter(5, step=2)
counter.total(1)
counter.bump()
counter.total(1)
sample.Child(1, "b").both()
Color = enum.Enum("Color", "RED GREEN", module="sample")
Pair = collections.namedtuple("Pair", "x y", module="sample")
for value in (datetime.datetime(2024, 2, 29, 12, 0, tzinfo=datetime.UTC), datetime.date(2020, 1, 1),
              datetime.time(1, 2, 3), datetime.timedelta(days=2, seconds=3), decimal.Decimal("1.50"),
              fractions.Fraction(1, 3), bytearray(b"xy"), range(2, 9, 3), re.compile(r"a\d+", re.I), len,
              str.upper, Color.GREEN, Pair(1, "z")):
    sample.stamp(value)
sample.Version(1, 2).bumped()
sample.stamp(sample.Tags(a=1))
for value in (int, sample.Version, re.escape, sample.stamp):
    sample.stamp(value)
for value in (json, expat, pathlib.PurePosixPath("a/b"), pathlib.Path("setup.cfg"), sample):
    sample.stamp(value)
for i in range(500):
    sample.echo(i)
for i in range(150):  # past K = 50 pairs that all return True: the False and the raise must still be recorded
    sample.is_small(i)
sample.is_small(5000)
sample.sort_in_place([3, 1, 2])
sample.sort_in_place([1, 2])
sample.length_of([5, 4])
sample.rename(sample.Version(1, 2), 7)
with contextlib.suppress(ValueError):
    sample.is_small(-1)
sys.exit(0)
