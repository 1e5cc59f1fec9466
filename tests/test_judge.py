"""Host-side comparison rules, without a sandbox: records in, verdicts out."""

from __future__ import annotations

import collections
import math

import pytest

from sandbox import wire
from sandbox.judge import check_record, check_value, judge_function, same
from sandbox.types import FunctionTest, Status


@pytest.mark.parametrize(("a", "b", "equal"), [
    (1, 1, True), (1, True, False), (1, 1.0, False), ((1, 2), [1, 2], False), ([1, (2,)], [1, (2,)], True),
    (math.nan, math.nan, True), ({1: "a"}, {1: "a"}, True), ({1: 1}, {1: 1.0}, False), ({1, 2}, {2, 1}, True),
    (b"x", "x", False), (1 + 2j, 1 + 2j, True),
])
def test_same_requires_identical_types(a: object, b: object, equal: bool) -> None:
    assert same(a, b) is equal


def run(records: list, status: str = "exited", code: int = 0) -> dict:
    return {"runs": [{"status": status, "code": code, "records": records, "stderr": "", "ms": 1.0}]}


TESTS = [FunctionTest(args=[1], expected=wire.encode((1, 2))), FunctionTest(args=[2], expected=3, compare="eq")]


def test_all_values_matching_pass() -> None:
    verdict = judge_function(TESTS, run([{"i": 0, "value": {"tuple": [1, 2]}}, {"i": 1, "value": 3.0}]))
    assert verdict.passed


@pytest.mark.parametrize(("records", "status", "failed"), [
    ([{"i": 0, "value": [1, 2]}, {"i": 1, "value": 3}], Status.WRONG_ANSWER, 0),
    ([{"i": 0, "value": {"tuple": [1, 2]}}], Status.CRASH, 1),
    ([{"i": 0, "value": {"tuple": [1, 2]}}, {"i": 0, "value": {"tuple": [1, 2]}}], Status.INVALID, None),
    ([{"i": 5, "value": 1}], Status.INVALID, None),
    ([{"passed": True}], Status.INVALID, None),
    ([{"setup": "SyntaxError", "message": "bad"}], Status.INVALID, None),
    ([{"i": 0, "raises": "ValueError", "message": "x"}, {"i": 1, "value": 3}], Status.RUNTIME_ERROR, 0),
    ([{"i": 0, "value": {"set": [[1]]}}, {"i": 1, "value": 3}], Status.WRONG_ANSWER, 0),
])
def test_anything_else_fails_with_a_reason(records: list, status: str, failed: int | None) -> None:
    verdict = judge_function(TESTS, run(records))
    assert verdict.status == status and verdict.failed_test == failed and verdict.reason


def test_exit_status_is_never_a_pass() -> None:
    assert not judge_function(TESTS, run([], code=0)).passed


def test_timeout_explains_missing_results() -> None:
    verdict = judge_function(TESTS, run([], status="timeout"))
    assert verdict.status == Status.TIMEOUT and verdict.failed_test == 0


def test_expected_exception() -> None:
    test = FunctionTest(args=[0], raises="ZeroDivisionError")
    assert check_record(test, {"i": 0, "raises": "ZeroDivisionError", "message": ""}) == ""
    assert "expected ZeroDivisionError" in check_record(test, {"i": 0, "value": 1})
    assert check_record(test, {"i": 0, "raises": "__candidate__.ZeroDivisionError", "message": ""})


@pytest.mark.parametrize(("got", "expected", "ok"), [
    (0.1 + 0.2, 0.3, True), (1.0000001, 1.0, True), (1.00001, 1.0, False),
    ([1.0, {"a": 2.0000001}], [1.0, {"a": 2.0}], True), ({"a": 1.0, "b": 2.0}, {"a": 1.0}, False),
    ({"a": 1.0}, {"a": 1.01}, False), (math.nan, math.nan, True), ("x", "x", True), (True, 1, False),
])
def test_close_compares_numbers_within_tolerance_inside_containers(got: object, expected: object, ok: bool) -> None:
    """MTPB's 1e-6: a float anywhere in a list or a dict's values; keys, strings and bools exactly."""
    test = FunctionTest(args=[], expected=wire.encode(expected), compare="close", rel_tol=1e-6, abs_tol=1e-6)
    assert (check_value(test, got) == "") is ok


def test_key_order_counts_for_an_ordered_dict_and_for_arguments_after_the_call() -> None:
    assert same({"a": 1, "b": 2}, {"b": 2, "a": 1})  # dict == ignores order
    assert not same(collections.OrderedDict(a=1, b=2), collections.OrderedDict(b=2, a=1))
    reordered = {"i": 0, "value": None, "args": wire.encode([{"b": 2, "a": 1}])}
    test = FunctionTest(args=[wire.encode({"a": 1, "b": 2})], expected=None,
                        args_after=[wire.encode({"b": 2, "a": 1})])
    assert check_record(test, reordered) == ""
    untouched = {"i": 0, "value": None, "args": wire.encode([{"a": 1, "b": 2}])}
    assert check_record(test, untouched).startswith("arguments after the call: expected")
