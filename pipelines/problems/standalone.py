"""Is a function (or a class) standalone? The rules, and a module's top level as they see it.

A mined function may use builtins, its parameters, standard-library imports, module-level
constants, helper functions and classes of its own module, and names it imports from the
project's other modules (``from .colors import NAMES``), each resolved where it is defined and
itself standalone, as long as the whole context stays under ``MAX_CONTEXT_LINES``. Anything else
(a module object of the project, third-party packages) makes it depend on its project; I/O, the
network, the clock and randomness make its tests meaningless. The answer is the context to put in
the prompt, or the reason it is rejected. ``pipelines.problems.context`` walks the names with
these rules and gathers the context.
"""

from __future__ import annotations

import ast
import builtins
import copy
import operator
import symtable
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.problems.project import Project

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
# Names of a forbidden module that touch nothing outside the process: thread-local storage and locks
# (``_CURRENT = local()``, ``_lock = RLock()``) behave the same on every single-threaded run; in-memory
# streams (``output = StringIO()``) and pure paths (``isinstance(p, PurePath)``) are values.
HARMLESS_NAMES = {"threading": frozenset({"local", "Lock", "RLock"}), "io": frozenset({"StringIO", "BytesIO"}),
                  "pathlib": frozenset({"PurePath", "PurePosixPath", "PureWindowsPath"})}
# A module passed as a value (``expat=expat``, ``serializer=json``) is used by code the checks above cannot see
# through, so one that reaches outside the process is refused as a value. ``pickle`` is not: as a value it is a
# serializer (``dumps``/``loads``), and its file functions need a file object, which has no encoding.
MODULE_VALUES_REFUSED = (frozenset(FORBIDDEN_MODULES) - {"pickle"}) | {
    "os", "posix", "nt", "posixpath", "ntpath", "genericpath", "sys", "builtins", "importlib", "gc", "inspect",
    "platform", "sysconfig", "site", "datetime"}
FORBIDDEN_BUILTINS = {"open": Reason.IO, "input": Reason.IO, "exec": Reason.DYNAMIC, "eval": Reason.DYNAMIC,
                      "compile": Reason.DYNAMIC, "__import__": Reason.DYNAMIC, "globals": Reason.DYNAMIC,
                      "breakpoint": Reason.IO}
OS_ALLOWED = ("os.path", "os.sep", "os.linesep", "os.pathsep", "os.curdir", "os.pardir", "os.extsep", "os.fspath")


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
            # ``not is_local()``: Python 3.11's symtable takes any scope named "top" for the module and calls the
            # names a function ``top`` binds global (a parameter ``n`` of a method ``top`` was "unresolved").
            is_global = symbol.is_global() and not symbol.is_local()
            if symbol.is_referenced() and (is_global or at_top) and symbol.get_name() != function.name:
                names.add(symbol.get_name())
    # ``super()`` reads the implicit ``__class__`` cell of the class a method is defined in; a class's members
    # are walked wrapped in a function, where that cell looks like a module name.
    names.discard("__class__")
    return names


MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "update", "add", "discard",
                      "setdefault", "popitem", "sort", "reverse", "__setitem__", "__delitem__"})


def global_writes(function: ast.FunctionDef | ast.AsyncFunctionDef, module_names: set[str]) -> list[str]:
    """Module-level names the function rebinds (global) or mutates in place (PLURALS.insert(...)).

    A class's ``__init_subclass__`` is left out: it runs when a subclass is defined, so a registry it
    fills (``_locale_map[name] = cls``) is filled the same way each time the prompt's code runs, before
    any test calls anything.
    """
    nodes = list(_walk_called(function))
    written = [n for node in nodes if isinstance(node, ast.Global | ast.Nonlocal) for n in node.names]
    local = _local_names(function)
    for node in nodes:
        target = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            target = node.func.value
        elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            target = node.value
        if isinstance(target, ast.Name) and target.id in module_names and target.id not in local:
            written.append(target.id)
    return written


def _walk_called(function: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` without the bodies of ``__init_subclass__`` methods of the classes inside."""
    stack = [function]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, ast.ClassDef):
            stack.extend(child for child in ast.iter_child_nodes(current)
                         if not (isinstance(child, ast.FunctionDef) and child.name == "__init_subclass__"))
        else:
            stack.extend(ast.iter_child_nodes(current))


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


def attribute_problem(function: ast.AST, module_aliases: dict[str, str]) -> tuple[str, str]:
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
        """The top-level function ``name`` whose first line (decorators included) is ``line``: defined at the
        top level or in the branch that runs here of a top-level ``if`` on the Python version."""
        for statement in live_statements(self.tree.body):
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
    if isinstance(statement, ast.Assign):  # ``A, B = ...`` binds each name of the target
        return [n.id for t in statement.targets for n in _target_names(t)]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value is not None:
        return [statement.target.id]
    return []


def _target_names(target: ast.expr) -> list[ast.Name]:
    """The names an assignment target binds: a name, or the names of a (nested) tuple or list target."""
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def import_module_of(statement: ast.Import | ast.ImportFrom, name: str) -> str:
    """The module a name imported by this statement comes from ('' for a relative import)."""
    if isinstance(statement, ast.ImportFrom):
        return "" if statement.level else f"{statement.module}"
    for alias in statement.names:
        if (alias.asname or alias.name).split(".")[0] == name:
            return alias.name if alias.asname else alias.name.split(".")[0]
    return ""




_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}


def _version_of(node: ast.expr) -> object:
    """``sys.version_info`` (or an item, a slice or ``.major``/``.minor`` of it) as this Python has it, else None."""
    if isinstance(node, ast.Attribute) and node.attr in ("major", "minor") and _dotted(node.value) == (
            "sys.version_info"):
        return getattr(sys.version_info, node.attr)
    if _dotted(node) == "sys.version_info":
        return tuple(sys.version_info)
    if isinstance(node, ast.Subscript) and _dotted(node.value) == "sys.version_info":
        try:
            index = node.slice
            if isinstance(index, ast.Slice):
                bounds = [ast.literal_eval(b) if b is not None else None for b in (index.lower, index.upper)]
                return tuple(sys.version_info)[bounds[0]:bounds[1]]
            return tuple(sys.version_info)[ast.literal_eval(index)]
        except (ValueError, TypeError, IndexError):
            return None
    return None


DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def first_line(node: ast.stmt) -> int:
    """A statement's first line, its decorators included."""
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])


def source_text(lines: list[str], node: ast.stmt) -> str:
    """A statement's source (decorators included) from its module's lines, ending in one newline."""
    return "".join(lines[first_line(node) - 1 : node.end_lineno]).rstrip() + "\n"


def class_text(lines: list[str], cls: ast.ClassDef, members: list[ast.stmt]) -> str:
    """A class's header (decorators and ``class`` line) followed by ``members`` of its body, a blank line
    before each definition after the first: a class shown with some of its members."""
    parts = ["".join(lines[first_line(cls) - 1 : first_line(cls.body[0]) - 1])]
    for member in members:
        parts.append(("\n" if len(parts) > 1 and isinstance(member, DEFINITIONS) else "") + source_text(lines, member))
    return "".join(parts)


def orphaned(body: list[ast.stmt], gone: set[int]) -> set[int]:
    """The id() of each bare string right after a statement left out of ``body`` (``gone``): the attribute
    docstring of what is no longer there (pyparsing documents its aliases so)."""
    found: set[int] = set()
    for before, statement in zip(body, body[1:], strict=False):
        if (id(before) in gone or id(before) in found) and isinstance(statement, ast.Expr) and isinstance(
                statement.value, ast.Constant) and isinstance(statement.value.value, str):
            found.add(id(statement))
    return found


def class_with_body(cls: ast.ClassDef, body: list[ast.stmt]) -> ast.ClassDef:
    """A copy of the class (name, bases, decorators, place) with another body."""
    return ast.copy_location(ast.ClassDef(name=cls.name, bases=cls.bases, keywords=cls.keywords, body=body,
                                          decorator_list=cls.decorator_list, type_params=[]), cls)


def static_test(test: ast.expr) -> bool | None:
    """The value of a test on the Python version (``sys.version_info < (3, 0)``) or of ``TYPE_CHECKING``
    (``typing.TYPE_CHECKING``, ``t.TYPE_CHECKING``: false whenever code runs), or None for any other test."""
    if _dotted(test).split(".")[-1] == "TYPE_CHECKING":
        return False
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _COMPARE):
        return None
    left = _version_of(test.left)
    if left is None:
        return None
    try:
        right = ast.literal_eval(test.comparators[0])
        return bool(_COMPARE[type(test.ops[0])](left, right))
    except (ValueError, TypeError):
        return None


def live_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a module's top level, with those of the branch that runs here of each ``if`` on the
    Python version (or ``TYPE_CHECKING``) in place of that ``if``, nested ones included."""
    for statement in body:
        value = static_test(statement.test) if isinstance(statement, ast.If) else None
        if value is None:
            yield statement
        else:
            yield from live_statements(statement.body if value else statement.orelse)  # type: ignore[attr-defined]


def walk_live(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` without the branch of an ``if`` on the Python version that does not run here."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, ast.If) and (value := static_test(current.test)) is not None:
            stack.extend([current.test, *(current.body if value else current.orelse)])
        else:
            stack.extend(ast.iter_child_nodes(current))
