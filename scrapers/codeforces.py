"""Codeforces: the API for the index and accepted submissions, problem and submission pages for text.

API ``{api}/{method}?...`` answers ``{"status": "OK"|"FAILED", "comment"?, "result"}``. Problem
pages ``{base}/contest/{c}/problem/{i}`` hold ``div.problem-statement``; submission pages
``{base}/contest/{c}/submission/{id}`` hold the code in ``pre#program-source-text``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from urllib.parse import urlencode

from bs4 import Tag

from scrapers.fetch import Fetcher
from scrapers.html_text import block_text, codeforces_math, looks_truncated, pre_text, soup_of, submission_source
from scrapers.robots import page_noai
from scrapers.types import FetchError, Page, ParseError, Reason, Sample, Submission, TaskPage, TaskRef

DEFAULT_BASE_URL = "https://codeforces.com"
DEFAULT_API_URL = "https://codeforces.com/api"
# The API allows one call per 2 s; pages share the host, so they get the same spacing.
DEFAULT_INTERVAL_S = 2.0
# "Python 3", "PyPy 3", "PyPy 3-64"; not "Python 2" or "PyPy 2".
PYTHON3 = re.compile(r"^(python|pypy)\s*3", re.I)
_SECONDS = re.compile(r"([\d.]+)\s*(?:seconds?|s\b)", re.I)
_MEGABYTES = re.compile(r"(\d+)\s*(?:megabytes?|mb\b)", re.I)
# Standard streams as headers name them: "standard input" now, "stdin" on older pages (class input-standard).
_STANDARD = {"input": ("standard input", "stdin"), "output": ("standard output", "stdout")}
_INTERACTIVE = re.compile(r"\bthis is an interactive (?:problem|task)\b", re.I)


def _property(header: Tag, css: str) -> str:
    """The value of a header property such as ``div.time-limit``, without its ``property-title``."""
    node = header.select_one(css)
    if node is None:
        return ""
    title = node.select_one(".property-title")
    text = node.get_text(" ", strip=True)
    return text[len(title.get_text(" ", strip=True)):].strip() if title else text


def _section(statement: Tag, css: str) -> str:
    """A statement section's text without its ``div.section-title``, maths made TeX."""
    node = statement.select_one(css)
    if node is None:
        return ""
    return codeforces_math(block_text(node, skip=[node.select_one("div.section-title")]))


def parse_problem_page(page: Page) -> TaskPage:
    """Statement, limits and samples of a problem page; raises ParseError with the reason."""
    if looks_truncated(page.text):
        raise ParseError(Reason.TRUNCATED_HTML, page.url, "no closing </html>")
    soup = soup_of(page.text)
    statement = soup.select_one("div.problem-statement")
    header = statement.select_one("div.header") if statement else None
    if statement is None or header is None:
        raise ParseError(Reason.NO_STATEMENT, page.url, "no div.problem-statement with a div.header")
    for stream, names in _STANDARD.items():
        value = _property(header, f"div.{stream}-file")
        if value and value.lower() not in names:
            raise ParseError(Reason.NOT_STDIO, page.url, f"{stream}-file is {value!r}")
    interaction = statement.select_one("div.interaction-specification")
    if interaction is not None or _INTERACTIVE.search(statement.get_text(" ")):
        what = "div.interaction-specification" if interaction is not None else "'This is an interactive problem'"
        raise ParseError(Reason.INTERACTIVE, page.url, f"the statement has {what}")
    inputs = statement.select("div.sample-test div.input pre")
    outputs = statement.select("div.sample-test div.output pre")
    if not inputs:
        raise ParseError(Reason.MISSING_SAMPLES, page.url, "no div.sample-test pre")
    if len(inputs) != len(outputs):
        raise ParseError(Reason.UNPAIRED_SAMPLES, page.url, f"{len(inputs)} inputs, {len(outputs)} outputs")
    legend = next((div for div in statement.find_all("div", recursive=False) if not div.get("class")), None)
    sections = [("", codeforces_math(block_text(legend)))]
    for heading, css in (("Input", "div.input-specification"), ("Output", "div.output-specification")):
        text = _section(statement, css)
        if text:
            sections.append((heading, text))
    note = _section(statement, "div.note")
    time_limit = _SECONDS.search(_property(header, "div.time-limit"))
    memory = _MEGABYTES.search(_property(header, "div.memory-limit"))
    title = header.select_one("div.title")
    return TaskPage(
        url=page.url,
        title=title.get_text(" ", strip=True) if title else "",
        sections=tuple((heading, text) for heading, text in sections if text),
        samples=tuple(Sample(pre_text(i), pre_text(o)) for i, o in zip(inputs, outputs, strict=True)),
        time_limit_s=float(time_limit.group(1)) if time_limit else None,
        memory_mb=int(memory.group(1)) if memory else None,
        noai=page_noai(page, soup),
        fetched_at=page.fetched_at,
        notes=(("Note", note),) if note else (),
    )


def parse_submission_page(page: Page) -> tuple[str, bool]:
    """The source code on a submission page and whether the page says ``noai``; raises ParseError."""
    return submission_source(page, "pre#program-source-text")


class Codeforces:
    """The Codeforces site: index and submissions from the API, text from pages."""

    name = "codeforces"

    def __init__(self, fetcher: Fetcher, base_url: str = DEFAULT_BASE_URL, api_url: str = DEFAULT_API_URL,
                 status_page_size: int = 1000, status_pages: int = 3) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.status_page_size = status_page_size
        self.status_pages = status_pages

    def api(self, method: str, **params: object) -> object:
        """The ``result`` of an API call; raises FetchError (``api_failed`` when the status is not OK)."""
        url = f"{self.api_url}/{method}" + (f"?{urlencode(params)}" if params else "")
        data = self.fetcher.get_json(url)
        if not isinstance(data, dict) or data.get("status") != "OK" or "result" not in data:
            comment = data.get("comment", "") if isinstance(data, dict) else "not an object"
            raise FetchError(Reason.API_FAILED, url, str(comment)[:200])
        return data["result"]

    def _contest_phases(self) -> dict[str, str]:
        try:
            contests = self.api("contest.list", gym="false")
        except FetchError:
            return {}  # the phases only refine the index; without them every contest is tried
        return {str(c.get("id")): str(c.get("phase", "")) for c in contests if isinstance(c, dict)}

    def list_tasks(self, contests: list[str], rating_min: int | None, rating_max: int | None) -> list[TaskRef]:
        """Problems from ``problemset.problems`` in the API's order (newest contests first)."""
        result = self.api("problemset.problems")
        problems = result.get("problems", []) if isinstance(result, dict) else []
        phases = self._contest_phases()
        wanted = set(contests)
        tasks = []
        for item in problems:
            contest, index = str(item.get("contestId", "")), str(item.get("index", ""))
            rating = item.get("rating")
            if not contest or not index or (wanted and contest not in wanted):
                continue
            if (rating_min is not None or rating_max is not None) and not isinstance(rating, int):
                continue
            if (rating_min is not None and rating < rating_min) or (rating_max is not None and rating > rating_max):
                continue
            tags = tuple(str(tag) for tag in item.get("tags", []))
            skip = ""
            if "interactive" in tags:
                skip = Reason.INTERACTIVE
            elif phases.get(contest, "FINISHED") != "FINISHED":
                skip = Reason.CONTEST_NOT_FINISHED
            tasks.append(TaskRef(
                site=self.name, contest=contest, index=index, name=str(item.get("name", "")),
                url=f"{self.base_url}/contest/{contest}/problem/{index}", rating=rating, tags=tags,
                meta={"points": item["points"]} if "points" in item else {}, skip=skip,
            ))
        return tasks

    def task_page(self, ref: TaskRef) -> TaskPage:
        """The problem page, parsed."""
        return parse_problem_page(self.fetcher.get(ref.url))

    def accepted_python(self, ref: TaskRef) -> Iterator[Submission]:
        """Submissions with verdict OK in Python 3 or PyPy 3 from ``contest.status``, newest first."""
        for page in range(self.status_pages):
            rows = self.api("contest.status", contestId=ref.contest, **{"from": 1 + page * self.status_page_size},
                            count=self.status_page_size)
            if not isinstance(rows, list):
                return
            for row in rows:
                problem = row.get("problem", {}) if isinstance(row, dict) else {}
                language = str(row.get("programmingLanguage", "")) if isinstance(row, dict) else ""
                if problem.get("index") == ref.index and row.get("verdict") == "OK" and PYTHON3.match(language):
                    number = str(row["id"])
                    yield Submission(number, f"{self.base_url}/contest/{ref.contest}/submission/{number}", language)
            if len(rows) < self.status_page_size:
                return

    def submission_source(self, submission: Submission) -> Submission:
        """The submission with its code from the submission page."""
        page = self.fetcher.get(submission.url)
        source, noai = parse_submission_page(page)
        return dataclasses.replace(submission, source=source, noai=noai, fetched_at=page.fetched_at)
