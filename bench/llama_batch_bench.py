"""Tokens per second of the llama.cpp backend by batch size (sequences decoded together), on this machine.

Draws the same samples (``--samples`` of one prompt, no stop sequences, ``--max-tokens`` each) with batch
sizes 1 (one sequence at a time), 2, 4, 7 (the default), 8 and 16 (8 and 16 are decoded 7 rows at a
time), interleaved over ``--repeats`` passes so a busy machine slows every size alike. Last line:
tokens_per_second per batch size, the fastest size and its speedup over batch size 1.

    nice -n 10 .venv/bin/python bench/llama_batch_bench.py --threads 2
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

from pipelines.filter.models.base import SamplingParams  # noqa: E402
from pipelines.filter.models.embedded import ensure_default_model  # noqa: E402
from pipelines.filter.models.llama_cpp_backend import LlamaCppSampler  # noqa: E402

PROMPT = '''from typing import List


def has_close_elements(numbers: List[float], threshold: float) -> bool:
    """ Check if in given list of numbers, are any two numbers closer to each other than
    given threshold.
    >>> has_close_elements([1.0, 2.0, 3.0], 0.5)
    False
    >>> has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3)
    True
    """
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="a GGUF file (default: the embedded model)")
    parser.add_argument("--sizes", default="1,2,4,7,8,16", help="batch sizes, comma-separated")
    parser.add_argument("--samples", type=int, default=16, help="samples per size and pass")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=2, help="interleaved passes over the sizes")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    model = args.model or ensure_default_model()
    sizes = [int(size) for size in args.sizes.split(",")]
    samplers = {size: LlamaCppSampler(model, threads=args.threads, batch_size=size) for size in sizes}
    params = SamplingParams(n=args.samples, max_tokens=args.max_tokens, stop=(), logprobs=True)
    tokens = dict.fromkeys(sizes, 0)
    seconds = dict.fromkeys(sizes, 0.0)
    for sampler in samplers.values():  # warm up: load weights into memory, cache the prompt
        sampler.sample(PROMPT, SamplingParams(n=1, max_tokens=2, stop=()), seed=0)
    for repeat in range(args.repeats):
        for size in sizes:
            started = time.monotonic()
            samples = samplers[size].sample(PROMPT, params, seed=1000 * repeat)
            seconds[size] += time.monotonic() - started
            tokens[size] += sum(sample.tokens for sample in samples)
            print(f"pass {repeat + 1} batch {size}: {tokens[size] / seconds[size]:.1f} tokens/s so far",
                  file=sys.stderr, flush=True)
    for sampler in samplers.values():
        sampler.close()
    rates = {str(size): round(tokens[size] / seconds[size], 1) for size in sizes}
    best = max(sizes, key=lambda size: tokens[size] / seconds[size])
    print(json.dumps({"threads": args.threads, "samples": args.samples, "max_tokens": args.max_tokens,
                      "tokens_per_second": rates, "fastest_batch_size": best,
                      "speedup_over_batch_1": round(rates[str(best)] / rates[str(sizes[0])], 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
