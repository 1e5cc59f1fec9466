"""The sandbox bench's analysis and report: verdict agreement, per-method medians, the table, footer and JSON."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from sandbox_candidates import Candidate
from sandbox_methods import METHODS, Sample

TARGETS = {"baseline_over_bwrap": 3.0, "container_per_candidate_over_runsc": 10.0}


def merged_passes(samples: list[Sample], method: str) -> tuple[dict[int, bool], bool]:
    """Candidate -> passed for one method over all rounds, and whether its rounds agreed."""
    merged: dict[int, bool] = {}
    consistent = True
    for sample in samples:
        if sample.method != method:
            continue
        for index, passed in sample.passes.items():
            if merged.setdefault(index, passed) != passed:
                consistent = False
    return merged, consistent


def agreement(samples: list[Sample], methods: Sequence[str],
              candidates: list[Candidate]) -> tuple[bool, list[str]]:
    """Whether all methods (and all rounds of each) agree on which candidates pass, with warnings."""
    warnings: list[str] = []
    verdicts: dict[str, dict[int, bool]] = {}
    for method in methods:
        merged, consistent = merged_passes(samples, method)
        if not consistent:
            warnings.append(f"WARNING: {method} gave different verdicts for a candidate across rounds")
        if merged:
            verdicts[method] = merged
    names = list(verdicts)
    for a_index, first in enumerate(names):
        for second in names[a_index + 1:]:
            shared = verdicts[first].keys() & verdicts[second].keys()
            differ = sorted(i for i in shared if verdicts[first][i] != verdicts[second][i])
            if differ:
                warnings.append(f"WARNING: {first} and {second} disagree on candidates {differ[:10]}")
    agree = not warnings
    for method, merged in verdicts.items():
        unexpected = sorted(i for i, passed in merged.items() if passed != candidates[i].meant_to_pass)
        if unexpected:
            warnings.append(f"WARNING: {method} judged {unexpected[:10]} against the bench's intent")
    errors = {s.method for s in samples if s.sandbox_errors}
    warnings += [f"WARNING: {method} returned sandbox_error verdicts" for method in sorted(errors)]
    return agree, warnings


def json_key(method: str) -> str:
    """``docker-runc`` -> ``docker_runc_ms``."""
    return method.replace("-", "_") + "_ms"


Stats = tuple[float | None, float | None, float | None, float | None]


def medians(samples: list[Sample], method: str) -> Stats:
    """Median, min and max per-candidate ms over rounds, and the median start ms."""
    values = [s.per_candidate_ms for s in samples if s.method == method]
    starts = [s.start_ms for s in samples if s.method == method and s.start_ms is not None]
    if not values:
        return None, None, None, None
    start = statistics.median(starts) if starts else None
    return statistics.median(values), min(values), max(values), start


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """Rounded quotient, None where either side is missing."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def _cell(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(samples: list[Sample], methods: Sequence[str], candidates: int, per_container: int) -> list[str]:
    """The human-readable table of per-candidate costs."""
    header = f"{'method':<32}{'cands/round':>12}{'median ms':>11}{'min':>9}{'max':>9}{'start ms':>10}"
    lines = [header, "-" * len(header)]
    for method in methods:
        median, low, high, start = medians(samples, method)
        size = min(per_container, candidates) if method == "container_per_candidate_runsc" else candidates
        lines.append(f"{method:<32}{size:>12}{_cell(median):>11}{_cell(low):>9}{_cell(high):>9}"
                     f"{_cell(start, 1):>10}")
    return lines


def footer(summary: dict) -> list[str]:
    """Ratios against their targets, and the agreement verdict."""
    lines = []
    for key, target in TARGETS.items():
        value = summary[key]
        met = "n/a" if value is None else ("met" if value >= target else "NOT met")
        lines.append(f"{key} = {_cell(value)}  (target >= {target:g}: {met})")
    lines.append(f"methods agree on which candidates pass: {'yes' if summary['methods_agree'] else 'NO'}")
    lines.append("start ms: a fresh session's start (fork-server ready), measured apart from the batch")
    return lines


def summarize(samples: list[Sample], agree: bool, candidates: int, rounds: int) -> dict:
    """The final JSON object."""
    summary: dict = {json_key(method): None for method in METHODS}
    for method in METHODS:
        median = medians(samples, method)[0]
        summary[json_key(method)] = None if median is None else round(median, 3)
    summary["baseline_over_bwrap"] = ratio(summary["baseline_ms"], summary["bwrap_ms"])
    summary["container_per_candidate_over_runsc"] = ratio(
        summary["container_per_candidate_runsc_ms"], summary["docker_runsc_ms"]
    )
    summary["methods_agree"] = agree
    summary["candidates"] = candidates
    summary["rounds"] = rounds
    return summary
