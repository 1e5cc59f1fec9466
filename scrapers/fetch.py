"""The polite HTTP client: robots.txt, per-host rate limit, retries with backoff, on-disk cache.

``Fetcher.get(url)`` answers from the cache when it can; otherwise it asks robots.txt, waits for
the host's slot, and retries 429/5xx answers, timeouts and broken transfers with exponential
backoff (a ``Retry-After`` header wins when it asks for longer). Retries live here and nowhere
else; callers get a ``Page`` or a ``FetchError`` with a reason from ``scrapers.types.Reason``.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from urllib.parse import urlsplit

import requests

from scrapers.cache import Cache
from scrapers.ratelimit import RateLimiter
from scrapers.robots import AGENT, RobotsRules
from scrapers.types import FetchError, Page, Reason

DEFAULT_CONTACT = "https://github.com/sftmine/sftmine"
RETRY_STATUSES = (429, 500, 502, 503, 504)
_CHARSET = re.compile(r"charset=\s*\"?([\w.:-]+)", re.I)
# Transient failures of the transfer itself, worth another try.
_TRANSIENT = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
              requests.exceptions.ContentDecodingError)


def user_agent(contact: str = DEFAULT_CONTACT) -> str:
    """``sftmine/<version> (+contact)``: who we are and where to complain."""
    try:
        version = metadata.version("sftmine")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"{AGENT}/{version} (+{contact})" if contact else f"{AGENT}/{version}"


def utc_now() -> str:
    """The current time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def retry_after_s(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts after the first, backoff base and cap, per-request timeout."""

    retries: int = 4
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    timeout_s: float = 20.0

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        return max(min(self.backoff_s * 2**attempt, self.max_backoff_s), retry_after or 0.0)


@dataclass
class FetchStats:
    """What the client did: requests sent, answers from the cache, retries."""

    requests: int = 0
    cache_hits: int = 0
    retries: int = 0


class Fetcher:
    """GETs pages politely; see the module docstring."""

    def __init__(
        self,
        limiter: RateLimiter,
        cache: Cache | None = None,
        policy: RetryPolicy | None = None,
        agent: str | None = None,
        obey_robots: bool = True,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limiter = limiter
        self.cache = cache
        self.policy = policy or RetryPolicy()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = agent or user_agent()
        self.sleep = sleep
        self.stats = FetchStats()
        self.robots = RobotsRules(self._robots_txt) if obey_robots else None

    def get(self, url: str) -> Page:
        """A 200 page; raises FetchError (not_found, http_error, retries_exhausted, robots_disallowed)."""
        if self.robots is not None:
            if not self.robots.allowed(url):
                raise FetchError(Reason.ROBOTS_DISALLOWED, url, f"robots.txt disallows {AGENT}")
            delay = self.robots.crawl_delay(url)
            if delay:
                self.limiter.slow_down(urlsplit(url).netloc, delay)
        page = self._fetch(url)
        if page.status in (404, 410):
            raise FetchError(Reason.NOT_FOUND, url, f"HTTP {page.status}")
        if page.status != 200:
            raise FetchError(Reason.HTTP_ERROR, url, f"HTTP {page.status}: {page.text[:200]}".strip())
        return page

    def get_json(self, url: str) -> object:
        """A 200 page parsed as JSON; raises FetchError (with ``bad_json`` for a body that is not)."""
        page = self.get(url)
        try:
            return json.loads(page.text)
        except ValueError as exc:
            raise FetchError(Reason.BAD_JSON, url, str(exc)) from None

    def _robots_txt(self, url: str) -> Page | None:
        try:
            return self._fetch(url)
        except FetchError:
            return None

    def _fetch(self, url: str) -> Page:
        """The final answer for ``url`` (any status), from the cache or the network."""
        if self.cache is not None:
            cached = self.cache.get(url)
            if cached is not None:
                self.stats.cache_hits += 1
                return cached
        page = self._with_retries(url)
        if self.cache is not None:
            self.cache.put(page)
        return page

    def _with_retries(self, url: str) -> Page:
        host = urlsplit(url).netloc
        last = ""
        for attempt in range(self.policy.retries + 1):
            if attempt:
                self.stats.retries += 1
            self.limiter.wait(host)
            self.stats.requests += 1
            retry_after = None
            try:
                response = self.session.get(url, timeout=self.policy.timeout_s, allow_redirects=True)
                body = response.content
            except _TRANSIENT as exc:
                last = f"{type(exc).__name__}: {exc}"[:300]
            else:
                if response.status_code not in RETRY_STATUSES:
                    return _page(url, response, body)
                last = f"HTTP {response.status_code}"
                retry_after = retry_after_s(response.headers.get("Retry-After"))
            if attempt == self.policy.retries:
                break
            wait = self.policy.backoff(attempt, retry_after)
            if retry_after is not None and retry_after > self.policy.max_backoff_s:
                last += f", Retry-After {retry_after:.0f} s is over the {self.policy.max_backoff_s:.0f} s cap"
                break
            self.sleep(wait)
        raise FetchError(Reason.RETRIES_EXHAUSTED, url, last)


def _page(url: str, response: requests.Response, body: bytes) -> Page:
    content_type = response.headers.get("Content-Type", "")
    match = _CHARSET.search(content_type)
    # Pages without a charset are UTF-8 on both sites; requests would guess ISO-8859-1 for text/*.
    try:
        text = body.decode(match.group(1) if match else "utf-8", errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Page(url, response.status_code, text, headers, utc_now())
