"""``python -m pipelines.build_sft``: the one entry point; ``--source`` picks which miner runs.

Each source is a function ``run(args) -> exit status`` registered in ``RUNNERS``; its flags join
the parser through an ``add_arguments(group)`` of its own module.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from pipelines import ci_job, competitive_job

SOURCES = ("ci", "competitive", "all")
SANDBOX_BACKENDS = ("bwrap", "docker-runsc")


RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "ci": ci_job.run,
    "competitive": competitive_job.run,
}


def build_parser() -> argparse.ArgumentParser:
    """The command line: shared flags, then one group per source."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.build_sft", description="Mine SFT problems.")
    parser.add_argument("--source", choices=SOURCES, default="competitive", help="which miner to run")
    parser.add_argument("--out", type=Path, default=Path("out"), help="output directory")
    parser.add_argument("--backend", choices=SANDBOX_BACKENDS, default="bwrap", help="sandbox for reference checks")
    ci_job.add_arguments(parser.add_argument_group("ci (PyPI packages and git repositories)"))
    competitive_job.add_arguments(parser.add_argument_group("competitive (Codeforces, AtCoder)"))
    return parser


def run(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen sources in turn; returns the first non-zero status."""
    args = build_parser().parse_args(argv)
    names = ("ci", "competitive") if args.source == "all" else (args.source,)
    for name in names:
        status = RUNNERS[name](args)
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(run())
