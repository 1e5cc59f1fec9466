"""Snapshots of argument and return values, in the exact tagged form the host decodes.

The encoding is ``sandbox.wire``'s (scalars and lists as JSON, everything else as a one-key
object such as ``{"tuple": [...]}``), so the host rebuilds values exactly. A snapshot is taken
when the event happens, so later mutation does not change it. Values of other types, or larger
than the byte budget, are recorded by type name only with the reason.
"""

from __future__ import annotations

import collections
import math

MAX_DEPTH = 32
MAX_INT_BITS = 14_000

_MAPPINGS = (dict, collections.Counter, collections.OrderedDict, collections.defaultdict)


class Unserialisable(Exception):
    """A value with no exact encoding within the budget; ``args`` = (type name, reason)."""


class _Budget:
    __slots__ = ("left",)

    def __init__(self, size: int) -> None:
        self.left = size

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise Unserialisable("", "over the size cap")


def _type_name(value: object) -> str:
    kind = type(value)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _encode(value: object, budget: _Budget, depth: int) -> object:
    kind = type(value)
    if kind is str:
        budget.spend(len(value) + 2)
        return value
    if kind is int:
        if value.bit_length() > MAX_INT_BITS:
            raise Unserialisable("int", "too many digits")
        budget.spend(8)
        return value
    if value is None or kind is bool:
        budget.spend(4)
        return value
    if kind is float:
        budget.spend(8)
        if math.isfinite(value):
            return value
        return {"float": "nan" if value != value else ("inf" if value > 0 else "-inf")}
    if depth > MAX_DEPTH:
        raise Unserialisable(_type_name(value), "nested too deep")
    depth += 1
    budget.spend(2)
    if kind is list:
        return [_encode(item, budget, depth) for item in value]
    if kind is tuple:
        return {"tuple": [_encode(item, budget, depth) for item in value]}
    if kind in _MAPPINGS:
        return {kind.__name__: [[_encode(k, budget, depth), _encode(v, budget, depth)] for k, v in value.items()]}
    if kind is set or kind is frozenset:
        items = [_encode(item, budget, depth) for item in value]
        items.sort(key=repr)
        return {kind.__name__: items}
    if kind is bytes:
        budget.spend(2 * len(value))
        return {"bytes": value.hex()}
    if kind is collections.deque:
        return {"deque": [_encode(item, budget, depth) for item in value]}
    if kind is complex:
        return {"complex": [_encode(value.real, budget, depth), _encode(value.imag, budget, depth)]}
    raise Unserialisable(_type_name(value), "no exact encoding")


def snapshot(value: object, max_bytes: int) -> dict:
    """``{"v": encoded}`` or ``{"u": type name, "why": reason}``; never raises."""
    try:
        return {"v": _encode(value, _Budget(max_bytes), 0)}
    except Unserialisable as exc:
        name, why = exc.args
        return {"u": name or _safe_type_name(value), "why": why}
    except RecursionError:
        return {"u": _safe_type_name(value), "why": "nested too deep"}
    except Exception as exc:  # noqa: BLE001 - a hostile __len__ or a dict changed by another thread
        return {"u": _safe_type_name(value), "why": f"{type(exc).__name__} while encoding"}


def _safe_type_name(value: object) -> str:
    try:
        return _type_name(value)
    except Exception:  # noqa: BLE001
        return "?"


def plain_state(obj: object, max_bytes: int) -> dict | None:
    """The encoded ``vars(obj)`` if every attribute has an exact encoding, else None."""
    try:
        attributes = vars(obj)
    except TypeError:
        return None
    if type(attributes) is not dict:
        return None
    encoded = snapshot(dict(attributes), max_bytes)
    return encoded if "v" in encoded else None
