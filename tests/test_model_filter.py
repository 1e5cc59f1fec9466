"""The base-model filter: real samples from a tiny random GPT-2, executed in the bwrap sandbox.

A random model never solves anything, so a known-correct body is planted among its samples: the
filter must keep the problem because of that one sample, and drop a problem no sample solves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from pipelines.filter.model_filter import NO_SAMPLE_PASSES, SAMPLER_ERROR, STAGE, filter_problem, model_prompt
from pipelines.filter.models.base import Sample, SamplerError, SamplingParams
from pipelines.filter.passk import pass_at_k
from sandbox.session import Session
from tests.job_fixtures import SOLVABLE, UNSOLVED
from tests.model_fixtures import tiny_gpt2_dir, tiny_gpt2_sampler  # noqa: F401 - fixtures

PARAMS = SamplingParams(n=8, max_tokens=24)


class Planted:
    """The real sampler's samples with a planted body at one index (None plants nothing)."""

    def __init__(self, sampler: Any, body: str | None, at: int = 5) -> None:
        self.sampler, self.body, self.at = sampler, body, at
        self.name = "planted:" + sampler.name
        self.prompts: list[str] = []

    def sample(self, prompt: str, params: SamplingParams, seed: int = 0) -> list[Sample]:
        self.prompts.append(prompt)
        samples = self.sampler.sample(prompt, params, seed)
        if self.body is not None:
            samples[self.at] = Sample(self.body, mean_logprob=-0.5, tokens=5)
        return samples

    def close(self) -> None:
        """Nothing of its own."""


class Broken:
    name = "broken"

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
    result = filter_problem(problem, sampler, PARAMS, session)
    assert result.decision.kept
    stats = result.decision.problem.meta[STAGE]
    assert stats["samples"] == PARAMS.n and stats["passes"] == 1
    assert stats["pass_at"]["1"] == pytest.approx(pass_at_k(PARAMS.n, 1, 1)) == pytest.approx(1 / PARAMS.n)
    assert stats["best_mean_logprob"] == -0.5 and stats["model"].startswith("planted:")
    assert stats["sampling"]["n"] == PARAMS.n and stats["statuses"]["passed"] == 1
    assert [s["status"] for s in result.samples].count("passed") == 1 and result.samples[5]["status"] == "passed"
    assert sampler.prompts == [model_prompt(problem)]


def test_a_problem_no_sample_solves_is_rejected(tiny_gpt2_sampler: Any, session: Session) -> None:  # noqa: F811
    result = filter_problem(UNSOLVED, Planted(tiny_gpt2_sampler, "    return 0\n"), PARAMS, session)
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
