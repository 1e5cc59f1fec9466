"""Decontamination against HumanEval and MBPP: n-gram overlap, and behaviour in the bwrap sandbox."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from pipelines.gates.corpora import humaneval
from pipelines.gates.decontamination import (
    BEHAVIOUR_MATCH,
    NGRAM_OVERLAP,
    Decontaminator,
    Signature,
    ngrams,
    signature,
    tokens,
)
from pipelines.problem import Problem, Provenance
from sandbox.types import FunctionTest, Limits

QUICK = Limits(timeout_s=0.5, cpu_s=5)


def mined(prompt: str, solution: str, entry_point: str, tests: list[FunctionTest]) -> Problem:
    """A problem as synthesis would make it from a third-party package."""
    return Problem(kind="function", prompt=prompt, solution=solution, tests=tests, entry_point=entry_point,
                   provenance=Provenance(source="ci", package="somepkg", license="MIT"))


@pytest.fixture(scope="module")
def benchmarks() -> dict[str, Problem]:
    """HumanEval by task id."""
    return {problem.provenance.path: problem for problem in humaneval()[0]}


@pytest.fixture(scope="module")
def decon() -> Iterator[Decontaminator]:
    """The real checker over HumanEval + MBPP, one bwrap session for the module."""
    with Decontaminator.from_corpora() as checker:
        yield checker


# HumanEval/0's canonical solution with every name changed and a docstring of our own.
ANY_TWO_CLOSE = mined(
    'from typing import List\n\n\ndef any_two_close(values: List[float], limit: float) -> bool:\n'
    '    """Report whether some pair of entries differs by less than the limit."""\n',
    "    for i, a in enumerate(values):\n"
    "        for j, b in enumerate(values):\n"
    "            if i != j:\n"
    "                gap = abs(a - b)\n"
    "                if gap < limit:\n"
    "                    return True\n"
    "\n"
    "    return False\n",
    "any_two_close",
    [FunctionTest(args=[[1.0, 1.5, 9.0], 0.6], expected=True), FunctionTest(args=[[], 1.0], expected=False),
     FunctionTest(args=[[4.0, 1.0], 2.0], expected=False)],
)
ORDINALIZE = mined(
    "def ordinalize(number: int) -> str:\n"
    '    """Spell a number as an ordinal: 1st, 2nd, 3rd, 4th, 11th, 101st."""\n',
    "    n = abs(int(number))\n"
    "    if n % 100 in (11, 12, 13):\n"
    '        suffix = "th"\n'
    "    else:\n"
    '        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")\n'
    '    return f"{number}{suffix}"\n',
    "ordinalize",
    [FunctionTest(args=[1], expected="1st"), FunctionTest(args=[12], expected="12th"),
     FunctionTest(args=[23], expected="23rd"), FunctionTest(args=[-2], expected="-2nd")],
)


def test_renamed_humaneval_copy_is_caught_by_behaviour(decon: Decontaminator) -> None:
    assert decon.overlap(ANY_TWO_CLOSE) is None  # nothing left for the n-grams to see
    assert decon.check(ANY_TWO_CLOSE) == (False, BEHAVIOUR_MATCH, "HumanEval/0")


def test_verbatim_copy_is_caught_by_ngrams(decon: Decontaminator, benchmarks: dict[str, Problem]) -> None:
    original = benchmarks["HumanEval/0"]
    prompt = 'def any_two_close(numbers, threshold):\n    """Report whether two entries are nearer than that."""\n'
    copy = mined(prompt, original.solution, "any_two_close", [])
    clean, reason, detail = decon.check(copy)
    assert (clean, reason) == (False, NGRAM_OVERLAP)
    assert detail.startswith("HumanEval/0: shares ")


def test_copied_docstring_is_caught_by_ngrams_even_with_other_code(
    decon: Decontaminator, benchmarks: dict[str, Problem]
) -> None:
    original = benchmarks["HumanEval/0"]
    problem = mined(original.prompt.replace("has_close_elements", "near"), "    return False\n", "near", [])
    clean, reason, detail = decon.check(problem)
    assert (clean, reason) == (False, NGRAM_OVERLAP) and detail.startswith("HumanEval/0:")


def test_unusual_mined_function_is_clean(decon: Decontaminator) -> None:
    assert len(decon.candidates(ORDINALIZE)) > 500  # every one-argument benchmark was tried
    started = time.monotonic()
    assert decon.check(ORDINALIZE) == (True, "", "")
    assert time.monotonic() - started < 10


def test_decontaminate_writes_verdicts(decon: Decontaminator) -> None:
    result = decon.run([ORDINALIZE, ANY_TWO_CLOSE])
    assert [p.id for p in result.kept] == [ORDINALIZE.id]
    assert result.kept[0].verdicts[-1].stage == "decontamination" and result.kept[0].verdicts[-1].verdict == "keep"
    assert [(r.stage, r.reason, r.detail, r.subject) for r in result.rejects] == [
        ("decontamination", BEHAVIOUR_MATCH, "HumanEval/0", ANY_TWO_CLOSE.id),
    ]


# Passes strlen's three tests ('', 'x', 'asdasnakj') without being strlen.
COUNT_LETTERS = mined(
    "def count_letters(text: str) -> int:\n    \"\"\"How many letters the text has.\"\"\"\n",
    "    return sum(1 for ch in text if ch.isalpha())\n",
    "count_letters",
    [FunctionTest(args=["Hello, World!"], expected=10), FunctionTest(args=[""], expected=0)],
)


def test_chance_pass_of_few_tests_is_not_a_match(benchmarks: dict[str, Problem]) -> None:
    # strlen's three tests are passed by any length function, so they never decide a behaviour match,
    # whichever way the check runs and whether or not the mined problem has tests of its own.
    strlen = [benchmarks["HumanEval/23"]]
    bare = mined(COUNT_LETTERS.prompt, COUNT_LETTERS.solution, "count_letters", [])
    for two_way in (True, False):
        with Decontaminator(strlen, two_way=two_way) as checker:
            assert checker.check(COUNT_LETTERS) == (True, "", "")
            assert checker.check(bare) == (True, "", "")


def _benchmark(task: str, prompt: str, solution: str, entry: str, tests: list[FunctionTest]) -> Problem:
    return Problem(kind="function", prompt=prompt, solution=solution, tests=tests, entry_point=entry,
                   provenance=Provenance(source="test", path=task))


LAST_DIGIT = _benchmark("e/last_digit", "def last_digit(n):\n", "    return n % 10\n", "last_digit",
                        [FunctionTest(args=[123], expected=3), FunctionTest(args=[40], expected=0),
                         FunctionTest(args=[7], expected=7)])
# Passes last_digit's tests (all non-negative) but is another function: -17 gives 7, not 3.
ONES_PLACE = mined("def ones_place(n):\n", "    return abs(n) % 10\n", "ones_place",
                   [FunctionTest(args=[-17], expected=7), FunctionTest(args=[250], expected=0)])


def test_a_forward_pass_is_confirmed_by_the_benchmark_passing_the_mined_tests() -> None:
    with Decontaminator([LAST_DIGIT]) as checker:
        assert checker.check(ONES_PLACE) == (True, "", "")
        # A mined copy of the benchmark passes both ways, whatever it is called.
        copy = mined("def units(value):\n", "    return value % 10\n", "units",
                     [FunctionTest(args=[-17], expected=3), FunctionTest(args=[], kwargs={"value": 9}, expected=9)])
        assert checker.check(copy) == (False, BEHAVIOUR_MATCH, "e/last_digit")
    with Decontaminator([LAST_DIGIT], two_way=False) as checker:
        assert checker.check(ONES_PLACE) == (False, BEHAVIOUR_MATCH, "e/last_digit")
    # Without recorded tests of its own the forward pass decides.
    bare = mined(ONES_PLACE.prompt, ONES_PLACE.solution, "ones_place", [])
    with Decontaminator([LAST_DIGIT]) as checker:
        assert checker.check(bare) == (False, BEHAVIOUR_MATCH, "e/last_digit")


DOUBLE = _benchmark("b/double", "def double(x):\n", "    return x * 2\n", "double",
                    [FunctionTest(args=[1], expected=2), FunctionTest(args=[3], expected=6)])
BIG = _benchmark("a/big", "def big(x):\n", "    return x > 100\n", "big",
                 [FunctionTest(args=[5], expected=False), FunctionTest(args=[1000], expected=True)])


@pytest.mark.parametrize("failure", ["        while True:\n            pass\n", "        import os; os._exit(3)\n"])
def test_a_benchmark_input_that_hangs_or_kills_the_run_does_not_stop_the_others(failure: str) -> None:
    # Doubles small numbers; hangs (or exits) on the big input of the benchmark tried first.
    problem = mined("def twice(n):\n", f"    if n > 100:\n{failure}    return n * 2\n", "twice",
                    [FunctionTest(args=[4], expected=8)])
    with Decontaminator([BIG, DOUBLE], limits=QUICK) as checker:
        assert [bench.task for bench in checker.candidates(problem)] == ["a/big", "b/double"]
        assert checker.check(problem) == (False, BEHAVIOUR_MATCH, "b/double")
    if "while" in failure:
        with Decontaminator([BIG, BIG, DOUBLE], limits=QUICK, budget_s=0.1) as checker:
            assert checker.check(problem) == (True, "", "2 benchmarks unchecked (time budget spent)")


def test_only_benchmarks_whose_calls_fit_are_run() -> None:
    pair = _benchmark("c/add", "def add(a, b):\n", "    return a + b\n", "add",
                      [FunctionTest(args=[1, 2], expected=3), FunctionTest(args=[2, 2], expected=4)])
    constant = _benchmark("d/const", "def yes(x):\n", "    return True\n", "yes",
                          [FunctionTest(args=[1], expected=True), FunctionTest(args=[2], expected=True)])
    checker = Decontaminator([DOUBLE, pair, constant])
    # One outcome for every test: a constant function would match, so the benchmark is never run.
    assert [bench.task for bench in checker.runnable] == ["b/double", "c/add"]
    one = mined("def f(x):\n", "    return x\n", "f", [])
    one_or_two = mined("def f(x, y=0):\n", "    return x\n", "f", [])
    keyword_only = mined("def f(x, *, scale):\n", "    return x\n", "f", [])
    assert [bench.task for bench in checker.candidates(one)] == ["b/double"]
    assert [bench.task for bench in checker.candidates(one_or_two)] == ["b/double", "c/add"]
    assert checker.candidates(keyword_only) == []


@pytest.mark.parametrize(
    ("header", "expected", "calls"),
    [
        ("def f(a, b):", Signature(2, 2, False, ("a", "b")), {1: False, 2: True, 3: False}),
        ("def f(a, b=1, /, c=2):", Signature(1, 3, False, ("a", "b", "c")), {0: False, 1: True, 3: True}),
        ("def f(a, *rest):", Signature(1, -1, False, ("a",)), {1: True, 7: True}),
        ("def f(a, *, key=None):", Signature(1, 1, False, ("a",)), {1: True}),
        ("def f(a, *, key):", Signature(1, 1, True, ("a",)), {1: False}),
    ],
)
def test_signature(header: str, expected: Signature, calls: dict[int, bool]) -> None:
    problem = mined(header + "\n", "    pass\n", "f", [])
    assert signature(problem) == expected
    assert {count: expected.accepts(count) for count in calls} == calls


def test_tokens_keep_words_and_drop_layout() -> None:
    source = 'def f(x):  # a comment\n    """Say "Hi", twice."""\n    return x.upper() + \'!\' * 2\n'
    assert tokens(source) == ["def", "f", "x", "say", "hi", "twice", "return", "x", "upper", "2"]
    reflowed = 'def f( x ):\n    """Say  "Hi",\n    twice."""\n    return (x.upper()\n        + "!" * 2)\n'
    assert tokens(reflowed) == tokens(source)
    assert tokens("def broken(:\n    '''unterminated") == ["def", "broken", "unterminated"]


def test_ngrams_need_words() -> None:
    digits = [str(n) for n in range(12)]
    assert ngrams(digits, 10) == set()  # a doctest's list of numbers is nobody's copy
    words = ["return", "the", "sorted", "list", "of", "unique", "words", "in", "the", "given", "text"]
    assert len(ngrams(words, 10)) == 2
    assert ngrams(words[:9], 10) == set()


def test_benchmarks_that_trivial_functions_pass_are_not_used_for_behaviour() -> None:
    """MBPP-style weak tests (``assert f([-1, 4]) == -1``) would flag every 'first item' function."""
    from pipelines.gates.decontamination import _discriminating
    from sandbox.types import FunctionTest as Test

    weak = [Test(args=[[-1, 4, 5, -6]], expected=-1, compare="eq"), Test(args=[[-7, 2]], expected=-7, compare="eq")]
    identity = [Test(args=[3], expected=3, compare="eq"), Test(args=[5], expected=5, compare="eq")]
    strong = [Test(args=[[-1, 4, 5, -6]], expected=[-1, -6], compare="eq"), Test(args=[[2]], expected=[], compare="eq")]
    assert not _discriminating(weak) and not _discriminating(identity)
    assert _discriminating(strong)


def test_keyword_arguments_of_mined_tests_become_positional_for_the_converse_check() -> None:
    from pipelines.gates.decontamination import _positional

    test = FunctionTest(args=[1], kwargs={"c": 3, "b": 2}, expected=6)
    assert _positional(test, ("a", "b", "c")) == FunctionTest(args=[1, 2, 3], expected=6)
    assert _positional(test, ("a", "b", "d")) is None  # ``c`` is not the next positional parameter
    assert _positional(FunctionTest(args=[1], expected=1), ("a",)) == FunctionTest(args=[1], expected=1)
