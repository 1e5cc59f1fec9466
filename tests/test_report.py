"""The run report: funnel numbers from a mixed set of kept problems and rejects, pass rates, and files
that repeat byte for byte (report.json, report.md and both charts)."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pytest

from pipelines.filter.passk import pass_at, pass_at_k
from pipelines.problem import Problem, Provenance, StageVerdict
from pipelines.outputs.report import build_report, write_report
from pipelines.problems.solve_wrapper import exec_body, function_prompt
from sandbox.types import FunctionTest, StdioTest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LATER = ("license", "determinism", "dedup", "decontamination")


def filter_meta(samples: int, passes: int) -> dict:
    return {"model": "tiny-base", "samples": samples, "passes": passes, "pass_at": pass_at(samples, passes),
            "best_mean_logprob": -0.5 if passes else None, "statuses": {"passed": passes},
            "sampling": {"n": samples, "temperature": 0.8, "top_p": 0.95, "max_tokens": 256, "stop": [],
                         "logprobs": True}}


def keeps(*stages: str) -> list[StageVerdict]:
    return [StageVerdict(stage, "keep") for stage in stages]


def ci(name: str, package: str, verdicts: list[StageVerdict], doc: bool = True, meta: dict | None = None) -> Problem:
    docstring = f"Difference for {name}." if doc else ""
    prompt = f"def {name}(a, b):\n" + (f'    """{docstring}"""\n' if doc else "")
    return Problem(kind="function", prompt=prompt, solution="    return a - b\n",
                   tests=[FunctionTest(args=[3, 1], expected=2), FunctionTest(args=[1, 1], expected=0)],
                   provenance=Provenance("pypi", package=package, version="1.0"), entry_point=name,
                   docstring=docstring, verdicts=verdicts, meta=meta or {})


def stdio(task: str, verdicts: list[StageVerdict], meta: dict | None = None) -> Problem:
    return Problem(kind="stdio", prompt=f"# Task {task}\n\nPrint the sum.\n", solution="print(1 + 2)\n",
                   tests=[StdioTest("", "3\n")], provenance=Provenance("codeforces", package="1900"),
                   meta={"form": "stdio", "task": task, **(meta or {})}, verdicts=verdicts)


def function_form(of: Problem, verdicts: list[StageVerdict], meta: dict | None = None) -> Problem:
    inherited = {key: value for key, value in of.meta.items() if key != "filter"}
    return Problem(kind="function", prompt=function_prompt(of.prompt), solution=exec_body(of.solution),
                   tests=[FunctionTest(args=[""], expected="3")], provenance=of.provenance, entry_point="solve",
                   docstring=of.prompt, verdicts=verdicts,
                   meta={**inherited, "form": "function", "wrapper": "exec", "stdio_id": of.id, **(meta or {})})


@pytest.fixture()
def mixed() -> tuple[list[Problem], list[dict]]:
    k1 = ci("alpha_one", "alpha", keeps(*LATER, "filter"), meta={"filter": filter_meta(100, 30)})
    k2 = ci("alpha_two", "alpha", keeps(*LATER, "filter"), doc=False, meta={"filter": filter_meta(100, 100)})
    k3 = stdio("A", keeps("sandbox", *LATER, "filter"), meta={"filter": filter_meta(10, 1)})
    k4 = function_form(k3, keeps("sandbox", *LATER, "filter"), meta={"filter": filter_meta(100, 5)})
    kept = [k1, k2, k3, k4]
    rejects = [
        {"stage": "synthesis", "reason": "too_few_serialisable_calls", "package": "alpha", "function": "x"},
        {"stage": "synthesis", "reason": "too_few_serialisable_calls", "package": "delta", "function": "y"},
        {"stage": "synthesis", "reason": "decorated", "package": "alpha", "function": "z"},
        ci("beta_one", "beta", [StageVerdict("license", "reject", "license_not_allowed", "GPL-3.0")]).to_dict(),
        ci("beta_two", "beta",
           [*keeps("license"), StageVerdict("determinism", "reject", "nondeterministic")]).to_dict(),
        ci("alpha_three", "alpha", [*keeps(*LATER), StageVerdict("filter", "reject", "no_sample_passes")],
           meta={"filter": filter_meta(100, 0)}).to_dict(),
        ci("gamma_one", "gamma", [*keeps(*LATER), StageVerdict("filter", "reject", "sampler_error", "down")]).to_dict(),
        {"stage": "scrape", "reason": "not_found", "url": "u1", "site": "codeforces", "contest": "1900"},
        {"stage": "policy", "reason": "noai_excluded", "url": "u2", "site": "codeforces", "contest": "1901"},
        {"stage": "list", "reason": "interactive", "url": "u3", "site": "codeforces", "contest": "1900"},
        stdio("B", [StageVerdict("sandbox", "reject", "reference_fails", "wrong answer")]).to_dict(),
        function_form(k3, [StageVerdict("function_form", "reject", "wrapper_fails")]).to_dict(),
        {"stage": "harvest", "reason": "build_failed", "package": "broken"},
        {"stage": "weird", "reason": "something"},
    ]
    return kept, rejects


def row(report: dict, stage: str) -> dict:
    return next(r for r in report["funnel"] if r["stage"] == stage)


def test_funnel_from_verdicts_and_plain_rejects(mixed) -> None:
    report = build_report(*mixed)
    assert [r["stage"] for r in report["funnel"]] == [
        "harvest", "synthesis", "list", "scrape", "policy", "solution", "sandbox", "function_form",
        "license", "determinism", "dedup", "decontamination", "filter", "weird"]
    counts = {r["stage"]: (r["in"], r["kept"], r["rejected"]) for r in report["funnel"]}
    assert counts == {
        # no harvest summary: projects that gave functions (alpha, beta, gamma, delta) + the failed one
        "harvest": (5, 4, {"build_failed": 1}),
        "synthesis": (9, 6, {"too_few_serialisable_calls": 2, "decorated": 1}),
        "list": (5, 4, {"interactive": 1}),
        "scrape": (4, 3, {"not_found": 1}),
        "policy": (3, 2, {"noai_excluded": 1}),
        "solution": (2, 2, {}),
        "sandbox": (2, 1, {"reference_fails": 1}),
        "function_form": (2, 1, {"wrapper_fails": 1}),
        "license": (8, 7, {"license_not_allowed": 1}),
        "determinism": (7, 6, {"nondeterministic": 1}),
        "dedup": (6, 6, {}),
        "decontamination": (6, 6, {}),
        "filter": (6, 4, {"no_sample_passes": 1, "sampler_error": 1}),
        "weird": (1, 0, {"something": 1}),
    }
    assert all(r["in"] == r["kept"] + r["rejected_total"] for r in report["funnel"])
    assert row(report, "license")["unit"] == "problems" and row(report, "synthesis")["unit"] == "functions"
    assert row(report, "scrape")["unit"] == "tasks" and row(report, "harvest")["unit"] == "projects"
    assert report["rejected_by_reason"] == {
        "determinism/nondeterministic": 1, "filter/no_sample_passes": 1, "filter/sampler_error": 1,
        "function_form/wrapper_fails": 1, "harvest/build_failed": 1, "license/license_not_allowed": 1,
        "list/interactive": 1, "policy/noai_excluded": 1, "sandbox/reference_fails": 1, "scrape/not_found": 1,
        "synthesis/decorated": 1, "synthesis/too_few_serialisable_calls": 2, "weird/something": 1,
    }


def test_totals_packages_and_sources(mixed) -> None:
    report = build_report(*mixed)
    assert report["totals"] == {"kept": 4, "function": 3, "stdio": 1, "codex_s": 4, "codex_d": 2, "rejects": 14}
    assert report["per_source"] == {"codeforces": {"kept": 2, "codex_d": 1}, "pypi": {"kept": 2, "codex_d": 1}}
    packages = report["per_package"]
    assert packages["alpha"] == {"kept": 2, "codex_d": 1, "rejected": 3, "sources": ["pypi"]}
    assert packages["1900"] == {"kept": 2, "codex_d": 1, "rejected": 4, "sources": ["codeforces"]}
    assert packages["beta"]["rejected"] == 2 and packages["broken"]["rejected"] == 1
    assert list(packages) == sorted(packages)


def test_pass_rates(mixed) -> None:
    rates = build_report(*mixed)["pass_rates"]
    assert rates["reached_filter"] == 6 and rates["sampled"] == 5 and rates["models"] == {"tiny-base": 5}
    assert rates["kept"]["histogram"] == [1, 1, 0, 1, 0, 0, 0, 0, 0, 1]  # 5/100, 1/10, 30/100, 100/100
    assert rates["all"] == {"kept": [1, 1, 0, 1, 0, 0, 0, 0, 0, 1], "rejected": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]}
    assert rates["kept"]["mean_pass_rate"] == pytest.approx((0.3 + 1 + 0.1 + 0.05) / 4, abs=1e-6)
    means, counts = rates["kept"]["mean_pass_at"], rates["kept"]["problems_with_pass_at"]
    assert counts == {"1": 4, "10": 4, "100": 3}  # n = 10 cannot estimate pass@100
    assert means["1"] == pytest.approx((0.3 + 1 + 0.1 + 0.05) / 4, abs=1e-6)
    assert means["10"] == pytest.approx((pass_at_k(100, 30, 10) + 1 + 1 + pass_at_k(100, 5, 10)) / 4, abs=1e-6)
    assert means["100"] == 1.0
    assert rates["edges"][0] == 0.0 and rates["edges"][-1] == 1.0 and len(rates["edges"]) == 11


def test_report_does_not_depend_on_input_order(mixed) -> None:
    kept, rejects = mixed
    rng = random.Random(7)
    shuffled_kept, shuffled_rejects = kept[:], rejects[:]
    rng.shuffle(shuffled_kept)
    rng.shuffle(shuffled_rejects)
    assert json.dumps(build_report(kept, rejects)) == json.dumps(build_report(shuffled_kept, shuffled_rejects))


def test_harvest_summary_from_upstream(mixed) -> None:
    upstream = {"functions_recorded": 9, "projects": {"projects": 6, "ok": 4, "failures": {"build_failed": 1},
                                                      "per_project": []}}
    report = build_report(*mixed, upstream=upstream)
    assert row(report, "harvest") == {"stage": "harvest", "unit": "projects", "in": 6, "kept": 4, "rejected_total": 2,
                                      "rejected": {"build_failed": 1, "unspecified": 1}}
    assert report["upstream"]["functions_recorded"] == 9


def test_a_problem_form_reject_counts_at_its_last_verdict() -> None:
    problem = ci("f", "p", [*keeps("license"), StageVerdict("determinism", "reject", "")])
    report = build_report([], [problem.to_dict()])
    assert row(report, "determinism")["rejected"] == {"unspecified": 1}
    assert row(report, "license")["kept"] == 1 and row(report, "synthesis")["kept"] == 1


def test_files_are_valid_and_repeat_byte_for_byte(mixed, tmp_path: Path) -> None:
    report = build_report(*mixed, upstream={"functions_recorded": 9})
    first = write_report(report, tmp_path / "one")
    assert [p.name for p in first] == ["report.json", "funnel.png", "pass_rate.png", "report.md"]
    again = write_report(build_report(*mixed, upstream={"functions_recorded": 9}), tmp_path / "two")
    write_report(report, tmp_path / "one")  # a rerun over its own output
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    for png in ("funnel.png", "pass_rate.png"):
        data = (tmp_path / "one" / png).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000
        assert b"Software" not in data and b"matplotlib" not in data
    assert json.loads((tmp_path / "one" / "report.json").read_text()) == json.loads(json.dumps(report))
    markdown = (tmp_path / "one" / "report.md").read_text()
    assert "](funnel.png)" in markdown and "](pass_rate.png)" in markdown
    assert "| filter | problems | 6 | 4 | 2 |" in markdown
    assert "| synthesis/too_few_serialisable_calls | 2 |" in markdown
    assert "| alpha | pypi | 2 | 1 | 3 |" in markdown
    assert "- Codex-D records: 2" in markdown and "- Functions recorded: 9" in markdown
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == [
        "funnel.png", "pass_rate.png", "report.json", "report.md"]


def test_an_empty_run_still_writes_a_report(tmp_path: Path) -> None:
    report = build_report([], [])
    assert report["funnel"] == [] and report["totals"]["kept"] == 0
    assert report["pass_rates"]["kept"]["mean_pass_at"] == {"1": None, "10": None, "100": None}
    paths = write_report(report, tmp_path)
    assert all(p.exists() for p in paths)
    assert (tmp_path / "funnel.png").read_bytes().startswith(PNG_MAGIC)


def test_kept_problem_without_filter_meta_is_not_in_pass_rates(mixed) -> None:
    kept, rejects = mixed
    plain = dataclasses.replace(kept[0], meta={}, verdicts=keeps(*LATER))
    rates = build_report([plain], [])["pass_rates"]
    assert rates["reached_filter"] == 0 and rates["kept"]["problems"] == 0
