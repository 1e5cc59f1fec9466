"""Turn ``assert candidate(...) == ...`` test code into data tests, by parsing it with ``ast``.

Benchmarks ship their tests as code; this project keeps tests as data so that expected values never
enter the sandbox. Arguments and expected values are evaluated by a small evaluator that accepts
literals, arithmetic on them and a few pure built-ins; nothing from the test code is executed.
"""

from __future__ import annotations

import ast
import builtins
import math
import operator
from collections.abc import Callable

from sandbox import wire
from sandbox.types import FunctionTest

MAX_SEQUENCE = 100_000
MAX_EXPONENT = 256
MAX_INT_BITS = 4096
MAX_FACTORIAL = 500


class Unconvertible(ValueError):
    """A statement or expression outside what the converter understands."""


_BINARY: dict[type, Callable] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable] = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_PURE_CALLS: dict[str, Callable] = {
    name: getattr(builtins, name)
    for name in ("list", "tuple", "set", "frozenset", "dict", "range", "str", "int", "float", "bool",
                 "sorted", "abs", "len", "max", "min", "sum", "round", "chr", "ord", "reversed", "bytes")
}
_MATH = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "tau": math.tau,
         "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "pow": math.pow, "factorial": math.factorial}


def _int_bits(value: object) -> int:
    return abs(value).bit_length() if type(value) is int else 64


def _check_binary(op: ast.operator, left: object, right: object) -> None:
    """Refuse, before computing it, a result that would be too large to be a test value."""
    if isinstance(op, ast.Pow) and isinstance(right, int | float) and (
        abs(right) > MAX_EXPONENT or _int_bits(left) * abs(right) > MAX_INT_BITS
    ):
        raise Unconvertible("exponent too large")
    if isinstance(op, ast.Mult):
        for sequence, count in ((left, right), (right, left)):
            if isinstance(sequence, str | bytes | list | tuple) and type(count) is int \
                    and len(sequence) * count > MAX_SEQUENCE:
                raise Unconvertible("repetition too large")
        if _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
            raise Unconvertible("product too large")


def _check_call(function: Callable, args: list) -> None:
    """Refuse calls whose result would be too large, before making them."""
    if function in (range, bytes, str) and args and type(args[0]) is int:
        size = len(range(*args)) if function is range else args[0]
        if size > MAX_SEQUENCE:
            raise Unconvertible(f"{function.__name__} too large")
    if function is math.factorial and args and type(args[0]) is int and args[0] > MAX_FACTORIAL:
        raise Unconvertible("factorial too large")


def _check_size(value: object) -> object:
    if isinstance(value, str | bytes | list | tuple) and len(value) > MAX_SEQUENCE:
        raise Unconvertible("value too large")
    return value


def evaluate(node: ast.expr) -> object:
    """Value of a literal-like expression: literals, containers, arithmetic, a few pure built-ins."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        items = [evaluate(item) for item in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise Unconvertible("dict unpacking")
        return {evaluate(k): evaluate(v) for k, v in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = evaluate(node.left), evaluate(node.right)
        _check_binary(node.op, left, right)
        return _check_size(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "math" \
            and node.attr in _MATH and not callable(_MATH[node.attr]):
        return _MATH[node.attr]
    if isinstance(node, ast.Call) and not node.keywords:
        function = _callable(node.func)
        args = [evaluate(arg) for arg in node.args]
        _check_call(function, args)
        try:
            result = function(*args)
        except Exception as exc:  # noqa: BLE001 - any failure means the expression is not a value
            raise Unconvertible(f"evaluating {ast.unparse(node)[:60]}: {exc}") from None
        # A range or reversed() may feed list()/sorted(); on its own it has no encoding and is refused later.
        return _check_size(result)
    raise Unconvertible(f"not a literal: {ast.unparse(node)[:80]}")


def _callable(node: ast.expr) -> Callable:
    if isinstance(node, ast.Name) and node.id in _PURE_CALLS:
        return _PURE_CALLS[node.id]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "math" \
            and callable(_MATH.get(node.attr)):
        return _MATH[node.attr]
    raise Unconvertible(f"call of {ast.unparse(node)[:40]}")


def _encoded(value: object) -> object:
    try:
        return wire.encode(value)
    except wire.Unencodable as exc:
        raise Unconvertible(str(exc)) from None


def _candidate_call(node: ast.expr, callee: str) -> tuple[list, dict] | None:
    """The (args, kwargs) of ``callee(...)``, or None if the node is not such a call."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == callee):
        return None
    if any(isinstance(arg, ast.Starred) for arg in node.args) or any(k.arg is None for k in node.keywords):
        raise Unconvertible("star arguments")
    args = [_encoded(evaluate(arg)) for arg in node.args]
    kwargs = {k.arg: _encoded(evaluate(k.value)) for k in node.keywords if k.arg}
    return args, kwargs


def _test(call: tuple[list, dict], **what: object) -> FunctionTest:
    args, kwargs = call
    return FunctionTest(args=args, kwargs=kwargs, **what)


def _is_math(func: ast.expr, name: str) -> bool:
    """``math.<name>`` or a bare ``<name>`` (as after ``from math import <name>``)."""
    if isinstance(func, ast.Name):
        return func.id == name
    return isinstance(func, ast.Attribute) and func.attr == name and isinstance(func.value, ast.Name) \
        and func.value.id == "math"


def _is_abs(func: ast.expr) -> bool:
    """``abs``, ``math.fabs`` or ``fabs``."""
    return (isinstance(func, ast.Name) and func.id == "abs") or _is_math(func, "fabs")


def _abs_difference(node: ast.expr, callee: str) -> tuple[tuple[list, dict], object] | None:
    """``abs(callee(...) - X)`` or ``abs(X - callee(...))`` -> (call, X)."""
    if not isinstance(node, ast.Call) or not _is_abs(node.func):
        return None
    if len(node.args) != 1 or not isinstance(node.args[0], ast.BinOp) or not isinstance(node.args[0].op, ast.Sub):
        return None
    left, right = node.args[0].left, node.args[0].right
    for side, other in ((left, right), (right, left)):
        call = _candidate_call(side, callee)
        if call is not None:
            return call, evaluate(other)
    return None


def convert_assert(test: ast.expr, callee: str) -> FunctionTest | None:
    """One data test from an assert's expression; None for a constant-true assert; else Unconvertible."""
    if isinstance(test, ast.Constant) and test.value:
        return None
    call = _candidate_call(test, callee)
    if call is not None:
        return _test(call, compare="truthy")
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        call = _candidate_call(test.operand, callee)
        if call is not None:
            return _test(call, compare="falsy")
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, op, right = test.left, test.ops[0], test.comparators[0]
        if isinstance(op, ast.Eq | ast.Is):
            for side, other in ((left, right), (right, left)):
                call = _candidate_call(side, callee)
                if call is None:
                    continue
                if isinstance(op, ast.Is) and not (isinstance(other, ast.Constant) and other.value in _SINGLETONS):
                    raise Unconvertible("'is' against something other than True, False or None")
                compare = "eq" if isinstance(op, ast.Eq) else "exact"
                return _test(call, expected=_encoded(evaluate(other)), compare=compare)
        if isinstance(op, ast.Lt | ast.LtE):
            found = _abs_difference(left, callee)
            if found is not None:
                call, expected = found
                return _test(call, expected=_encoded(expected), compare="close", abs_tol=float(evaluate(right)))
    if isinstance(test, ast.Call) and _is_math(test.func, "isclose") and len(test.args) == 2:
        tolerances = {k.arg: float(evaluate(k.value)) for k in test.keywords}
        for side, other in ((test.args[0], test.args[1]), (test.args[1], test.args[0])):
            call = _candidate_call(side, callee)
            if call is not None:
                return _test(call, expected=_encoded(evaluate(other)), compare="close",
                             rel_tol=tolerances.get("rel_tol", 1e-9), abs_tol=tolerances.get("abs_tol", 0.0))
    raise Unconvertible(f"assert form not understood: {ast.unparse(test)[:80]}")


_SINGLETONS = (True, False, None)
_IGNORED = (ast.Pass, ast.Import, ast.ImportFrom)


def convert_statements(body: list[ast.stmt], callee: str) -> tuple[list[FunctionTest], list[str]]:
    """Data tests from a list of statements, and why each statement that did not convert failed."""
    tests: list[FunctionTest] = []
    problems: list[str] = []
    for statement in body:
        if isinstance(statement, _IGNORED) or (
            isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        ):
            continue
        if not isinstance(statement, ast.Assert):
            problems.append(f"line {statement.lineno}: {type(statement).__name__} statement")
            continue
        try:
            test = convert_assert(statement.test, callee)
        except (Unconvertible, RecursionError, TypeError, ValueError, ArithmeticError) as exc:
            problems.append(f"line {statement.lineno}: {exc}")
            continue
        if test is not None:
            tests.append(test)
    return tests, problems
