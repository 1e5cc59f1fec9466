"""Module-level statements that fill a table when the module runs, so they come along with it.

``PLURALS = [...]`` followed further down by ``_irregular('person', 'people')`` (a function of the
module that inserts into ``PLURALS``), ``PLURALS.append(...)`` or ``PLURALS['x'] = ...``: the table the
suite saw is the filled one, so a prompt that has the table needs these statements too (without them
the reference fails its own tests). The functions such a statement calls run only while the module
runs; their writes to the module's tables are its initialisation, not the target's global state.
"""

from __future__ import annotations

import ast

from pipelines.problems.standalone import MUTATORS, Module, global_writes


def fillers_of(name: str, definition: ast.stmt, module: Module) -> list[ast.stmt]:
    """The top-level statements after ``definition`` (which binds ``name``) that fill that table: a call of
    one of its mutating methods, an item assignment, or a call of a module function that writes it."""
    found: list[ast.stmt] = []
    after = False
    for statement in module.tree.body:
        if statement is definition:
            after = True
        elif after and _fills(statement, name, module):
            found.append(statement)
    return found


def _fills(statement: ast.stmt, name: str, module: Module) -> bool:
    if isinstance(statement, ast.Assign):
        return all(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name
                   for t in statement.targets)
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return False
    func = statement.value.func
    if isinstance(func, ast.Attribute):
        return isinstance(func.value, ast.Name) and func.value.id == name and func.attr in MUTATORS
    if isinstance(func, ast.Name):
        helper = module.bindings.get(func.id)
        return (isinstance(helper, ast.FunctionDef) and not helper.decorator_list
                and name in global_writes(helper, set(module.bindings)))
    return False
