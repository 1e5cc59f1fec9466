"""``sandbox.wire`` on the standard library's exact values and on objects of a problem's own classes
(enums, namedtuples, plain objects by their attributes): exact round trips, and refusals.

Pure unit tests: no sandbox.
"""

from __future__ import annotations

import collections
import datetime
import decimal
import enum
import fractions
import json
import math
import pathlib
import pickle
import re
import sys
from xml.parsers import expat

import pytest

from sandbox import wire
from tests.test_wire import round_trip


class Colour(enum.Enum):
    RED = 1
    BLUE = 2


Colour.__module__ = wire.CANDIDATE_MODULE
Pair = collections.namedtuple("Pair", "x y", module=wire.CANDIDATE_MODULE)

STDLIB_VALUES = [
    datetime.datetime(2024, 2, 29, 23, 59, 59, 999999), datetime.datetime(2021, 11, 7, 1, 30, fold=1),
    datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-5), "EST")),
    datetime.date(1, 1, 1), datetime.time(12, 30, tzinfo=datetime.timezone(datetime.timedelta(minutes=90))),
    datetime.timedelta(days=-3, microseconds=7), datetime.timezone(datetime.timedelta(hours=2)),
    decimal.Decimal("1.230"), decimal.Decimal("-0"), decimal.Decimal("sNaN"), decimal.Decimal("1E+3"),
    fractions.Fraction(-7, 3), bytearray(b"\x00ab"), range(10, -3, -2), re.compile(rb"x+", re.M), len, str.upper,
    [datetime.date(2020, 1, 1), {"k": (decimal.Decimal("2.5"), range(0))}],
    pathlib.PosixPath("test.toml"), pathlib.PurePosixPath("//srv/a/"), pathlib.PureWindowsPath("C:/Users/x"),
    json, pickle, expat, [json, {"path": pathlib.PurePosixPath("a/b")}],
]


def exactly(a: object, b: object) -> bool:
    """The host judge's notion of the same value (exponents, tzinfo and fold included)."""
    from sandbox.judge import same as judge_same

    return judge_same(a, b) and repr(a) == repr(b)


@pytest.mark.parametrize("value", STDLIB_VALUES, ids=repr)
def test_standard_library_values_round_trip_exactly(value: object) -> None:
    assert exactly(round_trip(value), value)


def test_judge_tells_values_apart_that_compare_equal() -> None:
    from sandbox.judge import same as judge_same

    assert not judge_same(decimal.Decimal("1.23"), decimal.Decimal("1.230"))
    utc = datetime.datetime(2020, 1, 1, 12, tzinfo=datetime.UTC)
    assert not judge_same(utc, utc.astimezone(datetime.timezone(datetime.timedelta(hours=1))))
    assert not judge_same(pathlib.PureWindowsPath("A"), pathlib.PureWindowsPath("a"))
    assert not judge_same(pathlib.PosixPath("a"), pathlib.PurePosixPath("a"))
    assert not judge_same(json, pickle)
    assert not judge_same(range(0), range(5, 5)) and judge_same(range(1, 4), range(1, 4))


def test_modules_by_name_as_imported() -> None:
    assert wire.encode(expat) == {"module": "xml.parsers.expat"}  # not ``pyexpat``, which it wraps
    assert wire.decode({"module": "xml.parsers.expat"}) is expat
    assert wire.decode({"module": "pyexpat"}) is sys.modules["pyexpat"]
    with pytest.raises(wire.Unencodable):
        wire.encode(pytest)  # a third-party module: the sandbox has none


def test_enum_and_namedtuple_by_class_name() -> None:
    encoded = wire.encode([Colour.BLUE, Pair(1, (2, "z"))])
    assert encoded == [{"enum": ["Colour", "BLUE"]}, {"namedtuple": ["Pair", [1, {"tuple": [2, "z"]}]]}]
    host = wire.decode(encoded)  # no classes on the host: compared by name and value
    assert host == [wire.EnumMember("Colour", "BLUE"), wire.NamedTupleValue("Pair", (1, (2, "z")))]
    assert wire.encode(host) == encoded
    sandbox = wire.decode(encoded, {"Colour": Colour, "Pair": Pair})
    assert sandbox[0] is Colour.BLUE and type(sandbox[1]) is Pair and sandbox[1] == (1, (2, "z"))
    with pytest.raises(ValueError):
        wire.decode({"enum": ["Colour", "GREEN"]}, {"Colour": Colour})
    with pytest.raises(ValueError):
        wire.decode({"enum": ["Nope", "RED"]}, {"Colour": Colour})


@pytest.mark.parametrize("data", [
    {"datetime": [2020, 13, 1, 0, 0, 0, 0, 0, None]}, {"date": [2020, 1]}, {"date": ["2020", 1, 1]},
    {"timedelta": [1, 2, 3.5]}, {"Decimal": "1,5"}, {"Fraction": [1, 0]}, {"range": [0, 1, 0]},
    {"Pattern": ["(", 0]}, {"builtin": "open.x"}, {"builtin": "__import__x"}, {"builtin": "os"},
    {"timezone": [{"timedelta": [1, 0, 0]}, None]}, {"bytearray": "zz"}, {"enum": ["A"]},
    {"namedtuple": ["P", 1]}, {"datetime": [2020, 1, 1, 0, 0, 0, 0, 0, {"tuple": []}]},
    # modules: only the standard library's, never one whose import does something, never by a path
    {"module": "pytest"}, {"module": "antigravity"}, {"module": "this"}, {"module": "os/../x"}, {"module": 1},
    {"builtin": "antigravity:geohash"}, {"Path": ["WindowsPath", "C:/x"]}, {"Path": ["PosixPath", 1]},
    {"Path": ["str", "x"]},
], ids=repr)
def test_decode_refuses_malformed_standard_library_forms(data: object) -> None:
    with pytest.raises(ValueError):
        wire.decode(data)


class Point:
    def __init__(self, x: object, y: object) -> None:
        self.x, self.y = x, y


class Slotted:
    __slots__ = ("__secret", "a")


class Listy(list):
    pass


Point.__module__ = Slotted.__module__ = Listy.__module__ = wire.CANDIDATE_MODULE


def test_objects_of_the_problems_classes_by_their_attributes() -> None:
    slotted = Slotted()
    slotted.a = Point(1, (2,))
    encoded = wire.encode(slotted)
    assert encoded == {"object": ["Slotted", {"dict": [["a", {"object": ["Point", {"dict": [["x", 1], ["y", {
        "tuple": [2]}]]}]}]]}]}  # an unset slot is no attribute
    host = wire.decode(encoded)
    assert host == wire.ObjectValue("Slotted", {"a": wire.ObjectValue("Point", {"x": 1, "y": (2,)})})
    assert wire.encode(host) == encoded
    rebuilt = wire.decode(encoded, {"Slotted": Slotted, "Point": Point})
    assert type(rebuilt) is Slotted and type(rebuilt.a) is Point and rebuilt.a.y == (2,)
    with pytest.raises(wire.Unencodable):
        wire.encode(Listy([1]))  # its items are not attributes
    with pytest.raises(ValueError):
        wire.decode({"object": ["Point", {"dict": [[1, 2]]}]})


def test_objects_as_set_members_and_dict_keys_decode_on_the_host() -> None:
    # packaging's parse_tag returns a frozenset of Tag objects: the host has no Tag class to hash.
    encoded = wire.encode(frozenset({Point(1, [2]), Point(3, [4])}))
    host = wire.decode(encoded)
    assert host == frozenset({wire.ObjectValue("Point", {"x": 1, "y": [2]}),
                              wire.ObjectValue("Point", {"x": 3, "y": [4]})})
    assert wire.dumps(host) == wire.dumps(wire.decode(wire.encode(frozenset({Point(3, [4]), Point(1, [2])}))))
    assert wire.decode({"dict": [[{"object": ["Point", {"dict": [["x", 1]]}]}, "v"]]}) == {
        wire.ObjectValue("Point", {"x": 1}): "v"}
    assert wire.ObjectValue("Point", {"x": 1}) != wire.ObjectValue("Point", {"x": 2})


def test_builtin_types_standard_library_functions_and_the_problems_classes() -> None:
    import operator
    import textwrap

    for value in (int, KeyError, operator.add, math.floor, textwrap.dedent):
        assert wire.decode(wire.encode(value)) is value
    assert wire.encode(operator.add) == {"builtin": "_operator:add"}
    assert wire.encode(Point) == {"class": "Point"}
    assert wire.decode({"class": "Point"}) == wire.ClassRef("Point")
    assert wire.decode({"class": "Point"}, {"Point": Point}) is Point
    for name in ("nosuchmodule:x", "math:nosuch", "json:loads.__globals__", "sftmine:x", "math:pi"):
        with pytest.raises(ValueError):
            wire.decode({"builtin": name})
