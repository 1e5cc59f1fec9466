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
     "inputs": [{"args": [...], "kwargs": {...}, "instance"?: {...}, "state"?: true} | {"stdin": str}, ...],
     "limits": {"timeout_s", "cpu_s", "memory_mb", "nproc", "output_bytes", "file_bytes"}}

Response (stdout)::

    {"id": str, "runs": [{"status": "exited" | "signaled" | "timeout" | "output_cap",
                          "code": int | null, "records": [...], "stderr": str, "ms": float}, ...]}

A function candidate is one run whose records are ``{"i": n, "value": v}`` (plus ``"state"``,
the object's attributes, for a method's test that asks for them),
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
import resource
import select
import shutil
import signal
import sys
import time

from sandbox import wire

# What candidates commonly import: loaded once here so that forks share the pages.
PRELOAD = (
    "math", "re", "collections", "itertools", "functools", "heapq", "bisect", "string", "typing",
    "decimal", "fractions", "statistics", "random", "operator", "copy", "datetime", "hashlib",
    "traceback", "linecache", "dataclasses", "enum", "array", "struct", "textwrap", "unicodedata",
)
SCRATCH_DIRS = ("/tmp", "/dev/shm")
STDERR_TAIL = 2000
PR_SET_DUMPABLE = 4
CANDIDATE_UID = 65534
READ_CHUNK = 65536
CLEAN_UP_ROUNDS = 100


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(option, value, 0, 0, 0)


def _set_limits(limits: dict) -> None:
    """Per-candidate rlimits; the soft CPU limit leaves a second to die of SIGXCPU."""
    cpu = int(limits["cpu_s"])
    memory = int(limits["memory_mb"]) * 1024 * 1024
    for name, soft, hard in (
        ("RLIMIT_CPU", cpu, cpu + 1),
        ("RLIMIT_AS", memory, memory),
        ("RLIMIT_NPROC", int(limits["nproc"]), int(limits["nproc"])),
        ("RLIMIT_FSIZE", int(limits["file_bytes"]), int(limits["file_bytes"])),
        ("RLIMIT_NOFILE", 64, 64),
        ("RLIMIT_CORE", 0, 0),
    ):
        resource.setrlimit(getattr(resource, name), (soft, hard))


def _drop_to_candidate_uid() -> None:
    """Run the candidate as an unprivileged uid different from the server's, where we can.

    In a container the server runs as the container's root with only SETUID/SETGID: a candidate
    under another uid can then neither signal the server nor open its /proc entries, which gVisor
    does not otherwise prevent. Under bwrap the server is already unprivileged and stays so.
    """
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(CANDIDATE_UID)
        os.setuid(CANDIDATE_UID)


def _fresh_stdio() -> None:
    """Give the child Python file objects of its own: the server's may hold buffered protocol bytes."""
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)))
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), write_through=False)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class _Emitter:
    """Writes result records to the result pipe with references taken before any candidate code ran."""

    def __init__(self, fd: int, max_bytes: int) -> None:
        self.fd = fd
        self.max_bytes = max_bytes
        self.encode = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode
        self.write = _write_all

    def __call__(self, record: dict) -> None:
        line = self.encode(record) + "\n"
        if len(line) > self.max_bytes:
            line = self.encode({"i": record.get("i"), "unencodable": f"result over {self.max_bytes} bytes"})
            line += "\n"
        self.write(self.fd, line.encode())


def _exception_record(index: int | None, exc: BaseException) -> dict:
    """``{"i", "raises", "message"}`` for a test, ``{"setup", "message"}`` before any test ran."""
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    try:
        message = str(exc)[:500]
    except BaseException:  # noqa: BLE001 - a candidate's exception may raise in __str__
        message = "<str() failed>"
    if index is None:
        return {"setup": name, "message": message}
    return {"i": index, "raises": name, "message": message}


def _decoded(item: dict, namespace: dict | None) -> tuple[list, dict, dict | None]:
    """A test's arguments and object recipe as values (the problem's classes from ``namespace``)."""
    args = wire.decode(item.get("args", []), namespace)
    kwargs = {str(k): wire.decode(v, namespace) for k, v in item.get("kwargs", {}).items()}
    instance = item.get("instance")
    if instance is not None and "init" in instance:
        init = instance["init"]
        instance = {"init": (wire.decode(init.get("args", []), namespace),
                             {str(k): wire.decode(v, namespace) for k, v in init.get("kwargs", {}).items()})}
    elif instance is not None:
        instance = {"state": wire.decode(instance["state"], namespace)}
    return args, kwargs, instance


def _build(owner: type, instance: dict) -> object:
    """The object a method's test calls: its class called with the recorded constructor arguments,
    or an empty object given the recorded attributes (``__dict__`` entries and ``__slots__``)."""
    if "init" in instance:
        args, kwargs = instance["init"]
        return owner(*args, **kwargs)
    return wire.build_object(owner, instance["state"])


def _run_function(request: dict, emit: _Emitter) -> None:
    """Body of a function-candidate child: define the code, call the entry point on every input.

    An entry point ``Class.method`` is looked up on the class; a test with an ``instance`` builds
    the object first, and one that asks for ``state`` reports the object's attributes after.
    """
    calls = []
    named = False
    for index, item in enumerate(request["inputs"]):
        if wire.has_named(item):
            named = True
            calls.append((index, item, None))  # needs the problem's classes: decoded after exec
        else:
            calls.append((index, item, _decoded(item, None)))
    encode = wire.encode
    namespace = {"__name__": wire.CANDIDATE_MODULE, "__builtins__": builtins}
    owner_name, _, method = request["entry_point"].partition(".")
    try:
        exec(compile(request["code"], "<candidate>", "exec"), namespace)
        function = owner = namespace.get(owner_name)
        if method:
            function = getattr(owner, method, None) if isinstance(owner, type) else None
        if not callable(function):
            emit({"setup": "MissingEntryPoint", "message": f"no callable named {request['entry_point']!r}"})
            return
        if named:
            calls = [(index, item, decoded or _decoded(item, namespace)) for index, item, decoded in calls]
    except BaseException as exc:  # noqa: BLE001 - everything a candidate raises is data
        emit(_exception_record(None, exc))
        return
    for index, item, (args, kwargs, instance) in calls:
        obj = None
        try:
            call = function
            if instance is not None:
                obj = _build(owner, instance)
                call = getattr(obj, method)
            value = call(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            emit(_exception_record(index, exc))
            continue
        try:
            record = {"i": index, "value": encode(value)}
        except (wire.Unencodable, RecursionError, ValueError) as exc:
            emit({"i": index, "unencodable": str(exc)[:300]})
            continue
        if item.get("state") and obj is not None:
            try:
                record["state"] = encode(wire.state_of(obj))
            except BaseException as exc:  # noqa: BLE001 - a hostile attribute is no state
                record["state_unencodable"] = f"{type(exc).__name__}: {exc}"[:300]
        emit(record)


def _run_stdio(request: dict, emit: _Emitter) -> int:
    """Body of a stdio-candidate child: run the program as __main__ on the stdin fd."""
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    code = 0
    try:
        exec(compile(request["code"], "<candidate>", "exec"), namespace)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
    except BaseException:  # noqa: BLE001
        code = code or 1
    return code


def _child(request: dict, stdin_fd: int, out_fd: int, err_fd: int, result_fd: int) -> None:
    """Runs in the forked child; never returns."""
    code = 1
    try:
        os.setsid()
        os.dup2(stdin_fd, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.closerange(3, result_fd)
        os.closerange(result_fd + 1, 1024)
        os.chdir("/tmp")
        _drop_to_candidate_uid()
        _set_limits(request["limits"])
        _fresh_stdio()
        emit = _Emitter(result_fd, int(request["limits"]["output_bytes"]))
        if request["kind"] == "function":
            _run_function(request, emit)
            code = 0
        else:
            code = _run_stdio(request, emit)
    finally:
        os._exit(code)


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
    _write_all(fd, text.encode())
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
            _drop_to_candidate_uid()
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
    _write_all(out, b'{"ready": true}\n')
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
        _write_all(out, (json.dumps(response, separators=(",", ":")) + "\n").encode())


if __name__ == "__main__":
    main()
