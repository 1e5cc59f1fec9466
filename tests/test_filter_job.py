"""The filter's flags and the job's filter step over a shard: problems in flight against a real HTTP server
on 127.0.0.1 (scripted answers, see ``tests/job_fixtures.py``), stored one by one, resumed without asking."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pipelines import build_sft
from pipelines.filter.models.base import SamplingParams
from pipelines.job import steps
from pipelines.job.settings import JobSettings
from tests.job_fixtures import SOLVABLE, UNSOLVED, scripted_complete
from tests.model_fixtures import CompletionServer


def _settings(argv: list[str]) -> JobSettings:
    return build_sft.settings_from(build_sft.build_parser().parse_args(argv))


def test_filter_flags_reach_the_settings(tmp_path: Path) -> None:
    base = ["--out", str(tmp_path / "out")]
    default = _settings(base)
    assert (default.filter_mode, default.rounds, default.concurrency, default.batch_size, default.device) == (
        "early", (10, 30, 60), 16, None, "auto")
    chosen = _settings([*base, "--filter-mode", "full", "--rounds", "5,20", "--concurrency", "64",
                        "--batch-size", "8", "--device", "cpu"])
    assert (chosen.filter_mode, chosen.rounds, chosen.concurrency, chosen.batch_size, chosen.device) == (
        "full", (5, 20), 64, 8, "cpu")


@pytest.mark.parametrize("rounds", ["0,10", "ten", ""])
def test_bad_rounds_are_refused_with_the_flag_named(rounds: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        build_sft.build_parser().parse_args(["--rounds", rounds])
    assert "--rounds" in capsys.readouterr().err


def test_the_filter_key_follows_what_changes_samples_not_concurrency(tmp_path: Path) -> None:
    settings = JobSettings(out=tmp_path, work=tmp_path)
    data = SOLVABLE[0].to_dict()
    key = steps.filter_key(data, settings)
    assert steps.filter_key(data, settings.replace(concurrency=1)) == key
    for change in ({"filter_mode": "full"}, {"rounds": (5, 95)}, {"batch_size": 4}, {"device": "cpu"}):
        assert steps.filter_key(data, settings.replace(**change)) != key, change


class Counting:
    """``scripted_complete`` that records the most requests it held at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = self.most = 0

    def __call__(self, request: dict) -> list[dict]:
        import time

        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.3)
        with self.lock:
            self.now -= 1
        return scripted_complete(request)


def test_a_shard_is_filtered_in_flight_stored_per_problem_and_resumed(tmp_path: Path) -> None:
    problems = [*SOLVABLE, UNSOLVED]
    count = ("count", {"stage": "read", "kept": 4})
    elements = [(steps.PROBLEM, p.to_dict()) for p in problems[:2]] + [count] + [
        (steps.PROBLEM, p.to_dict()) for p in problems[2:]]
    script = Counting()
    with CompletionServer(script) as server:
        settings = JobSettings(out=tmp_path / "out", work=tmp_path / "work", model=server.url, model_backend="http",
                               params=SamplingParams(n=6, max_tokens=32), concurrency=4)
        out = steps.filter_group_step(elements, settings)
        asked = len(server.requests)
        again = steps.filter_group_step(elements, settings)
    assert script.most == 4 and asked == 4  # all four problems in flight; one request of n = 6 each
    assert len(server.requests) == asked and again == out  # resumed from the store: nothing asked again
    assert out[0] == count
    filtered = [payload for kind, payload in out if kind == steps.PROBLEM]
    assert [p["id"] for p in filtered] == [p.id for p in SOLVABLE]  # kept, in the shard's order
    rejects = [payload for kind, payload in out if kind == steps.REJECT]
    assert [r["problem"]["id"] for r in rejects] == [UNSOLVED.id]
    assert len(list((tmp_path / "out" / "work" / "filter").glob("*.json"))) == 4
