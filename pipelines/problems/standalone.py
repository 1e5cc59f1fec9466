"""Is a function (or a class) standalone? What context does it need?

A mined function may use builtins, its parameters, standard-library imports, module-level
constants, helper functions and classes of its own module, and names it imports from the
project's other modules (``from .colors import NAMES``), each resolved where it is defined and
itself standalone, as long as the whole context stays under ``MAX_CONTEXT_LINES``. Anything else
(a module object of the project, third-party packages) makes it depend on its project; I/O, the
network, the clock and randomness make its tests meaningless. The answer is the context to put in
the prompt, or the reason it is rejected.
"""

from __future__ import annotations

import ast
import builtins
import copy
import symtable
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.problems.project import Project

BUILTIN_NAMES = frozenset(dir(builtins))
STDLIB = frozenset(sys.stdlib_module_names)
MAX_CONTEXT_LINES = 200
MAX_REEXPORT_HOPS = 4
PURE_CONSTRUCTORS = ("re.compile", "frozenset", "set", "tuple", "dict", "list", "range", "str", "int", "float",
                     "decimal.Decimal", "Decimal", "fractions.Fraction", "Fraction", "datetime.timedelta", "timedelta",
                     "datetime.date", "datetime.time", "datetime.timezone", "bytes", "bytearray",
                     "TypeVar", "typing.TypeVar", "NewType", "typing.NewType", "object")


class Reason(StrEnum):
    """The closed set of reasons a function is not standalone."""

    NEEDS_PROJECT = "needs_project"
    THIRD_PARTY = "needs_third_party"
    IO = "uses_io"
    NETWORK = "uses_network"
    CLOCK = "uses_clock"
    RANDOM = "uses_randomness"
    DYNAMIC = "dynamic_code"
    UNRESOLVED = "unresolved_name"
    GLOBAL_STATE = "mutates_global_state"
    CONTEXT_TOO_LARGE = "context_too_large"


# Module -> reason, for modules whose mere use defeats data tests.
FORBIDDEN_MODULES = {
    **dict.fromkeys(("random", "secrets", "uuid"), Reason.RANDOM),
    **dict.fromkeys(("time",), Reason.CLOCK),
    **dict.fromkeys(("socket", "urllib", "http", "ftplib", "smtplib", "ssl", "requests", "asyncio"), Reason.NETWORK),
    **dict.fromkeys(("io", "shutil", "tempfile", "glob", "subprocess", "pathlib", "fileinput", "sqlite3",
                     "pickle", "shelve", "logging", "threading", "multiprocessing", "signal", "ctypes"), Reason.IO),
}
# Attribute chains that read the clock or touch the system even in otherwise harmless modules.
FORBIDDEN_ATTRIBUTES = {
    "now": Reason.CLOCK, "today": Reason.CLOCK, "utcnow": Reason.CLOCK, "environ": Reason.IO, "getenv": Reason.IO,
    "getcwd": Reason.IO, "listdir": Reason.IO, "system": Reason.IO, "popen": Reason.IO, "urandom": Reason.RANDOM,
    "expandvars": Reason.IO, "expanduser": Reason.IO, "gethostname": Reason.NETWORK, "getpid": Reason.IO,
}
FORBIDDEN_BUILTINS = {"open": Reason.IO, "input": Reason.IO, "exec": Reason.DYNAMIC, "eval": Reason.DYNAMIC,
                      "compile": Reason.DYNAMIC, "__import__": Reason.DYNAMIC, "globals": Reason.DYNAMIC,
                      "breakpoint": Reason.IO}
OS_ALLOWED = ("os.path", "os.sep", "os.linesep", "os.pathsep", "os.curdir", "os.pardir", "os.extsep", "os.fspath")


@dataclass
class Context:
    """What a function needs, in the order the prompt gives it (modules it imports from first, then
    source order), each statement with the module that holds it; or why it cannot have it."""

    statements: list[ast.stmt] = field(default_factory=list)
    reason: str = ""
    detail: str = ""
    owners: dict[int, Module] = field(default_factory=dict)  # id(statement) -> its module
    future: bool = False  # the prompt starts with ``from __future__ import annotations``
    renames: dict[str, str] = field(default_factory=dict)  # ``alias = name`` lines after the definitions

    @property
    def ok(self) -> bool:
        """True when the function is standalone."""
        return not self.reason

    def text_of(self, statement: ast.stmt) -> str:
        """A statement's source (decorators included) from its own module."""
        module = self.owners[id(statement)]
        first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", []))])
        return "".join(module.lines[first - 1 : statement.end_lineno]).rstrip() + "\n"

    def classes(self) -> set[str]:
        """Names of the classes the context defines (namedtuples and enums made by a call included)."""
        return type_names(self.statements)

    def render(self) -> str:
        """The context as prompt text, in its order (each module's own order kept), repeated imports once."""
        definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        parts: list[str] = ["from __future__ import annotations\n"] if self.future else []
        for statement in self.statements:
            text = self.text_of(statement)
            if isinstance(statement, definitions):
                parts.append("\n" + text + "\n")
            elif text not in parts and "__future__" not in text:
                parts.append(text)
        parts += [f"{alias} = {name}\n" for alias, name in self.renames.items()]
        return "".join(parts).strip("\n") + "\n" if parts else ""


def _strip_annotations(tree: ast.AST) -> ast.AST:
    """A copy without annotations (they are never evaluated under ``from __future__ import annotations``)."""
    tree = copy.deepcopy(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            node.annotation = None
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = None
        elif isinstance(node, ast.AnnAssign):
            node.annotation = ast.Constant(None)
    return tree


def free_names(function: ast.FunctionDef | ast.AsyncFunctionDef, lazy_annotations: bool = False) -> set[str]:
    """Names a function reads from the module's scope, scoped as Python scopes them (``symtable``).

    A method's name or a class attribute does not hide a module name from the other methods, a
    parameter does not hide the module name its default value reads, and a nested function's
    closure is not the module's. Decorators are left out: synthesis strips the harmless ones and
    rejects the rest.
    """
    top = _strip_annotations(function) if lazy_annotations else copy.copy(function)
    top.decorator_list = []
    try:
        table = symtable.symtable(ast.unparse(ast.Module([top], [])), "<context>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return set()
    names: set[str] = set()
    stack = [table]
    while stack:
        scope = stack.pop()
        stack.extend(scope.get_children())
        for symbol in scope.get_symbols():
            at_top = scope.get_type() == "module"
            if symbol.is_referenced() and (symbol.is_global() or at_top) and symbol.get_name() != function.name:
                names.add(symbol.get_name())
    return names


MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "update", "add", "discard",
                      "setdefault", "popitem", "sort", "reverse", "__setitem__", "__delitem__"})


def _global_writes(function: ast.FunctionDef | ast.AsyncFunctionDef, module_names: set[str]) -> list[str]:
    """Module-level names the function rebinds (global) or mutates in place (PLURALS.insert(...))."""
    written = [n for node in ast.walk(function) if isinstance(node, ast.Global | ast.Nonlocal) for n in node.names]
    local = _local_names(function)
    for node in ast.walk(function):
        target = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            target = node.func.value
        elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            target = node.value
        if isinstance(target, ast.Name) and target.id in module_names and target.id not in local:
            written.append(target.id)
    return written


def _local_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names the function binds itself (so a local list of the same name is not the module's)."""
    return {node.id for node in ast.walk(function) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


def _dotted(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _attribute_problem(function: ast.AST, module_aliases: dict[str, str]) -> tuple[str, str]:
    """(reason, detail) for a forbidden ``module.attr`` use, else ("", "")."""
    for node in ast.walk(function):
        if not isinstance(node, ast.Attribute):
            continue
        dotted = _dotted(node)
        head = dotted.split(".")[0]
        module = module_aliases.get(head)
        if module is None:
            continue
        full = module + dotted[len(head):]
        if full.split(".")[0] == "os" and not full.startswith(OS_ALLOWED):
            return Reason.IO, full
        reason = FORBIDDEN_ATTRIBUTES.get(node.attr)
        if reason:
            return reason, full
    return "", ""


@dataclass
class Module:
    """A module's top level, indexed by the names it binds; ``project`` finds its sibling modules."""

    tree: ast.Module
    package: str
    source: str = ""
    name: str = ""  # dotted, e.g. "pkg.sub.mod" ("" when unknown)
    project: Project | None = None

    def __post_init__(self) -> None:
        self.bindings: dict[str, ast.stmt] = {}
        for statement in self.tree.body:
            for name in _bound_by(statement):
                self.bindings.setdefault(name, statement)
        *full, last = self.source.split("\n")  # only \n ends a line for Python's line numbers
        self.lines = [line + "\n" for line in full] + ([last] if last else [])

    @property
    def lazy_annotations(self) -> bool:
        """Whether the module has ``from __future__ import annotations`` (annotations never run)."""
        return any(isinstance(s, ast.ImportFrom) and s.module == "__future__" and any(
            a.name == "annotations" for a in s.names) for s in self.tree.body)

    @property
    def is_package(self) -> bool:
        """Whether this is a package's ``__init__``."""
        return self.project is not None and self.project.is_package(self.name)

    def class_(self, name: str) -> ast.ClassDef | None:
        """The top-level class ``name``."""
        found = [s for s in self.tree.body if isinstance(s, ast.ClassDef) and s.name == name]
        return found[-1] if found else None

    def function(self, name: str, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The top-level function ``name`` whose first line (decorators included) is ``line``."""
        for statement in self.tree.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name == name:
                first = min([statement.lineno, *(d.lineno for d in statement.decorator_list)])
                if first == line:
                    return statement
        return None


TYPE_FACTORIES = ("namedtuple", "NamedTuple", "Enum", "IntEnum", "Flag", "IntFlag", "StrEnum")


def type_names(statements: list[ast.stmt]) -> set[str]:
    """Names of the classes these statements define: ``class`` statements and ``X = namedtuple(...)``."""
    names = {s.name for s in statements if isinstance(s, ast.ClassDef)}
    for statement in statements:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name) and isinstance(statement.value, ast.Call)
                and _dotted(statement.value.func).split(".")[-1] in TYPE_FACTORIES):
            names.add(statement.targets[0].id)
    return names


def _bound_by(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.If | ast.Try):  # ``try: import x except ImportError: x = None`` and the like
        inner = [*statement.body, *statement.orelse, *getattr(statement, "finalbody", [])]
        inner += [s for handler in getattr(statement, "handlers", []) for s in handler.body]
        return [name for s in inner for name in _bound_by(s)]
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [statement.name]
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return [(alias.asname or alias.name).split(".")[0] for alias in statement.names]
    if isinstance(statement, ast.Assign):
        return [t.id for t in statement.targets if isinstance(t, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value is not None:
        return [statement.target.id]
    return []


def _import_module(statement: ast.Import | ast.ImportFrom, name: str) -> str:
    """The module a name imported by this statement comes from ('' for a relative import)."""
    if isinstance(statement, ast.ImportFrom):
        return "" if statement.level else f"{statement.module}"
    for alias in statement.names:
        if (alias.asname or alias.name).split(".")[0] == name:
            return alias.name if alias.asname else alias.name.split(".")[0]
    return ""


def _constant_ok(value: ast.expr) -> bool:
    """A module variable we may copy: an expression without assignment expressions, awaits or yields.

    Calls are allowed (``"abc".encode()``, ``date(1970, 1, 1).toordinal()``, a comprehension over a
    table): what they call is resolved like any other name, so I/O, the clock, randomness and the
    project's unresolvable code are still refused, and the determinism reruns check the rest.
    """
    return not any(isinstance(node, ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom) for node in ast.walk(value))


def _block_problem(statement: ast.If | ast.Try, module: Module) -> tuple[str, str] | None:
    """A top-level ``if``/``try`` block may come along when its imports are the standard library's
    (not forbidden ones), or, inside a ``try`` that catches the failed import, anything: the sandbox
    has no third-party packages, so the fallback runs there."""
    guarded = isinstance(statement, ast.Try) and any(
        handler.type is None or {n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)}
        & {"ImportError", "ModuleNotFoundError", "Exception"} for handler in statement.handlers)
    for node in ast.walk(statement):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for alias in node.names:
            source = _import_module(node, (alias.asname or alias.name).split(".")[0])
            top = source.split(".")[0]
            in_body = guarded and any(node is inner for s in statement.body for inner in ast.walk(s))
            if not source or top in _project_top(module):
                return Reason.NEEDS_PROJECT, f"{alias.name} (imported in a block)"
            if top in FORBIDDEN_MODULES:
                return FORBIDDEN_MODULES[top], source
            if top not in STDLIB and not in_body:
                return Reason.THIRD_PARTY, f"{alias.name} (from {source})"
    return None


def _project_top(module: Module) -> set[str]:
    """Names an absolute import of the project itself may start with."""
    return {module.package, *([module.name.split(".")[0]] if module.name else [])}


def _from_project(statement: ast.ImportFrom, module: Module) -> str | None:
    """The dotted module a ``from ... import`` of the project's own names reads, or None if not the project's."""
    if statement.level:
        if not module.name:
            return ""
        parts = module.name.split(".")
        keep = len(parts) - statement.level + (1 if module.is_package else 0)
        if keep < 1:
            return ""
        base = ".".join(parts[:keep])
        return f"{base}.{statement.module}" if statement.module else base
    if statement.module and statement.module.split(".")[0] in _project_top(module):
        return statement.module
    return None


def _resolve_import(statement: ast.stmt, name: str, module: Module) -> tuple[Module, ast.stmt, str] | str:
    """Follow ``from <project module> import name`` to the statement that defines it, or say why not."""
    for _ in range(MAX_REEXPORT_HOPS):
        if not isinstance(statement, ast.ImportFrom):
            return module, statement, name
        source = _from_project(statement, module)
        if source is None:
            return module, statement, name  # stdlib or third party: judged by _statement_problem
        alias = next(a for a in statement.names if (a.asname or a.name) == name)
        target = module.project.module(source) if module.project and source else None
        if target is None:
            return f"{name} (from {source or 'a relative import'})"
        found = target.bindings.get(alias.name)
        if found is None:
            kind = "module" if module.project.path_of(f"{source}.{alias.name}") else "name"
            return f"{name} ({kind} of {source})"
        module, statement, name = target, found, alias.name
    return f"{name} (re-exported too often)"


def context_for(function: ast.FunctionDef | ast.AsyncFunctionDef, module: Module,
                max_lines: int = MAX_CONTEXT_LINES, needs: frozenset[str] = frozenset()) -> Context:
    """The statements ``function`` needs (from its module and the project's others), or why it is not standalone.

    ``needs`` are more names of the module to bring along (the classes of the tests' values).
    """
    chosen: dict[int, tuple[int, ast.stmt]] = {}  # id(statement) -> (depth of its module, statement)
    owners: dict[int, Module] = {}
    aliases: dict[str, dict[str, str]] = {}  # module name -> its stdlib aliases
    placed: dict[str, str] = {}  # top-level name in the prompt -> what binds it (``_identity``)
    renames: dict[str, str] = {}  # a name the code uses -> the name its definition has
    pending: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, Module, int]] = [(function, module, 0)]
    if needs:
        loads = [ast.Expr(ast.Name(id=name, ctx=ast.Load())) for name in sorted(needs)]
        wrapper = ast.FunctionDef(name="_", args=ast.arguments([], [], None, [], [], None, []), body=loads,
                                  decorator_list=[], returns=None)
        pending.append((ast.fix_missing_locations(wrapper), module, 0))
    seen: set[tuple[str, str]] = {(module.name, function.name)}  # recursion needs no context
    depths = {module.name: 0}
    while pending:
        current, where, depth = pending.pop()
        module_aliases = aliases.setdefault(where.name, {})
        writes = _global_writes(current, set(where.bindings))
        if writes:
            return Context(reason=Reason.GLOBAL_STATE, detail=", ".join(sorted(set(writes))))
        for name in sorted(free_names(current, where.lazy_annotations)):
            if (where.name, name) in seen:
                continue
            seen.add((where.name, name))
            statement = where.bindings.get(name)
            if statement is None:
                if name in FORBIDDEN_BUILTINS:
                    return Context(reason=FORBIDDEN_BUILTINS[name], detail=name)
                if name in BUILTIN_NAMES:
                    continue
                return Context(reason=Reason.UNRESOLVED, detail=name)
            resolved = _resolve_import(statement, name, where)
            if isinstance(resolved, str):
                return Context(reason=Reason.NEEDS_PROJECT, detail=resolved)
            owner, statement, defined = resolved
            ident = _identity(statement, defined)
            if placed.setdefault(defined, ident) != ident or (
                    defined != name and placed.setdefault(name, f"alias of {defined}") != f"alias of {defined}"):
                return Context(reason=Reason.NEEDS_PROJECT, detail=f"{name} (two definitions of one name)")
            if defined != name:  # ``from .x import helper as _helper``: the prompt binds both names
                renames[name] = defined
                seen.add((owner.name, defined))
            problem = _statement_problem(statement, defined, owner, aliases.setdefault(owner.name, {}))
            if problem:
                return Context(reason=problem[0], detail=problem[1])
            level = depth if owner is where else max(depths.get(owner.name, 0), depth + 1)
            depths[owner.name] = level
            if id(statement) in chosen:
                continue
            chosen[id(statement)] = (level, statement)
            owners[id(statement)] = owner
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                pending.append((statement, owner, level))
            elif isinstance(statement, ast.ClassDef):
                pending.append((_class_as_function(statement), owner, level))
            elif isinstance(statement, ast.Assign | ast.AnnAssign):
                pending.append((_as_function(statement), owner, level))
            elif isinstance(statement, ast.If | ast.Try):
                pending.append((_block_as_function(statement), owner, level))
        reason, detail = _attribute_problem(current, module_aliases)
        if reason:
            return Context(reason=reason, detail=detail)
    order = {id(s): i for m in {id(o): o for o in owners.values()}.values() for i, s in enumerate(m.tree.body)}

    def placement(item: tuple[int, ast.stmt]) -> tuple[int, str, int]:
        owner = owners[id(item[1])]
        return -depths[owner.name], owner.name, order[id(item[1])]

    statements = [statement for _, statement in sorted(chosen.values(), key=placement)]
    context = Context(statements=statements, owners=owners, renames=dict(sorted(renames.items())),
                      future=module.lazy_annotations or any(o.lazy_annotations for o in owners.values()))
    size = sum(s.end_lineno - s.lineno + 1 for s in statements)
    if size > max_lines:
        return Context(reason=Reason.CONTEXT_TOO_LARGE, detail=f"{size} lines")
    return context


def _identity(statement: ast.stmt, name: str) -> str:
    """What a name stands for in the prompt: the same import in two modules is one definition."""
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return f"import {_import_module(statement, name)}:{name}:{getattr(statement, 'level', 0)}"
    return str(id(statement))


def _class_as_function(statement: ast.ClassDef) -> ast.FunctionDef:
    """Wrap a class so the names its body, bases and decorators read are resolved like a function's."""
    wrapper = ast.FunctionDef(name="_", args=ast.arguments([], [], None, [], [], None, []),
                              body=[ast.Expr(d) for d in statement.decorator_list] + [statement],
                              decorator_list=[], returns=None)
    return ast.fix_missing_locations(wrapper)


def _block_as_function(statement: ast.If | ast.Try) -> ast.FunctionDef:
    """Wrap a top-level block so the names it reads are resolved; its imports bind nothing outside it."""
    body = _outermost_exprs(statement)
    wrapper = ast.FunctionDef(name="_", args=ast.arguments([], [], None, [], [], None, []),
                              body=[ast.Expr(e) for e in body] or [ast.Pass()], decorator_list=[], returns=None)
    return ast.fix_missing_locations(wrapper)


def _outermost_exprs(statement: ast.stmt) -> list[ast.expr]:
    """The expressions of a block that read names: tests, assigned values, call arguments."""
    found: list[ast.expr] = []
    for node in ast.walk(statement):
        if isinstance(node, ast.If):
            found.append(node.test)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.Expr | ast.Return) and node.value:
            found.append(node.value)
    return found


def _as_function(statement: ast.stmt) -> ast.FunctionDef:
    """Wrap a module-level assignment so its own free names are resolved the same way."""
    value = statement.value  # type: ignore[attr-defined]
    wrapper = ast.FunctionDef(name="_", args=ast.arguments([], [], None, [], [], None, []),
                              body=[ast.Return(value)], decorator_list=[], returns=None)
    return ast.fix_missing_locations(wrapper)


def _statement_problem(statement: ast.stmt, name: str, module: Module,
                       aliases: dict[str, str]) -> tuple[str, str] | None:
    """(reason, detail) if the module statement binding ``name`` cannot be part of the context."""
    if isinstance(statement, ast.Import | ast.ImportFrom):
        source = _import_module(statement, name)
        top = source.split(".")[0]
        if not source or top in _project_top(module):
            return Reason.NEEDS_PROJECT, f"{name} (module {source or 'of a relative import'})"
        if top not in STDLIB:
            return Reason.THIRD_PARTY, f"{name} (from {source})"
        if top in FORBIDDEN_MODULES:
            return FORBIDDEN_MODULES[top], source
        aliases[name] = source if isinstance(statement, ast.Import) else f"{source}.{name}"
        return None
    if isinstance(statement, ast.ClassDef):
        return None  # its body is checked like a function's
    if isinstance(statement, ast.If | ast.Try):
        return _block_problem(statement, module)
    if isinstance(statement, ast.Assign | ast.AnnAssign):
        if not _constant_ok(statement.value):  # type: ignore[arg-type]
            return Reason.NEEDS_PROJECT, f"module variable {name} is not a constant"
        return None
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        if statement.decorator_list:
            return Reason.NEEDS_PROJECT, f"decorated helper {name}"
        return None
    return Reason.NEEDS_PROJECT, name
