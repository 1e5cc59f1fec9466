"""Samples of several problems decoded in one transformers batch, each row drawing from its own seed.

``generate`` draws every row of a batch from torch's one global generator, so a sample would depend on
which other rows shared its batch. Here each row (one sample of one problem) gets its uniforms from a
generator seeded with its own seed (the problem's seed plus the sample's index) and picks its token by
inverting the top-p-truncated, temperature-scaled distribution with them. A sample therefore depends on
its prompt, its seed and the model's logits, not on its batch-mates, which is what lets the sampler put
whatever problems are waiting into one batch (prompts left-padded, positions from the attention mask)
and still draw sample i the same with or without early stopping, up to the float rounding of a batch.

``RowBatcher`` gathers the ``sample`` calls of threads (the filter's problems in flight) and runs what is
waiting as one batch while the others queue for the next.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipelines.filter.models.base import SamplingParams


@dataclass(frozen=True)
class Row:
    """One sample to draw: the prompt's token ids, its seed, and how to sample and stop it."""

    prompt_ids: list[int]
    seed: int
    params: SamplingParams
    max_new: int


@dataclass
class RowOutput:
    """A row's generated ids (end of text not included), where a stop string ended it, each token's logprob."""

    ids: list[int] = field(default_factory=list)
    stopped_at: int | None = None
    logprobs: list[float] = field(default_factory=list)
    done: bool = False


def draw(torch: Any, logits: Any, temperature: Any, top_p: Any, uniform: Any) -> Any:
    """One token per row: temperature, then top-p, then the row's uniform through the inverse CDF;
    rows with temperature 0 take the most likely token."""
    scaled = logits / temperature.clamp(min=1e-6).unsqueeze(1)
    probs = torch.softmax(scaled, dim=-1)
    ordered, order = probs.sort(dim=-1, descending=True)
    before = ordered.cumsum(dim=-1) - ordered
    kept = torch.where(before < top_p.unsqueeze(1), ordered, torch.zeros_like(ordered))
    cdf = kept.cumsum(dim=-1)
    cdf = cdf / cdf[:, -1:]
    pick = torch.searchsorted(cdf, uniform.unsqueeze(1).to(cdf.dtype)).clamp(max=logits.shape[1] - 1)
    token = order.gather(1, pick).squeeze(1)
    return torch.where(temperature <= 0, logits.argmax(dim=-1), token)


def generate_rows(torch: Any, model: Any, tokenizer: Any, rows: Sequence[Row], *, device: str, pad_id: int,
                  eos_ids: Sequence[int]) -> list[RowOutput]:
    """Decode ``rows`` together with a KV cache until each ends (end of text, a stop string, its max_new)."""
    count, width = len(rows), max(len(row.prompt_ids) for row in rows)
    ids = torch.full((count, width), pad_id, dtype=torch.long)
    mask = torch.zeros((count, width), dtype=torch.long)
    for index, row in enumerate(rows):
        ids[index, width - len(row.prompt_ids):] = torch.tensor(row.prompt_ids, dtype=torch.long)
        mask[index, width - len(row.prompt_ids):] = 1
    steps = max(row.max_new for row in rows)
    uniforms = torch.stack([torch.rand(steps, generator=torch.Generator().manual_seed(row.seed % 2**63),
                                       dtype=torch.float64) for row in rows]).to(device)
    temperature = torch.tensor([row.params.temperature for row in rows], device=device)
    top_p = torch.tensor([row.params.top_p for row in rows], device=device)
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(dim=-1) - 1).clamp(min=0)
    windows = [max((len(s.encode()) for s in row.params.stop if s), default=1) + 1 for row in rows]
    outputs = [RowOutput() for _ in rows]
    eos = set(eos_ids)
    cache_name, extra = _forward_names(model)
    with torch.inference_mode():
        result = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, **extra)
        for step in range(steps):
            logits = result.logits[:, -1, :].float()
            tokens = draw(torch, logits, temperature, top_p, uniforms[:, step])
            chosen = torch.log_softmax(logits, dim=-1).gather(1, tokens.unsqueeze(1)).squeeze(1)
            _take(tokenizer, rows, outputs, tokens.tolist(), chosen.tolist(), eos, windows)
            if all(output.done for output in outputs):
                break
            fed = torch.tensor([pad_id if output.done else token for output, token in zip(outputs, tokens.tolist(),
                                                                                             strict=True)],
                               dtype=torch.long, device=device).unsqueeze(1)
            mask = torch.cat([mask, torch.ones((count, 1), dtype=torch.long, device=device)], dim=1)
            positions = positions[:, -1:] + 1
            result = model(input_ids=fed, attention_mask=mask, position_ids=positions, use_cache=True,
                           **{cache_name: getattr(result, cache_name)}, **extra)
    return outputs


def _forward_names(model: Any) -> tuple[str, dict[str, int]]:
    """The KV cache's argument name (``cache`` in transformers 5.2x, ``past_key_values`` before) and the
    argument that keeps only the last position's logits (a 300-token prompt x 1,000 rows x 152k vocabulary
    of logits would not fit anywhere)."""
    names = inspect.signature(model.forward).parameters
    cache = "cache" if "cache" in names else "past_key_values"
    keep = next((name for name in ("logits_to_keep", "num_logits_to_keep") if name in names), None)
    return cache, ({keep: 1} if keep else {})


def _take(tokenizer: Any, rows: Sequence[Row], outputs: list[RowOutput], tokens: list[int], logprobs: list[float],
          eos: set[int], windows: list[int]) -> None:
    """Append each live row's token; end rows at end of text, at a stop string (seen in the last few
    tokens, decoded in one call) or at their ``max_new``."""
    live = []
    for index, (row, output) in enumerate(zip(rows, outputs, strict=True)):
        if output.done:
            continue
        if tokens[index] in eos:
            output.done = True
            continue
        output.ids.append(tokens[index])
        output.logprobs.append(logprobs[index])
        if len(output.ids) >= row.max_new:
            output.done = True
        if row.params.stop:
            live.append(index)
    if not live:
        return
    tails = tokenizer.batch_decode([outputs[i].ids[-windows[i]:] for i in live], skip_special_tokens=True,
                                   clean_up_tokenization_spaces=False)
    for index, tail in zip(live, tails, strict=True):
        if any(stop and stop in tail for stop in rows[index].params.stop):
            outputs[index].stopped_at = len(outputs[index].ids)
            outputs[index].done = True


@dataclass
class _Waiting:
    """A ``sample`` call waiting for its batch: its rows, then their outputs or the error."""

    rows: list[Row]
    outputs: list[RowOutput] | None = None
    error: BaseException | None = None


class RowBatcher:
    """Runs the rows of every call waiting at the time as one job (``run``); callers that arrive meanwhile
    wait for the next. The first waiting caller runs the job on its own thread."""

    def __init__(self, run: Callable[[list[Row]], list[RowOutput]]) -> None:
        self._run = run
        self._changed = threading.Condition()
        self._queue: list[_Waiting] = []
        self._busy = False

    def submit(self, rows: list[Row]) -> list[RowOutput]:
        """The outputs of ``rows``, decoded alongside whatever other calls are waiting."""
        mine = _Waiting(rows)
        with self._changed:
            self._queue.append(mine)
        while True:
            with self._changed:
                if mine.outputs is not None or mine.error is not None:
                    break
                if self._busy or not self._queue:
                    self._changed.wait(0.05)
                    continue
                self._busy = True
                batch, self._queue = self._queue, []
            self._serve(batch)
        if mine.error is not None:
            raise mine.error
        assert mine.outputs is not None
        return mine.outputs

    def _serve(self, batch: list[_Waiting]) -> None:
        try:
            outputs = self._run([row for waiting in batch for row in waiting.rows])
        except BaseException as exc:  # every waiting caller gets the error, not just the one that ran
            for waiting in batch:
                waiting.error = exc
        else:
            start = 0
            for waiting in batch:
                waiting.outputs = outputs[start:start + len(waiting.rows)]
                start += len(waiting.rows)
        finally:
            with self._changed:
                self._busy = False
                self._changed.notify_all()
