"""Problems benchmark: harvest + synthesis + cleaning over a list of packages, with the funnel.

Prints the funnel (in and kept per stage, rejects by reason); its LAST line is one JSON object with
``packages``, ``functions_recorded``, ``problems_kept``, ``problems_per_package_median`` and
``rejected_by_reason``.

    python bench/problems_bench.py six toolz inflection --work /var/tmp/sftmine-bench
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pipelines.harvest_stage import run_harvest
from pipelines.problems_stage import run_problems

from pipelines.sources.harvest import HarvestSettings


def run(argv: Sequence[str] | None = None) -> dict:
    """Harvest and make problems; print the funnel and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="+", help="PyPI names (NAME or NAME==VERSION)")
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/sftmine-problems-bench"),
                        help="work directory, reachable by the sandbox uid")
    parser.add_argument("--backend", choices=("bwrap", "docker-runsc"), default="bwrap")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    args.work.chmod(0o755)
    out = Path(tempfile.mkdtemp(prefix="sftmine-problems-bench-"))
    results = run_harvest(args.packages, out, HarvestSettings(work_dir=args.work), log=sys.stderr)
    report = run_problems(results, out, backend=args.backend, log=sys.stderr)
    print(f"{'stage':16} {'in':>6} {'kept':>6}  rejected")
    for stage in report["funnel"]:
        print(f"{stage['stage']:16} {stage['in']:>6} {stage['kept']:>6}  {stage['rejected']}")
    per_package = [report["per_package"].get(r["name"], 0) for r in results]
    summary = {
        "packages": len(args.packages),
        "functions_recorded": report["functions_recorded"],
        "problems_kept": report["problems_kept"],
        "problems_per_package_median": statistics.median(per_package) if per_package else 0,
        "rejected_by_reason": report["rejected_by_reason"],
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    run()
