"""A Sampler that runs a causal language model in process with transformers, on CPU.

No compile step and no server: a model directory (config.json, weights, tokenizer files) or a GGUF
file that transformers dequantises. Slower than llama.cpp, but it runs anywhere torch does, and on a
tiny random model it makes the filter's plumbing testable.

Sampling is Codex-style and only that: temperature and top_p, nothing from the model's own
generation_config (Qwen's sets top_k=20 and a repetition penalty), no top_k=50 default. Generation
stops per sequence once a stop string appears in the *generated* text (transformers' own
``stop_strings`` also matches across the prompt boundary, which a server never does), and the text is
cut at the stop afterwards. Log-probabilities are those of the model's raw distribution (before
temperature and top_p, as servers report them), recorded one step at a time so memory does not
grow with vocab x length.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.filter.models.base import Sample, SamplerError, SamplingParams, TokenLogprobs, truncate_at_stop
from pipelines.filter.models.hf_batched import Row, RowBatcher, RowOutput, generate_rows

DEVICES = ("auto", "cpu", "cuda")
CPU_ROWS, GPU_ROWS = 25, 1024  # default rows per forward pass
EXPECTED = ("a transformers model directory with config.json, the weights (model.safetensors or pytorch_model.bin) "
            "and tokenizer files (tokenizer.json or vocab/merges), or a directory holding the GGUF file named")


@dataclass
class Generation:
    """One continuation before stop truncation, split into per-token pieces, for callers (like a test
    server) that need token-level detail."""

    text: str  # the decoded continuation up to end-of-text, possibly running past a stop string
    pieces: list[str]  # one string per generated token; they concatenate to ``text``
    logprobs: list[float] | None  # raw model log-probability of each token, when asked for
    finish_reason: str  # "length" when max_tokens ran out before end-of-text or a stop, else "stop"
    token_ids: list[int] = field(default_factory=list)  # the generated tokens behind ``pieces``

    def to_sample(self, stop: Sequence[str]) -> Sample:
        """Cut at the first stop; mean log-probability over the tokens that start in the kept text."""
        kept, found = truncate_at_stop(self.text, stop)
        finish = "length" if self.finish_reason == "length" and not found else "stop"
        if self.logprobs is not None:
            mean, count = TokenLogprobs(self.pieces, list(self.logprobs)).mean_over(len(kept))
            return Sample(kept, finish, mean, count)
        count, offset = 0, 0
        for piece in self.pieces:
            if offset >= len(kept):
                break
            count += 1
            offset += len(piece)
        return Sample(kept, finish, None, count)


class TransformersSampler:
    """A causal LM loaded from a local path (offline), sampled on the CPU or a GPU in batches; with
    ``concurrency`` above 1, the samples of that many problems in flight share batches."""

    def __init__(self, path: str | Path, *, gguf_file: str | None = None, threads: int | None = None,
                 batch_size: int | None = None, device: str = "auto", concurrency: int = 1) -> None:
        self.path = Path(path)
        self.gguf_file = gguf_file
        self.name = str(self.path / gguf_file) if gguf_file else str(self.path)
        # concurrency > 1: calls from that many threads (problems) are decoded together, a seed per row
        self.concurrency = max(1, concurrency)
        self._batcher = RowBatcher(self._rows) if self.concurrency > 1 else None
        self._lock = threading.Lock()  # torch's RNG is global: one generation at a time keeps seeds meaningful
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig
        except ImportError as exc:
            raise SamplerError(f"the transformers backend needs torch and transformers installed: {exc}") from exc
        self._torch = torch
        self.device = _device(torch, device)
        self.batch_size = max(1, batch_size or (GPU_ROWS if self.device == "cuda" else CPU_ROWS))
        # generate's batches are seeded as a whole: a block is one batch; rows seeded one by one need no blocks
        self.block_size = self.batch_size if self._batcher is None else 1
        if threads:
            torch.set_num_threads(threads)
        if not self.path.is_dir():
            raise SamplerError(f"model {self.name!r} not found or not a directory: expected {EXPECTED}")
        if gguf_file and not (self.path / gguf_file).is_file():
            raise SamplerError(f"model {self.name!r}: no GGUF file {gguf_file!r} in {self.path}")
        extra: dict[str, Any] = {"gguf_file": gguf_file} if gguf_file else {}
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True, **extra)
            self.model = AutoModelForCausalLM.from_pretrained(self.path, local_files_only=True, **extra)
        except Exception as exc:  # transformers raises OSError, ValueError, KeyError... depending on what is missing
            raise SamplerError(f"cannot load model {self.name!r} ({type(exc).__name__}: {exc}); "
                               f"expected {EXPECTED}") from exc
        # transformers 5 builds an empty tokenizer when the files are missing instead of failing; catch it here
        if len(self.tokenizer) < 2 or not self.tokenizer("def f(x):")["input_ids"]:
            raise SamplerError(f"model {self.name!r}: empty tokenizer (no tokenizer files?); expected {EXPECTED}")
        self.model.to(self.device)
        self.model.eval()
        self.eos_ids = _token_ids(self.model.generation_config.eos_token_id) or _token_ids(
            self.tokenizer.eos_token_id)
        pad = self.tokenizer.pad_token_id
        if pad is None:  # GPT-2-like tokenizers have no pad token; finished rows are padded with end-of-text
            pad = self.model.generation_config.pad_token_id
        if pad is None and self.eos_ids:
            pad = self.eos_ids[0]
        self.pad_id = pad
        # Codex sampling only: drop the checkpoint's sampling defaults, keep its special tokens.
        bos = self.model.generation_config.bos_token_id
        self.model.generation_config = GenerationConfig(bos_token_id=bos, eos_token_id=self.eos_ids or None,
                                                        pad_token_id=self.pad_id)

    def sample(self, prompt: str, params: SamplingParams, seed: int = 0) -> list[Sample]:
        """Exactly ``params.n`` samples cut at the first stop; the same seed gives the same samples."""
        if self._batcher is not None:
            return self._sample_rows(prompt, params, seed)
        return [g.to_sample(params.stop) for g in self.generations(prompt, params, seed)]

    def _sample_rows(self, prompt: str, params: SamplingParams, seed: int) -> list[Sample]:
        """``params.n`` rows seeded ``seed + i``, decoded with the rows of other problems waiting now."""
        if self.model is None:
            raise SamplerError(f"{self.name}: sampler is closed")
        if params.n <= 0:
            return []
        prompt_ids = self._prompt_ids(prompt)
        max_new = self._room(len(prompt_ids), params.max_tokens)
        rows = [Row(prompt_ids, seed + i, params, max_new) for i in range(params.n)]
        try:
            outputs = self._batcher.submit(rows)
        except (RuntimeError, ValueError, IndexError) as exc:
            raise SamplerError(f"{self.name}: generation failed ({type(exc).__name__}: {exc})") from exc
        samples = []
        for output in outputs:
            logprobs = self._torch.tensor(output.logprobs) if params.logprobs else None
            samples.append(self._decode(output.ids, output.stopped_at, logprobs, max_new).to_sample(params.stop))
        return samples

    def _rows(self, rows: list[Row]) -> list[RowOutput]:
        """Rows decoded ``batch_size`` at a time (the batcher's job)."""
        outputs: list[RowOutput] = []
        for start in range(0, len(rows), self.batch_size):
            outputs += generate_rows(self._torch, self.model, self.tokenizer, rows[start:start + self.batch_size],
                                     device=self.device, pad_id=self.pad_id if self.pad_id is not None else 0,
                                     eos_ids=self.eos_ids)
        return outputs

    def _prompt_ids(self, prompt: str) -> list[int]:
        """The prompt's token ids; an empty prompt starts from BOS (or end of text)."""
        ids = self.tokenizer(prompt)["input_ids"] if prompt else []
        if not ids:
            start = self.model.generation_config.bos_token_id
            ids = [start if start is not None else (self.eos_ids[0] if self.eos_ids else 0)]
        return list(ids)

    def _room(self, prompt_len: int, max_tokens: int) -> int:
        """``max_tokens``, less what would run past the model's context (like llama.cpp: fill it, not fail)."""
        context = getattr(self.model.config, "max_position_embeddings", None)
        if isinstance(context, int) and context > 0:
            if context - prompt_len <= 0:
                raise SamplerError(f"{self.name}: prompt of {prompt_len} tokens leaves no room in the "
                                   f"model's {context}-token context")
            return min(max_tokens, context - prompt_len)
        return max_tokens

    def generations(self, prompt: str, params: SamplingParams, seed: int = 0) -> list[Generation]:
        """``params.n`` untruncated continuations with per-token pieces (and logprobs when asked)."""
        if params.n <= 0:
            return []
        with self._lock:
            try:
                return self._generate(prompt, params, seed)
            except SamplerError:
                raise
            except (RuntimeError, ValueError, IndexError) as exc:
                raise SamplerError(f"{self.name}: generation failed ({type(exc).__name__}: {exc})") from exc

    def close(self) -> None:
        """Drop the model so its memory can be freed."""
        self.model = None
        self.tokenizer = None

    # -- generation ----------------------------------------------------------------------------------

    def _generate(self, prompt: str, params: SamplingParams, seed: int) -> list[Generation]:
        torch = self._torch
        from transformers import LogitsProcessorList, StoppingCriteriaList, TemperatureLogitsWarper, TopPLogitsWarper

        if self.model is None:
            raise SamplerError(f"{self.name}: sampler is closed")
        encoded = self.tokenizer(prompt, return_tensors="pt") if prompt else None
        if encoded is not None:  # some tokenizers add token_type_ids, which causal LMs' generate rejects
            encoded = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}
        if encoded is None or encoded["input_ids"].shape[1] == 0:  # generate needs at least one token
            start = self.model.generation_config.bos_token_id
            start = start if start is not None else (self.eos_ids[0] if self.eos_ids else 0)
            encoded = {"input_ids": torch.tensor([[start]]), "attention_mask": torch.tensor([[1]])}
        encoded = {name: tensor.to(self.device) for name, tensor in encoded.items()}
        prompt_len = encoded["input_ids"].shape[1]
        max_new = params.max_tokens
        context = getattr(self.model.config, "max_position_embeddings", None)
        if isinstance(context, int) and context > 0:  # like llama.cpp: fill the context rather than fail
            max_new = min(max_new, context - prompt_len)
            if max_new <= 0:
                raise SamplerError(f"{self.name}: prompt of {prompt_len} tokens leaves no room in the "
                                   f"model's {context}-token context")
        greedy = params.temperature <= 0
        sampling = {} if greedy else {"temperature": 1.0, "top_p": 1.0, "top_k": 0}  # warpers are ours, below
        out: list[Generation] = []
        while len(out) < params.n:
            batch = 1 if greedy else min(self.batch_size, params.n - len(out))
            torch.manual_seed(_batch_seed(seed + len(out)))
            recorder = _RawLogprobs() if params.logprobs else None
            stopper = _StopOnText(self.tokenizer, params.stop, prompt_len, batch)
            processors: list[Any] = [recorder] if recorder else []
            if not greedy:
                if params.temperature != 1.0:
                    processors.append(TemperatureLogitsWarper(params.temperature))
                if params.top_p < 1.0:
                    processors.append(TopPLogitsWarper(params.top_p))
            with torch.inference_mode():
                sequences = self.model.generate(
                    **encoded, **sampling, do_sample=not greedy, max_new_tokens=max_new,
                    num_return_sequences=batch, pad_token_id=self.pad_id,
                    logits_processor=LogitsProcessorList(processors),
                    stopping_criteria=StoppingCriteriaList([stopper] if params.stop else []),
                )
            generated = sequences[:, prompt_len:]
            logprobs = recorder.finish(sequences) if recorder else None
            for row in range(generated.shape[0]):
                out.append(self._decode(generated[row].tolist(), stopper.done_at[row],
                                        logprobs[row] if logprobs is not None else None, max_new))
            if greedy:  # every sample would be the same
                out.extend(out[0] for _ in range(params.n - 1))
        return out[: params.n]

    def _decode(self, ids: list[int], stopped_at: int | None, logprobs: Any, max_tokens: int) -> Generation:
        """One row of output ids -> its text, per-token pieces and logprobs; padding and end-of-text dropped."""
        end = len(ids)
        eos_at = next((i for i, t in enumerate(ids) if t in self.eos_ids), None)
        if eos_at is not None:
            end = eos_at
        if stopped_at is not None:
            end = min(end, stopped_at)
        ids = ids[:end]
        text = self._text(ids)
        pieces = _pieces(text, self._prefix_texts(ids))
        finish = "length" if eos_at is None and stopped_at is None and len(ids) >= max_tokens else "stop"
        values = [float(v) for v in logprobs[:end].tolist()] if logprobs is not None else None
        return Generation(text, pieces, values, finish, ids)

    def _text(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def _prefix_texts(self, ids: list[int]) -> list[str]:
        """The decoded text of every prefix ``ids[:i]``, i = 0..len-1, in one call to the tokenizer."""
        if not ids:
            return []
        return [""] + self.tokenizer.batch_decode([ids[:i] for i in range(1, len(ids))], skip_special_tokens=True,
                                                  clean_up_tokenization_spaces=False)


def _device(torch: Any, device: str) -> str:
    """``auto``: the GPU when torch sees one, else the CPU; ``cuda`` without a GPU is a SamplerError."""
    if device not in DEVICES:
        raise SamplerError(f"device {device!r} is not one of {', '.join(DEVICES)}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise SamplerError("--device cuda: torch sees no GPU (use --device auto or cpu)")
    return device


def _batch_seed(first: int) -> int:
    """A seed per batch from its first sample's seed, so a batch that stopped early (fewer RNG draws) does not
    shift the ones after it, and a call starting at that batch draws it again: sample i depends only on the
    seed of the call's first sample plus i, its batch and the prompt."""
    return (first * 1_000_003) % (2**63)


def _pieces(text: str, prefixes: list[str]) -> list[str]:
    """Split ``text`` into one piece per token, given the decoded text before each token.

    A prefix that ends inside a multi-byte character decodes with a trailing U+FFFD; its token starts
    where the prefix stops agreeing with the full text, so pieces always concatenate to ``text``
    (a token holding only part of a character gets an empty piece)."""
    starts: list[int] = []
    last = 0
    for prefix in prefixes:
        if text.startswith(prefix):
            start = len(prefix)
        else:
            stripped = prefix.rstrip("\ufffd")
            start = len(stripped) if text.startswith(stripped) else _common_prefix(text, prefix)
        last = min(max(last, start), len(text))
        starts.append(last)
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def _token_ids(value: Any) -> list[int]:
    if value is None:
        return []
    return [int(v) for v in value] if isinstance(value, list | tuple) else [int(value)]


class _RawLogprobs:
    """A logits processor placed first, so it sees the raw logits: it keeps each step's log-softmax and,
    at the next step, reads off the log-probability of the token that was chosen."""

    def __init__(self) -> None:
        self.previous = None
        self.chosen: list[Any] = []

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        if self.previous is not None:
            self.chosen.append(self.previous.gather(1, input_ids[:, -1:]).squeeze(1))
        self.previous = torch.log_softmax(scores.float(), dim=-1)
        return scores

    def finish(self, sequences: Any) -> Any:
        """(batch, generated) log-probabilities, the last token's included."""
        import torch

        if self.previous is not None:
            self.chosen.append(self.previous.gather(1, sequences[:, -1:]).squeeze(1))
            self.previous = None
        return torch.stack(self.chosen, dim=1) if self.chosen else torch.zeros((sequences.shape[0], 0))


class _StopOnText:
    """A stopping criterion: a row is done once any stop string appears in its generated text.

    Only the last few tokens are decoded each step (enough to hold the longest stop), and a row's
    generated length at that moment is kept, so padding never needs telling apart from real tokens."""

    def __init__(self, tokenizer: Any, stop: Sequence[str], prompt_len: int, batch: int) -> None:
        self.tokenizer = tokenizer
        self.stop = [s for s in stop if s]
        self.prompt_len = prompt_len
        self.window = max((len(s.encode()) for s in self.stop), default=1) + 1
        self.done_at: list[int | None] = [None] * batch

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        generated = input_ids[:, self.prompt_len:]
        length = generated.shape[1]
        tails = self.tokenizer.batch_decode(generated[:, -self.window:].tolist(), skip_special_tokens=True,
                                            clean_up_tokenization_spaces=False)
        result = []
        for row, tail in enumerate(tails):
            if self.done_at[row] is None and any(s in tail for s in self.stop):
                self.done_at[row] = length
            result.append(self.done_at[row] is not None)
        return torch.tensor(result, dtype=torch.bool, device=input_ids.device)
