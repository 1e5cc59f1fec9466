"""Codex-S and Codex-D records from hand-made and synthesis-made problems, and the atomic JSONL writer."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
from pathlib import Path

import pytest

from pipelines.filter.passk import pass_at
from pipelines.outputs.export import (
    codex_d_record,
    codex_s_record,
    split_docstring,
    write_jsonl_atomic,
    write_training_sets,
)
from pipelines.problem import Problem, Provenance, StageVerdict
from pipelines.problems.solve_wrapper import exec_body, function_prompt
from pipelines.problems.standalone import Module
from pipelines.problems.synthesis import Origin, build_problem
from sandbox.types import FunctionTest, StdioTest

MODULE = '''\
import math

SCALE = 2  # a comment the context keeps


def _square(x):
    return x * x


@functools.lru_cache(maxsize=None)
def area(r):  # the entry point
    """Area of a circle of radius ``r``, ünïcode kept.

        An indented example line.
    Scaled by ``SCALE``; a backslash: \\\\d.
    """  # a comment after the docstring
    # a comment in the body
    return math.pi * _square(r) * SCALE


def bare(a, b):
    return max(a, b) - min(a, b)
'''
ORIGIN = Origin("pypi", "circles", "1.0", "abc123", "https://example.org/circles", "MIT", "2026-01-01T00:00:00Z", ())


def filter_meta(samples: int, passes: int) -> dict:
    return {
        "model": "tiny-base", "samples": samples, "passes": passes, "pass_at": pass_at(samples, passes),
        "best_mean_logprob": -0.25 if passes else None,
        "statuses": {"passed": passes, "wrong_answer": samples - passes},
        "sampling": {"n": samples, "temperature": 0.8, "top_p": 0.95, "max_tokens": 256,
                     "stop": ["\nclass", "\ndef"], "logprobs": True},
    }


def synthesised(name: str) -> Problem:
    """A problem exactly as synthesis builds it from MODULE."""
    tree = ast.parse(MODULE)
    module = Module(tree, "circles", MODULE)
    line = next(min([s.lineno, *(d.lineno for d in s.decorator_list)]) for s in tree.body
                if isinstance(s, ast.FunctionDef) and s.name == name)
    function = module.function(name, line)
    assert function is not None
    tests = [FunctionTest(args=[1], expected={"float": "6.283185307179586"}, compare="close", rel_tol=1e-9),
             FunctionTest(args=[0], expected=0.0)]
    problem, reason, detail = build_problem(function, module, MODULE, ORIGIN, "circles/geometry.py", tests)
    assert problem is not None, (reason, detail)
    verdicts = [StageVerdict(stage, "keep") for stage in ("license", "determinism", "dedup", "decontamination")]
    return dataclasses.replace(problem, verdicts=[*verdicts, StageVerdict("filter", "keep", "", "3 of 100 pass")],
                               meta={**problem.meta, "filter": filter_meta(100, 3)})


def stdio_problem() -> Problem:
    return Problem(kind="stdio", prompt="# Sum\n\nPrint a + b.\n", solution="print(sum(map(int, input().split())))\n",
                   tests=[StdioTest("1 2\n", "3\n")], provenance=Provenance("codeforces", package="1900"),
                   meta={"form": "stdio", "filter": filter_meta(10, 4)})


def test_codex_s_is_the_problem_with_its_pass_stats() -> None:
    problem = synthesised("area")
    record = codex_s_record(problem)
    assert record["id"] == problem.id
    assert record["prompt"] == problem.prompt and "Area of a circle" in record["prompt"]
    assert record["completion"] == problem.solution
    assert record["tests"] == problem.to_dict()["tests"]
    assert record["entry_point"] == "area" and record["kind"] == "function"
    assert record["provenance"] == problem.to_dict()["provenance"]
    stats = record["pass_stats"]
    assert {k: stats[k] for k in ("model", "samples", "passes", "best_mean_logprob")} == {
        "model": "tiny-base", "samples": 100, "passes": 3, "best_mean_logprob": -0.25}
    assert stats["pass_at"] == pass_at(100, 3)
    assert stats["sampling"] == {"n": 100, "temperature": 0.8, "top_p": 0.95, "max_tokens": 256}
    compile(record["prompt"] + record["completion"], "<codex-s>", "exec")
    json.dumps(record, allow_nan=False)


def test_codex_s_of_a_stdio_problem_is_statement_to_program() -> None:
    problem = stdio_problem()
    record = codex_s_record(problem)
    assert record["prompt"] == problem.prompt and record["completion"] == problem.solution
    assert record["entry_point"] is None and record["kind"] == "stdio"
    assert record["tests"] == [{"stdin": "1 2\n", "stdout": "3\n", "compare": "tokens"}]
    assert record["pass_stats"]["pass_at"] == pass_at(10, 4)


def test_codex_s_without_filter_meta_has_no_pass_stats() -> None:
    assert codex_s_record(dataclasses.replace(stdio_problem(), meta={}))["pass_stats"] is None


def test_codex_d_is_code_without_docstring_to_docstring() -> None:
    problem = synthesised("area")
    record = codex_d_record(problem)
    assert record is not None
    docstring = ast.get_docstring(ast.parse(problem.prompt + problem.solution).body[-1])
    assert record["completion"] == docstring == inspect.cleandoc(problem.docstring)
    assert record["completion"].startswith("Area of a circle") and "\n    An indented example line." in docstring
    prompt = record["prompt"]
    assert "Area of a circle" not in prompt and "Scaled by" not in prompt and '"""\n' not in prompt
    # The context before the signature is kept; the body follows the signature directly.
    context = problem.prompt[: problem.prompt.index("def area(")]
    assert prompt.startswith(context) and "SCALE = 2  # a comment the context keeps\n" in context
    assert "def _square(x):\n    return x * x\n" in context
    assert "def area(r):  # the entry point\n    # a comment in the body\n    return math.pi" in prompt
    assert prompt.endswith('\n\n\narea.__doc__ = r"""')  # raw: the docstring holds a backslash
    assert record["stop"] == '"""'
    full = prompt + record["completion"] + record["stop"]
    ast.parse(full)
    namespace: dict = {}
    exec(compile(full + "\n", "<codex-d>", "exec"), namespace)
    assert namespace["area"].__doc__ == docstring
    assert namespace["area"](1) == pytest.approx(6.283185307179586)
    assert record["id"] == problem.id and record["entry_point"] == "area"
    assert record["pass_stats"]["passes"] == 3


def test_codex_d_none_without_a_docstring_or_for_stdio() -> None:
    bare = synthesised("bare")
    assert bare.docstring == ""
    assert codex_d_record(bare) is None
    assert codex_s_record(bare)["prompt"].startswith("def bare(a, b):\n")
    assert codex_d_record(stdio_problem()) is None


def test_codex_d_of_a_competitive_function_form() -> None:
    statement = 'Given $a \\le b$, print """x""".\n\nSecond paragraph.'
    problem = Problem(kind="function", prompt=function_prompt(statement), solution=exec_body("print(input())\n"),
                      tests=[], provenance=Provenance("codeforces"), entry_point="solve", docstring=statement)
    record = codex_d_record(problem)
    assert record is not None
    docstring = ast.get_docstring(ast.parse(problem.prompt + problem.solution).body[0])
    assert record["completion"] == docstring and docstring.startswith("Given $a \\le b$")
    assert "Second paragraph" not in record["prompt"]
    assert record["prompt"].startswith("def solve(stdin: str) -> str:\n    program = ")
    namespace: dict = {}
    exec(compile(record["prompt"] + record["completion"] + record["stop"], "<codex-d>", "exec"), namespace)
    assert namespace["solve"].__doc__ == docstring


def test_quotes_switch_when_the_docstring_holds_triple_double_quotes() -> None:
    source = "def f(x):\n    '''Say \"\"\"hi\"\"\" to x.'''\n    return x\n"
    problem = Problem(kind="function", prompt=source.split("    return")[0], solution="    return x\n", tests=[],
                      provenance=Provenance("git"), entry_point="f", docstring='Say """hi""" to x.')
    record = codex_d_record(problem)
    assert record is not None
    assert record["prompt"].endswith("f.__doc__ = '''") and record["stop"] == "'''"
    assert record["completion"] == 'Say """hi""" to x.'
    ast.parse(record["prompt"] + record["completion"] + record["stop"])


@pytest.mark.parametrize("source", [
    "def f(x):\n    return x\n",  # no docstring
    'def f(x): "doc"; return x\n',  # docstring shares its line with code
    'def f(x):\n    """doc"""; y = 1\n    return x\n',
    'def f(x):\n    """doc"""\n    """a second string would become the docstring"""\n    return x\n',
    'def g(x):\n    """doc"""\n    return x\n',  # no function named f
    "def f(x:\n",  # does not parse
])
def test_split_docstring_refuses_what_it_cannot_cut_cleanly(source: str) -> None:
    assert split_docstring(source, "f") is None


def test_split_docstring_counts_lines_as_ast_does() -> None:
    # U+2028 and form feed are line breaks to str.splitlines() but not to Python's tokenizer.
    source = 'def f(x):\n    """One \u2028 two \x0c three."""\n    return x\n'
    assert split_docstring(source, "f") == ("def f(x):\n    return x\n", "One \u2028 two \x0c three.")


def test_split_docstring_takes_the_last_definition_of_the_entry_point() -> None:
    source = 'def f():\n    """old"""\n    return 1\n\n\ndef f():\n    """new"""\n    return 2\n'
    code = 'def f():\n    """old"""\n    return 1\n\n\ndef f():\n    return 2\n'
    assert split_docstring(source, "f") == (code, "new")


def test_write_jsonl_atomic_sorts_by_id_and_repeats_bytes(tmp_path: Path) -> None:
    problems = [synthesised("area"), synthesised("bare"), stdio_problem()]
    records = [codex_s_record(p) for p in problems]
    path = tmp_path / "codex_s.jsonl"
    assert write_jsonl_atomic(path, records) == 3
    first = path.read_bytes()
    assert write_jsonl_atomic(path, list(reversed(records))) == 3
    assert path.read_bytes() == first
    lines = first.decode("utf-8").split("\n")[:-1]  # not splitlines(): U+2028 may sit inside a string
    assert [json.loads(line)["id"] for line in lines] == sorted(p.id for p in problems)
    assert "ünïcode" in first.decode("utf-8")  # ensure_ascii=False
    assert all(line == json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
               for line in lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codex_s.jsonl"]  # no temporary left behind


def test_write_training_sets(tmp_path: Path) -> None:
    counts = write_training_sets([synthesised("area"), synthesised("bare"), stdio_problem()], tmp_path)
    assert counts == {"codex_s": 3, "codex_d": 1}
    assert len((tmp_path / "codex_d.jsonl").read_text().splitlines()) == 1
