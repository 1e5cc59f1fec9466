"""Exact, strict-JSON encoding of built-in Python values.

Used on both sides of the sandbox boundary, so it imports only the standard library. Plain JSON
loses types (tuple vs list, nan, bytes, non-str dict keys); this encoding keeps them:

* ``None``, ``bool``, ``int``, ``str`` and finite ``float`` are JSON scalars (``1.0`` stays a float);
* ``list`` is a JSON array;
* everything else is a one-key object: ``{"tuple": [...]}``, ``{"set": [...]}``,
  ``{"frozenset": [...]}``, ``{"dict": [[k, v], ...]}``, ``{"bytes": "<hex>"}``,
  ``{"float": "nan" | "inf" | "-inf"}``, ``{"complex": [re, im]}``, and the ``collections``
  containers ``{"Counter" | "OrderedDict" | "defaultdict": [[k, v], ...]}``, ``{"deque": [...]}``
  (a defaultdict's factory is not kept: fine for comparing a result, and the tracer records no such
  defaultdict where the sandbox would rebuild it, in an argument or an object's state);
* the standard library's exact values: ``{"datetime": [y, m, d, H, M, S, us, fold, tz]}``,
  ``{"date": [y, m, d]}``, ``{"time": [H, M, S, us, fold, tz]}``, ``{"timedelta": [days, s, us]}``,
  ``{"timezone": [timedelta, name | null]}`` (``tz`` is one of these or null), ``{"Decimal": str}``,
  ``{"Fraction": [n, d]}``, ``{"bytearray": "<hex>"}``, ``{"range": [start, stop, step]}``,
  ``{"Pattern": [pattern, flags]}``, ``{"Path": [class, text]}`` (``PurePosixPath``, ``PureWindowsPath``,
  ``PosixPath``), builtin functions and types by name, ``{"builtin": "len" | "int" | "str.upper"}``,
  functions of standard-library modules, ``{"builtin": "math:floor"}``, and those modules themselves,
  ``{"module": "json"}`` (what ``expat=expat`` or a ``serializer=json`` parameter holds);
* classes the problem defines, and members of enums, namedtuples and other objects of them, by
  the class's name: ``{"class": name}``, ``{"enum": [class, member]}``, ``{"namedtuple": [class,
  [values]]}`` and ``{"object": [class, {"dict": attributes}]}``. Without the classes (on the
  host) they decode to ``ClassRef`` / ``EnumMember`` / ``NamedTupleValue`` / ``ObjectValue``,
  compared by name and value;
  ``decode(data, namespace)`` in the sandbox rebuilds the real objects (an object without calling
  its constructor).

Only exact built-in types are encodable: an ``int`` subclass or an object with a clever ``__eq__``
is refused, which is what makes host-side judging safe.
"""

from __future__ import annotations

import builtins
import collections
import datetime
import decimal
import fractions
import importlib
import json
import math
import pathlib
import re
import sys
import types

from sandbox.wire_objects import ClassRef, EnumMember, NamedTupleValue, ObjectValue, build_object, plain_class, state_of

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
CANDIDATE_MODULE = "__candidate__"  # the module name candidates' code runs under in the sandbox
STDLIB = frozenset(sys.stdlib_module_names)
# Standard-library modules whose import does something (opens a browser, prints, starts a GUI): never
# imported for a value, on the host or in the sandbox.
NOT_IMPORTED = frozenset({"antigravity", "this", "__hello__", "__phello__", "idlelib", "turtledemo", "tkinter",
                          "turtle"})
_PATHS = {kind.__name__: kind for kind in (pathlib.PurePosixPath, pathlib.PureWindowsPath, pathlib.PosixPath)}
# The problem's own classes as values live in ``wire_objects``; their names are part of this module's API.
__all__ = ["ClassRef", "EnumMember", "NamedTupleValue", "ObjectValue", "Unencodable", "build_object", "decode",
           "dumps", "encode", "has_named", "loads", "loads_json", "plain_class", "state_of"]


def _builtin_name(value: object) -> str | None:
    """``len``, ``int`` or ``str.upper`` for a builtin function, type or a builtin type's method;
    ``math:floor`` for a function of a standard-library module; else None."""
    kind = type(value)
    if kind is type and getattr(builtins, value.__name__, None) is value:
        return value.__name__
    if kind is types.BuiltinFunctionType and getattr(value, "__self__", None) is builtins:
        name = value.__name__
        return name if getattr(builtins, name, None) is value else None
    if kind in (types.BuiltinFunctionType, types.FunctionType):
        module = getattr(value, "__module__", None) or ""
        name = getattr(value, "__name__", "")
        if module.split(".")[0] in STDLIB and getattr(sys.modules.get(module), name, None) is value:
            return f"{module}:{name}"
        return None
    if kind in (types.MethodDescriptorType, types.ClassMethodDescriptorType, types.WrapperDescriptorType):
        owner = value.__objclass__
        if getattr(builtins, owner.__name__, None) is owner and getattr(owner, value.__name__, None) is value:
            return f"{owner.__name__}.{value.__name__}"
    return None


def _module_name(value: types.ModuleType) -> str | None:
    """``json`` or ``xml.parsers.expat`` for a standard-library module as imported; else None."""
    name = getattr(value, "__name__", None)
    if type(name) is str and name.split(".")[0] in STDLIB and sys.modules.get(name) is value:
        return name
    return None


def _stdlib_module(name: str, what: str) -> types.ModuleType:
    """Import a standard-library module named by a value; ValueError for any other name."""
    top = name.split(".")[0]
    if top not in STDLIB or top in NOT_IMPORTED or not all(part.isidentifier() for part in name.split(".")):
        raise ValueError(f"{what}: {name!r:.80} is not a standard-library module")
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ValueError(f"{what}: no module {name!r:.80}") from None


def _candidate_class(kind: type) -> bool:
    """A class the candidate's code (the problem's prompt) defines at its top level."""
    return kind.__module__ == CANDIDATE_MODULE and "." not in kind.__qualname__


def _timezone(value: object, depth: int) -> object:
    if value is None:
        return None
    if type(value) is not datetime.timezone:
        raise Unencodable(f"tzinfo of type {type(value).__qualname__} has no exact encoding")
    offset = value.utcoffset(None)
    name = value.tzname(None)
    default = datetime.timezone(offset).tzname(None)
    return {"timezone": [encode(offset, depth), None if name == default else name]}


def _encode_stdlib(value: object, kind: type, depth: int) -> object:
    """The standard library's exact values, or raise Unencodable."""
    if kind is datetime.datetime:
        v = value
        return {"datetime": [v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond, v.fold,
                             _timezone(v.tzinfo, depth)]}
    if kind is datetime.date:
        return {"date": [value.year, value.month, value.day]}
    if kind is datetime.time:
        v = value
        return {"time": [v.hour, v.minute, v.second, v.microsecond, v.fold, _timezone(v.tzinfo, depth)]}
    if kind is datetime.timedelta:
        return {"timedelta": [value.days, value.seconds, value.microseconds]}
    if kind is datetime.timezone:
        return _timezone(value, depth)
    if kind is decimal.Decimal:
        return {"Decimal": str(value)}
    if kind is fractions.Fraction:
        return {"Fraction": [value.numerator, value.denominator]}
    if kind is bytearray:
        return {"bytearray": value.hex()}
    if kind is range:
        return {"range": [value.start, value.stop, value.step]}
    if kind is re.Pattern:
        return {"Pattern": [encode(value.pattern, depth), value.flags]}
    if kind in _PATHS.values():
        return {"Path": [kind.__name__, str(value)]}
    name = _builtin_name(value)
    if name is not None:
        return {"builtin": name}
    if kind is types.ModuleType and (module := _module_name(value)) is not None:
        return {"module": module}
    if isinstance(value, type) and _candidate_class(value):
        return {"class": value.__qualname__}
    if kind is ClassRef:
        return {"class": value.cls}
    if _candidate_class(kind):
        import enum

        if isinstance(value, enum.Enum):
            return {"enum": [kind.__qualname__, value._name_]}
        if kind.__bases__ == (tuple,) and hasattr(kind, "_fields"):
            return {"namedtuple": [kind.__qualname__, [encode(item, depth) for item in tuple.__iter__(value)]]}
        if plain_class(kind):
            return {"object": [kind.__qualname__, encode(state_of(value), depth)]}
    if kind is EnumMember:
        return {"enum": [value.cls, value.name]}
    if kind is NamedTupleValue:
        return {"namedtuple": [value.cls, [encode(item, depth) for item in value.values]]}
    if kind is ObjectValue:
        return {"object": [value.cls, encode(value.state, depth)]}
    raise Unencodable(f"values of type {kind.__module__}.{kind.__qualname__} have no exact encoding")


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
    if kind is collections.deque and value.maxlen is None:  # a bounded deque's maxlen has no encoding
        return {"deque": [encode(item, depth) for item in value]}
    if kind is set or kind is frozenset:
        items = [encode(item, depth) for item in value]
        items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return {kind.__name__: items}
    if kind is bytes:
        return {"bytes": value.hex()}
    if kind is complex:
        return {"complex": [_float(value.real), _float(value.imag)]}
    return _encode_stdlib(value, kind, depth)


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


def decode(data: object, namespace: dict | None = None) -> object:
    """Rebuild the value from its tagged form; raise ValueError on anything malformed.

    ``namespace`` (the candidate's globals, in the sandbox) turns ``enum`` and ``namedtuple``
    values into its classes' objects; without it they stay ``EnumMember`` / ``NamedTupleValue``.
    """
    try:
        return _decode(data, 0, namespace)
    except TypeError as exc:  # an unhashable set member or dict key
        raise ValueError(f"malformed value: {exc}") from None


def _ints(body: object, low: int, high: int, tag: str) -> list:
    if type(body) is not list or not low <= len(body) <= high:
        raise ValueError(f"malformed {tag} value: {body!r:.80}")
    return body


def _decode_timezone(body: object, depth: int) -> datetime.timezone | None:
    if body is None:
        return None
    if type(body) is not dict or set(body) != {"timezone"}:
        raise ValueError(f"not an encoded timezone: {body!r:.80}")
    offset, name = _ints(body["timezone"], 2, 2, "timezone")
    delta = _decode(offset, depth, None)
    if type(delta) is not datetime.timedelta or (name is not None and type(name) is not str):
        raise ValueError(f"malformed timezone value: {body!r:.80}")
    return datetime.timezone(delta) if name is None else datetime.timezone(delta, name)


def _decode_builtin(name: object) -> object:
    if type(name) is not str:
        raise ValueError(f"malformed builtin value: {name!r:.80}")
    module, colon, function = name.partition(":")
    if colon:
        if not function.isidentifier():
            raise ValueError(f"{name!r} is not a standard-library function")
        value = getattr(_stdlib_module(module, "builtin value"), function, None)
        if value is None or _builtin_name(value) != name:
            raise ValueError(f"{name!r} is not a standard-library function")
        return value
    head, _, attr = name.partition(".")
    value = getattr(builtins, head, None)
    if attr:
        value = getattr(value, attr, None) if isinstance(value, type) else None
    if value is None or _builtin_name(value) != name:
        raise ValueError(f"{name!r} is not a builtin function")
    return value


def _named_class(namespace: dict, name: object, tag: str) -> type:
    kind = namespace.get(name) if type(name) is str else None
    if not isinstance(kind, type):
        raise ValueError(f"{tag} value of unknown class {name!r:.80}")
    return kind


def _decode_named(tag: str, body: list, depth: int, namespace: dict | None) -> object:
    """``enum`` and ``namedtuple`` values: by name on the host, the real objects in the sandbox."""
    if len(body) != 2 or type(body[0]) is not str:
        raise ValueError(f"malformed {tag} value: {body!r:.80}")
    name, payload = body
    if tag == "enum":
        if type(payload) is not str:
            raise ValueError(f"malformed enum value: {body!r:.80}")
        if namespace is None:
            return EnumMember(name, payload)
        try:
            return _named_class(namespace, name, tag)[payload]
        except (KeyError, TypeError):
            raise ValueError(f"{name} has no member {payload!r:.80}") from None
    if tag == "object":
        state = _decode(payload, depth, namespace)
        if type(state) is not dict or not all(type(key) is str for key in state):
            raise ValueError(f"malformed object value: {body!r:.80}")
        if namespace is None:
            return ObjectValue(name, state)
        return build_object(_named_class(namespace, name, tag), state)
    if type(payload) is not list:
        raise ValueError(f"malformed namedtuple value: {body!r:.80}")
    values = tuple(_decode(item, depth, namespace) for item in payload)
    if namespace is None:
        return NamedTupleValue(name, values)
    return _named_class(namespace, name, tag)(*values)


def _decode_stdlib(tag: str, body: object, depth: int, namespace: dict | None) -> object:
    """The standard library's values and the problem's own enums and namedtuples."""
    if tag in ("bytearray", "Decimal") and type(body) is str:
        if tag == "bytearray":
            return bytearray.fromhex(body)
        try:
            return decimal.Decimal(body)
        except decimal.InvalidOperation:
            raise ValueError(f"malformed Decimal value: {body!r:.80}") from None
    if tag == "builtin":
        return _decode_builtin(body)
    if tag == "module" and type(body) is str:
        module = _stdlib_module(body, "module value")
        if _module_name(module) != body:
            raise ValueError(f"module value: {body!r:.80} is not a module as imported")
        return module
    if tag == "Path" and type(body) is list and len(body) == 2 and body[0] in _PATHS and type(body[1]) is str:
        return _PATHS[body[0]](body[1])
    if tag == "class" and type(body) is str:
        return ClassRef(body) if namespace is None else _named_class(namespace, body, tag)
    if tag in ("enum", "namedtuple", "object") and type(body) is list:
        return _decode_named(tag, body, depth, namespace)
    if tag == "datetime":
        *fields, fold, tz = _ints(body, 9, 9, tag)
        return datetime.datetime(*fields, fold=fold, tzinfo=_decode_timezone(tz, depth))
    if tag == "time":
        *fields, fold, tz = _ints(body, 6, 6, tag)
        return datetime.time(*fields, fold=fold, tzinfo=_decode_timezone(tz, depth))
    if tag == "timezone":
        return _decode_timezone({tag: body}, depth)
    if tag == "Pattern":
        pattern, flags = _ints(body, 2, 2, tag)
        try:
            return re.compile(_decode(pattern, depth, None), flags)
        except (re.error, TypeError) as exc:
            raise ValueError(f"malformed Pattern value: {exc}") from None
    simple = {"date": (datetime.date, 3), "timedelta": (datetime.timedelta, 3), "Fraction": (fractions.Fraction, 2),
              "range": (range, 3)}
    if tag in simple:
        kind, size = simple[tag]
        values = _ints(body, size, size, tag)
        if not all(type(v) is int for v in values):
            raise ValueError(f"malformed {tag} value: {body!r:.80}")
        try:
            return kind(*values)
        except (ValueError, OverflowError, ZeroDivisionError) as exc:
            raise ValueError(f"malformed {tag} value: {exc}") from None
    raise ValueError(f"unknown value tag {tag!r}")


def _decode(data: object, _depth: int, namespace: dict | None) -> object:
    if _depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH}")
    kind = type(data)
    if data is None or kind in (bool, int, str, float):
        return data
    depth = _depth + 1
    if kind is list:
        return [_decode(item, depth, namespace) for item in data]
    if kind is not dict or len(data) != 1:
        raise ValueError(f"not an encoded value: {data!r:.80}")
    ((tag, body),) = data.items()
    if tag == "float":
        return _decode_float(data)
    if tag == "complex" and type(body) is list and len(body) == 2:
        return complex(_decode_float(body[0]), _decode_float(body[1]))
    if tag == "bytes" and type(body) is str:
        return bytes.fromhex(body)
    if tag not in _CONTAINER_TAGS:
        return _decode_stdlib(tag, body, depth, namespace)
    if type(body) is not list:
        raise ValueError(f"malformed {tag!r} value: {body!r:.80}")
    if tag == "tuple":
        return tuple(_decode(item, depth, namespace) for item in body)
    if tag == "set":
        return {_decode(item, depth, namespace) for item in body}
    if tag == "frozenset":
        return frozenset(_decode(item, depth, namespace) for item in body)
    if tag == "deque":
        return collections.deque(_decode(item, depth, namespace) for item in body)
    if not all(type(pair) is list and len(pair) == 2 for pair in body):
        raise ValueError(f"malformed {tag} value: items must be [key, value] pairs")
    items = [(_decode(k, depth, namespace), _decode(v, depth, namespace)) for k, v in body]
    if tag == "defaultdict":
        return collections.defaultdict(None, items)
    return _MAPPING_TAGS[tag](dict(items))  # Counter(pairs) would count the pairs


_CONTAINER_TAGS = frozenset({"tuple", "set", "frozenset", "deque", *_MAPPING_TAGS})


def has_named(data: object) -> bool:
    """Whether an encoded value holds an ``enum`` or ``namedtuple`` (it needs the problem's classes)."""
    text = json.dumps(data)
    return any(f'"{tag}"' in text for tag in ("enum", "namedtuple", "object", "class"))


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
