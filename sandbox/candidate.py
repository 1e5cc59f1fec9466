"""The forked child of the fork-server: it drops to the candidate uid, sets rlimits, runs the candidate and
writes what it produced as tagged JSON records (``sandbox.wire``) to the result pipe.

Imports only the standard library: the host ships this file's source into the sandbox with the server.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import resource
import sys
import types

from sandbox import wire

CANDIDATE_UID = 65534

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


def drop_to_candidate_uid() -> None:
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


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class _Emitter:
    """Writes result records to the result pipe with references taken before any candidate code ran."""

    def __init__(self, fd: int, max_bytes: int) -> None:
        self.fd = fd
        self.max_bytes = max_bytes
        self.encode = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode
        self.write = write_all

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


def _candidate_module() -> dict:
    """The namespace the candidate's code runs in: a module registered under its name, so that code that
    looks its own module up (``dataclass(slots=True)`` on string annotations, ``typing.get_type_hints``,
    ``pickle``) finds it. The child is forked per candidate, so the registration dies with it."""
    module = types.ModuleType(wire.CANDIDATE_MODULE)
    module.__dict__["__builtins__"] = builtins
    sys.modules[wire.CANDIDATE_MODULE] = module
    return module.__dict__


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
    namespace = _candidate_module()
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
        if item.get("args_after"):
            try:
                record["args"] = encode(list(args))
            except BaseException as exc:  # noqa: BLE001 - an argument made hostile is no state
                record["args_unencodable"] = f"{type(exc).__name__}: {exc}"[:300]
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


def child(request: dict, stdin_fd: int, out_fd: int, err_fd: int, result_fd: int) -> None:
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
        drop_to_candidate_uid()
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
