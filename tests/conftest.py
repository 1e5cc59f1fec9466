"""Shared fixtures: live sandbox sessions per backend and a tiny problem to aim candidates at.

The sandbox tests use the real backends (bwrap, docker with gVisor); ``scripts/setup.sh`` installs
and starts everything they need, so they fail rather than skip when it is missing.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.session import Session
from sandbox.types import FunctionTest, Limits, Task, Verdict

# Set before any sandbox starts: no candidate may ever see it.
CANARY = f"sftmine-canary-{secrets.token_hex(8)}"
os.environ["SFTMINE_TEST_CANARY"] = CANARY

BACKENDS = ("bwrap", "docker-runsc")
FAST_LIMITS = Limits(timeout_s=2.0, cpu_s=5, memory_mb=512, nproc=16, output_bytes=1 << 20, file_bytes=1 << 20)


FunctionProblem = Task  # the minimum sandbox.execute needs; tests stay independent of pipelines/


INCREMENT = FunctionProblem(
    "def f(x):\n", "f", [FunctionTest(args=[1], expected=2), FunctionTest(args=[41], expected=42)]
)
CORRECT = "    return x + 1\n"


@pytest.fixture(scope="module", params=BACKENDS)
def session(request: pytest.FixtureRequest) -> Iterator[Session]:
    """One live sandbox per backend, shared by a module's tests as the filter would share it."""
    with Session(request.param) as live:
        yield live


@pytest.fixture()
def sandbox_tmp() -> Iterator[Path]:
    """A temporary directory the sandbox uid can reach (pytest's own tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="sftmine-test-", dir="/var/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run_body(session: Session, body: str, problem: FunctionProblem = INCREMENT,
             limits: Limits = FAST_LIMITS) -> Verdict:
    """Run one candidate body against ``problem`` in a live session."""
    from sandbox.execute import execute

    return execute(problem, [body], session=session, limits=limits)[0]


def value_of(verdict: Verdict, test: int = 0) -> object:
    """The raw value a candidate returned for a test (None if it returned none)."""
    record = verdict.outputs[test] or {}
    return record.get("value")
