"""Several sequences of one prompt decoded together, bit-identical to decoding each one alone.

As llama.cpp's ``batched`` example: the prompt (less its last token) is evaluated once into a sequence of
its own and copied to every sample's sequence; each step decodes one token of every live sequence. Each
sequence has its own sampler chain, seeded with the sample's own seed and built like llama-cpp-python's
``generate`` chain (top-k 0, typical 1, top-p, min-p 0, temperature, then the seeded draw), and stops
on its own stop sequences or end of text.

Sample i is the same token for token, log-probabilities included, as ``LlamaCppSampler`` draws it one
sequence at a time, whatever the batch size. Three things make it so (measured on the embedded model,
this build, 2 cores; ``tests/test_models_llama_cpp.py`` checks it on a tiny model):

* every sequence has its own KV stream (``kv_unified = False``), laid out as when it is decoded alone;
  in one unified cache the sequences' cells interleave and attention sums in another order;
* the model is loaded without weight repacking (``unrepacked_weights``): repacked matrices are multiplied by a
  kernel for four rows at a time and another for the rest, so a row's result depends on its neighbours;
* at most ``ROWS_PER_DECODE`` (7) rows go into one ``llama_decode``: from 8 rows on, the logits after the
  first step moved by up to 0.25 against one sequence alone (KV streams separate, no repacking).

Batching still pays: on 2 cores the output layer over Qwen's 152k vocabulary dominates a token's cost,
and 7 rows read the weights once instead of 7 times.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pipelines.filter.models.base import Sample, SamplerError, SamplingParams, TokenLogprobs, truncate_at_stop

SEED_RANGE = 0xFFFFFFFF  # llama.cpp seeds are uint32, and 0xFFFFFFFF itself means "pick one at random"
ROWS_PER_DECODE = 7  # the most rows whose logits equal one sequence's alone (see the module docstring)


@contextmanager
def unrepacked_weights(lib: Any) -> Iterator[None]:
    """While loading a ``Llama``: its model without repacked weights (``use_extra_bufts = False``).

    llama-cpp-python's ``Llama`` has no argument for it, so its default model params are wrapped for the
    duration of the load."""
    module = lib.llama_cpp
    default = module.llama_model_default_params

    def params() -> Any:
        made = default()
        made.use_extra_bufts = False
        return made

    module.llama_model_default_params = params
    try:
        yield
    finally:
        module.llama_model_default_params = default


@dataclass
class _Sequence:
    """One sample being decoded: its sampler chain, tokens so far and whether it has finished."""

    chain: Any
    completion: list[int] = field(default_factory=list)
    trace: TokenLogprobs = field(default_factory=TokenLogprobs)
    text: str = ""
    finish: str = "length"
    done: bool = False


class BatchedDecoder:
    """A llama.cpp context with ``batch`` sample sequences plus one prompt sequence, over a loaded model."""

    def __init__(self, llm: Any, lib: Any, *, batch: int, n_ctx: int, threads: int) -> None:
        self.llm, self.lib, self.batch, self.threads = llm, lib, batch, threads
        self.vocab = lib.llama_model_get_vocab(llm.model)
        self.n_vocab = llm.n_vocab()
        self.n_batch = 512
        self.prompt_seq = batch  # sequence ids 0..batch-1 are samples; this one holds the prompt
        self.ctx = None
        self.n_ctx = 0  # cells per sequence
        self.cached: list[int] | None = None  # the tokens held by the prompt sequence
        self._ensure_context(n_ctx)
        self._batch = lib.llama_batch_init(self.n_batch, 0, 1)

    def close(self) -> None:
        """Free the context and the batch."""
        if self.ctx is not None:
            self.lib.llama_free(self.ctx)
            self.ctx = None
        if self._batch is not None:
            self.lib.llama_batch_free(self._batch)
            self._batch = None

    def _ensure_context(self, needed: int) -> None:
        """A context whose every sequence holds ``needed`` cells; made anew (and larger) when it does not."""
        if self.ctx is not None and needed <= self.n_ctx:
            return
        lib = self.lib
        if self.ctx is not None:
            lib.llama_free(self.ctx)
        params = lib.llama_context_default_params()
        per_sequence = max(needed, 2 * self.n_ctx)
        params.n_ctx = per_sequence * (self.batch + 1)
        params.n_batch = params.n_ubatch = self.n_batch
        params.n_seq_max = self.batch + 1
        params.kv_unified = False  # a KV stream per sequence, as when it is decoded alone
        params.n_threads = params.n_threads_batch = self.threads
        params.no_perf = True
        # As llama-cpp-python's Llama (the one-sequence path): without flash attention, whose CPU kernel
        # rounds through f16 and moved the embedded model's token log-probabilities by a few percent.
        params.flash_attn_type = lib.LLAMA_FLASH_ATTN_TYPE_DISABLED
        self.ctx = lib.llama_init_from_model(self.llm.model, params)
        if not self.ctx:
            raise SamplerError(f"could not make a llama.cpp context of {params.n_ctx} cells")
        self.n_ctx = lib.llama_n_ctx(self.ctx) // (self.batch + 1)
        self.cached = None

    def _add(self, index: int, token: int, pos: int, seqs: list[int], logits: bool) -> None:
        batch = self._batch
        batch.token[index] = token
        batch.pos[index] = pos
        batch.n_seq_id[index] = len(seqs)
        for j, seq in enumerate(seqs):
            batch.seq_id[index][j] = seq
        batch.logits[index] = logits

    def _decode(self, n_tokens: int) -> None:
        self._batch.n_tokens = n_tokens
        status = self.lib.llama_decode(self.ctx, self._batch)
        if status != 0:
            raise SamplerError(f"llama_decode failed with status {status}")

    def _prime(self, head: list[int]) -> None:
        """The prompt sequence holds exactly ``head``, evaluated in chunks of ``n_batch``."""
        memory = self.lib.llama_get_memory(self.ctx)
        for seq in range(self.batch):
            self.lib.llama_memory_seq_rm(memory, seq, -1, -1)
        if self.cached == head:
            return
        self.lib.llama_memory_clear(memory, True)
        for start in range(0, len(head), self.n_batch):
            chunk = head[start:start + self.n_batch]
            for i, token in enumerate(chunk):
                self._add(i, token, start + i, [self.prompt_seq], False)
            self._decode(len(chunk))
        self.cached = list(head)

    def _chain(self, params: SamplingParams, seed: int) -> Any:
        lib = self.lib
        chain = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
        for sampler in (lib.llama_sampler_init_top_k(0), lib.llama_sampler_init_typical(1.0, 1),
                        lib.llama_sampler_init_top_p(params.top_p, 1), lib.llama_sampler_init_min_p(0.0, 1),
                        lib.llama_sampler_init_temp(params.temperature), lib.llama_sampler_init_dist(seed)):
            lib.llama_sampler_chain_add(chain, sampler)
        return chain

    def block(self, tokens: list[int], params: SamplingParams, budget: int, seeds: list[int]) -> list[Sample]:
        """One sample per seed (at most ``batch``), decoded together from the prompt ``tokens``."""
        lib = self.lib
        self._ensure_context(len(tokens) + budget + 8)
        self._prime(tokens[:-1])
        memory = lib.llama_get_memory(self.ctx)
        for seq in range(len(seeds)):
            lib.llama_memory_seq_cp(memory, self.prompt_seq, seq, -1, -1)
        sequences = [_Sequence(self._chain(params, seed % SEED_RANGE)) for seed in seeds]
        try:
            live = [(seq, tokens[-1]) for seq in range(len(seeds))]
            pos = len(tokens) - 1
            while live:
                going: list[tuple[int, int]] = []
                for start in range(0, len(live), ROWS_PER_DECODE):
                    rows = live[start:start + ROWS_PER_DECODE]
                    for i, (seq, token) in enumerate(rows):
                        self._add(i, token, pos, [seq], True)
                    self._decode(len(rows))
                    for i, (seq, _) in enumerate(rows):
                        token = lib.llama_sampler_sample(sequences[seq].chain, self.ctx, i)
                        if self._step(sequences[seq], token, i, tokens, params, budget):
                            going.append((seq, token))
                live = going
                pos += 1
        finally:
            for sequence in sequences:
                lib.llama_sampler_free(sequence.chain)
        return [self._sample(sequence, params) for sequence in sequences]

    def _step(self, sequence: _Sequence, token: int, index: int, prompt: list[int], params: SamplingParams,
              budget: int) -> bool:
        """Take ``token`` into ``sequence``; whether it goes on (as ``LlamaCppSampler._one`` decides)."""
        if self.lib.llama_vocab_is_eog(self.vocab, token):
            sequence.finish = "stop"
            return False
        sequence.trace.logprobs.append(self._logprob(token, index) if params.logprobs else 0.0)
        sequence.completion.append(token)
        now = self.llm.detokenize(sequence.completion, prev_tokens=prompt).decode("utf-8", errors="ignore")
        sequence.trace.tokens.append(now[len(sequence.text):] if now.startswith(sequence.text) else "")
        sequence.text = now
        if any(stop and stop in now for stop in params.stop):
            sequence.finish = "stop"
            return False
        return len(sequence.completion) < budget

    @staticmethod
    def _sample(sequence: _Sequence, params: SamplingParams) -> Sample:
        kept, stopped = truncate_at_stop(sequence.text, params.stop)
        finish = "stop" if stopped else sequence.finish
        mean, count = sequence.trace.mean_over(len(kept))
        return Sample(kept, finish, mean if params.logprobs else None, count)

    def _logprob(self, token: int, index: int) -> float:
        """Log-probability (temperature 1, no top-p) of ``token`` under the logits of batch row ``index``."""
        import numpy as np

        pointer = self.lib.llama_get_logits_ith(self.ctx, index)
        logits = np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)), shape=(self.n_vocab,))
        top = float(logits.max())
        return float(logits[token]) - top - float(np.log(np.exp(logits - top).sum()))
