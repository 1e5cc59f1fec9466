"""The base-model filter: real samples from a tiny random GPT-2, executed in the bwrap sandbox.

A random model never solves anything, so a known-correct body is planted among its samples: the
filter must keep the problem because of that one sample, and drop a problem no sample solves. Early
stopping must keep and drop exactly what drawing all n does, even when the one passing sample is late.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from pipelines.filter.model_filter import (
    NO_SAMPLE_PASSES,
    SAMPLER_ERROR,
    STAGE,
    filter_problem,
    filter_problems,
    model_prompt,
    round_ends,
    seed_for,
)
from pipelines.filter.models.base import Sample, SamplerError, SamplingParams
from pipelines.filter.passk import pass_at_k
from sandbox.session import Session
from tests.job_fixtures import SOLVABLE, UNSOLVED
from tests.model_fixtures import tiny_gpt2_dir, tiny_gpt2_sampler  # noqa: F401 - fixtures

PARAMS = SamplingParams(n=8, max_tokens=24)


class Planted:
    """The real sampler's samples with a planted body at one sample index of a problem (None plants nothing).

    Sample i of a problem is seeded ``seed_for(problem) + i``, so the index is the seed less the problem's."""

    def __init__(self, sampler: Any, body: str | None, at: int = 5, problems: tuple = ()) -> None:
        self.sampler, self.body, self.at = sampler, body, at
        self.name = "planted:" + sampler.name
        self.block_size, self.concurrency = sampler.block_size, 1
        self.prompts: list[str] = []
        self.calls: list[tuple[int, int]] = []  # (first sample index, count) per call
        self.bases = {model_prompt(p): seed_for(p) for p in problems}

    def sample(self, prompt: str, params: SamplingParams, seed: int = 0) -> list[Sample]:
        self.prompts.append(prompt)
        first = seed - self.bases.get(prompt, seed)
        self.calls.append((first, params.n))
        samples = self.sampler.sample(prompt, params, seed)
        if self.body is not None and first <= self.at < first + params.n:
            samples[self.at - first] = Sample(self.body, mean_logprob=-0.5, tokens=5)
        return samples

    def close(self) -> None:
        """Nothing of its own."""


class Broken:
    name = "broken"
    block_size = concurrency = 1

    def sample(self, prompt: str, params: SamplingParams, seed: int = 0) -> list[Sample]:
        raise SamplerError("http://127.0.0.1:9/v1/completions answered 400: prompt too long")

    def close(self) -> None:
        """Nothing to close."""


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    with Session("bwrap") as live:
        yield live


def test_a_planted_correct_sample_keeps_the_problem(tiny_gpt2_sampler: Any, session: Session) -> None:  # noqa: F811
    problem = SOLVABLE[0]
    sampler = Planted(tiny_gpt2_sampler, problem.solution)
    result = filter_problem(problem, sampler, PARAMS, session, mode="full")
    assert result.decision.kept
    stats = result.decision.problem.meta[STAGE]
    assert stats["samples"] == PARAMS.n and stats["passes"] == 1
    assert stats["pass_at"]["1"] == pytest.approx(pass_at_k(PARAMS.n, 1, 1)) == pytest.approx(1 / PARAMS.n)
    assert stats["best_mean_logprob"] == -0.5 and stats["model"].startswith("planted:")
    assert stats["sampling"]["n"] == PARAMS.n and stats["statuses"]["passed"] == 1
    assert [s["status"] for s in result.samples].count("passed") == 1 and result.samples[5]["status"] == "passed"
    assert sampler.prompts == [model_prompt(problem)]


def test_a_problem_no_sample_solves_is_rejected(tiny_gpt2_sampler: Any, session: Session) -> None:  # noqa: F811
    result = filter_problem(UNSOLVED, Planted(tiny_gpt2_sampler, "    return 0\n"), PARAMS, session, rounds=(3, 2))
    assert result.decision.reason == NO_SAMPLE_PASSES
    stats = result.decision.problem.meta[STAGE]
    assert stats["passes"] == 0 and stats["pass_at"]["1"] == 0
    assert len(result.samples) == PARAMS.n


def test_the_reference_itself_is_judged_not_trusted(tiny_gpt2_sampler: Any, session: Session) -> None:  # noqa: F811
    """A body that exits with status 0 before any test runs is no pass."""
    result = filter_problem(SOLVABLE[1], Planted(tiny_gpt2_sampler, "    import os\n    os._exit(0)\n"), PARAMS,
                            session)
    assert result.decision.reason == NO_SAMPLE_PASSES


def test_a_sampler_error_is_a_reject_with_the_reason(session: Session) -> None:
    result = filter_problem(SOLVABLE[0], Broken(), PARAMS, session)
    last = result.decision
    assert (last.reason, result.samples) == (SAMPLER_ERROR, []) and "prompt too long" in last.detail


def test_a_stdio_problem_is_asked_as_a_docstring_with_file_stops() -> None:
    stdio = dataclasses.replace(SOLVABLE[0], kind="stdio", prompt='Read two """numbers""".\n', entry_point=None)
    assert model_prompt(stdio) == '"""\nRead two \'\'\'numbers\'\'\'.\n"""\n'


def test_round_ends_follow_the_rounds_rounded_up_to_the_block() -> None:
    assert round_ends(100) == [10, 40, 100]
    assert round_ends(100, "full") == [100]
    assert round_ends(100, block=16) == [16, 48, 100]
    assert round_ends(100, block=25) == [25, 50, 100]
    assert round_ends(20) == [10, 20]
    assert round_ends(250) == [10, 40, 100, 250]  # a last round draws the rest
    assert round_ends(8, block=16) == [8]
    with pytest.raises(ValueError, match="filter mode"):
        round_ends(10, "fast")


EARLY_PARAMS = SamplingParams(n=40, max_tokens=16)


def test_early_stopping_keeps_and_drops_what_full_sampling_does(tiny_gpt2_sampler: Any,  # noqa: F811
                                                                session: Session) -> None:
    """A planted set: one problem solvable only by sample 33 (the second round), one by sample 2, one by none."""
    late, early, none = SOLVABLE[0], SOLVABLE[1], UNSOLVED
    plants = {late.id: (late.solution, 33), early.id: (early.solution, 2), none.id: (None, 0)}
    outcomes = {}
    for mode in ("full", "early"):
        results, calls = [], {}
        for problem in (late, early, none):
            body, at = plants[problem.id]
            sampler = Planted(tiny_gpt2_sampler, body, at, (problem,))
            results.append(filter_problem(problem, sampler, EARLY_PARAMS, session, mode=mode))
            calls[problem.id] = sampler.calls
        outcomes[mode] = (results, calls)
    full, early_mode = outcomes["full"][0], outcomes["early"][0]
    assert [r.decision.kept for r in full] == [r.decision.kept for r in early_mode] == [True, True, False]
    # The tiny GPT-2 draws blocks of 25: rounds of 10, 30 become 25, then the 15 left.
    assert outcomes["early"][1] == {late.id: [(0, 25), (25, 15)], early.id: [(0, 25)], none.id: [(0, 25), (25, 15)]}
    assert all(calls == [(0, 40)] for calls in outcomes["full"][1].values())
    drawn = [r.decision.problem.meta[STAGE]["samples"] for r in early_mode]
    assert drawn == [40, 25, 40]
    for f, e in zip(full, early_mode, strict=True):  # sample i is the same sample whichever round drew it
        assert [s["text"] for s in e.samples] == [s["text"] for s in f.samples[: len(e.samples)]]
    stats = early_mode[1].decision.problem.meta[STAGE]
    assert stats["mode"] == "early" and stats["passes"] == 1 and set(stats["pass_at"]) == {"1", "10"}
    assert stats["pass_at"]["1"] == pytest.approx(1 / 25) and stats["sampling"]["n"] == 40
    assert "stopped early" in early_mode[1].decision.detail


def test_filter_problems_keeps_the_order_of_problems(tiny_gpt2_sampler: Any, session: Session) -> None:  # noqa: F811
    problems = [SOLVABLE[0], UNSOLVED, SOLVABLE[1]]
    sampler = Planted(tiny_gpt2_sampler, None)
    results = filter_problems(problems, sampler, SamplingParams(n=4, max_tokens=8), session, concurrency=3)
    assert [r.decision.problem.id for r in results] == [p.id for p in problems]
    assert not any(r.decision.kept for r in results)
