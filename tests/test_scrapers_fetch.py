"""The polite HTTP client against a real server on 127.0.0.1: spacing, cache, retries, robots, noai."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrapers.cache import Cache
from scrapers.fetch import Fetcher, RetryPolicy, retry_after_s, user_agent
from scrapers.html_text import soup_of
from scrapers.ratelimit import RateLimiter
from scrapers.robots import noai_in_headers, noai_in_html, page_noai, rules_from
from scrapers.types import FetchError, Page, Reason
from tests.fake_sites import FakeSite, Response, serve

PAGE = "<!DOCTYPE html><html><body><p>hello</p></body></html>"


@pytest.fixture
def site() -> Iterator[FakeSite]:
    fake = FakeSite()
    fake.add("/robots.txt", Response("User-agent: *\nDisallow: /private/\n", content_type="text/plain"))
    for name in ("a", "b", "c", "d", "private/x"):
        fake.add(f"/{name}", Response(PAGE))
    with serve(fake):
        yield fake


def make_fetcher(cache_dir: Path | None = None, interval: float = 0.0, **policy: float) -> Fetcher:
    settings = {"backoff_s": 0.01, "timeout_s": 2.0, **policy}
    return Fetcher(RateLimiter(interval), Cache(cache_dir) if cache_dir else None, RetryPolicy(**settings))


def gaps(site: FakeSite) -> list[float]:
    times = [hit.at for hit in site.hits]
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def test_requests_to_one_host_are_spaced_as_measured_by_the_server(site: FakeSite) -> None:
    fetcher = make_fetcher(interval=0.25)
    for name in ("a", "b", "c", "d"):
        assert fetcher.get(site.url(f"/{name}")).text == PAGE
    assert [hit.path for hit in site.hits] == ["/robots.txt", "/a", "/b", "/c", "/d"]
    # Arrival jitter on loopback is far below the 20 ms slack.
    assert min(gaps(site)) >= 0.23, gaps(site)


def test_rate_limiter_keeps_hosts_apart_and_only_slows_down() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2.0, clock=lambda: now[0], sleep=sleep)
    assert limiter.wait("codeforces.com") == 0
    assert limiter.wait("atcoder.jp") == 0  # another host has its own slot
    assert limiter.wait("codeforces.com") == pytest.approx(2.0)
    limiter.slow_down("atcoder.jp", 5.0)
    limiter.slow_down("atcoder.jp", 1.0)  # a lower Crawl-delay does not speed it up
    assert limiter.interval("atcoder.jp") == 5.0
    assert limiter.wait("atcoder.jp") == pytest.approx(3.0)  # 2 s have passed since its last slot


def test_the_cache_answers_a_second_run_without_any_request(site: FakeSite, tmp_path: Path) -> None:
    first = make_fetcher(tmp_path)
    pages = [first.get(site.url(f"/{name}")) for name in ("a", "b")]
    with pytest.raises(FetchError) as missing:
        first.get(site.url("/nowhere"))
    assert missing.value.reason == Reason.NOT_FOUND
    requests_before = len(site.hits)
    assert requests_before == 4 and first.stats.requests == 4

    second = make_fetcher(tmp_path)
    again = [second.get(site.url(f"/{name}")) for name in ("a", "b")]
    with pytest.raises(FetchError) as still_missing:
        second.get(site.url("/nowhere"))
    assert still_missing.value.reason == Reason.NOT_FOUND  # the 404 is cached too
    assert len(site.hits) == requests_before and second.stats.requests == 0
    assert all(page.from_cache for page in again)
    assert [(p.text, p.fetched_at) for p in again] == [(p.text, p.fetched_at) for p in pages]
    url = site.url("/a")
    digest = hashlib.sha256(url.encode()).hexdigest()
    assert Cache(tmp_path).path(url) == tmp_path / digest[:2] / f"{digest}.json"
    assert Cache(tmp_path).path(url).is_file()


def test_503_is_retried_with_backoff_and_retry_after_is_honoured(site: FakeSite) -> None:
    site.add("/flaky", [Response("busy", status=503, headers={"Retry-After": "1"}), Response("busy", status=503),
                        Response(PAGE)])
    fetcher = make_fetcher()
    assert fetcher.get(site.url("/flaky")).text == PAGE
    times = [hit.at for hit in site.hits if hit.path == "/flaky"]
    assert len(times) == 3 and fetcher.stats.retries == 2
    assert times[1] - times[0] >= 0.95  # Retry-After: 1 beats the 10 ms backoff


def test_retries_give_up_and_a_failure_is_not_cached(site: FakeSite, tmp_path: Path) -> None:
    site.add("/down", Response("down", status=503))
    with pytest.raises(FetchError) as failed:
        make_fetcher(tmp_path, retries=2).get(site.url("/down"))
    assert failed.value.reason == Reason.RETRIES_EXHAUSTED and "503" in failed.value.detail
    assert site.count("/down") == 3
    with pytest.raises(FetchError):
        make_fetcher(tmp_path, retries=0).get(site.url("/down"))
    assert site.count("/down") == 4  # a transient failure is asked again next run


def test_a_timeout_is_retried(site: FakeSite) -> None:
    site.add("/slow", [Response(PAGE, sleep_s=1.0), Response(PAGE)])
    started = time.monotonic()
    page = make_fetcher(timeout_s=0.3).get(site.url("/slow"))
    assert page.text == PAGE and site.count("/slow") == 2
    assert time.monotonic() - started < 1.0  # the client did not wait for the slow answer


def test_a_retry_after_beyond_the_cap_gives_up_at_once(site: FakeSite) -> None:
    site.add("/later", Response("later", status=429, headers={"Retry-After": "3600"}))
    with pytest.raises(FetchError) as failed:
        make_fetcher(max_backoff_s=5.0).get(site.url("/later"))
    assert "Retry-After 3600" in failed.value.detail and site.count("/later") == 1


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_s("7") == 7.0
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412470.0) == pytest.approx(10.0)
    assert retry_after_s("soon") is None and retry_after_s(None) is None


def test_robots_txt_is_fetched_once_and_honoured(site: FakeSite) -> None:
    fetcher = make_fetcher()
    with pytest.raises(FetchError) as blocked:
        fetcher.get(site.url("/private/x"))
    assert blocked.value.reason == Reason.ROBOTS_DISALLOWED
    fetcher.get(site.url("/a"))
    fetcher.get(site.url("/b"))
    assert site.count("/private/x") == 0 and site.count("/robots.txt") == 1


def test_robots_rules_for_our_agent_and_crawl_delay() -> None:
    with serve(FakeSite()) as site:
        site.add("/robots.txt", Response("User-agent: sftmine\nDisallow: /\n\nUser-agent: *\nAllow: /\n"))
        site.add("/a", Response(PAGE))
        with pytest.raises(FetchError):
            make_fetcher().get(site.url("/a"))
    with serve(FakeSite()) as site:
        # urllib.robotparser reads whole seconds only.
        site.add("/robots.txt", Response("User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nCrawl-delay: 1\n"))
        for name in ("a", "b"):
            site.add(f"/{name}", Response(PAGE))
        fetcher = make_fetcher()
        fetcher.get(site.url("/a"))
        fetcher.get(site.url("/b"))
        assert gaps(site)[-1] >= 0.98  # Crawl-delay raised the 0 s interval


def test_robots_statuses_follow_the_rfc() -> None:
    def page(status: int) -> Page:
        return Page("http://x/robots.txt", status, "", {}, "")

    assert rules_from(page(404)).can_fetch("sftmine", "http://x/anything")
    assert not rules_from(page(403)).can_fetch("sftmine", "http://x/anything")
    assert not rules_from(None).can_fetch("sftmine", "http://x/anything")  # unreachable: keep out


def test_user_agent_names_us_and_a_contact(site: FakeSite) -> None:
    make_fetcher().get(site.url("/a"))
    agent = site.hits[-1].headers["user-agent"]
    assert agent == user_agent() and agent.startswith("sftmine/") and "(+https://" in agent


def test_noai_in_headers_and_meta_tags(site: FakeSite) -> None:
    assert noai_in_headers({"x-robots-tag": "noai"})
    assert noai_in_headers({"x-robots-tag": "noindex, noai, noimageai"})
    assert noai_in_headers({"x-robots-tag": "sftmine: noai"})
    assert not noai_in_headers({"x-robots-tag": "otherbot: noai, nofollow"})
    assert noai_in_headers({"x-robots-tag": "otherbot: nofollow, sftmine: noindex, noai"})
    assert not noai_in_headers({"x-robots-tag": "max-snippet: 20, noindex"})
    assert noai_in_html(soup_of('<html><head><meta name="robots" content="noai, noimageai"></head></html>'))
    assert noai_in_html(soup_of('<meta name="ROBOTS" content="NoAI">'))
    assert not noai_in_html(soup_of('<meta name="robots" content="noindex"><meta name="description" content="noai">'))
    site.add("/tagged", Response(PAGE, headers={"X-Robots-Tag": "noai"}))
    page = make_fetcher().get(site.url("/tagged"))
    assert page_noai(page) and not page_noai(make_fetcher().get(site.url("/a")), soup_of(PAGE))


def test_json_that_does_not_parse_is_a_clear_error(site: FakeSite) -> None:
    site.add("/api.json", Response('{"status": "OK", "result": [', content_type="application/json"))
    with pytest.raises(FetchError) as bad:
        make_fetcher().get_json(site.url("/api.json"))
    assert bad.value.reason == Reason.BAD_JSON
