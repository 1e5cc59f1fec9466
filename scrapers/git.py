"""Git as a source: a shallow clone of a URL at a ref, with the commit recorded.

Hooks are disabled and no credentials are ever asked for. A ref may be a branch, a tag or a
full commit id (fetched by id, which local and most hosted servers allow).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scrapers.pypi import SourceError

_SAFE_CONFIG = ["-c", "core.hooksPath=/dev/null", "-c", "advice.detachedHead=false", "-c", "protocol.ext.allow=never"]
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Checkout:
    """A working tree of one commit of one repository."""

    url: str
    ref: str
    commit: str
    path: Path


def _git(*args: str, cwd: Path | None = None, timeout: float = 300) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "/bin/false", "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(["git", *_SAFE_CONFIG, *args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise SourceError(f"git {args[0]} failed: {result.stderr.strip()[-400:]}")
    return result.stdout.strip()


def _check(value: str, what: str) -> None:
    # An argument starting with "-" would be read by git as an option (--upload-pack=... runs code).
    if not value or value.startswith("-") or any(c.isspace() or ord(c) < 32 for c in value):
        raise SourceError(f"{value!r} is not a valid {what}")


def remote_commit(url: str, ref: str = "HEAD") -> str:
    """The commit ``ref`` names at ``url`` now (a commit id is its own answer), without cloning."""
    for value, what in ((url, "URL"), (ref, "ref")):
        _check(value, what)
    if _COMMIT.match(ref):
        return ref
    if shutil.which("git") is None:
        raise SourceError("git is not installed: apt-get install git")
    try:
        lines = _git("ls-remote", url, ref, timeout=60).splitlines()
    except subprocess.TimeoutExpired:
        raise SourceError(f"{url}: ls-remote timed out") from None
    if not lines:
        raise SourceError(f"{url}: no ref {ref!r}")
    return lines[0].split()[0]


def clone(url: str, destination: str | Path, ref: str = "HEAD") -> Checkout:
    """Shallow-clone ``url`` at ``ref`` into a new ``destination``."""
    destination = Path(destination)
    for value, what in ((url, "URL"), (ref, "ref")):
        _check(value, what)
    if destination.exists():
        raise FileExistsError(f"{destination} exists: a clone needs a fresh directory")
    if shutil.which("git") is None:
        raise SourceError("git is not installed: apt-get install git")
    destination.mkdir(parents=True)
    try:
        _git("init", "-q", str(destination))
        _git("remote", "add", "origin", url, cwd=destination)
        _git("fetch", "-q", "--depth", "1", "origin", ref, cwd=destination)
        _git("checkout", "-q", "FETCH_HEAD", cwd=destination)
        commit = _git("rev-parse", "HEAD", cwd=destination)
    except (SourceError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(destination, ignore_errors=True)
        raise SourceError(f"{url}@{ref}: {exc}") from None
    if _COMMIT.match(ref) and commit != ref:
        shutil.rmtree(destination, ignore_errors=True)
        raise SourceError(f"{url}@{ref}: fetched {commit} instead")
    return Checkout(url=url, ref=ref, commit=commit, path=destination)
