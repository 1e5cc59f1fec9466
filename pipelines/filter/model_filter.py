"""The base-model filter: sample n completions per problem, run them all in one sandbox session, keep
the problem when at least one passes.

A problem no sample solves is either too hard for the base model or has tests that do not say what
the prompt says (the Codex paper's reason for the filter); both are poor training data. Every
problem gets ``meta["filter"]`` (model, sampling settings, samples, passes, pass@k by the unbiased
estimator, the mean log-probability of the best passing sample) and a ``filter`` verdict; the
samples themselves and their verdicts go in a separate record, since they are large.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from pipelines.filter.models.base import Sample, Sampler, SamplerError, SamplingParams
from pipelines.filter.passk import pass_at
from pipelines.funnel import Stage
from pipelines.gates.base import Decision, PerProblemGate
from pipelines.problem import Problem
from sandbox.execute import execute
from sandbox.session import Session
from sandbox.types import Limits, Status, Verdict

STAGE = Stage.FILTER.value


class Reason(StrEnum):
    """Why the filter drops a problem."""

    NO_SAMPLE_PASSES = "no_sample_passes"
    SAMPLER_ERROR = "sampler_error"


NO_SAMPLE_PASSES, SAMPLER_ERROR = Reason.NO_SAMPLE_PASSES.value, Reason.SAMPLER_ERROR.value
# A stdio problem's prompt is a statement, not code: it is given to the model as a module docstring,
# and a whole program is the answer, so only the end of such a file stops it.
STDIO_STOPS = ('\n"""', "\n'''", "\n```")


@dataclass(frozen=True)
class FilterResult:
    """The filter's decision on one problem (its problem carries ``meta["filter"]``), and the judged samples."""

    decision: Decision
    samples: list[dict]


class FilterGate(PerProblemGate):
    """The filter as a gate: sample, execute in the sandbox, keep when a sample passes."""

    stage = Stage.FILTER
    Reason = Reason

    def __init__(self, sampler: Sampler, params: SamplingParams, session: Session,
                 limits: Limits | None = None) -> None:
        self.sampler, self.params, self.session, self.limits = sampler, params, session, limits

    def decide_one(self, problem: Problem) -> Decision:
        """Kept when one of n samples passes."""
        return filter_problem(problem, self.sampler, self.params, self.session, self.limits).decision


def model_prompt(problem: Problem) -> str:
    """What the model continues: a function problem's prompt as is; a statement as a docstring."""
    if problem.kind == "function":
        return problem.prompt
    return '"""\n' + problem.prompt.replace('"""', "'''").rstrip("\n") + '\n"""\n'


def params_for(problem: Problem, params: SamplingParams) -> SamplingParams:
    """The Codex stops end a function body; a stdio program needs stops that end a file."""
    if problem.kind == "function":
        return params
    return dataclasses.replace(params, stop=STDIO_STOPS)


def seed_for(problem: Problem) -> int:
    """A seed from the problem's content hash: the same problem gets the same samples on every runner."""
    return int(problem.id[:8], 16)


def judge_samples(problem: Problem, samples: list[Sample], verdicts: list[Verdict], model: str,
                  params: SamplingParams) -> FilterResult:
    """The filter's decision from executed samples; pure, so it is tested without a model."""
    passed = [i for i, verdict in enumerate(verdicts) if verdict.status == Status.PASSED]
    logprobs = [samples[i].mean_logprob for i in passed if samples[i].mean_logprob is not None]
    stats = {
        "model": model,
        "sampling": params.as_dict(),
        "samples": len(samples),
        "passes": len(passed),
        "pass_at": pass_at(len(samples), len(passed)),
        "best_mean_logprob": max(logprobs) if logprobs else None,
        "statuses": dict(sorted(Counter(v.status for v in verdicts).items())),
    }
    judged = dataclasses.replace(problem, meta={**problem.meta, STAGE: stats})
    detail = f"{len(passed)} of {len(samples)} samples pass"
    decision = Decision("" if passed else Reason.NO_SAMPLE_PASSES, detail, judged)
    records = [{**sample.as_dict(), "status": verdict.status, "reason": verdict.reason[:300]}
               for sample, verdict in zip(samples, verdicts, strict=True)]
    return FilterResult(decision, records)


def filter_problem(problem: Problem, sampler: Sampler, params: SamplingParams, session: Session,
                   limits: Limits | None = None) -> FilterResult:
    """Sample, execute every sample in ``session`` (one sandbox for all n), judge on the host."""
    if problem.meta.get("multi_turn"):
        from pipelines.filter.multi_turn import filter_chain

        return filter_chain(problem, sampler, params, session, limits)
    problem_params = params_for(problem, params)
    try:
        samples = sampler.sample(model_prompt(problem), problem_params, seed=seed_for(problem))
    except SamplerError as exc:
        return FilterResult(Decision(Reason.SAMPLER_ERROR, str(exc)[:500]), [])
    verdicts = execute(problem, [sample.text for sample in samples], session=session, limits=limits)
    # A sandbox that failed to start says nothing about the sample: run those once more.
    again = [i for i, verdict in enumerate(verdicts) if verdict.status == Status.SANDBOX_ERROR]
    if again:
        for index, verdict in zip(again, execute(problem, [samples[i].text for i in again], session=session,
                                                 limits=limits), strict=True):
            verdicts[index] = verdict
    return judge_samples(problem, samples, verdicts, sampler.name, problem_params)
