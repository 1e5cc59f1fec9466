"""Shallow clones of a local bare repository at a branch, a tag and a commit id."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from scrapers.git import Checkout, clone
from scrapers.pypi import SourceError

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false",
                             "-c", "tag.gpgsign=false", *args],
                            cwd=cwd, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, check=True)
    return result.stdout.strip()


@dataclass
class Remote:
    bare: Path
    url: str
    first: str          # the commit tagged v1 (and v1-annotated)
    second: str         # the tip of main


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Remote:
    base = tmp_path_factory.mktemp("remote")
    bare = base / "demo.git"
    git("init", "-q", "--bare", str(bare))
    git("symbolic-ref", "HEAD", "refs/heads/main", cwd=bare)
    work = base / "work"
    git("init", "-q", str(work))
    (work / "demo").mkdir()
    (work / "demo" / "__init__.py").write_text("VERSION = 1\n")
    (work / "tests").mkdir()
    (work / "tests" / "test_demo.py").write_text("import demo\n\ndef test_version():\n    assert demo.VERSION\n")
    (work / "tox.ini").write_text("[tox]\nenvlist = py311\n\n[testenv]\ncommands = pytest\n")
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "first", cwd=work)
    first = git("rev-parse", "HEAD", cwd=work)
    git("tag", "v1", cwd=work)
    git("tag", "-a", "v1-annotated", "-m", "release 1", cwd=work)
    git("push", "-q", str(bare), "HEAD:refs/heads/main", "v1", "v1-annotated", cwd=work)
    (work / "demo" / "__init__.py").write_text("VERSION = 2\n")
    (work / "CHANGES.txt").write_text("2: better\n")
    git("commit", "-q", "-am", "second", cwd=work)
    git("add", "CHANGES.txt", cwd=work)
    git("commit", "-q", "-m", "changes", cwd=work)
    second = git("rev-parse", "HEAD", cwd=work)
    git("push", "-q", str(bare), "HEAD:refs/heads/main", cwd=work)
    return Remote(bare=bare, url=f"file://{bare}", first=first, second=second)


def test_clone_a_branch(remote: Remote, tmp_path: Path) -> None:
    dest = tmp_path / "src"
    checkout = clone(remote.url, dest, ref="main")
    assert isinstance(checkout, Checkout)
    assert checkout.url == remote.url
    assert checkout.ref == "main"
    assert checkout.path == dest
    assert checkout.commit == git("rev-parse", "main", cwd=remote.bare) == remote.second
    assert git("rev-parse", "HEAD", cwd=dest) == remote.second
    assert (dest / "demo" / "__init__.py").read_text() == "VERSION = 2\n"
    assert (dest / "CHANGES.txt").exists()
    assert (dest / "tox.ini").read_text().startswith("[tox]")


def test_clone_is_shallow(remote: Remote, tmp_path: Path) -> None:
    dest = tmp_path / "src"
    clone(remote.url, dest, ref="main")
    assert git("rev-list", "--count", "main", cwd=remote.bare) == "3"
    assert git("rev-list", "--count", "HEAD", cwd=dest) == "1"
    assert (dest / ".git" / "shallow").exists()


def test_clone_the_default_head(remote: Remote, tmp_path: Path) -> None:
    checkout = clone(remote.url, tmp_path / "src")
    assert checkout.ref == "HEAD"
    assert checkout.commit == remote.second


def test_clone_a_lightweight_tag(remote: Remote, tmp_path: Path) -> None:
    dest = tmp_path / "src"
    checkout = clone(remote.url, dest, ref="v1")
    assert checkout.commit == git("rev-parse", "v1", cwd=remote.bare) == remote.first
    assert (dest / "demo" / "__init__.py").read_text() == "VERSION = 1\n"
    assert not (dest / "CHANGES.txt").exists()


def test_clone_an_annotated_tag_records_the_commit_not_the_tag(remote: Remote, tmp_path: Path) -> None:
    dest = tmp_path / "src"
    checkout = clone(remote.url, dest, ref="v1-annotated")
    tag_object = git("rev-parse", "v1-annotated", cwd=remote.bare)
    assert tag_object != remote.first
    assert checkout.commit == git("rev-parse", "v1-annotated^{commit}", cwd=remote.bare) == remote.first
    assert (dest / "demo" / "__init__.py").read_text() == "VERSION = 1\n"


def test_clone_a_full_commit_id(remote: Remote, tmp_path: Path) -> None:
    dest = tmp_path / "src"
    checkout = clone(remote.url, dest, ref=remote.first)
    assert checkout.ref == remote.first
    assert checkout.commit == remote.first
    assert git("rev-parse", "HEAD", cwd=dest) == remote.first
    assert (dest / "demo" / "__init__.py").read_text() == "VERSION = 1\n"
    assert git("rev-list", "--count", "HEAD", cwd=dest) == "1"


def test_clone_into_a_missing_parent(remote: Remote, tmp_path: Path) -> None:
    dest = tmp_path / "a" / "b" / "src"
    clone(remote.url, dest, ref="main")
    assert (dest / "tox.ini").exists()


@pytest.mark.parametrize("ref", ["no-such-branch", "v999", "0" * 40])
def test_a_missing_ref_raises_and_leaves_no_destination(remote: Remote, tmp_path: Path, ref: str) -> None:
    dest = tmp_path / "src"
    with pytest.raises(SourceError) as caught:
        clone(remote.url, dest, ref=ref)
    assert ref in str(caught.value)
    assert not dest.exists()


def test_a_missing_repository_raises_and_leaves_no_destination(tmp_path: Path) -> None:
    dest = tmp_path / "src"
    url = f"file://{tmp_path}/no-such-repo.git"
    with pytest.raises(SourceError) as caught:
        clone(url, dest)
    assert url in str(caught.value)
    assert not dest.exists()


def test_an_existing_destination_is_refused_and_untouched(remote: Remote, tmp_path: Path) -> None:
    dest = tmp_path / "src"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        clone(remote.url, dest, ref="main")
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileExistsError):
        clone(remote.url, empty, ref="main")
    assert list(empty.iterdir()) == []


def test_hooks_from_the_template_do_not_run(remote: Remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = tmp_path / "template"
    (template / "hooks").mkdir(parents=True)
    marker = tmp_path / "hook-ran"
    hook = template / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\necho ran >> '{marker}'\n")
    hook.chmod(0o755)
    monkeypatch.setenv("GIT_TEMPLATE_DIR", str(template))
    dest = tmp_path / "src"
    clone(remote.url, dest, ref="main")
    assert (dest / ".git" / "hooks" / "post-checkout").exists()     # installed by git init from the template
    assert not marker.exists()
    git("checkout", "-q", "--detach", "HEAD", cwd=dest)                # control: plain git does run it
    assert marker.exists()


def test_a_ref_that_looks_like_an_option_is_refused(remote: Remote, tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    dest = tmp_path / "src"
    try:
        with pytest.raises(SourceError):
            clone(remote.url, dest, ref=f"--upload-pack=touch {marker}; git-upload-pack")
    finally:
        assert not marker.exists(), "the ref ran a command"
    assert not dest.exists()
