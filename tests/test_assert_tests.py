"""``pipelines.problems.assert_tests``: assert statements become data tests, and nothing in them is executed.

Pure unit tests on source snippets parsed with ``ast``; no sandbox.
"""

from __future__ import annotations

import ast
import json
import math
import textwrap
import tracemalloc

import pytest

from pipelines.problems.assert_tests import MAX_SEQUENCE, Unconvertible, convert_statements, evaluate
from sandbox import wire
from sandbox.types import FunctionTest


def convert(source: str, callee: str = "candidate") -> tuple[list[FunctionTest], list[str]]:
    return convert_statements(ast.parse(textwrap.dedent(source)).body, callee)


def one(source: str, callee: str = "candidate") -> FunctionTest:
    tests, failures = convert(source, callee)
    assert failures == [], failures
    assert len(tests) == 1, tests
    return tests[0]


def failure(source: str) -> str:
    tests, failures = convert(source)
    assert tests == [], tests
    assert len(failures) == 1, failures
    return failures[0]


def value(expression: str) -> object:
    return evaluate(ast.parse(expression, mode="eval").body)


# --- assert forms ---------------------------------------------------------------------------------


def test_equality() -> None:
    test = one("assert candidate(1, 2) == 3")
    assert test == FunctionTest(args=[1, 2], kwargs={}, expected=3, compare="eq")
    assert test.raises is None and test.rel_tol == 0.0 and test.abs_tol == 0.0


def test_reversed_equality() -> None:
    assert one("assert 3 == candidate(1, 2)") == FunctionTest(args=[1, 2], expected=3, compare="eq")


def test_is_gives_exact() -> None:
    test = one("assert candidate(5) is True")
    assert test.compare == "exact" and test.expected is True and test.args == [5]
    assert one("assert None is candidate()").expected is None
    assert one("assert None is candidate()").compare == "exact"


def test_not_gives_falsy_and_bare_call_gives_truthy() -> None:
    falsy = one("assert not candidate('abc')")
    assert falsy.compare == "falsy" and falsy.args == ["abc"]
    truthy = one("assert candidate([1, 2], 3)")
    assert truthy.compare == "truthy" and truthy.args == [[1, 2], 3]


@pytest.mark.parametrize("source", [
    "assert abs(candidate(1.5) - 0.5) < 1e-6",
    "assert abs(0.5 - candidate(1.5)) <= 1e-6",
    "assert math.fabs(candidate(1.5) - 0.5) < 1e-6",
])
def test_abs_difference_gives_close_with_abs_tol(source: str) -> None:
    test = one(source)
    assert test.compare == "close" and test.args == [1.5]
    assert test.expected == 0.5 and type(test.expected) is float
    assert test.abs_tol == 1e-6 and test.rel_tol == 0.0


def test_isclose_gives_close_with_tolerances() -> None:
    test = one("assert math.isclose(candidate(2), 1.4142, rel_tol=0.001)")
    assert (test.compare, test.args, test.expected, test.rel_tol, test.abs_tol) == ("close", [2], 1.4142, 0.001, 0.0)
    test = one("assert math.isclose(1.4142, candidate(2), abs_tol=1e-3)")
    assert (test.expected, test.rel_tol, test.abs_tol) == (1.4142, 1e-9, 1e-3)


def test_keyword_arguments() -> None:
    test = one("assert candidate(1, key=(2, 3), flag=not True) == [4]")
    assert test.args == [1]
    assert test.kwargs == {"key": {"tuple": [2, 3]}, "flag": False}
    assert test.expected == [4]


@pytest.mark.parametrize(("expression", "expected"), [
    ("[1] * 3", [1, 1, 1]),
    ("-5", -5),
    ("+5", 5),
    ('"ab" * 2', "abab"),
    ("3 * 'x'", "xxx"),
    ("2 ** 10", 1024),
    ("2 ** -1", 0.5),
    ("7 // 2 + 7 % 2 - 1 / 4", 3.75),
    ("sorted([3, 1, 2])", [1, 2, 3]),
    ("len('abcd') + max(1, 9) + min([4, 2]) + sum([1, 1])", 17),
    ("str(12) + chr(65)", "12A"),
    ("int('7') + ord('a') + round(2.6)", 107),
    ("float('1.5')", 1.5),
    ("bool(0)", False),
    ("abs(-3)", 3),
    ("math.sqrt(16)", 4.0),
    ("math.factorial(5)", 120),
    ("bytes([104, 105])", {"bytes": "6869"}),
    ("math.pi", math.pi),
    ("-math.inf", {"float": "-inf"}),
    ("float('nan')", {"float": "nan"}),
    ("(1, 2)", {"tuple": [1, 2]}),
    ("tuple([1, 2])", {"tuple": [1, 2]}),
    ("{3, 1, 2}", {"set": [1, 2, 3]}),
    ("frozenset([1])", {"frozenset": [1]}),
    ("{1: 'a', 'b': (2,)}", {"dict": [[1, "a"], ["b", {"tuple": [2]}]]}),
    ("[(1, 2), [3]]", [{"tuple": [1, 2]}, [3]]),
    ("1.0", 1.0),
    ("True", True),
    ("None", None),
    ("b'\\x00'", {"bytes": "00"}),
    ("1j", {"complex": [0.0, 1.0]}),
])
def test_arguments_are_evaluated_into_wire_form(expression: str, expected: object) -> None:
    test = one(f"assert candidate({expression}) == 0")
    assert test.args == [expected]
    assert type(test.args[0]) is type(expected)
    assert one(f"assert candidate() == {expression}").expected == expected


def test_wire_form_args_decode_to_the_values() -> None:
    test = one("assert candidate((1, 2), {3}, [(4,)]) == {(5, 6): frozenset()}")
    assert test.args == [{"tuple": [1, 2]}, {"set": [3]}, [{"tuple": [4]}]]
    assert wire.decode(test.args) == [(1, 2), {3}, [(4,)]]
    decoded = wire.decode(test.expected)
    assert type(decoded) is dict and decoded == {(5, 6): frozenset()}
    json.dumps([test.args, test.expected], allow_nan=False)


@pytest.mark.parametrize(("expression", "expected"), [
    ("list(range(4))", [0, 1, 2, 3]),
    ("sorted(range(3, 0, -1))", [1, 2, 3]),
    ("tuple(range(1, 3))", {"tuple": [1, 2]}),
])
def test_list_of_range(expression: str, expected: object) -> None:
    assert one(f"assert candidate({expression}) == 0").args == [expected]


def test_callee_name_is_respected() -> None:
    assert one("assert f(1) == 2", callee="f").args == [1]
    assert "line 1" in failure("assert g(1) == 2")


# --- ignored statements ---------------------------------------------------------------------------


def test_constant_true_asserts_and_noise_are_ignored() -> None:
    tests, failures = convert('''
        """Module docstring."""
        import math
        from math import sqrt
        pass
        assert True, "msg"
        assert 1
        "a string statement"
        ...
        assert candidate(1) == 1
    ''')
    assert failures == []
    assert [t.args for t in tests] == [[1]]


def test_constant_false_assert_is_a_failure() -> None:
    assert "line 1" in failure("assert False")


# --- failures ---------------------------------------------------------------------------------------


def test_failures_carry_line_numbers_and_good_asserts_still_convert() -> None:
    tests, failures = convert('''
        assert candidate(1) == 2
        for x in range(3):
            assert candidate(x) == x + 1
        y = candidate(4)
        assert candidate(2) == 3
        assert candidate(5) != 3
        def helper():
            pass
    ''')
    assert [t.args for t in tests] == [[1], [2]]
    assert len(failures) == 4
    assert failures[0].startswith("line 3:") and "For" in failures[0]
    assert failures[1].startswith("line 5:") and "Assign" in failures[1]
    assert failures[2].startswith("line 7:")
    assert failures[3].startswith("line 8:") and "FunctionDef" in failures[3]


@pytest.mark.parametrize("source", [
    "assert candidate(3) != 3",
    "assert candidate(3) < 4",
    "assert candidate(3) in [1, 2]",
    "assert 1 == candidate(1) == 1",
    "assert abs(candidate(1.5) - 0.5) > 1e-6",
    "assert abs(candidate(1.5) + 0.5) < 1e-6",
    "assert candidate(foo(1)) == 2",
    "assert candidate(x) == 2",
    "assert candidate(1) == foo(1)",
    "assert candidate(1) == candidate(2)",
    "assert candidate(*[1, 2]) == 3",
    "assert candidate(**{'a': 1}) == 3",
    "assert candidate('a' * 10**9) == 1",
    "assert candidate(10**9 * [0]) == 1",
    "assert candidate(list(range(10**9))) == 1",
    "assert candidate(range(10**9)) == 1",
    "assert candidate(2 ** 100000) == 1",
    "assert candidate(1) == 2 ** 1000",
    "assert candidate(1 / 0) == 1",
    "assert candidate({[1]: 2}) == 1",
    "assert candidate(iter([1])) == 1",
    "assert candidate(reversed([1, 2]).__class__) == 1",
    "assert candidate([i for i in [1]]) == [1]",
    "assert candidate(lambda: 1) == 1",
    "assert candidate(sorted([2, 1], reverse=True)) == [1, 2]",
    "assert candidate(int('9' * 5000)) == 1",
    "assert other(1) == 1",
    "assert (candidate(1), 2)",
], ids=lambda s: s.removeprefix("assert "))
def test_unconvertible_asserts_are_reported(source: str) -> None:
    message = failure(source)
    assert message.startswith("line 1: ")


@pytest.mark.parametrize(("source", "words"), [
    ("assert candidate('a' * 10**9) == 1", "repetition too large"),
    ("assert candidate(10**9 * 'a') == 1", "repetition too large"),
    ("assert candidate(list(range(10**9))) == 1", "range too large"),
    ("assert candidate(2 ** 100000) == 1", "exponent too large"),
    ("assert candidate(*[1]) == 1", "star arguments"),
    ("assert candidate(foo(1)) == 1", "call of foo"),
    ("assert candidate(x) == 1", "not a literal"),
])
def test_failure_messages_say_why(source: str, words: str) -> None:
    assert words in failure(source)


def test_size_limits_are_boundaries() -> None:
    assert len(value(f"'a' * {MAX_SEQUENCE}")) == MAX_SEQUENCE
    with pytest.raises(Unconvertible):
        value(f"'ab' * {MAX_SEQUENCE}")
    with pytest.raises(Unconvertible):
        value(f"'a' * {MAX_SEQUENCE + 1}")
    with pytest.raises(Unconvertible):
        value(f"tuple(range({MAX_SEQUENCE + 1}))")


# --- evaluate() never executes anything -----------------------------------------------------------


@pytest.mark.parametrize("expression", [
    "__import__('os')",
    "__import__('os').system('true')",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('x = 1')",
    "getattr(math, 'pi')",
    "globals()",
    "print(1)",
    "os.getcwd()",
    "math.sys",
    "math.__dict__",
    "math.sqrt",
    "(lambda: 1)()",
    "''.join(['a'])",
    "'{}'.format(1)",
    "[1, 2][0]",
    "x",
    "True and 1",
    "1 if True else 2",
    "[x for x in [1]]",
    "{**{'a': 1}}",
    "f'{1}'",
    "candidate(1)",
    "type(1)",
    "vars()",
    "breakpoint()",
])
def test_evaluate_refuses_names_and_calls_outside_the_allow_list(expression: str) -> None:
    with pytest.raises(Unconvertible):
        value(expression)


def test_evaluate_does_not_import(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    def no_import(*args: object, **kwargs: object) -> object:
        raise AssertionError("evaluate imported something")

    monkeypatch.setattr(builtins, "__import__", no_import)
    with pytest.raises(Unconvertible):
        value("__import__('os')")


@pytest.mark.parametrize("expression", [
    "'a' * 100_000 * 100",
    "[0] * 100_000 * 100",
    "bytes(10**7)",
    "'a' * 10**9",
    "list(range(10**9))",
    "2 ** 100000",
])
def test_too_large_values_are_refused_before_they_are_built(expression: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(Unconvertible):
            value(expression)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, f"peak {peak} bytes"


@pytest.mark.parametrize("expression", ["math.factorial(2000)", "(10**256)**20"])
def test_converted_tests_can_be_serialised(expression: str) -> None:
    tests, failures = convert(f"assert candidate({expression}) == 1")
    for test in tests:
        json.dumps([test.args, test.expected])
    assert tests or failures
