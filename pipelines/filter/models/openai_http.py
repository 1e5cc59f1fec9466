"""A Sampler that asks an OpenAI-compatible ``/v1/completions`` server (vLLM, llama.cpp's server, TGI).

Servers differ in what they honour, so the client assumes little: it asks again when fewer than ``n``
choices come back (llama.cpp's server ignores ``n``), cuts every text at the stop sequences itself
(some servers ignore ``stop``, or cap how many stops they take), and averages the log-probabilities
of the tokens it kept. Transient failures (connection errors, timeouts, 429, 5xx) are retried with
exponential backoff; anything else is a SamplerError that names the server, so a filter run can
record why a problem got no samples.

A call's samples are asked for in blocks of ``block_size`` (one request each, seeded with the seed of
the block's first sample), and every request goes through one bounded pool of ``concurrency`` threads
per client: the blocks of one problem, and the problems the filter samples side by side, are in flight
together up to that bound, which is what lets a batching server (vLLM, TGI) fill its batch. The samples
come back in the order of their index whatever order the answers arrive in.
"""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from pipelines.filter.models.base import Sample, SamplerError, SamplingParams, TokenLogprobs, truncate_at_stop

EMPTY_ANSWERS_ALLOWED = 3  # consecutive answers with no choices before giving up (a server that never samples)
MAX_RETRY_AFTER_S = 120.0  # a Retry-After longer than this is capped: the run should not stall for hours
BODY_EXCERPT = 300
DEFAULT_CONCURRENCY = 16  # requests in flight per worker
DEFAULT_BLOCK = 10  # samples per request: the filter's first round (10) is one request


def completions_endpoint(url: str) -> str:
    """``http://h:p``, ``http://h:p/v1`` or ``.../v1/completions`` -> the completions endpoint."""
    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise SamplerError(f"server URL {url!r} must start with http:// or https://")
    if base.endswith("/chat/completions"):
        raise SamplerError(f"{url}: a chat endpoint; this backend needs the plain completions endpoint (.../v1)")
    if base.endswith("/completions"):
        return base
    if base.endswith("/v1"):
        return base + "/completions"
    return base + "/v1/completions"


class OpenAICompletions:
    """Samples from an OpenAI-compatible completions server, one POST per block of samples (more if it returns
    fewer), up to ``concurrency`` POSTs in flight."""

    def __init__(self, url: str, model: str = "", *, api_key: str | None = None, timeout: float = 300.0,
                 retries: int = 4, backoff: float = 1.0, session: requests.Session | None = None,
                 concurrency: int = DEFAULT_CONCURRENCY, block_size: int = DEFAULT_BLOCK) -> None:
        if concurrency < 1 or block_size < 1:
            raise SamplerError(f"concurrency and block size must be at least 1, got {concurrency} and {block_size}")
        self.url = completions_endpoint(url)
        self.concurrency, self.block_size = concurrency, block_size
        self.model = model
        self.name = model or self.url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._own_session = session is None
        self.session = session or requests.Session()
        if self._own_session:  # one kept-alive connection per request in flight
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=concurrency)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="completions")
        self._model_lock = threading.Lock()
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.headers = {"Content-Type": "application/json"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        self._model_checked = bool(model)

    def sample(self, prompt: str, params: SamplingParams, seed: int = 0) -> list[Sample]:
        """Exactly ``params.n`` samples in index order, the blocks asked for side by side through the pool."""
        starts = range(0, params.n, self.block_size)
        futures = [self._pool.submit(self._block, prompt, params, min(self.block_size, params.n - start),
                                     seed + start) for start in starts]
        samples: list[Sample] = []
        for future in futures:
            samples += future.result()  # the first failure (a SamplerError) is raised, in index order
        return samples

    def _block(self, prompt: str, params: SamplingParams, n: int, seed: int) -> list[Sample]:
        """Exactly ``n`` samples, asking again for the rest while the server returns fewer."""
        samples: list[Sample] = []
        empty = 0
        while len(samples) < n:
            choices = self._complete(prompt, params, n - len(samples), seed + len(samples))
            if not choices:
                empty += 1
                if empty >= EMPTY_ANSWERS_ALLOWED:
                    raise SamplerError(f"{self.url}: {empty} answers in a row had no choices "
                                       f"({len(samples)} of {n} samples of a block collected)")
                continue
            empty = 0
            ordered = sorted(choices, key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0)
            for choice in ordered[: n - len(samples)]:
                samples.append(self._to_sample(choice, params))
        return samples

    def close(self) -> None:
        """Stop the request pool; close the HTTP session if this client opened it."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._own_session:
            self.session.close()

    # -- one request ---------------------------------------------------------------------------------

    def _complete(self, prompt: str, params: SamplingParams, n: int, seed: int) -> list[Any]:
        """The choices of one completions request for ``n`` samples."""
        body: dict[str, Any] = {"prompt": prompt, "n": n, "max_tokens": params.max_tokens,
                                "temperature": params.temperature, "top_p": params.top_p,
                                "stop": list(params.stop), "seed": seed}
        model = self._served_model()
        if model:
            body["model"] = model
        if params.logprobs:
            body["logprobs"] = 1
        response = self._post(body)
        try:
            payload = response.json()
        except (ValueError, json.JSONDecodeError) as exc:
            raise SamplerError(f"{self.url}: answer is not JSON ({exc}): {_excerpt(response)}") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("choices"), list):
            raise SamplerError(f"{self.url}: answer has no 'choices' list: {_excerpt(response)}")
        return payload["choices"]

    def _post(self, body: dict[str, Any]) -> requests.Response:
        """POST with retries on transient failures; a SamplerError for the rest."""
        last = ""
        for attempt in range(self.retries + 1):
            wait = self.backoff * 2 ** attempt
            try:
                response = self.session.post(self.url, json=body, headers=self.headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if status < 400:
                    return response
                if status != 429 and status < 500:
                    raise SamplerError(f"{self.url}: HTTP {status}: {_excerpt(response)}")
                last = f"HTTP {status}: {_excerpt(response)}"
                wait = _retry_after(response, wait)
            if attempt < self.retries:
                time.sleep(wait)
        raise SamplerError(f"{self.url}: failed after {self.retries + 1} attempts; last: {last}")

    def _served_model(self) -> str:
        """The model to name in requests: the one given, else the server's only model (vLLM insists on a
        matching name; llama.cpp ignores it). Asked once; no model field if the server will not say."""
        with self._model_lock:
            return self._ask_model()

    def _ask_model(self) -> str:
        if not self._model_checked:
            models_url = self.url.rsplit("/completions", 1)[0] + "/models"
            try:
                response = self.session.get(models_url, headers=self.headers, timeout=min(self.timeout, 30.0))
            except requests.RequestException:
                return self.model  # server not up yet: ask again next time
            self._model_checked = True  # it answered; whatever it said, do not ask again
            try:
                data = response.json().get("data") if response.ok else None
            except (ValueError, AttributeError):
                data = None
            if isinstance(data, list) and data and isinstance(data[0], dict):
                self.model = str(data[0].get("id") or "")
        return self.model

    # -- one choice ----------------------------------------------------------------------------------

    @staticmethod
    def _to_sample(choice: Any, params: SamplingParams) -> Sample:
        """A choice cut at the first stop, with the mean log-probability of the tokens kept."""
        if not isinstance(choice, dict):
            return Sample("", "stop")
        text = choice.get("text") or ""
        kept, found = truncate_at_stop(text, params.stop)
        finish = "length" if choice.get("finish_reason") == "length" and not found else "stop"
        mean, count = None, 0
        per_token = _token_logprobs(choice.get("logprobs")) if params.logprobs else None
        if per_token is not None:
            mean, count = per_token.mean_over(len(kept))
        return Sample(kept, finish, mean, count)


def _token_logprobs(logprobs: Any) -> TokenLogprobs | None:
    """Per-token logprobs in the completions form ({"tokens", "token_logprobs"}) or the chat form
    ({"content": [{"token", "logprob"}]}, which some llama.cpp versions send); None when absent."""
    if not isinstance(logprobs, dict):
        return None
    tokens, values = logprobs.get("tokens"), logprobs.get("token_logprobs")
    if isinstance(tokens, list) and isinstance(values, list) and tokens:
        return TokenLogprobs([str(t) for t in tokens], [_float(v) for v in values])
    content = logprobs.get("content")
    if isinstance(content, list) and content and all(isinstance(c, dict) for c in content):
        return TokenLogprobs([str(c.get("token", "")) for c in content], [_float(c.get("logprob")) for c in content])
    return None


def _float(value: Any) -> float | None:
    """A logprob as float; None for missing or non-numeric values (the first token of some servers)."""
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _retry_after(response: requests.Response, default: float) -> float:
    """Seconds a 429/503 asks us to wait (numeric Retry-After only), else ``default``."""
    header = response.headers.get("Retry-After", "")
    try:
        return min(max(float(header), 0.0), MAX_RETRY_AFTER_S)
    except ValueError:
        return default


def _excerpt(response: requests.Response) -> str:
    """The start of a response body, for error messages."""
    text = response.text or ""
    return repr(text[:BODY_EXCERPT]) + ("..." if len(text) > BODY_EXCERPT else "")
