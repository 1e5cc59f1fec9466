"""The base-model filter: sample n completions per problem, run them all in one sandbox session, keep
the problem when at least one passes.

Samples are drawn in rounds (by default 10, 30, then 60: n = 100 in all), each executed before the
next is drawn, and a problem stops at the first round with a passing sample (``mode="early"``). Sample
i is seeded by its index, so it is the same sample whichever round draws it, and a problem is dropped
only after all n fail: early stopping keeps and drops exactly what drawing all n (``mode="full"``)
would. Round ends are rounded up to the sampler's ``block_size`` (samples it draws together), so a
batched sampler sees the same blocks either way.

A problem no sample solves is either too hard for the base model or has tests that do not say what
the prompt says (the Codex paper's reason for the filter); both are poor training data. Every
problem gets ``meta["filter"]`` (model, sampling settings, samples, passes, pass@k by the unbiased
estimator, the mean log-probability of the best passing sample) and a ``filter`` verdict; the
samples themselves and their verdicts go in a separate record, since they are large.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from pipelines.filter.models.base import Sample, Sampler, SamplerError, SamplingParams
from pipelines.filter.passk import pass_at
from pipelines.funnel import Stage
from pipelines.gates.base import Decision, PerProblemGate
from pipelines.problem import Problem
from sandbox.execute import execute
from sandbox.session import Session
from sandbox.types import Limits, Status, Verdict

T = TypeVar("T")
R = TypeVar("R")

STAGE = Stage.FILTER.value
MODES = ("early", "full")
ROUNDS = (10, 30, 60)


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
                 limits: Limits | None = None, *, mode: str = "early", rounds: Sequence[int] = ROUNDS) -> None:
        self.sampler, self.params, self.session, self.limits = sampler, params, session, limits
        self.mode, self.rounds = mode, tuple(rounds)

    def decide_one(self, problem: Problem) -> Decision:
        """Kept when one of n samples passes."""
        return filter_problem(problem, self.sampler, self.params, self.session, self.limits,
                              mode=self.mode, rounds=self.rounds).decision


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


def round_ends(n: int, mode: str = "early", rounds: Sequence[int] = ROUNDS, block: int = 1) -> list[int]:
    """How many samples are drawn once each round is done: ``[n]`` in full mode; else the running sums
    of ``rounds``, rounded up to ``block`` and capped at ``n``, with a last round for the rest."""
    if mode not in MODES:
        raise ValueError(f"filter mode {mode!r} is not one of {', '.join(MODES)}")
    if n < 1 or block < 1 or any(r < 1 for r in rounds):
        raise ValueError(f"need n >= 1, block >= 1 and rounds >= 1, got n={n}, block={block}, rounds={rounds}")
    if mode == "full":
        return [n]
    ends: list[int] = []
    total = 0
    for size in rounds:
        total += size
        end = min(n, -(-total // block) * block)
        if not ends or end > ends[-1]:
            ends.append(end)
    if ends[-1] < n:
        ends.append(n)
    return ends


def judge_samples(problem: Problem, samples: list[Sample], verdicts: list[Verdict], model: str,
                  params: SamplingParams, mode: str = "full") -> FilterResult:
    """The filter's decision from executed samples; pure, so it is tested without a model."""
    passed = [i for i, verdict in enumerate(verdicts) if verdict.status == Status.PASSED]
    logprobs = [samples[i].mean_logprob for i in passed if samples[i].mean_logprob is not None]
    stats = {
        "model": model,
        "sampling": params.as_dict(),
        "mode": mode,
        "samples": len(samples),
        "passes": len(passed),
        "pass_at": pass_at(len(samples), len(passed)),
        "best_mean_logprob": max(logprobs) if logprobs else None,
        "statuses": dict(sorted(Counter(v.status for v in verdicts).items())),
    }
    judged = dataclasses.replace(problem, meta={**problem.meta, STAGE: stats})
    detail = f"{len(passed)} of {len(samples)} samples pass" + ("" if len(samples) == params.n else
                                                                 f" (stopped early; n = {params.n})")
    decision = Decision("" if passed else Reason.NO_SAMPLE_PASSES, detail, judged)
    records = [{**sample.as_dict(), "status": verdict.status, "reason": verdict.reason[:300]}
               for sample, verdict in zip(samples, verdicts, strict=True)]
    return FilterResult(decision, records)


def filter_problem(problem: Problem, sampler: Sampler, params: SamplingParams, session: Session,
                   limits: Limits | None = None, *, mode: str = "early", rounds: Sequence[int] = ROUNDS,
                   session_lock: threading.Lock | None = None) -> FilterResult:
    """Sample in rounds, execute each round in ``session`` (one sandbox for all), judge on the host; in early
    mode stop at the first round with a passing sample. ``session_lock`` guards a session shared by threads.
    A multi-turn chain is sampled turn by turn, all n (``pipelines.filter.multi_turn``)."""
    if problem.meta.get("multi_turn"):
        from pipelines.filter.multi_turn import filter_chain

        with session_lock or contextlib.nullcontext():
            return filter_chain(problem, sampler, params, session, limits)
    problem_params = params_for(problem, params)
    prompt, seed = model_prompt(problem), seed_for(problem)
    samples: list[Sample] = []
    verdicts: list[Verdict] = []
    for end in round_ends(params.n, mode, rounds, sampler.block_size):
        try:
            drawn = sampler.sample(prompt, dataclasses.replace(problem_params, n=end - len(samples)),
                                   seed=seed + len(samples))
        except SamplerError as exc:
            return FilterResult(Decision(Reason.SAMPLER_ERROR, str(exc)[:500]), [])
        with session_lock or contextlib.nullcontext():
            verdicts += execute_samples(problem, drawn, session, limits)
        samples += drawn
        if any(verdict.status == Status.PASSED for verdict in verdicts):
            break
    return judge_samples(problem, samples, verdicts, sampler.name, problem_params, mode)


def filter_problems(problems: Sequence[Problem], sampler: Sampler, params: SamplingParams, session: Session,
                    limits: Limits | None = None, *, mode: str = "early", rounds: Sequence[int] = ROUNDS,
                    concurrency: int = 1) -> list[FilterResult]:
    """``filter_problem`` for each problem, up to ``concurrency`` at once (one sandbox run at a time, so
    execution overlaps with the others' sampling); results in the order of ``problems``."""
    def one(problem: Problem) -> FilterResult:
        return filter_problem(problem, sampler, params, session, limits, mode=mode, rounds=rounds,
                              session_lock=lock)

    lock = threading.Lock()
    return in_flight(one, problems, concurrency)


def in_flight(function: Callable[[T], R], items: Sequence[T], width: int) -> list[R]:
    """``function`` over ``items``, up to ``width`` at once on threads; results in the order of ``items``."""
    if width <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(width, len(items)), thread_name_prefix="filter") as pool:
        return list(pool.map(function, items))


def execute_samples(problem: Problem, samples: list[Sample], session: Session, limits: Limits | None) -> list[Verdict]:
    """Verdicts for ``samples``; a sandbox that failed to start says nothing about a sample: those run once more."""
    if not samples:
        return []
    verdicts = execute(problem, [sample.text for sample in samples], session=session, limits=limits)
    again = [i for i, verdict in enumerate(verdicts) if verdict.status == Status.SANDBOX_ERROR]
    if again:
        for index, verdict in zip(again, execute(problem, [samples[i].text for i in again], session=session,
                                                 limits=limits), strict=True):
            verdicts[index] = verdict
    return verdicts
