"""The harvest stage over many projects: progress while it runs, a resumable output, a summary.

Each project's result is written to ``OUT/harvest/<slug>.json`` (temp file, then rename) as soon
as it is done, so the same command after a crash skips finished projects. ``OUT/harvest/summary.json``
lists every project's outcome and reason.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from pipelines.outputs.atomic import write_atomic
from pipelines.sources.harvest import HarvestSettings, _slug, harvest


def _write_json(path: Path, data: object) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True))


def specs_from(packages: str = "", repos: str = "", package_list: str | None = None) -> list[str]:
    """Project specs from the command line's comma lists and a file with one package per line."""
    specs = [p.strip() for p in packages.split(",") if p.strip()]
    specs += [f"git+{r.strip()}" if not r.strip().startswith("git+") else r.strip() for r in repos.split(",")
              if r.strip()]
    if package_list:
        lines = Path(package_list).read_text().splitlines()
        specs += [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    return list(dict.fromkeys(specs))


def harvest_one(spec: str, out: Path, settings: HarvestSettings) -> tuple[dict, bool]:
    """One project's result, from ``OUT/harvest/<slug>.json`` when done before; (result, was_cached)."""
    directory = out / "harvest"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{_slug(spec)}.json"
    if path.exists():
        return json.loads(path.read_text()), True
    data = asdict(harvest(spec, settings))
    _write_json(path, data)
    return data, False


def run_harvest(specs: Iterable[str], out: Path, settings: HarvestSettings, log: TextIO = sys.stderr) -> list[dict]:
    """Harvest every spec not already done; returns all results (done before and now)."""
    specs = list(specs)
    results: list[dict] = []
    started = time.monotonic()
    fresh = 0
    for index, spec in enumerate(specs, 1):
        result, cached = harvest_one(spec, out, settings)
        results.append(result)
        if cached:
            print(f"[harvest] {index}/{len(specs)} {spec}: done before, skipped", file=log)
            continue
        fresh += 1
        elapsed = time.monotonic() - started
        eta = elapsed / fresh * (len(specs) - index)
        state = "ok" if result["ok"] else f"FAILED ({result['reason']})"
        print(f"[harvest] {index}/{len(specs)} {spec}: {state}, {result['records']} records, "
              f"{result['functions']} functions, {result['seconds']:.0f}s; "
              f"{sum(r['ok'] for r in results)} ok so far; ETA {eta:.0f}s", file=log)
    summary = summarise(results)
    _write_json(out / "harvest" / "summary.json", summary)
    print(f"[harvest] {summary['ok']}/{summary['projects']} projects harvested; "
          f"failures: {dict(summary['failures']) or 'none'}", file=log)
    return results


def summarise(results: list[dict]) -> dict:
    """Per-project outcome and reason, and the counts."""
    return {
        "projects": len(results),
        "ok": sum(r["ok"] for r in results),
        "failures": Counter(r["reason"] for r in results if not r["ok"]),
        "workarounds": Counter(w for r in results for w in r["workarounds"]),
        "records": sum(r["records"] for r in results),
        "per_project": [
            {"spec": r["spec"], "version": r["version"], "commit": r["commit"], "license": r["license"], "ok": r["ok"],
             "reason": r["reason"], "detail": r["detail"][:300], "outcome": r["outcome"], "records": r["records"],
             "functions": r["functions"], "seconds": r["seconds"], "workarounds": r["workarounds"]}
            for r in results
        ],
    }
