"""A project's license from its own files: the license text first, then its packaging metadata.

The text of ``LICENSE``/``LICENCE``/``COPYING`` (and ``LICENSES/<id>.txt``) is matched against the
SPDX license texts by askalono (``pyaskalono``); a match under ``MIN_SCORE`` is not trusted. Texts
askalono does not match well are recognised by their titles (LGPL-3.0 is an addendum to the GPL
text, public-domain dedications have no SPDX id and get ``LicenseRef-Public-Domain``). Then the
metadata: ``pyproject.toml`` (``[project]`` license and classifiers, ``[tool.poetry]``), ``setup.cfg``
``[metadata]``, ``setup.py``'s ``setup(license=..., classifiers=[...])`` and an sdist's ``PKG-INFO``.
Every answer says where it was found.
"""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from dataclasses import dataclass
from email.parser import HeaderParser
from functools import cache
from pathlib import Path

from license_expression import ExpressionError, get_spdx_licensing

from scrapers.pypi import CLASSIFIER_SPDX, TEXT_SPDX

MIN_SCORE = 0.8
MAX_TEXT = 200_000
PUBLIC_DOMAIN = "LicenseRef-Public-Domain"
_FILE_NAME = re.compile(r"^(LICEN[CS]E|COPYING|COPYRIGHT|UNLICENSE)([-._].*)?$", re.IGNORECASE)
# Titles that name a license unambiguously, for texts askalono scores low.
_TITLES = (
    (re.compile(r"GNU LESSER GENERAL PUBLIC LICENSE\s+Version 3", re.I), "LGPL-3.0-only"),
    (re.compile(r"GNU LESSER GENERAL PUBLIC LICENSE\s+Version 2\.1", re.I), "LGPL-2.1-only"),
    (re.compile(r"GNU LIBRARY GENERAL PUBLIC LICENSE\s+Version 2", re.I), "LGPL-2.0-only"),
    (re.compile(r"GNU AFFERO GENERAL PUBLIC LICENSE\s+Version 3", re.I), "AGPL-3.0-only"),
    (re.compile(r"GNU GENERAL PUBLIC LICENSE\s+Version 3", re.I), "GPL-3.0-only"),
    (re.compile(r"GNU GENERAL PUBLIC LICENSE\s+Version 2", re.I), "GPL-2.0-only"),
    (re.compile(r"\b(dedicated|dedicates?|released|placed|put)\b[^.]{0,80}\bpublic domain\b"
                r"|\bis in the public domain\b", re.I), PUBLIC_DOMAIN),
)
# Free-text license fields beyond ``pypi.TEXT_SPDX``: known licenses that are not on the allow-list.
EXTRA_TEXT_SPDX = {
    "public domain": PUBLIC_DOMAIN, "public-domain": PUBLIC_DOMAIN, "publicdomain": PUBLIC_DOMAIN,
    "lgpl": "LGPL-2.1-or-later", "lgplv2": "LGPL-2.1-only", "lgplv2+": "LGPL-2.1-or-later", "lgplv3": "LGPL-3.0-only",
    "lgplv3+": "LGPL-3.0-or-later", "gpl": "GPL-2.0-or-later", "gplv2": "GPL-2.0-only", "gplv2+": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only", "gplv3+": "GPL-3.0-or-later", "mpl 2.0": "MPL-2.0", "mpl2": "MPL-2.0",
    "zpl 2.1": "ZPL-2.1", "zpl": "ZPL-2.1", "apache": "Apache-2.0", "apache 2": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0", "apache license version 2.0": "Apache-2.0",
    "bsd 3-clause": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause", "bsd 2-clause": "BSD-2-Clause", "2-clause bsd": "BSD-2-Clause",
    "simplified bsd": "BSD-2-Clause", "new bsd": "BSD-3-Clause", "modified bsd": "BSD-3-Clause", "expat": "MIT",
    "the mit license": "MIT",
}
EXTRA_CLASSIFIER_SPDX = {
    "Public Domain": PUBLIC_DOMAIN,
    "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "GNU Library or Lesser General Public License (LGPL)": "LGPL-2.0-or-later",
    "GNU General Public License (GPL)": "GPL-2.0-or-later",
    "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "Academic Free License (AFL)": "AFL-3.0",
    "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "Zope Public License": "ZPL-2.1",
}


@dataclass(frozen=True)
class Found:
    """A license as an SPDX expression, and where it was read."""

    spdx: str
    where: str


@cache
def _licensing():  # noqa: ANN202 - license_expression's Licensing
    return get_spdx_licensing()


def _read(path: Path) -> str:
    try:
        if path.is_symlink() or not path.is_file():
            return ""
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(MAX_TEXT)
    except OSError:
        return ""


def identify_text(text: str) -> tuple[str, float]:
    """(SPDX id, score) of a license text; ("", score) when nothing matches well enough."""
    if not text.strip():
        return "", 0.0
    import askalono  # pyaskalono: askalono's matcher with the SPDX texts built in

    match = askalono.identify(text)
    if match.score >= MIN_SCORE:
        return match.name, float(match.score)
    head = text[:3000]
    for pattern, spdx in _TITLES:
        if pattern.search(head):
            return spdx, float(match.score)
    return "", float(match.score)


def license_files(root: Path) -> list[Path]:
    """The license files at the top of a project, and REUSE's ``LICENSES/`` directory."""
    found = sorted(p for p in root.iterdir() if _FILE_NAME.match(p.name) and p.is_file() and not p.is_symlink()) \
        if root.is_dir() else []
    reuse = root / "LICENSES"
    if reuse.is_dir() and not reuse.is_symlink():
        found += sorted(p for p in reuse.iterdir() if p.suffix in (".txt", "") and p.is_file())
    return found


def from_files(root: Path) -> Found | None:
    """The license the project's license files hold, joined with AND when they differ."""
    ids, where = [], []
    for path in license_files(root):
        if path.parent.name == "LICENSES" and spdx_of_text_field(path.stem):
            spdx, how = spdx_of_text_field(path.stem), "file name"
        else:
            spdx, score = identify_text(_read(path))
            how = f"text match {score:.2f}"
        if spdx and spdx not in ids:
            ids.append(spdx)
            where.append(f"{path.relative_to(root)} ({how})")
    if not ids:
        return None
    return Found(" AND ".join(ids) if len(ids) > 1 else ids[0], ", ".join(where))


def spdx_of_text_field(value: str) -> str:
    """An SPDX expression from a free-text license field: an expression already, a known name, or ""."""
    text = (value or "").strip()
    if not text or len(text) > 200 and "\n" in text:
        return ""
    first = text.splitlines()[0].strip()
    lowered = first.lower().rstrip(".")
    known = TEXT_SPDX.get(lowered) or EXTRA_TEXT_SPDX.get(lowered)
    if known:
        return known
    if re.fullmatch(r"LicenseRef-[A-Za-z0-9.-]+", first):
        return first
    try:
        parsed = _licensing().parse(first, validate=True, strict=False)
    except ExpressionError:
        return ""
    return str(parsed) if parsed is not None else ""


def from_classifiers(classifiers: list[str]) -> str:
    """SPDX ids of the ``License ::`` trove classifiers, joined with OR (any one may be chosen)."""
    found = []
    for classifier in classifiers or []:
        if classifier.startswith("License :: "):
            name = classifier.split(" :: ")[-1].strip()
            spdx = CLASSIFIER_SPDX.get(name) or EXTRA_CLASSIFIER_SPDX.get(name)
            if spdx and spdx not in found:
                found.append(spdx)
    return " OR ".join(found)


def _declared(value: str, classifiers: list[str], origin: str, root: Path) -> Found | None:
    """A license field (text or a long license body) first, then the classifiers."""
    spdx = spdx_of_text_field(value)
    if spdx:
        return Found(spdx, f"{origin} license")
    if value and len(value) > 200:
        spdx, score = identify_text(value)
        if spdx:
            return Found(spdx, f"{origin} license text (match {score:.2f})")
    spdx = from_classifiers(classifiers)
    return Found(spdx, f"{origin} classifiers") if spdx else None


def _from_pyproject(root: Path) -> Found | None:
    try:
        data = tomllib.loads(_read(root / "pyproject.toml") or "")
    except tomllib.TOMLDecodeError:
        return None
    project = data.get("project") or {}
    declared = project.get("license")
    text = declared if isinstance(declared, str) else ""
    if isinstance(declared, dict):
        text = declared.get("text") or (_read(root / declared["file"]) if isinstance(declared.get("file"), str) else "")
    found = _declared(text, project.get("classifiers") or [], "pyproject.toml [project]", root)
    if found:
        return found
    poetry = (data.get("tool") or {}).get("poetry") or {}
    return _declared(str(poetry.get("license") or ""), poetry.get("classifiers") or [],
                     "pyproject.toml [tool.poetry]", root)


def _from_setup_cfg(root: Path) -> Found | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(_read(root / "setup.cfg"))
    except configparser.Error:
        return None
    if not parser.has_section("metadata"):
        return None
    metadata = parser["metadata"]
    classifiers = [line.strip() for line in metadata.get("classifiers", "").splitlines() if line.strip()]
    return _declared(metadata.get("license", ""), classifiers, "setup.cfg [metadata]", root)


def _from_setup_py(root: Path) -> Found | None:
    try:
        tree = ast.parse(_read(root / "setup.py") or "")
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "setup":
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            license_text = _literal(keywords.get("license"))
            classifiers = _literal(keywords.get("classifiers"))
            return _declared(license_text if isinstance(license_text, str) else "",
                             classifiers if isinstance(classifiers, list) else [], "setup.py setup()", root)
    return None


def _literal(node: ast.expr | None) -> object:
    try:
        return ast.literal_eval(node) if node is not None else None
    except ValueError:
        return None


def _from_pkg_info(root: Path) -> Found | None:
    text = _read(root / "PKG-INFO")
    if not text:
        return None
    headers = HeaderParser().parsestr(text)
    expression = spdx_of_text_field(headers.get("License-Expression", ""))
    if expression:
        return Found(expression, "PKG-INFO License-Expression")
    return _declared(headers.get("License", ""), headers.get_all("Classifier") or [], "PKG-INFO", root)


def from_metadata(root: Path) -> Found | None:
    """The license the packaging metadata declares: pyproject, setup.cfg, setup.py, then PKG-INFO."""
    for reader in (_from_pyproject, _from_setup_cfg, _from_setup_py, _from_pkg_info):
        found = reader(root)
        if found:
            return found
    return None


def detect(root: str | Path) -> Found | None:
    """A project's license: its license files' text first, then its metadata; None if neither says."""
    root = Path(root)
    return from_files(root) or from_metadata(root)
