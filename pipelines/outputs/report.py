"""The run report: the funnel as the stages counted it, pass rates, and what was rejected why.

It only renders. The funnel comes from the ``Count`` records the stages emitted (summed by the
writer); per-package and per-reason tables come from the kept problems and the ``Reject`` records;
pass rates from each problem's ``meta["filter"]``. The tables are pandas DataFrames, written as CSV
beside ``report.json`` for whoever analyses runs. Nothing depends on the clock or on input order,
and the charts are drawn with fixed sizes, matplotlib's default style (not the user's rc) and no
``Software`` tag, so a resumed run writes identical bytes.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.filter.passk import DEFAULT_KS, pass_at
from pipelines.funnel import Count, total, unit_of
from pipelines.outputs.atomic import write_atomic
from pipelines.outputs.export import codex_d_record
from pipelines.problem import Problem, Reject

BINS = 10
TOP_REASONS = 20
TOP_PACKAGES = 50
FIGURE_WIDTH_IN = 9.0
DPI = 100


def funnel_table(counts: list[Count]) -> pd.DataFrame:
    """One row per stage in pipeline order: unit, in, kept, rejected (total and by reason)."""
    rows = [{"stage": c.stage, "unit": unit_of(c.stage), "in": c.into, "kept": c.kept,
             "rejected_total": c.into - c.kept, "rejected": dict(sorted(c.rejected.items()))} for c in total(counts)]
    return pd.DataFrame(rows, columns=["stage", "unit", "in", "kept", "rejected_total", "rejected"])


def reasons_table(rejects: list[Reject]) -> pd.DataFrame:
    """Rejects counted by stage and reason, most first."""
    frame = pd.DataFrame([{"stage": r.stage, "reason": r.reason, "unit": r.unit} for r in rejects],
                         columns=["stage", "reason", "unit"])
    counted = frame.groupby(["stage", "reason", "unit"]).size().reset_index(name="count")
    return counted.sort_values(["count", "stage", "reason"], ascending=[False, True, True], ignore_index=True)


def packages_table(kept: list[Problem], rejects: list[Reject]) -> pd.DataFrame:
    """Per package: kept problems, Codex-D records among them, rejects, and the sources seen."""
    codex_d = {p.id for p in kept if codex_d_record(p) is not None}
    rows = [{"package": p.provenance.package, "source": p.provenance.source, "kept": 1, "codex_d": int(p.id in codex_d),
             "rejected": 0} for p in kept]
    rows += [{"package": r.package, "source": r.source, "kept": 0, "codex_d": 0, "rejected": 1} for r in rejects]
    frame = pd.DataFrame(rows, columns=["package", "source", "kept", "codex_d", "rejected"])
    grouped = frame.groupby("package").agg(
        sources=("source", lambda s: ", ".join(sorted({x for x in s if x}))),
        kept=("kept", "sum"), codex_d=("codex_d", "sum"), rejected=("rejected", "sum")).reset_index()
    return grouped.sort_values(["kept", "rejected", "package"], ascending=[False, False, True], ignore_index=True)


def _histogram(pairs: list[tuple[int, int]]) -> list[int]:
    """Counts of passes/samples in BINS equal bins over [0, 1], 1.0 in the last; integer arithmetic, no float edges."""
    counts = [0] * BINS
    for passes, samples in pairs:
        counts[min(passes * BINS // samples, BINS - 1)] += 1
    return counts


def _filter_stats(meta: dict) -> tuple[int, int, dict] | None:
    """(passes, samples, meta["filter"]) for a record that was sampled at the filter, else None."""
    stats = meta.get("filter")
    if not isinstance(stats, dict):
        return None
    samples, passes = int(stats.get("samples") or 0), int(stats.get("passes") or 0)
    return (min(passes, samples), samples, stats) if samples > 0 else None


def _pass_rates(kept: list[Problem], rejects: list[Reject]) -> dict:
    kept_stats = [stats for p in kept if (stats := _filter_stats(p.meta))]
    rejected_stats = [stats for r in rejects if r.problem and (stats := _filter_stats(r.problem.get("meta") or {}))]
    sums: dict[str, list[float]] = {str(k): [] for k in DEFAULT_KS}
    for passes, samples, meta in kept_stats:
        given = meta.get("pass_at") if isinstance(meta.get("pass_at"), dict) else pass_at(samples, passes)
        for k, value in given.items():
            if str(k) in sums and isinstance(value, int | float):
                sums[str(k)].append(float(value))
    measured = kept_stats + rejected_stats
    return {
        "edges": [round(i / BINS, 1) for i in range(BINS + 1)],
        "sampled": len(measured),
        "models": dict(sorted(Counter(str(stats.get("model", "")) for _, _, stats in measured).items())),
        "kept": {
            "problems": len(kept_stats),
            "histogram": _histogram([(p, s) for p, s, _ in kept_stats]),
            "mean_pass_rate": round(sum(p / s for p, s, _ in kept_stats) / len(kept_stats), 6) if kept_stats else None,
            "mean_pass_at": {k: (round(sum(v) / len(v), 6) if v else None) for k, v in sums.items()},
            "problems_with_pass_at": {k: len(v) for k, v in sums.items()},
        },
        "all": {"kept": _histogram([(p, s) for p, s, _ in kept_stats]),
                "rejected": _histogram([(p, s) for p, s, _ in rejected_stats])},
    }


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records"))


def build_report(stage: str, kept: list[Problem], rejects: list[Reject], counts: list[Count], *,
                 harvest: list[dict] | None = None, sites: list[dict] | None = None) -> dict:
    """The report of one run; see the module docstring."""
    funnel = funnel_table(counts)
    kinds = Counter(p.kind for p in kept)
    codex_d = sum(codex_d_record(p) is not None for p in kept)
    harvest = sorted(harvest or [], key=lambda row: row["spec"])
    return {
        "stage": stage,
        "totals": {
            "kept": len(kept), "function": kinds["function"], "stdio": kinds["stdio"],
            "with_docstring": sum(bool(p.docstring.strip()) for p in kept), "codex_s": len(kept), "codex_d": codex_d,
            "rejects": len(rejects),
        },
        "funnel": _records(funnel),
        "rejected_by_reason": {f"{row['stage']}/{row['reason']}": row["count"] for row in sorted(
            _records(reasons_table(rejects)), key=lambda row: (row["stage"], row["reason"]))},
        "per_source": dict(sorted(Counter(p.provenance.source for p in kept).items())),
        "per_package": {row.pop("package"): row for row in _records(packages_table(kept, rejects))},
        "harvest": {"projects": len(harvest), "ok": sum(bool(row["ok"]) for row in harvest),
                    "failures": dict(sorted(Counter(row["reason"] for row in harvest if not row["ok"]).items())),
                    "workarounds": dict(sorted(Counter(
                        w for row in harvest for w in row["workarounds"] or ()).items())),
                    "functions_recorded": sum(row["functions"] or 0 for row in harvest)},
        "sites": sorted(sites or [], key=lambda row: row["site"]),
        "pass_rates": _pass_rates(kept, rejects),
    }


def check_funnel(report: dict) -> list[str]:
    """What does not add up in a report's funnel (empty when it all does): in = kept + rejected at every
    stage, the gates' first ``in`` is what the sources let out, and each gate takes in what the one before kept."""
    from pipelines.funnel import GATES, SOURCE_EXITS

    rows = {row["stage"]: row for row in report["funnel"]}
    errors = [f"{name}: in {row['in']} != kept {row['kept']} + rejected {sum(row['rejected'].values())}"
              for name, row in rows.items() if row["in"] != row["kept"] + sum(row["rejected"].values())]
    previous = sum(rows[stage]["kept"] for stage in SOURCE_EXITS if stage in rows)
    for stage in GATES:
        if stage in rows:
            if rows[stage]["in"] != previous:
                errors.append(f"{stage}: in {rows[stage]['in']} but the stage before let out {previous}")
            previous = rows[stage]["kept"]
    return errors


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
        f"Stage: `{report['stage']}` (the graph ran up to there).", "",
        "## Totals", "",
        f"- Kept problems: {totals['kept']:,} (function {totals['function']:,}, stdio {totals['stdio']:,}; "
        f"{totals['with_docstring']:,} with a docstring)",
        f"- Codex-S records: {totals['codex_s']:,}",
        f"- Codex-D records: {totals['codex_d']:,} (function problems with a docstring)",
        f"- Rejected records: {totals['rejects']:,}",
        f"- Sampled at the filter: {rates['sampled']:,}",
    ]
    if rates["models"]:
        lines.append("- Filter models: " + ", ".join(f"`{m}` ({n:,})" for m, n in rates["models"].items()))
    chains = report.get("multi_turn")
    if chains and chains["chains_found"]:
        lines.append(f"- Multi-turn chains: {chains['chains_kept']:,} kept of {chains['chains_found']:,} found "
                     f"({chains['chains_built']:,} built into problems; `multi_turn.jsonl`)")
    harvest = report["harvest"]
    if harvest["projects"]:
        lines.append(f"- Projects harvested: {harvest['ok']:,} of {harvest['projects']:,}, "
                     f"{harvest['functions_recorded']:,} functions recorded")
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
        lines.append(f"| {_cell(name)} | {_cell(row['sources'])} | {row['kept']:,} | "
                     f"{row['codex_d']:,} | {row['rejected']:,} |")
    if len(packages) > TOP_PACKAGES:
        lines += ["", f"{len(packages) - TOP_PACKAGES:,} more packages in report.json."]
    return "\n".join(lines) + "\n"


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def write_report(report: dict, out_dir: Path, rejects: list[Reject]) -> list[Path]:
    """``report.json``/``.md``, the charts, and the tables as CSV in ``out_dir``, each written atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    funnel = pd.DataFrame(report["funnel"]).drop(columns=["rejected"], errors="ignore")
    packages = pd.DataFrame([{"package": name, **row} for name, row in report["per_package"].items()],
                            columns=["package", "sources", "kept", "codex_d", "rejected"])
    return [
        write_atomic(out / "funnel.csv", _csv(funnel)),
        write_atomic(out / "rejected_by_reason.csv", _csv(reasons_table(rejects))),
        write_atomic(out / "per_package.csv", _csv(packages)),
        write_atomic(out / "report.json", text),
        write_atomic(out / "funnel.png", funnel_png(report)),
        write_atomic(out / "pass_rate.png", pass_rate_png(report)),
        write_atomic(out / "report.md", report_markdown(report)),
    ]
