"""Module-level code wrapped as a function, so ``standalone.free_names`` finds the names it reads the way
Python scopes them: a class, a top-level ``if``/``try`` block, an assignment, a table's filling statement."""

from __future__ import annotations

import ast

from pipelines.problems.standalone import DEFINITIONS, static_test


def class_as_function(statement: ast.ClassDef) -> ast.FunctionDef:
    """Wrap a class so the names its body, bases and decorators read are resolved like a function's."""
    wrapper = ast.FunctionDef(name="_", args=ast.arguments([], [], None, [], [], None, []),
                              body=[ast.Expr(d) for d in statement.decorator_list] + [statement],
                              decorator_list=[], returns=None)
    return ast.fix_missing_locations(wrapper)


def block_as_function(statement: ast.If | ast.Try) -> ast.FunctionDef:
    """Wrap a top-level block so the names it reads are resolved; its imports bind nothing outside it.

    The functions and classes it defines come along whole, so their own parameters and locals stay
    theirs (``def normalise_bytes(buffer_object): return memoryview(buffer_object)`` reads no module-level
    ``buffer_object``).
    """
    exprs, definitions = _outermost_exprs(statement)
    wrapper = ast.FunctionDef(name="_", args=ast.arguments([], [], None, [], [], None, []),
                              body=[ast.Expr(e) for e in exprs] + definitions or [ast.Pass()], decorator_list=[],
                              returns=None)
    return ast.fix_missing_locations(wrapper)


def _outermost_exprs(statement: ast.stmt) -> tuple[list[ast.expr], list[ast.stmt]]:
    """The expressions of a block that read names: tests, assigned values, call arguments (of the branches
    that run: ``if sys.version_info < (3,): _range = xrange`` reads no ``xrange`` on Python 3); and the
    functions and classes those branches define."""
    found: list[ast.expr] = []
    definitions: list[ast.stmt] = []
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, DEFINITIONS):
            definitions.append(node)
            continue
        if isinstance(node, ast.If):
            found.append(node.test)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.Expr | ast.Return) and node.value:
            found.append(node.value)
        if isinstance(node, ast.If) and (value := static_test(node.test)) is not None:
            stack.extend(node.body if value else node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))
    return found, definitions


def assignment_as_function(statement: ast.stmt) -> ast.FunctionDef:
    """Wrap a module-level assignment so its own free names are resolved the same way."""
    value = statement.value  # type: ignore[attr-defined]
    wrapper = ast.FunctionDef(name="_", args=ast.arguments([], [], None, [], [], None, []),
                              body=[ast.Return(value)], decorator_list=[], returns=None)
    return ast.fix_missing_locations(wrapper)


def filler_as_function(statement: ast.stmt) -> ast.FunctionDef:
    """Wrap a filling statement so the names it reads are resolved (the function it calls included)."""
    if isinstance(statement, ast.Assign):
        exprs = [statement.value, *(t.slice for t in statement.targets)]  # type: ignore[attr-defined]
    else:
        exprs = [statement.value]  # type: ignore[attr-defined]
    wrapper = ast.FunctionDef(name="_", args=ast.arguments([], [], None, [], [], None, []),
                              body=[ast.Expr(e) for e in exprs], decorator_list=[], returns=None)
    return ast.fix_missing_locations(wrapper)
