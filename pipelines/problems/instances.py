"""How a test builds a method's ``self``: from a snapshot of its attributes (all of them, or those the method
reads), or from the recorded constructor call; which classes' objects are their attributes (``plain``),
which keep them as the constructor left them (``frozen_after_init``), and what a method reads off
``self`` (``self_reads``). ``method_tests`` turns a method's records into data tests with these.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import TYPE_CHECKING

from pipelines.problems.context import definition_of
from pipelines.problems.records import serialisable, to_test
from pipelines.problems.standalone import MUTATORS, Module
from sandbox.types import FunctionTest

if TYPE_CHECKING:
    from pipelines.problems.methods import Method


def class_level_names(statement: ast.stmt) -> list[str]:
    """Names a class-level assignment binds in the class."""
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return [node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)]


def base_class(base: ast.expr, module: Module) -> tuple[Module, ast.ClassDef] | None:
    """The project class a base expression names, in the module that defines it (followed through imports)."""
    name = ast.unparse(base).split("[")[0]
    local = module.class_(name)
    if local is not None:
        return module, local
    definition = definition_of(name, module)
    return (definition[0], definition[1]) if definition and isinstance(definition[1], ast.ClassDef) else None


def project_bases(cls: ast.ClassDef, module: Module) -> list[tuple[Module, ast.ClassDef]]:
    """The project's classes that ``cls`` derives from, transitively, each with the module that defines it."""
    found: list[tuple[Module, ast.ClassDef]] = []
    pending = [(module, cls)]
    while pending and len(found) < 16:
        where, current = pending.pop(0)
        for base in current.bases:
            definition = base_class(base, where)
            if definition is not None and not any(definition[1] is known for _, known in found):
                found.append(definition)
                pending.append(definition)
    return found


def _init_test(init: dict) -> dict:
    test = to_test({"args": init["args"], "result": {"v": None}})
    return {"init": {"args": test.args, "kwargs": test.kwargs}}


# collections.abc's classes hold no state (``__slots__ = ()``): a ``MutableSequence`` of the project is its attributes
ABCS = ("Container", "Hashable", "Iterable", "Iterator", "Reversible", "Sized", "Callable", "Collection", "Sequence",
        "MutableSequence", "Set", "MutableSet", "Mapping", "MutableMapping")
# What collections.abc's classes leave abstract: a subclass that drops its own cannot make objects
ABSTRACT_METHODS = frozenset({"__contains__", "__hash__", "__iter__", "__next__", "__len__", "__call__", "__getitem__",
                              "__setitem__", "__delitem__", "insert", "add", "discard"})
PLAIN_BASES = frozenset({"object", "ABC", "abc.ABC", "Generic", "typing.Generic", "Protocol", "typing.Protocol",
                         *(prefix + name for prefix in ("", "abc.", "collections.abc.", "typing.") for name in ABCS)})


def plain(cls: ast.ClassDef, module: Module, depth: int = 0) -> bool:
    """Whether the class's objects are their attributes: every base is ``object``-like or a plain class of
    the project (a ``list`` subclass's items, a foreign base's hidden state would be lost)."""
    for base in cls.bases:
        if ast.unparse(base).split("[")[0] in PLAIN_BASES:
            continue
        parent = base_class(base, module)
        if parent is None or depth > 8 or not plain(parent[1], parent[0], depth + 1):
            return False
    return True


CONSTRUCTORS = ("__init__", "__new__", "__post_init__")


def _rooted_at_self(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return isinstance(node, ast.Name) and node.id == "self"


def frozen_after_init(cls: ast.ClassDef) -> bool:
    """Whether no method but the constructors changes the object: no store, delete or mutating call on
    anything reached from ``self``, no ``setattr``. Then the constructor call rebuilds the object
    whatever methods ran on it before (the determinism reruns check what this cannot see)."""
    for member in cls.body:
        if not isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) or member.name in CONSTRUCTORS:
            continue
        for node in ast.walk(member):
            if isinstance(node, ast.Attribute | ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del) \
                    and _rooted_at_self(node.value if isinstance(node, ast.Subscript) else node):
                return False
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS \
                    and _rooted_at_self(node.func.value):
                return False
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute) and (
                    getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in ("setattr", "__setattr__",
                                                                                             "delattr"):
                return False
    return True


def _first_param(function: ast.AST) -> str | None:
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or not function.args.args:
        return None
    if any(ast.unparse(d) == "staticmethod" for d in function.decorator_list):
        return None
    return function.args.args[0].arg


def self_reads(method: Method, module: Module) -> set[str] | None:
    """The attributes a method reads or writes on ``self``, itself or through the members of its class (and its
    project bases) that it reaches as ``self.name`` or ``super().name``; None where that cannot be known: ``self`` used
    other than as ``self.name`` (passed on, compared, indexed, ``getattr(self, ...)``) or a class with
    ``__getattr__``. A test may then build ``self`` without the attributes not read (they had no encoding)."""
    classes = [method.cls, *(base for _, base in project_bases(method.cls, module))]
    members: dict[str, list[ast.AST]] = {}
    for cls in classes:
        for statement in cls.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                if statement.name in ("__getattr__", "__getattribute__"):
                    return None
                members.setdefault(statement.name, []).append(statement)
            elif isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
                for name in class_level_names(statement):  # ``size = property(_size)``
                    members.setdefault(name, []).append(statement.value)
    reads: set[str] = set()
    pending: list[ast.AST] = [method.function]
    done: set[int] = set()
    while pending:
        member = pending.pop()
        if id(member) in done:
            continue
        done.add(id(member))
        param = _first_param(member)
        if param is None:  # a class-level value (``property(lambda self: self.width)``): every name and attribute
            names = {n.id for n in ast.walk(member) if isinstance(n, ast.Name)}
            attributes = {n.attr for n in ast.walk(member) if isinstance(n, ast.Attribute)}
            reads |= attributes
            pending += [m for name in sorted(names | attributes) for m in members.get(name, [])]
            continue
        through = {id(n.value) for n in ast.walk(member) if isinstance(n, ast.Attribute)
                   and isinstance(n.value, ast.Name) and n.value.id == param}
        if any(isinstance(n, ast.Name) and n.id == param and id(n) not in through for n in ast.walk(member)):
            return None
        for node in ast.walk(member):
            if isinstance(node, ast.Attribute) and id(node.value) in through:
                reads.add(node.attr)
                pending += members.get(node.attr, [])
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call) and isinstance(
                    node.value.func, ast.Name) and node.value.func.id == "super":
                pending += members.get(node.attr, [])
    return reads


def method_tests(records: list[dict], method: Method, by_state: bool = True, frozen: bool = False,
                 subclasses: bool = False, reads: set[str] | None = None) -> tuple[list[FunctionTest], int]:
    """Data tests of the calls whose object can be rebuilt, and how many calls had a usable outcome.

    ``by_state`` False (a class that is not only its attributes) keeps to constructor calls and
    never checks the state after; ``frozen`` (``frozen_after_init``) lets a constructor call
    rebuild an object other methods were called on before. ``subclasses`` also takes the calls made
    on objects of a subclass (the method is inherited, so its code ran): the test builds an object of
    this class with that object's attributes. A subclass's overrides and class attributes are not
    there, so where they mattered the reference fails the test, and the determinism reruns drop it.
    ``reads`` (``self_reads``) lets an object some of whose attributes had no encoding be built from
    the others, when the method reads none of those.
    """
    class_name = method.cls.name
    changes = by_state and any("self" in r and "self_after" in r and r["self"] != r["self_after"] for r in records)
    tests: list[FunctionTest] = []
    outcome_ok = 0
    for record in records:
        args = record["args"] if method.kind == "staticmethod" else record["args"][1:]
        call = {**record, "args": args}
        inherited = method.kind != "staticmethod" and record.get("class") != class_name
        if inherited and not (subclasses and method.kind == "method" and by_state and "self" in record):
            continue  # called through a subclass: only its attributes can rebuild it as this class
        if not serialisable(call):
            continue
        outcome_ok += 1
        instance = None
        missing = record.get("self_missing")
        if method.kind == "method":
            init = record.get("init")
            built = init and (init["after"] == 0 or frozen) and all("v" in value for _, _, value in init["args"])
            if by_state and "self" in record and not missing:  # exact at call time, whatever happened to it before
                instance = {"state": record["self"]}
            elif built:
                instance = _init_test(init)
            elif by_state and "self" in record and reads is not None and not reads & set(missing):
                instance = {"state": record["self"]}  # without attributes the method does not read
            else:
                continue
        test = to_test(call)
        # an object built by its constructor has the attributes a partial state lacks: its state after has no encoding
        whole_after = "state" in (instance or {}) or not missing
        after = record.get("self_after") if changes and "result" in record and whole_after else None
        tests.append(dataclasses.replace(test, instance=instance, state_after=after))
    return tests, outcome_ok
