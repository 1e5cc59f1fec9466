"""Per-host rate limit: at least ``interval`` seconds between the starts of two requests to a host."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Spaces requests per host (``host:port``); intervals are per host with a default."""

    def __init__(
        self,
        default_interval_s: float,
        intervals: dict[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.default_interval_s = default_interval_s
        self.intervals = dict(intervals or {})
        self.clock = clock
        self.sleep = sleep
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def interval(self, host: str) -> float:
        """The spacing this host gets."""
        return self.intervals.get(host, self.default_interval_s)

    def slow_down(self, host: str, interval_s: float) -> None:
        """Raise a host's spacing (a robots.txt ``Crawl-delay``); never lowers it."""
        with self._lock:
            self.intervals[host] = max(self.interval(host), interval_s)

    def wait(self, host: str) -> float:
        """Block until this host may be called again and book the slot; returns the seconds slept."""
        with self._lock:
            now = self.clock()
            last = self._last.get(host)
            start = now if last is None else max(now, last + self.interval(host))
            # Book the slot before sleeping so that concurrent callers queue behind it.
            self._last[host] = start
        delay = start - now
        if delay > 0:
            self.sleep(delay)
        return delay
