"""HumanEval and MBPP convert to data tests, and their references pass in both backends.

The same problems with the body replaced by ``return None`` or by a wrong constant must fail,
which shows the converted tests check something.
"""

from __future__ import annotations

import pytest

from pipelines.gates import corpora
from sandbox import wire
from sandbox.execute import execute
from sandbox.judge import check_value
from sandbox.session import Session
from sandbox.types import Limits

WRONG_CONSTANT = -987654.321
REFERENCE_LIMITS = Limits(timeout_s=30.0, cpu_s=60)


@pytest.fixture(scope="module")
def humaneval():
    return corpora.humaneval()


@pytest.fixture(scope="module")
def mbpp():
    return corpora.mbpp()


def test_conversion_counts(humaneval, mbpp) -> None:
    he_problems, he_report = humaneval
    mb_problems, mb_report = mbpp
    assert he_report.total == 164 and mb_report.total == 974
    assert he_report.converted >= 150 and len(he_problems) == he_report.converted
    assert mb_report.converted >= 900 and len(mb_problems) == mb_report.converted
    assert sum(he_report.failures.values()) == he_report.total - he_report.converted
    assert "converted fully" in he_report.summary()


def test_converted_tests_look_like_the_asserts(humaneval) -> None:
    problems, _ = humaneval
    by_task = {p.provenance.path: p for p in problems}
    first = by_task["HumanEval/0"]
    assert first.entry_point == "has_close_elements"
    assert first.tests[0].args == [[1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3]
    assert first.tests[0].expected is True and first.tests[0].compare == "eq"
    assert "Check if in given list of numbers" in first.docstring
    truncate = by_task["HumanEval/2"]  # abs(candidate(1.33) - 0.33) < 1e-6
    assert truncate.tests[1].compare == "close" and truncate.tests[1].abs_tol == pytest.approx(1e-6)
    assert truncate.tests[1].args == [1.33] and truncate.tests[1].expected == 0.33


def can_pass_with(problem, constant: object) -> bool:
    """Whether a body returning ``constant`` would satisfy every test (judged on the host)."""
    return all(
        test.raises is None and not check_value(test, constant) for test in problem.tests
    )


def check_corpus(problems, backend: str) -> None:
    failures = []
    with Session(backend) as session:
        for problem in problems:
            candidates = [problem.solution, "    return None\n", f"    return {WRONG_CONSTANT!r}\n"]
            # Some references compute for a while (mbpp/123 sums divisors up to 9999): a roomy limit, so a
            # loaded machine or gVisor's slower system calls cannot fail a correct reference.
            reference, none, constant = execute(problem, candidates, session=session, limits=REFERENCE_LIMITS)
            if not reference.passed:
                failures.append(f"{problem.provenance.path} reference: {reference.status} {reference.reason}")
            if none.passed != can_pass_with(problem, None):
                failures.append(f"{problem.provenance.path} 'return None' passed={none.passed}")
            if constant.passed != can_pass_with(problem, WRONG_CONSTANT):
                failures.append(f"{problem.provenance.path} wrong constant passed={constant.passed}")
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("backend", ["bwrap", "docker-runsc"])
def test_humaneval_references_pass_and_stubs_fail(humaneval, backend: str) -> None:
    problems, _ = humaneval
    # Only a handful of problems accept None everywhere; the stubs must fail all the others.
    assert sum(can_pass_with(p, None) for p in problems) <= 2
    check_corpus(problems, backend)


@pytest.mark.parametrize("backend", ["bwrap", "docker-runsc"])
def test_mbpp_references_pass_and_stubs_fail(mbpp, backend: str) -> None:
    problems, _ = mbpp
    assert sum(can_pass_with(p, None) for p in problems) <= 10
    check_corpus(problems, backend)


def test_expected_values_stay_on_the_host(humaneval) -> None:
    """What enters the sandbox for a test is its inputs only."""
    problems, _ = humaneval
    for problem in problems[:20]:
        for test in problem.tests:
            sent = test.inputs()
            assert set(sent) == {"args", "kwargs"}
            wire.decode(sent["args"])
