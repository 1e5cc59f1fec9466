"""The transformers backend on a real (tiny, random) GPT-2 loaded from a directory, offline."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from pipelines.filter.models.base import Sample, SamplerError, SamplingParams, truncate_at_stop
from tests.model_fixtures import tiny_gpt2_dir, tiny_gpt2_sampler  # noqa: F401 - pytest fixtures

PROMPT = 'def add(a, b):\n    """Return the sum of a and b."""\n'
COMMON_STOPS = ("\n", "e")  # frequent in the tiny model's noise, so truncation really happens


def test_loads_offline_and_returns_exactly_n(tiny_gpt2_sampler, tiny_gpt2_dir):  # noqa: F811
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert tiny_gpt2_sampler.name == str(tiny_gpt2_dir)
    params = SamplingParams(n=30, max_tokens=16)  # 30 is not a multiple of the batch size (25)
    samples = tiny_gpt2_sampler.sample(PROMPT, params, seed=1)
    assert len(samples) == 30
    assert all(isinstance(s, Sample) for s in samples)
    assert all(0 < s.tokens <= 16 or s.text == "" for s in samples)
    assert all(s.mean_logprob is None if s.tokens == 0 else s.mean_logprob < 0 for s in samples)
    # a random model over ~1000 tokens: log-probabilities near log(1/1000)
    means = [s.mean_logprob for s in samples if s.mean_logprob is not None]
    assert means and all(-12 < m < -3 for m in means)
    assert len({s.text for s in samples}) > 20


def test_same_seed_same_samples_other_seed_other_samples(tiny_gpt2_sampler):  # noqa: F811
    params = SamplingParams(n=8, max_tokens=12)
    first = tiny_gpt2_sampler.sample(PROMPT, params, seed=7)
    again = tiny_gpt2_sampler.sample(PROMPT, params, seed=7)
    other = tiny_gpt2_sampler.sample(PROMPT, params, seed=8)
    assert first == again
    assert [s.text for s in first] != [s.text for s in other]


def test_stops_truncate_and_match_the_untruncated_stream(tiny_gpt2_sampler):  # noqa: F811
    raw = tiny_gpt2_sampler.generations(PROMPT, SamplingParams(n=30, max_tokens=24, stop=()), seed=3)
    assert sum(any(stop in g.text for stop in COMMON_STOPS) for g in raw) >= 20  # truncation has work to do
    samples = tiny_gpt2_sampler.sample(PROMPT, SamplingParams(n=30, max_tokens=24, stop=COMMON_STOPS), seed=3)
    assert len(samples) == 30
    for sample, full in zip(samples, raw, strict=True):
        assert not any(stop in sample.text for stop in COMMON_STOPS)
        # stopping early changes nothing before the stop: the kept text is the full stream cut at the stop
        assert sample.text == truncate_at_stop(full.text, COMMON_STOPS)[0]
        assert sample == full.to_sample(COMMON_STOPS)
        if truncate_at_stop(full.text, COMMON_STOPS)[1]:
            assert sample.finish_reason == "stop"


def test_codex_stops_and_length_finish(tiny_gpt2_sampler):  # noqa: F811
    params = SamplingParams(n=10, max_tokens=6, stop=())
    samples = tiny_gpt2_sampler.sample(PROMPT, params, seed=2)
    assert [s.finish_reason for s in samples] == ["length"] * 10
    assert [s.tokens for s in samples] == [6] * 10
    codex = tiny_gpt2_sampler.sample(PROMPT, SamplingParams(n=10, max_tokens=64), seed=2)
    assert not any(stop in s.text for s in codex for stop in SamplingParams().stop)


def test_logprobs_are_the_raw_model_distribution(tiny_gpt2_sampler):  # noqa: F811
    """Per-token values equal log-softmax of the model's logits (before temperature/top_p), and the
    pieces split the text exactly."""
    import torch

    generation = tiny_gpt2_sampler.generations(PROMPT, SamplingParams(n=1, max_tokens=10, stop=()), seed=4)[0]
    assert "".join(generation.pieces) == generation.text
    assert len(generation.pieces) == len(generation.logprobs) == len(generation.token_ids) == 10
    prompt_ids = tiny_gpt2_sampler.tokenizer(PROMPT)["input_ids"]
    ids = torch.tensor([prompt_ids + generation.token_ids])
    with torch.inference_mode():
        logits = tiny_gpt2_sampler.model(ids).logits[0]
    expected = torch.log_softmax(logits.float(), dim=-1)[len(prompt_ids) - 1:-1].gather(
        1, torch.tensor(generation.token_ids)[:, None]).squeeze(1)
    assert generation.logprobs == pytest.approx(expected.tolist(), abs=1e-4)
    sample = generation.to_sample(())
    assert sample.mean_logprob == pytest.approx(sum(expected.tolist()) / 10, abs=1e-4)


def test_without_logprobs_still_counts_tokens(tiny_gpt2_sampler):  # noqa: F811
    samples = tiny_gpt2_sampler.sample(PROMPT, SamplingParams(n=3, max_tokens=5, stop=(), logprobs=False), seed=0)
    assert all(s.mean_logprob is None and s.tokens == 5 for s in samples)


def test_greedy_gives_n_identical_samples(tiny_gpt2_sampler):  # noqa: F811
    samples = tiny_gpt2_sampler.sample(PROMPT, SamplingParams(n=4, temperature=0.0, max_tokens=8, stop=()), seed=0)
    assert len(samples) == 4 and len({s.text for s in samples}) == 1
    assert math.isfinite(samples[0].mean_logprob)


def test_factory_picks_transformers_for_a_directory(tiny_gpt2_dir):  # noqa: F811
    from pipelines.filter.models.factory import describe_backend, make_sampler
    from pipelines.filter.models.hf_transformers import TransformersSampler

    assert describe_backend(str(tiny_gpt2_dir)) == "transformers"
    sampler = make_sampler(str(tiny_gpt2_dir), "transformers")
    try:
        assert isinstance(sampler, TransformersSampler)
        assert len(sampler.sample("x = ", SamplingParams(n=2, max_tokens=4), seed=0)) == 2
    finally:
        sampler.close()


@pytest.mark.parametrize("kind", ["missing", "empty", "no-tokenizer"])
def test_bad_path_is_a_sampler_error_that_says_what_is_expected(tmp_path: Path, tiny_gpt2_dir, kind):  # noqa: F811
    from pipelines.filter.models.hf_transformers import TransformersSampler

    path = tmp_path / "model"
    if kind != "missing":
        path.mkdir()
    if kind == "no-tokenizer":
        (path / "config.json").write_text((tiny_gpt2_dir / "config.json").read_text())
        (path / "model.safetensors").write_bytes((tiny_gpt2_dir / "model.safetensors").read_bytes())
    with pytest.raises(SamplerError) as caught:
        TransformersSampler(path)
    message = str(caught.value)
    assert str(path) in message
    assert "config.json" in message and "tokenizer" in message


def test_long_prompts_fill_the_context_or_fail_clearly(tiny_gpt2_sampler):  # noqa: F811
    tokenizer = tiny_gpt2_sampler.tokenizer
    prompt = ""
    while len(tokenizer(prompt + "x = 1\n")["input_ids"]) < 490:
        prompt += "x = 1\n"
    room = 512 - len(tokenizer(prompt)["input_ids"])
    assert 20 < room < 64
    samples = tiny_gpt2_sampler.sample(prompt, SamplingParams(n=2, max_tokens=64, stop=()), seed=0)
    assert [s.tokens for s in samples] == [room, room]  # generation stopped at the context, not past it
    assert all(s.finish_reason == "length" for s in samples)
    with pytest.raises(SamplerError, match="512-token context"):
        tiny_gpt2_sampler.sample(prompt * 2, SamplingParams(n=1, max_tokens=4), seed=0)


# -- several problems in one batch, a seed per row -------------------------------------------------------


@pytest.fixture(scope="module")
def batching_sampler(tiny_gpt2_dir):  # noqa: F811
    from pipelines.filter.models.hf_transformers import TransformersSampler

    sampler = TransformersSampler(tiny_gpt2_dir, threads=1, device="cpu", concurrency=4, batch_size=64)
    yield sampler
    sampler.close()


PROMPTS = [PROMPT, "def mul(a, b):\n    return", 'import os\n\n\ndef listing(path: str) -> list[str]:\n    """Ls."""\n']


def test_problems_in_flight_share_batches_and_draw_what_they_draw_alone(batching_sampler):
    """Three problems sampled from three threads at once give what each gives alone: rows are seeded one
    by one, so batch-mates (and the padding a shorter prompt gets) change only the last bits of a logit."""
    from concurrent.futures import ThreadPoolExecutor

    params = SamplingParams(n=6, max_tokens=12, stop=COMMON_STOPS)
    alone = [batching_sampler.sample(prompt, params, seed=40 + k) for k, prompt in enumerate(PROMPTS)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(lambda k: batching_sampler.sample(PROMPTS[k], params, seed=40 + k), range(3)))
    assert [[s.text for s in samples] for samples in together] == [[s.text for s in samples] for samples in alone]
    for mine, theirs in zip(together, alone, strict=True):
        assert [s.mean_logprob for s in mine] == pytest.approx([s.mean_logprob for s in theirs], abs=1e-5)
    assert all(len(samples) == 6 for samples in alone)
    assert len({s.text for samples in alone for s in samples}) > 10
    assert not any(stop in s.text for samples in alone for s in samples for stop in COMMON_STOPS)
    assert all(s.mean_logprob is None if s.tokens == 0 else s.mean_logprob < 0 for samples in alone for s in samples)


def test_sample_i_is_seeded_by_its_index(batching_sampler):
    """What early stopping needs: samples 3.. asked for with seed + 3 are samples 3.. of one call for all."""
    params = SamplingParams(n=7, max_tokens=10, stop=())
    whole = batching_sampler.sample(PROMPT, params, seed=9)
    tail = batching_sampler.sample(PROMPT, SamplingParams(n=4, max_tokens=10, stop=()), seed=12)
    assert tail == whole[3:]
    assert batching_sampler.block_size == 1
    assert all(s.tokens == 10 and s.finish_reason == "length" for s in whole)


def test_the_row_batcher_runs_what_waits_as_one_job():
    """Callers that arrive while a job runs are served together by the next one, each getting its own rows."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from pipelines.filter.models.hf_batched import Row, RowBatcher, RowOutput

    jobs: list[int] = []
    first_running = threading.Event()

    def run(rows: list[Row]) -> list[RowOutput]:
        jobs.append(len(rows))
        first_running.set()
        time.sleep(0.3)
        return [RowOutput(ids=[row.seed]) for row in rows]

    batcher = RowBatcher(run)
    params = SamplingParams(n=1)

    def call(seed: int) -> list[int]:
        if seed:
            first_running.wait()
        return [out.ids[0] for out in batcher.submit([Row([1], seed * 10 + i, params, 4) for i in range(seed + 1)])]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(call, range(4)))
    assert results == [[0], [10, 11], [20, 21, 22], [30, 31, 32, 33]]
    assert jobs == [1, 9]  # the first alone, the three that came while it ran in one job
