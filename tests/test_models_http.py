"""The OpenAI-compatible HTTP client against a real local server: one backed by the tiny GPT-2, and
scripted ones that misbehave the way real servers do (fewer choices than n, 503s, errors, bad JSON)."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipelines.filter.models.base import CODEX_STOPS, SamplerError, SamplingParams
from pipelines.filter.models.openai_http import OpenAICompletions, completions_endpoint
from tests.model_fixtures import (  # noqa: F401 - pytest fixtures
    CompletionServer,
    Reply,
    choice,
    sampler_backed,
    tiny_gpt2_dir,
    tiny_gpt2_sampler,
)

PROMPT = "def add(a, b):\n    "
STOPS = ("\n", "e")  # frequent in the tiny model's noise, so the client really has to cut


def numbered(request: dict) -> list[dict]:
    """A scripted server: choice i of a request says which seed and index produced it."""
    return [choice(f"seed={request.get('seed')} i={i}") for i in range(request.get("n", 1))]


def client(server: CompletionServer, **kwargs) -> OpenAICompletions:
    """A client with a short backoff that asks for all of a call's samples in one request (unless told)."""
    kwargs.setdefault("block_size", 100)
    return OpenAICompletions(server.url, kwargs.pop("model", "m"), backoff=kwargs.pop("backoff", 0.01), **kwargs)


# -- against the real tiny model ---------------------------------------------------------------------


def test_tiny_gpt2_server_gives_n_truncated_samples_with_logprobs(tiny_gpt2_sampler):  # noqa: F811
    params = SamplingParams(n=30, max_tokens=24, stop=STOPS)
    with CompletionServer(sampler_backed(tiny_gpt2_sampler)) as server:  # ignores stop, like some servers
        samples = OpenAICompletions(server.url, block_size=30).sample(PROMPT, params, seed=5)
    assert len(samples) == 30
    assert len(server.requests) == 1
    sent = server.requests[0]
    assert sent["n"] == 30 and sent["seed"] == 5 and sent["logprobs"] == 1 and sent["stop"] == list(STOPS)
    assert sent["model"] == "tiny-gpt2"  # no model given: the client asked /v1/models
    raw = [c["text"] for c in server.responses[0]]
    assert sum(any(stop in text for stop in STOPS) for text in raw) >= 20  # the server did not cut...
    assert not any(stop in s.text for s in samples for stop in STOPS)  # ...the client did
    assert all(raw_text.startswith(s.text) for raw_text, s in zip(raw, samples, strict=True))
    kept = [s for s in samples if s.text]
    assert len(kept) >= 20
    assert all(isinstance(s.mean_logprob, float) and s.mean_logprob < 0 and s.tokens > 0 for s in kept)
    # the same model in process with the same seed gives the same samples: nothing lost over the wire
    local = tiny_gpt2_sampler.sample(PROMPT, params, seed=5)
    assert [s.text for s in samples] == [s.text for s in local]
    for remote, here in zip(samples, local, strict=True):
        assert remote.tokens == here.tokens
        if here.mean_logprob is None:
            assert remote.mean_logprob is None
        else:
            assert remote.mean_logprob == pytest.approx(here.mean_logprob, abs=1e-6)


def test_server_that_applies_stop_and_ignores_n(tiny_gpt2_sampler):  # noqa: F811
    params = SamplingParams(n=5, max_tokens=32)
    with CompletionServer(sampler_backed(tiny_gpt2_sampler, apply_stop=True), max_choices=1) as server:
        samples = OpenAICompletions(server.url, "tiny").sample(PROMPT, params, seed=11)
    assert len(samples) == 5
    assert [r["n"] for r in server.requests] == [5, 4, 3, 2, 1]
    assert [r["seed"] for r in server.requests] == [11, 12, 13, 14, 15]
    assert not any(stop in s.text for s in samples for stop in CODEX_STOPS)
    assert all(s.mean_logprob is None or s.mean_logprob < 0 for s in samples)


# -- servers that return fewer choices ----------------------------------------------------------------


def test_asks_again_until_n_collected():
    with CompletionServer(numbered, max_choices=7) as server:
        samples = client(server).sample("p", SamplingParams(n=20), seed=100)
    assert len(samples) == 20
    assert [r["n"] for r in server.requests] == [20, 13, 6]
    assert [r["seed"] for r in server.requests] == [100, 107, 114]  # each re-ask samples afresh
    assert (samples[0].text, samples[7].text, samples[19].text) == ("seed=100 i=0", "seed=107 i=0", "seed=114 i=5")


def test_extra_choices_are_dropped():
    with CompletionServer(lambda request: [choice(str(i)) for i in range(request["n"] + 3)]) as server:
        samples = client(server).sample("p", SamplingParams(n=4))
    assert [s.text for s in samples] == ["0", "1", "2", "3"]


def test_a_server_that_never_returns_choices_is_an_error():
    with CompletionServer(lambda request: []) as server, pytest.raises(SamplerError) as caught:
        client(server).sample("p", SamplingParams(n=3))
    assert len(server.requests) == 3
    assert server.url in str(caught.value) and "no choices" in str(caught.value)


# -- transient and permanent failures -----------------------------------------------------------------


def test_503_then_success_is_retried_honouring_retry_after():
    with CompletionServer(numbered, fail_first=2, retry_after=0.25) as server:
        start = time.monotonic()
        samples = client(server, backoff=0.001).sample("p", SamplingParams(n=2))
        elapsed = time.monotonic() - start
    assert len(samples) == 2
    assert server.statuses == [503, 503, 200]
    assert elapsed >= 0.5  # two waits of Retry-After, not of the 1 ms backoff


def test_503_forever_gives_up_after_retries():
    with CompletionServer(numbered, fail_first=100) as server, pytest.raises(SamplerError) as caught:
        client(server, retries=2).sample("p", SamplingParams(n=2))
    assert len(server.requests) == 3
    assert server.url in str(caught.value) and "503" in str(caught.value)


def test_429_is_retried():
    calls = []

    def limited(request: dict) -> list[dict]:
        calls.append(request)
        if len(calls) == 1:
            raise Reply(429, '{"error": "rate limited"}', {"Retry-After": "0"})
        return numbered(request)

    with CompletionServer(limited) as server:
        assert len(client(server).sample("p", SamplingParams(n=1))) == 1
    assert server.statuses == [429, 200]


def test_400_is_an_error_naming_url_status_and_body_without_retry():
    def reject(request: dict) -> list[dict]:
        raise Reply(400, '{"error": {"message": "max_tokens is too large"}}')

    with CompletionServer(reject) as server, pytest.raises(SamplerError) as caught:
        client(server).sample("p", SamplingParams(n=1))
    message = str(caught.value)
    assert server.url + "/completions" in message and "400" in message and "max_tokens is too large" in message
    assert len(server.requests) == 1


def test_malformed_json_is_an_error_naming_url():
    def garbage(request: dict) -> list[dict]:
        raise Reply(200, "<html>proxy error</html>")

    with CompletionServer(garbage) as server, pytest.raises(SamplerError) as caught:
        client(server).sample("p", SamplingParams(n=1))
    assert server.url in str(caught.value) and "not JSON" in str(caught.value)


def test_timeout_is_retried_then_an_error():
    with CompletionServer(numbered, delay_s=0.6) as server:
        with pytest.raises(SamplerError) as caught:
            client(server, timeout=0.15, retries=1).sample("p", SamplingParams(n=1))
        time.sleep(0.1)
        assert len(server.requests) == 2
    assert "Timeout" in str(caught.value)


def test_connection_refused_is_an_error_after_retries():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sampler = OpenAICompletions(f"http://127.0.0.1:{port}", "m", retries=2, backoff=0.01)
    with pytest.raises(SamplerError) as caught:
        sampler.sample("p", SamplingParams(n=1))
    assert f"127.0.0.1:{port}" in str(caught.value) and "3 attempts" in str(caught.value)


# -- what is sent and how answers are read ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/", "/v1/completions"])
def test_url_forms_all_reach_the_completions_endpoint(suffix):
    with CompletionServer(numbered) as server:
        base = server.url.removesuffix("/v1")
        sampler = OpenAICompletions(base + suffix, "m")
        assert sampler.url == server.url + "/completions"
        assert sampler.name == "m"
        assert len(sampler.sample("p", SamplingParams(n=2))) == 2
        assert OpenAICompletions(base + suffix).name == server.url + "/completions"


def test_url_normalisation_rejects_what_it_cannot_use():
    assert completions_endpoint("https://h:8000/v1/completions/") == "https://h:8000/v1/completions"
    with pytest.raises(SamplerError):
        completions_endpoint("localhost:8000")
    with pytest.raises(SamplerError, match="chat"):
        completions_endpoint("http://h/v1/chat/completions")


def test_request_body_and_bearer_token():
    params = SamplingParams(n=3, temperature=0.5, top_p=0.9, max_tokens=17, stop=("\ndef",), logprobs=False)
    with CompletionServer(numbered) as server:
        client(server, model="qwen", api_key="sk-test").sample("the prompt", params, seed=9)
    assert server.requests == [{"model": "qwen", "prompt": "the prompt", "n": 3, "max_tokens": 17,
                                "temperature": 0.5, "top_p": 0.9, "stop": ["\ndef"], "seed": 9}]
    assert server.headers[0]["Authorization"] == "Bearer sk-test"


def test_bearer_token_from_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    with CompletionServer(numbered) as server:
        client(server).sample("p", SamplingParams(n=1))
    assert server.headers[0]["Authorization"] == "Bearer sk-env"


def test_finish_reason_and_logprobs_over_kept_tokens():
    logprobs = {"tokens": ["    return", " a", " +", " b", "\n", "def", " g"],
                "token_logprobs": [-1.0, -2.0, -3.0, -4.0, -50.0, -60.0, -70.0]}

    def answers(request: dict) -> list[dict]:
        return [choice("    return a + b\ndef g", 0, "length", logprobs),  # cut client-side: "stop"
                choice("    return a +", 1, "length", {"tokens": ["    return", " a", " +"],
                                                      "token_logprobs": [-1.0, -1.0, -4.0]}),
                choice("    pass", 2, "stop", None),
                choice("    x", 3, "stop", {"content": [{"token": "    x", "logprob": -0.5}]})]

    with CompletionServer(answers) as server:
        samples = client(server).sample("p", SamplingParams(n=4, stop=CODEX_STOPS), seed=0)
    assert [s.text for s in samples] == ["    return a + b", "    return a +", "    pass", "    x"]
    assert [s.finish_reason for s in samples] == ["stop", "length", "stop", "stop"]
    assert samples[0].mean_logprob == pytest.approx(-2.5) and samples[0].tokens == 4
    assert samples[1].mean_logprob == pytest.approx(-2.0) and samples[1].tokens == 3
    assert samples[2].mean_logprob is None and samples[2].tokens == 0
    assert samples[3].mean_logprob == pytest.approx(-0.5) and samples[3].tokens == 1


# -- blocks in flight through the bounded pool ----------------------------------------------------------


class Overlapping:
    """A scripted server that records how many requests it holds at once; later blocks answer sooner, so
    answers arrive out of order; the ``fail_at``-th request (by arrival) gets one 503."""

    def __init__(self, hold_s: float = 0.3, fail_at: int = 0) -> None:
        self.hold_s, self.fail_at = hold_s, fail_at
        self.lock = threading.Lock()
        self.now = self.most = self.arrived = 0

    def __call__(self, request: dict) -> list[dict]:
        with self.lock:
            self.arrived += 1
            number = self.arrived
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(self.hold_s * (1 + 1 / (1 + request["seed"] % 100)))
            if number == self.fail_at:
                raise Reply(503, "busy", {"Retry-After": "0"})
            return numbered(request)
        finally:
            with self.lock:
                self.now -= 1


def test_blocks_are_in_flight_together_and_come_back_in_order():
    script = Overlapping()
    with CompletionServer(script) as server:
        sampler = client(server, block_size=10, concurrency=4)
        samples = sampler.sample("p", SamplingParams(n=35), seed=100)
        sampler.close()
    assert sorted((r["seed"], r["n"]) for r in server.requests) == [(100, 10), (110, 10), (120, 10), (130, 5)]
    assert script.most == 4  # all four blocks at once
    assert [s.text for s in samples] == [f"seed={100 + 10 * (i // 10)} i={i % 10}" for i in range(35)]


def test_the_pool_bounds_requests_in_flight_across_problems():
    script = Overlapping(hold_s=0.2)
    with CompletionServer(script) as server:
        sampler = client(server, block_size=5, concurrency=3)
        with ThreadPoolExecutor(max_workers=4) as problems:  # four problems asking at once, as the filter does
            results = list(problems.map(lambda seed: sampler.sample("p", SamplingParams(n=10), seed=seed),
                                        [0, 1000, 2000, 3000]))
        sampler.close()
    assert script.most == 3 and len(server.requests) == 8
    assert [s.text for s in results[2]] == [f"seed={2000 + 5 * (i // 5)} i={i % 5}" for i in range(10)]


def test_a_503_in_the_middle_is_retried_and_order_kept():
    script = Overlapping(hold_s=0.1, fail_at=3)
    with CompletionServer(script) as server:
        sampler = client(server, block_size=4, concurrency=4, backoff=0.001)
        samples = sampler.sample("p", SamplingParams(n=20), seed=7)
        sampler.close()
    assert server.statuses.count(503) == 1 and server.statuses.count(200) == 5
    assert len(server.requests) == 6  # five blocks, one asked twice
    assert [s.text for s in samples] == [f"seed={7 + 4 * (i // 4)} i={i % 4}" for i in range(20)]
