"""A project's CI configuration, read into install steps and test commands for the Python we run.

Sources, in order: ``tox.ini``, ``setup.cfg`` ``[tox:tox]``, ``pyproject.toml`` ``[tool.tox]``
(``legacy_tox_ini`` string or native tables), ``.travis.yml``; with none of them, tests are
discovered (pytest or unittest). The tox env chosen is the one for our interpreter (``py311``,
``py3``, ``py``) among the envlist, generative names (``py{310,311}-django{42,50}``) expanded.
"""

from __future__ import annotations

import configparser
import re
import shlex
import sys
import tomllib
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import yaml

PY_FACTOR = f"py{sys.version_info.major}{sys.version_info.minor}"
PY_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
PY_FACTORS = (PY_FACTOR, PY_VERSION, f"py{sys.version_info.major}", "py", "python")
OPEN_RANGE_END = 20  # "py3{10-}" means 10 and up
NON_TEST_ENVS = {"lint", "flake8", "docs", "doc", "mypy", "typing", "type", "pre-commit", "precommit", "pep8",
                 "style", "format", "black", "isort", "coverage", "cover", "build", "release", "dev", "bandit",
                 "pylint", "ruff", "check", "checks", "spelling", "manifest", "readme", "clean", "report", "docs-links",
                 "packaging", "pkg", "typecheck", "types", "codecov", "coveralls", "publish", "upload", "bench",
                 "benchmark", "benchmarks", "profile", "venv", "devenv", "changelog", "towncrier", "safety", "audit"}
TEST_EXTRAS = ("test", "tests", "testing")


class ConfigError(ValueError):
    """A CI configuration that cannot be read; the message names the file and the problem."""


@dataclass
class TestPlan:
    """How to install and test one project, as data."""

    origin: str
    uses_tox: bool = False
    tox_env: str = ""
    deps: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    install_commands: list[list[str]] = field(default_factory=list)
    commands: list[list[str]] = field(default_factory=list)
    setenv: dict[str, str] = field(default_factory=dict)
    changedir: str = ""
    skip_install: bool = False


# -- tox envlist and factors -------------------------------------------------------------------

def expand(name: str) -> list[str]:
    """Generative names: ``py{310,311}-a{1,2}`` and tox 4 ranges ``py{311-313}``."""
    parts = re.split(r"(\{[^{}]*\})", name.strip())
    choices = [_alternatives(p[1:-1]) if p.startswith("{") else [p] for p in parts]
    return ["".join(combo) for combo in product(*choices)]


def _alternatives(body: str) -> list[str]:
    found = []
    for item in (c.strip() for c in body.split(",")):
        bounds = re.fullmatch(r"(\d+)-(\d*)", item)
        if bounds:
            end = int(bounds[2]) if bounds[2] else max(OPEN_RANGE_END, int(bounds[1]))
            found += [str(n) for n in range(int(bounds[1]), end + 1)]
        else:
            found.append(item)
    return found


def strip_comment(line: str) -> str:
    """Drop a ``#`` comment: a whole-line one, or an inline one after whitespace (``#egg=`` stays)."""
    return "" if line.lstrip().startswith("#") else re.sub(r"\s+#.*$", "", line)


def split_list(value: str) -> list[str]:
    """A tox list: comma or newline separated, braces respected, comments dropped."""
    items, depth, current = [], 0, ""
    for char in "\n".join(strip_comment(line) for line in value.splitlines()):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char in ",\n" and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    items.append(current.strip())
    return [name for item in items if item for name in expand(item)]


def factors(env: str) -> set[str]:
    return set(env.split("-"))


def choose_env(envs: list[str]) -> str:
    """The env for our interpreter; else a plausible test env; else tox's default ``py``."""
    for wanted in PY_FACTORS:
        for env in envs:
            if env == wanted:
                return env
        for env in envs:
            if wanted in factors(env):
                return env
    for env in envs:
        pythons = {f for f in factors(env) if re.fullmatch(r"py(py)?\d*", f)}
        words = set(re.split(r"[-_]", env))  # coverage_report is no test env either
        if not pythons and not factors(env) & NON_TEST_ENVS and not words & NON_TEST_ENVS:
            return env
    return "py"


_CONDITION = re.compile(r"^\s*(!?[\w.{}]+(?:[,-]!?[\w.{}]+)*(?:,[\w.{}]+)*)\s*:(?!//)\s*(.*)$")


def applies(condition: str, env_factors: set[str]) -> bool:
    """tox factor conditions: ``a,b`` is OR, ``a-b`` is AND, ``!a`` negates, ``a{1,2}`` expands."""
    for alternative in split_list(condition):
        if all((f[1:] not in env_factors) if f.startswith("!") else (f in env_factors)
               for f in alternative.split("-")):
            return True
    return False


def conditional_lines(value: str, env: str) -> list[str]:
    """Lines of a multi-line value that apply to ``env`` (continuations joined, comments dropped)."""
    joined = re.sub(r"\\\s*\n", " ", value)
    lines = []
    env_factors = factors(env)
    for raw in joined.splitlines():
        line = strip_comment(raw).strip()
        if not line:
            continue
        match = _CONDITION.match(line)
        if match and not line.startswith("-"):
            if not applies(match.group(1), env_factors):
                continue
            line = match.group(2)
        lines.append(line)
    return lines


# -- substitution ------------------------------------------------------------------------------

def substitute(text: str, root: Path, env: str, sections: dict[str, dict[str, str]]) -> str:
    """tox substitutions for the values we need; unknown ones are left for tox to fail on."""

    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key.startswith("posargs"):
            return key.partition(":")[2]
        if key in ("toxinidir", "tox_root"):
            return str(root)
        if key in ("envpython", "env_python"):
            return "python"
        if key in ("envname", "env_name"):
            return env
        if key.startswith("env:"):
            return key.split(":", 2)[2] if key.count(":") >= 2 else ""
        reference = re.fullmatch(r"\[([^\]]+)\]([\w-]+)", key)
        if reference:
            return sections.get(reference.group(1), {}).get(reference.group(2), "")
        return match.group(0)

    for _ in range(5):  # references may contain substitutions themselves
        replaced = re.sub(r"\{([^{}]+)\}", replace, text)
        if replaced == text:
            break
        text = replaced
    return text


# -- readers -----------------------------------------------------------------------------------

def _ini_sections(text: str, origin: str, prefix: str = "") -> dict[str, dict[str, str]]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=origin)
    except configparser.Error as exc:
        raise ConfigError(f"{origin}: {exc}") from None
    sections: dict[str, dict[str, str]] = {}
    for name in parser.sections():
        key = name[len(prefix):] if prefix and name.startswith(prefix) else name
        if key.startswith("testenv:"):
            for expanded in expand(key[len("testenv:"):]):
                sections[f"testenv:{expanded}"] = dict(parser[name])
        else:
            sections[key] = dict(parser[name])
    return sections


def plan_from_tox_sections(sections: dict[str, dict[str, str]], root: Path, origin: str) -> TestPlan:
    """A plan from tox's ini-style sections (``tox``/``testenv``/``testenv:NAME``)."""
    tox = sections.get("tox", sections.get("tox:tox", {}))
    envs = split_list(tox.get("envlist", tox.get("env_list", "")))
    envs += [name[len("testenv:"):] for name in sections if name.startswith("testenv:") and name[8:] not in envs]
    env = choose_env(envs)
    merged = {**sections.get("testenv", {}), **sections.get(f"testenv:{env}", {})}

    def value(key: str, *aliases: str) -> str:
        for name in (key, *aliases):
            if name in merged:
                return substitute(merged[name], root, env, sections)
        return ""

    lines = conditional_lines(value("commands_pre"), env) + conditional_lines(value("commands"), env)
    commands = [shlex.split(line) for line in lines]
    return TestPlan(
        origin=origin,
        uses_tox=True,
        tox_env=env,
        deps=conditional_lines(value("deps"), env),
        extras=[e for line in conditional_lines(value("extras"), env) for e in split_list(line)],
        commands=[c for c in commands if c] or [["pytest"]],
        setenv=dict(_setenv(line) for line in conditional_lines(value("setenv", "set_env"), env) if "=" in line),
        changedir=value("changedir", "change_dir").strip(),
        skip_install=value("skip_install").strip().lower() in ("true", "yes", "1", "on"),
    )


def _setenv(line: str) -> tuple[str, str]:
    name, _, val = line.partition("=")
    return name.strip(), val.strip()


def _native_command(command: list, root: Path, env: str) -> list[str]:
    argv = []
    for item in command:
        if isinstance(item, str):
            argv.append(substitute(item, root, env, {}))
        elif isinstance(item, dict) and item.get("replace") == "posargs":
            argv.extend(str(x) for x in item.get("default", []))
    return argv


def plan_from_native_toml(tox: dict, root: Path, origin: str) -> TestPlan:
    """A plan from tox 4's native TOML tables (``env_list``, ``env_run_base``, ``env.NAME``)."""
    envs = [name for item in tox.get("env_list", []) for name in expand(str(item))]
    env = choose_env(envs + list(tox.get("env", {})))
    merged = {**tox.get("env_run_base", {}), **tox.get("env", {}).get(env, {})}
    lines = [*merged.get("commands_pre", []), *merged.get("commands", [])]
    commands = [_native_command(c, root, env) for c in lines if isinstance(c, list)]
    return TestPlan(
        origin=origin,
        uses_tox=True,
        tox_env=env,
        deps=[substitute(str(d), root, env, {}) for d in merged.get("deps", [])],
        extras=[str(e) for e in merged.get("extras", [])],
        commands=[c for c in commands if c] or [["pytest"]],
        setenv={str(k): substitute(str(v), root, env, {}) for k, v in merged.get("set_env", {}).items()},
        changedir=str(merged.get("change_dir", "")),
        skip_install=bool(merged.get("skip_install", False)),
    )


def _shell_list(value: object) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def plan_from_travis(data: dict, origin: str) -> TestPlan:
    """A plan from .travis.yml: install steps then the script, each run by a shell."""
    installs = _shell_list(data.get("before_install")) + _shell_list(data.get("install"))
    scripts = _shell_list(data.get("before_script")) + _shell_list(data.get("script"))
    return TestPlan(
        origin=origin,
        install_commands=[["sh", "-c", step] for step in installs],
        commands=[["sh", "-c", step] for step in scripts] or [["pytest"]],
        setenv=_travis_env(data.get("env")),
    )


def _travis_env(env: object) -> dict[str, str]:
    """Global variables: ``env: {global: [...]}``, a list (the first matrix row) or a string."""
    if isinstance(env, dict):
        rows = _shell_list(env.get("global"))
    elif isinstance(env, list):
        rows = [str(env[0])] if env else []
    else:
        rows = _shell_list(env)
    pairs = {}
    for row in rows:
        for word in shlex.split(row):
            if "=" in word:
                name, value = _setenv(word)
                pairs[name] = value
    return pairs


def discover(root: Path) -> TestPlan:
    """No CI configuration: pytest if the project looks like it uses it, else unittest discovery."""
    pyproject = _read_toml(root / "pyproject.toml")
    uses_pytest = (
        (root / "pytest.ini").exists() or (root / "conftest.py").exists()
        or "pytest" in pyproject.get("tool", {})
        or "[tool:pytest]" in _read_text(root / "setup.cfg")
        or any(root.glob("**/conftest.py"))
        or any(p for p in root.glob("**/test_*.py") if "import pytest" in _read_text(p))
    )
    # pytest also collects unittest.TestCase classes, and reports outcomes the same way for both.
    style = "pytest" if uses_pytest else "unittest"
    return TestPlan(origin=f"discovered: {style}", deps=["pytest"], extras=list(TEST_EXTRAS), commands=[["pytest"]])


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _read_toml(path: Path) -> dict:
    text = _read_text(path)
    if not text:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: {exc}") from None


def read_plan(root: str | Path) -> TestPlan:
    """The test plan of the project at ``root``."""
    root = Path(root)
    tox_ini = root / "tox.ini"
    if tox_ini.exists():
        sections = _ini_sections(_read_text(tox_ini), "tox.ini")
        # Some projects keep only [flake8]/[pytest] settings in tox.ini: that is not a tox project.
        if any(name == "tox" or name == "testenv" or name.startswith("testenv:") for name in sections):
            return plan_from_tox_sections(sections, root, "tox.ini")
    setup_cfg = _read_text(root / "setup.cfg")
    if "[tox:tox]" in setup_cfg:
        sections = _ini_sections(setup_cfg, "setup.cfg")
        return plan_from_tox_sections(sections, root, "setup.cfg [tox:tox]")
    tox = _read_toml(root / "pyproject.toml").get("tool", {}).get("tox", {})
    if isinstance(tox.get("legacy_tox_ini"), str):
        sections = _ini_sections(tox["legacy_tox_ini"], "pyproject.toml [tool.tox] legacy_tox_ini")
        return plan_from_tox_sections(sections, root, "pyproject.toml [tool.tox] legacy_tox_ini")
    if tox:
        return plan_from_native_toml(tox, root, "pyproject.toml [tool.tox]")
    travis = root / ".travis.yml"
    if travis.exists():
        try:
            data = yaml.safe_load(_read_text(travis)) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f".travis.yml: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(".travis.yml: expected a mapping at the top")
        return plan_from_travis(data, ".travis.yml")
    return discover(root)
