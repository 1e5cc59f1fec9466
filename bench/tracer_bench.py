"""What the call recorder costs on real test suites: wall time, peak memory, and whether the suites still pass.

The miner runs third-party test suites with ``tracer`` switched on (a ``sys.setprofile`` recorder started
from a ``.pth`` file), so the tracer must not slow a suite down much, must not blow up its memory, and must
not change its outcome. This bench runs the real test suites of a few small pure-Python packages, each in
its own venv built from the package's sdist with the tracer installed by ``tracer.install.install``, both
untraced (tracer installed, ``SFTMINE_TRACE_OUT`` unset) and traced, interleaved in one run: every round
runs every package both ways, alternating which way goes first, so drift on a noisy machine hits both alike.

Per package it prints wall time both ways, the slowdown (traced / untraced, median over rounds), peak RSS
both ways (``ru_maxrss`` from ``os.wait4`` on the suite process, which covers its waited-for children),
the records the tracer wrote and the distinct functions they cover, and the suite's outcome counts both
ways. A footer checks the targets; the LAST stdout line is one JSON object with ``median_slowdown``,
``max_slowdown``, ``max_rss_ratio``, ``all_completed`` and per-package numbers under ``packages``.

Set-up (sdist download, venv, ``pip install``) is cached under ``--work``; the tracer copy in each venv is
refreshed (and its C engine compiled for the venv's python) on every run, so the bench always measures the
working tree's ``tracer/``. ``--engine`` picks the engine the traced runs ask for (``auto``: C if it built).

    .venv/bin/python bench/tracer_bench.py [--packages six,toolz,...] [--rounds 3] [--k 50] [--engine auto]
                                           [--work ~/.cache/sftmine/tracer-bench] [--timeout 900]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from suite_runs import PackageReport, run_rounds
from tracer_report import aggregate, print_footer, print_table, summarize
from tracer_suites import DEFAULT_WORK, SUITES, Prepared, log, prepare


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", default=",".join(SUITES), help="comma-separated, from: " + ",".join(SUITES))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--k", type=int, default=50, help="SFTMINE_TRACE_K for the traced runs")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="cache of sdists and venvs")
    parser.add_argument("--engine", default="auto", choices=("auto", "c", "python"),
                        help="SFTMINE_TRACE_ENGINE for the traced runs")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per suite run")
    args = parser.parse_args(argv)
    args.packages = [p.strip() for p in args.packages.split(",") if p.strip()]
    unknown = [p for p in args.packages if p not in SUITES]
    if unknown:
        parser.error(f"unknown package(s): {', '.join(unknown)}")
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")
    return args


def run(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    work = args.work.expanduser().resolve()
    work.mkdir(parents=True, exist_ok=True)
    reports = {name: PackageReport(name, SUITES[name].version) for name in args.packages}
    preps: dict[str, Prepared] = {}
    for name in args.packages:
        try:
            preps[name] = prepare(SUITES[name], work)
            log(f"{name}: ready ({preps[name].source}; tracer engine build: {preps[name].engine_build})")
        except Exception as exc:  # noqa: BLE001 - report the package as failed, run the others
            reports[name].status = f"setup failed: {type(exc).__name__}: {exc}"
            log(f"{name}: {reports[name].status}")
    run_rounds(preps, reports, args.rounds, args.k, args.engine, args.timeout)
    packages = {name: summarize(report, args.rounds) for name, report in reports.items()}
    for name, prep in preps.items():
        packages[name]["engine_build"] = prep.engine_build
    result = aggregate(packages, args.rounds, args.k, args.engine)
    print_table(packages)
    print_footer(result)
    print(json.dumps(result, sort_keys=False))
    return result


if __name__ == "__main__":
    run()
