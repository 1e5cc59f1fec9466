"""A GGUF model sampled in process with llama-cpp-python (the embedded default's backend).

We drive ``Llama.generate`` ourselves instead of calling ``create_completion``, for two measured reasons
(llama-cpp-python 0.3.36, Qwen2.5-Coder-0.5B Q4_K_M, 2 cores):

* ``create_completion(logprobs=1)`` refuses to run unless the model was loaded with ``logits_all=True``,
  which keeps an ``n_ctx x n_vocab`` float32 array (1.2 GB for a 2048-token context and Qwen's
  152k vocabulary), copies every position's logits and re-normalises all of them for every token:
  10 samples of HumanEval/0 took 198 s that way against 19 s without logprobs. Here the logits that
  picked each token are read straight from the context (``llama_get_logits_ith(ctx, -1)``) as it is
  sampled, so the mean log-probability costs one log-sum-exp per token (under 1 ms; 12 s became 15 s
  for 10 such samples on a busy machine), and only when ``params.logprobs`` asks for it.
* ``create_completion`` cuts at whichever stop sequence comes first in the *list*, not in the text, and
  defaults to top-k 40 and min-p 0.05. We sample with temperature and top-p only (Codex), stop
  generating as soon as a stop sequence appears, and cut at the earliest one with ``truncate_at_stop``.
  (Without logprobs our loop was also faster: 12 s against 19 s for the same 10 samples.)

llama-cpp reuses the KV cache of the longest common prefix between ``generate`` calls, so the prompt is
evaluated once for all ``n`` samples; we put the cache in the same state before every prompt so that a
seed gives the same samples whatever ran before.

With ``batch_size`` above 1, blocks of that many samples are decoded together (``llama_cpp_batched``),
and sample i is still exactly the sample drawn alone: the same text and log-probabilities for a seed
whatever the batch size, so every keep/drop decision of the filter is the same batched or not. For that
the model is loaded without weight repacking (at 1 thread one sequence alone decoded at the same speed
with and without it: 29 tokens/s).
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.filter.models.base import Sample, SamplerError, SamplingParams, TokenLogprobs, truncate_at_stop
from pipelines.filter.models.llama_cpp_batched import (
    ROWS_PER_DECODE,
    SEED_RANGE,
    BatchedDecoder,
    unrepacked_weights,
)

# ROWS_PER_DECODE rows go into one llama_decode (more would change the samples), so larger batches only
# queue more rows: bench/llama_batch_bench.py measures the sizes.
DEFAULT_BATCH_SIZE = ROWS_PER_DECODE


class LlamaCppSampler:
    """A loaded GGUF model; ``sample`` draws ``n`` completions, seed ``seed + i`` each, ``batch_size`` at a time."""

    concurrency = 1  # one model in this process: problems sample one after another

    def __init__(self, path: str | Path, *, n_ctx: int = 2048, threads: int | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise SamplerError(f"batch size must be at least 1, got {batch_size}")
        self.block_size = batch_size
        self.path = Path(path)
        self.name = self.path.name
        if not self.path.is_file():
            raise SamplerError(f"GGUF model file {self.path} not found")
        try:
            import llama_cpp
        except ImportError as exc:
            raise SamplerError(f"cannot load {self.path}: llama-cpp-python is not installed "
                               "(scripts/setup.sh installs it)") from exc
        self._lib = llama_cpp
        # llama-cpp-python defaults to half the CPUs (1 of 2 here): all of them sampled 30% faster (45 against
        # 33 tokens/s on 2 cores). Callers that run several samplers side by side pass their share.
        threads = threads or len(os.sched_getaffinity(0))
        try:
            with unrepacked_weights(llama_cpp):
                self._llm = llama_cpp.Llama(model_path=str(self.path), n_ctx=n_ctx, n_threads=threads,
                                            n_threads_batch=threads, logits_all=False, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise SamplerError(f"could not load GGUF model {self.path}: {exc}") from exc
        self._n_ctx = self._llm.n_ctx()
        self._n_vocab = self._llm.n_vocab()
        self._vocab = llama_cpp.llama_model_get_vocab(self._llm.model)
        self._threads = threads
        self._batched: BatchedDecoder | None = None

    def sample(self, prompt: str, params: SamplingParams, seed: int = 0) -> list[Sample]:
        """Exactly ``params.n`` samples; the same prompt, params and seed give the same samples."""
        if self._llm is None:
            raise SamplerError(f"{self.name} is closed")
        tokens = self._tokenize(prompt)
        budget = min(params.max_tokens, self._n_ctx - len(tokens))
        if budget <= 0:
            raise SamplerError(f"prompt of {len(tokens)} tokens leaves no room in the {self._n_ctx}-token context "
                               f"of {self.name}")
        try:
            if self.block_size == 1:
                self._prime(tokens)
                return [self._one(tokens, params, budget, (seed + i) % SEED_RANGE) for i in range(params.n)]
            decoder = self._decoder()
            samples: list[Sample] = []
            for start in range(0, params.n, self.block_size):
                seeds = [seed + i for i in range(start, min(start + self.block_size, params.n))]
                samples += decoder.block(tokens, params, budget, seeds)
            return samples
        except RuntimeError as exc:  # llama_decode failures surface as RuntimeError
            raise SamplerError(f"{self.name} failed while sampling: {exc}") from exc

    def close(self) -> None:
        """Free the model and its contexts."""
        if self._batched is not None:
            self._batched.close()
            self._batched = None
        if self._llm is not None:
            self._llm.close()
            self._llm = None

    def _decoder(self) -> BatchedDecoder:
        if self._batched is None:
            self._batched = BatchedDecoder(self._llm, self._lib, batch=self.block_size, n_ctx=self._n_ctx,
                                           threads=self._threads)
        return self._batched

    def _tokenize(self, prompt: str) -> list[int]:
        # As create_completion does: BOS only where the model asks for it, special tokens parsed.
        llm = self._llm
        tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        bos = llm.token_bos()
        if bos >= 0 and (self._lib.llama_vocab_get_add_bos(self._vocab) or not tokens) and tokens[:1] != [bos]:
            tokens = [bos, *tokens]
        if not tokens:
            raise SamplerError(f"{self.name} has no BOS token to start an empty prompt with")
        return tokens

    def _prime(self, tokens: list[int]) -> None:
        """Leave exactly ``tokens[:-1]`` in the KV cache, evaluated in one go.

        ``generate`` then re-evaluates only the last prompt token for every sample, the first included, so
        every sample of a prompt starts from the same computation whatever the cache held before. llama.cpp
        does not promise that a prompt evaluated in one batch and a cached prefix plus one token give
        bit-identical logits (kernels differ by batch size on some builds); on this CPU build they did, so
        this is insurance that costs one single-token decode per prompt. Measured: with the prefix reused,
        10 samples of a 354-token prompt took 1.5 s at max_tokens=1, against 23 s evaluating it each time.
        """
        llm = self._llm
        head = tokens[:-1]
        if llm.n_tokens >= len(head) and llm.input_ids[: len(head)].tolist() == head:
            return
        llm.reset()
        if head:
            llm.eval(head)

    def _one(self, tokens: list[int], params: SamplingParams, budget: int, seed: int) -> Sample:
        llm, lib = self._llm, self._lib
        llm.set_seed(seed)
        completion: list[int] = []
        trace = TokenLogprobs()
        text = ""
        finish = "length"
        generator = llm.generate(tokens, top_k=0, top_p=params.top_p, min_p=0.0, typical_p=1.0,
                                 temp=params.temperature, repeat_penalty=1.0)
        try:
            for token in generator:
                if lib.llama_vocab_is_eog(self._vocab, token):
                    finish = "stop"
                    break
                trace.logprobs.append(self._logprob(token) if params.logprobs else 0.0)
                completion.append(token)
                # Decode the whole completion each time: a character split over tokens shows up whole.
                now = llm.detokenize(completion, prev_tokens=tokens).decode("utf-8", errors="ignore")
                trace.tokens.append(now[len(text):] if now.startswith(text) else "")
                text = now
                if any(stop and stop in text for stop in params.stop):
                    finish = "stop"
                    break
                if len(completion) >= budget:
                    break
        finally:
            generator.close()
        kept, stopped = truncate_at_stop(text, params.stop)
        if stopped:
            finish = "stop"
        mean, count = trace.mean_over(len(kept))
        return Sample(kept, finish, mean if params.logprobs else None, count)

    def _logprob(self, token: int) -> float:
        """Log-probability (temperature 1, no top-p) of ``token`` under the logits it was just sampled from."""
        import numpy as np  # a dependency of llama-cpp-python; imported here so the module imports without it

        logits = np.ctypeslib.as_array(self._lib.llama_get_logits_ith(self._llm.ctx, -1), shape=(self._n_vocab,))
        top = float(logits.max())
        return float(logits[token]) - top - float(np.log(np.exp(logits - top).sum()))
