"""Which decorators a function problem may drop: caches, and the project's own pass-through wrappers.

A pass-through decorator is a project function whose wrapper (made with ``functools.wraps``) takes
``*args, **kwargs`` and ends by returning the decorated function called with them, untouched: the
value the function returns is the value its caller gets, so its recorded calls test the undecorated
body. What the wrapper does besides (a deprecation warning, a log line) is not part of the tests.
Only top-level functions drop them: a wrapper of a method may change the object the tests check.
"""

from __future__ import annotations

import ast

from pipelines.problems.context import definition_of
from pipelines.problems.standalone import Module

HARMLESS_DECORATORS = ("functools.lru_cache", "lru_cache", "functools.cache", "cache")


def _name(decorator: ast.expr) -> str:
    return ast.unparse(decorator.func if isinstance(decorator, ast.Call) else decorator)


def droppable(decorator: ast.expr, module: Module) -> bool:
    """Whether a function problem may leave ``decorator`` out of its prompt."""
    name = _name(decorator)
    if name in HARMLESS_DECORATORS:
        return True
    if "." in name:
        return False
    found = definition_of(name, module)
    return found is not None and isinstance(found[1], ast.FunctionDef) and passes_through(found[1])


def _is_wraps(decorator: ast.expr) -> bool:
    return isinstance(decorator, ast.Call) and _name(decorator) in ("wraps", "functools.wraps")


def passes_through(decorator: ast.FunctionDef) -> bool:
    """Whether the decorator's wrapper returns its first parameter called with the wrapper's own
    ``*args, **kwargs`` and reads them nowhere else, and the decorator returns that wrapper."""
    parameters = [*decorator.args.posonlyargs, *decorator.args.args]
    if not parameters:
        return False
    wrapped = parameters[0].arg
    returned = {node.value.id for node in ast.walk(decorator)
                if isinstance(node, ast.Return) and isinstance(node.value, ast.Name)}
    for wrapper in decorator.body:
        if (isinstance(wrapper, ast.FunctionDef) and wrapper.name in returned
                and any(_is_wraps(d) for d in wrapper.decorator_list) and _forwards(wrapper, wrapped)):
            return True
    return False


def _forwards(wrapper: ast.FunctionDef, wrapped: str) -> bool:
    """``def w(*args, **kwargs): ...; return wrapped(*args, **kwargs)``, with args and kwargs read only there."""
    arguments = wrapper.args
    if arguments.vararg is None or arguments.kwarg is None or arguments.args or arguments.kwonlyargs:
        return False
    args, kwargs = arguments.vararg.arg, arguments.kwarg.arg
    last = wrapper.body[-1]
    if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Call)):
        return False
    call = last.value
    if not (isinstance(call.func, ast.Name) and call.func.id == wrapped and len(call.args) == 1
            and isinstance(call.args[0], ast.Starred) and isinstance(call.args[0].value, ast.Name)
            and call.args[0].value.id == args and len(call.keywords) == 1 and call.keywords[0].arg is None
            and isinstance(call.keywords[0].value, ast.Name) and call.keywords[0].value.id == kwargs):
        return False
    names = [node for node in ast.walk(wrapper) if isinstance(node, ast.Name)]
    forwarded = [node for node in names if node.id in (args, kwargs)]
    rebound = [node for node in names if node.id == wrapped and not isinstance(node.ctx, ast.Load)]
    return len(forwarded) == 2 and not rebound
