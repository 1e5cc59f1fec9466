"""Harvest benchmark: fetch, prepare and trace the suites of the packages given on the command line.

Prints per package: prepare time, traced test time, records, and distinct functions with at least
one fully serialisable call (every argument and the result or exception have exact encodings).
Its LAST line is one JSON object with ``packages``, ``suites_completed``, ``suites_with_records``
(completed AND recorded calls), ``failure_reasons`` (counted), ``functions_with_serialisable_calls``,
``median_seconds_per_package`` and ``median_test_seconds`` (the traced TEST runs of a package).
``--results FILE`` appends each package's row as a JSON line as soon as it is done.

    python bench/harvest_bench.py six toolz inflection --work /tmp/harvest-bench
    python bench/harvest_bench.py --package-list bench/dev_packages.txt --work /var/tmp/harvest-bench
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from pipelines.sources.ci import specs_from
from pipelines.sources.harvest import HarvestSettings, harvest


def serialisable_functions(records_dir: str) -> int:
    """Distinct functions with at least one call whose arguments and outcome all have exact encodings."""
    found = set()
    for path in Path(records_dir).glob("*.jsonl") if records_dir else []:
        for line in path.read_text(errors="replace").splitlines():
            record = json.loads(line)
            if "summary" in record:
                continue
            arguments_ok = all("v" in value for _, _, value in record["args"])
            outcome_ok = ("result" in record and "v" in record["result"]) or (
                "raised" in record and record["raised"].get("type"))
            if arguments_ok and outcome_ok:
                found.add((record["file"], record["qualname"]))
    return len(found)


def run(argv: Sequence[str] | None = None) -> dict:
    """Harvest each package once and print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", help="PyPI names (NAME or NAME==VERSION)")
    parser.add_argument("--package-list", type=Path, default=None, help="a file of packages, one a line (# comments)")
    parser.add_argument("--work", type=Path, default=None, help="work directory (default: a temporary one)")
    parser.add_argument("--results", type=Path, default=None, help="append each package's row to this JSONL file")
    args = parser.parse_args(argv)
    specs = specs_from(",".join(args.packages), package_list=args.package_list)
    if not specs:
        parser.error("no packages: name some, or pass --package-list FILE")
    work = args.work or Path(tempfile.mkdtemp(prefix="sftmine-harvest-bench-"))
    settings = HarvestSettings(work_dir=work)
    rows = []
    for spec in specs:
        print(f"harvesting {spec} ...", file=sys.stderr)
        result = harvest(spec, settings)
        prepare = sum(p["seconds"] for p in result.phases if p["phase"].startswith("prepare"))
        tested = sum(p["seconds"] for p in result.phases if p["phase"].startswith("test"))
        rows.append({
            "package": spec, "ok": result.ok, "reason": result.reason, "prepare_s": prepare, "test_s": tested,
            "total_s": result.seconds, "records": result.records, "functions": result.functions,
            "serialisable_functions": serialisable_functions(result.records_dir), "outcome": result.outcome,
            "workarounds": result.workarounds, "license": result.license, "detail": result.detail[:300],
        })
        if args.results:
            with open(args.results, "a") as out:
                out.write(json.dumps(rows[-1]) + "\n")
    widths = {"package": -20, "ok": 3, "prepare s": 10, "test s": 8, "records": 8, "functions": 10, "serialisable": 13}
    print(" ".join(f"{name:<{-w}}" if w < 0 else f"{name:>{w}}" for name, w in widths.items()))
    for row in rows:
        print(f"{row['package']:20} {'yes' if row['ok'] else 'no':>3} {row['prepare_s']:>10.1f} {row['test_s']:>8.1f} "
              f"{row['records']:>8} {row['functions']:>10} {row['serialisable_functions']:>13}"
              + ("" if row["ok"] else f"  ({row['reason']})"))
    summary = {
        "packages": len(rows),
        "suites_completed": sum(r["ok"] for r in rows),
        "suites_with_records": sum(r["ok"] and r["records"] > 0 for r in rows),
        "failure_reasons": dict(Counter(r["reason"] or "recorded_nothing" for r in rows
                                        if not (r["ok"] and r["records"] > 0))),
        "functions_with_serialisable_calls": sum(r["serialisable_functions"] for r in rows),
        "median_seconds_per_package": round(statistics.median(r["total_s"] for r in rows), 2) if rows else 0.0,
        "median_test_seconds": round(statistics.median(r["test_s"] for r in rows), 2) if rows else 0.0,
    }
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    run()
