"""A project's test dependencies, from every place projects declare them.

Requirement files by their usual names (and the ``-r FILE`` lines of tox ``deps``), PEP 735
``[dependency-groups]``, Poetry groups and ``dev-dependencies``, PDM and Hatch dev/test
environments, and ``tests_require`` in setup.py or setup.cfg. Linters, formatters, docs and
release tools are left out: a suite does not need them and they cost install time.
"""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

TEST_GROUPS = ("test", "tests", "testing", "dev")
REQUIREMENT_FILES = (
    "test_requirements.txt", "test-requirements.txt", "test_requirements*.txt", "test-requirements*.txt",
    "requirements-test*.txt", "requirements_test*.txt", "requirements/test*.txt", "requirements/*test*.txt",
    "requirements/dev*.txt", "dev-requirements.txt", "dev_requirements.txt", "requirements-dev.txt",
    "requirements_dev.txt", "tests/requirements*.txt", "test/requirements*.txt", "*requirements*test*.txt",
)
# Tools a test suite does not import: installing them only costs time (and some fail to build).
NOT_FOR_TESTS = re.compile(
    r"^(black|ruff|flake8.*|pylint.*|isort|mypy|pyright|pre-commit|sphinx.*|furo|myst-.*|twine|build|bump2?version|"
    r"towncrier|check-manifest|codespell|mkdocs.*|tox|nox|pip-tools|wheel|ipython|ipdb|pdbpp|jupyter.*|"
    r"pydocstyle|pycodestyle|autopep8|yapf|bandit|readme-renderer|doc8|sphinxcontrib-.*|types-.*|coveralls|"
    r"codecov|zest\.releaser|setuptools-scm|hatch|pdm|poetry|invoke|pyroma|restructuredtext-lint)$",
    re.IGNORECASE,
)
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass
class TestDeps:
    """Requirement specifiers for the suite, and where each kind was found."""

    requirements: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)

    def add(self, items: list[str], origin: str, project: str = "") -> None:
        """Keep the specifiers a suite may need (not the project itself, not lint or docs tools)."""
        kept = [item for item in (_clean(i) for i in items) if item and _wanted(item, project)]
        new = [item for item in kept if item not in self.requirements]
        if new:
            self.requirements += new
            self.origins.append(origin)


def requirement_name(requirement: str) -> str:
    """The distribution name a specifier starts with ("" for options and paths)."""
    match = _NAME.match(requirement)
    return match.group(1) if match and not requirement.lstrip().startswith((".", "/", "-")) else ""


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _clean(item: str) -> str:
    line = re.sub(r"\s+#.*$", "", item.strip())
    if not line or line.startswith(("#", "-", ".", "/")) or "://" in line.split(";")[0]:
        return ""
    return line


def _wanted(item: str, project: str) -> bool:
    name = requirement_name(item)
    # pytest itself is installed by the harvester, new enough for our interpreter (old pins crash on 3.11).
    return (bool(name) and not NOT_FOR_TESTS.match(name) and _normal(name) != "pytest"
            and (not project or _normal(name) != _normal(project)))


def requirement_file_lines(path: Path, root: Path, seen: set[Path] | None = None) -> list[str]:
    """The specifiers of a requirements file, following ``-r``/``--requirement`` inside the project."""
    seen = set() if seen is None else seen
    try:
        resolved = path.resolve()
        if resolved in seen or not resolved.is_relative_to(root.resolve()) or not path.is_file():
            return []
        seen.add(resolved)
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    lines = []
    for raw in re.sub(r"\\\n", "", text).splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        nested = re.match(r"^(?:-r|--requirement)[\s=]*(\S+)$", line)
        if nested:
            lines += requirement_file_lines(path.parent / nested.group(1), root, seen)
        elif line and not line.startswith("-"):
            lines.append(line)
    return lines


def _from_requirement_files(root: Path, deps: TestDeps, project: str) -> None:
    found = sorted({p for pattern in REQUIREMENT_FILES for p in root.glob(pattern) if p.is_file()})
    for path in found:
        deps.add(requirement_file_lines(path, root), str(path.relative_to(root)), project)


def _from_tox_deps(tox_deps: list[str], root: Path, deps: TestDeps, project: str) -> None:
    for dep in tox_deps:
        nested = re.match(r"^(?:-r|--requirement)\s*=?\s*(\S+)$", dep.strip())
        if nested:
            target = Path(nested.group(1))
            path = target if target.is_absolute() else root / target
            deps.add(requirement_file_lines(path, root), f"tox deps -r {nested.group(1)}", project)


def _group(groups: dict, name: str, seen: set[str]) -> list[str]:
    """PEP 735: a group's strings, with ``{include-group = ...}`` entries expanded."""
    if name in seen:
        return []
    seen.add(name)
    items = []
    for entry in groups.get(name) or []:
        if isinstance(entry, str):
            items.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
            items += _group(groups, entry["include-group"], seen)
    return items


def _from_pyproject(data: dict, deps: TestDeps, project: str) -> None:
    groups = data.get("dependency-groups") or {}
    for name in TEST_GROUPS:
        if name in groups:
            deps.add(_group(groups, name, set()), f"pyproject.toml [dependency-groups] {name}", project)
    tool = data.get("tool") or {}
    poetry = tool.get("poetry") or {}
    for name, group in (poetry.get("group") or {}).items():
        if name in TEST_GROUPS and isinstance(group, dict):
            names = [n for n in (group.get("dependencies") or {}) if n != "python"]
            deps.add(names, f"pyproject.toml [tool.poetry.group.{name}]", project)
    legacy = [n for n in (poetry.get("dev-dependencies") or {}) if n != "python"]
    deps.add(legacy, "pyproject.toml [tool.poetry.dev-dependencies]", project)
    pdm = (tool.get("pdm") or {}).get("dev-dependencies") or {}
    for name, items in pdm.items():
        if isinstance(items, list):
            deps.add([str(i) for i in items], f"pyproject.toml [tool.pdm.dev-dependencies] {name}", project)
    hatch_envs = (tool.get("hatch") or {}).get("envs") or {}
    for name in ("default", "test", "tests", "testing", "hatch-test", "dev"):
        env = hatch_envs.get(name) or {}
        for key in ("dependencies", "extra-dependencies"):
            if isinstance(env.get(key), list):
                deps.add([str(i) for i in env[key]], f"pyproject.toml [tool.hatch.envs.{name}] {key}", project)


def _from_setup_py(root: Path, deps: TestDeps, project: str) -> None:
    try:
        tree = ast.parse((root / "setup.py").read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return
    assigned = {target.id: node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg != "tests_require":
                continue
            value = assigned.get(keyword.value.id) if isinstance(keyword.value, ast.Name) else keyword.value
            try:
                items = ast.literal_eval(value) if value is not None else []
            except ValueError:
                continue
            if isinstance(items, (list, tuple)):
                deps.add([str(i) for i in items], "setup.py tests_require", project)


def _from_setup_cfg(root: Path, deps: TestDeps, project: str) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string((root / "setup.cfg").read_text(encoding="utf-8", errors="replace"))
    except (OSError, configparser.Error):
        return
    if parser.has_option("options", "tests_require"):
        items = [line.strip() for line in parser.get("options", "tests_require").splitlines() if line.strip()]
        deps.add(items, "setup.cfg [options] tests_require", project)


def declared_test_deps(root: Path, tox_deps: list[str] | None = None, project: str = "") -> TestDeps:
    """Every test dependency the project declares, in the order above."""
    deps = TestDeps()
    _from_requirement_files(root, deps, project)
    _from_tox_deps(tox_deps or [], root, deps, project)
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8", errors="replace"))
    except (OSError, tomllib.TOMLDecodeError):
        data = {}
    _from_pyproject(data, deps, project)
    _from_setup_py(root, deps, project)
    _from_setup_cfg(root, deps, project)
    return deps
