"""Problems benchmark: the job cut at ``--stage problems`` over a list of packages, with the funnel.

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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines import build_sft  # noqa: E402


def run(argv: Sequence[str] | None = None) -> dict:
    """Harvest and make problems; print the funnel and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", help="PyPI names (NAME or NAME==VERSION)")
    parser.add_argument("--package-list", type=Path, default=None, help="file with one package spec a line")
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/sftmine-problems-bench"),
                        help="work directory, reachable by the sandbox uid")
    parser.add_argument("--out", type=Path, default=None, help="output directory (reuse one to reuse its harvests)")
    parser.add_argument("--backend", choices=("bwrap", "docker-runsc"), default="bwrap")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="sftmine-problems-bench-"))
    job = ["--source", "ci", "--stage", "problems", "--out", str(out), "--work", str(args.work),
           "--backend", args.backend, "--packages", ",".join(args.packages)]
    if args.package_list:
        job += ["--package-list", str(args.package_list)]
    if build_sft.run(job):
        raise SystemExit("the job failed; see above")
    report = json.loads((out / "report.json").read_text())
    print(f"{'stage':16} {'in':>6} {'kept':>6}  rejected")
    for stage in report["funnel"]:
        print(f"{stage['stage']:16} {stage['in']:>6} {stage['kept']:>6}  {stage['rejected']}")
    harvest = [json.loads(line) for line in (out / "harvest.jsonl").read_text().splitlines()]
    per_package = [report["per_package"].get(row["name"], {}).get("kept", 0) for row in harvest]
    summary = {
        "packages": len(harvest),
        "functions_recorded": report["harvest"]["functions_recorded"],
        "problems_kept": report["totals"]["kept"],
        "problems_per_package_median": statistics.median(per_package) if per_package else 0,
        "rejected_by_reason": report["rejected_by_reason"],
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    run()
