"""Snapshots of argument and return values, in the exact tagged form the host decodes.

The encoding is ``sandbox.wire``'s (scalars and lists as JSON, everything else as a one-key
object such as ``{"tuple": [...]}``), so the host rebuilds values exactly. A snapshot is taken
when the event happens, so later mutation does not change it. Values of other types, or larger
than the byte budget, are recorded by type name only with the reason.
"""

from __future__ import annotations

import builtins
import collections
import math
import sys
import types
from collections.abc import Callable

MAX_DEPTH = 32
MAX_INT_BITS = 14_000

_MAPPINGS = (dict, collections.Counter, collections.OrderedDict, collections.defaultdict)


class Unserialisable(Exception):
    """A value with no exact encoding within the budget; ``args`` = (type name, reason)."""


class _Budget:
    """Bytes left for one snapshot, and which classes are the project's (their objects encode by state)."""

    __slots__ = ("left", "project", "rebuilt")

    def __init__(self, size: int, project: Callable[[type], bool] | None = None, rebuilt: bool = False) -> None:
        self.left = size
        self.project = project
        self.rebuilt = rebuilt  # the sandbox will build the value again (an argument), not only compare it

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
    if kind is collections.defaultdict and value.default_factory is not None and budget.rebuilt:
        raise Unserialisable("collections.defaultdict", "its factory has no encoding")
    if kind in _MAPPINGS:
        return {kind.__name__: [[_encode(k, budget, depth), _encode(v, budget, depth)] for k, v in value.items()]}
    if kind is set or kind is frozenset:
        items = [_encode(item, budget, depth) for item in value]
        items.sort(key=repr)
        return {kind.__name__: items}
    if kind is bytes:
        budget.spend(2 * len(value))
        return {"bytes": value.hex()}
    if kind is collections.deque and value.maxlen is None:  # a bounded deque's maxlen has no encoding
        return {"deque": [_encode(item, budget, depth) for item in value]}
    if kind is complex:
        return {"complex": [_encode(value.real, budget, depth), _encode(value.imag, budget, depth)]}
    return _encode_other(value, kind, budget, depth)


_DATETIME_KINDS = ("datetime", "date", "time", "timedelta", "timezone")


def _timezone(value: object, budget: _Budget, depth: int) -> object:
    if value is None:
        return None
    kind = type(value)
    if kind.__module__ != "datetime" or kind.__qualname__ != "timezone":
        raise Unserialisable(_type_name(value), "tzinfo with no exact encoding")
    offset = value.utcoffset(None)
    name = value.tzname(None)
    default = kind(offset).tzname(None)
    return {"timezone": [_encode(offset, budget, depth), None if name == default else name]}


def _datetime(value: object, name: str, budget: _Budget, depth: int) -> object:
    """``datetime``'s values, in ``sandbox.wire``'s forms."""
    v = value
    if name == "datetime":
        return {"datetime": [v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond, v.fold,
                             _timezone(v.tzinfo, budget, depth)]}
    if name == "date":
        return {"date": [v.year, v.month, v.day]}
    if name == "time":
        return {"time": [v.hour, v.minute, v.second, v.microsecond, v.fold, _timezone(v.tzinfo, budget, depth)]}
    if name == "timedelta":
        return {"timedelta": [v.days, v.seconds, v.microseconds]}
    return _timezone(value, budget, depth)


_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
_PATH_KINDS = ("PurePosixPath", "PureWindowsPath", "PosixPath")  # WindowsPath cannot be built on POSIX


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
        if module.split(".")[0] in _STDLIB and getattr(sys.modules.get(module), name, None) is value:
            return f"{module}:{name}"
        return None
    if kind in (types.MethodDescriptorType, types.ClassMethodDescriptorType, types.WrapperDescriptorType):
        owner = value.__objclass__
        if getattr(builtins, owner.__name__, None) is owner and getattr(owner, value.__name__, None) is value:
            return f"{owner.__name__}.{value.__name__}"
    return None


def _plain_class(kind: type) -> bool:
    """Objects that are their attributes: no built-in base but ``object`` (see ``sandbox.wire.plain_class``)."""
    return not issubclass(kind, type) and all(base is object or base.__module__ != "builtins" for base in kind.__mro__)


def _encode_other(value: object, kind: type, budget: _Budget, depth: int) -> object:
    """Exact standard-library values (paths and modules among them), builtin functions, and enum members and
    namedtuples by class.

    Types are recognised by module and name, so nothing is imported into the suite's process.
    An enum member or namedtuple names its class as ``module:qualname``; synthesis keeps it only
    when that class is part of the problem.
    """
    module, name = kind.__module__, kind.__qualname__
    budget.spend(16)
    if module == "datetime" and name in _DATETIME_KINDS:
        return _datetime(value, name, budget, depth)
    if module == "decimal" and name == "Decimal":
        return {"Decimal": str(value)}
    if module == "fractions" and name == "Fraction":
        return {"Fraction": [_encode(value.numerator, budget, depth), _encode(value.denominator, budget, depth)]}
    if kind is bytearray:
        budget.spend(2 * len(value))
        return {"bytearray": value.hex()}
    if kind is range:
        return {"range": [value.start, value.stop, value.step]}
    if module == "re" and name == "Pattern":
        return {"Pattern": [_encode(value.pattern, budget, depth), value.flags]}
    if module == "pathlib" and name in _PATH_KINDS:
        text = str(value)
        budget.spend(len(text) + 16)
        return {"Path": [name, text]}
    builtin = _builtin_name(value)
    if builtin is not None:
        return {"builtin": builtin}
    if kind is types.ModuleType:
        named = getattr(value, "__name__", None)
        if type(named) is str and named.split(".")[0] in _STDLIB and sys.modules.get(named) is value:
            return {"module": named}
    if isinstance(value, type) and "." not in value.__qualname__ and budget.project is not None \
            and budget.project(value):
        return {"class": f"{value.__module__}:{value.__qualname__}"}
    enum = sys.modules.get("enum")
    if "." not in name and enum is not None and isinstance(value, enum.Enum):
        return {"enum": [f"{module}:{name}", value._name_]}
    if "." not in name and kind.__bases__ == (tuple,) and hasattr(kind, "_fields"):
        return {"namedtuple": [f"{module}:{name}", [_encode(item, budget, depth) for item in tuple.__iter__(value)]]}
    if "." not in name and budget.project is not None and budget.project(kind) and _plain_class(kind):
        state = state_of(value)
        if state is not None:
            try:
                return {"object": [f"{module}:{name}", _encode(state, budget, depth)]}
            except Unserialisable as exc:  # name the object, not the attribute that failed
                raise Unserialisable(_type_name(value), exc.args[1]) from None
    raise Unserialisable(_type_name(value), "no exact encoding")


def snapshot(value: object, max_bytes: int, project: Callable[[type], bool] | None = None,
             rebuilt: bool = False) -> dict:
    """``{"v": encoded}`` or ``{"u": type name, "why": reason}``; never raises.

    ``project(cls)`` says whether a class is the project's own: its objects then encode as
    ``{"object": ["module:Class", attributes]}`` when every attribute encodes. ``rebuilt``: the value is
    an argument, which the sandbox builds again, so what would come back otherwise (a defaultdict's
    factory) has no encoding; a result is only compared.
    """
    try:
        return {"v": _encode(value, _Budget(max_bytes, project, rebuilt), 0)}
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


def _slot_names(kind: type) -> list[str]:
    names: list[str] = []
    for klass in kind.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot.startswith("__") and not slot.endswith("__"):
                slot = f"_{klass.__name__.lstrip('_')}{slot}"  # the name the slot is stored under
            if slot not in ("__dict__", "__weakref__") and slot not in names:
                names.append(slot)
    return names


def state_of(obj: object) -> dict | None:
    """An object's attributes: its ``__dict__`` and its set ``__slots__`` (mangled names as stored)."""
    attributes = getattr(obj, "__dict__", None)
    if attributes is not None and type(attributes) is not dict:
        return None
    state = dict(attributes) if attributes is not None else {}
    for slot in _slot_names(type(obj)):
        try:
            state[slot] = object.__getattribute__(obj, slot)
        except AttributeError:
            continue
    if attributes is None and not state and not _slot_names(type(obj)):
        return None
    return state


def partial_state(obj: object, max_bytes: int,
                  project: Callable[[type], bool] | None = None) -> tuple[dict, list[str]] | None:
    """The encoded attributes of ``obj`` that have an exact encoding, and the names of those that have none.

    One attribute that cannot be encoded (a parser holding the whole application, a lock) costs only
    itself: a method that never reads it can still be tested on an object rebuilt from the others.
    None when the object has no attributes to read (a foreign ``__dict__``, a hostile ``__getattribute__``).
    """
    try:
        state = state_of(obj)
    except Exception:  # noqa: BLE001 - a hostile __getattribute__ or __dict__ property
        return None
    if state is None:
        return None
    budget = _Budget(max_bytes, project, rebuilt=True)  # a test builds the object again from these
    items, missing = [], []
    for name, value in list(state.items()):
        left = budget.left
        try:
            items.append([_encode(name, budget, 1), _encode(value, budget, 1)])
        except Exception:  # noqa: BLE001 - no encoding, nested too deep, or a hostile __len__
            budget.left = left  # what a failed attribute spent is not spent
            missing.append(name if type(name) is str else repr(name))
    return {"dict": items}, missing
