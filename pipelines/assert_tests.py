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
        if isinstance(node.op, ast.Pow) and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise Unconvertible("exponent too large")
        if isinstance(node.op, ast.Mult) and any(isinstance(v, int) and v > MAX_SEQUENCE for v in (left, right)) \
                and any(isinstance(v, str | bytes | list | tuple) for v in (left, right)):
            raise Unconvertible("repetition too large")
        return _check_size(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "math" \
            and node.attr in _MATH and not callable(_MATH[node.attr]):
        return _MATH[node.attr]
    if isinstance(node, ast.Call) and not node.keywords:
        function = _callable(node.func)
        args = [evaluate(arg) for arg in node.args]
        if function is range and len(range(*args)) > MAX_SEQUENCE:
            raise Unconvertible("range too large")
        try:
            result = function(*args)
        except Exception as exc:  # noqa: BLE001 - any failure means the expression is not a value
            raise Unconvertible(f"evaluating {ast.unparse(node)[:60]}: {exc}") from None
        if isinstance(result, range | reversed):
            raise Unconvertible("lazy value")
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


def _is_abs(func: ast.expr) -> bool:
    """``abs``, ``math.fabs`` or ``fabs``."""
    if isinstance(func, ast.Name):
        return func.id in ("abs", "fabs")
    return isinstance(func, ast.Attribute) and func.attr == "fabs"


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
                if call is not None:
                    compare = "eq" if isinstance(op, ast.Eq) else "exact"
                    return _test(call, expected=_encoded(evaluate(other)), compare=compare)
        if isinstance(op, ast.Lt | ast.LtE):
            found = _abs_difference(left, callee)
            if found is not None:
                call, expected = found
                return _test(call, expected=_encoded(expected), compare="close", abs_tol=float(evaluate(right)))
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "isclose" \
            and len(test.args) == 2:
        tolerances = {k.arg: float(evaluate(k.value)) for k in test.keywords}
        for side, other in ((test.args[0], test.args[1]), (test.args[1], test.args[0])):
            call = _candidate_call(side, callee)
            if call is not None:
                return _test(call, expected=_encoded(evaluate(other)), compare="close",
                             rel_tol=tolerances.get("rel_tol", 1e-9), abs_tol=tolerances.get("abs_tol", 0.0))
    raise Unconvertible(f"assert form not understood: {ast.unparse(test)[:80]}")


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
