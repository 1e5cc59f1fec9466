"""PyPI as a source: the JSON API for a release, its sdist in a content-addressed cache.

The downloaded file is checked against the sha256 that PyPI publishes before anything reads it.
Some URLs in the JSON are relative; they are resolved against the URL of the response.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

DEFAULT_INDEX = os.environ.get("SFTMINE_PYPI_URL", "https://pypi.org")
USER_AGENT = "sftmine/0.1 (+https://github.com/sftmine/sftmine; mining SFT problems from test suites)"

# Trove classifiers of the common licenses, as SPDX identifiers.
CLASSIFIER_SPDX = {
    "MIT License": "MIT",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "BSD License": "BSD-3-Clause",
    "Apache Software License": "Apache-2.0",
    "ISC License (ISCL)": "ISC",
    "Python Software Foundation License": "PSF-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.1-or-later",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "GNU Affero General Public License v3": "AGPL-3.0-only",
    "The Unlicense (Unlicense)": "Unlicense",
    "Zope Public License": "ZPL-2.1",
}
# Free-text ``license`` fields that name a license unambiguously.
TEXT_SPDX = {
    "mit": "MIT", "mit license": "MIT", "bsd": "BSD-3-Clause", "bsd license": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause", "bsd-3-clause": "BSD-3-Clause", "bsd-2-clause": "BSD-2-Clause",
    "apache 2.0": "Apache-2.0", "apache-2.0": "Apache-2.0", "apache license 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0", "isc": "ISC", "isc license": "ISC", "psf": "PSF-2.0",
    "mpl-2.0": "MPL-2.0", "unlicense": "Unlicense", "public domain": "LicenseRef-Public-Domain",
}


class SourceError(RuntimeError):
    """A release that cannot be fetched as asked; the message says what to do."""


@dataclass(frozen=True)
class Release:
    """One sdist of one version of a package, with what provenance needs."""

    name: str
    version: str
    filename: str
    url: str
    sha256: str
    license: str
    project_url: str
    requires_python: str = ""


def session() -> requests.Session:
    """A session with an honest User-Agent."""
    client = requests.Session()
    client.headers["User-Agent"] = USER_AGENT
    return client


def license_of(info: dict) -> str:
    """SPDX expression from the JSON ``info``: license_expression, classifiers, then short text."""
    expression = (info.get("license_expression") or "").strip()
    if expression:
        return expression
    found = []
    for classifier in info.get("classifiers") or []:
        if classifier.startswith("License :: "):
            spdx = CLASSIFIER_SPDX.get(classifier.split(" :: ")[-1])
            if spdx and spdx not in found:
                found.append(spdx)
    if found:
        return " OR ".join(found)
    text = (info.get("license") or "").strip()
    first_line = text.splitlines()[0].strip().lower() if text else ""
    return TEXT_SPDX.get(first_line, "")


_SPEC = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:==\s*([A-Za-z0-9.+!_-]+))?\s*$")


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``name`` or ``name==version``."""
    match = _SPEC.match(spec)
    if not match:
        raise SourceError(f"{spec!r} is not a package spec: use NAME or NAME==VERSION")
    return match.group(1), match.group(2)


def resolve(spec: str, client: requests.Session, index: str = DEFAULT_INDEX, timeout: float = 30) -> Release:
    """The sdist of ``name`` (latest) or ``name==version``, from the JSON API."""
    name, version = parse_spec(spec)
    api = f"{index.rstrip('/')}/pypi/{name}/{version}/json" if version else f"{index.rstrip('/')}/pypi/{name}/json"
    try:
        response = client.get(api, timeout=timeout)
    except requests.RequestException as exc:
        raise SourceError(f"{spec}: cannot reach {api}: {exc}") from None
    if response.status_code == 404:
        raise SourceError(f"{spec}: no such package or version on {index}")
    if response.status_code != 200:
        raise SourceError(f"{spec}: {api} answered HTTP {response.status_code}")
    data = response.json()
    info = data.get("info") or {}
    sdists = [u for u in data.get("urls") or [] if u.get("packagetype") == "sdist" and not u.get("yanked")]
    if not sdists:
        raise SourceError(f"{spec}: version {info.get('version')} has no sdist (wheels only): pick another version")
    sdist = sdists[0]
    digest = (sdist.get("digests") or {}).get("sha256", "")
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise SourceError(f"{spec}: the index gives no sha256 for {sdist.get('filename')}")
    return Release(
        name=info.get("name") or name,
        version=info.get("version") or version or "",
        filename=sdist["filename"],
        url=urljoin(response.url, sdist["url"]),
        sha256=digest,
        license=license_of(info),
        project_url=info.get("project_url") or info.get("package_url") or api,
        requires_python=info.get("requires_python") or "",
    )


def download(release: Release, cache_dir: str | Path, client: requests.Session, timeout: float = 120) -> Path:
    """The sdist in ``cache_dir/<sha256>/<filename>``, downloaded once and verified."""
    if "/" in release.filename or release.filename.startswith("."):
        raise SourceError(f"{release.name}: suspicious file name {release.filename!r}")
    target = Path(cache_dir) / release.sha256 / release.filename
    if target.exists() and _sha256(target) == release.sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    try:
        with client.get(release.url, stream=True, timeout=timeout) as response:
            if response.status_code != 200:
                raise SourceError(f"{release.name}: {release.url} answered HTTP {response.status_code}")
            with open(partial, "wb") as out:
                for chunk in response.iter_content(1 << 16):
                    digest.update(chunk)
                    out.write(chunk)
    except requests.RequestException as exc:
        raise SourceError(f"{release.name}: download of {release.url} failed: {exc}") from None
    if digest.hexdigest() != release.sha256:
        partial.unlink(missing_ok=True)
        raise SourceError(f"{release.name}: {release.filename} does not match the sha256 the index gives")
    os.replace(partial, target)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
