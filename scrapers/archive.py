"""Safe extraction of source archives (sdists: .tar.gz, .tar.bz2, .tar.xz, .zip).

An sdist is untrusted input. Extraction refuses absolute paths and ``..`` components, links that
point outside the tree, device files and FIFOs, and stops at caps on member count, total size and
single-file size before writing anything: every member is checked first, then extracted.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


class UnsafeArchive(ValueError):
    """The archive breaks a rule; the message names the member and the rule."""


@dataclass(frozen=True)
class Caps:
    """Limits on what one archive may unpack to."""

    max_members: int = 20_000
    max_total_bytes: int = 512 << 20
    max_member_bytes: int = 128 << 20


def _check_name(name: str) -> str:
    """A normalised relative path, or UnsafeArchive."""
    if not name or "\x00" in name:
        raise UnsafeArchive(f"{name!r}: empty name or NUL byte")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchive(f"{name!r}: absolute path")
    normalised = posixpath.normpath(name.replace("\\", "/"))
    if normalised == ".." or normalised.startswith("../") or "/../" in f"/{normalised}/":
        raise UnsafeArchive(f"{name!r}: path leaves the archive")
    return normalised


def _check_link(name: str, target: str) -> None:
    """A link must stay inside the extracted tree."""
    if target.startswith("/"):
        raise UnsafeArchive(f"{name!r}: link to absolute path {target!r}")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
    if resolved == ".." or resolved.startswith("../"):
        raise UnsafeArchive(f"{name!r}: link to {target!r} leaves the archive")


class _Tally:
    def __init__(self, caps: Caps) -> None:
        self.caps = caps
        self.members = 0
        self.total = 0

    def add(self, name: str, size: int) -> None:
        self.members += 1
        self.total += size
        if self.members > self.caps.max_members:
            raise UnsafeArchive(f"more than {self.caps.max_members} members")
        if size > self.caps.max_member_bytes:
            raise UnsafeArchive(f"{name!r}: {size} bytes is over the per-file cap")
        if self.total > self.caps.max_total_bytes:
            raise UnsafeArchive(f"more than {self.caps.max_total_bytes} bytes in all")


def _check_tar(archive: tarfile.TarFile, caps: Caps) -> list[tarfile.TarInfo]:
    tally = _Tally(caps)
    members = archive.getmembers()
    for member in members:
        name = _check_name(member.name)
        if member.isdev() or member.isfifo():
            raise UnsafeArchive(f"{member.name!r}: device or FIFO")
        if member.issym():
            _check_link(name, member.linkname)
        elif member.islnk():
            _check_name(member.linkname)  # a hard link names another member by its archive path
        elif not (member.isfile() or member.isdir()):
            raise UnsafeArchive(f"{member.name!r}: unsupported member type")
        tally.add(member.name, member.size)
    return members


def _check_zip(archive: zipfile.ZipFile, caps: Caps) -> list[zipfile.ZipInfo]:
    tally = _Tally(caps)
    members = archive.infolist()
    for member in members:
        _check_name(member.filename)
        kind = stat.S_IFMT(member.external_attr >> 16)  # 0 when the zip carries no Unix file type
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeArchive(f"{member.filename!r}: links and special files are not allowed in zips")
        tally.add(member.filename, member.file_size)
    return members


def extract(archive_path: str | Path, destination: str | Path, caps: Caps | None = None) -> Path:
    """Extract into a new ``destination`` and return the single top directory (or ``destination``)."""
    caps = caps or Caps()
    archive_path, destination = Path(archive_path), Path(destination)
    if destination.exists():
        raise FileExistsError(f"{destination} exists: extraction needs a fresh directory")
    partial = destination.with_name(destination.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        if zipfile.is_zipfile(archive_path):
            with zipfile.ZipFile(archive_path) as archive:
                _check_zip(archive, caps)
                archive.extractall(partial)
        else:
            with tarfile.open(archive_path) as archive:
                members = _check_tar(archive, caps)
                # The "data" filter re-checks paths and links and drops set-uid bits and odd modes.
                archive.extractall(partial, members=members, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise UnsafeArchive(f"{archive_path.name}: cannot extract: {exc}") from None
    except UnsafeArchive as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise UnsafeArchive(f"{archive_path.name}: {exc}") from None
    os.replace(partial, destination)
    entries = list(destination.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else destination
