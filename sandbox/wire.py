"""Exact, strict-JSON encoding of built-in Python values.

Used on both sides of the sandbox boundary, so it imports only the standard library. Plain JSON
loses types (tuple vs list, nan, bytes, non-str dict keys); this encoding keeps them:

* ``None``, ``bool``, ``int``, ``str`` and finite ``float`` are JSON scalars (``1.0`` stays a float);
* ``list`` is a JSON array;
* everything else is a one-key object: ``{"tuple": [...]}``, ``{"set": [...]}``,
  ``{"frozenset": [...]}``, ``{"dict": [[k, v], ...]}``, ``{"bytes": "<hex>"}``,
  ``{"float": "nan" | "inf" | "-inf"}``, ``{"complex": [re, im]}``, and the ``collections``
  containers ``{"Counter" | "OrderedDict" | "defaultdict": [[k, v], ...]}``, ``{"deque": [...]}``
  (a defaultdict's factory is not kept).

Only exact built-in types are encodable: an ``int`` subclass or an object with a clever ``__eq__``
is refused, which is what makes host-side judging safe.
"""

from __future__ import annotations

import collections
import json
import math

MAX_DEPTH = 64
# Python refuses to turn longer ints into decimal text (sys.int_info.default_max_str_digits).
MAX_INT_BITS = 14_000


class Unencodable(ValueError):
    """A value that has no exact encoding (a foreign type, too deep, a cycle)."""


_MAPPINGS = {
    dict: dict,
    collections.Counter: collections.Counter,
    collections.OrderedDict: collections.OrderedDict,
    collections.defaultdict: collections.defaultdict,
}
_MAPPING_TAGS = {kind.__name__: kind for kind in _MAPPINGS}


def _float(value: float) -> object:
    if math.isfinite(value):
        return value
    return {"float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def encode(value: object, _depth: int = 0) -> object:
    """Turn a built-in value into its JSON-safe tagged form; raise Unencodable otherwise."""
    if _depth > MAX_DEPTH:
        raise Unencodable(f"nested deeper than {MAX_DEPTH}")
    kind = type(value)
    if kind is int and value.bit_length() > MAX_INT_BITS:
        raise Unencodable(f"int of {value.bit_length()} bits is too long for JSON")
    if value is None or kind is bool or kind is int or kind is str:
        return value
    if kind is float:
        return _float(value)
    depth = _depth + 1
    if kind is list:
        return [encode(item, depth) for item in value]
    if kind is tuple:
        return {"tuple": [encode(item, depth) for item in value]}
    if kind in _MAPPINGS:
        return {kind.__name__: [[encode(k, depth), encode(v, depth)] for k, v in value.items()]}
    if kind is collections.deque:
        return {"deque": [encode(item, depth) for item in value]}
    if kind is set or kind is frozenset:
        items = [encode(item, depth) for item in value]
        items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return {kind.__name__: items}
    if kind is bytes:
        return {"bytes": value.hex()}
    if kind is complex:
        return {"complex": [_float(value.real), _float(value.imag)]}
    raise Unencodable(f"values of type {kind.__module__}.{kind.__qualname__} have no exact encoding")


_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _decode_float(data: object) -> float:
    if type(data) is float:
        return data
    if type(data) is int:
        return float(data)
    if type(data) is dict and set(data) == {"float"} and type(data["float"]) is str \
            and data["float"] in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[data["float"]]
    raise ValueError(f"not an encoded float: {data!r:.80}")


def decode(data: object) -> object:
    """Rebuild the value from its tagged form; raise ValueError on anything malformed."""
    try:
        return _decode(data, 0)
    except TypeError as exc:  # an unhashable set member or dict key
        raise ValueError(f"malformed value: {exc}") from None


def _decode(data: object, _depth: int) -> object:
    if _depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH}")
    kind = type(data)
    if data is None or kind in (bool, int, str, float):
        return data
    depth = _depth + 1
    if kind is list:
        return [_decode(item, depth) for item in data]
    if kind is not dict or len(data) != 1:
        raise ValueError(f"not an encoded value: {data!r:.80}")
    ((tag, body),) = data.items()
    if tag == "float":
        return _decode_float(data)
    if tag == "complex" and type(body) is list and len(body) == 2:
        return complex(_decode_float(body[0]), _decode_float(body[1]))
    if tag == "bytes" and type(body) is str:
        return bytes.fromhex(body)
    if type(body) is not list:
        raise ValueError(f"malformed {tag!r} value: {body!r:.80}")
    if tag == "tuple":
        return tuple(_decode(item, depth) for item in body)
    if tag == "set":
        return {_decode(item, depth) for item in body}
    if tag == "frozenset":
        return frozenset(_decode(item, depth) for item in body)
    if tag == "deque":
        return collections.deque(_decode(item, depth) for item in body)
    if tag in _MAPPING_TAGS:
        if not all(type(pair) is list and len(pair) == 2 for pair in body):
            raise ValueError(f"malformed {tag} value: items must be [key, value] pairs")
        items = [(_decode(k, depth), _decode(v, depth)) for k, v in body]
        if tag == "defaultdict":
            return collections.defaultdict(None, items)
        return _MAPPING_TAGS[tag](dict(items))  # Counter(pairs) would count the pairs
    raise ValueError(f"unknown value tag {tag!r}")


def dumps(value: object) -> str:
    """Encode a value and serialise it as strict, compact JSON."""
    return json.dumps(encode(value), allow_nan=False, separators=(",", ":"))


def _refuse_constant(name: str) -> object:
    raise ValueError(f"non-standard JSON constant {name}")


def loads_json(text: str | bytes) -> object:
    """Parse strict JSON: NaN/Infinity literals are refused."""
    return json.loads(text, parse_constant=_refuse_constant)


def loads(text: str | bytes) -> object:
    """Parse strict JSON and decode the value it holds."""
    return decode(loads_json(text))
