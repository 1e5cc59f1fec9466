"""A live sandbox: one isolated fork-server that serves many candidates over a pipe."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import subprocess
import time
from pathlib import Path

from sandbox.backends import SANDBOX_PYTHON, Backend, get_backend
from sandbox.types import Limits

_HERE = Path(__file__).resolve().parent
# Modules shipped into the sandbox as source, in import order; they import only the stdlib.
_SHIPPED = (("sandbox.wire_objects", _HERE / "wire_objects.py"), ("sandbox.wire", _HERE / "wire.py"),
            ("sandbox.candidate", _HERE / "candidate.py"), ("sandbox.forkserver", _HERE / "forkserver.py"))
_LOADER = """\
import json, sys, types
package = types.ModuleType("sandbox"); package.__path__ = []; sys.modules["sandbox"] = package
for name, source in json.loads(sys.argv[1]):
    module = types.ModuleType(name); sys.modules[name] = module
    setattr(package, name.rpartition(".")[2], module)
    exec(compile(source, name, "exec"), module.__dict__)
sys.modules["sandbox.forkserver"].main()
"""
START_TIMEOUT_S = 60.0
MAX_RESPONSE_BYTES = 256 << 20
MAX_STALE_LINES = 64


class SandboxError(RuntimeError):
    """The sandbox itself failed (did not start, died, broke the protocol, hung)."""


def server_argv() -> list[str]:
    """The command that starts the fork-server from shipped source, with no site-packages."""
    modules = [(name, path.read_text()) for name, path in _SHIPPED]
    # Not -I: it implies -E, which would ignore PYTHONHASHSEED. The sandbox's environment is cleared by
    # the backend anyway; -s -P keep user site-packages and the working directory off sys.path as -I does.
    return [SANDBOX_PYTHON, "-s", "-S", "-B", "-P", "-c", _LOADER, json.dumps(modules)]


class Session:
    """Owns one sandbox process; restarts it when it dies or stops answering."""

    def __init__(self, backend: Backend | str = "bwrap", hash_seed: int | None = None) -> None:
        self.backend = get_backend(backend) if isinstance(backend, str) else backend
        # Hash randomisation is seeded at interpreter start, so forks share it: a seed per session.
        self.env = {} if hash_seed is None else {"PYTHONHASHSEED": str(hash_seed)}
        self.process: subprocess.Popen | None = None
        self._buffer = bytearray()
        self.starts = 0

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen:
        process = self.backend.start(server_argv(), self.env)
        self.process = process
        self._buffer.clear()
        self.starts += 1
        try:
            ready = self._read_line(time.monotonic() + START_TIMEOUT_S)
        except SandboxError as exc:
            raise SandboxError(f"{self.backend.name} sandbox did not start: {exc}") from None
        if self._parse(ready) != {"ready": True}:
            self.close()
            raise SandboxError(f"{self.backend.name} sandbox sent {ready[:200]!r} instead of ready")
        return process

    def _read_line(self, deadline: float) -> bytes:
        process = self.process
        assert process is not None and process.stdout is not None
        fd = process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise SandboxError("no answer before the deadline")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                stderr = self._stderr_tail()
                self.close()
                raise SandboxError(f"sandbox exited: {stderr}")
            self._buffer += chunk
            if len(self._buffer) > MAX_RESPONSE_BYTES:
                self.close()
                raise SandboxError("response over the size cap")
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer[:] = rest
        return line

    def _stderr_tail(self) -> str:
        process = self.process
        if process is None or process.stderr is None:
            return ""
        try:
            process.wait(timeout=5)
            return process.stderr.read()[-2000:].decode("utf-8", "replace").strip()
        except (subprocess.TimeoutExpired, OSError):
            return ""

    def run(self, kind: str, code: str, entry_point: str | None, inputs: list[dict], limits: Limits) -> dict:
        """Run one candidate and return the fork-server's raw response (judged by the caller)."""
        if self.process is None or self.process.poll() is not None:
            self._start()
        assert self.process is not None and self.process.stdin is not None
        # A random id: under gVisor a candidate can reach the server's stdout through /proc/1/fd, so
        # it must not be able to predict which request a line it forges would answer.
        request = {
            "id": secrets.token_hex(16), "kind": kind, "code": code, "entry_point": entry_point,
            "inputs": inputs, "limits": limits.as_dict(),
        }
        # The server enforces per-test deadlines; this one only catches a wedged sandbox.
        deadline = time.monotonic() + max(len(inputs), 1) * (limits.timeout_s + 5) + 30
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
        except (BrokenPipeError, OSError) as exc:
            self.close()
            raise SandboxError(f"sandbox closed its input: {exc}") from None
        for _ in range(MAX_STALE_LINES):
            response = self._parse(self._read_line(deadline))
            if response.get("id") == request["id"]:
                break
        else:
            self.close()
            raise SandboxError("too many lines that answer no request (forged output?)")
        if "error" in response:
            self.close()
            raise SandboxError(f"fork-server failed: {response['error']}")
        return response

    def _parse(self, line: bytes) -> dict:
        """A response object; anything else is skipped by the caller as a line answering no request."""
        try:
            response = json.loads(line)
        except ValueError:
            return {}
        return response if isinstance(response, dict) else {}

    def close(self) -> None:
        """Stop the sandbox; a later ``run`` starts a fresh one."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            try:
                assert process.stdin is not None
                process.stdin.close()
                process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if process.poll() is None:
            self.backend.stop(process)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
