"""What happens on a recorded function's events, shared by both engines.

An engine calls ``enter`` on a call event of a recorded function, keeps what it returns until
that frame's return event, then calls ``leave``. A ``return`` event does not say whether the frame
returned or was unwound by an exception: the opcode at the frame's last instruction does. The
exception itself is hidden from profile hooks (CPython stashes it while the hook runs). So on an
unwind, unless another tool (coverage) owns ``sys.settrace``, the callers' frames get a trace
function for as long as it takes: the ``exception`` event in the frame the exception enters
carries it. Otherwise it is resolved from the next profile events on the same thread
(``resolve``): the exception being handled, or the one passed to an ``__exit__`` call, whose
traceback runs through the unwound frame.
"""

from __future__ import annotations

import dis
import sys
import threading
from collections.abc import Callable
from types import FrameType, TracebackType

from .types import Call, Function, Outcome, Recorder

RETURN_OPS = frozenset(dis.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in dis.opmap)
RESUME = dis.opmap.get("RESUME")
RESOLVE_WITHIN_EVENTS = 64
WATCH_CALLERS = 64


def exception_record(exc: BaseException) -> Outcome:
    """``{"raised": {"type", "message"}}`` for an exception a recorded call raised."""
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    try:
        message = str(exc)[:500]
    except Exception:  # noqa: BLE001 - a hostile __str__
        message = "<str() failed>"
    return {"raised": {"type": name, "message": message}}


def _passes_through(exc: object, frame: FrameType, tb: TracebackType | None = None) -> bool:
    """Whether the exception's traceback runs through ``frame``."""
    if not isinstance(exc, BaseException):
        return False
    tb = tb if tb is not None else exc.__traceback__
    while tb is not None:
        if tb.tb_frame is frame:
            return True
        tb = tb.tb_next
    return False


def first_entry(frame: FrameType) -> bool:
    """Whether a generator or coroutine frame starts now rather than resumes (``RESUME 0``)."""
    if RESUME is None:
        return frame.f_lasti <= 0
    code = frame.f_code.co_code
    index = frame.f_lasti
    return 0 <= index < len(code) - 1 and code[index] == RESUME and code[index + 1] == 0


class CallTracker:
    """Pairs call snapshots with outcomes; holds the per-thread unresolved unwinds."""

    def __init__(self, collector: Recorder) -> None:
        self.collector = collector
        self.unwound: dict[int, list] = {}  # thread id -> [[(function, call, frame), ...], events waited]
        self.watched: dict[int, list] = {}  # thread id -> caller frames given our trace function

    def enter(self, function: Function, frame: FrameType) -> Call | None:
        """Snapshot a call; None when there is no return to wait for (generators, coroutines)."""
        if function.kind != "function":
            if first_entry(frame):
                self.collector.finish(function, self.collector.snapshot_call(function, frame), {"resumes": True})
            return None
        call = self.collector.snapshot_call(function, frame)
        self.collector.links.enter(function, call, frame)
        return call

    def leave(self, function: Function, call: Call, frame: FrameType, value: object) -> None:
        """A recorded frame's return event: a result, or an unwind to resolve later."""
        if frame.f_code.co_code[frame.f_lasti] in RETURN_OPS:
            outcome: Outcome = {"result": self.collector.snapshot(value)}
            if "_self" in call:
                if function.qualname.endswith(".__init__"):
                    self.collector.link_init(call, frame.f_code)
                else:
                    after = self.collector.state_after(call)
                    if after is not None:
                        outcome["self_after"] = after
            pair = self.collector.finish(function, call, outcome)
            if "_test" in call:
                self.collector.links.returned(function, call, value, pair)
            return
        entry = self.unwound.setdefault(threading.get_ident(), [[], 0])
        entry[0].append((function, call, frame))
        entry[1] = 0
        self._watch_callers(frame)

    def _global_trace(self, frame: FrameType, event: str, arg: object) -> None:
        """Installed only while an unwind is unresolved; new frames are not traced."""
        return None

    def _local_trace(self, frame: FrameType, event: str, arg: object) -> Callable[[FrameType, str, object], object]:
        """Per-frame trace function: an ``exception`` event settles the unwinds it passes."""
        if event == "exception":
            try:
                self._settle(arg[1], arg[2])
            except Exception as exc:  # noqa: BLE001 - never raise into the suite under test
                self.collector.error(exc)
        return self._local_trace

    def _watch_callers(self, frame: FrameType) -> None:
        """Give the callers a trace function so that the exception's arrival is an event."""
        current = sys.gettrace()
        if current is not None and current != self._global_trace:
            return  # someone else (coverage) traces this thread: rely on ``resolve``
        watched = self.watched.setdefault(threading.get_ident(), [])
        caller = frame.f_back
        for _ in range(WATCH_CALLERS):
            if caller is None:
                break
            if caller.f_trace is None:
                caller.f_trace_lines = False
                caller.f_trace = self._local_trace
                watched.append(caller)
            caller = caller.f_back
        sys.settrace(self._global_trace)

    def _unwatch(self) -> None:
        """Take our trace function off the frames this thread watched."""
        for frame in self.watched.pop(threading.get_ident(), []):
            if frame.f_trace == self._local_trace:
                frame.f_trace = None
                frame.f_trace_lines = True
        if sys.gettrace() == self._global_trace:
            sys.settrace(None)

    def _settle(self, exc: object, tb: TracebackType | None = None) -> None:
        """Finish every unwind of this thread whose frame the exception passed through."""
        ident = threading.get_ident()
        entry = self.unwound.get(ident)
        if entry is None:
            self._unwatch()
            return
        left = []
        for function, call, lost in entry[0]:
            if _passes_through(exc, lost, tb):
                self.collector.finish(function, call, exception_record(exc))
            else:
                left.append((function, call, lost))
        entry[0] = left
        if not left:
            del self.unwound[ident]
            self._unwatch()

    def resolve(self, frame: FrameType, event: str) -> None:
        """Called on every event while some unwind is unresolved: find the exception it raised."""
        ident = threading.get_ident()
        entry = self.unwound.get(ident)
        if entry is None:
            return
        exc = sys.exc_info()[1]
        if exc is None and event == "call" and frame.f_code.co_name == "__exit__":
            names = frame.f_code.co_varnames
            exc = frame.f_locals.get(names[2]) if len(names) > 2 else None
        self._settle(exc)
        entry = self.unwound.get(ident)
        if entry is None:
            return
        if entry[1] >= RESOLVE_WITHIN_EVENTS:
            del self.unwound[ident]
            self._unwatch()
            for function, call, _ in entry[0]:
                self.collector.finish(function, call, {"raised": {"type": None, "message": "exception not observed"}})
        else:
            entry[1] += 1
