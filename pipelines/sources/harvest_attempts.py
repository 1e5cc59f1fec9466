"""TEST attempts of one project: each run, read, recorded; missing modules installed between runs.

An attempt runs in TEST (no network) with the tracer on, pytest told to go on past collection
errors and to stop any one test after ``per_test_timeout_s`` (pytest-timeout). When a run stops on
``ModuleNotFoundError``, the module's distribution (``DISTRIBUTIONS`` maps the usual mismatches) is
installed in a further PREPARE and the attempt reruns, at most ``MAX_INSTALL_ROUNDS`` times; a
missing module that is the project's own code puts its directory on ``PYTHONPATH`` instead. A
conftest whose hooks only an older pytest accepts gets pytest 7 the same way.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.sources.harvest_plan import source_modules, test_commands, tolerant_install
from pipelines.sources.outcome import missing_modules, parse_outcome, tests_ran
from sandbox.suite import PYTHON, Layout, PhaseResult, SuiteLimits, prepare, run_tests
from scrapers import ciconfig

MAX_INSTALL_ROUNDS = 3
# Test modules that could not be imported (pytest, unittest): a later attempt may do better.
COLLECTION_ERRORS = re.compile(r"^ERROR collecting |ImportError while importing test module|"
                               r"Failed to import test module", re.MULTILINE)
FULL_LOG_BYTES = 8 << 20
# Import names whose distribution is called otherwise; any other name is installed as itself.
DISTRIBUTIONS = {
    "yaml": "PyYAML", "dateutil": "python-dateutil", "PIL": "Pillow", "sklearn": "scikit-learn",
    "bs4": "beautifulsoup4", "cv2": "opencv-python-headless", "attr": "attrs", "Crypto": "pycryptodome",
    "OpenSSL": "pyOpenSSL", "jwt": "PyJWT", "magic": "python-magic", "serial": "pyserial", "usb": "pyusb",
    "dotenv": "python-dotenv", "git": "GitPython", "MySQLdb": "mysqlclient", "psycopg2": "psycopg2-binary",
    "zmq": "pyzmq", "docx": "python-docx", "pkg_resources": "setuptools", "google": "protobuf",
    "slugify": "python-slugify", "jose": "python-jose", "multipart": "python-multipart", "ruamel": "ruamel.yaml",
    "Levenshtein": "Levenshtein", "lxml": "lxml", "markdown": "Markdown", "jinja2": "Jinja2",
    "sqlalchemy": "SQLAlchemy",
    "dns": "dnspython", "nacl": "PyNaCl", "pytest_asyncio": "pytest-asyncio", "_pytest": "pytest",
    "faker": "Faker", "fuzzywuzzy": "fuzzywuzzy", "typing_extensions": "typing-extensions", "wx": "",
    "gi": "", "tkinter": "", "_tkinter": "", "win32api": "", "win32con": "", "pywintypes": "", "winreg": "",
    "_winapi": "", "msvcrt": "", "AppKit": "", "Foundation": "", "objc": "",
}
# A conftest written for an older pytest (hooks with ``path`` arguments, removed in pytest 8).
OLD_PYTEST_HOOKS = "are declared in the hookimpl but can not be found in the hookspec"
OLDER_PYTEST = "pytest>=7,<8"
NEVER_INSTALL = {"tests", "test", "testing", "conftest", "setup", "helpers", "utils", "common", "fixtures"}


@dataclass
class Attempt:
    """One TEST run as the result records it."""

    attempt: str
    commands: list[str]
    returncode: int
    seconds: float
    timed_out: bool
    outcome: dict = field(default_factory=dict)
    reason: str = ""
    missing_modules: list[str] = field(default_factory=list)
    log_tail: str = ""


@dataclass
class AttemptsResult:
    """What the attempts came to: the last run, its outcome, and what was done on the way."""

    last: PhaseResult | None = None
    outcome: dict = field(default_factory=dict)
    attempt: str = ""
    ran: bool = False
    timed_out: bool = False
    attempts: list[dict] = field(default_factory=list)
    phases: list[PhaseResult] = field(default_factory=list)
    workarounds: list[str] = field(default_factory=list)


def full_log(layout: Layout, name: str, fallback: str) -> str:
    """The whole log of a phase (its last ``FULL_LOG_BYTES``), which the phase result only tails."""
    path = layout.logs / f"{name}.log"
    try:
        if path.is_symlink():
            return fallback
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - FULL_LOG_BYTES))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return fallback


def distribution_for(module: str) -> str:
    """The distribution that provides ``module`` ("" for a platform module that PyPI cannot give)."""
    return DISTRIBUTIONS.get(module, module)


def _split_missing(names: list[str], own: set[str], tried: set[str]) -> tuple[list[str], list[str]]:
    """(distributions to install, the project's own modules) among the missing modules."""
    install, local = [], []
    for name in names:
        if name in own:
            local.append(name)
        elif (name not in sys.stdlib_module_names and name not in NEVER_INSTALL and not name.startswith("_")
              and distribution_for(name) and distribution_for(name) not in tried):
            install.append(distribution_for(name))
    return list(dict.fromkeys(install)), local


def _pythonpath(layout: Layout, modules: list[str]) -> list[str]:
    """Directories of the source tree that hold these top-level modules."""
    found = []
    for base in (layout.src / "src", layout.src / "lib", layout.src):
        if any((base / m).is_dir() or (base / f"{m}.py").is_file() for m in modules):
            found.append(str(base))
    return found


def pytest_addopts(site: Path, per_test_timeout_s: int) -> str:
    """Options every pytest run gets: go on past collection errors, and a per-test time limit."""
    options = ["--continue-on-collection-errors"]
    if per_test_timeout_s and ((site / "pytest_timeout.py").is_file() or (site / "pytest_timeout").is_dir()):
        options.append(f"--timeout={per_test_timeout_s}")
    return " ".join(options)


def _ran_count(outcome: dict) -> int:
    return outcome.get("passed", 0) + outcome.get("failed", 0)


def run_attempts(plan: ciconfig.TestPlan, layout: Layout, env_python: Path, trace_env: dict[str, str],
                 limits: SuiteLimits, index_url: str, pip_cache: Path, addopts: str) -> AttemptsResult:
    """Run the attempts in order until one runs tests cleanly; install missing modules between reruns.

    A run that ran tests but could not collect some modules is kept while later attempts try to do
    better (a written ``tests/__init__.py`` often lets every module import); the attempt that ran
    the most tests wins, with its records.
    """
    from pipelines.sources.harvest_plan import ATTEMPTS

    result = AttemptsResult()
    best: tuple[str, dict, PhaseResult] | None = None
    kept = layout.root / "records-best"
    shutil.rmtree(kept, ignore_errors=True)
    own = set(source_modules(layout.src))
    tried: set[str] = set()
    pythonpath: list[str] = []
    rounds = 0
    for attempt in ATTEMPTS:
        if attempt == "doctests" and best is not None:  # a suite ran: its tests, not the docstrings' examples
            break
        while True:
            shutil.rmtree(layout.records, ignore_errors=True)
            commands = test_commands(plan, layout, env_python, attempt)
            if not commands:
                break
            env = {**trace_env, "PYTEST_ADDOPTS": addopts}
            if pythonpath:
                env["PYTHONPATH"] = os.pathsep.join(pythonpath)
            name = f"test-{attempt}" + (f"-{rounds}" if rounds else "")
            tested = run_tests(layout, commands, env, limits, [env_python.parent], name=name)
            log = full_log(layout, name, tested.log)
            outcome = parse_outcome(log) or {}
            missing = missing_modules(log)
            record = Attempt(attempt=name, commands=[shlex.join(c) for c in commands], returncode=tested.returncode,
                             seconds=tested.seconds, timed_out=tested.timed_out, outcome=outcome,
                             missing_modules=missing, log_tail=tested.log[-600:])
            result.phases.append(tested)
            result.last, result.outcome, result.attempt = tested, outcome, attempt
            if tested.timed_out:
                record.reason = "test_timeout"
                result.attempts.append(record.__dict__)
                result.timed_out = best is None
                return _with_best(result, best, kept, layout)
            install, local = _split_missing(missing, own, tried)
            if OLD_PYTEST_HOOKS in log and OLDER_PYTEST not in tried:
                install.append(OLDER_PYTEST)
            extra_path = [p for p in _pythonpath(layout, local) if p not in pythonpath]
            record.reason = "ran" if tests_ran(outcome) else "no_tests_ran"
            if (install or extra_path) and rounds < MAX_INSTALL_ROUNDS:
                done = [f"installing {', '.join(install)}"] if install else []
                done += [f"on PYTHONPATH: {', '.join(local)}"] if extra_path else []
                record.reason += "; " + "; ".join(done)
                result.attempts.append(record.__dict__)
                rounds += 1
                if extra_path:
                    pythonpath += extra_path
                    result.workarounds.append("pythonpath:" + ",".join(Path(p).name for p in extra_path))
                if install:
                    tried |= set(install)
                    step = tolerant_install([str(env_python), "-m", "pip", "install", "-q"], install, "missing module")
                    installed = prepare(layout, [step], index_url, limits, pip_cache, name=f"prepare-missing-{rounds}")
                    result.phases.append(installed)
                    result.workarounds.append("install_missing:" + ",".join(install))
                continue
            result.attempts.append(record.__dict__)
            break
        if tests_ran(outcome) and (best is None or _ran_count(outcome) > _ran_count(best[1])):
            shutil.rmtree(kept, ignore_errors=True)
            if layout.records.is_dir():
                layout.records.rename(kept)
            best = (attempt, outcome, tested)
        if best is not None and not COLLECTION_ERRORS.search(log):
            break
    return _with_best(result, best, kept, layout)


def _with_best(result: AttemptsResult, best: tuple[str, dict, PhaseResult] | None, kept: Path,
               layout: Layout) -> AttemptsResult:
    """The result as of the attempt that ran the most tests, its records back in place."""
    if best is None:
        return result
    attempt, result.outcome, result.last = best
    shutil.rmtree(layout.records, ignore_errors=True)
    if kept.is_dir():
        kept.rename(layout.records)
    result.ran, result.attempt = True, attempt
    if attempt != "plan":
        result.workarounds.append(attempt)
    return result


def count_records(records_dir: Path) -> tuple[int, int, str]:
    """(records, distinct functions, engines) of a records directory; unreadable lines are skipped."""
    records, functions, engines = 0, set(), set()
    for path in records_dir.glob("*.jsonl"):
        if path.is_symlink():
            continue
        for line in path.read_text(errors="replace").splitlines():
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            if "summary" in data:
                engines.add(str(data["summary"].get("engine", "")))
            elif "file" in data and "qualname" in data:
                records += 1
                functions.add((data["file"], data["qualname"]))
    return records, len(functions), ",".join(sorted(engines))


def env_site_packages(env_python: Path, layout: Layout) -> Path:
    """The environment's site-packages, found without running anything the sandbox wrote.

    The environment's ``bin/python`` and its ``.pth`` files were written by untrusted install code:
    the host only accepts an interpreter that resolves to the system one, and a site-packages
    directory inside the project's work directory.
    """
    system = Path(os.path.realpath(PYTHON))
    actual = Path(os.path.realpath(env_python))
    if actual != system:
        raise ValueError(f"{env_python} resolves to {actual}, not the system interpreter {system}")
    site = env_python.parent.parent / "lib" / system.name / "site-packages"
    if site.is_symlink() or not site.is_dir() or not site.resolve().is_relative_to(layout.root.resolve()):
        raise ValueError(f"{site} is not a site-packages directory inside {layout.root}")
    return site


def include_paths(site: Path, layout: Layout, name: str) -> tuple[str, ...]:
    """The project's own files: its source tree, and what its distribution and modules installed."""
    paths = {str(layout.src)}
    wanted = {_normal(n) for n in (name,) if n}
    source_url = f"file://{layout.src}"
    for dist in site.glob("*.dist-info"):
        direct = _read_json(dist / "direct_url.json")
        if _normal(dist.name.split("-")[0]) not in wanted and direct.get("url", "").rstrip("/") != source_url:
            continue
        record = dist / "RECORD"
        for line in record.read_text(errors="replace").splitlines() if record.is_file() else []:
            top = line.split(",")[0].split("/")[0]
            if top.endswith(".py") or ((site / top).is_dir() and not top.endswith((".dist-info", ".data"))
                                       and top not in ("__pycache__", "..")):
                paths.add(str(site / top))
    for module in source_modules(layout.src):
        for candidate in (site / module, site / f"{module}.py"):
            if candidate.exists() and not candidate.is_symlink():
                paths.add(str(candidate))
    return tuple(sorted(paths))


def _normal(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").lower()


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text()) if path.is_file() and not path.is_symlink() else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
