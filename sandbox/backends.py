"""Sandbox backends: each wraps the fork-server command in an isolation layer.

A backend only knows how to start the server isolated and how to stop it; the session
(``sandbox.session``) speaks the protocol, the judge (``sandbox.judge``) decides.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from typing import Protocol

SANDBOX_UID = 65534  # nobody: bwrap started as root would keep capabilities and map 0->0
SANDBOX_PYTHON = "/usr/bin/python3"
DEFAULT_IMAGE = os.environ.get("SFTMINE_SANDBOX_IMAGE", "sftmine-sandbox:bookworm-1")
SCRATCH_MB = 256
# bwrap's own process keeps the environment it is started with; it gets nothing of the caller's.
BWRAP_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


class BackendUnavailable(RuntimeError):
    """The backend cannot run here (missing binary, daemon down, image absent)."""


class Backend(Protocol):
    """Starts the fork-server inside an isolation layer."""

    name: str

    def start(self, server_argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start ``server_argv`` isolated with extra environment ``env``, stdin/stdout pipes for the protocol."""
        ...

    def stop(self, process: subprocess.Popen) -> None:
        """Stop the sandbox for good, whatever state it is in."""
        ...


def _popen(argv: list[str], **kwargs: object) -> subprocess.Popen:
    return subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, **kwargs
    )


def _drop_privileges() -> dict:
    """Popen arguments that run the sandbox as an unprivileged uid when we are root."""
    if os.geteuid() != 0:
        return {}
    return {"user": SANDBOX_UID, "group": SANDBOX_UID, "extra_groups": []}


@dataclass
class BwrapBackend:
    """bubblewrap: all namespaces unshared, only /usr read-only, tmpfs scratch, no capabilities."""

    name: str = "bwrap"
    scratch_mb: int = SCRATCH_MB

    def argv(self, server_argv: list[str], env: dict[str, str] | None = None) -> list[str]:
        """The full bwrap command line around the server."""
        size = str(self.scratch_mb * 1024 * 1024)
        extra = [arg for name, value in (env or {}).items() for arg in ("--setenv", name, value)]
        return [
            "bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--as-pid-1",
            "--disable-userns", "--cap-drop", "ALL", "--clearenv",
            "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8",
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
            "--proc", "/proc", "--dev", "/dev",
            "--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", "/dev/shm",
            "--chdir", "/tmp", *extra,
            *server_argv,
        ]

    def start(self, server_argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start bwrap as an unprivileged uid."""
        if shutil.which("bwrap") is None:
            raise BackendUnavailable("bwrap is not installed: run scripts/setup.sh install")
        return _popen(self.argv(server_argv, env), env=BWRAP_ENV, **_drop_privileges())

    def stop(self, process: subprocess.Popen) -> None:
        """Killing bwrap kills the namespace (--die-with-parent and PID 1 semantics)."""
        process.kill()


@dataclass
class DockerBackend:
    """A container of the locally built image, gVisor (``runsc``) by default, ``runc`` as an option."""

    runtime: str = "runsc"
    image: str = DEFAULT_IMAGE
    memory_mb: int = 2048
    pids_limit: int = 4096  # gVisor counts its own threads against it
    name: str = "docker"

    def __post_init__(self) -> None:
        self.name = f"docker-{self.runtime}"
        self._containers: dict[int, str] = {}

    def argv(self, server_argv: list[str], container: str, env: dict[str, str] | None = None) -> list[str]:
        """The full ``docker run`` command line around the server."""
        memory = f"{self.memory_mb}m"
        extra = [arg for name, value in (env or {}).items() for arg in ("--env", f"{name}={value}")]
        return [
            "docker", "run", "-i", "--rm", "--name", container, "--runtime", self.runtime,
            "--network", "none", "--read-only", "--cap-drop", "ALL",
            # The fork-server keeps only what it needs to run each candidate as uid SANDBOX_UID.
            "--cap-add", "SETUID", "--cap-add", "SETGID", "--user", "0:0",
            "--security-opt", "no-new-privileges", "--memory", memory, "--memory-swap", memory,
            "--pids-limit", str(self.pids_limit),
            "--log-driver", "none", "--workdir", "/tmp", "--env", "LANG=C.UTF-8", "--env", "HOME=/tmp",
            "--tmpfs", f"/tmp:rw,exec,size={SCRATCH_MB}m,mode=1777",
            "--tmpfs", f"/dev/shm:rw,size={SCRATCH_MB}m,mode=1777", *extra,
            self.image, *server_argv,
        ]

    def start(self, server_argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start a fresh container; its name lets ``stop`` kill it even if the client hangs."""
        if shutil.which("docker") is None:
            raise BackendUnavailable("docker is not installed: run scripts/setup.sh install")
        container = f"sftmine-sbx-{uuid.uuid4().hex[:12]}"
        process = _popen(self.argv(server_argv, container, env))
        self._containers[process.pid] = container
        return process

    def stop(self, process: subprocess.Popen) -> None:
        """``docker kill``: killing the client alone would leave the container running."""
        container = self._containers.pop(process.pid, None)
        if container:
            subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60, check=False)
        process.kill()


def get_backend(name: str) -> Backend:
    """The backend registered under ``name``: bwrap, docker (runsc), docker-runsc or docker-runc."""
    if name == "bwrap":
        return BwrapBackend()
    if name in ("docker", "docker-runsc"):
        return DockerBackend(runtime="runsc")
    if name == "docker-runc":
        return DockerBackend(runtime="runc")
    raise ValueError(f"unknown sandbox backend {name!r}: use one of {', '.join(BACKENDS)}")


BACKENDS = ("bwrap", "docker-runsc", "docker-runc")
