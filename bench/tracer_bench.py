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
import contextlib
import hashlib
import importlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK = Path.home() / ".cache" / "sftmine" / "tracer-bench"
PYTEST = "pytest==9.2.0"
MARKER = ".sftmine-bench-ready"
NOT_STARTED = "[sftmine-tracer] not started"
TARGETS = {"median_slowdown": 2.0, "max_slowdown": 3.0, "rss_factor": 1.5, "rss_slack_mb": 100.0}
OUTCOME_KEYS = ("passed", "failed", "skipped", "error", "xfailed", "xpassed")
PYTEST_FLAGS = ("-q", "-p", "no:cacheprovider")


@dataclass(frozen=True)
class Suite:
    """One package under test: its pinned sdist, what its suite needs, and how its project runs it."""

    name: str
    version: str
    modules: tuple[str, ...]  # top-level import names, to find the installed files
    runner: str  # "pytest" or "unittest"
    args: tuple[str, ...] = ()  # after the runner's own flags; "{site}" is the venv's site-packages
    deps: tuple[str, ...] = ()  # pinned test requirements besides pytest


SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        # tox.ini: pytest; the suite is one file next to six.py.
        Suite("six", "1.17.0", ("six",), "pytest", ("test_six.py",)),
        # pyproject: testpaths = ["toolz"] (toolz/tests and toolz/sandbox/tests, inside the package).
        Suite("toolz", "1.2.0", ("toolz", "tlz"), "pytest"),
        # The suite is one file next to the package.
        Suite("inflection", "0.5.1", ("inflection",), "pytest", ("test_inflection.py",)),
        # .pytest.ini's addopts turn on pytest-cov (a settrace tracer of its own, and a .coverage file):
        # drop them and keep the rest, so the suite and its doctests (tests/, docs/*.rst, src) run as in CI.
        Suite(
            "semver", "3.1.1", ("semver",), "pytest",
            ("-o", "addopts=", "--import-mode=importlib", "--doctest-glob=*.rst", "--doctest-modules",
             "--doctest-report", "ndiff"),
            ("packaging==26.3",),
        ),
        # tox.ini: pytest --doctest-modules {site-packages}/boltons tests
        Suite("boltons", "26.2.0", ("boltons",), "pytest", ("--doctest-modules", "{site}/boltons", "tests")),
        # tox.ini: python -m unittest (tests/ adds the package's doctests through load_tests).
        Suite("more-itertools", "11.2.1", ("more_itertools",), "unittest"),
    )
}


@dataclass
class Prepared:
    """A package ready to run: its venv's python, the source dir the suite runs from, what to record."""

    suite: Suite
    python: Path
    site: Path
    source: Path
    include: tuple[str, ...]
    home: Path
    engine_build: str  # install's ENGINE.txt: "c: <module>" or "python: <why the C engine did not build>"


@dataclass
class TraceStats:
    """What the tracer wrote in one traced run."""

    records: int = 0
    distinct: int = 0
    summaries: int = 0  # one per traced process
    bad_lines: int = 0
    tracer_errors: int = 0  # the summaries' "errors", where they say
    engines: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """One run of one suite, traced or not."""

    round: int
    traced: bool
    wall_s: float
    rss_mb: float
    returncode: int | None
    timed_out: bool
    outcome: dict[str, int] | None
    log: str
    trace: TraceStats | None = None
    tracer_not_started: bool = False

    @property
    def completed(self) -> bool:
        return not self.timed_out and self.outcome is not None and self.returncode in (0, 1)


@dataclass
class PackageReport:
    """Everything the bench says about one package."""

    name: str
    version: str
    status: str = "ok"
    runs: list[RunResult] = field(default_factory=list)


# ---------------------------------------------------------------- output helpers


def log(message: str) -> None:
    print(f"[tracer-bench] {message}", file=sys.stderr, flush=True)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ---------------------------------------------------------------- set-up


def tracer_api() -> tuple[Any, Any, Any]:
    """``install``, ``site_packages_of`` and ``Config`` from this checkout's ``tracer`` package."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    install = importlib.import_module("tracer.install")
    config = importlib.import_module("tracer.config")
    return install.install, install.site_packages_of, config.Config


def sdist_info(suite: Suite) -> tuple[str, str, str]:
    """(url, filename, sha256) of the pinned sdist, from PyPI's JSON API (the project page's ``releases``)."""
    api = f"https://pypi.org/pypi/{suite.name}/json"
    with urllib.request.urlopen(api, timeout=60) as resp:
        data = json.load(resp)
    for item in data.get("releases", {}).get(suite.version, []):
        if item["packagetype"] == "sdist":
            # Some mirrors answer with URLs relative to the API page.
            return urllib.parse.urljoin(api, item["url"]), item["filename"], item["digests"]["sha256"]
    raise RuntimeError(f"{suite.name}=={suite.version} has no sdist on PyPI")


def fetch_sdist(suite: Suite, dest: Path) -> Path:
    """Download the sdist with urllib, checking PyPI's sha256."""
    url, filename, sha256 = sdist_info(suite)
    with urllib.request.urlopen(url, timeout=120) as resp:
        payload = resp.read()
    if hashlib.sha256(payload).hexdigest() != sha256:
        raise RuntimeError(f"{filename}: sha256 mismatch")
    partial = dest / (filename + ".part")
    partial.write_bytes(payload)
    partial.rename(dest / filename)
    return dest / filename


def pip_download_sdist(suite: Suite, dest: Path) -> Path:
    """Download the sdist with pip (the fallback when the JSON API does not answer)."""
    staging = Path(tempfile.mkdtemp(prefix="download-", dir=dest))
    try:
        run_logged([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps",
                    "--no-binary", ":all:", f"{suite.name}=={suite.version}", "-d", str(staging)],
                   dest / "download.log")
        found = sorted(staging.glob("*.tar.gz"))
        if len(found) != 1:
            raise RuntimeError(f"pip download left {len(found)} .tar.gz files")
        return found[0].rename(dest / found[0].name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def download_sdist(suite: Suite, dest: Path) -> Path:
    """The pinned sdist under ``dest``, downloaded if not there yet."""
    dest.mkdir(parents=True, exist_ok=True)
    existing = sorted(dest.glob("*.tar.gz"))
    if existing:
        return existing[0]
    log(f"{suite.name}: downloading the {suite.version} sdist")
    try:
        return fetch_sdist(suite, dest)
    except Exception as exc:  # noqa: BLE001 - fall back to pip, which may reach an index the API does not
        log(f"{suite.name}: JSON API download failed ({type(exc).__name__}: {exc}); trying pip download")
        return pip_download_sdist(suite, dest)


def extract_sdist(archive: Path, dest: Path) -> Path:
    """The sdist's top directory under ``dest``, extracted once."""
    existing = [p for p in dest.iterdir() if p.is_dir()] if dest.exists() else []
    if len(existing) == 1:
        return existing[0]
    if dest.exists():
        shutil.rmtree(dest)
    staging = Path(tempfile.mkdtemp(prefix="extract-", dir=dest.parent))
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    tops = [p for p in staging.iterdir() if p.is_dir()]
    if len(tops) != 1:
        raise RuntimeError(f"{archive.name}: expected one top directory, found {len(tops)}")
    staging.rename(dest)
    return dest / tops[0].name


def run_logged(cmd: list[str], logfile: Path, timeout: float = 1800) -> None:
    """Run a set-up command, appending its output to ``logfile``; raise with the log's tail on failure."""
    with logfile.open("a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} {' '.join(cmd[1:4])} ... failed ({proc.returncode}):\n{tail(logfile)}")


def setup_key(suite: Suite) -> dict[str, Any]:
    """What a cached venv was built for, as its marker file reads back; a different key means rebuild."""
    key = {"suite": asdict(suite), "pytest": PYTEST, "python": sys.version, "base": sys.base_prefix}
    return json.loads(json.dumps(key))  # tuples read back as lists


def build_venv(suite: Suite, home: Path, archive: Path) -> Path:
    """A venv with the package (from its sdist) and its test requirements; reused if already built."""
    venv = home / "venv"
    python = venv / "bin" / "python"
    marker = venv / MARKER
    key = setup_key(suite)
    if marker.exists() and python.exists():
        try:
            if json.loads(marker.read_text()) == key:
                return python
        except (OSError, ValueError):
            pass
    if venv.exists():
        shutil.rmtree(venv)
    logfile = home / "setup.log"
    log(f"{suite.name}: creating venv (log: {logfile})")
    run_logged([sys.executable, "-m", "venv", str(venv)], logfile)
    log(f"{suite.name}: pip install {archive.name} {PYTEST} {' '.join(suite.deps)}")
    run_logged(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", str(archive), PYTEST, *suite.deps],
        logfile,
    )
    marker.write_text(json.dumps(key))
    return python


def include_paths(python: Path, modules: tuple[str, ...], source: Path, cwd: Path) -> tuple[str, ...]:
    """The installed files of ``modules`` in the venv (a package's dir or a module's file), plus the sdist dir."""
    code = (
        "import importlib.util, json, os, sys\n"
        "out = []\n"
        "for name in sys.argv[1:]:\n"
        "    spec = importlib.util.find_spec(name)\n"
        "    if spec is None or not spec.origin:\n"
        "        raise SystemExit('cannot find ' + name)\n"
        "    out.append(os.path.dirname(spec.origin) if spec.submodule_search_locations else spec.origin)\n"
        "print(json.dumps(out))\n"
    )
    env = clean_env(python)
    proc = subprocess.run([str(python), "-c", code, *modules], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True, timeout=120)
    installed = json.loads(proc.stdout.strip().splitlines()[-1])
    return (*installed, str(source))


def prepare(suite: Suite, work: Path) -> Prepared:
    """Download, extract, build the venv (cached), then (always) copy the current tracer into it."""
    install, site_packages_of, _ = tracer_api()
    home = work / f"{suite.name}-{suite.version}"
    home.mkdir(parents=True, exist_ok=True)
    archive = download_sdist(suite, home / "dist")
    source = extract_sdist(archive, home / "src")
    python = build_venv(suite, home, archive)
    site = Path(site_packages_of(python))
    target = Path(install(site, python))  # with the venv's python, install compiles the C engine for it
    engine_file = target / "ENGINE.txt"
    engine_build = engine_file.read_text().strip() if engine_file.exists() else "unknown (no ENGINE.txt)"
    include = include_paths(python, suite.modules, source, home)
    return Prepared(suite, python, site, source, include, home, engine_build)


# ---------------------------------------------------------------- running a suite


def clean_env(python: Path) -> dict[str, str]:
    """The environment a suite runs in: ours minus anything that would steer it, plus the venv."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("SFTMINE_TRACE", "PYTEST_", "COV_")) and k not in ("PYTHONPATH", "PYTHONHOME")
    }
    venv = python.parent.parent
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def suite_command(prep: Prepared) -> list[str]:
    args = [a.replace("{site}", str(prep.site)) for a in prep.suite.args]
    if prep.suite.runner == "unittest":
        return [str(prep.python), "-m", "unittest", *args]
    return [str(prep.python), "-m", "pytest", *PYTEST_FLAGS, *args]


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def run_child(cmd: list[str], cwd: Path, env: dict[str, str], logfile: Path,
              timeout: float) -> tuple[float, int, float, bool]:
    """Run ``cmd`` as a direct child in its own session; (wall s, exit code, peak RSS MB, timed out)."""
    timed_out = threading.Event()
    with logfile.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)

        def on_timeout() -> None:
            timed_out.set()
            _kill_group(proc.pid)

        timer = threading.Timer(timeout, on_timeout)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            _kill_group(proc.pid)
            proc.wait()
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    _kill_group(proc.pid)  # whatever the suite left running in its session
    return wall, proc.returncode, usage.ru_maxrss / 1024.0, timed_out.is_set()


_PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected|warnings?)\b")
_PYTEST_TAIL = re.compile(r"\bin [\d.]+s\b")
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ")
_UNITTEST_RESULT = re.compile(r"^(OK|FAILED)(?: \((.*)\))?\s*$")


def parse_pytest(text: str) -> dict[str, int] | None:
    """Outcome counts from pytest's last summary line ("3 failed, 120 passed, 2 skipped in 1.2s")."""
    for line in reversed(text.splitlines()):
        if not _PYTEST_TAIL.search(line):
            continue
        found = _PYTEST_COUNT.findall(line)
        if not found and "no tests ran" not in line:
            continue
        counts = dict.fromkeys(OUTCOME_KEYS, 0)
        for number, word in found:
            word = "error" if word.startswith("error") else word
            if word in counts:
                counts[word] += int(number)
        return counts
    return None


def parse_unittest(text: str) -> dict[str, int] | None:
    """Outcome counts from unittest's "Ran N tests" and "OK (skipped=2)" / "FAILED (failures=1, ...)" lines."""
    lines = text.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        ran = _UNITTEST_RAN.match(lines[i])
        if not ran:
            continue
        for line in lines[i + 1:]:
            result = _UNITTEST_RESULT.match(line)
            if not result:
                continue
            parts = dict(p.strip().split("=", 1) for p in (result.group(2) or "").split(",") if "=" in p)
            got = {k.strip(): int(v) for k, v in parts.items()}
            counts = dict.fromkeys(OUTCOME_KEYS, 0)
            counts["failed"] = got.get("failures", 0)
            counts["error"] = got.get("errors", 0)
            counts["skipped"] = got.get("skipped", 0)
            counts["xfailed"] = got.get("expected failures", 0)
            counts["xpassed"] = got.get("unexpected successes", 0)
            counts["passed"] = int(ran.group(1)) - sum(counts.values())
            return counts
        return None
    return None


def _note_summary(stats: TraceStats, summary: Any) -> None:
    stats.summaries += 1
    if isinstance(summary, dict):
        if isinstance(summary.get("errors"), int):
            stats.tracer_errors += summary["errors"]
        engine = summary.get("engine")
        if isinstance(engine, str) and engine not in stats.engines:
            stats.engines.append(engine)


def count_records(out_dir: Path) -> TraceStats:
    """Records, distinct (file, qualname), summaries and unreadable lines in the trace out dir."""
    stats = TraceStats()
    distinct: set[tuple[str, str]] = set()
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        with path.open("rb") as fh:
            for raw in fh:
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except ValueError:
                    stats.bad_lines += 1
                    continue
                if not isinstance(obj, dict):
                    stats.bad_lines += 1
                elif "summary" in obj:
                    _note_summary(stats, obj["summary"])
                elif "file" in obj and "qualname" in obj:
                    stats.records += 1
                    distinct.add((str(obj["file"]), str(obj["qualname"])))
                else:
                    stats.bad_lines += 1
    stats.distinct = len(distinct)
    return stats


def run_suite(prep: Prepared, traced: bool, k: int, engine: str, timeout: float, round_no: int) -> RunResult:
    """One run of the package's suite, from its sdist dir; traced runs start from an empty out dir."""
    _, _, config_cls = tracer_api()
    env = clean_env(prep.python)
    out_dir = prep.home / "trace-out"
    if traced:
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
        env.update(config_cls(out_dir=str(out_dir), include=prep.include, max_pairs=k, engine=engine).to_env())
    logs = prep.home / "logs"
    logs.mkdir(exist_ok=True)
    logfile = logs / f"r{round_no}-{'traced' if traced else 'untraced'}.log"
    wall, code, rss, timed_out = run_child(suite_command(prep), prep.source, env, logfile, timeout)
    text = logfile.read_text(errors="replace")
    parse = parse_unittest if prep.suite.runner == "unittest" else parse_pytest
    result = RunResult(round_no, traced, wall, rss, code, timed_out, parse(text), str(logfile),
                       tracer_not_started=NOT_STARTED in text)
    if traced:
        result.trace = count_records(out_dir)
    return result


# ---------------------------------------------------------------- the bench


def run_rounds(preps: dict[str, Prepared], reports: dict[str, PackageReport], rounds: int, k: int, engine: str,
               timeout: float) -> None:
    """Every round runs every ready package untraced and traced, alternating which goes first."""
    for r in range(rounds):
        for i, (name, prep) in enumerate(preps.items()):
            order = (False, True) if (r + i) % 2 == 0 else (True, False)
            for traced in order:
                mode = "traced" if traced else "untraced"
                try:
                    result = run_suite(prep, traced, k, engine, timeout, r + 1)
                except Exception as exc:  # noqa: BLE001 - one broken suite must not stop the bench
                    reports[name].status = f"run failed: {type(exc).__name__}: {exc}"
                    log(f"round {r + 1}/{rounds} {name} {mode}: {reports[name].status}")
                    continue
                reports[name].runs.append(result)
                t = result.trace
                extra = f", {t.records} records, {t.distinct} functions, {t.summaries} processes" if t else ""
                flag = " TIMEOUT" if result.timed_out else ("" if result.completed else " INCOMPLETE")
                log(f"round {r + 1}/{rounds} {name} {mode}: {result.wall_s:.2f}s, {result.rss_mb:.0f} MB, "
                    f"{fmt_outcome(result.outcome)}{extra}{flag}")


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def completed_pairs(runs: list[RunResult]) -> list[tuple[RunResult, RunResult]]:
    """(untraced, traced) runs of the same round where both completed: the only ones timings compare."""
    by_round: dict[int, dict[bool, RunResult]] = {}
    for r in runs:
        by_round.setdefault(r.round, {})[r.traced] = r
    pairs = [(pair[False], pair[True]) for _, pair in sorted(by_round.items()) if len(pair) == 2]
    return [(u, t) for u, t in pairs if u.completed and t.completed]


def summarize(report: PackageReport, rounds: int) -> dict[str, Any]:
    """The per-package numbers for the table and the JSON."""
    untraced = [r for r in report.runs if not r.traced]
    traced = [r for r in report.runs if r.traced]
    outcomes = [r.outcome for r in report.runs]
    pairs = completed_pairs(report.runs)
    rss_u = max((u.rss_mb for u, _ in pairs), default=None)
    rss_t = max((t.rss_mb for _, t in pairs), default=None)
    trace = traced[-1].trace if traced else None
    completed = (
        report.status == "ok"
        and len(untraced) == rounds and len(traced) == rounds
        and all(r.completed for r in report.runs)
    )
    same = bool(outcomes) and all(o == outcomes[0] for o in outcomes)
    return {
        "version": report.version,
        "status": report.status,
        "untraced_wall_s": _round(_median([u.wall_s for u, _ in pairs])),
        "traced_wall_s": _round(_median([t.wall_s for _, t in pairs])),
        "slowdown": _round(_median([t.wall_s / u.wall_s for u, t in pairs if u.wall_s > 0])),
        "timed_rounds": len(pairs),
        "untraced_rss_mb": _round(rss_u, 1),
        "traced_rss_mb": _round(rss_t, 1),
        "rss_ratio": _round(rss_t / rss_u if rss_u and rss_t else None),
        "rss_within_target": (
            rss_t <= TARGETS["rss_factor"] * rss_u + TARGETS["rss_slack_mb"] if rss_u and rss_t else None
        ),
        "records": trace.records if trace else None,
        "distinct_functions": trace.distinct if trace else None,
        "trace_summaries": trace.summaries if trace else None,
        "trace_bad_lines": trace.bad_lines if trace else None,
        "tracer_errors": trace.tracer_errors if trace else None,
        "tracer_engines": trace.engines if trace else None,
        "tracer_started": (not any(r.tracer_not_started for r in traced)) if traced else None,
        "outcome_untraced": untraced[0].outcome if untraced else None,
        "outcome_traced": traced[0].outcome if traced else None,
        "outcomes_match": same,
        "completed": completed and same,
        "timeouts": sum(r.timed_out for r in report.runs),
        "returncodes": sorted({r.returncode for r in report.runs if r.returncode is not None}),
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def fmt_outcome(outcome: dict[str, int] | None) -> str:
    if outcome is None:
        return "no summary"
    parts = [f"{n} {k}" for k, n in outcome.items() if n]
    return ", ".join(parts) if parts else "no tests"


def _fmt(value: Any, spec: str = "") -> str:
    """``value`` formatted with ``spec`` ("7.2f"), or "-" padded to the spec's width when there is none."""
    if value is None:
        width = re.match(r"\d*", spec).group()
        return "-".rjust(int(width)) if width else "-"
    return format(value, spec)


def print_table(packages: dict[str, dict[str, Any]]) -> None:
    header = (f"{'package':<15} {'version':<8} {'untr s':>7} {'tr s':>7} {'slow':>5} {'untr MB':>8} {'tr MB':>7} "
              f"{'RSS x':>5} {'records':>8} {'funcs':>6}  outcome (untraced | traced)")
    print(header)
    print("-" * len(header))
    for name, p in packages.items():
        if p["outcome_untraced"] is None and p["outcome_traced"] is None and p["status"] != "ok":
            outcome = "-"
        else:
            same = "same" if p["outcomes_match"] else "DIFFERENT"
            outcome = f"{fmt_outcome(p['outcome_untraced'])} | {fmt_outcome(p['outcome_traced'])} ({same})"
        print(f"{name:<15} {p['version']:<8} {_fmt(p['untraced_wall_s'], '7.2f')} {_fmt(p['traced_wall_s'], '7.2f')} "
              f"{_fmt(p['slowdown'], '5.2f')} {_fmt(p['untraced_rss_mb'], '8.1f')} {_fmt(p['traced_rss_mb'], '7.1f')} "
              f"{_fmt(p['rss_ratio'], '5.2f')} {_fmt(p['records'], '8d')} {_fmt(p['distinct_functions'], '6d')}  "
              f"{outcome}")
        if p["status"] != "ok":
            print(f"{'':<15} status: {p['status'].splitlines()[0]}")
        elif not p["completed"]:
            print(f"{'':<15} INCOMPLETE: timeouts={p['timeouts']} returncodes={p['returncodes']}")
        if p["tracer_errors"] or p["trace_bad_lines"]:
            print(f"{'':<15} tracer errors: {p['tracer_errors']}, unreadable trace lines: {p['trace_bad_lines']}")
        if str(p.get("engine_build", "")).startswith("python"):
            print(f"{'':<15} C engine not built: {p['engine_build']}")
        if p["tracer_started"] is False:
            print(f"{'':<15} tracer did not start in the traced runs ({NOT_STARTED!r} in the log)")


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def print_footer(result: dict[str, Any]) -> None:
    t = TARGETS
    print()
    print(f"median slowdown {_fmt(result['median_slowdown'], '.2f')} (target <= {t['median_slowdown']}): "
          f"{verdict(result['targets']['median_slowdown'])}")
    print(f"max slowdown    {_fmt(result['max_slowdown'], '.2f')} (target <= {t['max_slowdown']}): "
          f"{verdict(result['targets']['max_slowdown'])}")
    print(f"max RSS ratio   {_fmt(result['max_rss_ratio'], '.2f')} (target: traced <= {t['rss_factor']}x untraced "
          f"+ {t['rss_slack_mb']:.0f} MB): {verdict(result['targets']['rss'])}")
    print(f"all suites completed both ways with the same outcome counts: {result['all_completed']}")
    print(f"tracer engine asked: {result['engine']}; used: {', '.join(result['engines_used']) or '-'}")
    if result["timed_packages"] < len(result["packages"]):
        print(f"NOTE: timings and RSS cover {result['timed_packages']} of {len(result['packages'])} packages "
              "(only rounds where both runs completed count).")
    if not result["tracer_started_everywhere"]:
        print("NOTE: the tracer did not start in some traced runs; those numbers measure an untraced suite.")


def aggregate(packages: dict[str, dict[str, Any]], rounds: int, k: int, engine: str) -> dict[str, Any]:
    slow = [p["slowdown"] for p in packages.values() if p["slowdown"] is not None]
    ratios = [p["rss_ratio"] for p in packages.values() if p["rss_ratio"] is not None]
    rss_ok = [p["rss_within_target"] for p in packages.values() if p["rss_within_target"] is not None]
    median_slowdown = _round(_median(slow))
    max_slowdown = _round(max(slow)) if slow else None
    return {
        "median_slowdown": median_slowdown,
        "max_slowdown": max_slowdown,
        "max_rss_ratio": _round(max(ratios)) if ratios else None,
        "all_completed": bool(packages) and all(p["completed"] for p in packages.values()),
        "tracer_started_everywhere": all(p["tracer_started"] is not False for p in packages.values()),
        "targets": {
            "median_slowdown": None if median_slowdown is None else median_slowdown <= TARGETS["median_slowdown"],
            "max_slowdown": None if max_slowdown is None else max_slowdown <= TARGETS["max_slowdown"],
            "rss": all(rss_ok) if rss_ok else None,
        },
        "timed_packages": len(slow),
        "rounds": rounds,
        "k": k,
        "engine": engine,
        "engines_used": sorted({e for p in packages.values() for e in p["tracer_engines"] or ()}),
        "python": sys.version.split()[0],
        "packages": packages,
    }


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
