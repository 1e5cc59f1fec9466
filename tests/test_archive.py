"""Safe extraction of sdists against crafted malicious archives."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from scrapers.archive import Caps, UnsafeArchive, extract


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            archive.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "", mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = mode
    return info


def test_a_normal_sdist_extracts_to_its_top_directory(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "ok.tar.gz", [
        (member("pkg-1.0", tarfile.DIRTYPE), b""),
        (member("pkg-1.0/setup.py"), b"print('hi')\n"),
        (member("pkg-1.0/pkg/__init__.py"), b""),
        (member("pkg-1.0/link.py", tarfile.SYMTYPE, "pkg/__init__.py"), b""),
        (member("pkg-1.0/tool", mode=0o4755), b"#!/bin/sh\n"),
    ])
    top = extract(archive, tmp_path / "out")
    assert top == tmp_path / "out" / "pkg-1.0"
    assert (top / "setup.py").read_text() == "print('hi')\n"
    assert (top / "link.py").is_symlink()
    assert not (top / "tool").stat().st_mode & stat.S_ISUID, "set-uid bit kept"


@pytest.mark.parametrize(("name", "kind", "linkname", "rule"), [
    ("/etc/evil", tarfile.REGTYPE, "", "absolute path"),
    ("../evil", tarfile.REGTYPE, "", "leaves the archive"),
    ("pkg/../../evil", tarfile.REGTYPE, "", "leaves the archive"),
    ("pkg/passwd", tarfile.SYMTYPE, "/etc/passwd", "absolute path"),
    ("pkg/up", tarfile.SYMTYPE, "../../outside", "leaves the archive"),
    ("pkg/hard", tarfile.LNKTYPE, "../outside", "leaves the archive"),
    ("pkg/null", tarfile.CHRTYPE, "", "device"),
    ("pkg/fifo", tarfile.FIFOTYPE, "", "FIFO"),
])
def test_malicious_tar_members_are_refused(tmp_path: Path, name: str, kind: bytes, linkname: str, rule: str) -> None:
    members = [(member("pkg/ok.py"), b"x = 1\n"), (member(name, kind, linkname), b"")]
    archive = make_tar(tmp_path / "bad.tar.gz", members)
    with pytest.raises(UnsafeArchive, match=rule):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()
    assert not (tmp_path / "evil").exists() and not (tmp_path / "outside").exists()


def test_caps_on_members_and_sizes(tmp_path: Path) -> None:
    many = make_tar(tmp_path / "many.tar.gz", [(member(f"pkg/f{i}"), b"") for i in range(20)])
    with pytest.raises(UnsafeArchive, match="more than 10 members"):
        extract(many, tmp_path / "a", Caps(max_members=10))
    big = make_tar(tmp_path / "big.tar.gz", [(member("pkg/big"), b"0" * 5000)])
    with pytest.raises(UnsafeArchive, match="per-file cap"):
        extract(big, tmp_path / "b", Caps(max_member_bytes=1000))
    total = make_tar(tmp_path / "total.tar.gz", [(member(f"pkg/f{i}"), b"0" * 600) for i in range(3)])
    with pytest.raises(UnsafeArchive, match="in all"):
        extract(total, tmp_path / "c", Caps(max_total_bytes=1000))


def test_zip_traversal_and_links_are_refused(tmp_path: Path) -> None:
    traversal = tmp_path / "t.zip"
    with zipfile.ZipFile(traversal, "w") as archive:
        archive.writestr("pkg/ok.py", "x = 1\n")
        archive.writestr("../evil.py", "boom")
    with pytest.raises(UnsafeArchive, match="leaves the archive"):
        extract(traversal, tmp_path / "out")
    link = tmp_path / "l.zip"
    with zipfile.ZipFile(link, "w") as archive:
        info = zipfile.ZipInfo("pkg/passwd")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchive, match="links and special files"):
        extract(link, tmp_path / "out2")
    assert not (tmp_path / "evil.py").exists()


def test_a_good_zip_and_a_truncated_tar(tmp_path: Path) -> None:
    good = tmp_path / "g.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("pkg-2/setup.py", "pass\n")
    assert (extract(good, tmp_path / "zip") / "setup.py").read_text() == "pass\n"
    whole = make_tar(tmp_path / "w.tar.gz", [(member("pkg/a"), b"a" * 100_000)]).read_bytes()
    truncated = tmp_path / "cut.tar.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(UnsafeArchive, match="cannot extract"):
        extract(truncated, tmp_path / "cut")
    assert not (tmp_path / "cut.partial").exists()
