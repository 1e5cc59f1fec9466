"""The job's one sink: every element in, the training sets, rejects and reports out.

It runs as an ordinary step over all elements (the DaskRunner computes only the last sink and drops
what ``finish_bundle`` emits, so Beam's file sinks are not used). Every file is sorted and written
to a temporary name, then renamed, so a rerun writes the same bytes; timings, which differ from run
to run, go to ``timing.json`` and never into the report.
"""

from __future__ import annotations

import json
from collections import Counter

from pipelines.outputs.atomic import write_atomic
from pipelines.outputs.export import write_jsonl_atomic, write_training_sets
from pipelines.job.steps import PROBLEM, REJECT, STAT, Element, JobSettings, filter_key
from pipelines.problem import Problem
from pipelines.outputs.report import build_report, write_report

OUTPUT_FILES = ("codex_s.jsonl", "codex_d.jsonl", "problems.jsonl", "rejects.jsonl", "report.json", "report.md",
                "funnel.png", "pass_rate.png")


def upstream_counts(stats: list[dict]) -> dict:
    """What sources reported before there were problems: projects, functions recorded, sites."""
    projects = sorted((s for s in stats if "project" in s), key=lambda s: s["project"])
    harvest = {"projects": len(projects), "ok": sum(s["ok"] for s in projects),
               "failures": dict(sorted(Counter(s["reason"] for s in projects if not s["ok"]).items()))}
    return {
        **({"harvest": harvest} if projects else {}),
        "functions_recorded": sum(s["functions_recorded"] for s in projects),
        "per_project": projects,
        "sites": {s["site"]: s["report"] for s in sorted((s for s in stats if "site" in s), key=lambda s: s["site"])},
        "problems_files": sorted((s for s in stats if "problems_file" in s), key=lambda s: s["problems_file"]),
    }


def timing(filtered: list[dict], settings: JobSettings) -> dict:
    """Model and sandbox seconds of the problems that reached the filter (from the store)."""
    totals = Counter()
    for data in filtered:
        entry = settings.store.get("filter", filter_key(data, settings))
        if entry:
            totals["sampling_seconds"] += entry["sampling_seconds"]
            totals["execution_seconds"] += entry["execution_seconds"]
            totals["samples_executed"] += entry["samples_executed"]
    return {"problems_filtered": len(filtered), "sampling_seconds": round(totals["sampling_seconds"], 3),
            "execution_seconds": round(totals["execution_seconds"], 3),
            "samples_executed": totals["samples_executed"]}


def write_outputs(elements: list[Element], settings: JobSettings) -> list[str]:
    """Write every output file into ``settings.out``; returns their names."""
    out = settings.out
    out.mkdir(parents=True, exist_ok=True)
    kept = sorted((Problem.from_dict(p) for kind, p in elements if kind == PROBLEM), key=lambda p: p.id)
    rejects = sorted((r for kind, r in elements if kind == REJECT),
                     key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))
    stats = [s for kind, s in elements if kind == STAT]
    write_training_sets(kept, out)
    write_jsonl_atomic(out / "problems.jsonl", [p.to_dict() for p in kept])
    write_jsonl_atomic(out / "rejects.jsonl", rejects)
    report = build_report(kept, rejects, upstream=upstream_counts(stats))
    write_report(report, out)
    filtered = [p.to_dict() for p in kept] + [r for r in rejects if "filter" in r.get("meta", {})]
    write_atomic(out / "timing.json", json.dumps(timing(filtered, settings), indent=2, sort_keys=True) + "\n")
    return [*OUTPUT_FILES, "timing.json"]
