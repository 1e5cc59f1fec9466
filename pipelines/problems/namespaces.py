"""A project module the code reads as ``util.NAME`` (``from . import util``), in a prompt.

The prompt cannot import the project, so the module stands in it as the names the code reads off it,
defined in the context like any other, and bound under the module's name by a
``util = types.SimpleNamespace(f=f, TABLE=TABLE)`` line right after the last of them.
``pipelines.problems.context`` walks the names; this module holds the pieces.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from pipelines.problems.standalone import Module


@dataclass(frozen=True)
class ModuleRef:
    """A name that is one of the project's modules (``from . import util``)."""

    module: Module


TYPES_IMPORT = "import types:types:0"  # ``_identity`` of ``import types``


def namespaces_of(refs: dict[tuple[str, str], tuple[Module, set[str]]], defined_by: dict[tuple[str, str], int],
                index: dict[int, int]) -> dict[str, tuple[str, tuple[str, ...], int]]:
    """Each module name's namespace: its module, the names read off it (by every module that imports it under
    that name), and the index of the last statement that defines one of them."""
    merged: dict[str, tuple[str, set[str]]] = {}
    for (_, name), (target, read) in sorted(refs.items()):
        merged.setdefault(name, (target.name, set()))[1].update(read)
    namespaces = {}
    for name, (source, read) in merged.items():
        at = max((index[defined_by[(source, attr)]] for attr in read if (source, attr) in defined_by), default=-1)
        namespaces[name] = (source, tuple(sorted(read)), at)
    return namespaces


def loads(names: set[str] | frozenset[str]) -> ast.FunctionDef:
    """A function that only reads ``names``: walked, it brings their definitions along."""
    loads = [ast.Expr(ast.Name(id=name, ctx=ast.Load())) for name in sorted(names)]
    wrapper = ast.FunctionDef(name="_", args=ast.arguments([], [], None, [], [], None, []), body=loads,
                              decorator_list=[], returns=None)
    return ast.fix_missing_locations(wrapper)


def module_reads(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str, deferred: bool,
                 lazy_annotations: bool = False) -> tuple[set[str], bool] | None:
    """The attributes ``function`` reads off the module named ``name`` (``util.f`` -> ``f``) and whether one
    is read when the code is defined (a default value, a class-level statement; ``deferred`` False:
    ``function`` is a wrapper of such code) rather than when it is called; None when it uses the name
    otherwise (passes the module around, assigns to it)."""
    read: set[str] = set()
    ok = True
    now = False

    def visit(node: ast.AST, later: bool) -> None:
        nonlocal ok
        nonlocal now
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name:
            ok = ok and isinstance(node.ctx, ast.Load)
            now = now or not later
            read.add(node.attr)
            return
        if isinstance(node, ast.Name) and node.id == name:
            ok = False
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            arguments = node.args
            evaluated = [*arguments.defaults, *[d for d in arguments.kw_defaults if d is not None],
                         *getattr(node, "decorator_list", [])]
            if not lazy_annotations:
                evaluated += [a.annotation for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                                     arguments.vararg, arguments.kwarg)
                              if a is not None and a.annotation]
                evaluated += [node.returns] if getattr(node, "returns", None) is not None else []
            for child in evaluated:
                visit(child, later)
            for child in node.body if isinstance(node.body, list) else [node.body]:
                visit(child, True)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, later)

    if deferred:
        visit(function, False)
    else:
        for statement in function.body:
            visit(statement, False)
    return (read, now) if ok else None
