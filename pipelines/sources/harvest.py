"""The CI harvester: from a PyPI package or a git repository to call records, sandboxed.

Per project: fetch (sdist or clone) and find its license, read its CI configuration into a plan,
PREPARE its environment (tox env where the project uses tox, else a venv) with every declared test
dependency, install the tracer into that environment, and run the suite traced with no network.
TEST attempts go on until one runs tests (``harvest_attempts``); each attempt, workaround and
install round is in the result. A suite that ran but recorded nothing is a failure too. The result
says where the project came from, what ran, outcome counts, times per phase, the records, and on
failure why, with the log tail.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pipelines.sources.harvest_attempts import (
    count_records,
    env_site_packages,
    include_paths,
    pytest_addopts,
    run_attempts,
)
from pipelines.sources.harvest_plan import install_steps, project_name
from sandbox.suite import (
    PYTHON,
    Layout,
    PhaseResult,
    SuiteLimits,
    WorkDirUnreachable,
    check_reachable,
    prepare,
)
from scrapers import archive, ciconfig, git, licenses, pypi
from tracer.config import Config
from tracer.install import install


class Reason(StrEnum):
    """The closed set of reasons a harvest fails."""

    WORK_DIR = "work_dir_unreachable"
    FETCH = "fetch_failed"
    UNSAFE_ARCHIVE = "unsafe_archive"
    CONFIG = "ci_config_unreadable"
    PREPARE = "prepare_failed"
    PREPARE_TIMEOUT = "prepare_timeout"
    TRACER = "tracer_install_failed"
    NO_TESTS_RAN = "no_tests_ran"
    TEST_TIMEOUT = "test_timeout"
    NO_RECORDS = "no_records"


@dataclass
class HarvestResult:
    """What harvesting one project produced."""

    spec: str
    source: str
    name: str = ""
    version: str = ""
    commit: str = ""
    url: str = ""
    license: str = ""
    license_from: str = ""  # where the license was found: PyPI metadata, a license file, pyproject...
    plan: dict = field(default_factory=dict)
    test_deps_from: list[str] = field(default_factory=list)
    phases: list[dict] = field(default_factory=list)
    attempts: list[dict] = field(default_factory=list)  # every TEST run: commands, exit, outcome, reason
    workarounds: list[str] = field(default_factory=list)
    outcome: dict = field(default_factory=dict)
    records_dir: str = ""
    roots: list[str] = field(default_factory=list)  # where recorded files live: env site-packages, source tree
    include: list[str] = field(default_factory=list)  # the files and directories the tracer recorded calls in
    fetched_at: str = ""
    records: int = 0
    functions: int = 0
    engine: str = ""
    ok: bool = False
    reason: str = ""
    detail: str = ""
    log_tail: str = ""
    seconds: float = 0.0

    def fail(self, reason: str, detail: str, log: str = "") -> HarvestResult:
        """Mark as failed with a reason from ``Reason``."""
        self.ok, self.reason, self.detail, self.log_tail = False, reason, detail[:2000], log[-3000:]
        return self


@dataclass(frozen=True)
class HarvestSettings:
    """Where things go and what the phases may do."""

    work_dir: Path
    index_url: str = pypi.DEFAULT_INDEX
    limits: SuiteLimits = SuiteLimits()
    max_pairs: int = 50
    per_test_timeout_s: int = 60  # pytest-timeout's limit on any one test, inside the suite's limit


def _slug(spec: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", spec).strip("_")[:100]


def _fetch_pypi(spec: str, layout: Layout, settings: HarvestSettings, result: HarvestResult) -> None:
    client = pypi.session()
    release = pypi.resolve(spec, client, settings.index_url)
    result.name, result.version, result.license = release.name, release.version, release.license
    result.license_from = "PyPI metadata" if release.license else ""
    result.url = release.url
    sdist = pypi.download(release, settings.work_dir / "sdists", client)
    top = archive.extract(sdist, layout.root / "extract")
    shutil.move(str(top), layout.src)
    shutil.rmtree(layout.root / "extract", ignore_errors=True)


def _fetch_git(spec: str, layout: Layout, result: HarvestResult) -> None:
    url, _, ref = spec.partition("@") if "://" not in spec.partition("@")[2] else (spec, "", "")
    checkout = git.clone(url, layout.src, ref or "HEAD")
    result.name = project_name(layout.src) or Path(url.rstrip("/")).name.removesuffix(".git")
    result.url, result.commit, result.version = url, checkout.commit, ref or "HEAD"


def harvest(spec: str, settings: HarvestSettings, tag: str = "") -> HarvestResult:
    """Harvest one project: ``name``/``name==version`` from PyPI, or ``git+URL[@ref]``.

    Its files go to ``WORK/projects/<spec>[-<tag>]``; a distinct ``tag`` per setting keeps a harvest
    made with other settings (and its records, which later steps read) from being overwritten.
    """
    started = time.monotonic()
    is_git = spec.startswith("git+")
    result = HarvestResult(spec=spec, source="git" if is_git else "pypi")
    layout = Layout(settings.work_dir / "projects" / (_slug(spec) + (f"-{tag}" if tag else "")))
    shutil.rmtree(layout.root, ignore_errors=True)
    layout.root.mkdir(parents=True)
    try:
        check_reachable(layout.root)
        _run_harvest(spec, is_git, layout, settings, result)
    except WorkDirUnreachable as exc:
        result.fail(Reason.WORK_DIR, str(exc))
    finally:
        result.seconds = round(time.monotonic() - started, 2)
    return result


def _fetch(spec: str, is_git: bool, layout: Layout, settings: HarvestSettings, result: HarvestResult) -> bool:
    """Fetch the project and find its license; False (with the failure set) if it cannot be had."""
    result.fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        if is_git:
            _fetch_git(spec[len("git+"):], layout, result)
        else:
            _fetch_pypi(spec, layout, settings, result)
    except archive.UnsafeArchive as exc:
        result.fail(Reason.UNSAFE_ARCHIVE, str(exc))
        return False
    except (pypi.SourceError, OSError) as exc:
        result.fail(Reason.FETCH, str(exc))
        return False
    if not result.license:
        found = licenses.detect(layout.src)
        if found:
            result.license, result.license_from = found.spdx, found.where
    return True


def _prepare(plan: ciconfig.TestPlan, layout: Layout, settings: HarvestSettings,
             result: HarvestResult) -> tuple[PhaseResult, Path]:
    """PREPARE the plan's environment; a tox env that cannot be built falls back to a plain venv."""
    steps, env_python, result.test_deps_from = install_steps(plan, layout)
    prepared = prepare(layout, steps, settings.index_url, settings.limits, settings.work_dir / "pip-cache")
    result.phases.append(_phase(prepared))
    if not prepared.ok and plan.uses_tox:
        # tox could not build its env (an old tox.ini, a missing interpreter): fall back to a plain venv.
        result.workarounds.append("tox_to_venv")
        plan.uses_tox = False
        steps, env_python, result.test_deps_from = install_steps(plan, layout)
        prepared = prepare(layout, steps, settings.index_url, settings.limits, settings.work_dir / "pip-cache",
                           name="prepare-venv")
        result.phases.append(_phase(prepared))
    return prepared, env_python


def _run_harvest(spec: str, is_git: bool, layout: Layout, settings: HarvestSettings, result: HarvestResult) -> None:
    if not _fetch(spec, is_git, layout, settings, result):
        return
    try:
        plan = ciconfig.read_plan(layout.src)
    except ciconfig.ConfigError as exc:
        result.fail(Reason.CONFIG, str(exc))
        return
    result.plan = asdict(plan)
    prepared, env_python = _prepare(plan, layout, settings, result)
    if not prepared.ok:
        reason = Reason.PREPARE_TIMEOUT if prepared.timed_out else Reason.PREPARE
        result.fail(reason, f"install step failed (exit {prepared.returncode})", prepared.log)
        return
    try:
        site = env_site_packages(env_python, layout)
        install(site, PYTHON)  # the C engine is built for the system interpreter the env resolves to
        include = include_paths(site, layout, project_name(layout.src) or result.name or spec)
        result.roots, result.include = [str(site), str(layout.src)], list(include)
    except (OSError, ValueError) as exc:
        result.fail(Reason.TRACER, str(exc))
        return
    trace_env = Config(out_dir=str(layout.records), include=include, max_pairs=settings.max_pairs).to_env()
    ran = run_attempts(plan, layout, env_python, trace_env, settings.limits, settings.index_url,
                       settings.work_dir / "pip-cache", pytest_addopts(site, settings.per_test_timeout_s))
    result.phases += [_phase(phase) for phase in ran.phases]
    result.attempts, result.outcome = ran.attempts, ran.outcome
    result.workarounds += ran.workarounds
    result.records_dir = str(layout.records)
    result.records, result.functions, result.engine = count_records(layout.records)
    log = ran.last.log if ran.last else ""
    if ran.timed_out:
        result.fail(Reason.TEST_TIMEOUT, f"suite ran over {settings.limits.test_timeout_s}s "
                    f"({result.records} records kept)", log)
    elif not ran.ran:
        result.fail(Reason.NO_TESTS_RAN, f"no attempt ran any test ({len(ran.attempts)} attempts)", log)
    elif not result.records:
        result.fail(Reason.NO_RECORDS, f"the suite ran ({ran.outcome}) but recorded no call of the project's "
                    f"code; recorded under: {', '.join(include)}", log)
    else:
        result.ok = True
        result.log_tail = log[-1500:]


def _phase(phase: PhaseResult) -> dict:
    return {"phase": phase.phase, "seconds": phase.seconds, "returncode": phase.returncode,
            "timed_out": phase.timed_out, "refused": phase.refused, "script": phase.script[-2000:]}
