"""The context a function or class needs: its free names followed through its module and the
project's other modules (``pipelines.problems.standalone`` holds the rules), gathered in prompt order.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from pipelines.problems.namespaces import TYPES_IMPORT, ModuleRef, loads, module_reads, namespaces_of
from pipelines.problems.standalone import (
    BUILTIN_NAMES,
    DEFINITIONS,
    FORBIDDEN_BUILTINS,
    FORBIDDEN_MODULES,
    HARMLESS_NAMES,
    STDLIB,
    Module,
    Reason,
    attribute_problem,
    class_text,
    class_with_body,
    free_names,
    global_writes,
    import_module_of,
    live_statements,
    orphaned,
    source_text,
    type_names,
    walk_live,
)
from pipelines.problems.tables import fillers_of
from pipelines.problems.wrappers import (
    assignment_as_function,
    block_as_function,
    class_as_function,
    filler_as_function,
)

MAX_CONTEXT_LINES = 200
MAX_REEXPORT_HOPS = 4


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
    # alias -> id() of the statement that defines its name: the ``alias = name`` line comes right after it, so
    # module-level code further down may read the alias (``_ORDINALS = {PS_("1", "st")}``)
    renamed_after: dict[str, int] = field(default_factory=dict)
    # ``util = types.SimpleNamespace(f=f)`` lines: a project module the code reads as ``util.f`` stands in
    # the prompt as the names it reads from it, right after the last statement that defines one of them
    namespaces: dict[str, tuple[str, tuple[str, ...], int]] = field(default_factory=dict)  # name -> (module,
    # names, index of that statement)
    trims: dict[int, frozenset[str]] = field(default_factory=dict)  # id() of a class -> methods left out of it

    @property
    def ok(self) -> bool:
        """True when the function is standalone."""
        return not self.reason

    def text_of(self, statement: ast.stmt) -> str:
        """A statement's source (decorators included) from its own module; a trimmed class without the
        methods left out of it."""
        lines = self.owners[id(statement)].lines
        left_out = self.trims.get(id(statement))
        if not left_out:
            return source_text(lines, statement)
        return class_text(lines, statement, _kept(statement, left_out).body)  # type: ignore[arg-type]

    def size(self) -> int:
        """Lines of the context's statements as the prompt gives them."""
        return sum(self.text_of(s).count("\n") for s in self.statements)

    def classes(self) -> set[str]:
        """Names of the classes the context defines (namedtuples and enums made by a call included)."""
        return type_names(self.statements)

    def render(self) -> str:
        """The context as prompt text, in its order (each module's own order kept), repeated imports once."""
        definitions = DEFINITIONS
        parts: list[str] = ["from __future__ import annotations\n"] if self.future else []
        if self.namespaces:
            parts.append("import types\n")
        for index, statement in enumerate(self.statements):
            text = self.text_of(statement)
            if isinstance(statement, definitions):
                parts.append("\n" + text + "\n")
            elif text not in parts and "__future__" not in text:
                parts.append(text)
            parts += [f"{alias} = {self.renames[alias]}\n" for alias, at in self.renamed_after.items()
                      if at == id(statement) and alias in self.renames]
            for name, (source, names, at) in self.namespaces.items():
                if at == index:
                    fields = ", ".join(f"{attr}={self.renames.get(attr, attr)}" for attr in names)
                    parts.append(f"\n{name} = types.SimpleNamespace({fields})  # what this code reads from {source}\n")
        parts += [f"{alias} = {name}\n" for alias, name in self.renames.items() if alias not in self.renamed_after]
        return "".join(parts).strip("\n") + "\n" if parts else ""


def _kept(cls: ast.ClassDef, left_out: frozenset[str]) -> ast.ClassDef:
    """The class without the methods named in ``left_out`` (and the strings that documented them)."""
    gone = {id(s) for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name in left_out}
    gone |= orphaned(cls.body, gone)
    return class_with_body(cls, [s for s in cls.body if id(s) not in gone])


def _attributes(node: ast.AST) -> set[str]:
    """Every ``x.name`` the code reads or writes."""
    return {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def class_trims(function: ast.AST, statements: list[ast.stmt]) -> dict[int, frozenset[str]]:
    """For each class of a context, the methods nothing reaches: neither the function, nor the context's
    other statements, nor a method kept, names them as an attribute (``self.name``, ``Class.name``,
    ``super().name``), nor a class-level statement as a name. Dunders stay (Python calls them). Any
    ``x.name`` counts, so this keeps too much rather than too little; a method reached only through
    ``getattr`` with a computed name is left out, and the reference then fails the determinism reruns."""
    classes = [s for s in statements if isinstance(s, ast.ClassDef)]
    reached = _attributes(function)
    for statement in statements:
        if not isinstance(statement, ast.ClassDef):
            reached |= _attributes(statement)
    members = {}
    for cls in classes:
        for s in cls.body:
            if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef):
                members.setdefault(id(cls), []).append(s)
            else:
                reached |= _attributes(s) | {n.id for n in ast.walk(s) if isinstance(n, ast.Name)}
    kept: set[int] = set()
    changed = True
    while changed:
        changed = False
        for method in (m for ms in members.values() for m in ms):
            dunder = method.name.startswith("__") and method.name.endswith("__")
            if id(method) not in kept and (dunder or method.name in reached):
                kept.add(id(method))
                reached |= _attributes(method)
                changed = True
    trims = {}
    for cls in classes:
        left_out = frozenset(m.name for m in members.get(id(cls), []) if id(m) not in kept) - {
            m.name for m in members.get(id(cls), []) if id(m) in kept}  # a property and its setter share a name
        if left_out and _kept(cls, left_out).body:
            trims[id(cls)] = left_out
    return trims


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
    has no third-party packages, so the fallback runs there (a ``try`` nested in the fallback included:
    ``try: from gmpy2 import mpz`` / ``except ImportError: try: from gmpy import mpz`` / ``except ...``)."""
    tried = {id(inner) for node in ast.walk(statement) if isinstance(node, ast.Try) and any(
        handler.type is None or {n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)}
        & {"ImportError", "ModuleNotFoundError", "Exception"} for handler in node.handlers)
        for s in node.body for inner in ast.walk(s)}
    for node in walk_live(statement):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for alias in node.names:
            source = import_module_of(node, (alias.asname or alias.name).split(".")[0])
            top = source.split(".")[0]
            in_body = id(node) in tried
            if not source or top in _project_top(module):
                return Reason.NEEDS_PROJECT, f"{alias.name} (imported in a block)"
            if top in FORBIDDEN_MODULES and not _harmless(node, alias):
                return FORBIDDEN_MODULES[top], source
            if top not in STDLIB and not in_body:
                return Reason.THIRD_PARTY, f"{alias.name} (from {source})"
    return None


def _harmless(statement: ast.Import | ast.ImportFrom, alias: ast.alias) -> bool:
    """Whether ``from <forbidden module> import <name>`` imports a name that touches nothing outside the
    process (``from threading import local``); a whole module (``import threading``) is never harmless."""
    return isinstance(statement, ast.ImportFrom) and not statement.level and alias.name in HARMLESS_NAMES.get(
        statement.module or "", frozenset())


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


def _resolve_import(statement: ast.stmt, name: str,
                    module: Module) -> tuple[Module, ast.stmt, str] | ModuleRef | str:
    """Follow ``from <project module> import name`` to the statement that defines it (or the module it
    names), or say why not."""
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
            submodule = module.project.module(f"{source}.{alias.name}")
            if submodule is not None:
                return ModuleRef(submodule)
            kind = "module" if module.project.path_of(f"{source}.{alias.name}") else "name"
            return f"{name} ({kind} of {source})"
        module, statement, name = target, found, alias.name
    return f"{name} (re-exported too often)"


def context_for(function: ast.FunctionDef | ast.AsyncFunctionDef, module: Module,
                max_lines: int = MAX_CONTEXT_LINES, needs: frozenset[str] = frozenset(),
                trims: dict[int, frozenset[str]] | None = None) -> Context:
    """The statements ``function`` needs (from its module and the project's others), or why it is not standalone.

    ``needs`` are more names of the module to bring along (the classes of the tests' values; ``pkg.other:Class``
    for a class of a project module this one does not import). A context
    over ``max_lines`` is gathered once more with its classes trimmed to the methods reached
    (``class_trims``): what only those methods needed stays out too.
    """
    chosen: dict[int, tuple[int, ast.stmt]] = {}  # id(statement) -> (depth of its module, statement)
    owners: dict[int, Module] = {}
    aliases: dict[str, dict[str, str]] = {}  # module name -> its stdlib aliases
    placed: dict[str, str] = {}  # top-level name in the prompt -> what binds it (``_identity``)
    renames: dict[str, str] = {}  # a name the code uses -> the name its definition has
    renamed_after: dict[str, int] = {}  # such a name -> id() of the statement that defines it
    # (what to walk, its module, depth of that module, whether its body runs only when called),
    # the statement it stands for (None: code after the context) and whether it runs only while the
    # module runs (a table's filling statements and what they call: ``pipelines.problems.tables``)
    pending: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, Module, int, bool, int | None, bool]] = [
        (function, module, 0, any(function is s for s in live_statements(module.tree.body)), None, False)]
    local = frozenset(name for name in needs if ":" not in name)
    if local:
        pending.append((loads(local), module, 0, False, None, False))
    # (module, name, walked as import-time code); recursion needs no context
    seen: set[tuple[str, str, bool]] = {(module.name, function.name, False), (module.name, function.name, True)}
    walked: set[tuple[int, bool]] = set()  # (id of a statement, as import-time code)
    depths = {module.name: 0}
    for need in sorted(needs - local):  # ``pkg.other:Class``: a class of a module this one does not import
        home_name, _, name = need.partition(":")
        home = module.project.module(home_name) if module.project is not None else None
        if home is None:
            return Context(reason=Reason.NEEDS_PROJECT, detail=f"{name} (module {home_name})")
        depths[home.name] = max(depths.get(home.name, 0), 1)
        pending.append((loads(frozenset({name})), home, 1, False, None, False))
    refs: dict[tuple[str, str], tuple[Module, set[str]]] = {}  # (module, name) -> the project module, names read
    defined_by: dict[tuple[str, str], int] = {}  # (module, name) -> id() of the statement that defines it
    read_now: list[tuple[str, int | None]] = []  # (a namespace, the statement that reads it when the module runs)
    while pending:
        current, where, depth, deferred, origin, at_import = pending.pop()
        module_aliases = aliases.setdefault(where.name, {})
        writes = global_writes(current, set(where.bindings))
        if writes and not at_import:
            return Context(reason=Reason.GLOBAL_STATE, detail=", ".join(sorted(set(writes))))
        inner = _project_import_inside(current, where, current is function or any(
            current is s for s in where.tree.body))
        if inner:
            return Context(reason=Reason.NEEDS_PROJECT, detail=inner)
        for name in sorted(free_names(current, where.lazy_annotations)):
            if (where.name, name) in refs:  # ``util.f``: bring along what this code reads from ``util``
                target, read = refs[(where.name, name)]
                reads = module_reads(current, name, deferred, where.lazy_annotations)
                if reads is None:
                    return Context(reason=Reason.NEEDS_PROJECT,
                                   detail=f"{name} (module {target.name}, used other than as {name}.NAME)")
                attributes, now = reads
                if now:
                    read_now.append((name, origin))
                if attributes - read:
                    pending.append((loads(attributes - read), target, depths[target.name], False, None,
                                    at_import))
                    read |= attributes
                continue
            if (where.name, name, at_import) in seen:
                continue
            seen.add((where.name, name, at_import))
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
            if isinstance(resolved, ModuleRef):
                target = resolved.module
                if placed.setdefault(name, f"module {target.name}") != f"module {target.name}":
                    return Context(reason=Reason.NEEDS_PROJECT, detail=f"{name} (two definitions of one name)")
                depths[target.name] = max(depths.get(target.name, 0), depth + 1)
                refs[(where.name, name)] = (target, set())
                seen.discard((where.name, name, at_import))
                # walked again: reads the module's names
                pending.append((current, where, depth, deferred, origin, at_import))
                break
            owner, statement, defined = resolved
            defined_by[(where.name, name)] = id(statement)
            ident = _identity(statement, defined)
            if placed.setdefault(defined, ident) != ident or (
                    defined != name and placed.setdefault(name, f"alias of {defined}") != f"alias of {defined}"):
                return Context(reason=Reason.NEEDS_PROJECT, detail=f"{name} (two definitions of one name)")
            if defined != name:  # ``from .x import helper as _helper``: the prompt binds both names
                renames[name] = defined
                renamed_after[name] = id(statement)
                seen.add((owner.name, defined, at_import))
            problem = _statement_problem(statement, defined, owner, aliases.setdefault(owner.name, {}))
            if problem:
                return Context(reason=problem[0], detail=problem[1])
            level = depth if owner is where else max(depths.get(owner.name, 0), depth + 1)
            depths[owner.name] = level
            # walked once as the target's code (its rules are the stricter) and at most once more as import-time code
            if (id(statement), False) in walked or (id(statement), at_import) in walked:
                continue
            walked.add((id(statement), at_import))
            if id(statement) not in chosen:
                chosen[id(statement)] = (level, statement)
                owners[id(statement)] = owner
            for other in _same_package_imports(statement, defined, owner):  # ``import email.parser`` and
                problem = _statement_problem(other, defined, owner, aliases[owner.name])  # ``import email.message``
                if problem:
                    return Context(reason=problem[0], detail=problem[1])
                chosen[id(other)] = (level, other)
                owners[id(other)] = owner
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                pending.append((statement, owner, level, True, id(statement), at_import))
            elif isinstance(statement, ast.ClassDef):
                left_out = (trims or {}).get(id(statement))
                walked_class = _kept(statement, left_out) if left_out else statement
                pending.append((class_as_function(walked_class), owner, level, False, id(statement), at_import))
            elif isinstance(statement, ast.Assign | ast.AnnAssign):
                pending.append((assignment_as_function(statement), owner, level, False, id(statement), at_import))
                for filler in fillers_of(defined, statement, owner):  # ``_irregular('person', 'people')``
                    if id(filler) not in chosen:
                        chosen[id(filler)] = (level, filler)
                        owners[id(filler)] = owner
                        pending.append((filler_as_function(filler), owner, level, False, id(filler), True))
            elif isinstance(statement, ast.If | ast.Try):
                pending.append((block_as_function(statement), owner, level, False, id(statement), at_import))
        reason, detail = attribute_problem(current, module_aliases)
        if reason:
            return Context(reason=reason, detail=detail)
    order = {id(s): i for m in {id(o): o for o in owners.values()}.values() for i, s in enumerate(m.tree.body)}

    def placement(item: tuple[int, ast.stmt]) -> tuple[int, str, int]:
        owner = owners[id(item[1])]
        return -depths[owner.name], owner.name, order[id(item[1])]

    statements = [statement for _, statement in sorted(chosen.values(), key=placement)]
    namespaces = namespaces_of(refs, defined_by, {id(s): i for i, s in enumerate(statements)})
    for name, (source, read, _) in namespaces.items():
        if source == module.name and function.name in read:  # the namespace would come before the function
            return Context(reason=Reason.NEEDS_PROJECT, detail=f"{name} (module {source}, read for {function.name} "
                                                               "itself)")
    index = {id(s): i for i, s in enumerate(statements)}
    for name, origin in read_now:  # a module-level statement that reads ``util.f`` must come after the namespace
        if origin is not None and index[origin] <= namespaces[name][2]:
            return Context(reason=Reason.NEEDS_PROJECT,
                           detail=f"{name} (module {namespaces[name][0]}, read when the module runs before its names "
                                  "are defined)")
    if namespaces and placed.get("types", TYPES_IMPORT) != TYPES_IMPORT:
        return Context(reason=Reason.NEEDS_PROJECT, detail="types (the module namespaces need the standard one)")
    trims = {key: names for key, names in (trims or {}).items() if key in owners}
    context = Context(statements=statements, owners=owners, renames=dict(sorted(renames.items())),
                      renamed_after=dict(sorted(renamed_after.items())),
                      future=module.lazy_annotations or any(o.lazy_annotations for o in owners.values()),
                      namespaces=namespaces, trims=trims)
    # the block that defines it (whole), or its own def reached through an import of another module
    if any(node is function for s in statements for node in ast.walk(s)):
        return Context(reason=Reason.NEEDS_PROJECT, detail=f"{function.name} (its own definition would come along)")
    if any(function.name in _read_when_run(s, context.future) for s in statements if owners[id(s)] is module):
        # ``bbrepr = _BBRepr().repr`` for the class _BBRepr: the prompt puts the definition after its context
        return Context(reason=Reason.NEEDS_PROJECT,
                       detail=f"{function.name} (its context uses it before it is defined)")
    size = context.size()
    if size > max_lines:
        if not trims:
            fewer = class_trims(function, statements)
            if fewer:
                trimmed = context_for(function, module, max_lines, needs, fewer)
                if trimmed.ok or trimmed.reason != Reason.CONTEXT_TOO_LARGE:
                    return trimmed
        return Context(reason=Reason.CONTEXT_TOO_LARGE, detail=f"{size} lines")
    return context


def _read_when_run(statement: ast.stmt, lazy: bool) -> set[str]:
    """The names a statement reads as the module runs: not those in the bodies of functions it defines,
    nor annotations where they are not evaluated (``lazy``: ``from __future__ import annotations``)."""
    names: set[str] = set()
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            arguments = node.args
            pending += [*getattr(node, "decorator_list", []), *arguments.defaults,
                        *(d for d in arguments.kw_defaults if d is not None)]
            if not lazy:
                every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                         *(a for a in (arguments.vararg, arguments.kwarg) if a is not None)]
                pending += [a.annotation for a in every if a.annotation is not None]
                pending += [node.returns] if getattr(node, "returns", None) is not None else []
            continue
        if isinstance(node, ast.AnnAssign) and lazy:
            pending += [node.target, *([node.value] if node.value is not None else [])]
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
        pending += ast.iter_child_nodes(node)
    return names


def _project_import_inside(code: ast.FunctionDef | ast.AsyncFunctionDef, module: Module, own: bool) -> str:
    """The first import of the project's own modules inside a function of ``code`` (``from .data import
    TABLE`` in a body): the problem is one module, so it would fail when called. Empty when none, and
    when ``code`` is not ``own`` (it wraps a class or a block of the context, whose methods may never run)."""
    if not own:
        return ""
    for inner in walk_live(code):
        if isinstance(inner, ast.ImportFrom) and (inner.level or _from_project(inner, module) is not None):
            return f"{inner.module or '.'} (imported inside {code.name})"
        if isinstance(inner, ast.Import) and any(alias.name.split(".")[0] in _project_top(module)
                                                 for alias in inner.names):
            return f"{inner.names[0].name} (imported inside {code.name})"
    return ""


def _same_package_imports(statement: ast.stmt, name: str, module: Module) -> list[ast.Import]:
    """The module's other top-level ``import name.sub`` statements: each binds ``name`` with another submodule
    loaded, and the code may read any of them (``email.parser``, ``email.message``)."""
    if not isinstance(statement, ast.Import):
        return []
    return [other for other in module.tree.body if other is not statement and isinstance(other, ast.Import)
            and any(alias.asname is None and alias.name.split(".")[0] == name and "." in alias.name
                    for alias in other.names)]


def _identity(statement: ast.stmt, name: str) -> str:
    """What a name stands for in the prompt: the same import in two modules is one definition."""
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return f"import {import_module_of(statement, name)}:{name}:{getattr(statement, 'level', 0)}"
    return str(id(statement))


def _statement_problem(statement: ast.stmt, name: str, module: Module,
                       aliases: dict[str, str]) -> tuple[str, str] | None:
    """(reason, detail) if the module statement binding ``name`` cannot be part of the context."""
    if isinstance(statement, ast.Import | ast.ImportFrom):
        source = import_module_of(statement, name)
        top = source.split(".")[0]
        if not source or top in _project_top(module):
            return Reason.NEEDS_PROJECT, f"{name} (module {source or 'of a relative import'})"
        if top not in STDLIB:
            return Reason.THIRD_PARTY, f"{name} (from {source})"
        if top in FORBIDDEN_MODULES and not _harmless(statement, next(
                a for a in statement.names if (a.asname or a.name).split(".")[0] == name)):
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


def definition_of(name: str, module: Module) -> tuple[Module, ast.stmt] | None:
    """The statement that defines ``name`` as ``module`` sees it (followed through the project's imports)."""
    statement = module.bindings.get(name)
    if statement is None:
        return None
    resolved = _resolve_import(statement, name, module)
    return (resolved[0], resolved[1]) if isinstance(resolved, tuple) else None
