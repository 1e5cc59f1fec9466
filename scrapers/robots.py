"""robots.txt rules per origin, and the ``noai`` directive in headers and HTML meta tags."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from bs4 import BeautifulSoup

from scrapers.types import Page

AGENT = "sftmine"
NOAI = "noai"
_DIRECTIVE_SPLIT = re.compile(r"[\s,]+")
_VALUED_DIRECTIVES = ("unavailable_after", "max-snippet", "max-image-preview", "max-video-preview")


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def rules_from(page: Page | None) -> RobotFileParser:
    """Rules from a robots.txt response, following RFC 9309 for the status.

    A 4xx (no file) allows everything, except 401/403, which, like ``urllib.robotparser``, we
    read as "keep out"; no answer at all (``None``: 5xx or unreachable after retries) disallows
    everything, as the RFC asks.
    """
    parser = RobotFileParser()
    if page is not None and page.status == 200:
        parser.parse(page.text.splitlines())
    elif page is not None and 400 <= page.status < 500 and page.status not in (401, 403):
        parser.allow_all = True
        parser.modified()
    else:
        parser.disallow_all = True
        parser.modified()
    return parser


class RobotsRules:
    """Fetches each origin's robots.txt once (through ``fetch``) and answers ``allowed(url)``."""

    def __init__(self, fetch: Callable[[str], Page | None], agent: str = AGENT) -> None:
        self.fetch = fetch
        self.agent = agent
        self._rules: dict[str, RobotFileParser] = {}

    def rules(self, url: str) -> RobotFileParser:
        """The parsed robots.txt of ``url``'s origin, fetched on first use."""
        key = origin(url)
        if key not in self._rules:
            self._rules[key] = rules_from(self.fetch(f"{key}/robots.txt"))
        return self._rules[key]

    def allowed(self, url: str) -> bool:
        """Whether our agent may fetch ``url``."""
        return self.rules(url).can_fetch(self.agent, url)

    def crawl_delay(self, url: str) -> float | None:
        """The ``Crawl-delay`` that applies to our agent at ``url``'s origin, if any."""
        delay = self.rules(url).crawl_delay(self.agent)
        return float(delay) if delay is not None else None


def _has_noai(directives: str) -> bool:
    return NOAI in _DIRECTIVE_SPLIT.split(directives.lower())


def noai_in_headers(headers: dict[str, str], agent: str = AGENT) -> bool:
    """Whether ``X-Robots-Tag`` carries ``noai`` for every agent or for ours (``sftmine: noai``)."""
    applies = True
    for part in headers.get("x-robots-tag", "").split(","):
        scope, colon, rest = part.partition(":")
        scope = scope.strip().lower()
        # "agent: a, b" scopes the directives that follow to one crawler, until the next scope;
        # "max-snippet: 20" and the like are directives with a value, not scopes.
        if colon and scope not in _VALUED_DIRECTIVES:
            applies = scope in (agent, "*")
            part = rest
        if applies and _has_noai(part):
            return True
    return False


def noai_in_html(soup: BeautifulSoup, agent: str = AGENT) -> bool:
    """Whether a ``<meta name="robots">`` (or ``name="sftmine"``) tag carries ``noai``."""
    for meta in soup.find_all("meta"):
        name = str(meta.get("name", "")).lower()
        if name in ("robots", agent) and _has_noai(str(meta.get("content", ""))):
            return True
    return False


def page_noai(page: Page, soup: BeautifulSoup | None = None) -> bool:
    """Whether a page opts out of AI training, by header or (for HTML) by meta tag."""
    return noai_in_headers(page.headers) or (soup is not None and noai_in_html(soup))

