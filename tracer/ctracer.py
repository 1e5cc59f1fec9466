"""The C engine's Python side: the ``types.Engine`` interface, with the hook written in C.

Importing it raises ImportError when the compiled ``_ctracer`` module is absent, and
``engines.choose`` falls back to the pure-Python engine. ``tracer.build`` compiles it for a given
interpreter.
"""

from __future__ import annotations

import threading
from types import FrameType

from . import _ctracer
from .calls import CallTracker
from .types import Recorder


class CTracer:
    """Hooks this thread now and each new thread on its first event, as coverage.py does."""

    name = "c"

    def __init__(self, collector: Recorder) -> None:
        self.collector = collector
        tracker = CallTracker(collector)
        self.tracer = _ctracer.Tracer(
            wants_file=collector.wants_file, decide=collector.decide, enter=tracker.enter,
            leave=tracker.leave, resolve=tracker.resolve, unwound=tracker.unwound,
        )

    def _bootstrap(self, frame: FrameType, event: str, arg: object) -> None:
        """Runs once on a new thread: replace the Python bootstrap hook with the C one."""
        self.tracer.start()

    def start(self) -> None:
        """Hook this thread and every thread started from now on."""
        threading.setprofile(self._bootstrap)
        self.tracer.start()

    def stop(self) -> None:
        """Unhook this thread; other threads unhook themselves at their next event."""
        threading.setprofile(None)
        self.tracer.stop()

    def errors(self) -> int:
        """Failures the C hook counted and cleared."""
        return self.tracer.errors
