"""``namespaces.module_reads``: which attributes code reads off a project module, and whether it reads one
when the code is defined rather than when it is called. Pure AST unit tests."""

from __future__ import annotations

import ast

from pipelines.problems.namespaces import module_reads
from pipelines.problems.standalone import free_names


def _function(source: str) -> ast.FunctionDef:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    return node


def test_a_nested_function_with_defaults_does_not_make_a_call_time_read_a_definition_time_one() -> None:
    function = _function("def f(x):\n    def inner(y=1):\n        return y\n    return util.helper(inner(x))\n")
    assert module_reads(function, "util", deferred=True) == ({"helper"}, False)


def test_a_default_read_when_module_level_code_runs_is_read_when_defined() -> None:
    wrapper = _function("def _():\n    def inner(y=util.DEFAULT):\n        return y\n")
    assert module_reads(wrapper, "util", deferred=False) == ({"DEFAULT"}, True)
    called = _function("def g(x):\n    def inner(y=util.DEFAULT):\n        return y\n    return inner(x)\n")
    assert module_reads(called, "util", deferred=True) == ({"DEFAULT"}, False)  # inner is made when g runs


def test_the_module_passed_around_is_no_namespace() -> None:
    assert module_reads(_function("def f():\n    return use(util)\n"), "util", deferred=True) is None


def test_super_reads_no_module_name() -> None:
    """``standalone.free_names``: zero-argument ``super()`` reads the class cell ``__class__``."""
    wrapped = _function("def Child():\n    def m(self, x):\n        return super().m(x) + OFFSET\n")
    assert free_names(wrapped) == {"super", "OFFSET"}
