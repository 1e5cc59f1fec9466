"""Codeforces: problem pages (both sample layouts), the API index and submissions, on a fake site."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scrapers.cache import Cache
from scrapers.codeforces import Codeforces, parse_problem_page, parse_submission_page
from scrapers.fetch import Fetcher, RetryPolicy
from scrapers.ratelimit import RateLimiter
from scrapers.types import FetchError, Page, ParseError, Reason, Sample, Submission
from tests.fake_sites import FakeSite, json_response, serve
from tests.site_pages import codeforces_problem_page, codeforces_submission_page
from tests.site_worlds import CF_PLATEAU, CF_SUM, codeforces_world

SAMPLES = [("3\n1 2\n10 20\n-5 5\n", "3\n30\n0\n"), ("1\n100 23\n", "123\n")]


def page(text: str, headers: dict[str, str] | None = None) -> Page:
    return Page("https://codeforces.com/contest/1/problem/A", 200, text, headers or {}, "2024-01-01T00:00:00Z")


def problem_html(**kwargs: object) -> str:
    settings = {
        "title": "A. Sum of Pairs",
        "legend": "<p>Print $$$a+b$$$ for each of $$$t$$$ pairs, where $$$1 \\le t$$$.</p>",
        "input_spec": "<p>The first line holds $$$t$$$.</p><ul><li>then $$$t$$$ lines</li><li>of pairs</li></ul>",
        "output_spec": "<p>$$$t$$$ lines.</p>",
        "samples": SAMPLES,
        **kwargs,
    }
    return codeforces_problem_page(**settings)


@pytest.mark.parametrize("variant", ["lines", "br"])
def test_both_sample_layouts_give_the_same_task(variant: str) -> None:
    task = parse_problem_page(page(problem_html(variant=variant, note="<p>So $$$1+2=3$$$.</p>",
                                                time_limit="2 seconds", memory="512 megabytes")))
    assert task.samples == tuple(Sample(i, o) for i, o in SAMPLES)
    assert task.title == "A. Sum of Pairs"
    assert (task.time_limit_s, task.memory_mb) == (2.0, 512)
    assert task.sections == (
        ("", "Print $a+b$ for each of $t$ pairs, where $1 \\le t$."),
        ("Input", "The first line holds $t$.\n\n- then $t$ lines\n- of pairs"),
        ("Output", "$t$ lines."),
    )
    assert task.notes == (("Note", "So $1+2=3$."),)
    assert not task.noai and task.fetched_at == "2024-01-01T00:00:00Z"


def test_display_maths_and_escaped_text() -> None:
    legend = "<p>Compute $$$$$$\\sum_i a_i$$$$$$ &amp; print &lt;it&gt;.</p>"
    task = parse_problem_page(page(problem_html(legend=legend)))
    assert task.sections[0][1] == "Compute $$\\sum_i a_i$$ & print <it>."


def test_noai_meta_tag_and_header_are_recorded() -> None:
    assert parse_problem_page(page(problem_html(noai=True))).noai
    assert parse_problem_page(page(problem_html(), {"x-robots-tag": "noai"})).noai


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (problem_html(samples=[]), Reason.MISSING_SAMPLES),
        (problem_html(truncate_at='<div class="sample-tests">'), Reason.TRUNCATED_HTML),
        (problem_html(truncate_at="</body>"), Reason.TRUNCATED_HTML),
        (problem_html(input_file="input.txt"), Reason.NOT_STDIO),
        ("<!DOCTYPE html><html><body><p>Maintenance</p></body></html>", Reason.NO_STATEMENT),
        (problem_html().replace('<div class="output"><div class="title">Output</div><pre>'
                                '<div class="test-example-line test-example-line-even test-example-line-1">123',
                                "<div><pre>123", 1), Reason.UNPAIRED_SAMPLES),
    ],
    ids=["missing-samples", "truncated-mid-page", "truncated-at-end", "file-io", "no-statement", "unpaired"],
)
def test_malformed_pages_are_rejected_with_the_reason(html: str, reason: str) -> None:
    with pytest.raises(ParseError) as failed:
        parse_problem_page(page(html))
    assert failed.value.reason == reason and failed.value.url.endswith("/problem/A")


def test_submission_source_is_unescaped() -> None:
    source = 'if a < b and s != "&amp;":\n    print(a)\n'
    assert parse_submission_page(page(codeforces_submission_page(source))) == (source, False)
    with pytest.raises(ParseError) as failed:
        parse_submission_page(page("<!DOCTYPE html><html><body>Login first</body></html>"))
    assert failed.value.reason == Reason.NO_SOURCE


@pytest.fixture(scope="module")
def world() -> Iterator[FakeSite]:
    site = FakeSite()
    codeforces_world(site)
    with serve(site):
        yield site


@pytest.fixture
def codeforces(world: FakeSite, tmp_path) -> Codeforces:
    fetcher = Fetcher(RateLimiter(0.0), Cache(tmp_path), RetryPolicy(retries=1, backoff_s=0.01, timeout_s=5))
    return Codeforces(fetcher, world.url(""), world.url("/api"))


def test_index_filters_by_rating_and_contest_and_marks_what_it_rules_out(codeforces: Codeforces) -> None:
    tasks = codeforces.list_tasks([], None, 2000)
    assert [t.key for t in tasks][:3] == ["codeforces:2003A", "codeforces:2001A", "codeforces:2001B"]
    assert "codeforces:2002A" not in [t.key for t in tasks]  # rating 2400
    skips = {t.key: t.skip for t in tasks if t.skip}
    assert skips == {"codeforces:2003A": Reason.CONTEST_NOT_FINISHED, "codeforces:2001H": Reason.INTERACTIVE}
    first = tasks[1]
    assert (first.name, first.rating, first.tags) == ("Sum of Pairs", 800, ("math", "implementation"))
    assert first.url.endswith("/contest/2001/problem/A")
    assert [t.index for t in codeforces.list_tasks(["2002"], None, None)] == ["A"]
    assert [t.index for t in codeforces.list_tasks(["2001"], 1300, 1400)] == ["E", "F"]


def test_accepted_python_submissions_and_their_source(codeforces: Codeforces, world: FakeSite) -> None:
    tasks = {t.index: t for t in codeforces.list_tasks(["2001"], None, None)}
    found = list(codeforces.accepted_python(tasks["A"]))
    # Not Python 2, not WRONG_ANSWER; newest first.
    assert [(s.id, s.language) for s in found] == [("900001", "PyPy 3-64"), ("900000", "Python 3")]
    assert list(codeforces.accepted_python(tasks["G"])) == []  # only C++ was accepted
    assert [s.id for s in codeforces.accepted_python(tasks["F"])] == ["900012", "900011"]
    full = codeforces.submission_source(found[0])
    assert full.source == CF_SUM and full.url == world.url("/contest/2001/submission/900001") and full.fetched_at
    plateau = codeforces.submission_source(Submission("900002", world.url("/contest/2001/submission/900002"), "x"))
    assert plateau.source == CF_PLATEAU


def test_missing_page_and_failing_api_are_clear_errors(codeforces: Codeforces, world: FakeSite) -> None:
    tasks = {t.index: t for t in codeforces.list_tasks(["2001"], None, None)}
    with pytest.raises(FetchError) as missing:
        codeforces.task_page(tasks["E"])
    assert missing.value.reason == Reason.NOT_FOUND
    with pytest.raises(FetchError) as refused:
        codeforces.api("contest.status", contestId=9999)
    assert refused.value.reason == Reason.HTTP_ERROR and "Contest not found" in refused.value.detail
    world.add("/api/user.info", json_response({"status": "FAILED", "comment": "handles: not found"}))
    with pytest.raises(FetchError) as failed:
        codeforces.api("user.info", handles="nobody")
    assert failed.value.reason == Reason.API_FAILED and "not found" in failed.value.detail


def test_task_page_through_the_server(codeforces: Codeforces) -> None:
    tasks = {t.index: t for t in codeforces.list_tasks(["2001"], None, None)}
    plateau = codeforces.task_page(tasks["B"])  # the older <br> layout, with a noai meta tag
    assert plateau.samples[0] == Sample("6\n1 1 2 2 2 3\n", "3\n") and plateau.noai
    assert "$$\\max_{l \\le r} (r - l + 1)$$" in plateau.sections[0][1]


# ---- older and other layouts: each one a page -------------------------------------------------


@pytest.mark.parametrize(("variant", "header"), [
    ("lines", "new"), ("br", "old"), ("text", "old"), ("split", "new"), ("br", "new"),
], ids=["lines-new-header", "br-stdin-header", "plain-pre-stdin-header", "one-sample-test-per-sample", "br"])
def test_every_header_and_sample_layout_gives_the_same_task(variant: str, header: str) -> None:
    streams = ("stdin", "stdout") if header == "old" else ("standard input", "standard output")
    html = problem_html(variant=variant, header=header, input_file=streams[0], output_file=streams[1])
    if header == "old":
        assert 'class="input-file input-standard"' in html and ">stdin</div>" in html
    task = parse_problem_page(page(html))
    assert task.samples == tuple(Sample(i, o) for i, o in SAMPLES)
    assert task.sections[2] == ("Output", "$t$ lines.")


def test_older_superscripts_keep_their_exponent() -> None:
    """Older pages print powers as 10<sup class="upper-index"> - 6</sup>; the exponent must survive."""
    spec = ('<p>Print the answer. The answer will be considered correct if its absolute or relative error '
            'doesn\'t exceed 10<sup class="upper-index"> - 6</sup>.</p>')
    task = parse_problem_page(page(problem_html(output_spec=spec, header="old", input_file="stdin",
                                                output_file="stdout")))
    assert "doesn't exceed 10^{ - 6}." in task.sections[2][1]


@pytest.mark.parametrize("where", ["section", "legend"])
def test_interactive_problems_are_rejected_with_their_own_reason(where: str) -> None:
    if where == "section":
        html = problem_html(interaction="<p>Ask at most 20 queries, then print the answer.</p>")
    else:
        html = problem_html(legend="<p><span class=\"tex-font-style-bf\">This is an interactive problem.</span></p>")
    with pytest.raises(ParseError) as failed:
        parse_problem_page(page(html))
    assert failed.value.reason == Reason.INTERACTIVE


def test_file_output_is_not_stdio_either() -> None:
    with pytest.raises(ParseError) as failed:
        parse_problem_page(page(problem_html(output_file="output.txt")))
    assert failed.value.reason == Reason.NOT_STDIO and "output.txt" in failed.value.detail
