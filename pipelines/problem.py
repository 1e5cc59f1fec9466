"""The ``Problem`` record that every stage passes on, and its JSONL form.

A problem is a prompt, a reference solution and tests as data. Its id is a content hash of what
defines it (kind, prompt, solution, entry point, tests, and the checker where it has one), so reruns
produce the same ids and dedup is a key lookup; provenance and stage verdicts ride along without
changing the id. Fields added after the first records were written (a test's tolerance and case
flag, the problem's checker) are left out of the JSON form and the hash while they hold their
default, so older records read, hash and write back unchanged.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from pipelines.funnel import unit_of
from sandbox import wire
from sandbox.checkers import ENTRY_POINT as CHECKER_ENTRY_POINT
from sandbox.types import FunctionTest, StdioTest, test_dict

SCHEMA_VERSION = 1
KINDS = ("function", "stdio")
FUNCTION_COMPARES = ("exact", "eq", "close", "truthy", "falsy", "tokens", "checker")
STDIO_COMPARES = ("tokens", "lines", "exact", "checker")
VERDICTS = ("keep", "reject")


class ProblemFormatError(ValueError):
    """A record that is not a valid problem; the message names the line and the field."""


@dataclass(frozen=True)
class Provenance:
    """Where a problem came from, precisely enough to fetch it again and check its license."""

    source: str
    package: str = ""
    version: str = ""
    commit: str = ""
    path: str = ""
    line: int = 0
    url: str = ""
    license: str = ""
    fetched_at: str = ""


@dataclass(frozen=True)
class StageVerdict:
    """One stage's decision about a problem, with the reason from that stage's closed set."""

    stage: str
    verdict: str  # "keep" or "reject"
    reason: str = ""
    detail: str = ""


@dataclass
class Problem:
    """A standalone programming problem: ``function`` (call an entry point) or ``stdio`` (a program)."""

    kind: str
    prompt: str
    solution: str
    tests: list[FunctionTest | StdioTest]
    provenance: Provenance
    entry_point: str | None = None
    docstring: str = ""
    verdicts: list[StageVerdict] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION
    checker: str = ""  # source of check(input, expected, got) -> bool for tests that compare by "checker"

    @property
    def id(self) -> str:
        """Content hash of what defines the problem."""
        core = {
            "kind": self.kind,
            "prompt": self.prompt,
            "solution": self.solution,
            "entry_point": self.entry_point,
            "tests": [test_dict(test) for test in self.tests],
        }
        if self.checker:
            core["checker"] = self.checker
        digest = hashlib.sha256(json.dumps(core, sort_keys=True, separators=(",", ":")).encode())
        return digest.hexdigest()[:24]

    def with_verdict(self, stage: str, verdict: str, reason: str = "", detail: str = "") -> Problem:
        """A copy with one more stage verdict appended."""
        return dataclasses.replace(self, verdicts=[*self.verdicts, StageVerdict(stage, verdict, reason, detail)])

    @property
    def rejected(self) -> bool:
        """Whether any stage rejected it."""
        return any(v.verdict == "reject" for v in self.verdicts)

    def to_dict(self) -> dict:
        """The JSON form, id included (an empty checker left out)."""
        data = dataclasses.asdict(self)
        data["tests"] = [test_dict(test) for test in self.tests]
        if not self.checker:
            del data["checker"]
        return {"id": self.id, **data}

    @classmethod
    def from_dict(cls, data: object) -> Problem:
        """Validate and build; raises ProblemFormatError naming the offending field."""
        return _parse_problem(data)


def _fail(path: str, message: str) -> ProblemFormatError:
    return ProblemFormatError(f"field '{path}': {message}")


def _take(data: dict, key: str, kinds: type | tuple[type, ...], path: str, default: Any = ...) -> Any:
    if key not in data:
        if default is ...:
            raise _fail(f"{path}{key}", "missing")
        return default
    value = data[key]
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _as_tuple(kinds)):
        names = " or ".join(k.__name__ for k in _as_tuple(kinds))
        raise _fail(f"{path}{key}", f"expected {names}, got {type(value).__name__}")
    return value


def _as_tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _refuse_unknown(data: dict, known: type | tuple[str, ...], path: str) -> None:
    """A typo in a field name must not silently drop what it meant to say."""
    names = known if isinstance(known, tuple) else tuple(f.name for f in dataclasses.fields(known))
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise _fail(f"{path}{unknown[0]}", f"unknown field (known: {', '.join(names)})")


def _parse_test(kind: str, data: object, path: str) -> FunctionTest | StdioTest:
    if not isinstance(data, dict):
        raise _fail(path, f"expected an object, got {type(data).__name__}")
    path += "."
    _refuse_unknown(data, StdioTest if kind == "stdio" else FunctionTest, path)
    if kind == "stdio":
        compare = _take(data, "compare", str, path, "tokens")
        if compare not in STDIO_COMPARES:
            raise _fail(f"{path}compare", f"{compare!r} is not one of {', '.join(STDIO_COMPARES)}")
        return StdioTest(_take(data, "stdin", str, path), _take(data, "stdout", str, path), compare,
                         _tolerance(data, "rel_tol", path), _tolerance(data, "abs_tol", path),
                         _take(data, "ignore_case", bool, path, False))
    compare = _take(data, "compare", str, path, "exact")
    if compare not in FUNCTION_COMPARES:
        raise _fail(f"{path}compare", f"{compare!r} is not one of {', '.join(FUNCTION_COMPARES)}")
    raises = _take(data, "raises", (str, type(None)), path, None)
    if raises is None and "expected" not in data:
        raise _fail(f"{path}expected", "missing (a test needs 'expected' or 'raises')")
    _check_encoded(data.get("expected"), f"{path}expected")
    args = _take(data, "args", list, path)
    for index, arg in enumerate(args):
        _check_encoded(arg, f"{path}args[{index}]")
    kwargs = _take(data, "kwargs", dict, path, {})
    for name, value in kwargs.items():
        _check_encoded(value, f"{path}kwargs.{name}")
    return FunctionTest(
        args=args,
        kwargs=kwargs,
        expected=data.get("expected"),
        raises=raises,
        compare=compare,
        rel_tol=_tolerance(data, "rel_tol", path),
        abs_tol=_tolerance(data, "abs_tol", path),
        ignore_case=_take(data, "ignore_case", bool, path, False),
        instance=_parse_instance(data.get("instance"), f"{path}instance"),
        state_after=_state(data.get("state_after"), f"{path}state_after"),
        args_after=_args_after(data.get("args_after"), len(args), f"{path}args_after"),
    )


def _tolerance(data: dict, key: str, path: str) -> float:
    value = float(_take(data, key, (int, float), path, 0.0))
    if not math.isfinite(value) or value < 0:
        raise _fail(f"{path}{key}", f"{value!r} is not a finite tolerance >= 0")
    return value


def _check_checker(checker: str, tests: list[FunctionTest | StdioTest]) -> None:
    """A checker must define ``check``; ``checker`` tests need one."""
    if not checker:
        for index, test in enumerate(tests):
            if test.compare == "checker":
                raise _fail(f"tests[{index}].compare", "'checker' needs the problem's 'checker' (its source)")
        return
    try:
        tree = ast.parse(checker)
    except SyntaxError as exc:
        raise _fail("checker", f"not Python: {exc.msg} (line {exc.lineno})") from None
    if not any(isinstance(node, ast.FunctionDef) and node.name == CHECKER_ENTRY_POINT for node in tree.body):
        raise _fail("checker", f"defines no {CHECKER_ENTRY_POINT}(input, expected, got)")


def _args_after(value: object, count: int, path: str) -> list | None:
    """The positional arguments after the call (one per argument, in ``wire`` form), or None."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != count:
        raise _fail(path, f"expected a list of the {count} positional arguments after the call")
    for index, arg in enumerate(value):
        _check_encoded(arg, f"{path}[{index}]")
    return value


def _state(value: object, path: str) -> object:
    """An object's attributes in ``wire`` form (``{"dict": [[name, value], ...]}``), or None."""
    if value is None:
        return None
    _check_encoded(value, path)
    if not (isinstance(value, dict) and isinstance(value.get("dict"), list)
            and all(isinstance(pair[0], str) for pair in value["dict"])):
        raise _fail(path, "expected the attributes as {\"dict\": [[name, value], ...]}")
    return value


def _parse_instance(value: object, path: str) -> dict | None:
    """How a method's test builds its object: ``{"init": {"args", "kwargs"}}`` or ``{"state": ...}``."""
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("init", "state"):
        raise _fail(path, "expected {\"init\": {\"args\": [...], \"kwargs\": {...}}} or {\"state\": {...}}")
    if "state" in value:
        _state(value["state"], f"{path}.state")
        return value
    init = value["init"]
    if not isinstance(init, dict):
        raise _fail(f"{path}.init", "expected an object")
    _refuse_unknown(init, ("args", "kwargs"), f"{path}.init.")
    for index, arg in enumerate(_take(init, "args", list, f"{path}.init.")):
        _check_encoded(arg, f"{path}.init.args[{index}]")
    for name, arg in _take(init, "kwargs", dict, f"{path}.init.", {}).items():
        _check_encoded(arg, f"{path}.init.kwargs.{name}")
    return value


def _check_encoded(value: object, path: str) -> None:
    try:
        wire.decode(value)
    except (ValueError, RecursionError) as exc:
        raise _fail(path, f"not a value in sandbox.wire form: {exc}") from None


def _parse_problem(data: object) -> Problem:
    if not isinstance(data, dict):
        raise ProblemFormatError(f"a problem must be a JSON object, got {type(data).__name__}")
    _refuse_unknown(data, ("id", *(f.name for f in dataclasses.fields(Problem))), "")
    version = _take(data, "schema_version", int, "", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise _fail("schema_version", f"{version} is not supported (this sftmine reads {SCHEMA_VERSION})")
    kind = _take(data, "kind", str, "")
    if kind not in KINDS:
        raise _fail("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    entry_point = _take(data, "entry_point", (str, type(None)), "", None)
    if kind == "function" and not entry_point:
        raise _fail("entry_point", "a function problem needs its entry point")
    if kind == "stdio" and entry_point is not None:
        raise _fail("entry_point", "a stdio problem has no entry point (use null)")
    tests = [_parse_test(kind, test, f"tests[{i}]") for i, test in enumerate(_take(data, "tests", list, ""))]
    checker = _take(data, "checker", str, "", "")
    _check_checker(checker, tests)
    prov = _take(data, "provenance", dict, "")
    _refuse_unknown(prov, Provenance, "provenance.")
    provenance = Provenance(**{
        f.name: _take(prov, f.name, int if f.name == "line" else str, "provenance.",
                      ... if f.name == "source" else f.default)
        for f in dataclasses.fields(Provenance)
    })
    verdicts = []
    for i, item in enumerate(_take(data, "verdicts", list, "", [])):
        path = f"verdicts[{i}]."
        if not isinstance(item, dict):
            raise _fail(path[:-1], "expected an object")
        _refuse_unknown(item, StageVerdict, path)
        verdict = _take(item, "verdict", str, path)
        if verdict not in VERDICTS:
            raise _fail(f"{path}verdict", f"{verdict!r} is not one of {', '.join(VERDICTS)}")
        verdicts.append(StageVerdict(
            _take(item, "stage", str, path), verdict, _take(item, "reason", str, path, ""),
            _take(item, "detail", str, path, ""),
        ))
    problem = Problem(
        kind=kind,
        prompt=_take(data, "prompt", str, ""),
        solution=_take(data, "solution", str, ""),
        tests=tests,
        provenance=provenance,
        entry_point=entry_point,
        docstring=_take(data, "docstring", str, "", ""),
        verdicts=verdicts,
        meta=_take(data, "meta", dict, "", {}),
        checker=checker,
    )
    if "id" in data and data["id"] != problem.id:
        raise _fail("id", f"{data['id']!r} does not match the content hash {problem.id!r} (edited record?)")
    return problem


class Reject(NamedTuple):
    """The one shape of everything dropped: a project, a function, a task or a problem, with stage and reason.

    ``subject`` says what was dropped (a project spec, ``path:function``, a task's ``site:key``, a
    problem id); ``problem`` is the problem record itself, when what was dropped was one.
    """

    stage: str
    reason: str
    detail: str = ""
    source: str = ""
    package: str = ""
    subject: str = ""
    problem: dict | None = None

    @property
    def unit(self) -> str:
        """What was dropped: projects, functions, tasks or problems."""
        return unit_of(self.stage)

    @classmethod
    def of(cls, problem: Problem) -> Reject:
        """A rejected problem, by its last verdict (the reject)."""
        last = problem.verdicts[-1]
        return cls(last.stage, last.reason, last.detail, problem.provenance.source, problem.provenance.package,
                   problem.id, problem.to_dict())

    def to_dict(self) -> dict:
        """The JSON form of a ``rejects.jsonl`` line."""
        return {**self._asdict(), "unit": self.unit}

    @classmethod
    def from_dict(cls, data: dict) -> Reject:
        """Back from the JSON form."""
        return cls(**{name: data[name] for name in cls._fields if name in data})


def dumps(problem: Problem) -> str:
    """One JSONL line (no newline)."""
    return json.dumps(problem.to_dict(), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def write_jsonl(problems: Iterable[Problem], out: IO[str]) -> int:
    """Write problems one per line; returns how many."""
    count = 0
    for problem in problems:
        out.write(dumps(problem) + "\n")
        count += 1
    return count


def read_jsonl(path: str | Path) -> Iterator[Problem]:
    """Read problems, raising ProblemFormatError with ``path:line`` and the field on a bad record."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ProblemFormatError(f"{path}:{number}: not JSON ({exc.msg} at column {exc.colno})") from None
            try:
                yield Problem.from_dict(data)
            except ProblemFormatError as exc:
                raise ProblemFormatError(f"{path}:{number}: {exc}") from None
