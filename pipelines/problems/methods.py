"""Class problems from recorded method calls, in R2E's layout, with tests that rebuild ``self``.

A method becomes a problem with its class: the class's other members in full and the target moved
last, with its signature and docstring; the completion is its body. Dunders, thin wrappers (one
statement, or only touching ``self``) and methods with decorators other than ``staticmethod`` and
``classmethod`` are left out, and so are the classes of a test suite. Each test says how to build
the object: the recorded constructor call that made that very object (when the method was the
first called on it), else the snapshot of its attributes at call time; where the method changes
the object, the expected state after is part of the test.
"""

from __future__ import annotations

import ast
import dataclasses
from enum import StrEnum

from pipelines.problem import Problem, Provenance
from pipelines.problems.records import serialisable, to_test
from pipelines.problems.standalone import Context, Module
from sandbox.types import FunctionTest

MAX_CLASS_LINES = 300
KINDS = {(): "method", ("staticmethod",): "staticmethod", ("classmethod",): "classmethod"}


class Reason(StrEnum):
    """Why a recorded method does not become a class problem."""

    DUNDER = "dunder_method"
    THIN = "thin_wrapper"
    TEST_CLASS = "test_suite_class"
    NO_INSTANCE = "self_not_rebuildable"
    CLASS_TOO_LARGE = "class_too_large"
    NESTED = "nested_class"


@dataclasses.dataclass(frozen=True)
class Method:
    """A recorded method found in its module: the class, the function and how it binds."""

    cls: ast.ClassDef
    function: ast.FunctionDef | ast.AsyncFunctionDef
    kind: str  # method, staticmethod or classmethod


def _first_line(node: ast.stmt) -> int:
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])


def _body(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """The statements after the docstring."""
    has_doc = ast.get_docstring(function) is not None and isinstance(function.body[0], ast.Expr)
    return function.body[1:] if has_doc else function.body


def _only_self(body: list[ast.stmt]) -> bool:
    """Whether the body reads no name but ``self`` (getters and setters of one attribute)."""
    names = {node.id for stmt in body for node in ast.walk(stmt) if isinstance(node, ast.Name)}
    return names <= {"self"}


def find_method(module: Module, qualname: str, line: int) -> Method | str:
    """The recorded method in its module, or the reason it is not a candidate."""
    class_name, _, name = qualname.partition(".")
    if "." in name:
        return Reason.NESTED
    cls = module.class_(class_name)
    function = None
    if cls is not None:
        found = [s for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == name
                 and _first_line(s) == line]
        function = found[-1] if found else None
    if cls is None or function is None:
        return "source_not_found"
    if any(ast.unparse(base).split(".")[-1] in ("TestCase", "IsolatedAsyncioTestCase") for base in cls.bases):
        return Reason.TEST_CLASS
    if name.startswith("__") and name.endswith("__"):
        return Reason.DUNDER
    decorators = tuple(ast.unparse(d) for d in function.decorator_list)
    if decorators not in KINDS:
        return f"decorated:{', '.join(decorators)}"
    body = _body(function)
    if len(body) <= 1 or _only_self(body):
        return Reason.THIN
    return Method(cls, function, KINDS[decorators])


def _init_test(init: dict) -> dict:
    test = to_test({"args": init["args"], "result": {"v": None}})
    return {"init": {"args": test.args, "kwargs": test.kwargs}}


def method_tests(records: list[dict], method: Method) -> tuple[list[FunctionTest], int]:
    """Data tests of the calls whose object can be rebuilt, and how many calls had a usable outcome."""
    class_name = method.cls.name
    changes = any("self" in r and "self_after" in r and r["self"] != r["self_after"] for r in records)
    tests: list[FunctionTest] = []
    outcome_ok = 0
    for record in records:
        args = record["args"] if method.kind == "staticmethod" else record["args"][1:]
        call = {**record, "args": args}
        if method.kind != "staticmethod" and record.get("class") != class_name:
            continue  # called through a subclass: the class in the prompt would behave otherwise
        if not serialisable(call):
            continue
        outcome_ok += 1
        instance = None
        if method.kind == "method":
            init = record.get("init")
            if init and init["after"] == 0 and all("v" in value for _, _, value in init["args"]):
                instance = _init_test(init)
            elif "self" in record:
                instance = {"state": record["self"]}
            else:
                continue
        test = to_test(call)
        after = record.get("self_after") if changes and "result" in record else None
        tests.append(dataclasses.replace(test, instance=instance, state_after=after))
    return tests, outcome_ok


def _text(module: Module, node: ast.stmt) -> str:
    return "".join(module.lines[_first_line(node) - 1 : node.end_lineno]).rstrip() + "\n"


def class_prompt(module: Module, method: Method) -> tuple[str, str] | str:
    """(the class with the target moved last, cut after its docstring; the target's body), or a reason."""
    cls, function = method.cls, method.function
    lines = module.lines
    if cls.end_lineno - _first_line(cls) + 1 > MAX_CLASS_LINES:
        return Reason.CLASS_TOO_LARGE
    if function.body[0].lineno == function.lineno:
        return "body_on_the_def_line"
    header = "".join(lines[_first_line(cls) - 1 : cls.body[0].lineno - 1])
    members = []
    for statement in cls.body:
        if statement is function:
            continue
        gap = "\n" if members and isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) else ""
        members.append(gap + _text(module, statement))
    has_doc = ast.get_docstring(function) is not None and isinstance(function.body[0], ast.Expr)
    head_end = function.body[0].end_lineno if has_doc else function.body[0].lineno - 1
    signature = "".join(lines[_first_line(function) - 1 : head_end])
    solution = "".join(lines[head_end : function.end_lineno])
    prompt = header + "".join(members) + ("\n" if members else "") + signature
    return prompt, solution if solution.endswith("\n") else solution + "\n"


def build_method_problem(method: Method, module: Module, context: Context, tests: list[FunctionTest],
                         provenance: Provenance) -> tuple[Problem | None, str, str]:
    """(problem, "", "") or (None, reason, detail)."""
    made = class_prompt(module, method)
    if isinstance(made, str):
        return None, made, ""
    class_text, solution = made
    before = context.render()
    docstring = ast.get_docstring(method.function) or ""
    problem = Problem(
        kind="function",
        prompt=(before + "\n\n" if before else "") + class_text,
        solution=solution,
        tests=tests,
        entry_point=f"{method.cls.name}.{method.function.name}",
        docstring=docstring,
        provenance=provenance,
        meta={"has_docstring": bool(docstring), "context_statements": len(context.statements),
              "method_kind": method.kind, "class": method.cls.name,
              "instances": sorted({next(iter(t.instance)) for t in tests if t.instance}),
              "checks_state": any(t.state_after is not None for t in tests)},
    )
    return problem, "", ""
