"""``--source ci``: harvest PyPI packages and git repositories, then turn call records into problems.

This is the sequential path for stopping early: ``--stage harvest`` stops after the call records
(``OUT/harvest/``); ``--stage problems`` goes on to synthesis and cleaning (``OUT/problems.jsonl``,
``problems_nodoc.jsonl``, ``rejects.jsonl``, ``funnel.json``). The whole job (``--stage all``) is
the Beam pipeline in ``beam_job``. Resumable: finished projects are skipped by the same command.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipelines.sources.harvest import HarvestSettings
from pipelines.harvest_stage import run_harvest, specs_from
from pipelines.gates.license import parse_allow_list
from pipelines.problems_stage import run_problems
from pipelines.problems.synthesis import SynthesisSettings
from sandbox.suite import SuiteLimits
from scrapers.pypi import DEFAULT_INDEX

# A world-traversable default: the sandbox runs as an unprivileged uid and must reach the work dir.
DEFAULT_WORK = Path(os.environ.get("SFTMINE_WORK", "/var/tmp/sftmine"))


def add_arguments(group: argparse._ActionsContainer) -> None:
    """The flags of the CI source."""
    group.add_argument("--packages", type=str, default="", help="comma-separated PyPI specs: NAME or NAME==VERSION")
    group.add_argument("--repos", type=str, default="", help="comma-separated git URLs, each optionally URL@REF")
    group.add_argument("--package-list", type=str, default=None, help="file with one package spec per line")
    group.add_argument("--work", type=Path, default=DEFAULT_WORK, help="work directory (sdists, envs, records)")
    group.add_argument("--index-url", type=str, default=DEFAULT_INDEX, help="package index for PREPARE")
    group.add_argument("--prepare-timeout", type=int, default=900, help="seconds per PREPARE phase")
    group.add_argument("--test-timeout", type=int, default=900, help="seconds per traced TEST run")
    group.add_argument("--max-pairs", type=int, default=50, help="distinct (args, result) pairs kept per function")
    group.add_argument("--min-calls", type=int, default=3, help="serialisable calls a function needs to be a problem")
    group.add_argument("--max-tests", type=int, default=10, help="tests per problem, chosen for diversity")
    group.add_argument("--licenses", type=str, default="",
                       help="comma-separated SPDX ids allowed (default: the permissive allow-list)")


def run(args: argparse.Namespace) -> int:
    """Harvest every project named; exit 0 when at least one was harvested."""
    specs = specs_from(args.packages, args.repos, args.package_list)
    if not specs:
        print("error: --source ci needs --packages, --repos or --package-list", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    args.work.chmod(0o755)
    settings = HarvestSettings(
        work_dir=args.work, index_url=args.index_url, max_pairs=args.max_pairs,
        limits=SuiteLimits(prepare_timeout_s=args.prepare_timeout, test_timeout_s=args.test_timeout),
    )
    results = run_harvest(specs, args.out, settings)
    if not any(r["ok"] for r in results):
        return 1
    if args.stage == "problems":
        allowed = parse_allow_list(args.licenses) if args.licenses else None
        run_problems(results, args.out, backend=args.backend, allowed_licenses=allowed,
                     settings=SynthesisSettings(min_calls=args.min_calls, max_tests=args.max_tests))
    return 0
