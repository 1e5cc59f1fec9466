"""``--stage harvest|problems|all`` cut one graph: the same writer, a stored harvest reused by later
stages and recomputed only when a setting it reads changes, and byte-identical files from the
FnApiRunner and the DaskRunner at every stage.

Real parts: a project in a local bare git repository (no git host is reachable) harvested in the
bwrap sandbox with its tox config, Beam's runners, the scripted completion server of the job tests.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipelines import build_sft
from pipelines.outputs.report import check_funnel
from pipelines.outputs.writer import OUTPUT_FILES
from tests.job_fixtures import scripted_complete
from tests.model_fixtures import CompletionServer
from tests.test_beam_job import dask_cluster  # noqa: F401 - a fixture
from tests.test_harvest import bare_repo  # noqa: F401 - a fixture


def argv(repo: Path, out: Path, work: Path, stage: str, *extra: str) -> list[str]:
    return ["--source", "ci", "--repos", f"file://{repo}@main", "--packages", "no-such-package-sftmine-xyz",
            "--stage", stage, "--out", str(out), "--work", str(work), "--workers", "1", "--min-calls", "1",
            "--progress-interval", "600", *extra]


def stored(out: Path, step: str) -> dict[str, float]:
    return {path.name: path.stat().st_mtime_ns for path in (out / "work" / step).glob("*.json")}


def files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUT_FILES}


def test_stages_share_one_writer_and_reuse_the_stored_harvest(bare_repo: Path, sandbox_tmp: Path,  # noqa: F811
                                                              capsys: pytest.CaptureFixture) -> None:
    out, work = sandbox_tmp / "out", sandbox_tmp / "work"
    assert build_sft.run(argv(bare_repo, out, work, "harvest")) == 0
    assert "[harvest] git+file://" in capsys.readouterr().err
    report = json.loads((out / "report.json").read_text())
    assert report["stage"] == "harvest" and check_funnel(report) == []
    assert [(r["stage"], r["in"], r["kept"]) for r in report["funnel"]] == [("harvest", 2, 1)]
    harvest = [json.loads(line) for line in (out / "harvest.jsonl").read_text().splitlines()]
    assert [(row["ok"], row["reason"]) for row in harvest] == [(True, ""), (False, "fetch_failed")]
    (reject,) = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert (reject["stage"], reject["reason"], reject["unit"]) == ("harvest", "fetch_failed", "projects")
    assert all((out / name).exists() for name in OUTPUT_FILES)
    assert (out / "problems.jsonl").read_text() == "" and (out / "codex_s.jsonl").read_text() == ""
    harvests = stored(out, "harvest")
    assert len(harvests) == 2  # the failure is stored too

    assert build_sft.run(argv(bare_repo, out, work, "problems")) == 0
    assert "[harvest]" not in capsys.readouterr().err, "a stored harvest must not run again"
    assert stored(out, "harvest") == harvests
    report = json.loads((out / "report.json").read_text())
    assert check_funnel(report) == []
    stages = {row["stage"]: row for row in report["funnel"]}
    assert list(stages) == ["harvest", "synthesis", "chains", "license", "determinism", "dedup", "decontamination"]
    assert stages["chains"]["in"] == 0 and report["multi_turn"]["chains_found"] == 0  # no linked test there
    problems = [json.loads(line) for line in (out / "problems.jsonl").read_text().splitlines()]
    assert [p["entry_point"] for p in problems] == ["parse_pair"]
    rejects = {r["subject"]: r for r in map(json.loads, (out / "rejects.jsonl").read_text().splitlines())}
    gcd = next(r for r in rejects.values() if r["problem"] and r["problem"]["entry_point"] == "gcd")
    assert (gcd["stage"], gcd["reason"]) == ("decontamination", "behaviour_match")  # it is HumanEval/13
    assert len((out / "codex_s.jsonl").read_text().splitlines()) == 1

    assert build_sft.run(argv(bare_repo, out, work, "problems", "--retry-failed")) == 0
    err = capsys.readouterr().err
    assert "no-such-package-sftmine-xyz: FAILED fetch_failed" in err and "git+file://" not in err
    assert build_sft.run(argv(bare_repo, out, work, "harvest", "--max-pairs", "7")) == 0
    assert "[harvest] git+file://" in capsys.readouterr().err, "a changed setting makes a new harvest"
    assert len(stored(out, "harvest")) == 4

    with CompletionServer(scripted_complete) as server:
        assert build_sft.run(argv(bare_repo, out, work, "all", "--model", server.url, "--model-backend", "http",
                                  "-n", "4")) == 0
    assert "[harvest]" not in capsys.readouterr().err
    report = json.loads((out / "report.json").read_text())
    assert report["stage"] == "all" and report["funnel"][-1]["stage"] == "filter"
    assert report["funnel"][-1]["in"] == 1 and check_funnel(report) == []


def test_every_stage_writes_the_same_files_on_fnapi_and_dask(bare_repo: Path, sandbox_tmp: Path,  # noqa: F811
                                                             dask_cluster: str) -> None:  # noqa: F811
    work = sandbox_tmp / "work"
    with CompletionServer(scripted_complete) as server:
        model = ["--model", server.url, "--model-backend", "http", "-n", "4"]
        for stage in ("harvest", "problems", "all"):
            fnapi, dask = sandbox_tmp / f"fnapi-{stage}", sandbox_tmp / f"dask-{stage}"
            assert build_sft.run(argv(bare_repo, fnapi, work, stage, *model)) == 0
            # The harvest (minutes of test suite on a real project) is shared; every later step runs again.
            shutil.copytree(fnapi / "work" / "harvest", dask / "work" / "harvest")
            on_dask = ["--runner", "DaskRunner", "--dask-address", dask_cluster]
            assert build_sft.run(argv(bare_repo, dask, work, stage, *model, *on_dask)) == 0
            assert files(fnapi) == files(dask), stage
