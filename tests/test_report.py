"""The run report: the funnel as the stages counted it, tables as DataFrames/CSV, pass rates, and files
that repeat byte for byte (report.json, report.md, the charts and the CSV tables)."""

from __future__ import annotations

import csv
import dataclasses
import json
import random
from pathlib import Path

import pytest

from pipelines.filter.passk import pass_at, pass_at_k
from pipelines.funnel import Count, Stage, drop, keep, total
from pipelines.outputs.report import build_report, check_funnel, write_report
from pipelines.problem import Problem, Provenance, Reject, StageVerdict
from sandbox.types import FunctionTest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LATER = ("license", "determinism", "dedup", "decontamination")


def filter_meta(samples: int, passes: int) -> dict:
    return {"model": "tiny-base", "samples": samples, "passes": passes, "pass_at": pass_at(samples, passes),
            "best_mean_logprob": -0.5 if passes else None, "statuses": {"passed": passes},
            "sampling": {"n": samples, "temperature": 0.8, "top_p": 0.95, "max_tokens": 256, "stop": [],
                         "logprobs": True}}


def ci(name: str, package: str, doc: bool = True, meta: dict | None = None) -> Problem:
    docstring = f"Difference for {name}." if doc else ""
    prompt = f"def {name}(a, b):\n" + (f'    """{docstring}"""\n' if doc else "")
    return Problem(kind="function", prompt=prompt, solution="    return a - b\n",
                   tests=[FunctionTest(args=[3, 1], expected=2), FunctionTest(args=[1, 1], expected=0)],
                   provenance=Provenance("pypi", package=package, version="1.0"), entry_point=name,
                   docstring=docstring, verdicts=[StageVerdict(s, "keep") for s in LATER], meta=meta or {})


def rejected(problem: Problem, stage: str, reason: str) -> Reject:
    return Reject.of(problem.with_verdict(stage, "reject", reason))


@pytest.fixture()
def mixed() -> tuple[list[Problem], list[Reject], list[Count]]:
    kept = [ci("alpha_one", "alpha", meta={"filter": filter_meta(100, 30)}),
            ci("alpha_two", "alpha", doc=False, meta={"filter": filter_meta(100, 100)}),
            ci("beta_one", "beta", meta={"filter": filter_meta(10, 1)}),
            ci("gamma_one", "gamma", meta={"filter": filter_meta(100, 5)})]
    rejects = [rejected(ci("beta_two", "beta", meta={"filter": filter_meta(100, 0)}), "filter", "no_sample_passes"),
               rejected(ci("beta_three", "beta"), "dedup", "exact_duplicate"),
               Reject("synthesis", "too_few_serialisable_calls", "1 of 3", "pypi", "alpha", "a.py:f"),
               Reject("synthesis", "too_few_serialisable_calls", "0 of 2", "pypi", "beta", "b.py:g"),
               Reject("harvest", "prepare_failed", "exit 1", "pypi", "delta", "delta")]
    counts = [keep(Stage.HARVEST, 3), drop(Stage.HARVEST, "prepare_failed"), keep(Stage.SYNTHESIS, 6),
              drop(Stage.SYNTHESIS, "too_few_serialisable_calls", 2), *(keep(s, 6) for s in ("license", "determinism")),
              keep(Stage.DEDUP, 5), drop(Stage.DEDUP, "exact_duplicate"), keep(Stage.DECONTAMINATION, 5),
              keep(Stage.FILTER, 4), drop(Stage.FILTER, "no_sample_passes")]
    return kept, rejects, counts


def row(report: dict, stage: str) -> dict:
    return next(r for r in report["funnel"] if r["stage"] == stage)


def test_counts_add_and_refuse_unknown_stages() -> None:
    summed = total([drop("dedup", "exact_duplicate"), keep("license", 2), keep("dedup", 3), drop("dedup", "x")])
    assert [(c.stage, c.into, c.kept, dict(c.rejected)) for c in summed] == [
        ("license", 2, 2, {}), ("dedup", 5, 3, {"exact_duplicate": 1, "x": 1})]
    with pytest.raises(ValueError):
        Count("dedupe")
    with pytest.raises(ValueError):
        keep("license") + keep("dedup")


def test_funnel_is_the_counts_in_pipeline_order(mixed) -> None:
    report = build_report("all", *mixed)
    assert [r["stage"] for r in report["funnel"]] == ["harvest", "synthesis", *LATER, "filter"]
    assert row(report, "harvest") == {"stage": "harvest", "unit": "projects", "in": 4, "kept": 3, "rejected_total": 1,
                                      "rejected": {"prepare_failed": 1}}
    assert row(report, "synthesis")["unit"] == "functions" and row(report, "synthesis")["in"] == 8
    assert row(report, "filter") == {"stage": "filter", "unit": "problems", "in": 5, "kept": 4, "rejected_total": 1,
                                     "rejected": {"no_sample_passes": 1}}
    assert check_funnel(report) == []
    assert report["rejected_by_reason"] == {"dedup/exact_duplicate": 1, "filter/no_sample_passes": 1,
                                            "harvest/prepare_failed": 1, "synthesis/too_few_serialisable_calls": 2}


def test_a_funnel_that_loses_records_is_caught(mixed) -> None:
    kept, rejects, counts = mixed
    report = build_report("all", kept, rejects, [*counts, keep(Stage.DECONTAMINATION)])
    assert check_funnel(report) == ["decontamination: in 6 but the stage before let out 5",
                                    "filter: in 5 but the stage before let out 6"]


def test_totals_and_packages(mixed) -> None:
    report = build_report("all", *mixed)
    assert report["totals"] == {"kept": 4, "function": 4, "stdio": 0, "with_docstring": 3, "codex_s": 4, "codex_d": 3,
                                "rejects": 5}
    assert report["per_package"]["alpha"] == {"sources": "pypi", "kept": 2, "codex_d": 1, "rejected": 1}
    assert report["per_package"]["beta"] == {"sources": "pypi", "kept": 1, "codex_d": 1, "rejected": 3}
    assert report["per_source"] == {"pypi": 4}


def test_pass_rates(mixed) -> None:
    rates = build_report("all", *mixed)["pass_rates"]
    assert rates["sampled"] == 5 and rates["models"] == {"tiny-base": 5}
    assert rates["kept"]["histogram"] == [1, 1, 0, 1, 0, 0, 0, 0, 0, 1]  # 5/100, 1/10, 30/100, 100/100
    assert rates["all"] == {"kept": [1, 1, 0, 1, 0, 0, 0, 0, 0, 1], "rejected": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]}
    assert rates["kept"]["mean_pass_rate"] == pytest.approx((0.3 + 1 + 0.1 + 0.05) / 4, abs=1e-6)
    means, counts = rates["kept"]["mean_pass_at"], rates["kept"]["problems_with_pass_at"]
    assert counts == {"1": 4, "10": 4, "100": 3}  # n = 10 cannot estimate pass@100
    assert means["10"] == pytest.approx((pass_at_k(100, 30, 10) + 1 + 1 + pass_at_k(100, 5, 10)) / 4, abs=1e-6)


def test_report_does_not_depend_on_input_order(mixed) -> None:
    kept, rejects, counts = mixed
    rng = random.Random(7)
    shuffled = [kept[:], rejects[:], counts[:]]
    for part in shuffled:
        rng.shuffle(part)
    assert json.dumps(build_report("all", *mixed)) == json.dumps(build_report("all", *shuffled))


def test_files_are_valid_and_repeat_byte_for_byte(mixed, tmp_path: Path) -> None:
    report = build_report("all", *mixed)
    first = write_report(report, tmp_path / "one", mixed[1])
    again = write_report(build_report("all", *mixed), tmp_path / "two", mixed[1])
    write_report(report, tmp_path / "one", mixed[1])  # a rerun over its own output
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    for png in ("funnel.png", "pass_rate.png"):
        data = (tmp_path / "one" / png).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000
        assert b"Software" not in data and b"matplotlib" not in data
    assert json.loads((tmp_path / "one" / "report.json").read_text()) == json.loads(json.dumps(report))
    markdown = (tmp_path / "one" / "report.md").read_text()
    assert "](funnel.png)" in markdown and "](pass_rate.png)" in markdown
    assert "| filter | problems | 5 | 4 | 1 |" in markdown
    assert "| synthesis/too_few_serialisable_calls | 2 |" in markdown
    assert "| beta | pypi | 1 | 1 | 3 |" in markdown and "- Codex-D records: 3" in markdown
    with open(tmp_path / "one" / "funnel.csv", newline="") as handle:
        funnel = list(csv.DictReader(handle))
    assert [r["stage"] for r in funnel][:2] == ["harvest", "synthesis"] and funnel[0]["kept"] == "3"
    with open(tmp_path / "one" / "rejected_by_reason.csv", newline="") as handle:
        reasons = list(csv.DictReader(handle))
    assert reasons[0] == {"stage": "synthesis", "reason": "too_few_serialisable_calls", "unit": "functions",
                          "count": "2"}


def test_an_empty_run_still_writes_a_report(tmp_path: Path) -> None:
    report = build_report("harvest", [], [], [])
    assert report["funnel"] == [] and report["totals"]["kept"] == 0
    assert report["pass_rates"]["kept"]["mean_pass_at"] == {"1": None, "10": None, "100": None}
    paths = write_report(report, tmp_path, [])
    assert all(p.exists() for p in paths)
    assert (tmp_path / "funnel.png").read_bytes().startswith(PNG_MAGIC)


def test_kept_problem_without_filter_meta_is_not_in_pass_rates(mixed) -> None:
    plain = dataclasses.replace(mixed[0][0], meta={})
    rates = build_report("problems", [plain], [], [])["pass_rates"]
    assert rates["sampled"] == 0 and rates["kept"]["problems"] == 0
