"""AtCoder: the index from AtCoder Problems' JSON, task and submission pages from AtCoder itself.

AtCoder Problems serves ``{api}/resources/merged-problems.json`` (or the plainer ``problems.json``:
``id``, ``contest_id``, ``problem_index``, ``name``) and ``problem-models.json`` (``difficulty``).
Task pages ``{base}/contests/{c}/tasks/{id}?lang=en`` hold ``#task-statement span.lang-en``;
``{base}/contests/{c}/submissions?f.Task=...`` lists submissions and each submission page holds
the code in ``pre#submission-code``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from urllib.parse import urlencode, urljoin

from bs4 import Tag

from scrapers.fetch import Fetcher
from scrapers.html_text import block_text, looks_truncated, pre_text, soup_of, submission_source
from scrapers.robots import page_noai
from scrapers.types import FetchError, Page, ParseError, Reason, Sample, Submission, TaskPage, TaskRef

DEFAULT_BASE_URL = "https://atcoder.jp"
DEFAULT_API_URL = "https://kenkoooo.com/atcoder"
DEFAULT_INTERVAL_S = 1.0
# "Sample Input 1" on current pages, "Input Example #1" and the Japanese headings on older ones.
_SAMPLE_IN = re.compile(r"^\s*(?:sample\s+input|input\s+example|入力例)\s*#?\s*(\d+)", re.I)
_SAMPLE_OUT = re.compile(r"^\s*(?:sample\s+output|output\s+example|出力例)\s*#?\s*(\d+)", re.I)
_LIMITS = re.compile(r"Time Limit:\s*([\d.]+)\s*sec\s*/\s*Memory Limit:\s*(\d+)\s*(MiB|MB|KiB|KB)", re.I)
_SCORE = re.compile(r"Score\s*:\s*\$?(\d+)", re.I)
_SUBMISSION_LINK = re.compile(r"/submissions/(\d+)/?$")
_PAGE_NUMBER = re.compile(r"[?&]page=(\d+)")
_INTERACTIVE = re.compile(r"\bthis is an interactive (?:task|problem)\b|インタラクティブな問題", re.I)
# A submission list is read page after page until enough solutions are found; this bounds a task
# whose list is long and holds no usable Python (each page is one polite request).
DEFAULT_SUBMISSION_PAGES = 20


def is_python3(language: str) -> bool:
    """CPython 3 or PyPy 3 ("Python (CPython 3.11.4)", "PyPy3 (7.3.0)"); not Python 2, not Cython."""
    text = language.lower()
    if "python" not in text and "pypy" not in text:
        return False
    return "cython" not in text and not re.search(r"python\s*2|pypy\s*2|\(2\.", text)


def _limits(soup: Tag) -> tuple[float | None, int | None]:
    match = _LIMITS.search(soup.get_text(" "))
    if not match:
        return None, None
    memory = int(match.group(2))
    if match.group(3).lower().startswith("k"):
        memory //= 1024
    return float(match.group(1)), memory


def _samples_and_sections(root: Tag, url: str) -> tuple[list[Sample], list[tuple[str, str]]]:
    """Walk headings and ``pre`` blocks in document order: the first ``pre`` under a sample heading is it."""
    inputs: dict[int, str] = {}
    outputs: dict[int, str] = {}
    sections: list[tuple[str, str]] = []
    target: dict[int, str] | None = None
    number = 0
    for node in root.find_all(["h3", "pre"]):
        if node.name == "h3":
            heading = node.get_text(" ", strip=True)
            target = None
            for pattern, bucket in ((_SAMPLE_IN, inputs), (_SAMPLE_OUT, outputs)):
                match = pattern.match(heading)
                if match:
                    target, number = bucket, int(match.group(1))
            if target is None and isinstance(node.parent, Tag):
                sections.append((heading, block_text(node.parent, skip=[node])))
        elif target is not None and number not in target:
            target[number] = pre_text(node)
            target = None
    if not inputs:
        raise ParseError(Reason.MISSING_SAMPLES, url, "no 'Sample Input N' heading followed by a pre")
    if sorted(inputs) != sorted(outputs):
        raise ParseError(Reason.UNPAIRED_SAMPLES, url, f"inputs {sorted(inputs)}, outputs {sorted(outputs)}")
    return [Sample(inputs[n], outputs[n]) for n in sorted(inputs)], [s for s in sections if s[1]]


def parse_task_page(page: Page) -> TaskPage:
    """Statement (English section), limits and samples of a task page; raises ParseError."""
    if looks_truncated(page.text):
        raise ParseError(Reason.TRUNCATED_HTML, page.url, "no closing </html>")
    soup = soup_of(page.text)
    statement = soup.select_one("#task-statement")
    if statement is None:
        raise ParseError(Reason.NO_STATEMENT, page.url, "no #task-statement")
    english = statement.select_one("span.lang-en")
    if english is None and statement.select_one("span.lang-ja") is not None:
        raise ParseError(Reason.NO_STATEMENT, page.url, "no English statement (span.lang-en)")
    root = english or statement  # the oldest pages have one language and no span.lang
    if _INTERACTIVE.search(root.get_text(" ")):
        raise ParseError(Reason.INTERACTIVE, page.url, "the statement says 'This is an interactive task'")
    samples, sections = _samples_and_sections(root, page.url)
    heading = soup.select_one("span.h2")
    title = next(heading.stripped_strings, "") if heading else (soup.title.get_text(strip=True) if soup.title else "")
    time_limit, memory = _limits(soup)
    score = _SCORE.search(root.find("p").get_text(" ") if root.find("p") else "")
    return TaskPage(
        url=page.url,
        title=title,
        sections=tuple(sections),
        samples=tuple(samples),
        time_limit_s=time_limit,
        memory_mb=memory,
        noai=page_noai(page, soup),
        fetched_at=page.fetched_at,
        meta={"points": int(score.group(1))} if score else {},
    )


def last_page(page: Page) -> int:
    """The highest page number the list's pagination links to (1 when it has none)."""
    soup = soup_of(page.text)
    numbers = [int(match.group(1)) for a in soup.select("ul.pagination a[href]")
               if (match := _PAGE_NUMBER.search(a["href"]))]
    return max(numbers, default=1)


def parse_submissions_page(page: Page) -> list[Submission]:
    """Accepted Python 3 rows of a submission list, in page order."""
    soup = soup_of(page.text)
    found = []
    for table in soup.find_all("table"):
        names = [th.get_text(" ", strip=True).lower() for th in table.select("thead th")]
        if "language" not in names or "status" not in names:
            continue
        language_at, status_at = names.index("language"), names.index("status")
        for row in table.select("tbody tr"):
            cells = row.find_all("td", recursive=False)
            if len(cells) <= max(language_at, status_at):
                continue
            language = cells[language_at].get_text(" ", strip=True)
            status = cells[status_at].get_text(" ", strip=True)
            link = next((a["href"] for a in row.find_all("a", href=True) if _SUBMISSION_LINK.search(a["href"])), None)
            if link and status == "AC" and is_python3(language):
                number = _SUBMISSION_LINK.search(link).group(1)
                found.append(Submission(number, urljoin(page.url, link), language))
    return found


def parse_submission_page(page: Page) -> tuple[str, bool]:
    """The source code on a submission page and whether the page says ``noai``; raises ParseError."""
    return submission_source(page, "pre#submission-code")


class AtCoder:
    """The AtCoder site: index from AtCoder Problems, text and submissions from atcoder.jp."""

    name = "atcoder"

    def __init__(self, fetcher: Fetcher, base_url: str = DEFAULT_BASE_URL, api_url: str = DEFAULT_API_URL,
                 submission_pages: int = DEFAULT_SUBMISSION_PAGES) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.submission_pages = submission_pages

    def _problems(self) -> list[dict]:
        try:
            rows = self.fetcher.get_json(f"{self.api_url}/resources/merged-problems.json")
        except FetchError as exc:
            if exc.reason != Reason.NOT_FOUND:
                raise
            rows = self.fetcher.get_json(f"{self.api_url}/resources/problems.json")
        return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []

    def _difficulties(self) -> dict[str, int]:
        try:
            models = self.fetcher.get_json(f"{self.api_url}/resources/problem-models.json")
        except FetchError:
            return {}  # difficulties only serve the rating filter
        if not isinstance(models, dict):
            return {}
        return {
            key: round(model["difficulty"]) for key, model in models.items()
            if isinstance(model, dict) and isinstance(model.get("difficulty"), int | float)
        }

    def list_tasks(self, contests: list[str], rating_min: int | None, rating_max: int | None) -> list[TaskRef]:
        """Tasks sorted by contest id and problem index; AtCoder Problems' difficulty is the rating."""
        difficulties = self._difficulties() if rating_min is not None or rating_max is not None else {}
        wanted = set(contests)
        tasks = []
        for row in self._problems():
            task_id, contest = str(row.get("id", "")), str(row.get("contest_id", ""))
            if not task_id or not contest or (wanted and contest not in wanted):
                continue
            rating = difficulties.get(task_id)
            if (rating_min is not None or rating_max is not None) and rating is None:
                continue
            if (rating_min is not None and rating < rating_min) or (rating_max is not None and rating > rating_max):
                continue
            meta = {"task_id": task_id}
            if isinstance(row.get("point"), int | float):
                meta["points"] = int(row["point"])
            tasks.append(TaskRef(
                site=self.name, contest=contest, index=str(row.get("problem_index", "")),
                name=str(row.get("name", "")), url=f"{self.base_url}/contests/{contest}/tasks/{task_id}?lang=en",
                rating=rating, meta=meta,
            ))
        return sorted(tasks, key=lambda ref: (ref.contest, ref.index, ref.meta["task_id"]))

    def task_page(self, ref: TaskRef) -> TaskPage:
        """The task page, parsed."""
        return parse_task_page(self.fetcher.get(ref.url))

    def accepted_python(self, ref: TaskRef) -> Iterator[Submission]:
        """Accepted Python 3 submissions, page after page of the task's submission list.

        Pages are fetched lazily (a caller that stops early asks for no more), up to the last page the
        pagination links to and at most ``submission_pages``.
        """
        number, last = 1, 1
        while number <= min(last, self.submission_pages):
            query = urlencode({"f.Task": ref.meta["task_id"], "f.LanguageName": "Python", "f.Status": "AC",
                               "page": number})
            page = self.fetcher.get(f"{self.base_url}/contests/{ref.contest}/submissions?{query}")
            last = max(last, last_page(page))
            yield from parse_submissions_page(page)
            number += 1

    def submission_source(self, submission: Submission) -> Submission:
        """The submission with its code from the submission page."""
        page = self.fetcher.get(submission.url)
        source, noai = parse_submission_page(page)
        return dataclasses.replace(submission, source=source, noai=noai, fetched_at=page.fetched_at)
