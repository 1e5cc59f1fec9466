"""The CI harvester: from a PyPI package or a git repository to call records, sandboxed.

Per project: fetch (sdist or clone), read its CI configuration into a plan, PREPARE its
environment (tox env where the project uses tox, else a venv), install the tracer into that
environment, and run the suite traced with no network. A suite that fails to start the known ways
is retried with the matching workaround, each counted. The result says where the project came
from, what ran, outcome counts, times per phase, the records, and on failure why, with the log tail.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pipelines.sources.outcome import parse_outcome
from sandbox.suite import (
    PYTHON,
    Layout,
    PhaseResult,
    SuiteLimits,
    WorkDirUnreachable,
    check_reachable,
    prepare,
    run_tests,
)
from scrapers import archive, ciconfig, git, pypi
from tracer.config import Config
from tracer.install import install, site_packages_of

TRACE_ENV = "SFTMINE_TRACE_*"  # tox's pass_env takes a glob: every tracer setting reaches the env


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
    plan: dict = field(default_factory=dict)
    phases: list[dict] = field(default_factory=list)
    workarounds: list[str] = field(default_factory=list)
    outcome: dict = field(default_factory=dict)
    records_dir: str = ""
    roots: list[str] = field(default_factory=list)  # where recorded files live: env site-packages, source tree
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


def _slug(spec: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", spec).strip("_")[:100]


def _fetch_pypi(spec: str, layout: Layout, settings: HarvestSettings, result: HarvestResult) -> None:
    client = pypi.session()
    release = pypi.resolve(spec, client, settings.index_url)
    result.name, result.version, result.license = release.name, release.version, release.license
    result.url = release.url
    sdist = pypi.download(release, settings.work_dir / "sdists", client)
    top = archive.extract(sdist, layout.root / "extract")
    shutil.move(str(top), layout.src)
    shutil.rmtree(layout.root / "extract", ignore_errors=True)


def _fetch_git(spec: str, layout: Layout, result: HarvestResult) -> None:
    url, _, ref = spec.partition("@") if "://" not in spec.partition("@")[2] else (spec, "", "")
    checkout = git.clone(url, layout.src, ref or "HEAD")
    result.name = Path(url.rstrip("/")).name.removesuffix(".git")
    result.url, result.commit, result.version = url, checkout.commit, ref or "HEAD"
    result.license = _license_from_tree(layout.src)


def _license_from_tree(root: Path) -> str:
    """A repository's license from its pyproject metadata, if it says one."""
    info = ciconfig._read_toml(root / "pyproject.toml").get("project", {})
    declared = info.get("license")
    if isinstance(declared, str):
        return declared
    classifiers = info.get("classifiers") or []
    return pypi.license_of({"classifiers": classifiers, "license": (declared or {}).get("text", "")})


def _requirement_args(deps: list[str], root: Path) -> list[str]:
    args = []
    for dep in deps:
        if dep.startswith(("-r", "-c")):
            flag, path = dep[:2], dep[2:].strip()
            args += [flag, str(root / path) if not os.path.isabs(path) else path]
        elif dep and not dep.startswith("-"):
            args.append(dep)
    return args


def _test_requirement_files(root: Path) -> list[str]:
    """Requirement files that name test-only deps, by the usual names."""
    patterns = ("*requirements*test*.txt", "test*requirements*.txt", "requirements/*test*.txt")
    found = sorted({str(p.relative_to(root)) for pattern in patterns for p in root.glob(pattern)})
    return [f"-r {name}" for name in found]


def install_steps(plan: ciconfig.TestPlan, layout: Layout) -> tuple[list[list[str]], Path]:
    """PREPARE steps for a plan, and the interpreter of the environment they create."""
    venv_bin = layout.venv / "bin"
    steps = [[PYTHON, "-m", "venv", str(layout.venv)]]
    if plan.uses_tox:
        env_python = layout.toxwork / plan.tox_env / "bin" / "python"
        steps += [
            [str(venv_bin / "pip"), "install", "-q", "tox>=4.11"],
            [str(venv_bin / "tox"), "run", "-e", plan.tox_env, "--notest", "--workdir", str(layout.toxwork)],
            [str(env_python), "-m", "pip", "install", "-q", "pytest"],
        ]
        return steps, env_python
    pip = str(venv_bin / "pip")
    extras = sorted(set(plan.extras) | set(ciconfig.TEST_EXTRAS))
    if not plan.skip_install:
        steps.append([pip, "install", "-q", f"{layout.src}[{','.join(extras)}]"])
    deps = _requirement_args(plan.deps + _test_requirement_files(layout.src), layout.src)
    steps.append([pip, "install", "-q", *deps, "pytest"])
    steps += plan.install_commands
    return steps, venv_bin / "python"


def _include_paths(env_python: Path, layout: Layout, name: str) -> tuple[str, ...]:
    """The project's own files: its installed top-level packages and its source tree."""
    site = site_packages_of(env_python)
    paths = {str(layout.src)}
    normalised = re.sub(r"[-_.]+", "_", name).lower()
    for dist in site.glob("*.dist-info"):
        if re.sub(r"[-_.]+", "_", dist.name.split("-")[0]).lower() != normalised:
            continue
        for line in (dist / "RECORD").read_text().splitlines() if (dist / "RECORD").exists() else []:
            top = line.split(",")[0].split("/")[0]
            if top.endswith(".py") or (site / top / "__init__.py").exists():
                paths.add(str(site / top))
    return tuple(sorted(paths))


def test_commands(plan: ciconfig.TestPlan, layout: Layout, env_python: Path, attempt: str) -> list[list[str]]:
    """The commands of one TEST attempt: the plan's own, or direct pytest with a workaround."""
    if attempt == "plan" and plan.uses_tox:
        return [[str(layout.venv / "bin" / "tox"), "run", "-e", plan.tox_env, "--skip-pkg-install",
                 "--workdir", str(layout.toxwork), "-x", f"testenv.pass_env+={TRACE_ENV}"]]
    if attempt == "plan":
        return [[str(env_python) if c[0] in ("python", "python3") else c[0], *c[1:]] for c in plan.commands]
    pytest = [str(env_python), "-m", "pytest", "-p", "no:cacheprovider"]
    if attempt == "reset_addopts":
        return [[*pytest, "-o", "addopts="]]
    if attempt == "add_tests_init":
        restore_tests_init(layout.src)
        return [[*pytest, "-o", "addopts="]]
    return [[str(env_python), "-m", "unittest", "discover", "-v"]]


_STDLIB_HOMES = ("collections", "unittest", "typing", "json", "os", "sys", "functools", "itertools", "io")


def restore_tests_init(src: Path) -> list[Path]:
    """Write the ``__init__.py`` an sdist left out of its test directories.

    Test modules sometimes import helpers from their own package (``from tests import unittest,
    OrderedDict``); the generated file re-exports such names from the standard library.
    """
    written = []
    for directory in (src / "tests", src / "test"):
        if not directory.is_dir() or (directory / "__init__.py").exists():
            continue
        names = set()
        for module in directory.glob("*.py"):
            try:
                tree = ast.parse(module.read_text(errors="replace"))
            except SyntaxError:
                continue
            names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                      and node.module == directory.name and node.level == 0 for alias in node.names}
        (directory / "__init__.py").write_text(
            "# Written by sftmine: the sdist left this file out.\n"
            "import importlib as _importlib\n"
            f"for _name in {sorted(names)!r}:\n"
            f"    for _home in (None, *{_STDLIB_HOMES!r}):\n"
            "        try:\n"
            "            _module = _importlib.import_module(_name if _home is None else _home)\n"
            "            globals()[_name] = _module if _home is None else getattr(_module, _name)\n"
            "            break\n"
            "        except (ImportError, AttributeError):\n"
            "            pass\n"
        )
        written.append(directory / "__init__.py")
    return written


ATTEMPTS = ("plan", "reset_addopts", "add_tests_init", "unittest_discover")


def _count_records(records_dir: Path) -> tuple[int, int, str]:
    records, functions, engines = 0, set(), set()
    for path in records_dir.glob("*.jsonl"):
        for line in path.read_text(errors="replace").splitlines():
            data = json.loads(line)
            if "summary" in data:
                engines.add(data["summary"].get("engine", ""))
            else:
                records += 1
                functions.add((data["file"], data["qualname"]))
    return records, len(functions), ",".join(sorted(engines))


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


def _run_harvest(spec: str, is_git: bool, layout: Layout, settings: HarvestSettings, result: HarvestResult) -> None:
    result.fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        if is_git:
            _fetch_git(spec[len("git+"):], layout, result)
        else:
            _fetch_pypi(spec, layout, settings, result)
    except archive.UnsafeArchive as exc:
        result.fail(Reason.UNSAFE_ARCHIVE, str(exc))
        return
    except (pypi.SourceError, OSError) as exc:
        result.fail(Reason.FETCH, str(exc))
        return
    try:
        plan = ciconfig.read_plan(layout.src)
    except ciconfig.ConfigError as exc:
        result.fail(Reason.CONFIG, str(exc))
        return
    result.plan = asdict(plan)
    steps, env_python = install_steps(plan, layout)
    prepared = prepare(layout, steps, settings.index_url, settings.limits, settings.work_dir / "pip-cache")
    result.phases.append(_phase(prepared))
    if not prepared.ok and plan.uses_tox:
        # tox could not build its env (an old tox.ini, a missing interpreter): fall back to a plain venv.
        result.workarounds.append("tox_to_venv")
        plan.uses_tox = False
        steps, env_python = install_steps(plan, layout)
        prepared = prepare(layout, steps, settings.index_url, settings.limits, settings.work_dir / "pip-cache")
        result.phases.append(_phase(prepared))
    if not prepared.ok:
        reason = Reason.PREPARE_TIMEOUT if prepared.timed_out else Reason.PREPARE
        result.fail(reason, f"install step failed (exit {prepared.returncode})", prepared.log)
        return
    try:
        site = site_packages_of(env_python)
        install(site, env_python)
        include = _include_paths(env_python, layout, result.name or spec)
        result.roots = [str(site), str(layout.src)]
    except (OSError, ValueError) as exc:
        result.fail(Reason.TRACER, str(exc))
        return
    trace_env = Config(out_dir=str(layout.records), include=include, max_pairs=settings.max_pairs).to_env()
    tested = None
    for attempt in ATTEMPTS:
        shutil.rmtree(layout.records, ignore_errors=True)
        commands = test_commands(plan, layout, env_python, attempt)
        tested = run_tests(layout, commands, trace_env, settings.limits, [env_python.parent], name=f"test-{attempt}")
        result.phases.append(_phase(tested))
        outcome = parse_outcome(tested.log)
        if tested.timed_out:
            result.fail(Reason.TEST_TIMEOUT, f"suite ran over {settings.limits.test_timeout_s}s", tested.log)
            return
        if outcome and outcome.get("passed", 0) + outcome.get("failed", 0) > 0:
            if attempt != "plan":
                result.workarounds.append(attempt)
            result.outcome = outcome
            break
    else:
        assert tested is not None
        result.fail(Reason.NO_TESTS_RAN, "no attempt ran any test", tested.log)
        return
    result.records_dir = str(layout.records)
    result.records, result.functions, result.engine = _count_records(layout.records)
    result.ok = True
    result.log_tail = tested.log[-1500:]


def _phase(phase: PhaseResult) -> dict:
    return {"phase": phase.phase, "seconds": phase.seconds, "returncode": phase.returncode,
            "timed_out": phase.timed_out, "refused": phase.refused, "script": phase.script[-2000:]}
