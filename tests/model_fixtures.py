"""Model test doubles that are real where it matters: a tiny GPT-2 and an OpenAI-compatible HTTP server.

``build_tiny_gpt2`` writes a randomly initialised 2-layer GPT-2 with a byte-level BPE tokenizer
trained on a few stdlib modules; transformers loads it by path, offline, in a fraction of a second
and samples 100 x 128 tokens in a few seconds. Its text is noise, so it suits plumbing tests (counts,
truncation, seeds, log-probabilities), not pass rates.

``CompletionServer`` is a real HTTP server on 127.0.0.1 that speaks ``/v1/completions`` and
``/v1/models``. What it answers comes from a ``complete(request) -> choices`` callable: a fake of
your own, or ``sampler_backed(sampler)`` to serve any Sampler (with real per-token log-probabilities
for the transformers one). Options reproduce what real servers do to clients: return fewer choices
than ``n`` (llama.cpp), fail with 503 first, answer slowly. Usage::

    def complete(request: dict) -> list[dict]:
        return [choice(f"text {i}") for i in range(request["n"])]

    with CompletionServer(complete, max_choices=1) as server:
        sampler = OpenAICompletions(server.url)
        ...
        assert [r["n"] for r in server.requests] == [...]

Import what you need: ``from tests.model_fixtures import CompletionServer, tiny_gpt2_dir``; the
fixtures here are ordinary pytest fixtures and work once imported into a test module.
"""

from __future__ import annotations

import inspect
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

# Nothing in these tests may reach a model hub; set before transformers/huggingface_hub are imported.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

TINY_VOCAB = 1000
EOT = "<|endoftext|>"

Complete = Callable[[dict], list[dict]]


# -- the tiny model ----------------------------------------------------------------------------------


def build_tiny_gpt2(path: Path) -> Path:
    """Write a tiny random GPT-2 (2 layers, 64 dims, 2 heads, 512 positions) and its tokenizer to ``path``.

    The tokenizer is byte-level BPE (as GPT-2's), trained on a few stdlib modules so that code
    tokenises into code-like pieces; GPT-2's tokenizer has no pad token, which the sampler must cope with.
    """
    import bisect
    import functools
    import heapq
    import string
    import textwrap

    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    path.mkdir(parents=True, exist_ok=True)
    files = [inspect.getsourcefile(module) for module in (textwrap, string, bisect, heapq, functools)]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=TINY_VOCAB, min_frequency=2, special_tokens=[EOT],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    bpe.train([f for f in files if f], trainer)
    tokenizer = GPT2TokenizerFast(tokenizer_object=bpe, bos_token=EOT, eos_token=EOT, unk_token=EOT)
    tokenizer.save_pretrained(path)

    eot = tokenizer.convert_tokens_to_ids(EOT)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=512, n_embd=64, n_layer=2, n_head=2,
                        bos_token_id=eot, eos_token_id=eot)
    with torch.random.fork_rng():  # reproducible weights without disturbing the caller's RNG
        torch.manual_seed(0)
        model = GPT2LMHeadModel(config)
    model.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny GPT-2 model directory, built once per test session."""
    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="session")
def tiny_gpt2_sampler(tiny_gpt2_dir: Path) -> Iterator[Any]:
    """A TransformersSampler on the tiny GPT-2, loaded once per session (loading imports torch: seconds)."""
    from pipelines.filter.models.hf_transformers import TransformersSampler

    sampler = TransformersSampler(tiny_gpt2_dir, threads=1)  # tiny model: more threads only add sync cost
    yield sampler
    sampler.close()


# -- the server --------------------------------------------------------------------------------------


class Reply(Exception):
    """Raise from a ``complete`` callable to answer with this status and raw body instead of choices
    (a 400 for a bad request, a 200 whose body is not JSON, ...)."""

    def __init__(self, status: int, body: str | bytes = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = headers or {}


def choice(text: str, index: int = 0, finish_reason: str = "stop", logprobs: dict | None = None) -> dict:
    """An OpenAI completions choice."""
    return {"index": index, "text": text, "logprobs": logprobs, "finish_reason": finish_reason}


@dataclass
class CompletionServer:
    """An OpenAI-compatible completions server on 127.0.0.1 (a free port), served from a daemon thread.

    ``complete(request)`` gets each POSTed JSON body and returns the choices (OpenAI choice dicts:
    index, text, logprobs, finish_reason), or raises ``Reply`` to answer otherwise. The server records
    every POST body in ``requests`` (failed ones too), its status in ``statuses``, its headers in
    ``headers`` and the choices it sent in ``responses``. Options:

    - ``max_choices``: send at most this many choices per answer, as llama.cpp's server ignores ``n``;
    - ``fail_first``: answer 503 to the first k POSTs (with ``Retry-After: retry_after`` when set);
    - ``delay_s``: sleep this long before answering each POST (to trip client timeouts).

    ``GET /v1/models`` lists ``model``. Use as a context manager; ``url`` is ``http://127.0.0.1:PORT/v1``.
    """

    complete: Complete
    max_choices: int | None = None
    fail_first: int = 0
    delay_s: float = 0.0
    retry_after: float | None = None
    model: str = "tiny-gpt2"
    requests: list[dict] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    responses: list[list[dict]] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> CompletionServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="completion-server",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def answer(self, body: dict, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and extra headers for one POSTed request."""
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            number = len(self.requests)
        status, payload, extra = self._answer(body, number)
        with self._lock:
            self.statuses.append(status)
        return status, payload, extra

    def _answer(self, body: dict, number: int) -> tuple[int, bytes, dict[str, str]]:
        if self.delay_s:
            time.sleep(self.delay_s)
        if number <= self.fail_first:
            extra = {"Retry-After": f"{self.retry_after:g}"} if self.retry_after is not None else {}
            return 503, _json({"error": {"message": "server busy", "type": "overloaded"}}), extra
        try:
            choices = list(self.complete(body))
        except Reply as reply:
            return reply.status, reply.body, reply.headers
        if self.max_choices is not None:
            choices = choices[: self.max_choices]
        choices = [{**c, "index": i} for i, c in enumerate(choices)]
        with self._lock:
            self.responses.append(choices)
        return 200, _json({"id": f"cmpl-{number}", "object": "text_completion", "created": int(time.time()),
                           "model": body.get("model") or self.model, "choices": choices}), {}


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _handler_for(server: CompletionServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, _json({"object": "list", "data": [{"id": server.model, "object": "model"}]}))
            else:
                self._send(404, _json({"error": {"message": f"no route {self.path}"}}))

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self.path.rstrip("/").endswith("/completions"):
                self._send(404, _json({"error": {"message": f"no route {self.path}"}}))
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(400, _json({"error": {"message": "body is not JSON"}}))
                return
            status, payload, extra = server.answer(body, dict(self.headers.items()))
            self._send(status, payload, extra)

        def _send(self, status: int, payload: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

    return Handler


def sampler_backed(sampler: Any, *, apply_stop: bool = False) -> Complete:
    """A ``complete`` callable that serves ``sampler`` the way an OpenAI-compatible server would.

    With ``apply_stop=False`` (as some servers do) the request's stop sequences are ignored and the
    full continuation comes back; with ``apply_stop=True`` texts are cut at the first stop. When the
    request asks for logprobs, choices carry ``tokens``, ``token_logprobs``, ``top_logprobs`` and
    ``text_offset`` (offsets count from the start of the prompt, as OpenAI's do). A sampler with
    ``generations()`` (TransformersSampler) gives real per-token values; any other Sampler's text is
    split into one-character tokens that each carry the sample's mean log-probability.
    """
    from pipelines.filter.models.base import SamplingParams, truncate_at_stop

    def complete(request: dict) -> list[dict]:
        prompt = request.get("prompt", "")
        if not isinstance(prompt, str):
            raise Reply(400, _json({"error": {"message": "prompt must be a string"}}))
        stop = request.get("stop") or []
        stop = (stop,) if isinstance(stop, str) else tuple(stop)
        want_logprobs = bool(request.get("logprobs"))
        params = SamplingParams(n=int(request.get("n", 1)), temperature=float(request.get("temperature", 1.0)),
                                top_p=float(request.get("top_p", 1.0)), max_tokens=int(request.get("max_tokens", 16)),
                                stop=stop if apply_stop else (), logprobs=want_logprobs)
        seed = int(request.get("seed") or 0)
        if hasattr(sampler, "generations"):
            rows = [(g.text, g.pieces, g.logprobs, g.finish_reason)
                    for g in sampler.generations(prompt, params, seed)]
        else:
            rows = [(s.text, list(s.text), [s.mean_logprob] * len(s.text) if s.mean_logprob is not None else None,
                     s.finish_reason) for s in sampler.sample(prompt, params, seed)]
        choices = []
        for index, (text, pieces, logprobs, finish) in enumerate(rows):
            if apply_stop:
                kept, found = truncate_at_stop(text, stop)
                pieces, logprobs = _cut_pieces(pieces, logprobs, len(kept))
                text, finish = kept, ("stop" if found else finish)
            lp = None
            if want_logprobs and logprobs is not None:
                offsets, at = [], len(prompt)
                for piece in pieces:
                    offsets.append(at)
                    at += len(piece)
                lp = {"tokens": pieces, "token_logprobs": logprobs,
                      "top_logprobs": [{p: v} for p, v in zip(pieces, logprobs, strict=True)], "text_offset": offsets}
            choices.append(choice(text, index, finish, lp))
        return choices

    return complete


def _cut_pieces(pieces: list[str], logprobs: list[float] | None, keep: int) -> tuple[list[str], list[float] | None]:
    """The tokens that start within the first ``keep`` characters, the last one trimmed to fit."""
    out, at = [], 0
    for piece in pieces:
        if at >= keep:
            break
        out.append(piece[: keep - at])
        at += len(piece)
    return out, (logprobs[: len(out)] if logprobs is not None else None)
