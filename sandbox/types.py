"""Shared records of the sandbox: limits, tests as data, and per-candidate verdicts."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal, Protocol

Kind = Literal["function", "stdio"]
Compare = Literal["exact", "eq", "close", "truthy", "falsy", "tokens", "checker"]
StdioCompare = Literal["tokens", "lines", "exact", "checker"]
# Fields added after records were first written: left out of a test's JSON form (and so of problem
# ids) while they hold their default, so that older records read, hash and write back unchanged.
_LATER_STDIO_FIELDS = {"rel_tol": 0.0, "abs_tol": 0.0, "ignore_case": False}
_LATER_FUNCTION_FIELDS = {"ignore_case": False, "instance": None, "state_after": None, "args_after": None}


@dataclass(frozen=True)
class Limits:
    """Per-candidate limits. ``timeout_s`` is wall time per test, pushed back by each result."""

    timeout_s: float = 3.0
    cpu_s: int = 10
    memory_mb: int = 1024
    nproc: int = 32
    output_bytes: int = 1 << 20
    file_bytes: int = 16 << 20

    def as_dict(self) -> dict:
        """The form the fork-server reads."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class FunctionTest:
    """One call of a function problem. Values are in ``sandbox.wire``'s tagged JSON form.

    Exactly one of ``expected`` (with ``compare``) or ``raises`` (an exception type name) says what
    the call must give. ``compare`` is ``exact`` (same built-in types and values), ``eq`` (Python
    ``==`` on the decoded values), ``close`` (numbers within ``rel_tol``/``abs_tol``), ``truthy``,
    ``falsy``, ``tokens`` (a returned string compared with the expected one token by token, as
    ``StdioTest`` does) or ``checker`` (the problem's checker decides).

    A method's test also says how to build its object: ``instance`` is ``{"init": {"args",
    "kwargs"}}`` (call the class) or ``{"state": {"dict": ...}}`` (an empty object given these
    attributes); the entry point is then ``Class.method``. ``state_after``, when set, is the
    object's attributes after the call (in ``wire`` form), compared exactly. ``args_after``, when set,
    is every positional argument after the call (a function that changes a list or dict it was given
    in place), compared exactly.
    """

    args: list
    kwargs: dict = field(default_factory=dict)
    expected: object = None
    raises: str | None = None
    compare: Compare = "exact"
    rel_tol: float = 0.0
    abs_tol: float = 0.0
    ignore_case: bool = False
    instance: dict | None = None
    state_after: object = None
    args_after: list | None = None

    def inputs(self) -> dict:
        """What enters the sandbox: the inputs, never the expected value."""
        inputs = {"args": self.args, "kwargs": self.kwargs}
        if self.instance is not None:
            inputs["instance"] = self.instance
        if self.state_after is not None:
            inputs["state"] = True
        if self.args_after is not None:
            inputs["args_after"] = True
        return inputs


@dataclass(frozen=True)
class StdioTest:
    """One run of a stdio problem: the program's stdin and the stdout it must print.

    ``compare`` is ``tokens`` (whitespace-separated tokens; with a tolerance, two tokens of which one
    is a real number match within ``abs_tol`` or ``rel_tol`` of the expected one, integers still
    exactly; with ``ignore_case``, letters match in either case), ``lines``, ``exact``, or
    ``checker`` (the problem's checker, run in the sandbox, decides; its strict result is judged).
    """

    stdin: str
    stdout: str
    compare: StdioCompare = "tokens"
    rel_tol: float = 0.0
    abs_tol: float = 0.0
    ignore_case: bool = False

    def inputs(self) -> dict:
        """What enters the sandbox: the input, never the expected output."""
        return {"stdin": self.stdin}


Test = FunctionTest | StdioTest


def test_dict(test: Test) -> dict:
    """A test's JSON form; fields added later are left out while they hold their default."""
    data = dataclasses.asdict(test)
    later = _LATER_STDIO_FIELDS if isinstance(test, StdioTest) else _LATER_FUNCTION_FIELDS
    return {key: value for key, value in data.items() if key not in later or value != later[key]}


class Executable(Protocol):
    """What ``execute`` needs of a problem (``pipelines.problem.Problem`` is one)."""

    kind: Kind
    prompt: str
    entry_point: str | None
    tests: list
    checker: str  # source of ``check(input, expected, got) -> bool`` for ``checker`` tests, or ""


@dataclass
class Task:
    """The smallest ``Executable``: a prompt, an entry point and tests (benches and tests use it)."""

    prompt: str
    entry_point: str | None
    tests: list = field(default_factory=list)
    kind: Kind = "function"
    checker: str = ""


class Status:
    """The closed set of verdict statuses."""

    PASSED = "passed"
    WRONG_ANSWER = "wrong_answer"
    RUNTIME_ERROR = "runtime_error"
    TIMEOUT = "timeout"
    CRASH = "crash"
    OUTPUT_LIMIT = "output_limit"
    INVALID = "invalid"
    SANDBOX_ERROR = "sandbox_error"


@dataclass
class Verdict:
    """What happened to one candidate, judged on the host.

    ``outputs`` holds, per test, the raw record the candidate produced (or None where it produced
    none): the determinism check compares these across reruns.
    """

    status: str
    reason: str = ""
    failed_test: int | None = None
    outputs: list = field(default_factory=list)
    ms: float = 0.0

    @property
    def passed(self) -> bool:
        """True only when every test was judged to match."""
        return self.status == Status.PASSED
