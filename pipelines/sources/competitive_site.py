"""The competitive source: one site's listed tasks, scraped one after another, into problems.

Tasks run in sequence: the site's rate limit, not the CPU, sets the pace, and the polite HTTP
client's cache makes a rerun free. Nothing time-dependent goes into what this returns (fetch times
come from the cache), so a rerun over the same cache gives the same problems.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipelines.funnel import Count, Stage, drop
from pipelines.problem import Problem, Reject
from pipelines.problems.generated_tests import MAX_GENERATED
from pipelines.sources.competitive import Options, Outcome, Reason, SandboxChecker, process_task
from scrapers.cache import Cache
from scrapers.fetch import DEFAULT_CONTACT, Fetcher, RetryPolicy, user_agent
from scrapers.ratelimit import RateLimiter
from scrapers.sites import SITES, make_site
from scrapers.types import ScrapeError


def _csv(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


@dataclass(frozen=True)
class CompetitiveSettings:
    """The competitive source's flags; plain values, so they key the store and pickle to workers."""

    max_problems: int = 20
    rating_min: int | None = None
    rating_max: int | None = None
    contests: tuple[str, ...] = ()
    base_url: str = ""
    api_url: str = ""
    cache_dir: str = "cache/http"
    include_noai: bool = False
    min_interval: float | None = None
    timeout: float = 20.0
    retries: int = 4
    backoff: float = 1.0
    solutions_per_task: int = 3
    generated_tests: int = MAX_GENERATED
    contact: str = DEFAULT_CONTACT

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CompetitiveSettings:
        """From parsed flags (``add_arguments``); the cache directory made absolute for workers."""
        values = {name: getattr(args, name) for name in cls.__dataclass_fields__}
        values["cache_dir"] = str(Path(values["cache_dir"]).resolve())
        values["contests"] = tuple(values["contests"])
        return cls(**values)

    def as_dict(self) -> dict:
        """For store keys."""
        return asdict(self)


def add_arguments(group: argparse._ActionsContainer) -> None:
    """The flags of the competitive source."""
    group.add_argument("--site", choices=tuple(SITES), default="codeforces", help="which site to scrape")
    group.add_argument("--max-problems", type=int, default=20,
                       help="tasks to take from the index after the filters (kept or rejected)")
    group.add_argument("--rating-min", type=int, default=None, help="lowest rating (AtCoder: difficulty)")
    group.add_argument("--rating-max", type=int, default=None, help="highest rating (AtCoder: difficulty)")
    group.add_argument("--contests", type=_csv, default=(), help="comma-separated contest ids (default: all)")
    group.add_argument("--base-url", type=str, default="", help="the site's address (default: the real one)")
    group.add_argument("--api-url", type=str, default="",
                       help="the index API's address (Codeforces API, AtCoder Problems; default: the real one)")
    group.add_argument("--cache-dir", type=str, default="cache/http", help="on-disk HTTP cache")
    group.add_argument("--include-noai", action="store_true", default=False,
                       help="also keep pages that carry a noai robots directive (recorded in meta)")
    group.add_argument("--min-interval", type=float, default=None,
                       help="seconds between two requests to one host (default: the site's, 2 s for Codeforces)")
    group.add_argument("--timeout", type=float, default=20.0, help="seconds per HTTP request")
    group.add_argument("--retries", type=int, default=4, help="retries on 429/5xx and timeouts")
    group.add_argument("--backoff", type=float, default=1.0, help="first retry delay in seconds, doubled each time")
    group.add_argument("--solutions-per-task", type=int, default=3,
                       help="accepted solutions to fetch: the first that passes the samples is the reference, "
                            "and all that pass generate tests")
    group.add_argument("--generated-tests", type=int, default=MAX_GENERATED,
                       help="extra tests per problem at most, from mutated samples all solutions agree on (0: none)")
    group.add_argument("--contact", type=str, default=DEFAULT_CONTACT, help="URL in the User-Agent")


@dataclass
class SiteResult:
    """One site's problems, rejects and counts, and a summary of the scrape for the report."""

    problems: list[Problem] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    report: dict = field(default_factory=dict)


class _Tally:
    """What the report says of a site beyond the funnel: tasks listed, forms kept, noai seen, tests generated."""

    def __init__(self, site: str, listed: int) -> None:
        self.site, self.listed, self.attempted = site, listed, 0
        self.wrappers: Counter = Counter()
        self.noai: Counter = Counter()
        self.generated: list[int] = []  # generated tests of each kept stdio problem
        self.samples_only: Counter = Counter()
        self.judging: Counter = Counter()

    def add(self, outcome: Outcome) -> None:
        """Count one task's outcome."""
        self.attempted += 1
        if outcome.kept:
            self.wrappers[outcome.wrapper or "none"] += 1
            stdio = outcome.kept[0]
            self.generated.append(int(stdio.meta.get("tests", {}).get("generated", 0)))
            if stdio.meta.get("samples_only"):
                self.samples_only[stdio.meta["samples_only"]] += 1
            judging = stdio.meta.get("judging", {})
            self.judging[judging.get("checker") or ("tolerance" if "rel_tol" in judging else "")
                         or ("ignore_case" if judging.get("ignore_case") else "tokens")] += 1
        if outcome.noai:
            self.noai["seen"] += 1
            excluded = any(r.reason == Reason.NOAI_EXCLUDED for r in outcome.rejects)
            self.noai["included" if outcome.kept else "excluded" if excluded else "rejected_later"] += 1

    def report(self) -> dict:
        """The site's part of ``report.json``."""
        return {
            "site": self.site,
            "tasks": {"listed": self.listed, "attempted": self.attempted},
            "function_form": {name: self.wrappers[name] for name in ("inline", "exec", "none")},
            "noai": {name: self.noai[name] for name in ("seen", "excluded", "included", "rejected_later")},
            "generated_tests": {
                "problems": len(self.generated),
                "with_generated": sum(1 for n in self.generated if n),
                "total": sum(self.generated),
                "per_problem": dict(sorted(Counter(self.generated).items())),
                "samples_only": dict(sorted(self.samples_only.items())),
            },
            "judging": dict(sorted(self.judging.items())),
        }


def scrape(site_name: str, settings: CompetitiveSettings, backend: str = "bwrap") -> SiteResult:
    """Scrape ``site_name``'s listed tasks into problems; a listing that fails is one reject at ``list``."""
    spec = SITES[site_name]
    limiter = RateLimiter(spec.interval_s if settings.min_interval is None else settings.min_interval)
    policy = RetryPolicy(retries=settings.retries, backoff_s=settings.backoff, timeout_s=settings.timeout)
    fetcher = Fetcher(limiter, Cache(settings.cache_dir), policy, agent=user_agent(settings.contact))
    site = make_site(site_name, fetcher, settings.base_url, settings.api_url)
    result = SiteResult()
    try:
        listing = site.list_tasks(list(settings.contests), settings.rating_min, settings.rating_max)
    except ScrapeError as exc:
        result.rejects.append(Reject(Stage.LIST, exc.reason, f"cannot list the tasks: {exc}", site_name, "",
                                     settings.api_url or spec.api_url))
        result.counts.append(drop(Stage.LIST, exc.reason))
        return result
    tasks = listing[: max(settings.max_problems, 0)]
    options = Options(include_noai=settings.include_noai, solutions_per_task=settings.solutions_per_task,
                      generated_tests=settings.generated_tests)
    tally = _Tally(site_name, len(listing))
    checker = SandboxChecker(backend)
    started = time.monotonic()
    try:
        for ref in tasks:
            outcome = process_task(site, ref, checker, options)
            tally.add(outcome)
            result.problems += outcome.kept
            result.rejects += outcome.rejects
            result.counts += outcome.counts()
            rate = tally.attempted / max(time.monotonic() - started, 1e-9)
            kept = sum(problem.kind == "stdio" for problem in result.problems)
            print(f"[competitive {site_name}] {tally.attempted}/{len(tasks)} tasks done, {kept} kept, "
                  f"{rate:.2f} tasks/s, {fetcher.stats.requests} requests, {fetcher.stats.cache_hits} from cache",
                  file=sys.stderr, flush=True)
    finally:
        checker.close()
    result.report = tally.report()
    return result
