"""The run report: the funnel from harvest to filter, pass rates, and what was rejected why.

``build_report`` derives every count from the records themselves, so it can be rebuilt from
``problems*.jsonl`` and ``rejects.jsonl`` alone:

- a kept problem, or a rejected one in ``Problem.to_dict()`` form, counts at each stage its verdict
  list names (a rejected one's last verdict is its reject); a plain reject dict counts as rejected at
  its ``stage`` with its ``reason``;
- stages that leave no verdict on what they keep are implied: a function problem that did not come
  from a competitive task passed ``synthesis``; a competitive task's stdio problem, and a task
  rejected at ``scrape``, ``policy`` or ``solution``, passed the task stages before;
- a competitive task's function form (``meta["form"] == "function"`` with a ``stdio_id``) is a branch
  off its stdio problem: the ``sandbox`` keep on it is the ``function_form`` stage's keep, and it
  implies no task stage (its stdio sibling already counts the task there);
- ``harvest`` counts projects: from ``upstream["projects"]`` (or ``upstream["harvest"]``) when that is
  ``harvest_stage.summarise()``'s dict, otherwise from harvest rejects plus the packages seen downstream.

A stage's "in" is what it kept plus what it rejected. Stages are in pipeline order, unknown ones
after them in the order first seen (records are visited in a canonical order, so that order does not
depend on the order of the input). Nothing in the report depends on the clock or on input order, and
the charts are drawn with fixed sizes, matplotlib's default style (not the user's rc) and no
``Software`` tag, so a resumed run writes identical bytes.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.outputs.atomic import write_atomic
from pipelines.outputs.export import codex_d_record
from pipelines.filter.passk import DEFAULT_KS, pass_at
from pipelines.problem import Problem

STAGE_ORDER = (
    "harvest", "synthesis",
    "list", "scrape", "policy", "solution", "sandbox", "function_form",
    "license", "determinism", "dedup", "decontamination", "filter",
)
UNITS = {"harvest": "projects", "synthesis": "functions", "list": "tasks", "scrape": "tasks", "policy": "tasks",
         "solution": "tasks", "sandbox": "tasks"}
TASK_STAGES = ("list", "scrape", "policy", "solution", "sandbox")  # a competitive task's path, in order
IMPLIED_TASK_STAGES = ("list", "scrape", "policy", "solution")  # they leave no keep verdict
COMPETITIVE_STAGES = frozenset((*TASK_STAGES, "function_form"))
BINS = 10
TOP_REASONS = 20
TOP_PACKAGES = 50
FIGURE_WIDTH_IN = 9.0
DPI = 100


@dataclass
class _Entry:
    """One record as the funnel sees it."""

    kind: str
    verdicts: list[tuple[str, str, str]]  # (stage, "keep" | "reject", reason)
    meta: dict[str, Any]
    source: str
    package: str
    kept: bool
    plain: bool = False
    problem: Problem | None = None


@dataclass
class _Stage:
    kept: int = 0
    rejected: Counter = field(default_factory=Counter)


def _from_problem(problem: Problem) -> _Entry:
    return _Entry(problem.kind, [(v.stage, v.verdict, v.reason) for v in problem.verdicts], problem.meta,
                  problem.provenance.source, problem.provenance.package, kept=True, problem=problem)


def _from_reject(record: dict) -> _Entry:
    if "verdicts" in record:  # Problem.to_dict() form: the last verdict is the reject
        verdicts = [(str(v.get("stage", "")), str(v.get("verdict", "")), str(v.get("reason", "")))
                    for v in record.get("verdicts") or []]
        if verdicts:
            stage, _, reason = verdicts[-1]
            verdicts[-1] = (stage or "unknown", "reject", reason or "unspecified")
        else:
            verdicts = [("unknown", "reject", "unspecified")]
        provenance = record.get("provenance") or {}
        return _Entry(str(record.get("kind", "")), verdicts, record.get("meta") or {},
                      str(provenance.get("source", "")), str(provenance.get("package", "")), kept=False)
    stage = str(record.get("stage") or "unknown")
    return _Entry(str(record.get("kind", "")), [(stage, "reject", str(record.get("reason") or "unspecified"))], {},
                  str(record.get("source") or record.get("site") or ""),
                  str(record.get("package") or record.get("contest") or ""), kept=False, plain=True)


def _is_function_form(entry: _Entry) -> bool:
    return entry.meta.get("form") == "function" and "stdio_id" in entry.meta


def _normalise(entry: _Entry) -> None:
    """A competitive function form's sandbox keep is its function_form keep (see the module docstring)."""
    if _is_function_form(entry) and not any(stage == "function_form" for stage, _, _ in entry.verdicts):
        entry.verdicts = [("function_form" if (stage, verdict) == ("sandbox", "keep") else stage, verdict, reason)
                          for stage, verdict, reason in entry.verdicts]


def _implied(entry: _Entry) -> tuple[str, ...]:
    """Stages the record passed without a verdict saying so."""
    first = entry.verdicts[0][0] if entry.verdicts else ""
    if entry.plain:
        if first in TASK_STAGES:
            return IMPLIED_TASK_STAGES[: TASK_STAGES.index(first)]
        return ()
    if _is_function_form(entry):
        return ()
    if entry.kind == "stdio" or any(stage in COMPETITIVE_STAGES for stage, _, _ in entry.verdicts):
        if first in TASK_STAGES:
            return IMPLIED_TASK_STAGES[: TASK_STAGES.index(first)]
        return IMPLIED_TASK_STAGES
    if entry.kind == "function" and first not in ("harvest", "synthesis"):
        return ("synthesis",)
    return ()


def _canonical(kept: list[Problem], rejects: list[dict]) -> list[_Entry]:
    """Entries in an order that does not depend on the input's: kept by id, then rejects by content."""
    entries = [_from_problem(p) for p in sorted(kept, key=lambda p: p.id)]
    keyed = sorted((json.dumps(r, sort_keys=True, default=str), i) for i, r in enumerate(rejects))
    entries += [_from_reject(rejects[i]) for _, i in keyed]
    for entry in entries:
        _normalise(entry)
    return entries


def _harvest_summary(upstream: dict) -> dict | None:
    for key in ("harvest", "projects"):
        summary = upstream.get(key)
        if isinstance(summary, dict) and isinstance(summary.get("projects"), int) and isinstance(
                summary.get("ok"), int):
            return summary
    return None


def _funnel(entries: list[_Entry], upstream: dict) -> list[dict]:
    stages: dict[str, _Stage] = {}

    def at(name: str) -> _Stage:
        return stages.setdefault(name, _Stage())

    summary = _harvest_summary(upstream)
    ci_packages: set[str] = set()
    for entry in entries:
        implied = _implied(entry)
        if "synthesis" in implied or (entry.plain and entry.verdicts[0][0] == "synthesis"):
            ci_packages.add(entry.package)
        for stage in implied:
            at(stage).kept += 1
        for stage, verdict, reason in entry.verdicts:
            if stage == "harvest" and summary is not None:
                continue  # the summary counts every project; its failures are these rejects
            if verdict == "keep":
                at(stage).kept += 1
            else:
                at(stage).rejected[reason or "unspecified"] += 1
    if summary is not None:
        harvest = at("harvest")
        harvest.kept = summary["ok"]
        harvest.rejected = Counter({str(k): int(v) for k, v in (summary.get("failures") or {}).items()})
        unexplained = summary["projects"] - summary["ok"] - sum(harvest.rejected.values())
        if unexplained > 0:
            harvest.rejected["unspecified"] += unexplained
    elif "harvest" in stages:
        stages["harvest"].kept = len(ci_packages)  # projects that gave at least one recorded function
    order = [s for s in STAGE_ORDER if s in stages] + [s for s in stages if s not in STAGE_ORDER]
    rows = []
    for name in order:
        stage = stages[name]
        rejected = sum(stage.rejected.values())
        rows.append({
            "stage": name, "unit": UNITS.get(name, "problems"), "in": stage.kept + rejected, "kept": stage.kept,
            "rejected_total": rejected, "rejected": dict(sorted(stage.rejected.items())),
        })
    return rows


def _histogram(pairs: Iterable[tuple[int, int]]) -> list[int]:
    """Counts of passes/samples in BINS equal bins over [0, 1], 1.0 in the last; integer arithmetic, no float edges."""
    counts = [0] * BINS
    for passes, samples in pairs:
        counts[min(passes * BINS // samples, BINS - 1)] += 1
    return counts


def _filter_stats(entry: _Entry) -> tuple[int, int, dict] | None:
    """(passes, samples, meta["filter"]) for a record that reached the filter with samples, else None."""
    stats = entry.meta.get("filter")
    if not isinstance(stats, dict):
        return None
    samples, passes = int(stats.get("samples") or 0), int(stats.get("passes") or 0)
    if samples <= 0:
        return None
    return min(passes, samples), samples, stats


def _round(value: float) -> float:
    return round(value, 6)


def _pass_rates(entries: list[_Entry]) -> dict:
    reached = [e for e in entries if "filter" in e.meta or any(s == "filter" for s, _, _ in e.verdicts)]
    measured = [(e, stats) for e in reached if (stats := _filter_stats(e)) is not None]
    kept = [(passes, samples, meta) for e, (passes, samples, meta) in measured if e.kept]
    sums: dict[str, list[float]] = {str(k): [] for k in DEFAULT_KS}
    for passes, samples, meta in kept:
        given = meta.get("pass_at") if isinstance(meta.get("pass_at"), dict) else pass_at(samples, passes)
        for k, value in given.items():
            if str(k) in sums and isinstance(value, int | float):
                sums[str(k)].append(float(value))
    return {
        "edges": [round(i / BINS, 1) for i in range(BINS + 1)],
        "reached_filter": len(reached),
        "sampled": len(measured),
        "models": dict(sorted(Counter(str(stats[2].get("model", "")) for _, stats in measured).items())),
        "kept": {
            "problems": len(kept),
            "histogram": _histogram((p, s) for p, s, _ in kept),
            "mean_pass_rate": _round(sum(p / s for p, s, _ in kept) / len(kept)) if kept else None,
            "mean_pass_at": {k: (_round(sum(v) / len(v)) if v else None) for k, v in sums.items()},
            "problems_with_pass_at": {k: len(v) for k, v in sums.items()},
        },
        "all": {
            "kept": _histogram((p, s) for e, (p, s, _) in measured if e.kept),
            "rejected": _histogram((p, s) for e, (p, s, _) in measured if not e.kept),
        },
    }


def _json_safe(value: object) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def build_report(kept: list[Problem], rejects: list[dict], *, upstream: dict | None = None) -> dict:
    """Funnel, totals, per-package counts and pass rates of one run; see the module docstring."""
    upstream = upstream or {}
    entries = _canonical(kept, rejects)
    funnel = _funnel(entries, upstream)
    codex_d = {p.id for p in kept if codex_d_record(p) is not None}
    packages: dict[str, dict] = {}
    for entry in entries:
        row = packages.setdefault(entry.package, {"kept": 0, "codex_d": 0, "rejected": 0, "sources": set()})
        if entry.source:
            row["sources"].add(entry.source)
        if entry.kept:
            row["kept"] += 1
            row["codex_d"] += entry.problem is not None and entry.problem.id in codex_d
        else:
            row["rejected"] += 1
    sources: dict[str, dict] = {}
    for problem in kept:
        row = sources.setdefault(problem.provenance.source, {"kept": 0, "codex_d": 0})
        row["kept"] += 1
        row["codex_d"] += problem.id in codex_d
    kinds = Counter(p.kind for p in kept)
    return {
        "totals": {
            "kept": len(kept), "function": kinds["function"], "stdio": kinds["stdio"],
            "codex_s": len(kept), "codex_d": len(codex_d), "rejects": len(rejects),
        },
        "funnel": funnel,
        "rejected_by_reason": dict(sorted(
            (f"{row['stage']}/{reason}", count) for row in funnel for reason, count in row["rejected"].items()
        )),
        "per_source": dict(sorted(sources.items())),
        "per_package": {name: {**row, "sources": sorted(row["sources"])} for name, row in sorted(packages.items())},
        "pass_rates": _pass_rates(entries),
        "upstream": _json_safe(upstream),
    }


# ---- writing ----------------------------------------------------------------------------------------------


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    # No Software tag (it names the matplotlib version); Agg writes no time, so the bytes repeat.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _new_figure(height_in: float) -> Any:
    """An Agg figure of its own: no pyplot, so no global backend switch and no state shared with callers."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(FIGURE_WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def funnel_png(report: dict) -> bytes:
    """Horizontal bars per stage: what went in (light) and what was kept (dark), pipeline order top down."""
    import matplotlib.style

    rows = report["funnel"]
    with matplotlib.style.context("default"):
        figure = _new_figure(1.6 + 0.45 * max(len(rows), 1))
        axes = figure.add_subplot()
        if not rows:
            axes.text(0.5, 0.5, "no records", ha="center", va="center", transform=axes.transAxes)
            axes.set_axis_off()
        else:
            labels = [f"{row['stage']} ({row['unit']})" for row in rows]
            positions = list(range(len(rows)))
            axes.barh(positions, [row["in"] for row in rows], color="#c6dbef", label="in")
            axes.barh(positions, [row["kept"] for row in rows], color="#2171b5", label="kept")
            top = max(max(row["in"] for row in rows), 1)
            for y, row in zip(positions, rows, strict=True):
                axes.text(max(row["in"], 1) * 1.08, y, f"{row['kept']:,} / {row['in']:,}", va="center", fontsize=8)
            # Log scale: functions, projects, tasks and problems differ by orders of magnitude.
            axes.set_xscale("log")
            axes.set_xlim(0.8, top * 5)
            axes.set_yticks(positions, labels)
            axes.invert_yaxis()
            axes.set_xlabel("records, log scale (labels: kept / in)")
            axes.legend(loc="upper right")
        axes.set_title("Funnel: kept per stage")
        return _png(figure)


def pass_rate_png(report: dict) -> bytes:
    """Histogram of passes/samples over every problem that was sampled at the filter, kept and rejected."""
    import matplotlib.style

    rates = report["pass_rates"]
    edges = rates["edges"]
    kept, rejected = rates["all"]["kept"], rates["all"]["rejected"]
    with matplotlib.style.context("default"):
        figure = _new_figure(4.5)
        axes = figure.add_subplot()
        if not rates["sampled"]:
            axes.text(0.5, 0.5, "no problem was sampled at the filter", ha="center", va="center",
                      transform=axes.transAxes)
            axes.set_axis_off()
        else:
            width = edges[1] - edges[0]
            lefts = edges[:-1]
            axes.bar(lefts, kept, width=width, align="edge", color="#2171b5", edgecolor="white", label="kept")
            axes.bar(lefts, rejected, width=width, align="edge", bottom=kept, color="#cb181d", edgecolor="white",
                     label="rejected")
            axes.set_xticks(edges)
            axes.set_xlim(0, 1)
            axes.set_xlabel("pass rate (passing samples / samples); the last bin includes 1.0")
            axes.set_ylabel("problems")
            axes.legend()
        axes.set_title(f"Per-problem pass rate at the filter ({rates['sampled']:,} sampled)")
        return _png(figure)


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ") if value != "" else "(none)"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _top(counts: dict[str, int], limit: int) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def report_markdown(report: dict) -> str:
    """The human-readable report, linking the two charts written next to it."""
    totals, rates = report["totals"], report["pass_rates"]
    lines = [
        "# sftmine report", "",
        "## Totals", "",
        f"- Kept problems: {totals['kept']:,} (function {totals['function']:,}, stdio {totals['stdio']:,})",
        f"- Codex-S records: {totals['codex_s']:,}",
        f"- Codex-D records: {totals['codex_d']:,} (function problems with a docstring)",
        f"- Rejected records: {totals['rejects']:,}",
        f"- Reached the filter: {rates['reached_filter']:,} ({rates['sampled']:,} sampled)",
    ]
    if rates["models"]:
        lines.append("- Filter models: " + ", ".join(f"`{m}` ({n:,})" for m, n in rates["models"].items()))
    for key, value in report["upstream"].items():
        if isinstance(value, int | float | str):
            lines.append(f"- {key.replace('_', ' ').capitalize()}: {value:,}" if isinstance(value, int)
                         else f"- {key.replace('_', ' ').capitalize()}: {value}")
    lines += ["", "## Funnel", "", "| stage | unit | in | kept | rejected | top reasons |",
              "|---|---|--:|--:|--:|---|"]
    for row in report["funnel"]:
        reasons = ", ".join(f"{_cell(r)} ({n:,})" for r, n in _top(row["rejected"], 3))
        lines.append(f"| {row['stage']} | {row['unit']} | {row['in']:,} | {row['kept']:,} | "
                     f"{row['rejected_total']:,} | {reasons} |")
    lines += ["", "![Funnel: kept per stage](funnel.png)", "",
              "## Pass rates", "",
              "Per-problem pass rate (passing samples / samples) of every problem sampled at the filter:", "",
              "![Per-problem pass rate at the filter](pass_rate.png)", "",
              f"Kept problems with filter samples: {rates['kept']['problems']:,}; "
              f"mean pass rate {_number(rates['kept']['mean_pass_rate'])}.", "",
              "| k | problems | mean pass@k |", "|--:|--:|--:|"]
    for k, mean in rates["kept"]["mean_pass_at"].items():
        lines.append(f"| {k} | {rates['kept']['problems_with_pass_at'][k]:,} | {_number(mean)} |")
    edges = rates["edges"]
    lines += ["", "| pass rate | kept problems |", "|---|--:|"]
    for i, count in enumerate(rates["kept"]["histogram"]):
        closing = "]" if i == len(rates["kept"]["histogram"]) - 1 else ")"
        lines.append(f"| [{edges[i]:.1f}, {edges[i + 1]:.1f}{closing} | {count:,} |")
    lines += ["", "## Top rejected reasons", "", "| stage/reason | count |", "|---|--:|"]
    lines += [f"| {_cell(reason)} | {count:,} |" for reason, count in _top(report["rejected_by_reason"], TOP_REASONS)]
    packages = sorted(report["per_package"].items(), key=lambda item: (-item[1]["kept"], -item[1]["rejected"],
                                                                        item[0]))
    lines += ["", "## Per package", "", "| package | sources | kept | Codex-D | rejected |", "|---|---|--:|--:|--:|"]
    for name, row in packages[:TOP_PACKAGES]:
        lines.append(f"| {_cell(name)} | {_cell(', '.join(row['sources']))} | {row['kept']:,} | "
                     f"{row['codex_d']:,} | {row['rejected']:,} |")
    if len(packages) > TOP_PACKAGES:
        lines += ["", f"{len(packages) - TOP_PACKAGES:,} more packages in report.json."]
    return "\n".join(lines) + "\n"


def write_report(report: dict, out_dir: Path) -> list[Path]:
    """``report.json``, ``funnel.png``, ``pass_rate.png`` and ``report.md`` in ``out_dir``, each written atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    return [
        write_atomic(out / "report.json", text),
        write_atomic(out / "funnel.png", funnel_png(report)),
        write_atomic(out / "pass_rate.png", pass_rate_png(report)),
        write_atomic(out / "report.md", report_markdown(report)),
    ]
