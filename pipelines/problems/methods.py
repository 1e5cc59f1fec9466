"""Class problems from recorded method calls, in R2E's layout, with tests that rebuild ``self``.

A method becomes a problem with its class: the class's other members in full and the target moved
last, with its signature and docstring; the completion is its body. A member that needs what a
problem cannot have (I/O, an optional third-party backend) is left out of the class when the
target does not use it. Dunders, thin wrappers (one
simple statement, or only touching ``self``) and methods with decorators other than ``staticmethod`` and
``classmethod`` are left out, and so are the classes of a test suite. Each test says how to build
the object (``instances``): the snapshot of its attributes at call time where they all encode (exact
whatever was done to the object before), else the recorded constructor call that made that very
object when the method was the first called on it, else the attributes that encode when the method
reads none of the others; where the method changes the object, the expected state after is part
of the test.
"""

from __future__ import annotations

import ast
import dataclasses
import weakref
from enum import StrEnum

from pipelines.problem import Problem, Provenance
from pipelines.problems.context import Context, context_for
from pipelines.problems.instances import ABCS, ABSTRACT_METHODS, CONSTRUCTORS, class_level_names, project_bases
from pipelines.problems.standalone import Module, class_text, class_with_body, first_line, orphaned
from pipelines.problems.standalone import Reason as Standalone
from sandbox.types import FunctionTest

MAX_CLASS_LINES = 400
PROTOCOLS = (  # syntax -> the dunders it may call
    ((ast.Subscript,), ("__getitem__", "__setitem__", "__delitem__", "__class_getitem__")),
    ((ast.Lt, ast.Gt, ast.LtE, ast.GtE), ("__lt__", "__gt__", "__le__", "__ge__", "__eq__")),
    ((ast.Eq, ast.NotEq), ("__eq__", "__ne__", "__hash__")),
    ((ast.In, ast.NotIn), ("__contains__", "__iter__", "__len__", "__getitem__")),
    ((ast.For, ast.comprehension), ("__iter__", "__next__", "__len__", "__getitem__")),
    ((ast.BinOp, ast.AugAssign), ("__add__", "__radd__", "__iadd__", "__sub__", "__rsub__", "__isub__", "__mul__",
                                  "__rmul__", "__truediv__", "__floordiv__", "__mod__", "__or__", "__and__",
                                  "__xor__", "__ror__", "__rand__", "__ior__")),
)
KEPT_DUNDERS = frozenset({"__init__", "__new__", "__post_init__", "__init_subclass__", "__set_name__",
                          "__class_getitem__"})  # run when the class is made or built: never left out
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


def _body(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """The statements after the docstring."""
    has_doc = ast.get_docstring(function) is not None and isinstance(function.body[0], ast.Expr)
    return function.body[1:] if has_doc else function.body


def _only_self(body: list[ast.stmt]) -> bool:
    """Whether the body reads no name but ``self`` (getters and setters of one attribute)."""
    names = {node.id for stmt in body for node in ast.walk(stmt) if isinstance(node, ast.Name)}
    return names <= {"self"}


# One statement with statements inside it (an ``if``/``elif`` chain, a ``try`` with its fallback, a loop) is
# logic, not a wrapper: only one simple statement (``return self._impl(x)``) is thin.
COMPOUND = (ast.If, ast.Try, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Match)


def find_method(module: Module, qualname: str, line: int) -> Method | str:
    """The recorded method in its module, or the reason it is not a candidate."""
    class_name, _, name = qualname.partition(".")
    if "." in name:
        return Reason.NESTED
    cls = module.class_(class_name)
    function = None
    if cls is not None:
        found = [s for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == name
                 and first_line(s) == line]
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
    if not body or (len(body) == 1 and not isinstance(body[0], COMPOUND)) or _only_self(body):
        return Reason.THIN
    return Method(cls, function, KINDS[decorators])


@dataclasses.dataclass
class ClassContext:
    """The context a class problem needs, and the members left out of its class (they need what it cannot have)."""

    context: Context
    left_out: dict[str, str]  # member name (or "line N") -> why
    skipped: set[int] = dataclasses.field(default_factory=set)  # id() of the class-body statements left out


def _wrapped(cls: ast.ClassDef, body: list[ast.stmt]) -> ast.FunctionDef:
    """A function named as the class whose body is ``body``: names are resolved as a function's, the
    class's own name bound."""
    wrapper = ast.FunctionDef(name=cls.name, args=ast.arguments([], [], None, [], [], None, []), body=body,
                              decorator_list=[], returns=None)
    return ast.fix_missing_locations(wrapper)


def _self_attributes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Attributes the function reads off ``self`` or ``cls``."""
    return {node.attr for node in ast.walk(function) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")}


def _reachable(cls: ast.ClassDef, target: ast.FunctionDef | ast.AsyncFunctionDef, dunders: bool = True) -> set[str]:
    """Members the target reaches through attributes of their names, transitively, from the target and
    every dunder (used implicitly), or with ``dunders`` False only the constructor's."""
    members: dict[str, ast.AST] = {s.name: s for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
    roots = [name for name in members if name.startswith("__") and name.endswith("__")] if dunders else [
        name for name in ("__init__", "__new__", "__post_init__") if name in members]
    for statement in cls.body:  # ``count = _StatsProperty('count', _calc_count)``: reaching ``count`` reaches both
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            for name in class_level_names(statement):
                members.setdefault(name, statement.value)
    keep = {target.name, *roots}
    frontier = list(keep)
    while frontier:
        member = members.get(frontier.pop())
        # Any ``x.name`` naming a member counts (``type(self).parse``, ``Version.parse``): over-inclusive is safe;
        # so does a bare name in a class-level value (an alias or a descriptor made of a method).
        reached = {node.attr for node in ast.walk(member) if isinstance(node, ast.Attribute)}
        if not isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
            reached |= {node.id for node in ast.walk(member) if isinstance(node, ast.Name)}
        for name in reached & set(members) - keep:
            keep.add(name)
            frontier.append(name)
    return keep


def _protocol_dunders(function: ast.AST) -> set[str]:
    """The dunders the operators in ``function`` may call, on its own objects or any others."""
    found = {dunder for node in ast.walk(function) for kinds, names in PROTOCOLS if isinstance(node, kinds)
             for dunder in names}
    return found | {f"__{node.func.id}__" for node in ast.walk(function) if isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name) and node.func.id in ("len", "iter", "bool", "hash", "str",
                                                                             "repr", "format")}


def _leave_unreached(cls: ast.ClassDef, target: ast.FunctionDef | ast.AsyncFunctionDef, left_out: dict[str, str],
                     dunders: bool, because: str = "a large class") -> None:
    """Leave out of a large class the methods the target does not reach (from its dunders too, or only from
    its constructor: a dunder the reference needs and lacks fails its tests, which the determinism
    reruns see)."""
    reachable = _reachable(cls, target, dunders=dunders)
    if any(ast.unparse(base).split("[")[0].rsplit(".", 1)[-1] in ABCS for base in cls.bases):
        reachable |= ABSTRACT_METHODS  # without them the class cannot be instantiated
    if not dunders:  # and the dunders of the operators that code uses; what they call in turn is not followed
        reachable |= {name for member in cls.body if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef)
                      and member.name in reachable for name in _protocol_dunders(member)}
    why = because if dunders else f"{because}, dunders too"
    for member in cls.body:
        if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and member.name not in reachable | KEPT_DUNDERS:
            left_out.setdefault(member.name, f"unused: {target.name} does not reach it ({why})")


def _kept_members(cls: ast.ClassDef, target: ast.FunctionDef | ast.AsyncFunctionDef,
                  left_out: dict[str, str]) -> tuple[list[ast.stmt], set[int]]:
    """The class body without the members left out, aliases of them, and aliases of the target (the target
    comes last: ``__call__ = target`` would run before it exists); and the id() of each statement skipped."""
    skipped = {id(s) for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name in left_out}
    for statement in cls.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        names = {node.id for node in ast.walk(statement) if isinstance(node, ast.Name)}
        bound = class_level_names(statement) if isinstance(statement, ast.Assign | ast.AnnAssign) else []
        label = f"{', '.join(bound)} (line {statement.lineno})" if bound else f"line {statement.lineno}"
        if target.name in names:
            skipped.add(id(statement))
            left_out[label] = f"refers to {target.name}, which comes last"
        elif names & set(left_out):  # ``alias = member`` of a member left out: it would not resolve
            skipped.add(id(statement))
            left_out[label] = f"refers to {sorted(names & set(left_out))[0]}, which is left out"
    skipped |= orphaned(cls.body, skipped)
    return [s for s in cls.body if id(s) not in skipped], skipped


def _size(cls: ast.ClassDef, kept: list[ast.stmt]) -> int:
    """Lines of the class with only ``kept`` in its body."""
    return first_line(cls.body[0]) - first_line(cls) + sum(s.end_lineno - first_line(s) + 1 for s in kept)


def _functions(cls: ast.ClassDef) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [s for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]


_ALONE: weakref.WeakKeyDictionary[ast.AST, str] = weakref.WeakKeyDictionary()


def _why_not_alone(cls: ast.ClassDef, member: ast.FunctionDef | ast.AsyncFunctionDef, module: Module) -> str:
    """Why a member of a class is not standalone on its own ("" when it is). Each method of the class, and of
    every subclass, asks it again of the same member, so it is worked out once per member."""
    known = _ALONE.get(member)
    if known is None:
        alone = context_for(_wrapped(cls, [member]), module)
        known = _ALONE[member] = "" if alone.ok else f"{alone.reason}: {alone.detail}"
    return known


def _unfit_base_members(method: Method, module: Module, left_out: dict[str, str]) -> dict[int, frozenset[str]] | None:
    """Trims (``context_for``'s) of the class's project bases: the methods that are not standalone alone (a
    fallback to an optional backend that reads a file), and those of the bases or of the class that reach
    one of them by name, transitively; the class's own go into ``left_out``. None when there is nothing to
    leave out, or when the target or a constructor reaches what must go."""
    bases = project_bases(method.cls, module)
    trims = {id(base): {m.name for m in _functions(base) if m.name not in CONSTRUCTORS
                        and _why_not_alone(base, m, where)} for where, base in bases}
    gone = set().union(*trims.values()) if trims else set()
    if not gone:
        return None
    members = [(method.cls, m) for m in _functions(method.cls) if m.name not in left_out] + [
        (base, m) for _, base in bases for m in _functions(base) if m.name not in trims[id(base)]]
    changed = True
    while changed:
        changed = False
        for owner, member in members:
            reached = {n.attr for n in ast.walk(member) if isinstance(n, ast.Attribute)} & gone
            if not reached or member.name in (left_out if owner is method.cls else trims[id(owner)]):
                continue
            if member is method.function or member.name in CONSTRUCTORS:
                return None
            if owner is method.cls:
                left_out[member.name] = f"reaches {sorted(reached)[0]}, which is left out of a base class"
            else:
                trims[id(owner)].add(member.name)
            gone.add(member.name)
            changed = True
    return {key: frozenset(names) for key, names in trims.items() if names}


def class_context(method: Method, module: Module,
                  needs: frozenset[str] = frozenset()) -> ClassContext | tuple[str, str]:
    """The context of the class with the members that need what a problem cannot have left out.

    The class header (bases, decorators, class attributes), ``__init__`` and the target must be
    standalone; another method that is not (it reads a file, or an optional third-party backend)
    is left out of the prompt unless the target uses it (through ``self.`` or ``cls.``). A class
    over ``MAX_CLASS_LINES`` keeps only what the target reaches and its dunders, and, still over it,
    only what the target and the constructor reach; so does a class whose context is over the cap.
    Members of the project's base classes that are not standalone are left out of the context, with
    what reaches them (``_unfit_base_members``).
    """
    cls = method.cls
    keep_always = {method.function.name, "__init__", "__new__", "__post_init__"}
    # Decorators and bases are read in the module's scope; class-level statements are checked in the
    # class's own scope (inside ``reduced``), where the names the class body binds resolve.
    header = [ast.Expr(d) for d in cls.decorator_list] + [ast.Expr(b) for b in (*cls.bases, *cls.keywords)]
    left_out: dict[str, str] = {}
    for member in cls.body:
        if not isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) or member.name in keep_always:
            continue
        why = _why_not_alone(cls, member, module)
        if why:
            left_out[member.name] = why
    large = cls.end_lineno - first_line(cls) + 1 > MAX_CLASS_LINES
    if large:
        _leave_unreached(cls, method.function, left_out, dunders=True)
    used = _reachable(cls, method.function, dunders=False) & set(left_out)  # what the target and constructor reach
    if used:
        name = sorted(used)[0]
        reason, _, detail = left_out[name].partition(": ")
        return reason, f"{detail} (in {name}, which {method.function.name} uses)"
    kept, skipped = _kept_members(cls, method.function, left_out)
    if large and _size(cls, kept) > MAX_CLASS_LINES:  # still too large: the dunders it does not reach go too
        _leave_unreached(cls, method.function, left_out, dunders=False)
        kept, skipped = _kept_members(cls, method.function, left_out)
    size = _size(cls, kept)
    if size > MAX_CLASS_LINES:
        return Reason.CLASS_TOO_LARGE, f"{size} lines"

    def gathered(left: dict[str, str], trims: dict[int, frozenset[str]] | None = None) -> ClassContext | Context:
        kept, skipped = _kept_members(cls, method.function, left)
        context = context_for(_wrapped(cls, [*header, class_with_body(cls, kept)]), module, needs=needs, trims=trims)
        return ClassContext(context, left, skipped) if context.ok else context

    made = gathered(left_out)
    if isinstance(made, Context) and made.reason != Standalone.CONTEXT_TOO_LARGE:  # a base may bring what cannot come
        fewer = dict(left_out)
        trims = _unfit_base_members(method, module, fewer)
        if trims:
            trimmed = gathered(fewer, trims)
            made = trimmed if isinstance(trimmed, ClassContext) else made
    for dunders in (True, False):  # too much context: the members the target does not reach go, then the dunders
        if not isinstance(made, Context) or made.reason != Standalone.CONTEXT_TOO_LARGE:
            break
        fewer = dict(left_out)
        _leave_unreached(cls, method.function, fewer, dunders=dunders, because="a large context")
        smaller = gathered(fewer)
        made = smaller if isinstance(smaller, ClassContext) or smaller.reason == Standalone.CONTEXT_TOO_LARGE else made
    if isinstance(made, Context):
        return made.reason, made.detail
    return made


def class_prompt(module: Module, method: Method, skipped: set[int]) -> tuple[str, str] | str:
    """(the class with the target moved last, cut after its docstring; the target's body), or a reason."""
    cls, function = method.cls, method.function
    lines = module.lines
    if function.body[0].lineno == function.lineno:
        return "body_on_the_def_line"
    members = [s for s in cls.body if s is not function and id(s) not in skipped]
    has_doc = ast.get_docstring(function) is not None and isinstance(function.body[0], ast.Expr)
    head_end = function.body[0].end_lineno if has_doc else function.body[0].lineno - 1
    signature = "".join(lines[first_line(function) - 1 : head_end])
    solution = "".join(lines[head_end : function.end_lineno])
    prompt = class_text(lines, cls, members) + ("\n" if members else "") + signature
    return prompt, solution if solution.endswith("\n") else solution + "\n"


def build_method_problem(method: Method, module: Module, made_context: ClassContext, tests: list[FunctionTest],
                         provenance: Provenance) -> tuple[Problem | None, str, str]:
    """(problem, "", "") or (None, reason, detail)."""
    context = made_context.context
    made = class_prompt(module, method, made_context.skipped)
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
              "checks_state": any(t.state_after is not None for t in tests),
              "members_left_out": sorted(made_context.left_out)},
    )
    return problem, "", ""
