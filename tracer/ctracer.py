"""The C engine's Python side: same interface as ``pyhook.PyTracer``, hook written in C.

Raises ImportError when the compiled ``_ctracer`` module is absent, and the collector falls
back to the pure-Python engine. ``tracer.build`` compiles it for a given interpreter.
"""

from __future__ import annotations

import threading

from . import _ctracer
from .calls import CallTracker
from .collector import Collector


class CTracer:
    """Hooks this thread now and each new thread on its first event, as coverage.py does."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector
        tracker = CallTracker(collector)
        self.tracer = _ctracer.Tracer(
            wants_file=collector.wants_file, decide=collector.decide, enter=tracker.enter,
            leave=tracker.leave, resolve=tracker.resolve, unwound=tracker.unwound,
        )
        collector.extra_errors = lambda: self.tracer.errors

    def _bootstrap(self, frame, event, arg) -> None:
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
