"""The fork-server: a long-lived process inside the sandbox that runs one candidate per fork.

It runs as PID 1 of the sandbox's PID namespace (bwrap ``--as-pid-1``, or a container's init), so a
candidate can neither kill it nor escape its clean-up, and it is non-dumpable, so a candidate cannot
read or write its memory or file descriptors through /proc. Per candidate it forks a child that
starts a new session, sets rlimits, runs the code and writes the values it produced as tagged JSON
(``sandbox.wire``) to a result pipe. The server enforces wall-clock deadlines and output caps, then
kills every process left in the namespace and wipes the scratch directories.

The server reports what it saw; it never decides pass or fail. Expected values never enter here:
the host compares the returned values with them.

Imports only the standard library: the host ships this file's source into the sandbox.

Protocol, one JSON object per line. Request (stdin)::

    {"id": str, "kind": "function" | "stdio", "code": str, "entry_point": str | null,
     "inputs": [{"args": [...], "kwargs": {...}, "instance"?: {...}, "state"?: true, "args_after"?: true}
                | {"stdin": str}, ...],
     "limits": {"timeout_s", "cpu_s", "memory_mb", "nproc", "output_bytes", "file_bytes"}}

Response (stdout)::

    {"id": str, "runs": [{"status": "exited" | "signaled" | "timeout" | "output_cap",
                          "code": int | null, "records": [...], "stderr": str, "ms": float}, ...]}

A function candidate is one run whose records are ``{"i": n, "value": v}`` (plus ``"state"``,
the object's attributes, for a method's test that asks for them, and ``"args"``, the positional
arguments after the call, for a test that asks for them),
``{"i": n, "raises": type, "message": str}``, ``{"i": n, "unencodable": reason}`` or
``{"setup": type, "message": str}``; a stdio candidate is one run per input whose only record is
``{"stdout": str, "truncated": bool}``.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import gc
import io
import json
import os
import select
import shutil
import signal
import time

from sandbox.candidate import child as _child
from sandbox.candidate import drop_to_candidate_uid, write_all

# What candidates commonly import: loaded once here so that forks share the pages.
PRELOAD = (
    "math", "re", "collections", "itertools", "functools", "heapq", "bisect", "string", "typing",
    "decimal", "fractions", "statistics", "random", "operator", "copy", "datetime", "hashlib",
    "traceback", "linecache", "dataclasses", "enum", "array", "struct", "textwrap", "unicodedata",
)
SCRATCH_DIRS = ("/tmp", "/dev/shm")
STDERR_TAIL = 2000
PR_SET_DUMPABLE = 4
READ_CHUNK = 65536
CLEAN_UP_ROUNDS = 100


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(option, value, 0, 0, 0)


class _Run:
    """The server's view of one child: pipes, caps and the deadline that each result pushes back."""

    def __init__(self, pid: int, out_fd: int, err_fd: int, result_fd: int, limits: dict) -> None:
        self.pid = pid
        self.fds = {out_fd: "stdout", err_fd: "stderr", result_fd: "result"}
        self.data = {"stdout": bytearray(), "stderr": bytearray(), "result": bytearray()}
        self.cap = int(limits["output_bytes"])
        self.timeout = float(limits["timeout_s"])
        self.deadline = time.monotonic() + self.timeout
        self.status = ""

    def _read(self, fd: int) -> None:
        name = self.fds[fd]
        chunk = os.read(fd, READ_CHUNK)
        if not chunk:
            os.close(fd)
            del self.fds[fd]
            return
        buffer = self.data[name]
        if name == "stderr":
            buffer += chunk
            del buffer[:-STDERR_TAIL]
            return
        buffer += chunk
        if name == "result" and b"\n" in chunk:
            self.deadline = time.monotonic() + self.timeout
        if len(buffer) > self.cap:
            self.status = "output_cap"

    def collect(self) -> int | None:
        """Read the child's pipes until it is done, over its deadline or over a cap.

        Returns its wait status if it was reaped here; never kills (``_clean_up`` does that).
        """
        exit_status = None
        while self.fds and not self.status:
            if exit_status is None:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                exit_status = status if pid else None
            now = time.monotonic()
            if now > self.deadline:
                self.status = "timeout"
                break
            # Once the child is gone, only drain what is buffered: a grandchild may hold the pipes.
            wait_s = 0.0 if exit_status is not None else min(self.deadline - now, 0.05)
            ready, _, _ = select.select(list(self.fds), [], [], wait_s)
            if not ready and exit_status is not None:
                break
            for fd in ready:
                self._read(fd)
        return exit_status

    def result(self, exit_status: int, started: float) -> dict:
        """The run as the protocol reports it."""
        for fd in list(self.fds):
            os.close(fd)
        if not self.status:
            self.status = "signaled" if os.WIFSIGNALED(exit_status) else "exited"
        code = os.WEXITSTATUS(exit_status) if os.WIFEXITED(exit_status) else -os.WTERMSIG(exit_status)
        return {
            "status": self.status,
            "code": code,
            "records": _parse_records(bytes(self.data["result"])),
            "stdout": bytes(self.data["stdout"][: self.cap]).decode("utf-8", "replace"),
            "stderr": bytes(self.data["stderr"]).decode("utf-8", "replace"),
            "ms": round((time.monotonic() - started) * 1000, 3),
        }


def _parse_records(data: bytes) -> list:
    """Result lines as raw JSON; a line that does not parse becomes a marker the host rejects."""
    records = []
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            records.append({"malformed": line[:200].decode("utf-8", "replace")})
    return records


def _stdin_fd(text: str) -> int:
    fd = os.memfd_create("stdin")
    write_all(fd, text.encode())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _spawn(request: dict, stdin_text: str) -> dict:
    stdin_fd = _stdin_fd(stdin_text)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    result_r, result_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        for fd in (out_r, err_r, result_r):
            os.close(fd)
        _child(request, stdin_fd, out_w, err_w, result_w)
    for fd in (stdin_fd, out_w, err_w, result_w):
        os.close(fd)
    started = time.monotonic()
    watch = _Run(pid, out_r, err_r, result_r, request["limits"])
    exit_status = watch.collect()
    statuses = _clean_up()
    run = watch.result(exit_status if exit_status is not None else statuses.get(pid, 9), started)
    if request["kind"] == "stdio":
        run["records"] = [{"stdout": run.pop("stdout"), "truncated": run["status"] == "output_cap"}]
    else:
        run.pop("stdout")
    return run


def _sweep(statuses: dict[int, int]) -> None:
    """SIGKILL every other process we may signal until none is left, then empty the scratch dirs.

    One kill(-1) is not enough under gVisor: a fork bomb's newest children can escape a single
    sweep. Zombies still count as signalable, so this relies on PID 1 reaping concurrently.
    """
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):  # nothing left that we may signal
            break
        if os.getpid() == 1:
            _reap(os.WNOHANG, statuses)
        time.sleep(0.0005)
    for top in SCRATCH_DIRS:
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, onerror=_allow_and_retry)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def _allow_and_retry(function: object, path: str, _exc: object) -> None:
    """rmtree's error hook: a candidate may have made its own directories unwritable."""
    try:
        os.chmod(os.path.dirname(path), 0o700)
        os.chmod(path, 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            os.rmdir(path)
        else:
            os.unlink(path)
    except OSError:
        pass


def _reap(flags: int, statuses: dict[int, int]) -> bool:
    """Reap children into ``statuses``; False once there are none left at all."""
    try:
        while True:
            pid, status = os.waitpid(-1, flags)
            if pid == 0:
                return True
            statuses[pid] = status
    except ChildProcessError:
        return False


def _scratch_dirty() -> bool:
    for top in SCRATCH_DIRS:
        try:
            with os.scandir(top) as entries:
                if next(entries, None) is not None:
                    return True
        except OSError:
            pass
    return False


def _janitor_round(statuses: dict[int, int]) -> None:
    """Sweep from a child dropped to the candidates' uid, reaping everything until it is done."""
    janitor = os.fork()
    if janitor == 0:
        try:
            drop_to_candidate_uid()
            _sweep({})
        finally:
            os._exit(0)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return
        if pid == janitor:
            return
        statuses[pid] = status


def _clean_up() -> dict[int, int]:
    """Kill every process left in the namespace, reap them all, and wipe the scratch directories.

    Returns the wait statuses reaped. As PID 1 every orphan is our child, so "no children and empty
    scratch" means nothing is left, and the common case costs two system calls. Under bwrap the
    server shares the candidates' uid and PID 1 is immune to their signals, so it sweeps itself. In
    a container it runs as root without CAP_KILL or CAP_FOWNER, so a janitor child dropped to the
    candidates' uid sweeps while the server reaps. If something survives every round, the server
    exits so that the host starts a fresh sandbox rather than hand leftovers to the next candidate.
    """
    statuses: dict[int, int] = {}
    if os.getpid() != 1:
        _reap(os.WNOHANG, statuses)
        return statuses
    for _ in range(CLEAN_UP_ROUNDS):
        if not _reap(os.WNOHANG, statuses) and not _scratch_dirty():
            return statuses
        if os.getuid() == 0:
            _janitor_round(statuses)
        else:
            _sweep(statuses)
    os._exit(3)


def handle(request: dict) -> dict:
    """Run one candidate: one child for a function, one child per input for a stdio program."""
    if request["kind"] == "function":
        runs = [_spawn(request, "")]
    else:
        runs = [_spawn(request, item.get("stdin", "")) for item in request["inputs"]]
    return {"id": request["id"], "runs": runs}


def _quit(code: object = None) -> None:
    """``exit()``/``quit()`` as site.py would define them (the server runs with -S)."""
    raise SystemExit(code)


def main() -> None:
    """Serve requests from stdin until it closes."""
    _prctl(PR_SET_DUMPABLE, 0)
    builtins.exit = builtins.quit = _quit
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            __import__(name)
    reader = io.BufferedReader(io.FileIO(0, "r", closefd=False))
    out = 1
    write_all(out, b'{"ready": true}\n')
    gc.collect()
    gc.freeze()
    while True:
        line = reader.readline()
        if not line:
            break
        request: object = None
        try:
            request = json.loads(line)
            response = handle(request)
        except Exception as exc:  # noqa: BLE001 - a bad request must not take the server down
            request_id = request.get("id") if isinstance(request, dict) else None
            response = {"id": request_id, "error": f"{type(exc).__name__}: {exc}"[:1000]}
        write_all(out, (json.dumps(response, separators=(",", ":")) + "\n").encode())


if __name__ == "__main__":
    main()
