"""Determinism: rerun each reference against its own tests in fresh processes under different seeds.

Run ``k`` uses a sandbox started with ``PYTHONHASHSEED=k`` (hash randomisation is fixed at
interpreter start, and every candidate is a fresh fork of that interpreter). A problem whose
verdicts or produced values differ between runs is rejected as nondeterministic, with the first
differing test; one whose reference fails its own recorded tests in every run is rejected too
(it depended on state the recording had and a fresh process has not).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pipelines.problem import Problem
from sandbox.execute import execute
from sandbox.session import Session
from sandbox.types import Limits, Verdict

STAGE = "determinism"
NONDETERMINISTIC = "nondeterministic"
REFERENCE_FAILS = "reference_fails"


def _comparable(record: dict | None) -> str:
    """What must be equal across runs: the value, or the exception type (messages may hold addresses)."""
    if record is None:
        return "null"
    if "raises" in record:
        return json.dumps({"raises": record["raises"]})
    return json.dumps({k: v for k, v in record.items() if k != "message"}, sort_keys=True)


def first_difference(runs: Sequence[Verdict]) -> str:
    """Empty when every run agrees, else which test differed and how."""
    base = runs[0]
    for seed, other in enumerate(runs[1:], 1):
        if other.status != base.status:
            return f"seed 0 gave {base.status}, seed {seed} gave {other.status}"
        for index, (a, b) in enumerate(zip(base.outputs, other.outputs, strict=False)):
            if _comparable(a) != _comparable(b):
                return f"test {index}: seed 0 gave {_comparable(a)[:200]}, seed {seed} gave {_comparable(b)[:200]}"
    return ""


def check(problems: list[Problem], runs: int = 3, backend: str = "bwrap",
          limits: Limits | None = None) -> tuple[list[Problem], list[Problem]]:
    """(kept, rejected): each problem's reference run ``runs`` times, one sandbox per seed."""
    verdicts: list[list[Verdict]] = [[] for _ in problems]
    for seed in range(runs):
        with Session(backend, hash_seed=seed) as session:
            for index, problem in enumerate(problems):
                verdicts[index].append(execute(problem, [problem.solution], session=session, limits=limits)[0])
    kept, rejected = [], []
    for problem, runs_of_one in zip(problems, verdicts, strict=True):
        difference = first_difference(runs_of_one)
        if difference:
            rejected.append(problem.with_verdict(STAGE, "reject", NONDETERMINISTIC, difference))
        elif not runs_of_one[0].passed:
            rejected.append(problem.with_verdict(STAGE, "reject", REFERENCE_FAILS, runs_of_one[0].reason))
        else:
            kept.append(problem.with_verdict(STAGE, "keep", "", f"{runs} runs agree"))
    return kept, rejected
