"""The exact tagged-JSON codec of ``sandbox.wire``: round trips keep types, foreign values are refused.

Pure unit tests: no sandbox. Round trips are checked with a strict, type-aware comparison (``==``
would let ``1 == 1.0 == True``, ``(1,) != [1]`` mistakes and ``nan != nan`` through or trip on them).
"""

from __future__ import annotations

import collections
import datetime
import json
import math
import random

import pytest

from sandbox import wire


def same(a: object, b: object) -> bool:
    """Equal values of exactly the same types, recursively; nan equals nan and -0.0 differs from 0.0."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return repr(a) == repr(b)
    if type(a) is complex:
        return same(a.real, b.real) and same(a.imag, b.imag)
    if type(a) in (list, tuple, collections.deque):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) in (set, frozenset):
        rest = list(b)
        for item in a:
            match = next((i for i, other in enumerate(rest) if same(item, other)), None)
            if match is None:
                return False
            rest.pop(match)
        return not rest
    if type(a) in (dict, collections.Counter, collections.OrderedDict, collections.defaultdict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    return a == b


def round_trip(value: object) -> object:
    return wire.loads(wire.dumps(value))


def _refuse(name: str) -> object:
    raise ValueError(f"non-standard constant {name}")


def strict_json(text: str) -> object:
    return json.loads(text, parse_constant=_refuse)


def test_same_helper_is_strict() -> None:
    # The comparison used below must itself tell these apart, or the round-trip tests prove nothing.
    assert not same(1, 1.0) and not same(1, True) and not same((1,), [1])
    assert not same(0.0, -0.0) and same(math.nan, math.nan)
    assert not same({1: 2}, collections.OrderedDict({1: 2}))
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not same({1, 2}, {1, 3}) and same({1, (2, 3)}, {(2, 3), 1})


SCALARS = [
    None, True, False, 0, 1, -1, 2**63, -(2**63) - 1, 2**200, -(3**150), 10**4000,
    0.0, -0.0, 1.0, -2.5, 1e300, 5e-324, math.pi, math.nan, math.inf, -math.inf,
    "", "plain", "üñí\u2028\x00\"\\", b"", b"\x00\xff\x10", 1j, complex(1.5, -2), complex(-0.0, 0.0),
    complex(math.nan, math.inf), complex(-math.inf, -0.0),
]


@pytest.mark.parametrize("value", SCALARS, ids=repr)
def test_scalar_round_trips(value: object) -> None:
    assert same(round_trip(value), value)


CONTAINERS = [
    [], (), set(), frozenset(), {}, [1, [2, [3, []]]], (1,), ((),), [(1, 2), [1, 2]],
    ([1], (2,), {3}), {1, 2, 3}, {(1, 2), (2, 1), "a", None, 1.5}, frozenset({frozenset({1}), frozenset()}),
    {frozenset({1, 2}), (1, frozenset())},
    {"a": 1, "b": [1, 2]}, {1: "one", 2.5: "x", None: 0, (1, 2): [3], frozenset({1}): {}, b"k": True},
    {True: 1, 0: 2}, {"z": 1, "a": 2, "m": 3}, {1: {2: {3: (4, {5})}}},
    collections.Counter("abracadabra"), collections.Counter({"neg": -2, "zero": 0}),
    collections.OrderedDict([("b", 1), ("a", 2), ("c", 3)]), collections.OrderedDict([((1,), 0)]),
    collections.deque([1, (2, 3), [4]]), collections.deque(),
    [math.nan, {"k": (math.inf, -0.0)}, {complex(1, 2)}], {math.nan}, (b"x", [b"y"], {b"z": b""}),
]


@pytest.mark.parametrize("value", CONTAINERS, ids=repr)
def test_container_round_trips(value: object) -> None:
    assert same(round_trip(value), value)


def test_defaultdict_round_trips_without_its_factory() -> None:
    value = collections.defaultdict(list, {"a": [1], 2: (3,)})
    back = round_trip(value)
    assert type(back) is collections.defaultdict
    assert back.default_factory is None
    assert same(back, value)
    with pytest.raises(KeyError):
        back["missing"]


@pytest.mark.parametrize("value", [1.0, -0.0, 0.0, 1e16, 3.0])
def test_integral_floats_stay_float(value: float) -> None:
    back = round_trip(value)
    assert type(back) is float and repr(back) == repr(value)
    assert type(round_trip([value])[0]) is float
    assert type(round_trip({value: value})) is dict


@pytest.mark.parametrize("value", [True, False])
def test_bools_stay_bool(value: bool) -> None:
    assert type(round_trip(value)) is bool and round_trip(value) is value
    assert type(round_trip((value, 1))[0]) is bool
    assert type(round_trip((value, 1))[1]) is int


def test_tuple_and_list_stay_distinct() -> None:
    back = round_trip([(1, [2]), [(3,)]])
    assert type(back[0]) is tuple and type(back[0][1]) is list
    assert type(back[1]) is list and type(back[1][0]) is tuple


def test_set_and_frozenset_stay_distinct() -> None:
    back = round_trip([{1}, frozenset({1})])
    assert type(back[0]) is set and type(back[1]) is frozenset


def test_dict_with_non_str_keys_keeps_key_types() -> None:
    back = round_trip({1: "a", "1": "b", (1,): "c", 1.5: "d"})
    assert [type(k) for k in back] == [int, str, tuple, float]


def test_tagged_forms() -> None:
    assert wire.encode((1, [2])) == {"tuple": [1, [2]]}
    assert wire.encode({"a": 1}) == {"dict": [["a", 1]]}
    assert wire.encode(b"\x01\xab") == {"bytes": "01ab"}
    assert wire.encode(math.nan) == {"float": "nan"}
    assert wire.encode(-math.inf) == {"float": "-inf"}
    assert wire.encode(complex(1, math.inf)) == {"complex": [1.0, {"float": "inf"}]}
    assert wire.encode(collections.deque([1])) == {"deque": [1]}
    assert wire.encode(collections.Counter({"a": 2})) == {"Counter": [["a", 2]]}
    assert wire.encode(frozenset({5})) == {"frozenset": [5]}


def test_set_encoding_does_not_depend_on_insertion_order() -> None:
    words = [f"w{i}" for i in range(200)]
    forward, backward = set(), set()
    for word in words:
        forward.add(word)
    for word in reversed(words):
        backward.add(word)
    assert wire.dumps(forward) == wire.dumps(backward)
    assert wire.dumps(frozenset(words)) == wire.dumps(frozenset(reversed(words)))


def test_dumps_is_compact_strict_json() -> None:
    assert wire.dumps([1, (2,)]) == '[1,{"tuple":[2]}]'
    value = [math.nan, math.inf, -math.inf, {math.nan: complex(math.nan, -math.inf)}, collections.deque([math.inf])]
    text = wire.dumps(value)
    assert "NaN" not in text and "Infinity" not in text
    strict_json(text)  # raises if any non-standard constant slipped through
    with pytest.raises(ValueError):
        strict_json(json.dumps([math.nan]))  # the check above can fail


# --- refusals -------------------------------------------------------------------------------------


class MyInt(int):
    pass


class MyStr(str):
    pass


class MyDict(dict):
    pass


class MyList(list):
    pass


class AlwaysEqual:
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


def _function() -> None:
    pass


class MyDate(datetime.date):
    pass


class OtherZone(datetime.tzinfo):
    def utcoffset(self, dt: object) -> datetime.timedelta:
        return datetime.timedelta(hours=1)


REFUSED = [
    MyInt(3), MyStr("x"), MyDict(a=1), MyList([1]), AlwaysEqual(), _function, lambda: 0, object(), MyInt,
    [].append, "x".upper, dict.fromkeys, MyDate(2020, 1, 1), datetime.datetime(2020, 1, 1, tzinfo=OtherZone()),
    iter([1]), memoryview(b"x"), Ellipsis, NotImplemented,
    [1, [2, MyInt(3)]], {"k": AlwaysEqual()}, {AlwaysEqual(): 1}, (1, _function), {MyStr("a")},
    collections.deque([object()]), collections.Counter({MyStr("a"): 1}),
    collections.deque([1, 2], maxlen=3),  # would come back unbounded
]


@pytest.mark.parametrize("value", REFUSED, ids=lambda v: type(v).__name__)
def test_foreign_types_are_refused(value: object) -> None:
    with pytest.raises(wire.Unencodable):
        wire.encode(value)
    with pytest.raises(wire.Unencodable):
        wire.dumps(value)


def _nest(levels: int) -> object:
    value: object = 0
    for _ in range(levels):
        value = [value]
    return value


def test_nesting_up_to_max_depth_round_trips() -> None:
    value = _nest(wire.MAX_DEPTH)
    assert same(round_trip(value), value)


def test_too_deep_nesting_is_refused() -> None:
    with pytest.raises(wire.Unencodable):
        wire.encode(_nest(wire.MAX_DEPTH + 1))
    with pytest.raises(wire.Unencodable):
        wire.encode({"a": (_nest(wire.MAX_DEPTH),)})
    with pytest.raises(ValueError):
        wire.decode(_nest(wire.MAX_DEPTH + 1))


def test_cycles_are_refused() -> None:
    loop: list = []
    loop.append(loop)
    with pytest.raises(wire.Unencodable):
        wire.encode(loop)
    mapping: dict = {}
    mapping["self"] = mapping
    with pytest.raises(wire.Unencodable):
        wire.dumps(mapping)
    chain: collections.deque = collections.deque()
    chain.append([chain])
    with pytest.raises(wire.Unencodable):
        wire.dumps(chain)


# --- malformed input to decode / loads ------------------------------------------------------------

MALFORMED = [
    {},
    {"tuple": [1], "list": [2]},
    {"frob": [1]},
    {"Tuple": [1]},
    {"tuple": "ab"},
    {"set": {"a": 1}},
    {"deque": 3},
    {"dict": [[1]]},
    {"dict": [1, 2]},
    {"dict": [[1, 2, 3]]},
    {"dict": [{"tuple": [1, 2]}]},
    {"Counter": [["a"]]},
    {"dict": "ab"},
    {"float": "NaN"},
    {"float": "Infinity"},
    {"float": 1.5},
    {"complex": [1]},
    {"complex": [1, 2, 3]},
    {"complex": ["a", 1]},
    {"complex": [1, {"float": "nan!"}]},
    {"bytes": 5},
    {"bytes": "zz"},
    {"bytes": "abc"},
    [1, {"bogus": 1}],
    {"tuple": [{"bogus": 1}]},
    {"dict": [[1, {"bogus": 1}]]},
]


@pytest.mark.parametrize("data", MALFORMED, ids=repr)
def test_decode_refuses_malformed_forms(data: object) -> None:
    with pytest.raises(ValueError):
        wire.decode(data)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "[1, NaN]", '{"float": NaN}', "{", "", "[1,]"])
def test_loads_refuses_non_standard_json(text: str) -> None:
    with pytest.raises(ValueError):
        wire.loads(text)


def test_loads_accepts_bytes() -> None:
    assert same(wire.loads(b'{"tuple":[1,2.0]}'), (1, 2.0))


@pytest.mark.parametrize("data", [
    {"set": [[1]]},
    {"frozenset": [{"dict": []}]},
    {"dict": [[[1], 2]]},
    {"Counter": [[{"set": []}, 1]]},
    {"float": []},
], ids=repr)
def test_decode_refuses_unhashable_members_with_value_error(data: object) -> None:
    with pytest.raises(ValueError):
        wire.decode(data)


@pytest.mark.parametrize("value", [10**5000, {10**5000}], ids=["int", "set"])
def test_huge_int_round_trips_or_is_refused_as_unencodable(value: object) -> None:
    try:
        text = wire.dumps(value)
    except wire.Unencodable:
        return
    assert same(wire.loads(text), value)


# --- a seeded random round-trip property (hypothesis is not installed) ----------------------------


def _random_scalar(rng: random.Random) -> object:
    choice = rng.randrange(9)
    if choice == 0:
        return None
    if choice == 1:
        return rng.random() < 0.5
    if choice == 2:
        return rng.randint(-(2**100), 2**100)
    if choice == 3:
        return rng.choice([0.0, -0.0, 1.0, math.nan, math.inf, -math.inf, rng.uniform(-1e9, 1e9)])
    if choice == 4:
        return "".join(chr(rng.randrange(0x2FFF)) for _ in range(rng.randrange(6)))
    if choice == 5:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(5)))
    if choice == 6:
        return complex(rng.uniform(-5, 5), rng.choice([0.0, -0.0, math.inf, 2.5]))
    if choice == 7:
        return rng.randint(-3, 3)
    return rng.choice(["", "a", "b"])


def _random_hashable(rng: random.Random, depth: int) -> object:
    if depth <= 0 or rng.random() < 0.6:
        return _random_scalar(rng)
    items = [_random_hashable(rng, depth - 1) for _ in range(rng.randrange(4))]
    return tuple(items) if rng.random() < 0.5 else frozenset(items)


def _random_value(rng: random.Random, depth: int) -> object:
    if depth <= 0 or rng.random() < 0.3:
        return _random_scalar(rng)
    kind = rng.randrange(9)
    items = [_random_value(rng, depth - 1) for _ in range(rng.randrange(5))]
    if kind == 0:
        return items
    if kind == 1:
        return tuple(items)
    if kind == 2:
        return collections.deque(items)
    if kind in (3, 4):
        members = [_random_hashable(rng, depth - 1) for _ in range(rng.randrange(5))]
        return set(members) if kind == 3 else frozenset(members)
    pairs = [(_random_hashable(rng, depth - 1), _random_value(rng, depth - 1)) for _ in range(rng.randrange(5))]
    if kind == 5:
        return dict(pairs)
    if kind == 6:
        return collections.Counter({key: rng.randint(-5, 5) for key, _ in pairs})
    if kind == 7:
        return collections.OrderedDict(pairs)
    return collections.defaultdict(None, pairs)


@pytest.mark.parametrize("seed", range(40))
def test_random_nested_values_round_trip(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        value = _random_value(rng, 5)
        text = wire.dumps(value)
        strict_json(text)
        assert same(wire.loads(text), value), text
        assert wire.dumps(wire.loads(text)) == text


def test_the_tracer_records_no_bounded_deque_nor_a_rebuilt_defaultdict_factory() -> None:
    from tracer.values import snapshot

    assert snapshot(collections.deque([1, 2]), 4096) == {"v": {"deque": [1, 2]}}
    assert "v" not in snapshot(collections.deque([1, 2], maxlen=3), 4096)
    # A defaultdict's factory is lost too: a result may still be compared, an argument would be rebuilt without it.
    assert snapshot(collections.defaultdict(list, a=[1]), 4096) == {"v": {"defaultdict": [["a", [1]]]}}
    assert "v" not in snapshot(collections.defaultdict(list, a=[1]), 4096, rebuilt=True)
