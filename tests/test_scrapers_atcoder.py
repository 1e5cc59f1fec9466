"""AtCoder: task pages (current and older layouts), AtCoder Problems' index and submissions, on a fake site."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scrapers.atcoder import AtCoder, is_python3, parse_submission_page, parse_submissions_page, parse_task_page
from scrapers.cache import Cache
from scrapers.fetch import Fetcher, RetryPolicy
from scrapers.ratelimit import RateLimiter
from scrapers.types import FetchError, Page, ParseError, Reason, Sample, TaskRef
from tests.fake_sites import FakeSite, Response, json_response, serve
from tests.site_pages import atcoder_submission_page, atcoder_submissions_page, atcoder_task_page
from tests.site_worlds import AT_EVENS, AT_REPEAT, atcoder_world

SAMPLES = [("3\nab\n", "ababab\n"), ("1\nxyz\n", "xyz\n")]


def page(text: str, url: str = "https://atcoder.jp/contests/abc1/tasks/abc1_a?lang=en") -> Page:
    return Page(url, 200, text, {}, "2024-01-01T00:00:00Z")


def task_html(**kwargs: object) -> str:
    settings = {
        "title": "A - Repeat String",
        "statement": "<p>Print <var>S</var> repeated <var>N</var> times.</p>",
        "constraints": "<ul><li><var>1 \\leq N \\leq 10</var></li><li>All values are integers.</li></ul>",
        "input_spec": "<p>The input is given in the following format:</p><pre><var>N</var>\n<var>S</var>\n</pre>",
        "output_spec": "<p>Print the answer.</p>",
        "samples": SAMPLES,
        **kwargs,
    }
    return atcoder_task_page(**settings)


@pytest.mark.parametrize(("layout", "limits", "memory"), [
    ("new", "Time Limit: 2 sec / Memory Limit: 1024 MiB", 1024),
    ("old", "Time Limit: 2 sec / Memory Limit: 256 MB", 256),
])
def test_both_layouts_give_the_english_statement_and_samples(layout: str, limits: str, memory: int) -> None:
    task = parse_task_page(page(task_html(layout=layout, limits=limits, score=200)))
    # The Japanese section's "入力例 1" (with a different sample) is not read.
    assert task.samples == tuple(Sample(i, o) for i, o in SAMPLES)
    assert (task.title, task.time_limit_s, task.memory_mb) == ("A - Repeat String", 2.0, memory)
    assert task.sections == (
        ("Problem Statement", "Print $S$ repeated $N$ times."),
        ("Constraints", "- $1 \\leq N \\leq 10$\n- All values are integers."),
        ("Input", "The input is given in the following format:\n\n```\nN\nS\n```"),
        ("Output", "Print the answer."),
    )
    assert task.meta == {"points": 200} and not task.noai


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (task_html(samples=[]), Reason.MISSING_SAMPLES),
        (task_html(drop_output=2), Reason.UNPAIRED_SAMPLES),
        (task_html(layout="old", drop_output=1), Reason.UNPAIRED_SAMPLES),
        (task_html()[:-200], Reason.TRUNCATED_HTML),
        (task_html().replace('<span class="lang-en">', '<span class="lang-xx">'), Reason.NO_STATEMENT),
        ("<!DOCTYPE html><html><body>Contest not started</body></html>", Reason.NO_STATEMENT),
    ],
    ids=["missing-samples", "unpaired", "unpaired-old", "truncated", "japanese-only", "no-statement"],
)
def test_malformed_pages_are_rejected_with_the_reason(html: str, reason: str) -> None:
    with pytest.raises(ParseError) as failed:
        parse_task_page(page(html))
    assert failed.value.reason == reason


def test_oldest_pages_without_language_spans_are_read_whole() -> None:
    html = task_html().replace('<span class="lang-ja">', '<span class="lang-xx">').replace(
        '<span class="lang-en">', "<span>")
    html = html.replace("<h3>入力例 1</h3><pre>0</pre>", "<h3>Note</h3><p>none</p>")
    assert len(parse_task_page(page(html)).samples) == 2


@pytest.mark.parametrize(("language", "python3"), [
    ("Python (CPython 3.11.4)", True), ("Python (PyPy 3.10-v7.3.12)", True), ("PyPy3 (7.3.0)", True),
    ("Python3 (3.4.3)", True), ("Python (3.8.2)", True), ("Python2 (2.7.6)", False), ("PyPy2 (7.3.0)", False),
    ("Python (Cython 0.29.34)", False), ("C++ 20 (gcc 12.2)", False), ("Rust (rustc 1.70.0)", False),
])
def test_python3_dialects(language: str, python3: bool) -> None:
    assert is_python3(language) is python3


def test_submission_list_and_page() -> None:
    listing = page(atcoder_submissions_page("abc1", [
        (11, "Python (CPython 3.11.4)", "WA"), (12, "Python (PyPy 3.10-v7.3.12)", "AC"),
        (13, "C++ 20 (gcc 12.2)", "AC"), (14, "Python (CPython 3.11.4)", "AC"),
    ]), url="https://atcoder.jp/contests/abc1/submissions?f.Task=abc1_a")
    found = parse_submissions_page(listing)
    assert [(s.id, s.url) for s in found] == [
        ("12", "https://atcoder.jp/contests/abc1/submissions/12"),
        ("14", "https://atcoder.jp/contests/abc1/submissions/14"),
    ]
    assert parse_submission_page(page(atcoder_submission_page("print(1 < 2)\n"))) == ("print(1 < 2)\n", False)
    with pytest.raises(ParseError) as failed:
        parse_submission_page(page("<!DOCTYPE html><html><body></body></html>"))
    assert failed.value.reason == Reason.NO_SOURCE


@pytest.fixture(scope="module")
def world() -> Iterator[FakeSite]:
    site = FakeSite()
    atcoder_world(site)
    with serve(site):
        yield site


def make_atcoder(world: FakeSite, tmp_path, api: str = "/problems-api") -> AtCoder:
    fetcher = Fetcher(RateLimiter(0.0), Cache(tmp_path), RetryPolicy(retries=1, backoff_s=0.01, timeout_s=5))
    return AtCoder(fetcher, world.url(""), world.url(api))


def test_index_from_merged_problems_with_difficulty_filter(world: FakeSite, tmp_path) -> None:
    atcoder = make_atcoder(world, tmp_path)
    everything = atcoder.list_tasks([], None, None)
    assert [t.key for t in everything] == ["atcoder:abc900/A"] + [f"atcoder:abc901/{x}" for x in "ABCDEF"]
    assert everything[1].rating is None  # difficulties are fetched only for a rating filter
    easy = atcoder.list_tasks([], None, 350)
    assert [(t.meta["task_id"], t.rating) for t in easy] == [("abc901_a", -300), ("abc901_b", 150), ("abc901_c", 300)]
    assert easy[0].url == world.url("/contests/abc901/tasks/abc901_a?lang=en") and easy[0].meta["points"] == 100
    assert [t.index for t in atcoder.list_tasks(["abc900"], None, None)] == ["A"]


def test_index_falls_back_to_problems_json(world: FakeSite, tmp_path) -> None:
    world.add("/plain-api/resources/problems.json", json_response([
        {"id": "arc001_1", "contest_id": "arc001", "problem_index": "A", "name": "Old One", "title": "A. Old One"},
    ]))
    tasks = make_atcoder(world, tmp_path, api="/plain-api").list_tasks([], None, None)
    assert [(t.key, t.name) for t in tasks] == [("atcoder:arc001/A", "Old One")]


def test_task_page_submissions_and_sources_through_the_server(world: FakeSite, tmp_path) -> None:
    atcoder = make_atcoder(world, tmp_path)
    tasks = {t.index: t for t in atcoder.list_tasks(["abc901"], None, None)}
    assert atcoder.task_page(tasks["B"]).memory_mb == 256
    assert atcoder.task_page(tasks["E"]).noai  # X-Robots-Tag: noai
    found = list(atcoder.accepted_python(tasks["A"]))
    assert [s.id for s in found] == ["41000002"]
    assert atcoder.submission_source(found[0]).source == AT_REPEAT
    assert [atcoder.submission_source(s).source for s in atcoder.accepted_python(tasks["B"])] == [AT_EVENS]
    assert list(atcoder.accepted_python(tasks["D"])) == []
    listing = [hit.path for hit in world.hits if hit.path.startswith("/contests/abc901/submissions?")]
    assert "f.Task=abc901_a" in listing[0] and "f.Status=AC" in listing[0]
    missing = AtCoder(atcoder.fetcher, world.url(""), world.url("/nowhere"))
    with pytest.raises(FetchError) as failed:
        missing.list_tasks([], None, None)
    assert failed.value.reason == Reason.NOT_FOUND


# ---- older and other layouts: each one a page -------------------------------------------------


@pytest.mark.parametrize("layout", ["copy", "unilingual"])
def test_copy_buttons_and_single_language_pages(layout: str) -> None:
    html = task_html(layout=layout)
    assert ("btn-copy" in html) == (layout == "copy") and ("lang-en" in html) == (layout == "copy")
    task = parse_task_page(page(html))
    # The explanation's own pre (a figure) after a sample output is not a sample.
    assert task.samples == tuple(Sample(i, o) for i, o in SAMPLES)
    assert [heading for heading, _ in task.sections] == ["Problem Statement", "Constraints", "Input", "Output"]


def test_a_trailing_empty_line_of_a_sample_input_is_kept() -> None:
    """``1 0`` then an empty array line: a program reading with input() needs that second line."""
    task = parse_task_page(page(task_html(samples=[("1 0\n\n", "1\n"), ("2 1\n5\n", "6\n")])))
    assert task.samples == (Sample("1 0\n\n", "1\n"), Sample("2 1\n5\n", "6\n"))


def test_interactive_tasks_are_rejected_with_their_own_reason() -> None:
    html = task_html(statement="<p>This is an interactive task, where your program and the judge interact.</p>")
    with pytest.raises(ParseError) as failed:
        parse_task_page(page(html))
    assert failed.value.reason == Reason.INTERACTIVE


def test_every_page_of_a_submission_list_is_read_lazily_through_the_cache(tmp_path) -> None:
    site = FakeSite()
    query = "f.Task=abc7_a&f.LanguageName=Python&f.Status=AC&"
    pages = {
        1: [(7001, "C++ 20 (gcc 12.2)", "AC"), (7002, "Python (Cython 0.29.34)", "AC")],
        2: [(7003, "Python (CPython 3.11.4)", "AC")],
        3: [(7004, "Python (PyPy 3.10-v7.3.12)", "AC"), (7005, "Python (CPython 3.11.4)", "AC")],
    }

    def listing(params: dict[str, list[str]]) -> Response:
        number = int(params.get("page", ["1"])[0])
        return Response(atcoder_submissions_page("abc7", pages.get(number, []), number, 3, query))

    site.add("/robots.txt", Response("User-agent: *\n", content_type="text/plain"))
    site.add("/contests/abc7/submissions", listing)
    with serve(site):
        def atcoder() -> AtCoder:
            fetcher = Fetcher(RateLimiter(0.0), Cache(tmp_path), RetryPolicy(retries=1, backoff_s=0.01, timeout_s=5))
            return AtCoder(fetcher, site.url(""), site.url("/api"))

        ref = TaskRef("atcoder", "abc7", "A", "x", site.url("/contests/abc7/tasks/abc7_a"), meta={"task_id": "abc7_a"})
        assert [s.id for s in atcoder().accepted_python(ref)] == ["7003", "7004", "7005"]
        listed = [hit.path for hit in site.hits if hit.path.startswith("/contests/abc7/submissions")]
        assert [int(path.rsplit("page=", 1)[1]) for path in listed] == [1, 2, 3]
        # A caller that needs one solution stops after page 2; a rerun reads the pages from the cache.
        first = next(iter(atcoder().accepted_python(ref)))
        assert first.id == "7003" and len(site.hits) == len(listed) + 1  # the first robots.txt; the rest cached
