"""The tracer bench's report: per-package numbers, the aggregate against the targets, the table and its footer."""

from __future__ import annotations

import re
import statistics
import sys
from typing import Any

from suite_outcomes import NOT_STARTED, fmt_outcome
from suite_runs import PackageReport, RunResult

TARGETS = {"median_slowdown": 2.0, "max_slowdown": 3.0, "rss_factor": 1.5, "rss_slack_mb": 100.0}


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def completed_pairs(runs: list[RunResult]) -> list[tuple[RunResult, RunResult]]:
    """(untraced, traced) runs of the same round where both completed: the only ones timings compare."""
    by_round: dict[int, dict[bool, RunResult]] = {}
    for r in runs:
        by_round.setdefault(r.round, {})[r.traced] = r
    pairs = [(pair[False], pair[True]) for _, pair in sorted(by_round.items()) if len(pair) == 2]
    return [(u, t) for u, t in pairs if u.completed and t.completed]


def summarize(report: PackageReport, rounds: int) -> dict[str, Any]:
    """The per-package numbers for the table and the JSON."""
    untraced = [r for r in report.runs if not r.traced]
    traced = [r for r in report.runs if r.traced]
    outcomes = [r.outcome for r in report.runs]
    pairs = completed_pairs(report.runs)
    rss_u = max((u.rss_mb for u, _ in pairs), default=None)
    rss_t = max((t.rss_mb for _, t in pairs), default=None)
    trace = traced[-1].trace if traced else None
    completed = (
        report.status == "ok"
        and len(untraced) == rounds and len(traced) == rounds
        and all(r.completed for r in report.runs)
    )
    same = bool(outcomes) and all(o == outcomes[0] for o in outcomes)
    return {
        "version": report.version,
        "status": report.status,
        "untraced_wall_s": _round(_median([u.wall_s for u, _ in pairs])),
        "traced_wall_s": _round(_median([t.wall_s for _, t in pairs])),
        "slowdown": _round(_median([t.wall_s / u.wall_s for u, t in pairs if u.wall_s > 0])),
        "timed_rounds": len(pairs),
        "untraced_rss_mb": _round(rss_u, 1),
        "traced_rss_mb": _round(rss_t, 1),
        "rss_ratio": _round(rss_t / rss_u if rss_u and rss_t else None),
        "rss_within_target": (
            rss_t <= TARGETS["rss_factor"] * rss_u + TARGETS["rss_slack_mb"] if rss_u and rss_t else None
        ),
        "records": trace.records if trace else None,
        "distinct_functions": trace.distinct if trace else None,
        "trace_summaries": trace.summaries if trace else None,
        "trace_test_links": trace.test_links if trace else None,
        "trace_bad_lines": trace.bad_lines if trace else None,
        "tracer_errors": trace.tracer_errors if trace else None,
        "tracer_engines": trace.engines if trace else None,
        "tracer_started": (not any(r.tracer_not_started for r in traced)) if traced else None,
        "outcome_untraced": untraced[0].outcome if untraced else None,
        "outcome_traced": traced[0].outcome if traced else None,
        "outcomes_match": same,
        "completed": completed and same,
        "timeouts": sum(r.timed_out for r in report.runs),
        "returncodes": sorted({r.returncode for r in report.runs if r.returncode is not None}),
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _fmt(value: Any, spec: str = "") -> str:
    """``value`` formatted with ``spec`` ("7.2f"), or "-" padded to the spec's width when there is none."""
    if value is None:
        width = re.match(r"\d*", spec).group()
        return "-".rjust(int(width)) if width else "-"
    return format(value, spec)


def print_table(packages: dict[str, dict[str, Any]]) -> None:
    header = (f"{'package':<15} {'version':<8} {'untr s':>7} {'tr s':>7} {'slow':>5} {'untr MB':>8} {'tr MB':>7} "
              f"{'RSS x':>5} {'records':>8} {'funcs':>6}  outcome (untraced | traced)")
    print(header)
    print("-" * len(header))
    for name, p in packages.items():
        if p["outcome_untraced"] is None and p["outcome_traced"] is None and p["status"] != "ok":
            outcome = "-"
        else:
            same = "same" if p["outcomes_match"] else "DIFFERENT"
            outcome = f"{fmt_outcome(p['outcome_untraced'])} | {fmt_outcome(p['outcome_traced'])} ({same})"
        print(f"{name:<15} {p['version']:<8} {_fmt(p['untraced_wall_s'], '7.2f')} {_fmt(p['traced_wall_s'], '7.2f')} "
              f"{_fmt(p['slowdown'], '5.2f')} {_fmt(p['untraced_rss_mb'], '8.1f')} {_fmt(p['traced_rss_mb'], '7.1f')} "
              f"{_fmt(p['rss_ratio'], '5.2f')} {_fmt(p['records'], '8d')} {_fmt(p['distinct_functions'], '6d')}  "
              f"{outcome}")
        if p["status"] != "ok":
            print(f"{'':<15} status: {p['status'].splitlines()[0]}")
        elif not p["completed"]:
            print(f"{'':<15} INCOMPLETE: timeouts={p['timeouts']} returncodes={p['returncodes']}")
        if p["tracer_errors"] or p["trace_bad_lines"]:
            print(f"{'':<15} tracer errors: {p['tracer_errors']}, unreadable trace lines: {p['trace_bad_lines']}")
        if str(p.get("engine_build", "")).startswith("python"):
            print(f"{'':<15} C engine not built: {p['engine_build']}")
        if p["tracer_started"] is False:
            print(f"{'':<15} tracer did not start in the traced runs ({NOT_STARTED!r} in the log)")


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def print_footer(result: dict[str, Any]) -> None:
    t = TARGETS
    print()
    print(f"median slowdown {_fmt(result['median_slowdown'], '.2f')} (target <= {t['median_slowdown']}): "
          f"{verdict(result['targets']['median_slowdown'])}")
    print(f"max slowdown    {_fmt(result['max_slowdown'], '.2f')} (target <= {t['max_slowdown']}): "
          f"{verdict(result['targets']['max_slowdown'])}")
    print(f"max RSS ratio   {_fmt(result['max_rss_ratio'], '.2f')} (target: traced <= {t['rss_factor']}x untraced "
          f"+ {t['rss_slack_mb']:.0f} MB): {verdict(result['targets']['rss'])}")
    print(f"all suites completed both ways with the same outcome counts: {result['all_completed']}")
    print(f"tracer engine asked: {result['engine']}; used: {', '.join(result['engines_used']) or '-'}")
    if result["timed_packages"] < len(result["packages"]):
        print(f"NOTE: timings and RSS cover {result['timed_packages']} of {len(result['packages'])} packages "
              "(only rounds where both runs completed count).")
    if not result["tracer_started_everywhere"]:
        print("NOTE: the tracer did not start in some traced runs; those numbers measure an untraced suite.")


def aggregate(packages: dict[str, dict[str, Any]], rounds: int, k: int, engine: str) -> dict[str, Any]:
    slow = [p["slowdown"] for p in packages.values() if p["slowdown"] is not None]
    ratios = [p["rss_ratio"] for p in packages.values() if p["rss_ratio"] is not None]
    rss_ok = [p["rss_within_target"] for p in packages.values() if p["rss_within_target"] is not None]
    median_slowdown = _round(_median(slow))
    max_slowdown = _round(max(slow)) if slow else None
    return {
        "median_slowdown": median_slowdown,
        "max_slowdown": max_slowdown,
        "max_rss_ratio": _round(max(ratios)) if ratios else None,
        "all_completed": bool(packages) and all(p["completed"] for p in packages.values()),
        "tracer_started_everywhere": all(p["tracer_started"] is not False for p in packages.values()),
        "targets": {
            "median_slowdown": None if median_slowdown is None else median_slowdown <= TARGETS["median_slowdown"],
            "max_slowdown": None if max_slowdown is None else max_slowdown <= TARGETS["max_slowdown"],
            "rss": all(rss_ok) if rss_ok else None,
        },
        "timed_packages": len(slow),
        "rounds": rounds,
        "k": k,
        "engine": engine,
        "engines_used": sorted({e for p in packages.values() for e in p["tracer_engines"] or ()}),
        "python": sys.version.split()[0],
        "packages": packages,
    }
