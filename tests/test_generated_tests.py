"""Generated tests: mutated sample inputs on which every solution agrees, and what they catch."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator

import pytest

from pipelines.funnel import Stage
from pipelines.problems.generated_tests import Mutator, read_bounds, seeded_rng
from pipelines.problems.solve_wrapper import exec_body
from pipelines.sources.competitive import Options, Reason, SamplesOnly, SandboxChecker, process_task
from sandbox.execute import execute
from sandbox.session import Session
from scrapers.types import Sample, Submission, TaskPage, TaskRef
from tests.test_competitive import MemorySite, PassFirstChecker

# A task built for this: the maximum of n numbers. Its samples happen to end with the maximum, so a
# program that prints the last number passes them; shuffled arrays are what catch it.
MAX_PAGE = TaskPage(
    "http://cf/contest/8/problem/A", "A. Largest", (
        ("", "Print the largest of $n$ numbers."),
        ("Input", "The first line holds $n$ ($1 \\le n \\le 50$), the second $n$ integers $a_i$ "
                  "($-1000 \\le a_i \\le 1000$)."),
        ("Output", "Print the largest."),
    ),
    (Sample("3\n1 2 5\n", "5\n"), Sample("4\n-3 0 2 9\n", "9\n")), 1.0, 256, False, "2024-05-01T00:00:00Z",
)
MAX_REF = TaskRef("codeforces", "8", "A", "Largest", MAX_PAGE.url, 800)
LARGEST = "input()\nprint(max(map(int, input().split())))\n"
LARGEST_SORTED = "import sys\nn, *a = map(int, sys.stdin.read().split())\nprint(sorted(a)[-1])\n"
LAST = "input()\nprint(input().split()[-1])\n"


def solutions(*sources: str) -> list[Submission]:
    return [Submission(str(n), f"http://cf/s/{n}", "Python 3", source, fetched_at="t")
            for n, source in enumerate(sources, 1)]


@pytest.fixture(scope="module")
def checker() -> Iterator[SandboxChecker]:
    live = SandboxChecker("bwrap")
    try:
        yield live
    finally:
        live.close()


def test_generated_tests_fail_a_wrong_program_that_passes_the_samples(checker: SandboxChecker) -> None:
    outcome = process_task(MemorySite(MAX_PAGE, solutions(LARGEST, LARGEST_SORTED)), MAX_REF, checker, Options())
    stdio, function = outcome.kept
    assert stdio.meta["tests"] == {"samples": 2, "generated": 20, "solutions": 2}
    assert stdio.meta["samples_only"] == "" and len(stdio.tests) == 22
    assert len({test.stdin for test in stdio.tests}) == 22
    samples_only = dataclasses.replace(stdio, tests=stdio.tests[:2])
    with Session("bwrap") as live:
        assert execute(samples_only, [LAST], session=live)[0].passed  # the samples let it through
        wrong = execute(stdio, [LAST], session=live)[0]
        assert not wrong.passed and wrong.failed_test >= 2, wrong
        assert not execute(function, [exec_body(LAST)], session=live)[0].passed  # the function form too
        assert all(v.passed for v in execute(stdio, [LARGEST, LARGEST_SORTED], session=live))
    # The same task makes the same tests again (the mutations are seeded by the task).
    again = process_task(MemorySite(MAX_PAGE, solutions(LARGEST, LARGEST_SORTED)), MAX_REF, checker, Options())
    assert again.kept[0].id == stdio.id


def test_one_solution_keeps_the_samples_and_says_so(checker: SandboxChecker) -> None:
    outcome = process_task(MemorySite(MAX_PAGE, solutions(LARGEST)), MAX_REF, checker, Options())
    stdio = outcome.kept[0]
    assert stdio.meta["tests"] == {"samples": 2, "generated": 0, "solutions": 1}
    assert stdio.meta["samples_only"] == SamplesOnly.ONE_SOLUTION and len(stdio.tests) == 2
    # A solution that fails the samples does not count as one that agrees.
    outcome = process_task(MemorySite(MAX_PAGE, solutions(LARGEST, "print(5)\n")), MAX_REF, checker, Options())
    assert outcome.kept[0].meta["samples_only"] == SamplesOnly.ONE_SOLUTION


def test_solutions_that_disagree_leave_only_inputs_they_agree_on(checker: SandboxChecker) -> None:
    """The last-number program is accepted here too: inputs where it differs from max are dropped."""
    outcome = process_task(MemorySite(MAX_PAGE, solutions(LARGEST, LAST)), MAX_REF, checker, Options())
    stdio = outcome.kept[0]
    for test in stdio.tests:
        numbers = test.stdin.split("\n")[1].split()
        assert numbers[-1] == max(numbers, key=int) == test.stdout.strip()


DIVISORS_PAGE = dataclasses.replace(MAX_PAGE, sections=(
    ("", "Print every divisor of $n$."), ("Input", "One integer $n$ ($1 \\le n \\le 1000$)."),
    ("Output", "Print the divisors in any order."),
), samples=(Sample("12\n", "1 2 3 4 6 12\n"), Sample("7\n", "1 7\n")))
UP = "n = int(input())\nprint(*[d for d in range(1, n + 1) if n % d == 0])\n"
DOWN = "n = int(input())\nprint(*[d for d in range(n, 0, -1) if n % d == 0])\n"
MISSES_N = "n = int(input())\nprint(*[d for d in range(1, n) if n % d == 0] + ([n] if n in (7, 12) else []))\n"


def test_a_checker_problem_generates_tests_its_solutions_agree_on_by_the_checker(checker: SandboxChecker) -> None:
    outcome = process_task(MemorySite(DIVISORS_PAGE, solutions(UP, DOWN)), MAX_REF, checker, Options())
    stdio, function = outcome.kept
    assert stdio.meta["judging"] == {"compare": "checker", "checker": "multiset"} and stdio.checker
    assert stdio.meta["tests"]["generated"] >= 5 and {t.compare for t in stdio.tests} == {"checker"}
    with Session("bwrap") as live:
        assert [v.passed for v in execute(stdio, [DOWN, UP, MISSES_N], session=live)] == [True, True, False]
        assert not execute(function, [exec_body(MISSES_N)], session=live)[0].passed


def test_a_task_with_several_answers_is_rejected_as_needs_checker() -> None:
    page = dataclasses.replace(MAX_PAGE, sections=(
        *MAX_PAGE.sections[:2], ("Output", "Print an index of a largest number. If there are multiple answers, "
                                           "print any of them.")))
    site = MemorySite(page, solutions(LARGEST))
    outcome = process_task(site, MAX_REF, PassFirstChecker(set()), Options())
    assert not outcome.kept and site.sources_fetched == 0
    (reject,) = outcome.rejects
    assert (reject.stage, reject.reason) == (Stage.POLICY, Reason.NEEDS_CHECKER)
    assert "multiple answers" in reject.detail
    assert [(c.stage, c.kept, dict(c.rejected)) for c in outcome.counts()] == [
        ("list", 1, {}), ("scrape", 1, {}), ("policy", 0, {"needs_checker": 1})]


# ---- the mutations themselves ------------------------------------------------------------------


def test_bounds_as_statements_write_them() -> None:
    assert read_bounds(["$1 \\le n \\le 2 \\cdot 10^5$, $-10^9 \\le a_i \\le 10^9$", "1 ≤ k ≤ 100",
                        "<var>1 \\leq N \\leq 10^{18}</var>", "$0 \\le x < 5$"]) == [
        (1, 200000), (-10**9, 10**9), (1, 100), (1, 10**18)]


def test_mutations_keep_counts_consistent_and_numbers_within_bounds() -> None:
    mutator = Mutator([(1, 50), (-1000, 1000)], random.Random(7))
    texts = mutator.inputs(["3\n1 2 5\n", "4\n-3 0 2 9\n"], 200)
    assert len(texts) == 200 and len(set(texts)) == 200
    resized = 0
    for text in texts:
        count, numbers = text.split("\n")[0], text.split("\n")[1].split()
        assert int(count) == len(numbers) and 1 <= int(count) <= 50
        assert all(-1000 <= int(x) <= 1000 for x in numbers)
        resized += int(count) not in (3, 4)
    assert resized > 0
    words = Mutator([], random.Random(1)).inputs(["5\nabcde\n"], 30)
    assert all(len(text.split("\n")[1]) == int(text.split("\n")[0]) for text in words)
    assert seeded_rng("codeforces:8A").random() == seeded_rng("codeforces:8A").random()
