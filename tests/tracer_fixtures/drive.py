"""Exercises tests/tracer_fixtures/sample.py as a test suite would; run under the tracer."""

import asyncio
import sys

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
sample.make_adder(10)(5)
sample.square(7)
sample.in_thread(4)
sample.echo(list(range(100_000)))
sample.echo({"nan": float("nan"), "set": {1, 2}, "tuple": (1, "a"), "bytes": b"\x00\xff"})
for i in range(500):
    sample.echo(i)
sys.exit(0)
