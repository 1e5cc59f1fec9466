"""Problems from call records, the way the Codex paper's CI problems were made.

For each recorded top-level function with enough fully serialisable calls: find its source, keep
it only if it is standalone (``pipelines.problems.standalone``), and build the prompt (the context
it needs from its module and the project's others, the signature without harmless decorators, the
docstring), the reference solution (the body) and up to T tests chosen for diversity, expected
exceptions included. A method of a top-level class becomes a class problem
(``pipelines.problems.methods``). Every function that does not become a problem gets a reject
record with its reason.
"""

from __future__ import annotations

import ast
import json
import os
import re
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pipelines.funnel import Count, Stage
from pipelines.problem import Problem, ProblemFormatError, Provenance, Reject
from pipelines.problems.context import context_for, definition_of
from pipelines.problems.decorators import droppable
from pipelines.problems.instances import frozen_after_init, method_tests, plain, self_reads
from pipelines.problems.methods import Reason as MethodReason
from pipelines.problems.methods import build_method_problem, class_context, find_method
from pipelines.problems.namespaces import loads
from pipelines.problems.project import Project, load_module
from pipelines.problems.records import (  # noqa: F401 - choose_tests and to_test are this module's API too
    choose_tests,
    echoed,
    lines_of,
    localise_test,
    read_records,
    relative,
    serialisable,
    to_test,
)
from pipelines.problems.standalone import Module, type_names
from sandbox.types import FunctionTest


class Reason(StrEnum):
    """The closed set of reasons a recorded function does not become a problem."""

    FEW_CALLS = "too_few_serialisable_calls"
    NOT_TOP_LEVEL = "not_a_top_level_function"
    NOT_PLAIN = "generator_or_coroutine"
    NO_SOURCE = "source_not_found"
    DECORATED = "decorated"
    TRIVIAL_TESTS = "tests_expect_one_constant"
    ONE_LINE = "body_on_the_def_line"
    VALUE_CLASS = "value_class_not_in_problem"
    IDENTITY_TESTS = "tests_expect_an_argument_back"
    INVALID = "not_a_valid_problem"


@dataclass(frozen=True)
class SynthesisSettings:
    """How many calls a function needs and how many tests a problem gets."""

    min_calls: int = 3
    max_tests: int = 10


@dataclass(frozen=True)
class Origin:
    """Where the records came from (one harvested project)."""

    source: str
    package: str
    version: str
    commit: str
    url: str
    license: str
    fetched_at: str
    roots: tuple[str, ...]  # directories the recorded files are reported relative to


def provenance_of(origin: Origin, path: str, line: int) -> Provenance:
    """Where a problem came from."""
    return Provenance(source=origin.source, package=origin.package, version=origin.version, commit=origin.commit,
                      path=path, line=line, url=origin.url, license=origin.license, fetched_at=origin.fetched_at)


def build_problem(function: ast.FunctionDef, module: Module, source: str, origin: Origin, path: str,
                  tests: list[FunctionTest], classes: frozenset[str] = frozenset()) -> tuple[Problem | None, str, str]:
    """(problem, "", "") or (None, reason, detail); ``classes`` are those the tests' values need."""
    if not all(droppable(d, module) for d in function.decorator_list):
        return None, Reason.DECORATED, ", ".join(ast.unparse(d).split("(")[0] for d in function.decorator_list)
    if function.body[0].lineno == function.lineno:
        return None, Reason.ONE_LINE, ""
    context = context_for(function, module, needs=classes - {function.name})
    if not context.ok:
        return None, context.reason, context.detail
    missing = _class_names(classes) - context.classes()
    if missing:
        return None, Reason.VALUE_CLASS, ", ".join(sorted(missing))
    lines = _dedented(lines_of(source), function)
    if lines is None:
        return None, Reason.NO_SOURCE, f"indented less than its def at line {function.lineno}"
    docstring = ast.get_docstring(function) or ""
    has_docstring = bool(docstring) and isinstance(function.body[0], ast.Expr)
    body = function.body[1:] if has_docstring else function.body
    if not body:
        return None, Reason.ONE_LINE, "only a docstring"
    head_end = function.body[0].end_lineno if has_docstring else function.body[0].lineno - 1
    signature = "".join(lines[function.lineno - 1 : head_end])
    before = context.render()
    prompt = (before + "\n\n" if before else "") + signature
    solution = "".join(lines[head_end : function.end_lineno])
    problem = Problem(
        kind="function",
        prompt=prompt,
        solution=solution if solution.endswith("\n") else solution + "\n",
        tests=tests,
        entry_point=function.name,
        docstring=docstring,
        provenance=provenance_of(origin, path, function.lineno),
        meta={"has_docstring": bool(docstring), "context_statements": len(context.statements)},
    )
    return problem, "", ""


def _dedented(lines: list[str], function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str] | None:
    """The module's lines with the function's own moved to the left margin (a function defined in an ``if``
    block is indented), or None when one of its lines is indented less than its ``def`` (a string)."""
    offset = function.col_offset
    if not offset:
        return lines
    first = min([function.lineno, *(d.lineno for d in function.decorator_list)])
    own = lines[first - 1 : function.end_lineno]
    if any(line.strip() and not line.startswith(" " * offset) for line in own):
        return None
    return lines[: first - 1] + [line[offset:] if line.strip() else line for line in own] + lines[
        function.end_lineno :]


def finish_tests(tests: list[FunctionTest], total: int, module: Module, settings: SynthesisSettings,
                 elsewhere: bool = True) -> tuple[list[FunctionTest], frozenset[str]] | tuple[None, str, str]:
    """Tests with class references made local, chosen for diversity; or (None, reason, detail).

    ``elsewhere`` False keeps out the tests whose values name a class of a module ``module`` does not import
    (``value_classes_elsewhere``): the retry when such a class cannot come along."""
    classes = type_names(module.tree.body)
    plain_classes = {name for name in classes if (cls := module.class_(name)) is not None and plain(cls, module)}
    homes = dict.fromkeys(classes, module.name)
    found = {**(value_classes_elsewhere(tests, module) if elsewhere else {}), **imported_classes(module)}
    for name, (home, cls) in found.items():
        homes.setdefault(name, home.name)
        if isinstance(cls, ast.ClassDef) and plain(cls, home):
            plain_classes.add(name)
    localised = [local for local in (localise_test(t, module.name, homes, plain_classes) for t in tests)
                 if local is not None]
    if len(localised) < settings.min_calls:
        return None, Reason.FEW_CALLS, f"{len(localised)} of {total}"
    chosen = choose_tests([test for test, _ in localised], settings.max_tests)
    outcomes = {json.dumps([t.expected, t.raises, t.state_after, t.args_after], sort_keys=True) for t in chosen}
    if len(outcomes) < 2:
        # Tests that all expect the same value cannot tell a solution from `return <constant>`.
        return None, Reason.TRIVIAL_TESTS, next(iter(outcomes))
    echoed = _echoed_argument(chosen)
    if echoed is not None:
        # Tests that all expect one of the arguments back cannot tell a solution from `return <that argument>`.
        return None, Reason.IDENTITY_TESTS, f"argument {echoed}"
    used = frozenset().union(*(used for test, used in localised if test in chosen))
    # a class of a module this one does not import is named with its module: the context brings it from there
    return chosen, frozenset(name if name in module.bindings else f"{homes[name]}:{name}" for name in used)


def value_classes_elsewhere(tests: list[FunctionTest], module: Module) -> dict[str, tuple[Module, ast.stmt]]:
    """The classes the tests' values name (``pkg.other:Class``) that ``module`` neither defines nor imports,
    found in the project's module the record names: name -> (that module, its definition). A name the
    module binds to something else is not one of them (the prompt would bind it twice)."""
    found: dict[str, tuple[Module, ast.stmt]] = {}
    if module.project is None:
        return found
    for test in tests:
        values = [test.args, test.kwargs, test.expected, test.instance, test.state_after, test.args_after]
        for reference in set(_CLASS_REFERENCE.findall(json.dumps(values))):
            home_name, _, name = reference.partition(":")
            if name in module.bindings or name in found:
                continue
            home = module.project.module(home_name)
            statement = home.bindings.get(name) if home is not None else None
            if statement is not None and name in type_names([statement]) and _comes_along(name, home):
                found[name] = (home, statement)
    return found


_ALONG: weakref.WeakKeyDictionary[Project, dict[tuple[str, str], bool]] = weakref.WeakKeyDictionary()


def _comes_along(name: str, home: Module) -> bool:
    """Whether the class can be context by itself (its module may need a third-party package); once per class."""
    known = _ALONG.setdefault(home.project, {})
    key = (home.name, name)
    if key not in known:
        known[key] = context_for(loads(frozenset({name})), home).ok
    return known[key]


def _class_names(needs: frozenset[str]) -> set[str]:
    """The class names of ``finish_tests``'s needs (``pkg.other:Class`` names ``Class``)."""
    return {name.rpartition(":")[2] for name in needs}


_CLASS_REFERENCE = re.compile(r'\{"(?:class|enum|namedtuple|object)": \[?"([\w.]+:\w+)"')


def imported_classes(module: Module) -> dict[str, tuple[Module, ast.stmt]]:
    """The classes the module imports from the project's other modules under their own names
    (``from .version import Version``): name -> (the module that defines it, its definition)."""
    found = {}
    for name, statement in module.bindings.items():
        if not isinstance(statement, ast.ImportFrom) or statement.module == "__future__":
            continue
        definition = definition_of(name, module)
        if definition is None or definition[0] is module or name not in type_names([definition[1]]):
            continue
        found[name] = definition
    return found


def _echoed_argument(tests: list[FunctionTest]) -> int | None:
    """The position of an argument every test expects back unchanged (and no state), else None."""
    common = set.intersection(*(echoed(t) for t in tests)) if tests else set()
    return min(common) if common else None


def _function_problem(qualname: str, line: int, records: list[dict], module: Module, origin: Origin, path: str,
                      settings: SynthesisSettings) -> tuple[Problem | None, str, str]:
    usable = [r for r in records if serialisable(r)]
    if len(usable) < settings.min_calls:
        return None, Reason.FEW_CALLS, f"{len(usable)} of {len(records)}"
    function = module.function(qualname, line)
    if function is None:
        return None, Reason.NO_SOURCE, f"{path}:{line}"
    tests = [to_test(r) for r in usable]
    return _without_classes_elsewhere(tests, len(records), module, settings, lambda finished: build_problem(
        function, module, module.source, origin, path, finished[0], finished[1]))


Made = tuple[Problem | None, str, str]


def _without_classes_elsewhere(tests: list[FunctionTest], total: int, module: Module, settings: SynthesisSettings,
                               build: Callable[[tuple], Made]) -> Made:
    """``build`` on the finished tests; when that fails and a test's value named a class of a module that this
    one does not import (it could not come along: its module needs a third-party package), once more without
    those tests. The first reason is the one reported."""
    finished = finish_tests(tests, total, module, settings)
    if finished[0] is None:
        return finished  # type: ignore[return-value]
    made = build(finished)
    if made[0] is not None or not any(":" in name for name in finished[1]):
        return made
    again = finish_tests(tests, total, module, settings, elsewhere=False)
    if again[0] is None:
        return made
    retried = build(again)
    return retried if retried[0] is not None else made


def _method_problem(qualname: str, line: int, records: list[dict], module: Module, origin: Origin, path: str,
                    settings: SynthesisSettings) -> tuple[Problem | None, str, str]:
    found = find_method(module, qualname, line)
    if isinstance(found, str):
        reason, _, detail = found.partition(":")
        return None, reason, detail
    by_state, frozen = plain(found.cls, module), frozen_after_init(found.cls)
    reads = self_reads(found, module) if any("self_missing" in r for r in records) else None
    tests, outcome_ok = method_tests(records, found, by_state=by_state, frozen=frozen, reads=reads)
    if len(tests) < settings.min_calls:  # too few on objects of the class itself: those of its subclasses too
        tests, outcome_ok = method_tests(records, found, by_state=by_state, frozen=frozen, subclasses=True,
                                         reads=reads)
    if len(tests) < settings.min_calls:
        why = Reason.FEW_CALLS if outcome_ok < settings.min_calls else MethodReason.NO_INSTANCE
        return None, why, f"{len(tests)} of {len(records)}"

    def build(finished: tuple) -> tuple[Problem | None, str, str]:
        made = class_context(found, module, needs=finished[1] - {found.cls.name})
        if isinstance(made, tuple):
            return None, made[0], made[1]
        missing = _class_names(finished[1]) - made.context.classes() - {found.cls.name}
        if missing:
            return None, Reason.VALUE_CLASS, ", ".join(sorted(missing))
        return build_method_problem(found, module, made, finished[0], provenance_of(origin, path, line))

    return _without_classes_elsewhere(tests, len(records), module, settings, build)


def _checked(problem: Problem) -> tuple[Problem | None, str, str]:
    """The problem if it reads back under the contract every later stage parses it with, else the reason:
    one value the contract refuses must cost that problem, not stop the job at the next stage."""
    try:
        Problem.from_dict(problem.to_dict())
    except ProblemFormatError as exc:
        return None, Reason.INVALID, str(exc)
    return problem, "", ""


def _project_dir(roots: tuple[str, ...]) -> str:
    """The directory the harvest put the project in (the roots' common parent), or "" if it is too short to
    tell a path of the machine from a value (``/``)."""
    if not roots:
        return ""
    common = os.path.commonpath(roots) if len(roots) > 1 else roots[0]
    return common if common.count("/") >= 2 else ""


def synthesise(records_dir: str | Path, origin: Origin,
               settings: SynthesisSettings | None = None) -> tuple[list[Problem], list[Reject], Count]:
    """Problems from one project's records, a reject for every function left out, and the count."""
    settings = settings or SynthesisSettings()
    problems: list[Problem] = []
    rejects: list[Reject] = []
    modules: dict[str, Module | None] = {}
    home = _project_dir(origin.roots)
    for (file, qualname, line), records in sorted(read_records(records_dir).items()):
        path = relative(file, origin.roots)
        subject = f"{path}:{qualname}"
        if home:  # a call whose values hold where the miner put the project tests that machine, not the code
            local = [r for r in records if home not in json.dumps(r["args"]) + json.dumps(r.get("result"))]
            if not local:
                rejects.append(Reject(Stage.SYNTHESIS, Reason.FEW_CALLS, f"0 of {len(records)} (paths of the harvest)",
                                      origin.source, origin.package, subject))
                continue
            records = local
        if qualname.startswith("<") or "<locals>" in qualname or qualname.count(".") > 1:
            rejects.append(Reject(Stage.SYNTHESIS, Reason.NOT_TOP_LEVEL, "", origin.source, origin.package, subject))
            continue
        if records[0]["kind"] != "function":
            rejects.append(Reject(Stage.SYNTHESIS, Reason.NOT_PLAIN, records[0]["kind"], origin.source,
                                  origin.package, subject))
            continue
        if file not in modules:
            modules[file] = load_module(file, origin.package)
        module = modules[file]
        if module is None:
            problem, reason, detail = None, Reason.NO_SOURCE, f"{path}:{line}"
        elif "." in qualname:
            problem, reason, detail = _method_problem(qualname, line, records, module, origin, path, settings)
        else:
            problem, reason, detail = _function_problem(qualname, line, records, module, origin, path, settings)
        if problem is not None:
            problem, reason, detail = _checked(problem)
        if problem is None:
            rejects.append(Reject(Stage.SYNTHESIS, reason, detail, origin.source, origin.package, subject))
        else:
            problems.append(problem)
    count = Count(Stage.SYNTHESIS, len(problems), Counter(str(reject.reason) for reject in rejects))
    return problems, rejects, count
