"""The whole job on real PyPI packages with the embedded model: funnel and throughput.

Runs ``python -m pipelines.build_sft --source ci --packages ...`` (FnApiRunner, bwrap, the embedded
Qwen2.5-Coder-0.5B GGUF unless ``--model`` says otherwise) into a fresh output directory, prints the
funnel (build_sft does), and ends with one JSON line: problems_in (problems that reached the model filter),
problems_kept, samples_executed, sampling_seconds and execution_seconds (summed over workers),
wall_seconds, and problems_per_hour (kept problems per hour of wall time).

    .venv/bin/python bench/pipeline_bench.py --packages inflection,semver --samples 100
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines import build_sft  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", default="inflection,semver,toolz", help="comma-separated PyPI packages")
    parser.add_argument("--samples", type=int, default=100, help="samples per problem (the Codex paper: 100)")
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="output dir (default: a fresh temporary one)")
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/sftmine-bench"), help="harvest work dir")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="sftmine-pipeline-bench-"))
    argv = ["--source", "ci", "--packages", args.packages, "--out", str(out), "--work", str(args.work),
            "--model", args.model, "--samples", str(args.samples), "--max-tokens", str(args.max_tokens)]
    if args.workers:
        argv += ["--workers", str(args.workers)]
    status = build_sft.run(argv)
    if status:
        return status
    timing = json.loads((out / "timing.json").read_text())
    kept = sum(1 for line in (out / "codex_s.jsonl").read_text().splitlines() if line.strip())
    hours = timing["wall_seconds"] / 3600
    result = {
        "packages": len(args.packages.split(",")),
        "problems_in": timing["problems_filtered"],
        "problems_kept": kept,
        "samples_executed": timing["samples_executed"],
        "sampling_seconds": timing["sampling_seconds"],
        "execution_seconds": timing["execution_seconds"],
        "wall_seconds": timing["wall_seconds"],
        "problems_per_hour": round(kept / hours, 2) if hours else 0.0,
    }
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
