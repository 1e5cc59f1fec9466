"""Sandbox self-check: run HumanEval and MBPP references and stubs through every backend.

``python -m sandbox.selfcheck`` is what the README's first command runs until the full pipeline
exists. It prints progress, then per backend how many references passed, how many stubs and
fake passes were rejected, and the median milliseconds per candidate; it exits non-zero if any
reference failed or any stub or fake passed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence

from pipelines.gates import corpora
from pipelines.problem import Problem
from sandbox.backends import BACKENDS
from sandbox.execute import execute
from sandbox.session import Session

STUBS = ("    return None\n", "    return -987654.321\n")
FAKES = (
    "    import os\n    os._exit(0)\n",
    "    import sys\n    sys.exit(0)\n",
    "    class Anything:\n        def __eq__(self, other):\n            return True\n    return Anything()\n",
)


def _stub_may_pass(problem: Problem) -> bool:
    """A few problems accept None or a truthy constant everywhere; their stubs prove nothing."""
    return any(test.compare in ("truthy", "falsy") or test.expected is None for test in problem.tests)


def check_backend(backend: str, problems: list[Problem], out=sys.stderr) -> dict:
    """Run every problem's reference, stubs and fakes; return the counts."""
    counts = {"problems": len(problems), "reference_failed": 0, "stub_passed": 0, "fake_passed": 0}
    failures: list[str] = []
    per_candidate: list[float] = []
    started = time.monotonic()
    with Session(backend) as session:
        for done, problem in enumerate(problems, 1):
            candidates = [problem.solution, *STUBS, *FAKES]
            begin = time.monotonic()
            verdicts = execute(problem, candidates, session=session)
            per_candidate.append((time.monotonic() - begin) * 1000 / len(candidates))
            if not verdicts[0].passed:
                counts["reference_failed"] += 1
                failures.append(f"{problem.provenance.path}: reference {verdicts[0].status}: {verdicts[0].reason}")
            if not _stub_may_pass(problem):
                counts["stub_passed"] += sum(v.passed for v in verdicts[1 : 1 + len(STUBS)])
            counts["fake_passed"] += sum(v.passed for v in verdicts[1 + len(STUBS) :])
            if done % 100 == 0 or done == len(problems):
                rate = done / (time.monotonic() - started)
                eta = (len(problems) - done) / rate
                print(f"  [{backend}] {done}/{len(problems)} problems, {rate:.1f}/s, ETA {eta:.0f}s", file=out)
    counts["median_ms_per_candidate"] = round(statistics.median(per_candidate), 2) if per_candidate else 0.0
    for line in failures[:10]:
        print(f"  [{backend}] {line}", file=out)
    return counts


def run(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", type=str, default="bwrap,docker-runsc",
                        help=f"comma-separated, from {', '.join(BACKENDS)}")
    parser.add_argument("--limit", type=int, default=0, help="check only the first N problems of each corpus")
    args = parser.parse_args(argv)
    problems: list[Problem] = []
    for load in (corpora.humaneval, corpora.mbpp):
        loaded, report = load()
        print(report.summary(), file=sys.stderr)
        problems += loaded[: args.limit] if args.limit else loaded
    ok = True
    for backend in [name.strip() for name in args.backends.split(",") if name.strip()]:
        counts = check_backend(backend, problems)
        good = not (counts["reference_failed"] or counts["stub_passed"] or counts["fake_passed"])
        ok &= good
        print(f"{backend}: {'OK' if good else 'FAILED'} {counts}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(run())
