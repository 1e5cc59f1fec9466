"""Record types, aliases and the two interfaces the tracer's modules share.

Every other module of the tracer imports its shared types from here, and this module imports
nothing of the tracer, so no two modules need each other (coverage.py's ``types.py`` does the
same). ``Recorder`` is what an engine asks of the collector; ``Engine`` is what the collector asks
of an engine. Runtime expressions stay valid on Python 3.9, the oldest interpreter the C engine
builds for, because the tracer runs under the test suite's interpreter, not sftmine's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any, Protocol

Snapshot = dict[str, Any]  # {"v": encoded value} or {"u": type name, "why": reason}
# {"args": [[name, kind, Snapshot], ...]}, plus "class", "self_plain", "self" (the attributes that encode),
# "self_missing" (the names of those that do not, if any) and "init" (constructor arguments, method calls
# since) for methods; keys starting with "_" are never written
Call = dict[str, Any]
# {"result": Snapshot} (plus "self_after", a method's encoded state after, and "args_after", [name, Snapshot] of
# each container argument changed in place), {"raised": {...}} or {"resumes": True}
Outcome = dict[str, Any]
Record = dict[str, Any]  # one JSONL line: where the function is, its Call and its Outcome


@dataclass
class Function:
    """What the collector knows about one recorded code object."""

    file: str
    line: int
    qualname: str
    kind: str
    params: list[tuple[str, str]]
    seen: set[bytes] = field(default_factory=set)  # the pairs written
    calls: int = 0
    done: bool = False
    outcomes: set[str] = field(default_factory=set)  # outcome_key() of the pairs written
    exact: int = 0  # pairs written whose arguments and outcome all encode


class Recorder(Protocol):
    """The collector as engines see it: decisions, snapshots, finished pairs and error counts."""

    functions: dict[CodeType, Function | None]
    max_bytes: int
    disabled: bool
    links: Any  # links.CallLinks: calls into the project per test and which argument an earlier call returned

    def wants_file(self, filename: str) -> bool:
        """Whether a source file is the project's own, non-test code."""
        ...

    def decide(self, code: CodeType) -> Function | None:
        """The Function for a code object, or None to ignore it."""
        ...

    def snapshot(self, value: object, rebuilt: bool = False) -> Snapshot:
        """A value's snapshot (objects of the project's classes by their attributes)."""
        ...

    def snapshot_call(self, function: Function, frame: FrameType) -> Call:
        """The arguments of a call as they are now."""
        ...

    def link_init(self, call: Call, code: CodeType) -> None:
        """Remember a finished ``__init__``'s arguments as the recipe of its object."""
        ...

    def state_after(self, call: Call) -> dict | None:
        """The encoded state of a method's ``self`` after the call, or None."""
        ...

    def finish(self, function: Function, call: Call, outcome: Outcome) -> str:
        """Pair a call with its outcome and keep it if new; returns the pair's key."""
        ...

    def error(self, exc: BaseException) -> None:
        """Count a failure inside the tracer."""
        ...


class Engine(Protocol):
    """The narrow interface every engine meets (``pyhook.PyTracer``, ``ctracer.CTracer``)."""

    name: str  # written in the summary line: "c" or "python"

    def start(self) -> None:
        """Hook this thread and every thread started from now on."""
        ...

    def stop(self) -> None:
        """Unhook this thread; other threads unhook themselves at their next event."""
        ...

    def errors(self) -> int:
        """Failures the engine counted itself, outside ``Recorder.error``."""
        ...


EngineFactory = Callable[[Recorder], Engine]
