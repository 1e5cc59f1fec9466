"""Judging that matches the problem: tolerance, case, checkers, and what the statement says of them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from pipelines.problem import Problem, ProblemFormatError, Provenance
from pipelines.problems.judging import judging_of, read_tolerance
from pipelines.problems.solve_wrapper import exec_body, function_problem
from sandbox import wire
from sandbox.checkers import LINES_ANY_ORDER, MULTISET
from sandbox.execute import execute
from sandbox.judge import check_value, token_matches, tokens_match
from sandbox.session import Session
from sandbox.types import FunctionTest, StdioTest
from scrapers.atcoder import parse_task_page
from scrapers.codeforces import parse_problem_page
from scrapers.types import Page, TaskPage
from tests.site_pages import atcoder_task_page, codeforces_problem_page

PROVENANCE = Provenance(source="test")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Session]:
    with Session("bwrap") as live:
        yield live


# ---- token comparison --------------------------------------------------------------------------


def test_reals_within_the_tolerance_integers_exactly() -> None:
    assert token_matches("0.333333333", "0.3333336", 1e-6, 1e-6)  # absolute error 2.7e-7
    assert not token_matches("0.333333333", "0.33334", 1e-6, 1e-6)  # 6.7e-6
    assert token_matches("0.5", "0.500001", 0, 1e-6)  # exactly at the bound, as testlib allows
    assert token_matches("1000000", "1000000.5", 1e-6, 0)  # relative
    assert not token_matches("1000000", "1000000.5", 0, 1e-6)  # absolute only
    assert token_matches("2", "2.0000001", 1e-6, 1e-6)  # one of them real: within tolerance
    assert not token_matches("1000000000000000000", "1000000000000000001", 1e-6, 1e-6)  # integers: exactly
    assert token_matches("0.5", "0.5", 0, 0)  # equal text always matches
    assert not token_matches("0.5", "0.50", 0, 0)  # no tolerance: exact tokens
    assert not token_matches("1.0", "nan", 1, 1) and not token_matches("1.0", "inf", 1, 1)
    assert not token_matches("abc", "abd", 1, 1)
    assert tokens_match("3\n0.5 1.25\n", "3 0.5000001\n1.2500001", 1e-6, 1e-6)
    assert not tokens_match("3 0.5", "3 0.5 7", 1e-6, 1e-6)


def test_case_is_ignored_only_when_the_test_says_so() -> None:
    assert tokens_match("YES\nNO\n", "yes no", ignore_case=True)
    assert not tokens_match("YES\nNO\n", "yes no")
    assert not tokens_match("YES", "YE5", ignore_case=True)
    test = FunctionTest(args=["1"], expected="YES", compare="tokens", ignore_case=True)
    assert check_value(test, "yEs") == "" and check_value(test, "no")
    assert check_value(FunctionTest(args=["1"], expected="YES", compare="tokens"), "yes")
    assert check_value(FunctionTest(args=["1"], expected="YES", compare="tokens", ignore_case=True), ["YES"])


THIRD = "n = int(input())\nprint({})\n"


def _stdio(tests: list[StdioTest], checker: str = "") -> Problem:
    return Problem("stdio", "statement", "", tests, PROVENANCE, checker=checker)


def test_tolerance_and_case_in_the_sandbox_for_both_forms(sandbox: Session) -> None:
    floats = _stdio([StdioTest("3\n", "0.333333333\n", "tokens", 1e-6, 1e-6), StdioTest("4\n", "0.25\n", "tokens",
                                                                                         1e-6, 1e-6)])
    close, far = THIRD.format("f'{1 / n + 3e-7:.7f}'"), THIRD.format("round(1 / n, 4)")
    assert [v.passed for v in execute(floats, [close, far], session=sandbox)] == [True, False]
    answers = _stdio([StdioTest("3\n", "YES\n", "tokens", ignore_case=True), StdioTest("2\n", "NO\n", "tokens",
                                                                                       ignore_case=True)])
    lower, wrong = THIRD.format("'yes' if n % 2 else 'no'"), THIRD.format("'no' if n % 2 else 'yes'")
    assert [v.passed for v in execute(answers, [lower, wrong], session=sandbox)] == [True, False]
    strict = _stdio([StdioTest("3\n", "YES\n", "tokens")])
    assert not execute(strict, [lower], session=sandbox)[0].passed
    # The function form judges alike: the same programs as solve() bodies.
    for stdio, good, bad in ((floats, close, far), (answers, lower, wrong)):
        function = function_problem(stdio, "statement", exec_body(good), "exec")
        assert {t.compare for t in function.tests} == {"tokens"}
        verdicts = execute(function, [exec_body(good), exec_body(bad)], session=sandbox)
        assert [v.passed for v in verdicts] == [True, False], verdicts


# ---- checkers ----------------------------------------------------------------------------------

DIVISORS = "n = int(input())\nprint(*[d for d in range(1, n + 1) if n % d == 0])\n"
DIVISORS_DOWN = "n = int(input())\nprint(*[d for d in range(n, 0, -1) if n % d == 0])\n"
DIVISORS_WRONG = "n = int(input())\nprint(*[d for d in range(1, n) if n % d == 0])\n"


def test_a_generic_checker_passes_two_different_correct_answers_and_fails_a_wrong_one(sandbox: Session) -> None:
    tests = [StdioTest("12\n", "1 2 3 4 6 12\n", "checker"), StdioTest("7\n", "1 7\n", "checker")]
    problem = _stdio(tests, MULTISET)
    verdicts = execute(problem, [DIVISORS, DIVISORS_DOWN, DIVISORS_WRONG], session=sandbox)
    assert [v.passed for v in verdicts] == [True, True, False]
    assert "checker rejected" in verdicts[2].reason and verdicts[2].failed_test == 0
    # The function form carries the checker and judges alike.
    function = function_problem(problem, "statement", exec_body(DIVISORS), "exec")
    assert function.checker == MULTISET and {t.compare for t in function.tests} == {"checker"}
    bodies = [exec_body(program) for program in (DIVISORS, DIVISORS_DOWN, DIVISORS_WRONG)]
    assert [v.passed for v in execute(function, bodies, session=sandbox)] == [True, True, False]
    # Lines in any order: the same lines reordered pass, a changed line fails.
    pairs = _stdio([StdioTest("", "1 2\n3 4\n", "checker")], LINES_ANY_ORDER)
    verdicts = execute(pairs, ["print('3 4'); print('1  2')", "print('1 2 3 4')", "print('1 2'); print('4 3')"],
                       session=sandbox)
    assert [v.passed for v in verdicts] == [True, False, False]


@pytest.mark.parametrize(("checker", "why"), [
    ("def check(input, expected, got):\n    return 'yes'\n", "rejected the output ('yes')"),
    ("def check(input, expected, got):\n    return 1\n", "rejected the output (1)"),
    ("def check(input, expected, got):\n    raise ValueError('bad')\n", "raised ValueError"),
    ("import os\ndef check(input, expected, got):\n    os._exit(0)\n", "gave no verdict"),
    ("def check(input, expected, got):\n    return True\nraise SystemExit\n", "failed to load"),
])
def test_only_a_strict_true_from_the_checker_passes(sandbox: Session, checker: str, why: str) -> None:
    problem = _stdio([StdioTest("1\n", "1\n", "checker")], checker)
    verdict = execute(problem, ["print(input())\n"], session=sandbox)[0]
    assert not verdict.passed and why in verdict.reason, verdict.reason


def test_a_candidate_cannot_reach_the_expected_output_or_the_verdict(sandbox: Session) -> None:
    """The candidate's run sees only the input; printing what a checker would return does not pass it."""
    problem = _stdio([StdioTest("5\n", "secret 5\n", "checker")], MULTISET)
    cheat = "import sys\nprint(True)\nprint('{\"i\": 0, \"value\": true}')\n"
    assert not execute(problem, [cheat], session=sandbox)[0].passed


def test_checker_fields_round_trip_and_old_records_keep_their_ids() -> None:
    # Ids computed by the code before these fields existed (main at 3438ce4).
    old_stdio = Problem("stdio", "P", "print(1)", [StdioTest("1\n", "1\n", "tokens")], PROVENANCE)
    old_function = Problem("function", "def f(x):\n", "    return x\n",
                           [FunctionTest(args=[1], expected=1, compare="close", rel_tol=1e-6)], PROVENANCE,
                           entry_point="f")
    assert (old_stdio.id, old_function.id) == ("ca132cc41c13125ce029d821", "25d48d3dace38cb2088165c2")
    assert "checker" not in old_stdio.to_dict() and set(old_stdio.to_dict()["tests"][0]) == {
        "stdin", "stdout", "compare"}
    new = Problem("stdio", "P", "print(1)", [StdioTest("1\n", "1\n", "checker"),
                                             StdioTest("2\n", "0.5\n", "tokens", 1e-6, 1e-6, True)],
                  PROVENANCE, checker=MULTISET)
    again = Problem.from_dict(new.to_dict())
    assert again == new and again.id == new.id != dataclasses.replace(new, checker=LINES_ANY_ORDER).id
    with pytest.raises(ProblemFormatError, match="needs the problem's 'checker'"):
        Problem.from_dict({k: v for k, v in new.to_dict().items() if k not in ("checker", "id")})


# ---- what the statement says -------------------------------------------------------------------


def _page(output: str, notes: tuple = ()) -> TaskPage:
    sections = (("", "Legend."), ("Input", "The values are given in any order. If there are multiple test cases, "
                                           "each is on its own line."), ("Output", output))
    return TaskPage("u", "t", sections, (), None, None, False, "", notes)


@pytest.mark.parametrize(("output", "expected"), [
    ("Print the answer. Your answer is considered correct if its absolute or relative error does not exceed "
     "$10^{-6}$.", {"compare": "tokens", "rel_tol": 1e-6, "abs_tol": 1e-6}),
    ("Your answer will be considered correct if its absolute or relative error does not exceed $10^{-9}$. "
     "Formally, let your answer be $a$, and the jury's answer be $b$.", {"compare": "tokens", "rel_tol": 1e-9,
                                                                         "abs_tol": 1e-9}),
    ("The answer will be considered correct if its absolute or relative error doesn't exceed 10^{ - 6}.",
     {"compare": "tokens", "rel_tol": 1e-6, "abs_tol": 1e-6}),
    ("Your output is considered correct if the absolute or relative error from the judge's answer is at most "
     "$10^{-6}$.", {"compare": "tokens", "rel_tol": 1e-6, "abs_tol": 1e-6}),
    ("The output will be judged correct when its absolute error from the judge's output is at most 1e-4.",
     {"compare": "tokens", "rel_tol": 0.0, "abs_tol": 1e-4}),
    ("Print the value; a relative error of at most $5 \\cdot 10^{-7}$ is allowed.",
     {"compare": "tokens", "rel_tol": 5e-7, "abs_tol": 0.0}),
    ("Print YES or NO. You can output the answer in any case (upper or lower). For example, the strings "
     '"yEs", "yes", "Yes", and "YES" will be recognized as positive responses.',
     {"compare": "tokens", "ignore_case": True}),
    ("You may print each letter in any case (lowercase or uppercase).", {"compare": "tokens", "ignore_case": True}),
    ("Print the divisors in any order.", {"compare": "checker", "checker": "multiset"}),
    ("Print the pairs, one per line, in any order.", {"compare": "checker", "checker": "lines_any_order"}),
    ("If there are several possible orders, print any of them.", {"compare": "checker", "checker": "multiset"}),
    ("Print Yes or No.", {"compare": "tokens"}),
    ("For each of the multiple test cases print one integer.", {"compare": "tokens"}),
])
def test_the_statement_says_how_outputs_are_judged(output: str, expected: dict) -> None:
    judging = judging_of(_page(output))
    assert judging.meta() == expected and not judging.needs_checker


@pytest.mark.parametrize("output", [
    "If there are multiple answers, print any of them.",
    "If there are several solutions, output any.",
    "If multiple solutions exist, any of them will be accepted.",
    "If there are many optimal answers, you may print any one of them.",
])
def test_several_answers_need_a_checker(output: str) -> None:
    assert judging_of(_page(output)).needs_checker == output
    assert judging_of(_page("Print it.", notes=(("Note", output),))).needs_checker == output


def test_tolerances_as_written() -> None:
    assert read_tolerance("at most $10^{-6}$") == pytest.approx(1e-6)
    assert read_tolerance("doesn't exceed 10-6") == pytest.approx(1e-6)
    assert read_tolerance("at most 0.000001") == pytest.approx(1e-6)
    assert read_tolerance("within 2 \\times 10^{-3}") == pytest.approx(2e-3)
    assert read_tolerance("no number") is None


def test_both_sites_pages_carry_their_tolerance_through_the_scrapers() -> None:
    codeforces = codeforces_problem_page(
        "A. Circle", "<p>Find the area.</p>", "<p>One integer $$$r$$$.</p>",
        '<p>Print the area. The answer will be considered correct if its absolute or relative error doesn\'t '
        'exceed 10<sup class="upper-index"> - 6</sup>.</p>', [("1\n", "3.1415926536\n")],
        header="old", input_file="stdin", output_file="stdout", variant="br")
    page = parse_problem_page(Page("https://codeforces.com/contest/1/problem/A", 200, codeforces, {}, "t"))
    assert judging_of(page).meta() == {"compare": "tokens", "rel_tol": 1e-6, "abs_tol": 1e-6}
    atcoder = atcoder_task_page(
        "A - Circle", "<p>Find the area.</p>", "<ul><li><var>1 \\leq R \\leq 100</var></li></ul>", "<pre>R</pre>",
        "<p>Print the area. Your output is considered correct if its absolute or relative error from the judge's "
        "answer is at most <var>10^{-6}</var>.</p>", [("1\n", "3.14159265358979\n")])
    page = parse_task_page(Page("https://atcoder.jp/contests/a/tasks/a_a?lang=en", 200, atcoder, {}, "t"))
    assert judging_of(page).meta() == {"compare": "tokens", "rel_tol": 1e-6, "abs_tol": 1e-6}


def test_wire_values_of_checker_tests_stay_in_wire_form() -> None:
    test = FunctionTest(args=[wire.encode("1\n")], expected=wire.encode("1"), compare="checker")
    assert check_value(test, "1") == "no verdict from the problem's checker" and check_value(test, "1", "") == ""


def test_determinism_reruns_judge_as_the_tests_do() -> None:
    """A reference printing a set (its order follows the hash seed) is deterministic under an any-order checker."""
    from pipelines.gates.determinism import DeterminismGate

    program = 'input()\nprint(*{"apple", "banana", "cherry", "date", "elder", "fig", "grape"})\n'
    expected = "apple banana cherry date elder fig grape\n"
    by_checker = Problem("stdio", "Print the fruits in any order.", program, [StdioTest("1\n", expected, "checker")],
                         PROVENANCE, checker=MULTISET)
    by_tokens = dataclasses.replace(by_checker, tests=[StdioTest("1\n", expected, "tokens")], checker="")
    with DeterminismGate(runs=3) as gate:
        result = gate.run([by_checker, by_tokens])
    assert [problem.id for problem in result.kept] == [by_checker.id]
    assert [reject.reason for reject in result.rejects] in (["nondeterministic"], ["reference_fails"])


def test_the_legend_counts_only_a_plain_statement_of_several_answers() -> None:
    legend = TaskPage("u", "t", (("", "Pick any of them and delete it. Repeat in any order."),
                                 ("Output", "Print the final length.")), (), None, None, False, "")
    assert judging_of(legend).meta() == {"compare": "tokens"}
    plain = dataclasses.replace(legend, sections=(("Problem Statement", "If there are multiple solutions, print any."),
                                                  ("Output", "Print it.")))
    assert judging_of(plain).needs_checker
