"""The registry of competitive-programming sites: name -> constructor and default addresses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scrapers import atcoder, codeforces
from scrapers.fetch import Fetcher
from scrapers.types import Site


@dataclass(frozen=True)
class SiteSpec:
    """How to build a site's scraper and where it lives by default."""

    make: Callable[[Fetcher, str, str], Site]
    base_url: str
    api_url: str
    interval_s: float


SITES: dict[str, SiteSpec] = {
    "codeforces": SiteSpec(codeforces.Codeforces, codeforces.DEFAULT_BASE_URL, codeforces.DEFAULT_API_URL,
                           codeforces.DEFAULT_INTERVAL_S),
    "atcoder": SiteSpec(atcoder.AtCoder, atcoder.DEFAULT_BASE_URL, atcoder.DEFAULT_API_URL,
                        atcoder.DEFAULT_INTERVAL_S),
}


def make_site(name: str, fetcher: Fetcher, base_url: str = "", api_url: str = "") -> Site:
    """The scraper registered under ``name``, at the default addresses unless given others."""
    if name not in SITES:
        raise ValueError(f"unknown site {name!r}: use one of {', '.join(SITES)}")
    spec = SITES[name]
    return spec.make(fetcher, base_url or spec.base_url, api_url or spec.api_url)
