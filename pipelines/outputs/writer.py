"""The job's one writer: every element in; training sets, problems, rejects and the report out.

Every cut of the graph (``--stage harvest|problems|all``) ends here and writes the same files in
the same form. It runs as an ordinary step over all elements (the DaskRunner computes only the last
sink and drops what ``finish_bundle`` emits, so Beam's file sinks are not used). Every file is
sorted and written to a temporary name, then renamed, so a rerun writes the same bytes; timings,
which differ from run to run, go to ``timing.json`` and never into the report.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from typing import Any

from pipelines.funnel import Count
from pipelines.outputs.atomic import write_atomic
from pipelines.outputs.export import write_jsonl_atomic, write_multi_turn, write_training_sets
from pipelines.outputs.report import build_report, check_funnel, write_report
from pipelines.problem import Problem, Reject
from pipelines.problems.multi_turn import is_chain, multi_turn_summary

OUTPUT_FILES = ("codex_s.jsonl", "codex_d.jsonl", "problems.jsonl", "multi_turn.jsonl", "rejects.jsonl",
                "harvest.jsonl", "report.json", "report.md", "funnel.png", "pass_rate.png", "funnel.csv",
                "rejected_by_reason.csv", "per_package.csv")
# Beside them, about the run rather than its product: the settings (with this run's paths) and timings.
RUN_FILES = ("options.json", "timing.json")
# Settings that say how this machine ran the job, not what it produced.
RUNTIME_SETTINGS = ("model_threads", "concurrency")


def options(settings: Any) -> dict:
    """The resolved settings of the run, saved beside its output."""
    values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings) if f.name not in RUNTIME_SETTINGS}
    return json.loads(json.dumps(values, default=lambda v: dataclasses.asdict(v) if dataclasses.is_dataclass(v)
                                 else str(v)))


def _sorted_rejects(records: list[dict]) -> list[dict]:
    return sorted(records, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


def timing(entries: list[dict]) -> dict:
    """Model and sandbox seconds of the problems that reached the filter (each as first measured)."""
    totals: Counter = Counter()
    for entry in entries:
        for key in ("sampling_seconds", "execution_seconds", "samples_executed"):
            totals[key] += entry.get(key, 0)
    return {"problems_filtered": len(entries), "sampling_seconds": round(totals["sampling_seconds"], 3),
            "execution_seconds": round(totals["execution_seconds"], 3),
            "samples_executed": totals["samples_executed"]}


def write_outputs(elements: list[tuple[str, Any]], settings: Any) -> list[str]:
    """Write every output file into ``settings.out``; returns their names."""
    out = settings.out
    out.mkdir(parents=True, exist_ok=True)
    by_kind: dict[str, list] = {}
    for kind, payload in elements:
        by_kind.setdefault(kind, []).append(payload)
    kept = sorted((Problem.from_dict(p) for p in by_kind.get("problem", [])), key=lambda p: p.id)
    reject_dicts = _sorted_rejects(by_kind.get("reject", []))
    rejects = [Reject.from_dict(r) for r in reject_dicts]
    counts = [Count.from_dict(c) for c in by_kind.get("count", [])]
    harvest = sorted(by_kind.get("harvest", []), key=lambda row: row["spec"])
    chains = [p for p in kept if is_chain(p)]
    kept = [p for p in kept if not is_chain(p)]  # single problems: the training sets and problems.jsonl
    write_training_sets(kept, out)
    write_jsonl_atomic(out / "problems.jsonl", [p.to_dict() for p in kept])
    write_multi_turn(chains, out)
    # ASCII: a reject's detail may quote a recorded value with a lone surrogate, which UTF-8 cannot hold.
    write_atomic(out / "rejects.jsonl", "".join(json.dumps(r, sort_keys=True, ensure_ascii=True) + "\n"
                                                for r in reject_dicts))
    write_atomic(out / "harvest.jsonl", "".join(json.dumps(r, sort_keys=True) + "\n" for r in harvest))
    report = build_report(settings.stage, kept, rejects, counts, harvest=harvest, sites=by_kind.get("site", []))
    report["multi_turn"] = multi_turn_summary(chains, rejects, counts)
    errors = check_funnel(report)
    if errors:  # a stage that lost or invented records: a bug, never a report to trust
        raise RuntimeError("the funnel does not add up: " + "; ".join(errors))
    write_report(report, out, rejects)
    write_atomic(out / "options.json", json.dumps(options(settings), indent=2, sort_keys=True) + "\n")
    write_atomic(out / "timing.json", json.dumps(timing(by_kind.get("timing", [])), indent=2, sort_keys=True) + "\n")
    return [*OUTPUT_FILES, *RUN_FILES]
