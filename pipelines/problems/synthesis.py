"""Problems from call records, the way the Codex paper's CI problems were made.

For each recorded top-level function with enough fully serialisable calls: find its source, keep
it only if it is standalone (``pipelines.problems.standalone``), and build the prompt (the module context
it needs, the signature without harmless decorators, the docstring), the reference solution (the
body) and up to T tests chosen for diversity, expected exceptions included. Every function that
does not become a problem gets a reject record with its reason.
"""

from __future__ import annotations

import ast
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pipelines.funnel import Count, Stage
from pipelines.problem import Problem, Provenance, Reject
from pipelines.problems.standalone import Module, context_for
from sandbox.types import FunctionTest

HARMLESS_DECORATORS = ("functools.lru_cache", "lru_cache", "functools.cache", "cache")


class Reason(StrEnum):
    """The closed set of reasons a recorded function does not become a problem."""

    FEW_CALLS = "too_few_serialisable_calls"
    NOT_TOP_LEVEL = "not_a_top_level_function"
    NOT_PLAIN = "generator_or_coroutine"
    NO_SOURCE = "source_not_found"
    DECORATED = "decorated"
    TRIVIAL_TESTS = "tests_expect_one_constant"
    ONE_LINE = "body_on_the_def_line"


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


def read_records(records_dir: str | Path) -> dict[tuple[str, str, int], list[dict]]:
    """Records grouped by (file, qualname, first line)."""
    grouped: dict[tuple[str, str, int], list[dict]] = defaultdict(list)
    for path in sorted(Path(records_dir).glob("*.jsonl")):
        for line in path.read_text(errors="replace").splitlines():
            record = json.loads(line)
            if "summary" not in record:
                grouped[(record["file"], record["qualname"], record["line"])].append(record)
    return grouped


def _serialisable(record: dict) -> bool:
    if not all("v" in value for _, _, value in record["args"]):
        return False
    if "result" in record:
        return "v" in record["result"]
    raised = record.get("raised") or {}
    return bool(raised.get("type")) and "." not in raised["type"]  # builtin exceptions only


def to_test(record: dict) -> FunctionTest:
    """The call as a data test: positional, keyword-only, *args and **kwargs put back together."""
    args: list = []
    kwargs: dict = {}
    for name, kind, value in record["args"]:
        encoded = value["v"]
        if kind == "pos":
            args.append(encoded)
        elif kind == "kwonly":
            kwargs[name] = encoded
        elif kind == "var":
            args.extend(encoded["tuple"])
        elif kind == "varkw":
            kwargs.update({k: v for k, v in encoded["dict"]})
    if "result" in record:
        return FunctionTest(args=args, kwargs=kwargs, expected=record["result"]["v"])
    return FunctionTest(args=args, kwargs=kwargs, raises=record["raised"]["type"])


def _shape(value: object) -> str:
    """A coarse type-and-size class of an encoded value, to spread tests across kinds of input."""
    if isinstance(value, list):
        return f"list{min(len(value), 3)}"
    if isinstance(value, dict):
        tag, body = next(iter(value.items()))
        return f"{tag}{min(len(body), 3) if isinstance(body, list) else ''}"
    if isinstance(value, str):
        return "str0" if not value else ("str1" if len(value) == 1 else "strn")
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return "int-" if value < 0 else ("int0" if value == 0 else "int+")
    return type(value).__name__


def choose_tests(tests: list[FunctionTest], limit: int) -> list[FunctionTest]:
    """Up to ``limit`` tests, round-robin over input shapes and outcomes, deterministically."""
    unique = {json.dumps([t.args, t.kwargs, t.expected, t.raises], sort_keys=True): t for t in tests}
    groups: dict[str, list[FunctionTest]] = defaultdict(list)
    for key in sorted(unique, key=lambda k: (len(k), k)):
        test = unique[key]
        shape = "|".join(_shape(a) for a in test.args) + ("!" if test.raises else "")
        groups[shape].append(test)
    chosen: list[FunctionTest] = []
    order = sorted(groups)
    while len(chosen) < limit and any(groups.values()):
        for shape in order:
            if groups[shape] and len(chosen) < limit:
                chosen.append(groups[shape].pop(0))
    return chosen


def _lines(source: str) -> list[str]:
    """Lines as Python numbers them: only ``\n`` ends one (``str.splitlines`` also splits on form feeds)."""
    *full, last = source.split("\n")
    return [line + "\n" for line in full] + ([last] if last else [])


def _relative(path: str, roots: Iterable[str]) -> str:
    for root in roots:
        if path.startswith(root.rstrip("/") + "/"):
            return path[len(root.rstrip("/")) + 1:]
    return Path(path).name


def build_problem(function: ast.FunctionDef, module: Module, source: str, origin: Origin, path: str,
                  tests: list[FunctionTest]) -> tuple[Problem | None, str, str]:
    """(problem, "", "") or (None, reason, detail)."""
    decorators = [ast.unparse(d).split("(")[0] for d in function.decorator_list]
    if any(d not in HARMLESS_DECORATORS for d in decorators):
        return None, Reason.DECORATED, ", ".join(decorators)
    if function.body[0].lineno == function.lineno:
        return None, Reason.ONE_LINE, ""
    context = context_for(function, module)
    if not context.ok:
        return None, context.reason, context.detail
    lines = _lines(source)
    docstring = ast.get_docstring(function) or ""
    has_docstring = bool(docstring) and isinstance(function.body[0], ast.Expr)
    body = function.body[1:] if has_docstring else function.body
    if not body:
        return None, Reason.ONE_LINE, "only a docstring"
    head_end = function.body[0].end_lineno if has_docstring else function.body[0].lineno - 1
    signature = "".join(lines[function.lineno - 1 : head_end])
    needed = [s for s in context.statements if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
    helpers = [s for s in context.statements if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
    blocks = ["".join(lines[s.lineno - 1 : s.end_lineno]).rstrip() + "\n" for s in needed]
    blocks += ["\n" + "".join(lines[s.lineno - 1 : s.end_lineno]).rstrip() + "\n" for s in helpers]
    prompt = ("".join(blocks) + "\n\n" if blocks else "") + signature
    solution = "".join(lines[head_end : function.end_lineno])
    problem = Problem(
        kind="function",
        prompt=prompt,
        solution=solution if solution.endswith("\n") else solution + "\n",
        tests=tests,
        entry_point=function.name,
        docstring=docstring,
        provenance=Provenance(source=origin.source, package=origin.package, version=origin.version,
                              commit=origin.commit, path=path, line=function.lineno, url=origin.url,
                              license=origin.license, fetched_at=origin.fetched_at),
        meta={"has_docstring": bool(docstring), "context_statements": len(context.statements)},
    )
    return problem, "", ""


def synthesise(records_dir: str | Path, origin: Origin,
               settings: SynthesisSettings | None = None) -> tuple[list[Problem], list[Reject], Count]:
    """Problems from one project's records, a reject for every function left out, and the count."""
    settings = settings or SynthesisSettings()
    problems: list[Problem] = []
    rejects: list[Reject] = []
    modules: dict[str, tuple[Module, str] | None] = {}
    for (file, qualname, line), records in sorted(read_records(records_dir).items()):
        path = _relative(file, origin.roots)

        def reject(reason: str, detail: str = "", path: str = path, qualname: str = qualname) -> None:
            rejects.append(Reject(Stage.SYNTHESIS, reason, detail, origin.source, origin.package,
                                  f"{path}:{qualname}"))

        if "." in qualname or qualname.startswith("<"):
            reject(Reason.NOT_TOP_LEVEL)
            continue
        if records[0]["kind"] != "function":
            reject(Reason.NOT_PLAIN, records[0]["kind"])
            continue
        usable = [r for r in records if _serialisable(r)]
        if len(usable) < settings.min_calls:
            reject(Reason.FEW_CALLS, f"{len(usable)} of {len(records)}")
            continue
        if file not in modules:
            modules[file] = _load(file, origin.package)
        loaded = modules[file]
        function = loaded[0].function(qualname, line) if loaded else None
        if loaded is None or function is None:
            reject(Reason.NO_SOURCE, f"{path}:{line}")
            continue
        tests = choose_tests([to_test(r) for r in usable], settings.max_tests)
        outcomes = {json.dumps([t.expected, t.raises], sort_keys=True) for t in tests}
        if len(outcomes) < 2:
            # Tests that all expect the same value cannot tell a solution from `return <constant>`.
            reject(Reason.TRIVIAL_TESTS, next(iter(outcomes)))
            continue
        problem, reason, detail = build_problem(function, loaded[0], loaded[1], origin, path, tests)
        if problem is None:
            reject(reason, detail)
        else:
            problems.append(problem)
    count = Count(Stage.SYNTHESIS, len(problems), Counter(str(reject.reason) for reject in rejects))
    return problems, rejects, count


def _load(file: str, package: str) -> tuple[Module, str] | None:
    try:
        source = Path(file).read_text(encoding="utf-8")
        return Module(ast.parse(source), package.replace("-", "_").lower()), source
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
