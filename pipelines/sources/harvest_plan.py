"""What PREPARE installs and what each TEST attempt runs, for a project's plan and layout.

PREPARE: the project with its test extras, every declared test dependency (``harvest_deps``),
pytest and pytest-timeout, in a venv or the project's tox env. Optional parts are installed
tolerantly: all at once, else one by one, else by name without the version, and what still fails
is only logged. TEST attempts, in order: the plan's own commands (task runners such as ``inv ci``,
``make test`` or ``nox`` replaced by the suite they run), pytest without the configured
``addopts``, the same with a written ``tests/__init__.py``, the same without conftest files,
unittest discovery, then test modules that run themselves (``unittest.main()``) one by one.
"""

from __future__ import annotations

import ast
import configparser
import re
import shlex
import tomllib
from pathlib import Path

from pipelines.sources.harvest_deps import declared_test_deps, requirement_name
from sandbox.suite import PYTHON, Layout
from scrapers import ciconfig

TRACE_ENV = "SFTMINE_TRACE_*"  # tox's pass_env takes a glob: every tracer setting reaches the env
PASS_ENV = (TRACE_ENV, "PYTEST_ADDOPTS", "PYTHONPATH")
# The last, ``doctests``, runs only when no other ran a test: an sdist that ships no test suite may have
# examples in its docstrings (sortedcontainers, bidict, whose own suites run them too).
ATTEMPTS = ("plan", "reset_addopts", "add_tests_init", "no_conftest", "unittest_discover", "test_scripts", "doctests")
MAX_TEST_SCRIPTS = 50
PYTEST_TOOLS = ("pytest>=7", "pytest-timeout")  # pytest before 6.2.5 cannot run on Python 3.10+
TASK_RUNNERS = {"inv", "invoke", "make", "nox", "just", "poe", "hatch", "pdm", "poetry", "tox", "doit", "paver"}
# Commands that check style or build docs: they run no test, and a failing one must not stop the suite.
NOT_TESTS = {"flake8", "mypy", "black", "isort", "ruff", "pylint", "pre-commit", "sphinx-build", "check-manifest",
             "twine", "codespell", "pyright", "pydocstyle", "pycodestyle", "bandit", "rst-lint", "doc8", "pyroma"}
_NOT_SOURCE = {"setup.py", "conftest.py", "noxfile.py", "tasks.py", "fabfile.py", "docs", "doc", "tests", "test",
               "testing", "examples", "benchmarks", "build", "dist", "scripts", "tools", "ci", "bin"}


def project_name(root: Path) -> str:
    """The distribution name the project's metadata declares ("" if none says)."""
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8", errors="replace"))
    except (OSError, tomllib.TOMLDecodeError):
        data = {}
    name = (data.get("project") or {}).get("name") or ((data.get("tool") or {}).get("poetry") or {}).get("name")
    if isinstance(name, str) and name:
        return name
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string((root / "setup.cfg").read_text(encoding="utf-8", errors="replace"))
        if parser.has_option("metadata", "name"):
            return parser.get("metadata", "name").strip()
    except (OSError, configparser.Error):
        pass
    for text, pattern in ((root / "setup.py", r"\bname\s*=\s*['\"]([A-Za-z0-9._-]+)['\"]"),
                          (root / "PKG-INFO", r"(?m)^Name:\s*(\S+)")):
        try:
            match = re.search(pattern, text.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if match:
            return match.group(1)
    return ""


def source_paths(root: Path) -> list[Path]:
    """Top-level modules and packages of the project's own code (root, ``src/`` or ``lib/``)."""
    paths = []
    for base in (root / "src", root / "lib", root):
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            name = child.name
            if name in _NOT_SOURCE or name.startswith((".", "_")) or name.startswith("test"):
                continue
            package = child.is_dir() and (child / "__init__.py").is_file() and name.isidentifier()
            if package or child.suffix == ".py" and child.stem.isidentifier():
                paths.append(child)
    return paths


def source_modules(root: Path) -> list[str]:
    """The import names of ``source_paths``."""
    return list(dict.fromkeys(path.stem for path in source_paths(root)))


def tolerant_install(pip: list[str], requirements: list[str], what: str) -> list[str]:
    """A PREPARE step (``sh -c``) that installs what it can of ``requirements`` and logs the rest."""
    if not requirements:
        return []
    together = shlex.join([*pip, *requirements])
    singles = []
    for requirement in requirements:
        name = requirement_name(requirement)
        fallback = f" || {shlex.join([*pip, name])}" if name and name != requirement else ""
        singles.append(f"{{ {shlex.join([*pip, requirement])}{fallback} || "
                       f"echo {shlex.quote(f'sftmine: could not install {requirement} ({what})')}; }}")
    return ["sh", "-c", f"{together} || {{ {'; '.join(singles)}; }}"]


def _project_install(pip: list[str], layout: Layout, extras: list[str]) -> list[str]:
    with_extras = f"{layout.src}[{','.join(extras)}]"
    message = shlex.quote("sftmine: the project's test extras did not install; installing it without them")
    plain = shlex.join([*pip, str(layout.src)])
    return ["sh", "-c", f"{shlex.join([*pip, with_extras])} || {{ echo {message}; {plain}; }}"]


def install_steps(plan: ciconfig.TestPlan, layout: Layout) -> tuple[list[list[str]], Path, list[str]]:
    """PREPARE steps for a plan, the interpreter of the environment they create, and where test deps came from."""
    venv_bin = layout.venv / "bin"
    steps = [[PYTHON, "-m", "venv", str(layout.venv)]]
    name = project_name(layout.src)
    deps = declared_test_deps(layout.src, plan.deps, name)
    if plan.uses_tox:
        env_python = layout.toxwork / plan.tox_env / "bin" / "python"
        pip = [str(env_python), "-m", "pip", "install", "-q"]
        ensurepip = [str(env_python), "-m", "ensurepip"]
        steps += [
            [str(venv_bin / "pip"), "install", "-q", "tox>=4.11"],
            [str(venv_bin / "tox"), "run", "-e", plan.tox_env, "--notest", "--workdir", str(layout.toxwork)],
            # tox-uv makes envs without pip.
            ["sh", "-c", f"{shlex.join(pip[:3])} --version >/dev/null 2>&1 || {shlex.join(ensurepip)}"],
            [*pip, *PYTEST_TOOLS],
        ]
        install = tolerant_install(pip, deps.requirements, "declared test dependency")
        return steps + ([install] if install else []), env_python, deps.origins
    pip = [str(venv_bin / "pip"), "install", "-q"]
    extras = sorted(set(plan.extras) | set(ciconfig.TEST_EXTRAS))
    if not plan.skip_install:
        steps.append(_project_install(pip, layout, extras))
    tox_deps = [d for d in plan.deps if not d.startswith("-") and requirement_name(d).lower() != "pytest"]
    steps.append([*pip, *PYTEST_TOOLS])
    optional = [d for d in tox_deps if requirement_name(d)] + [d for d in deps.requirements if d not in tox_deps]
    install = tolerant_install(pip, optional, "test dependency")
    steps += [install] if install else []
    steps += [["sh", "-c", f"{shlex.join(c)} || echo {shlex.quote('sftmine: install command failed')}"]
              for c in plan.install_commands]
    return steps, venv_bin / "python", deps.origins


def test_targets(root: Path) -> list[str]:
    """Explicit pytest targets for layouts pytest would not find by itself (a root ``tests.py``)."""
    if any((root / d).is_dir() for d in ("tests", "test")) or any(root.glob("**/test_*.py")):
        return []
    return [name for name in ("tests.py", "test.py") if (root / name).is_file()]


def _program(command: list[str]) -> str:
    words = list(command)
    if len(words) >= 3 and Path(words[0]).name.startswith("python") and words[1] == "-m":
        return words[2]
    return Path(words[0]).name if words else ""


RUN_WRAPPERS = {"uv", "poetry", "pdm", "pipenv", "hatch", "rye"}  # ``uv run pytest`` is pytest in our env


def _unwrapped(command: list[str]) -> list[str]:
    """``uv run --active py.test -v .`` -> ``py.test -v .`` (the env is already the one they would make)."""
    if len(command) > 2 and Path(command[0]).name in RUN_WRAPPERS and command[1] == "run":
        rest = command[2:]
        while rest and rest[0].startswith("-"):
            rest = rest[1:]
        return rest or command
    return command


def adapted_commands(plan: ciconfig.TestPlan, root: Path) -> tuple[list[list[str]], list[str]]:
    """The plan's commands with task runners replaced by pytest and style checks dropped; what changed."""
    if plan.origin.startswith("discovered"):
        return [["python", "-m", "pytest", *test_targets(root)]], []
    commands, changes = [], []
    for original in plan.commands:
        command = _unwrapped(original)
        if command != original:
            changes.append(f"unwrapped {shlex.join(original)}")
        program = _program(command)
        if program in TASK_RUNNERS or command[1:2] == ["setup.py"] and command[2:3] == ["test"]:
            changes.append(f"task runner {shlex.join(command)} -> pytest")
            command = ["python", "-m", "pytest", *test_targets(root)]
        elif program in NOT_TESTS:
            changes.append(f"dropped {shlex.join(command)}")
            continue
        if command not in commands:
            commands.append(command)
    return commands or [["python", "-m", "pytest", *test_targets(root)]], changes


def test_commands(plan: ciconfig.TestPlan, layout: Layout, env_python: Path, attempt: str) -> list[list[str]]:
    """The commands of one TEST attempt: the plan's own, or direct pytest with a workaround."""
    commands, changes = adapted_commands(plan, layout.src)
    if attempt == "plan" and plan.uses_tox and not changes:
        overrides = [arg for name in PASS_ENV for arg in ("-x", f"testenv.pass_env+={name}")]
        return [[str(layout.venv / "bin" / "tox"), "run", "-e", plan.tox_env, "--skip-pkg-install",
                 "--workdir", str(layout.toxwork), *overrides, "-x", "testenv.ignore_errors=true"]]
    if attempt == "plan":
        cd = [["cd", str(layout.src / plan.changedir)]] if plan.changedir else []
        setenv = [["export", *(f"{k}={v}" for k, v in plan.setenv.items())]] if plan.setenv else []
        return setenv + cd + [[str(env_python) if c[0] in ("python", "python3") else c[0], *c[1:]] for c in commands]
    pytest = [str(env_python), "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", *test_targets(layout.src)]
    if attempt == "reset_addopts":
        return [pytest]
    if attempt == "add_tests_init":
        restore_tests_init(layout.src)
        return [pytest]
    if attempt == "no_conftest":  # a conftest written for a pytest that cannot run here (html5lib's)
        return [[*pytest, "--noconftest"]]
    # A test directory that is not a package is only found from inside it.
    plain = [d for d in ("tests", "test") if (layout.src / d).is_dir() and not _shipped_init(layout.src / d)]
    cd = [["cd", str(layout.src / plain[0])]] if plain else []
    if attempt == "unittest_discover":
        return [*cd, [str(env_python), "-m", "unittest", "discover", "-v"]]
    if attempt == "doctests":
        paths = [str(path) for path in source_paths(layout.src)]
        return [[*pytest, "--doctest-modules", *paths]] if paths else []
    return test_scripts(layout.src, env_python)


def test_scripts(root: Path, env_python: Path) -> list[list[str]]:
    """Test modules that run themselves (``unittest.main()``, ply's test/testlex.py), each from its directory."""
    commands = []
    for directory in (root / "tests", root / "test", root):
        scripts = sorted(p for p in directory.glob("test*.py") if "unittest.main(" in p.read_text(errors="replace"))
        if scripts:
            commands.append(["cd", str(directory)])
            commands += [[str(env_python), p.name] for p in scripts[:MAX_TEST_SCRIPTS]]
            break
    return commands


def _shipped_init(directory: Path) -> bool:
    """Whether the project itself made ``directory`` a package (not ``restore_tests_init``)."""
    init = directory / "__init__.py"
    return init.is_file() and not init.read_text(errors="replace").startswith(_WRITTEN_MARK)


_WRITTEN_MARK = "# Written by sftmine"
_STDLIB_HOMES = ("collections", "unittest", "typing", "json", "os", "sys", "functools", "itertools", "io")


def restore_tests_init(src: Path) -> list[Path]:
    """Write the ``__init__.py`` an sdist left out of its test directories.

    Test modules sometimes import helpers from their own package (``from tests import unittest,
    OrderedDict``); the generated file re-exports such names from the standard library.
    """
    written = []
    for directory in (src / "tests", src / "test"):
        if not directory.is_dir() or (directory / "__init__.py").exists():
            continue
        names = set()
        for module in directory.glob("*.py"):
            try:
                tree = ast.parse(module.read_text(errors="replace"))
            except SyntaxError:
                continue
            names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                      and node.module == directory.name and node.level == 0 for alias in node.names}
        (directory / "__init__.py").write_text(
            f"{_WRITTEN_MARK}: the sdist left this file out.\n"
            "import importlib as _importlib\n"
            f"for _name in {sorted(names)!r}:\n"
            f"    for _home in (None, *{_STDLIB_HOMES!r}):\n"
            "        try:\n"
            "            _module = _importlib.import_module(_name if _home is None else _home)\n"
            "            globals()[_name] = _module if _home is None else getattr(_module, _name)\n"
            "            break\n"
            "        except (ImportError, AttributeError):\n"
            "            pass\n"
        )
        written.append(directory / "__init__.py")
    return written
