"""Each composite of the job's graph on its own: ``TestPipeline`` + ``Create`` in, ``assert_that`` out.

Real parts: Beam's FnApiRunner in process, the bwrap sandbox, the bundled benchmarks, the HTTP client
against a completion server on 127.0.0.1 (its scripted model is a test double; see job_fixtures).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from apache_beam import Create
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import BeamAssertException, assert_that

from pipelines.filter.models.base import SamplingParams
from pipelines.funnel import Count, total
from pipelines.job.graph import Filter, Gates, Problems, Sources, Write
from pipelines.job.settings import JobSettings
from pipelines.job.steps import COUNT, PROBLEM, PROJECT, REJECT
from pipelines.problem import Reject
from sandbox import wire
from tests.job_fixtures import PROBLEMS, SOLVABLE, UNSOLVED, scripted_complete, write_problems
from tests.model_fixtures import CompletionServer


def pipeline() -> TestPipeline:
    return TestPipeline(runner=FnApiRunner())


def settings(tmp_path: Path, **changes: object) -> JobSettings:
    return JobSettings(out=tmp_path / "out", work=tmp_path / "work", **changes)


def counted(elements: list) -> dict[str, tuple[int, int]]:
    """(in, kept) per stage, from the count elements."""
    return {c.stage: (c.into, c.kept) for c in total([Count.from_dict(p) for kind, p in elements if kind == COUNT])}


def expect(check) -> callable:
    def matcher(actual: list) -> None:
        try:
            check(list(actual))
        except AssertionError as exc:
            raise BeamAssertException(str(exc)) from exc
    return matcher


def test_sources_reads_a_problems_file_and_counts_it(tmp_path: Path) -> None:
    source = {"type": "problems_file", "name": str(write_problems(tmp_path / "p.jsonl"))}

    def check(actual: list) -> None:
        assert counted(actual) == {"read": (len(PROBLEMS), len(PROBLEMS))}
        assert sorted(p["entry_point"] for kind, p in actual if kind == PROBLEM) == sorted(
            p.entry_point for p in PROBLEMS)

    with pipeline() as p:
        assert_that(p | Sources([source], settings(tmp_path)), expect(check))


MODULE = '''def clamp(value, low, high):
    """Value limited to [low, high]."""
    return max(low, min(value, high))
'''


def _record(args: list, result: object) -> dict:
    return {"file": "", "qualname": "clamp", "line": 1, "kind": "function",
            "args": [[name, "pos", {"v": wire.encode(value)}] for name, value in zip(("value", "low", "high"), args,
                                                                                      strict=True)],
            "result": {"v": wire.encode(result)}}


def test_problems_turns_a_project_into_problems(tmp_path: Path) -> None:
    # The call records are written here by hand (the tracer writes them for real in test_synthesis).
    source_dir, records = tmp_path / "src", tmp_path / "records"
    source_dir.mkdir()
    records.mkdir()
    (source_dir / "clampy.py").write_text(MODULE)
    lines = [{**_record(args, result), "file": str(source_dir / "clampy.py")}
             for args, result in (([5, 0, 3], 3), ([-2, 0, 3], 0), ([1, 0, 3], 1))]
    (records / "1.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    project = {"spec": "clampy", "source": "pypi", "name": "clampy", "version": "1.0", "commit": "", "url": "",
               "license": "MIT", "fetched_at": "", "roots": [str(source_dir)], "records_dir": str(records),
               "key": "k1"}
    passed = (REJECT, Reject("harvest", "fetch_failed", subject="other").to_dict())

    def check(actual: list) -> None:
        problems = [p for kind, p in actual if kind == PROBLEM]
        assert [p["entry_point"] for p in problems] == ["clamp"] and len(problems[0]["tests"]) == 3
        assert counted(actual) == {"synthesis": (1, 1), "chains": (0, 0)} and passed in actual

    with pipeline() as p:
        elements = p | Create([(PROJECT, project), passed])
        assert_that(elements | Problems(settings(tmp_path)), expect(check))


def test_gates_keep_one_copy_drop_the_unstable_and_count_everything(tmp_path: Path) -> None:
    def check(actual: list) -> None:
        stages = counted(actual)
        assert stages == {"license": (6, 6), "determinism": (6, 5), "dedup": (5, 4), "decontamination": (4, 4)}
        reasons = Counter((r["stage"], r["reason"]) for kind, r in actual if kind == REJECT)
        assert reasons == {("determinism", "nondeterministic"): 1, ("dedup", "exact_duplicate"): 1}

    with pipeline() as p:
        elements = p | Create([(PROBLEM, problem.to_dict()) for problem in PROBLEMS])
        assert_that(elements | Gates(settings(tmp_path), 4), expect(check))


@pytest.fixture()
def server():
    with CompletionServer(scripted_complete) as live:
        yield live


def test_filter_keeps_what_a_sample_solves(tmp_path: Path, server: CompletionServer) -> None:
    job = settings(tmp_path, model=server.url, model_backend="http", params=SamplingParams(n=6, max_tokens=64))

    def check(actual: list) -> None:
        kept = sorted(p["entry_point"] for kind, p in actual if kind == PROBLEM)
        assert kept == sorted(p.entry_point for p in SOLVABLE)
        assert [(r["stage"], r["reason"]) for kind, r in actual if kind == REJECT] == [("filter", "no_sample_passes")]
        assert counted(actual) == {"filter": (4, 3)}

    with pipeline() as p:
        elements = p | Create([(PROBLEM, problem.to_dict()) for problem in [*SOLVABLE, UNSOLVED]])
        assert_that(elements | Filter(job), expect(check))


def test_write_puts_every_file_in_place(tmp_path: Path) -> None:
    job = settings(tmp_path, stage="problems")
    counts = [Count("read", kept=2).to_dict(), Count("license", kept=2).to_dict()]
    elements = [(COUNT, c) for c in counts] + [(PROBLEM, p.to_dict()) for p in SOLVABLE[:2]]

    def check(actual: list) -> None:
        assert "codex_s.jsonl" in actual and "report.json" in actual

    with pipeline() as p:
        assert_that(p | Create(elements) | Write(job), expect(check))
    report = json.loads((job.out / "report.json").read_text())
    assert report["stage"] == "problems" and report["totals"]["kept"] == 2
    assert len((job.out / "codex_s.jsonl").read_text().splitlines()) == 2


def test_the_store_keeps_values_utf8_cannot_hold(tmp_path: Path) -> None:
    from pipelines.job.store import Store

    store = Store(tmp_path)
    value = {"detail": "recorded 'ab\udcff' (a lone surrogate from a test suite)", "n": 1}
    store.put("step", "k", value)
    assert store.get("step", "k") == value and store.get("step", "other") is None
