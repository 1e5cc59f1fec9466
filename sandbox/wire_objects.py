"""Objects of a problem's own classes as values: how the host sees them, and how the sandbox reads and
builds them (by their attributes, never by calling a constructor). Part of ``sandbox.wire``.

Used on both sides of the sandbox boundary, so it imports only the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClassRef:
    """A class the problem defines, passed or returned as a value, as the host sees it (by name)."""

    cls: str


@dataclass(frozen=True)
class EnumMember:
    """An enum member of a problem's own class, as the host sees it (no class to build it from)."""

    cls: str
    name: str


@dataclass(frozen=True)
class NamedTupleValue:
    """A namedtuple of a problem's own class, as the host sees it."""

    cls: str
    values: tuple


@dataclass(frozen=True)
class ObjectValue:
    """An object of a problem's own class, as the host sees it: the class name and its attributes."""

    cls: str
    state: dict

    def __hash__(self) -> int:
        # By class alone: the attributes may hold lists; equal objects still hash equal, so a set or a
        # dict key of such objects (a frozenset of packaging's Tags) decodes on the host.
        return hash(self.cls)


def plain_class(kind: type) -> bool:
    """A class whose objects are their attributes: no built-in base but ``object`` (a ``dict`` subclass's
    items, an exception's args or a class object would be lost)."""
    return not issubclass(kind, type) and all(base is object or base.__module__ != "builtins" for base in kind.__mro__)


def state_of(obj: object) -> dict:
    """An object's attributes: its ``__dict__`` and set ``__slots__`` (mangled names as stored)."""
    attributes = getattr(obj, "__dict__", None)
    state = dict(attributes) if type(attributes) is dict else {}
    for klass in type(obj).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot.startswith("__") and not slot.endswith("__"):
                slot = f"_{klass.__name__.lstrip('_')}{slot}"
            if slot not in ("__dict__", "__weakref__") and slot not in state:
                try:
                    state[slot] = object.__getattribute__(obj, slot)
                except AttributeError:
                    continue
    return state


def build_object(kind: type, state: dict) -> object:
    """An object of ``kind`` given these attributes, without calling its constructor."""
    obj = kind.__new__(kind)
    for name, value in state.items():
        object.__setattr__(obj, name, value)
    return obj
