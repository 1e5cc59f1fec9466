"""The pure-Python engine: a ``sys.setprofile`` hook that feeds the collector.

It must cost little on the events it ignores, so the hook is a closure over local names and does
one dict lookup per call event; the work on recorded functions is in ``calls.CallTracker``.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import FrameType

from .calls import CallTracker
from .types import Call, Function, Recorder

_MISSING = object()


class PyTracer:
    """Installs the hook on this thread and, through ``threading.setprofile``, on new threads."""

    name = "python"

    def __init__(self, collector: Recorder) -> None:
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

    def errors(self) -> int:
        """Always 0: this engine counts its failures through ``Recorder.error``."""
        return 0

    def _make_hook(self) -> Callable[[FrameType, str, object], None]:
        """The profile hook, a closure over local names so that ignored events cost little."""
        collector = self.collector
        functions = collector.functions
        files: dict[str, bool] = {}
        wants_file = collector.wants_file
        decide = collector.decide
        tracker = CallTracker(collector)
        enter, leave, resolve, unwound = tracker.enter, tracker.leave, tracker.resolve, tracker.unwound
        pending: dict[int, tuple[Function, Call]] = {}
        tracer = self

        def hook(frame: FrameType, event: str, arg: object) -> None:
            if tracer.stopped or collector.disabled:
                sys.setprofile(None)
                return
            try:
                if unwound:
                    resolve(frame, event)
                if event == "call":
                    code = frame.f_code
                    # Decide per file first: a str caches its hash, a code object recomputes it.
                    wanted = files.get(code.co_filename)
                    if wanted is None:
                        wanted = files[code.co_filename] = wants_file(code.co_filename)
                    if not wanted:
                        return
                    function = functions.get(code, _MISSING)
                    if function is _MISSING:
                        function = decide(code)
                    if function is None or function.done:
                        return
                    call = enter(function, frame)
                    if call is not None:
                        pending[id(frame)] = (function, call)
                elif event == "return" and pending:
                    entry = pending.pop(id(frame), None)
                    if entry is not None:
                        leave(entry[0], entry[1], frame, arg)
            except Exception as exc:  # noqa: BLE001 - never raise into the suite under test
                collector.error(exc)

        return hook
