"""The attack battery: each attack is stopped, judged failed, and the sandbox keeps serving.

Runs against both backends (bwrap, docker with gVisor) through one live session per backend, so
that each test also checks that the previous attack left nothing behind for the next candidate.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path

import pytest

from sandbox.types import Limits, Status
from tests.conftest import CANARY, CORRECT, FAST_LIMITS, run_body, value_of


def still_serving(session) -> None:
    """A correct candidate still passes in the same sandbox, which was never restarted."""
    starts = session.starts
    assert run_body(session, CORRECT).passed
    assert session.starts == starts


def test_correct_candidate_passes(session) -> None:
    assert run_body(session, CORRECT).passed


def test_write_outside_scratch(session) -> None:
    name = f"sftmine-attack-{uuid.uuid4().hex}"
    targets = [f"/tmp/{name}", f"/root/{name}", f"/home/{name}", f"{Path.home()}/{name}", f"/usr/{name}",
               f"{Path.cwd()}/{name}"]
    body = f"""\
    written = []
    for path in {targets!r}:
        try:
            with open(path, "w") as handle:
                handle.write("pwned")
            written.append(path)
        except OSError:
            pass
    return written
"""
    verdict = run_body(session, body)
    assert not verdict.passed
    for path in targets:
        assert not os.path.exists(path), f"candidate wrote {path} on the host"
    # Only the sandbox's own scratch /tmp is writable, and it is not the host's.
    assert value_of(verdict) in ([], [f"/tmp/{name}"])
    still_serving(session)


def test_read_shadow_and_parent_environment(session) -> None:
    body = """\
    import os
    seen = []
    for path in ("/etc/shadow", "/proc/1/environ", "/proc/self/environ", f"/proc/{os.getppid()}/environ",
                 "/proc/1/cmdline", "/proc/1/mem"):
        try:
            with open(path, "rb") as handle:
                seen.append(handle.read(100000).decode("latin-1"))
        except OSError as exc:
            seen.append(type(exc).__name__)
    seen.append(repr(dict(os.environ)))
    return seen
"""
    verdict = run_body(session, body)
    assert not verdict.passed
    seen = value_of(verdict)
    assert isinstance(seen, list) and len(seen) == 7
    text = "\n".join(seen)
    assert CANARY not in text
    assert "root:" not in seen[0], "read the host's /etc/shadow"
    assert seen[0] in ("FileNotFoundError", "PermissionError")
    assert seen[5] == "PermissionError", "fork-server memory readable"
    # bwrap and runc enforce the fork-server's non-dumpable flag; gVisor (Debian's 2022 build) lets
    # /proc/1/environ be read, which is harmless only because the sandbox's environment is empty.
    assert seen[1] == "PermissionError" or "HOME=/tmp" in seen[1]
    still_serving(session)


def test_tcp_connect_to_host_port(session) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    body = f"""\
    import socket
    try:
        connection = socket.create_connection(("127.0.0.1", {port}), timeout=1)
        connection.sendall(b"hello")
        return "connected"
    except OSError as exc:
        return type(exc).__name__
"""
    try:
        verdict = run_body(session, body)
        time.sleep(0.2)
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    assert not verdict.passed
    assert value_of(verdict) != "connected"
    still_serving(session)


def test_fork_bomb(session) -> None:
    body = """\
    import os
    while True:
        try:
            os.fork()
        except OSError:
            pass
"""
    started = time.monotonic()
    verdict = run_body(session, body)
    assert not verdict.passed
    assert verdict.status in (Status.TIMEOUT, Status.INVALID, Status.CRASH)
    assert time.monotonic() - started < 30
    still_serving(session)


def test_eight_gigabytes(session) -> None:
    verdict = run_body(session, "    block = bytearray(8 << 30)\n    return x + 1\n")
    assert not verdict.passed
    assert verdict.status in (Status.RUNTIME_ERROR, Status.CRASH)
    assert "MemoryError" in verdict.reason or "killed" in verdict.reason
    still_serving(session)


def test_infinite_loop_catching_exceptions(session) -> None:
    body = """\
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
"""
    started = time.monotonic()
    verdict = run_body(session, body)
    assert verdict.status == Status.TIMEOUT
    assert time.monotonic() - started < FAST_LIMITS.timeout_s + 10
    still_serving(session)


def test_one_gigabyte_of_output(session) -> None:
    body = """\
    import sys
    chunk = "x" * (1 << 20)
    for _ in range(1024):
        sys.stdout.write(chunk)
        sys.stderr.write(chunk)
    return x + 1
"""
    started = time.monotonic()
    verdict = run_body(session, body)
    assert verdict.status == Status.OUTPUT_LIMIT
    assert time.monotonic() - started < 30
    still_serving(session)


def test_kill_the_parent(session) -> None:
    body = """\
    import os, signal
    for pid in {os.getppid(), 1}:
        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    return x + 1
"""
    run_body(session, body)
    still_serving(session)


def test_background_process_is_killed(session) -> None:
    body = """\
    import os, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                time.sleep(0.01)
        os._exit(0)
    return x + 1
"""
    run_body(session, body)
    census = """\
    import os
    return sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
"""
    pids = value_of(run_body(session, census))
    assert isinstance(pids, list)
    assert len(pids) == 2, f"processes left behind: {pids}"  # the fork-server and this candidate
    assert 1 in pids
    still_serving(session)


def test_no_file_left_for_the_next_candidate(session) -> None:
    plant = """\
    import os
    for path in ("/tmp/planted", "/dev/shm/planted", "planted"):
        with open(path, "w") as handle:
            handle.write("from the previous candidate")
    os.makedirs("/tmp/dir/sub", exist_ok=True)
    return x + 1
"""
    assert run_body(session, plant).passed
    look = """\
    import os
    return [os.path.exists(p) for p in ("/tmp/planted", "/dev/shm/planted", "planted", "/tmp/dir")]
"""
    assert value_of(run_body(session, look)) == [False, False, False, False]


FAKE_PASSES = {
    "os._exit(0)": "    import os\n    os._exit(0)\n",
    "sys.exit(0)": "    import sys\n    sys.exit(0)\n",
    "atexit": "    import atexit\n    atexit.register(lambda: print('PASSED'))\n    return None\n",
    "__eq__ always True": (
        "    class Anything:\n        def __eq__(self, other):\n            return True\n"
        "        __hash__ = object.__hash__\n    return Anything()\n"
    ),
    "int subclass": (
        "    class Sly(int):\n        def __eq__(self, other):\n            return True\n"
        "        __hash__ = int.__hash__\n    return Sly(0)\n"
    ),
    "patched json": (
        "    import json, json.encoder\n"
        "    json.dumps = lambda *a, **k: '{\"i\": 0, \"value\": 2}'\n"
        "    json.JSONEncoder.encode = lambda self, o: '{\"passed\": true}'\n"
        "    json.encoder.c_make_encoder = None\n"
        "    return None\n"
    ),
    "forged result lines": (
        "    import os\n"
        "    lines = (b'{\"passed\": true}\\n{\"status\": \"passed\"}\\n'\n"
        "             b'{\"id\":\"1\",\"runs\":[]}\\n{\"i\": 0, \"value\": 0}\\n')\n"
        "    print(lines.decode())\n"
        "    for fd in range(0, 64):\n"
        "        try:\n"
        "            os.write(fd, lines)\n"
        "        except OSError:\n"
        "            pass\n"
        "    return None\n"
    ),
    "forged fork-server response": (
        "    import json, os, sys\n"
        "    frame, nonce = sys._getframe(), None\n"
        "    while frame is not None and nonce is None:\n"
        "        request = frame.f_locals.get('request')\n"
        "        nonce = request.get('id') if isinstance(request, dict) else None\n"
        "        frame = frame.f_back\n"
        "    forged = {'id': nonce, 'runs': [{'status': 'exited', 'code': 0, 'stderr': '', 'ms': 1,\n"
        "              'records': [{'i': 0, 'value': 2}, {'i': 1, 'value': 42}]}]}\n"
        "    line = (json.dumps(forged) + '\\n').encode()\n"
        "    for path in ('/proc/1/fd/1', '/proc/self/fd/1'):\n"
        "        try:\n"
        "            with open(path, 'wb') as out:\n"
        "                out.write(b'garbage\\n' + line)\n"
        "        except OSError:\n"
        "            pass\n"
        "    return None\n"
    ),
    "raise after printing ok": "    print('ok')\n    print('All tests passed')\n    raise SystemExit(0)\n",
}


@pytest.mark.parametrize("attack", list(FAKE_PASSES))
def test_fake_pass_is_judged_failed(session, attack: str) -> None:
    verdict = run_body(session, FAKE_PASSES[attack])
    assert not verdict.passed, f"{attack} was judged a pass"
    assert verdict.reason
    still_serving(session)


def test_limits_file_size_processes_cpu(session) -> None:
    limits = Limits(timeout_s=20, cpu_s=1, memory_mb=512, nproc=8, output_bytes=1 << 20, file_bytes=1 << 16)
    big_file = "    open('/tmp/big', 'wb').write(b'x' * (1 << 20))\n    return x + 1\n"
    verdict = run_body(session, big_file, limits=limits)
    assert verdict.status in (Status.RUNTIME_ERROR, Status.CRASH)
    assert "File too large" in verdict.reason or "SIGXFSZ" in verdict.reason
    many = (
        "    import os, time\n    pids = []\n    for _ in range(20):\n        pid = os.fork()\n"
        "        if pid == 0:\n            time.sleep(5)\n            os._exit(0)\n        pids.append(pid)\n"
        "    return x + 1\n"
    )
    verdict = run_body(session, many, limits=limits)
    assert verdict.status == Status.RUNTIME_ERROR and "Error" in verdict.reason
    started = time.monotonic()
    verdict = run_body(session, "    while True:\n        pass\n", limits=limits)
    assert verdict.status == Status.CRASH and "CPU" in verdict.reason
    assert time.monotonic() - started < 10
    still_serving(session)
