"""The whole job on Beam: FnApiRunner and DaskRunner agree, a killed run resumes to the same outputs.

Real parts: Beam's runners (FnApiRunner in two worker processes; a dask scheduler and two workers
on 127.0.0.1), the bwrap sandbox, every stage, the HTTP client against a server on 127.0.0.1. The
model behind that server is scripted (see ``tests/job_fixtures.py`` for why).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.filter.models.base import SamplingParams
from pipelines.job.runner import run_job
from pipelines.job.settings import JobSettings
from pipelines.outputs.report import check_funnel
from pipelines.outputs.writer import OUTPUT_FILES
from tests.job_fixtures import DUPLICATE, SOLVABLE, UNSOLVED, UNSTABLE, scripted_complete, write_problems
from tests.model_fixtures import CompletionServer

ROOT = Path(__file__).resolve().parent.parent
PARAMS = SamplingParams(n=6, max_tokens=64)


@pytest.fixture()
def server() -> Iterator[CompletionServer]:
    with CompletionServer(scripted_complete) as live:
        yield live


def _settings(out: Path, server: CompletionServer) -> JobSettings:
    return JobSettings(out=out, work=out / "harvest-work", model=server.url, model_backend="http", params=PARAMS)


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUT_FILES}


def _sources(problems_file: Path) -> list[dict]:
    return [{"type": "problems_file", "name": str(problems_file)}]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def dask_cluster() -> Iterator[str]:
    """A dask scheduler and two single-threaded workers, as separate processes on 127.0.0.1."""
    from dask.distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    bindir = Path(sys.executable).parent
    procs = [subprocess.Popen([str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], cwd=ROOT, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([str(bindir / "dask"), "worker", address, "--nthreads", "1",
                                           "--no-dashboard", "--host", "127.0.0.1"], cwd=ROOT,
                                          stderr=subprocess.DEVNULL))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def test_job_keeps_solvable_problems_and_explains_every_drop(tmp_path: Path, server: CompletionServer) -> None:
    out = tmp_path / "fnapi"
    report = run_job(_sources(write_problems(tmp_path / "problems.jsonl")), _settings(out, server), workers=2,
                     progress_s=1.0)
    codex_s = [json.loads(line) for line in (out / "codex_s.jsonl").read_text().splitlines()]
    kept_names = sorted(record["entry_point"] for record in codex_s)
    # add_one or its renamed twin survives dedup, not both.
    assert len(set(kept_names) & {"add_one", "increment"}) == 1
    assert {"shout", "tag"} <= set(kept_names) and len(kept_names) == 3
    for record in codex_s:
        assert record["pass_stats"]["samples"] == PARAMS.n and record["pass_stats"]["passes"] == 2
    codex_d = [json.loads(line) for line in (out / "codex_d.jsonl").read_text().splitlines()]
    assert len(codex_d) == 3 and all(record["completion"] for record in codex_d)
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert all(r["unit"] == "problems" and r["subject"] == r["problem"]["id"] for r in rejects)
    why = {r["problem"]["entry_point"]: (r["stage"], r["reason"]) for r in rejects}
    assert why[UNSOLVED.entry_point] == ("filter", "no_sample_passes")
    assert why[UNSTABLE.entry_point][0] == "determinism"
    assert why.get(DUPLICATE.entry_point, why.get("add_one"))[0] == "dedup"
    assert sum(stage["kept"] for stage in report["funnel"] if stage["stage"] == "filter") == 3
    assert check_funnel(report) == []
    assert [(row["stage"], row["in"], row["kept"]) for row in report["funnel"]] == [
        ("read", 6, 6), ("license", 6, 6), ("determinism", 6, 5), ("dedup", 5, 4), ("decontamination", 4, 4),
        ("filter", 4, 3)]
    timing = json.loads((out / "timing.json").read_text())
    assert timing["samples_executed"] == 4 * PARAMS.n  # 3 solvable + the unsolved one reached the filter
    # One request per problem that reached the filter: n choices came back at once.
    assert len(server.requests) == 4 and all(r["n"] == PARAMS.n for r in server.requests)
    assert len(SOLVABLE) == 3


def test_fnapi_and_dask_runners_write_identical_outputs(tmp_path: Path, server: CompletionServer,
                                                        dask_cluster: str) -> None:
    sources = _sources(write_problems(tmp_path / "problems.jsonl"))
    run_job(sources, _settings(tmp_path / "fnapi", server), workers=2, progress_s=60)
    run_job(sources, _settings(tmp_path / "dask", server), runner="DaskRunner", dask_address=dask_cluster,
            progress_s=60)
    fnapi, dask = _outputs(tmp_path / "fnapi"), _outputs(tmp_path / "dask")
    assert fnapi == dask
    assert fnapi["codex_s.jsonl"].count(b"\n") == 3


def _command(problems: Path, out: Path, url: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.build_sft", "--source", "ci", "--problems", str(problems),
            "--out", str(out), "--model", url, "--model-backend", "http", "--model-name", "scripted",
            "-n", str(PARAMS.n), "--max-tokens", str(PARAMS.max_tokens), "--workers", "1", "--progress-interval", "1",
            "--work", str(out / "harvest-work")]


def test_killed_run_resumes_to_the_same_outputs(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "problems.jsonl")
    with CompletionServer(scripted_complete) as fast:
        whole = tmp_path / "whole"
        subprocess.run(_command(problems, whole, fast.url), cwd=ROOT, check=True, capture_output=True, timeout=600)
    resumed = tmp_path / "resumed"
    with CompletionServer(scripted_complete, delay_s=2.0) as slow:
        proc = subprocess.Popen(_command(problems, resumed, slow.url), cwd=ROOT, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 300
        while not list((resumed / "work" / "filter").glob("*.json")):
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        finished_before = len(list((resumed / "work" / "filter").glob("*.json")))
        assert 1 <= finished_before < 4 and not (resumed / "codex_s.jsonl").exists()
        asked_before = len(slow.requests)
        done = subprocess.run(_command(problems, resumed, slow.url), cwd=ROOT, capture_output=True, timeout=600)
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        # The restarted run asked only for the problems the first one had not finished.
        assert len(slow.requests) - asked_before == 4 - finished_before
        assert b"[progress]" in done.stderr and b"filter" in done.stderr
    assert _outputs(resumed) == _outputs(whole)


def test_bad_inputs_are_named_before_anything_runs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from pipelines import build_sft

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "function"}\n')
    argv = ["--source", "ci", "--problems", str(bad), "--problems", str(tmp_path / "missing.jsonl"),
            "--model", str(tmp_path / "no-model"), "--out", str(tmp_path / "out"), "--work", str(tmp_path / "w")]
    assert build_sft.run(argv) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1: field 'entry_point'" in err and "missing.jsonl: cannot read it" in err
    assert "no-model: no such file or directory" in err and not (tmp_path / "out").exists()
