"""The problems stage: harvested call records -> clean, deduplicated, licensed, uncontaminated problems.

Order: synthesis per project, the license gate (cheap), the determinism reruns (sandbox), dedup
across all projects, decontamination against HumanEval and MBPP. Every drop is a reject with its
stage and reason; the funnel counts what went in and out of each stage. Problems without a
docstring go to their own pool (``problems_nodoc.jsonl``): they can serve Codex-S, not Codex-D.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import TextIO

from pipelines.gates import dedup, determinism
from pipelines.gates import license as license_gate
from pipelines.outputs.atomic import write_atomic
from pipelines.gates.decontamination import Decontaminator
from pipelines.problem import Problem, dumps, stage_and_reason
from pipelines.problems.synthesis import Origin, SynthesisSettings, synthesise


class Funnel:
    """Counts in and out of each stage, and rejects by stage and reason."""

    def __init__(self) -> None:
        self.stages: list[dict] = []
        self.rejected: Counter = Counter()

    def add(self, stage: str, into: int, kept: int, reasons: Counter) -> None:
        """Record one stage's counts."""
        self.stages.append({"stage": stage, "in": into, "kept": kept, "rejected": dict(reasons)})
        for reason, count in reasons.items():
            self.rejected[f"{stage}/{reason}"] += count


def _reasons(rejected: list[Problem]) -> Counter:
    return Counter(p.verdicts[-1].reason for p in rejected)


def _write(path: Path, lines: list[str]) -> None:
    write_atomic(path, "".join(line + "\n" for line in lines))


def origin_of(result: dict) -> Origin:
    """Provenance for the problems of one harvested project."""
    return Origin(source=result["source"], package=result["name"], version=result["version"],
                  commit=result["commit"], url=result["url"], license=result["license"],
                  fetched_at=result.get("fetched_at", ""), roots=tuple(result.get("roots", ())))


def project_problems(result: dict, settings: SynthesisSettings, backend: str = "bwrap",
                     allowed_licenses: frozenset[str] | None = None) -> tuple[list[Problem], list[dict], int]:
    """One harvested project's problems through synthesis, the license gate and the determinism reruns.

    Returns (kept problems, rejects as JSON-ready dicts, functions recorded). These stages need only
    the project itself, so a parallel job runs them per project; dedup and decontamination need all.
    """
    if not result["ok"]:
        return [], [], 0
    made, dropped = synthesise(result["records_dir"], origin_of(result), settings)
    kept, rejected = gate_and_rerun(made, backend, allowed_licenses)
    return kept, [*dropped, *(p.to_dict() for p in rejected)], len(made) + len(dropped)


def gate_and_rerun(problems: list[Problem], backend: str = "bwrap",
                   allowed_licenses: frozenset[str] | None = None) -> tuple[list[Problem], list[Problem]]:
    """(kept, rejected) after the license gate, then the determinism reruns of what it let through."""
    gate_args = {} if allowed_licenses is None else {"allowed": allowed_licenses}
    licensed, unlicensed = license_gate.gate(problems, **gate_args)
    kept, unstable = determinism.check(licensed, backend=backend) if licensed else ([], [])
    return kept, unlicensed + unstable


def run_problems(results: list[dict], out: Path, backend: str = "bwrap",
                 settings: SynthesisSettings | None = None, allowed_licenses: frozenset[str] | None = None,
                 log: TextIO = sys.stderr) -> dict:
    """Turn harvested results into problem files in ``out``; returns the report."""
    settings = settings or SynthesisSettings()
    funnel = Funnel()
    rejects: list[str] = []
    problems: list[Problem] = []
    functions = 0
    per_stage: dict[str, Counter] = {name: Counter() for name in ("synthesis", "license", "determinism")}
    for result in results:
        kept, dropped, recorded = project_problems(result, settings, backend, allowed_licenses)
        functions += recorded
        problems += kept
        rejects += [json.dumps(r, sort_keys=True) for r in dropped]
        for reject in dropped:
            stage_name, reason = stage_and_reason(reject)
            per_stage[stage_name][reason] += 1
        if result["ok"]:
            print(f"[problems] {result['spec']}: {len(kept)} problems from {recorded} functions", file=log)
    into = functions
    for name, reasons in per_stage.items():
        funnel.add(name, into, into - sum(reasons.values()), reasons)
        into -= sum(reasons.values())

    def stage(name: str, kept: list[Problem], rejected: list[Problem], into: int) -> list[Problem]:
        funnel.add(name, into, len(kept), _reasons(rejected))
        rejects.extend(dumps(p) for p in rejected)
        print(f"[problems] {name}: {len(kept)} of {into} kept", file=log)
        return kept

    problems = stage("dedup", *dedup.dedup(problems), len(problems))
    with Decontaminator.from_corpora(backend=backend) as decontaminator:  # closes its sandbox session
        problems = stage("decontamination", *decontaminator.decontaminate(problems), len(problems))
    with_doc = [p for p in problems if p.docstring.strip()]
    without_doc = [p for p in problems if not p.docstring.strip()]
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "problems.jsonl", [dumps(p) for p in sorted(with_doc, key=lambda p: p.id)])
    _write(out / "problems_nodoc.jsonl", [dumps(p) for p in sorted(without_doc, key=lambda p: p.id)])
    _write(out / "rejects.jsonl", sorted(rejects))
    report = {
        "functions_recorded": functions,
        "problems_kept": len(problems),
        "with_docstring": len(with_doc),
        "docstring_less": len(without_doc),
        "funnel": funnel.stages,
        "rejected_by_reason": dict(sorted(funnel.rejected.items())),
        "per_package": dict(Counter(p.provenance.package for p in problems)),
    }
    _write(out / "funnel.json", [json.dumps(report, indent=2)])
    print(f"[problems] kept {len(problems)} problems ({len(without_doc)} without a docstring); "
          f"funnel in {out / 'funnel.json'}", file=log)
    return report
