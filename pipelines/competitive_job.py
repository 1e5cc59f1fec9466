"""``--source competitive``: scrape one site, write problems.jsonl, rejects.jsonl and report.json.

Tasks run one after another: the sites' rate limits, not the CPU, set the pace. Output files are
written to temporary names and renamed at the end, and nothing time-dependent goes into them (fetch
times come from the cache), so a rerun over the same cache makes no request and writes the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from pipelines.sources.competitive import Options, Outcome, SandboxChecker, Stage, Why, process_task
from pipelines.problem import dumps, stage_and_reason
from sandbox.backends import BackendUnavailable
from scrapers.cache import Cache
from scrapers.fetch import DEFAULT_CONTACT, Fetcher, RetryPolicy, user_agent
from scrapers.ratelimit import RateLimiter
from scrapers.sites import SITES, make_site
from scrapers.types import ScrapeError


def _csv(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def add_arguments(group: argparse._ActionsContainer) -> None:
    """The flags of the competitive source."""
    group.add_argument("--site", choices=tuple(SITES), default="codeforces", help="which site to scrape")
    group.add_argument("--max-problems", type=int, default=20,
                       help="tasks to take from the index after the filters (kept or rejected)")
    group.add_argument("--rating-min", type=int, default=None, help="lowest rating (AtCoder: difficulty)")
    group.add_argument("--rating-max", type=int, default=None, help="highest rating (AtCoder: difficulty)")
    group.add_argument("--contests", type=_csv, default=[], help="comma-separated contest ids (default: all)")
    group.add_argument("--base-url", type=str, default="", help="the site's address (default: the real one)")
    group.add_argument("--api-url", type=str, default="",
                       help="the index API's address (Codeforces API, AtCoder Problems; default: the real one)")
    group.add_argument("--cache-dir", type=Path, default=Path("cache/http"), help="on-disk HTTP cache")
    group.add_argument("--include-noai", action="store_true", default=False,
                       help="also keep pages that carry a noai robots directive (recorded in meta)")
    group.add_argument("--min-interval", type=float, default=None,
                       help="seconds between two requests to one host (default: the site's, 2 s for Codeforces)")
    group.add_argument("--timeout", type=float, default=20.0, help="seconds per HTTP request")
    group.add_argument("--retries", type=int, default=4, help="retries on 429/5xx and timeouts")
    group.add_argument("--backoff", type=float, default=1.0, help="first retry delay in seconds, doubled each time")
    group.add_argument("--solutions-per-task", type=int, default=3, help="accepted solutions to try as reference")
    group.add_argument("--contact", type=str, default=DEFAULT_CONTACT, help="URL in the User-Agent")


class Tally:
    """Counts for the report, gathered from outcomes."""

    def __init__(self, site: str, listed: int) -> None:
        self.site = site
        self.listed = listed
        self.attempted = 0
        self.kept_tasks = 0
        self.problems: Counter = Counter()
        self.wrappers: Counter = Counter()
        self.rejects: dict[str, Counter] = defaultdict(Counter)
        self.noai: Counter = Counter()
        self.reject_count = 0

    def add(self, outcome: Outcome) -> None:
        """Count one task's outcome."""
        self.attempted += 1
        self.kept_tasks += any(problem.kind == "stdio" for problem in outcome.kept)
        self.problems.update(problem.kind for problem in outcome.kept)
        self.reject_count += len(outcome.rejects)
        for reject in outcome.rejects:
            stage, reason = stage_and_reason(reject)
            self.rejects[stage][reason] += 1
        if outcome.kept:
            self.wrappers[outcome.wrapper or "none"] += 1
        if outcome.noai:
            self.noai["seen"] += 1
            self.noai["included" if outcome.kept else "excluded" if _noai_excluded(outcome) else "rejected_later"] += 1

    def report(self) -> dict:
        """The report.json object."""
        return {
            "source": "competitive",
            "site": self.site,
            "tasks": {"listed": self.listed, "attempted": self.attempted, "kept": self.kept_tasks},
            "problems": {"stdio": self.problems["stdio"], "function": self.problems["function"]},
            "function_form": {name: self.wrappers[name] for name in ("inline", "exec", "none")},
            "rejects": {stage: dict(sorted(reasons.items())) for stage, reasons in sorted(self.rejects.items())},
            "noai": {name: self.noai[name] for name in ("seen", "excluded", "included", "rejected_later")},
        }


def _noai_excluded(outcome: Outcome) -> bool:
    return any(stage_and_reason(reject) == (Stage.POLICY, Why.NOAI_EXCLUDED) for reject in outcome.rejects)


class _AtomicWriter:
    """A text file written under a temporary name and renamed into place by ``commit``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temp = path.with_name(f".{path.name}.tmp")
        self.handle: IO[str] = open(self.temp, "w", encoding="utf-8")  # noqa: SIM115 - closed in commit

    def write_lines(self, lines: Iterable[str]) -> None:
        """Append lines (each without its newline)."""
        for line in lines:
            self.handle.write(line + "\n")

    def commit(self) -> None:
        """Put the file in place."""
        self.handle.close()
        os.replace(self.temp, self.path)

    def discard(self) -> None:
        """Drop an uncommitted file (a run that failed leaves the previous output as it was)."""
        if not self.handle.closed:
            self.handle.close()
            self.temp.unlink(missing_ok=True)


def _progress(site: str, tally: Tally, total: int, started: float, fetcher: Fetcher) -> None:
    rate = tally.attempted / max(time.monotonic() - started, 1e-9)
    print(f"[competitive {site}] {tally.attempted}/{total} tasks done, {tally.kept_tasks} kept, "
          f"{rate:.2f} tasks/s, {fetcher.stats.requests} requests, {fetcher.stats.cache_hits} from cache",
          file=sys.stderr, flush=True)


def _write_json(path: Path, data: dict) -> None:
    writer = _AtomicWriter(path)
    writer.write_lines([json.dumps(data, indent=2)])
    writer.commit()


def _settings(args: argparse.Namespace) -> dict:
    return {key: str(value) if isinstance(value, Path) else value for key, value in sorted(vars(args).items())}


def run(args: argparse.Namespace) -> int:
    """Scrape ``args.site`` into ``args.out``; returns the exit status."""
    spec = SITES[args.site]
    limiter = RateLimiter(spec.interval_s if args.min_interval is None else args.min_interval)
    policy = RetryPolicy(retries=args.retries, backoff_s=args.backoff, timeout_s=args.timeout)
    fetcher = Fetcher(limiter, Cache(args.cache_dir), policy, agent=user_agent(args.contact))
    site = make_site(args.site, fetcher, args.base_url, args.api_url)
    try:
        listing = site.list_tasks(args.contests, args.rating_min, args.rating_max)
    except ScrapeError as exc:
        print(f"error: cannot list {args.site} tasks: {exc}", file=sys.stderr)
        return 1
    tasks = listing[: max(args.max_problems, 0)]
    options = Options(include_noai=args.include_noai, solutions_per_task=args.solutions_per_task)
    args.out.mkdir(parents=True, exist_ok=True)
    problems_out = _AtomicWriter(args.out / "problems.jsonl")
    rejects_out = _AtomicWriter(args.out / "rejects.jsonl")
    tally = Tally(args.site, len(listing))
    checker = SandboxChecker(args.backend)
    started = time.monotonic()
    try:
        for ref in tasks:
            try:
                outcome = process_task(site, ref, checker, options)
            except BackendUnavailable as exc:
                print(f"error: sandbox backend {args.backend!r} cannot run here: {exc}", file=sys.stderr)
                return 1
            tally.add(outcome)
            problems_out.write_lines(dumps(problem) for problem in outcome.kept)
            rejects_out.write_lines(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in outcome.rejects)
            _progress(args.site, tally, len(tasks), started, fetcher)
        problems_out.commit()
        rejects_out.commit()
    finally:
        checker.close()
        problems_out.discard()
        rejects_out.discard()
    report = tally.report()
    _write_json(args.out / "report.json", report)
    _write_json(args.out / "options.json", _settings(args))
    print(f"[competitive {args.site}] wrote {report['problems']['stdio']} stdio and "
          f"{report['problems']['function']} function problems and {tally.reject_count} rejects to {args.out}",
          file=sys.stderr)
    return 0
