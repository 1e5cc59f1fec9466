"""Running a prepared suite untraced and traced: the child process, its wall time and peak RSS, the rounds."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from suite_outcomes import NOT_STARTED, TraceStats, count_records, fmt_outcome, parse_pytest, parse_unittest
from tracer_suites import Prepared, clean_env, log, tracer_api

PYTEST_FLAGS = ("-q", "-p", "no:cacheprovider")


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
