"""``--source ci``: harvest PyPI packages and git repositories into call records.

Until the problems stage lands, ``--stage harvest`` is the only stage; results and a summary go
to ``OUT/harvest/``. Resumable: finished projects are skipped by the same command.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipelines.harvest import HarvestSettings
from pipelines.harvest_stage import run_harvest, specs_from
from sandbox.suite import SuiteLimits
from scrapers.pypi import DEFAULT_INDEX

STAGES = ("harvest",)
# A world-traversable default: the sandbox runs as an unprivileged uid and must reach the work dir.
DEFAULT_WORK = Path(os.environ.get("SFTMINE_WORK", "/var/tmp/sftmine"))


def add_arguments(group: argparse._ActionsContainer) -> None:
    """The flags of the CI source."""
    group.add_argument("--packages", type=str, default="", help="comma-separated PyPI specs: NAME or NAME==VERSION")
    group.add_argument("--repos", type=str, default="", help="comma-separated git URLs, each optionally URL@REF")
    group.add_argument("--package-list", type=str, default=None, help="file with one package spec per line")
    group.add_argument("--stage", choices=STAGES, default="harvest", help="how far to go")
    group.add_argument("--work", type=Path, default=DEFAULT_WORK, help="work directory (sdists, envs, records)")
    group.add_argument("--index-url", type=str, default=DEFAULT_INDEX, help="package index for PREPARE")
    group.add_argument("--prepare-timeout", type=int, default=900, help="seconds per PREPARE phase")
    group.add_argument("--test-timeout", type=int, default=900, help="seconds per traced TEST run")
    group.add_argument("--max-pairs", type=int, default=50, help="distinct (args, result) pairs kept per function")


def run(args: argparse.Namespace) -> int:
    """Harvest every project named; exit 0 when at least one was harvested."""
    specs = specs_from(args.packages, args.repos, args.package_list)
    if not specs:
        print("error: --source ci needs --packages, --repos or --package-list")
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    args.work.chmod(0o755)
    settings = HarvestSettings(
        work_dir=args.work, index_url=args.index_url, max_pairs=args.max_pairs,
        limits=SuiteLimits(prepare_timeout_s=args.prepare_timeout, test_timeout_s=args.test_timeout),
    )
    results = run_harvest(specs, args.out, settings)
    return 0 if any(r["ok"] for r in results) else 1
