"""What every base-model backend offers: ``sample(prompt, params, seed) -> list[Sample]``.

Backends differ in how they produce text (an OpenAI-compatible server, llama-cpp-python in
process, transformers in process) but not in what they return: ``params.n`` samples, each cut at
the first stop sequence, with the mean token log-probability of the kept text where the backend
can give it. Sampling follows the Codex paper: n = 100, temperature 0.8, top_p 0.95, stop at a new
top-level statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

CODEX_STOPS = ("\nclass", "\ndef", "\n#", "\nif", "\nprint")


@dataclass(frozen=True)
class SamplingParams:
    """How to sample; part of every filter record, so results say what produced them."""

    n: int = 100
    temperature: float = 0.8
    top_p: float = 0.95
    max_tokens: int = 256
    stop: tuple[str, ...] = CODEX_STOPS
    logprobs: bool = True

    def as_dict(self) -> dict:
        """JSON form for records and cache keys."""
        return {"n": self.n, "temperature": self.temperature, "top_p": self.top_p,
                "max_tokens": self.max_tokens, "stop": list(self.stop), "logprobs": self.logprobs}


@dataclass(frozen=True)
class Sample:
    """One completion, already truncated at the first stop sequence."""

    text: str
    finish_reason: str = "stop"  # "stop" (a stop sequence or end of text) or "length" (max_tokens)
    mean_logprob: float | None = None  # mean over the kept tokens; None when the backend gave none
    tokens: int = 0  # tokens kept (0 when unknown)

    def as_dict(self) -> dict:
        """JSON form."""
        return {"text": self.text, "finish_reason": self.finish_reason,
                "mean_logprob": self.mean_logprob, "tokens": self.tokens}


class SamplerError(RuntimeError):
    """The backend could not produce samples (server down after retries, model failed to load)."""


class Sampler(Protocol):
    """A loaded base model. ``name`` identifies it in records (model file, directory or server model).

    Sample ``i`` of a call is seeded by ``seed + i``, and a backend that draws samples together draws them
    in blocks of ``block_size`` from the first: so a call for samples ``start..`` with ``seed + start``
    (``start`` a multiple of ``block_size``) gives the samples a call for all of them gives there. This is
    what lets the filter stop early and still drop only what drawing all n would drop. ``concurrency`` is
    how many problems may usefully sample at once from one worker (1 for a model in this process).
    """

    name: str
    block_size: int
    concurrency: int

    def sample(self, prompt: str, params: SamplingParams, seed: int = 0) -> list[Sample]:
        """Exactly ``params.n`` samples of text continuing ``prompt``; deterministic for a given seed
        where the backend allows."""
        ...

    def close(self) -> None:
        """Release the model or connection."""
        ...


def truncate_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """``text`` cut before the earliest stop sequence, and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


@dataclass
class TokenLogprobs:
    """Per-token text and log-probability, to average over the tokens a truncation kept."""

    tokens: list[str] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)

    def mean_over(self, kept_chars: int) -> tuple[float | None, int]:
        """Mean log-probability of the tokens that start within the first ``kept_chars`` characters."""
        total, count, offset = 0.0, 0, 0
        for token, logprob in zip(self.tokens, self.logprobs, strict=False):
            if offset >= kept_chars:
                break
            if logprob is not None:
                total += logprob
                count += 1
            offset += len(token)
        return (total / count if count else None), count
