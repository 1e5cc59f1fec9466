"""Problems benchmark: the main job to ``--stage problems`` over a package list, with the funnel.

Runs ``python -m pipelines.build_sft --source ci --package-list LIST --stage problems --out OUT
--work WORK`` (the job's store reuses a stored harvest, so a rerun recomputes only what changed
after it), then reads ``OUT/report.json`` and ``OUT/problems.jsonl``. Prints the funnel and, on
its LAST line, one JSON object with ``packages``, ``problems_kept``, ``problems_per_package_median``,
``method_problems``, ``method_share``, the multi-turn chains (``chains_found``, ``chains_built``,
``chains_kept`` and ``packages_with_chains``: packages where at least one chain was found) and
``rejected_by_reason``. With ``--compare OTHER_OUT`` (a
run of other code on the same list, e.g. the main branch) it reads that run the same way and adds
its numbers and the ratios of the two.

    python bench/problems_bench.py --package-list bench/dev_packages.txt --out /var/tmp/p-out \\
        --work /var/tmp/sftmine-bench [--compare /var/tmp/base-out]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def specs(package_list: Path) -> list[str]:
    """Package names of the list (comments and blank lines skipped, versions dropped)."""
    names = [line.split("#")[0].strip() for line in package_list.read_text().splitlines()]
    return [re.split(r"[=<>!~\[ ]", name)[0] for name in names if name]


def _jsonl(path: Path) -> list[dict]:
    """The records of a JSON-lines file: lines end at ``\n`` only (``str.splitlines`` would also split a record
    at a form feed or a line separator kept raw in a string)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def measure(out: Path, packages: list[str]) -> dict:
    """The numbers of one finished run."""
    report = json.loads((out / "report.json").read_text())
    problems = _jsonl(out / "problems.jsonl")
    per_package = Counter(_norm(p["provenance"]["package"]) for p in problems)
    methods = sum("." in (p["entry_point"] or "") for p in problems)
    chains = report.get("multi_turn", {})
    rejects = _jsonl(out / "rejects.jsonl")
    kept_chains = out / "multi_turn.jsonl"
    chain_packages = {_norm(r["package"]) for r in rejects
                      if r["stage"] == "chains" or ((r.get("problem") or {}).get("meta") or {}).get("multi_turn")}
    if kept_chains.exists():
        chain_packages |= {_norm(json.loads(line)["provenance"]["package"])
                           for line in kept_chains.read_text().split("\n") if line.strip()}
    return {
        "packages": len(packages),
        "problems_kept": len(problems),
        "problems_per_package_median": statistics.median(per_package.get(_norm(n), 0) for n in packages),
        "packages_with_problems": sum(per_package.get(_norm(n), 0) > 0 for n in packages),
        "method_problems": methods,
        "method_share": round(methods / len(problems), 3) if problems else 0.0,
        "chains_found": chains.get("chains_found", 0),
        "chains_built": chains.get("chains_built", 0),
        "chains_kept": chains.get("chains_kept", 0),
        "packages_with_chains": sum(_norm(n) in chain_packages for n in packages),
        "chains_dropped": chains.get("dropped", {}),
        "funnel": report["funnel"],
        "rejected_by_reason": report["rejected_by_reason"],
    }


def print_funnel(funnel: list[dict], label: str) -> None:
    """The funnel as a table on stdout."""
    print(f"-- {label}")
    print(f"{'stage':16} {'in':>7} {'kept':>7}  rejected")
    for row in funnel:
        print(f"{row['stage']:16} {row['in']:>7} {row['kept']:>7}  {row['rejected']}")


def run(argv: Sequence[str] | None = None) -> dict:
    """Run the job to problems, print the funnel and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package-list", type=Path, required=True, help="one PyPI package a line")
    parser.add_argument("--out", type=Path, default=Path("/var/tmp/sftmine-problems-bench-out"),
                        help="the job's --out (its store is reused on a rerun)")
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/sftmine-problems-bench"),
                        help="the job's --work, reachable by the sandbox uid")
    parser.add_argument("--workers", type=int, default=2, help="FnApiRunner worker processes")
    parser.add_argument("--compare", type=Path, default=None, help="another finished run's --out to compare with")
    parser.add_argument("--no-run", action="store_true", help="only read --out (already run)")
    args = parser.parse_args(argv)
    if not args.package_list.is_file():
        parser.error(f"--package-list {args.package_list}: no such file; pass a file with one package a line")
    packages = specs(args.package_list)
    if not args.no_run:
        args.work.mkdir(parents=True, exist_ok=True)
        args.work.chmod(0o755)
        command = [sys.executable, "-m", "pipelines.build_sft", "--source", "ci", "--package-list",
                   str(args.package_list), "--stage", "problems", "--out", str(args.out), "--work", str(args.work),
                   "--workers", str(args.workers)]
        # The job's worker processes import this checkout, not whichever sftmine the venv installed.
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        subprocess.run(command, cwd=REPO, check=True, stdout=sys.stderr, env=env)
    summary = measure(args.out, packages)
    print_funnel(summary.pop("funnel"), str(args.out))
    if args.compare is not None:
        other = measure(args.compare, packages)
        print_funnel(other.pop("funnel"), f"{args.compare} (compared)")
        summary["compared"] = {key: other[key] for key in ("problems_kept", "problems_per_package_median",
                                                           "packages_with_problems", "method_problems")}
        summary["kept_ratio"] = round(summary["problems_kept"] / max(other["problems_kept"], 1), 2)
        summary["median_ratio"] = round(summary["problems_per_package_median"]
                                        / max(other["problems_per_package_median"], 1), 2)
    rejected = summary.pop("rejected_by_reason")
    summary["rejected_by_reason"] = rejected
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    run()
