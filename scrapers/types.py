"""Shared records of the scrapers: fetched pages, scraped tasks and submissions, and their errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


class Reason:
    """The closed set of reasons a fetch or a parse fails with; rejects and the report use them."""

    NOT_FOUND = "not_found"
    HTTP_ERROR = "http_error"
    RETRIES_EXHAUSTED = "retries_exhausted"
    ROBOTS_DISALLOWED = "robots_disallowed"
    BAD_JSON = "bad_json"
    API_FAILED = "api_failed"
    TRUNCATED_HTML = "truncated_html"
    NO_STATEMENT = "no_statement"
    MISSING_SAMPLES = "missing_samples"
    UNPAIRED_SAMPLES = "unpaired_samples"
    NOT_STDIO = "not_stdio"
    NO_SOURCE = "no_source"
    INTERACTIVE = "interactive"
    CONTEST_NOT_FINISHED = "contest_not_finished"


class ScrapeError(Exception):
    """A fetch or parse that failed for a reason from ``Reason``; ``detail`` says more."""

    def __init__(self, reason: str, url: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {url}" + (f" ({detail})" if detail else ""))
        self.reason = reason
        self.url = url
        self.detail = detail


class FetchError(ScrapeError):
    """The page could not be had: 404, disallowed by robots.txt, or still failing after retries."""


class ParseError(ScrapeError):
    """The page came back but does not hold what it should (truncated, no samples, no source)."""


@dataclass(frozen=True)
class Page:
    """One HTTP response body as text, from the network or the cache."""

    url: str
    status: int
    text: str
    headers: dict[str, str]
    fetched_at: str
    from_cache: bool = False


@dataclass(frozen=True)
class Sample:
    """One sample test as printed in the statement."""

    stdin: str
    stdout: str


@dataclass(frozen=True)
class TaskRef:
    """A task as listed by a site's index (before its page is fetched)."""

    site: str
    contest: str
    index: str
    name: str
    url: str
    rating: int | None = None
    tags: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)
    skip: str = ""  # a Reason when the index alone rules the task out (interactive, unfinished contest)

    @property
    def key(self) -> str:
        """A stable name for logs and rejects, e.g. ``codeforces:1850A``."""
        return f"{self.site}:{self.contest}{'/' if self.site == 'atcoder' else ''}{self.index}"


@dataclass(frozen=True)
class TaskPage:
    """What a task page holds: statement sections, limits and samples."""

    url: str
    title: str
    sections: tuple[tuple[str, str], ...]  # (heading, text) before the samples; "" heads the legend
    samples: tuple[Sample, ...]
    time_limit_s: float | None
    memory_mb: int | None
    noai: bool
    fetched_at: str
    notes: tuple[tuple[str, str], ...] = ()  # sections printed after the samples
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Submission:
    """An accepted submission in a Python dialect, with its source once fetched."""

    id: str
    url: str
    language: str
    source: str = ""
    noai: bool = False
    fetched_at: str = ""


class Site(Protocol):
    """A competitive-programming site: lists tasks, scrapes a task page, finds accepted Python code."""

    name: str

    def list_tasks(self, contests: list[str], rating_min: int | None, rating_max: int | None) -> list[TaskRef]:
        """Tasks in the index, filtered by contest ids and rating range, in a stable order.

        Tasks the index itself rules out come back too, with ``skip`` set, so that none is dropped
        unrecorded.
        """
        ...

    def task_page(self, ref: TaskRef) -> TaskPage:
        """The task's statement, limits and samples; raises ScrapeError."""
        ...

    def accepted_python(self, ref: TaskRef) -> Iterator[Submission]:
        """Accepted Python 3 submissions (ids and languages, no source yet), best first."""
        ...

    def submission_source(self, submission: Submission) -> Submission:
        """The submission with its source code filled in; raises ScrapeError."""
        ...
