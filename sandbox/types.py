"""Shared records of the sandbox: limits, tests as data, and per-candidate verdicts."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal, Protocol

Kind = Literal["function", "stdio"]
Compare = Literal["exact", "eq", "close", "truthy", "falsy"]
StdioCompare = Literal["tokens", "lines", "exact"]


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
    ``==`` on the decoded values), ``close`` (numbers within ``rel_tol``/``abs_tol``), ``truthy`` or
    ``falsy``.

    A method's test also says how to build its object: ``instance`` is ``{"init": {"args",
    "kwargs"}}`` (call the class) or ``{"state": {"dict": ...}}`` (an empty object given these
    attributes); the entry point is then ``Class.method``. ``state_after``, when set, is the
    object's attributes after the call (in ``wire`` form), compared exactly.
    """

    args: list
    kwargs: dict = field(default_factory=dict)
    expected: object = None
    raises: str | None = None
    compare: Compare = "exact"
    rel_tol: float = 0.0
    abs_tol: float = 0.0
    instance: dict | None = None
    state_after: object = None

    def inputs(self) -> dict:
        """What enters the sandbox: the inputs, never the expected value."""
        inputs = {"args": self.args, "kwargs": self.kwargs}
        if self.instance is not None:
            inputs["instance"] = self.instance
        if self.state_after is not None:
            inputs["state"] = True
        return inputs


@dataclass(frozen=True)
class StdioTest:
    """One run of a stdio problem: the program's stdin and the stdout it must print."""

    stdin: str
    stdout: str
    compare: StdioCompare = "tokens"

    def inputs(self) -> dict:
        """What enters the sandbox: the input, never the expected output."""
        return {"stdin": self.stdin}


Test = FunctionTest | StdioTest


class Executable(Protocol):
    """What ``execute`` needs of a problem (``pipelines.problem.Problem`` is one)."""

    kind: Kind
    prompt: str
    entry_point: str | None
    tests: list


@dataclass
class Task:
    """The smallest ``Executable``: a prompt, an entry point and tests (benches and tests use it)."""

    prompt: str
    entry_point: str | None
    tests: list = field(default_factory=list)
    kind: Kind = "function"


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
