"""The pure-Python engine: a ``sys.setprofile`` hook that feeds the collector.

It must cost little on the calls it ignores, so the hook is a closure over local names and does
one dict lookup per call event. A ``return`` event does not say whether the frame returned or was
unwound by an exception; the opcode at the frame's last instruction does. The exception itself is
not visible to a Python profile hook (CPython stashes it while the hook runs), so it is resolved
from the next events on the same thread: the exception being handled, or the arguments of an
``__exit__`` call, whose traceback passes through the unwound frame.
"""

from __future__ import annotations

import dis
import sys
import threading

from .collector import Collector, Function
from .values import snapshot

_RETURN_OPS = frozenset(dis.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in dis.opmap)
_YIELD_OPS = frozenset(dis.opmap[name] for name in ("YIELD_VALUE",) if name in dis.opmap)
RESOLVE_WITHIN_EVENTS = 64
_MISSING = object()


def exception_record(exc: BaseException) -> dict:
    """``{"raised": {"type", "message"}}`` for an exception a recorded call raised."""
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    try:
        message = str(exc)[:500]
    except Exception:  # noqa: BLE001 - a hostile __str__
        message = "<str() failed>"
    return {"raised": {"type": name, "message": message}}


def _passes_through(exc: object, frame) -> bool:
    if not isinstance(exc, BaseException):
        return False
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame is frame:
            return True
        tb = tb.tb_next
    return False


class PyTracer:
    """Installs the hook on this thread and, through ``threading.setprofile``, on new threads."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector
        self.stopped = False
        self.hook = self._make_hook()

    def start(self) -> None:
        """Hook this thread and every thread started from now on."""
        threading.setprofile(self.hook)
        sys.setprofile(self.hook)

    def stop(self) -> None:
        """Unhook this thread; other threads unhook themselves at their next event."""
        self.stopped = True
        threading.setprofile(None)
        sys.setprofile(None)

    def _make_hook(self):
        collector = self.collector
        functions = collector.functions
        decide = collector.decide
        finish = collector.finish
        snapshot_call = collector.snapshot_call
        max_bytes = collector.max_bytes
        pending: dict[int, tuple[Function, dict]] = {}
        started: set[int] = set()  # generator/coroutine frames already recorded at first entry
        unwound: dict[int, list] = {}  # thread id -> [[function, call, frame], ...], events waited
        get_ident = threading.get_ident
        exc_info = sys.exc_info
        tracer = self

        def resolve(frame, event: str) -> None:
            ident = get_ident()
            entry = unwound.get(ident)
            if entry is None:
                return
            calls, waited = entry
            exc = exc_info()[1]
            if exc is None and event == "call" and frame.f_code.co_name == "__exit__":
                names = frame.f_code.co_varnames
                exc = frame.f_locals.get(names[2]) if len(names) > 2 else None
            left = []
            for function, call, lost in calls:
                if _passes_through(exc, lost):
                    finish(function, call, exception_record(exc))
                else:
                    left.append((function, call, lost))
            if not left:
                del unwound[ident]
            elif waited >= RESOLVE_WITHIN_EVENTS:
                del unwound[ident]
                for function, call, _ in left:
                    finish(function, call, {"raised": {"type": None, "message": "exception not observed"}})
            else:
                entry[:] = [left, waited + 1]

        def hook(frame, event, arg):
            if tracer.stopped or collector.disabled:
                sys.setprofile(None)
                return
            try:
                if unwound:
                    resolve(frame, event)
                if event == "call":
                    code = frame.f_code
                    function = functions.get(code, _MISSING)
                    if function is _MISSING:
                        function = decide(code)
                    if function is None or function.done:
                        return
                    if function.kind != "function":
                        key = id(frame)
                        if key not in started:
                            started.add(key)
                            finish(function, snapshot_call(function, frame), {"resumes": True})
                        return
                    pending[id(frame)] = (function, snapshot_call(function, frame))
                elif event == "return":
                    key = id(frame)
                    if key in started:
                        if frame.f_code.co_code[frame.f_lasti] not in _YIELD_OPS:
                            started.discard(key)
                        return
                    entry = pending.pop(key, None)
                    if entry is None:
                        return
                    function, call = entry
                    if frame.f_code.co_code[frame.f_lasti] in _RETURN_OPS:
                        finish(function, call, {"result": snapshot(arg, max_bytes)})
                    else:
                        entry = unwound.setdefault(get_ident(), [[], 0])
                        entry[0].append((function, call, frame))
                        entry[1] = 0
            except Exception as exc:  # noqa: BLE001 - never raise into the suite under test
                collector.error(exc)

        return hook
