"""Run a project's test suite in two sandboxed phases, with the tracer active in the second.

PREPARE creates the environment (a venv, or the project's tox env) and installs the project, its
test extras and test deps. Installing runs untrusted build code, so it runs under bwrap too, with
a network namespace of its own whose only way out is the host's ``IndexProxy`` (package index
only). TEST runs the suite's commands with no network at all, everything read-only except a
scratch copy of the project (bound at the project's own path, so tox and editable installs keep
working), the tox work dir and the records directory, under a time limit.

Paths inside the sandbox equal paths outside: venvs hard-code them.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.backends import BWRAP_ENV, SANDBOX_UID
from sandbox.netproxy import IndexProxy

PYTHON = "/usr/bin/python3"
FORWARD_PORT = 3128
_FORWARDER = Path(__file__).resolve().parent / "unixforward.py"
LOG_TAIL = 4000


@dataclass(frozen=True)
class SuiteLimits:
    """Per-phase limits of a suite run."""

    prepare_timeout_s: int = 900
    test_timeout_s: int = 900
    nproc: int = 2048
    scratch_mb: int = 2048


@dataclass
class PhaseResult:
    """What one sandboxed phase did."""

    phase: str
    script: str
    returncode: int
    seconds: float
    timed_out: bool
    log: str = ""
    refused: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Finished in time with exit status 0."""
        return self.returncode == 0 and not self.timed_out


@dataclass(frozen=True)
class Layout:
    """Where a project's files live on the host (and, identically, in the sandbox)."""

    root: Path

    @property
    def src(self) -> Path:
        """The extracted or cloned project, as PREPARE sees it."""
        return self.root / "src"

    @property
    def venv(self) -> Path:
        """The venv of a project run without tox, or of the tox tool itself."""
        return self.root / "venv"

    @property
    def toxwork(self) -> Path:
        """tox's work dir, outside the source tree so the scratch copy stays small."""
        return self.root / "toxwork"

    @property
    def scratch(self) -> Path:
        """The copy of ``src`` a TEST run may write to."""
        return self.root / "scratch"

    @property
    def records(self) -> Path:
        """Where the tracer writes."""
        return self.root / "records"

    @property
    def logs(self) -> Path:
        """Full phase logs."""
        return self.root / "logs"


class WorkDirUnreachable(RuntimeError):
    """The sandbox uid cannot reach the work directory."""


def check_reachable(path: Path) -> None:
    """Every ancestor of ``path`` must be traversable by the sandbox uid (bwrap runs as it)."""
    if os.geteuid() != 0:
        return
    for parent in [path, *path.parents]:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            raise WorkDirUnreachable(
                f"{path}: {parent} is not traversable by the sandbox uid {SANDBOX_UID}; "
                f"use a work directory under a world-traversable path (e.g. /var/tmp/sftmine)")


def _owned_by_sandbox(path: Path) -> None:
    """Give the sandbox uid the directories it must write (only when we run as root)."""
    if os.geteuid() != 0:
        return
    for directory, _, files in os.walk(path):
        os.chown(directory, SANDBOX_UID, SANDBOX_UID)
        for name in files:
            os.chown(os.path.join(directory, name), SANDBOX_UID, SANDBOX_UID, follow_symlinks=False)


def bwrap_argv(writable: list[tuple[Path, Path]], readable: list[tuple[Path, Path]], chdir: Path,
               env: dict[str, str], scratch_mb: int) -> list[str]:
    """bwrap around a suite phase: no network namespace shared, /usr read-only, given binds only."""
    argv = [
        "bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
        "--clearenv", "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
        "--ro-bind-try", "/etc/ssl", "/etc/ssl", "--ro-bind-try", "/etc/ca-certificates", "/etc/ca-certificates",
        "--proc", "/proc", "--dev", "/dev", "--size", str(scratch_mb << 20), "--tmpfs", "/tmp",
    ]
    for source, target in readable:
        argv += ["--ro-bind", str(source), str(target)]
    for source, target in writable:
        argv += ["--bind", str(source), str(target)]
    for name, value in env.items():
        argv += ["--setenv", name, value]
    return [*argv, "--chdir", str(chdir), "/bin/sh", "-c"]


def _run(phase: str, argv: list[str], script: str, timeout: int, log_path: Path) -> PhaseResult:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    timed_out = False
    # bwrap's own process is PID 1 of the sandbox and keeps the environment it was started with
    # (``--clearenv`` clears only its child's), so it must not get the caller's.
    privileges = {"user": SANDBOX_UID, "group": SANDBOX_UID, "extra_groups": []} if os.geteuid() == 0 else {}
    with open(log_path, "wb") as log:
        process = subprocess.Popen([*argv, script], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, env=BWRAP_ENV, **privileges)
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            returncode = process.wait()
    text = log_path.read_bytes()[-LOG_TAIL:].decode("utf-8", "replace")
    return PhaseResult(phase, script, returncode, round(time.monotonic() - started, 2), timed_out, text)


def _base_env(layout: Layout, path_dirs: list[Path]) -> dict[str, str]:
    return {
        "HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
        "PATH": ":".join([*(str(p) for p in path_dirs), "/usr/bin", "/bin"]),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1",
        "VIRTUAL_ENV": str(layout.venv),
    }


def prepare(layout: Layout, steps: list[list[str]], index_url: str, limits: SuiteLimits,
            pip_cache: Path | None = None, name: str = "prepare") -> PhaseResult:
    """Run the install ``steps`` (argv lists, in order) with the index as the only reachable host."""
    for path in (layout.venv, layout.toxwork, layout.records, layout.logs):
        path.mkdir(parents=True, exist_ok=True)
    check_reachable(layout.root)
    _owned_by_sandbox(layout.root)
    writable = [(layout.root, layout.root)]
    env = _base_env(layout, [layout.venv / "bin"])
    proxy_url = f"http://127.0.0.1:{FORWARD_PORT}"
    env.update({"HTTPS_PROXY": proxy_url, "HTTP_PROXY": proxy_url, "https_proxy": proxy_url,
                "http_proxy": proxy_url, "PIP_INDEX_URL": _simple_index(index_url),
                # uv (tox-uv) trusts only its own roots unless told to use the system's, as pip does.
                "UV_NATIVE_TLS": "1", "UV_SYSTEM_CERTS": "1", "UV_INDEX_URL": _simple_index(index_url)})
    if pip_cache is not None:
        pip_cache.mkdir(parents=True, exist_ok=True)
        _owned_by_sandbox(pip_cache)
        writable.append((pip_cache, pip_cache))
        env["PIP_CACHE_DIR"] = str(pip_cache)
    with IndexProxy(index_url) as proxy:
        readable = [(_FORWARDER, Path("/run/sftmine/unixforward.py")),
                    (Path(proxy.socket_path), Path("/run/sftmine/proxy.sock"))]
        script = "\n".join([
            "set -e",
            f"{PYTHON} /run/sftmine/unixforward.py /run/sftmine/proxy.sock {FORWARD_PORT}",
            *(shlex.join(step) for step in steps),
        ])
        argv = bwrap_argv(writable, readable, layout.src, env, limits.scratch_mb)
        result = _run(name, argv, script, limits.prepare_timeout_s, layout.logs / f"{name}.log")
        result.refused = sorted({f"{d.host}:{d.port}" for d in proxy.log.refused})
    return result


def _simple_index(index_url: str) -> str:
    base = index_url.rstrip("/")
    return base if base.endswith("/simple") else f"{base}/simple"


def fresh_scratch(layout: Layout) -> None:
    """A new copy of the project for one TEST run (whatever the last run wrote is gone)."""
    shutil.rmtree(layout.scratch, ignore_errors=True)
    shutil.copytree(layout.src, layout.scratch, symlinks=True)
    _owned_by_sandbox(layout.scratch)


def run_tests(layout: Layout, commands: list[list[str]], env: dict[str, str], limits: SuiteLimits,
              path_dirs: list[Path], name: str = "test") -> PhaseResult:
    """Run test ``commands`` with no network; writable: the scratch copy, tox's work dir, the records."""
    fresh_scratch(layout)
    layout.records.mkdir(parents=True, exist_ok=True)
    _owned_by_sandbox(layout.records)
    _owned_by_sandbox(layout.toxwork)
    writable = [(layout.scratch, layout.src), (layout.toxwork, layout.toxwork), (layout.records, layout.records)]
    readable = [(layout.venv, layout.venv)]
    full_env = {**_base_env(layout, path_dirs), **env}
    # No ``set -e``: a failing command (a linter before the suite) must not keep the next from running.
    script = "\n".join(shlex.join(command) for command in commands)
    argv = bwrap_argv(writable, readable, layout.src, full_env, limits.scratch_mb)
    return _run(name, argv, script, limits.test_timeout_s, layout.logs / f"{name}.log")
