"""Determinism: rerun each reference against its own tests in fresh processes under different seeds.

Run ``k`` uses a sandbox started with ``PYTHONHASHSEED=k`` (hash randomisation is fixed at
interpreter start, and every candidate is a fresh fork of that interpreter). A problem whose
verdicts or produced values differ between runs is rejected as nondeterministic, with the first
differing test; one whose reference fails its own recorded tests in every run is rejected too
(it depended on state the recording had and a fresh process has not), and so is one whose tests
a trivial body passes (``trivial_bodies``: an argument back, a conversion of one, ``self``). Where
a test admits several outputs (a checker, a tolerance, any case), the verdict must agree and the
value may differ: the problem is judged as its tests judge.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum

from pipelines.funnel import Stage
from pipelines.gates.base import Decision, Gate
from pipelines.gates.trivial_bodies import trivial_bodies
from pipelines.problem import Problem
from sandbox.execute import execute
from sandbox.session import Session
from sandbox.types import Limits, Test, Verdict

RUNS = 3


class Reason(StrEnum):
    """Why the determinism reruns drop a problem."""

    NONDETERMINISTIC = "nondeterministic"
    REFERENCE_FAILS = "reference_fails"
    TRIVIAL_BODY_PASSES = "tests_pass_a_trivial_body"


NONDETERMINISTIC, REFERENCE_FAILS = Reason.NONDETERMINISTIC.value, Reason.REFERENCE_FAILS.value


def _comparable(record: dict | None) -> str:
    """What must be equal across runs: the value, or the exception type (messages may hold addresses)."""
    if record is None:
        return "null"
    if "raises" in record:
        return json.dumps({"raises": record["raises"]})
    return json.dumps({k: v for k, v in record.items() if k != "message"}, sort_keys=True)


def admits_several_outputs(test: Test) -> bool:
    """Whether a test accepts more than one output: a checker, a tolerance, or any case."""
    return test.compare == "checker" or (test.compare == "tokens" and bool(
        test.rel_tol or test.abs_tol or test.ignore_case))


def first_difference(runs: Sequence[Verdict], tests: Sequence[Test] = ()) -> str:
    """Empty when every run agrees, else which test differed and how (``tests``: values compared where exact)."""
    lenient = {index for index, test in enumerate(tests) if admits_several_outputs(test)}
    base = runs[0]
    for seed, other in enumerate(runs[1:], 1):
        if other.status != base.status or other.failed_test != base.failed_test:
            return f"seed 0 gave {base.status}, seed {seed} gave {other.status}"
        for index, (a, b) in enumerate(zip(base.outputs, other.outputs, strict=False)):
            if index not in lenient and _comparable(a) != _comparable(b):
                return f"test {index}: seed 0 gave {_comparable(a)[:200]}, seed {seed} gave {_comparable(b)[:200]}"
    return ""


class DeterminismGate(Gate):
    """Runs each reference once per hash seed, each seed in its own live sandbox (opened on first use)."""

    stage = Stage.DETERMINISM
    Reason = Reason

    def __init__(self, backend: str = "bwrap", runs: int = RUNS, limits: Limits | None = None) -> None:
        self.backend, self.runs, self.limits = backend, runs, limits
        self.sessions: list[Session] = []

    def decide(self, problems: list[Problem]) -> list[Decision]:
        """Nondeterministic, failing its own tests, or kept with how many runs agreed."""
        if not self.sessions:
            self.sessions = [Session(self.backend, hash_seed=seed) for seed in range(self.runs)]
        decisions = []
        for problem in problems:
            runs = [execute(problem, [problem.solution], session=session, limits=self.limits)[0]
                    for session in self.sessions]
            difference = first_difference(runs, problem.tests)
            if difference:
                decisions.append(Decision(Reason.NONDETERMINISTIC, difference))
            elif not runs[0].passed:
                decisions.append(Decision(Reason.REFERENCE_FAILS, runs[0].reason))
            elif (passing := self._trivial_pass(problem)) is not None:
                decisions.append(Decision(Reason.TRIVIAL_BODY_PASSES, f"`{passing.strip()}` passes every test"))
            else:
                decisions.append(Decision(detail=f"{self.runs} runs agree"))
        return decisions

    def _trivial_pass(self, problem: Problem) -> str | None:
        """The first trivial body (``trivial_bodies``) that passes every test of a function problem, or None."""
        if problem.kind != "function" or not problem.entry_point:
            return None
        bodies = trivial_bodies(problem.prompt, problem.entry_point, problem.solution)
        if not bodies:
            return None
        verdicts = execute(problem, bodies, session=self.sessions[0], limits=self.limits)
        return next((body for body, verdict in zip(bodies, verdicts, strict=True) if verdict.passed), None)

    def close(self) -> None:
        """Stop the sandboxes."""
        for session in self.sessions:
            session.close()
        self.sessions = []

    def __enter__(self) -> DeterminismGate:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
