"""``execute(problem, candidates)``: run many candidates of one problem and judge each on the host."""

from __future__ import annotations

from collections.abc import Iterable

from sandbox.checkers import run_checks
from sandbox.judge import judge_function, judge_stdio
from sandbox.session import SandboxError, Session
from sandbox.types import Executable, Limits, Status, Verdict


def program(problem: Executable, candidate: str) -> str:
    """The code that runs: a function candidate completes the prompt; a stdio candidate is whole."""
    if problem.kind == "function":
        return problem.prompt + candidate
    return candidate


def execute(
    problem: Executable,
    candidates: Iterable[str],
    *,
    backend: str = "bwrap",
    limits: Limits | None = None,
    session: Session | None = None,
) -> list[Verdict]:
    """One verdict per candidate, in order. Pass ``session`` to reuse a running sandbox.

    Where tests compare by the problem's checker, the checker runs in the same sandbox after each
    candidate, over what the candidate printed or returned, and its strict findings are judged.
    """
    limits = limits or Limits()
    owned = session is None
    session = session or Session(backend)
    tests = list(problem.tests)
    inputs = [test.inputs() for test in tests]
    judge = judge_function if problem.kind == "function" else judge_stdio
    checked = any(test.compare == "checker" for test in tests)
    verdicts = []
    try:
        for candidate in candidates:
            if problem.kind == "function" and not problem.entry_point:
                verdicts.append(Verdict(Status.INVALID, "function problem without an entry point"))
                continue
            try:
                response = session.run(problem.kind, program(problem, candidate), problem.entry_point,
                                       inputs, limits)
                checks = run_checks(problem, response, session, limits) if checked else None
            except SandboxError as exc:
                verdicts.append(Verdict(Status.SANDBOX_ERROR, str(exc)))
                continue
            verdicts.append(judge(tests, response, checks))
    finally:
        if owned:
            session.close()
    return verdicts
