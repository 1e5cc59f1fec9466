"""Is a function standalone? What module context does it need?

A mined function may use builtins, its parameters, standard-library imports, module-level
constants and helper functions of its own module (themselves standalone). Anything else (the
rest of the project, third-party packages) makes it depend on its project; I/O, the network, the
clock and randomness make its tests meaningless. The answer is the context to put in the prompt,
or the reason it is rejected.
"""

from __future__ import annotations

import ast
import builtins
import sys
from dataclasses import dataclass, field
from enum import StrEnum

BUILTIN_NAMES = frozenset(dir(builtins))
STDLIB = frozenset(sys.stdlib_module_names)


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
    """What a function needs from its module, in source order, or why it cannot have it."""

    statements: list[ast.stmt] = field(default_factory=list)
    reason: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        """True when the function is standalone."""
        return not self.reason


def free_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names a function reads that it does not bind itself."""
    bound = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
    bound |= {a.arg for a in (function.args.vararg, function.args.kwarg) if a is not None}
    loaded: set[str] = set()
    # Decorators are left out: synthesis strips the harmless ones and rejects the rest.
    parts = [function.args, *function.body, *([function.returns] if function.returns else [])]
    for node in (inner for part in parts for inner in ast.walk(part)):
        if isinstance(node, ast.Name):
            (bound.add if isinstance(node.ctx, ast.Store | ast.Del) else loaded.add)(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node is not function:
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return loaded - bound


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
    """A module's top level, indexed by the names it binds."""

    tree: ast.Module
    package: str

    def __post_init__(self) -> None:
        self.bindings: dict[str, ast.stmt] = {}
        for statement in self.tree.body:
            for name in _bound_by(statement):
                self.bindings.setdefault(name, statement)

    def function(self, name: str, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The top-level function ``name`` whose first line (decorators included) is ``line``."""
        for statement in self.tree.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name == name:
                first = min([statement.lineno, *(d.lineno for d in statement.decorator_list)])
                if first == line:
                    return statement
        return None


def _bound_by(statement: ast.stmt) -> list[str]:
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
    """A module constant we may copy: literals, or calls of pure constructors on literals (re.compile)."""
    for node in ast.walk(value):
        if isinstance(node, ast.Call) and _dotted(node.func) not in ("re.compile", "frozenset", "set", "tuple",
                                                                        "dict", "list", "range", "str", "int"):
            return False
        if isinstance(node, ast.Lambda | ast.NamedExpr | ast.Await | ast.Yield):
            return False
    return True


def context_for(function: ast.FunctionDef | ast.AsyncFunctionDef, module: Module) -> Context:
    """The module statements ``function`` needs, or the reason it is not standalone."""
    context = Context()
    chosen: dict[int, ast.stmt] = {}
    aliases: dict[str, str] = {}
    pending = [function]
    seen: set[str] = {function.name}  # recursion needs no context
    module_names = set(module.bindings)
    while pending:
        current = pending.pop()
        writes = _global_writes(current, module_names)
        if writes:
            return Context(reason=Reason.GLOBAL_STATE, detail=", ".join(sorted(set(writes))))
        for name in sorted(free_names(current)):
            if name in seen:
                continue
            seen.add(name)
            statement = module.bindings.get(name)
            if statement is None:
                if name in FORBIDDEN_BUILTINS:
                    return Context(reason=FORBIDDEN_BUILTINS[name], detail=name)
                if name in BUILTIN_NAMES:
                    continue
                return Context(reason=Reason.UNRESOLVED, detail=name)
            problem = _statement_problem(statement, name, module, aliases)
            if problem:
                return Context(reason=problem[0], detail=problem[1])
            chosen[id(statement)] = statement
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                pending.append(statement)
            elif isinstance(statement, ast.Assign | ast.AnnAssign):
                pending.append(_as_function(statement))
        reason, detail = _attribute_problem(current, aliases)
        if reason:
            return Context(reason=reason, detail=detail)
    context.statements = [s for s in module.tree.body if id(s) in chosen]
    return context


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
        if not source or top == module.package:
            return Reason.NEEDS_PROJECT, f"{name} (from {source or 'a relative import'})"
        if top not in STDLIB:
            return Reason.THIRD_PARTY, f"{name} (from {source})"
        if top in FORBIDDEN_MODULES:
            return FORBIDDEN_MODULES[top], source
        aliases[name] = source if isinstance(statement, ast.Import) else f"{source}.{name}"
        return None
    if isinstance(statement, ast.ClassDef):
        return Reason.NEEDS_PROJECT, f"class {name}"
    if isinstance(statement, ast.Assign | ast.AnnAssign):
        if not _constant_ok(statement.value):  # type: ignore[arg-type]
            return Reason.NEEDS_PROJECT, f"module variable {name} is not a constant"
        return None
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        if statement.decorator_list:
            return Reason.NEEDS_PROJECT, f"decorated helper {name}"
        return None
    return Reason.NEEDS_PROJECT, name
