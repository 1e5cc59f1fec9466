"""The base-model filter before and after issue 14, on the same problems with the same seeds, in one run.

Before: today's way, one sample at a time (llama.cpp batch size 1) and all n drawn (``--filter-mode
full``). After: batched decoding (the backend's default batch size) and early stopping (rounds 10, 30,
60). The model is loaded the same way for both, without weight repacking (batched samples are then the
samples drawn alone; one sequence decodes as fast either way at 1 thread). Both run the embedded
Qwen2.5-Coder-0.5B GGUF (unless ``--model`` names another GGUF), execute in the same bwrap sandbox
session, and take the problems in turns (before, after, next problem) so a busy machine slows both
alike. The problems are ``bench/filter_problems.jsonl``: the first ten tasks of sanitized MBPP that
convert to data tests (``pipelines.gates.corpora.mbpp_sanitized()[:10]``).

Last line, one JSON object: problems_per_hour_before and _after (problems filtered per hour of
sampling plus execution), speedup, decisions_identical (every problem kept or dropped alike both
ways), samples_identical (every sample the new way drew is, text for text, the sample of that index
the old way drew), samples_drawn (both ways), kept (both ways), and the settings.

    nice -n 10 .venv/bin/python bench/pipeline_bench.py --samples 100 --max-tokens 64 --threads 1 --limit 8
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.filter.model_filter import ROUNDS, FilterResult, filter_problem  # noqa: E402
from pipelines.filter.models.base import SamplingParams  # noqa: E402
from pipelines.filter.models.embedded import ensure_default_model  # noqa: E402
from pipelines.filter.models.llama_cpp_backend import DEFAULT_BATCH_SIZE, LlamaCppSampler  # noqa: E402
from pipelines.problem import read_jsonl  # noqa: E402
from sandbox.session import Session  # noqa: E402
from sandbox.types import Limits  # noqa: E402

PROBLEMS = ROOT / "bench" / "filter_problems.jsonl"


def _rounds(text: str) -> tuple[int, ...]:
    return tuple(int(item) for item in text.split(",") if item.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", type=Path, default=PROBLEMS, help="a JSONL of problem records")
    parser.add_argument("--limit", type=int, default=0, help="only the first N problems (0: all)")
    parser.add_argument("--model", type=Path, default=None, help="a GGUF file (default: the embedded model)")
    parser.add_argument("--samples", type=int, default=100, help="n, samples per problem")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="the new way's batch size")
    parser.add_argument("--rounds", type=_rounds, default=ROUNDS, help="the new way's rounds")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--backend", default="bwrap", help="sandbox backend")
    args = parser.parse_args()
    problems = list(read_jsonl(args.problems))[: args.limit or None]
    model = args.model or ensure_default_model()
    params = SamplingParams(n=args.samples, max_tokens=args.max_tokens)
    ways = {
        "before": (LlamaCppSampler(model, threads=args.threads, batch_size=1), "full"),
        "after": (LlamaCppSampler(model, threads=args.threads, batch_size=args.batch_size), "early"),
    }
    seconds = dict.fromkeys(ways, 0.0)
    results: dict[str, list[FilterResult]] = {way: [] for way in ways}
    limits = Limits(timeout_s=3.0)
    with Session(args.backend) as session:
        for number, problem in enumerate(problems, 1):
            for way, (sampler, mode) in ways.items():
                started = time.monotonic()
                result = filter_problem(problem, sampler, params, session, limits, mode=mode, rounds=args.rounds)
                seconds[way] += time.monotonic() - started
                results[way].append(result)
                stats = result.decision.problem.meta["filter"] if result.decision.problem else {}
                print(f"[{number}/{len(problems)}] {problem.provenance.path} {way}: "
                      f"{stats.get('passes', 0)}/{stats.get('samples', 0)} pass, "
                      f"{'kept' if result.decision.kept else result.decision.reason}, "
                      f"{time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)
    for sampler, _ in ways.values():
        sampler.close()
    kept = {way: [r.decision.kept for r in results[way]] for way in ways}
    rate = {way: round(len(problems) / seconds[way] * 3600, 1) for way in ways}
    print(json.dumps({
        "problems": len(problems), "samples": args.samples, "max_tokens": args.max_tokens,
        "threads": args.threads, "batch_size_after": args.batch_size, "rounds_after": list(args.rounds),
        "seconds_before": round(seconds["before"], 1), "seconds_after": round(seconds["after"], 1),
        "problems_per_hour_before": rate["before"], "problems_per_hour_after": rate["after"],
        "speedup": round(seconds["before"] / seconds["after"], 2),
        "decisions_identical": kept["before"] == kept["after"],
        "samples_identical": all([s["text"] for s in after.samples] == [s["text"] for s in before.samples][
            : len(after.samples)] for before, after in zip(results["before"], results["after"], strict=True)),
        "kept": {way: sum(kept[way]) for way in ways},
        "samples_drawn": {way: sum(len(r.samples) for r in results[way]) for way in ways},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
