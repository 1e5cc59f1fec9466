"""Reading a project's CI configuration (tox, setup.cfg, pyproject, travis, discovery) into a TestPlan.

The samples are written the way real projects write them; the expected values were checked against
``tox config`` (tox 4) where tox has an answer.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from scrapers import ciconfig
from scrapers.ciconfig import (
    PY_FACTOR,
    ConfigError,
    applies,
    choose_env,
    conditional_lines,
    expand,
    read_plan,
    split_list,
    substitute,
)

needs_py311 = pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the samples name py311 as our interpreter")


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def plan_of(root: Path, name: str, text: str) -> ciconfig.TestPlan:  # by module: pytest would collect TestPlan
    write(root, name, text)
    return read_plan(root)


# -- helpers -----------------------------------------------------------------------------------

def test_the_python_factor_is_the_running_interpreter() -> None:
    assert f"py{sys.version_info.major}{sys.version_info.minor}" == PY_FACTOR


@pytest.mark.parametrize(("name", "expected"), [
    ("lint", ["lint"]),
    ("  py311  ", ["py311"]),
    ("py{310,311}", ["py310", "py311"]),
    ("py{310, 311}", ["py310", "py311"]),
    ("py{310,311}-django{42,50}", ["py310-django42", "py310-django50", "py311-django42", "py311-django50"]),
    ("{py311,pypy3}-test", ["py311-test", "pypy3-test"]),
    ("py3{9-13}", ["py39", "py310", "py311", "py312", "py313"]),
    ("py3{9-11}-django{42,50}", ["py39-django42", "py39-django50", "py310-django42", "py310-django50",
                                 "py311-django42", "py311-django50"]),
])
def test_expand_generative_names_and_ranges(name: str, expected: list[str]) -> None:
    assert expand(name) == expected


def test_expand_a_range_written_with_full_versions() -> None:
    names = expand("py{39-313}")
    assert names[0] == "py39" and names[-1] == "py313"
    assert "py311" in names and "py312" in names


def test_expand_an_open_range() -> None:
    assert "py311" in expand("py3{10-}")


def test_split_list_respects_braces_and_drops_comments() -> None:
    assert split_list("py{38,39,310,311,312}, lint") == ["py38", "py39", "py310", "py311", "py312", "lint"]
    assert split_list("py{310,311}-django{42,50},docs") == [
        "py310-django42", "py310-django50", "py311-django42", "py311-django50", "docs"]
    value = "\n  # the pythons we support\n  py{311,312}  # current\n  lint,docs\n\n  # end\n"
    assert split_list(value) == ["py311", "py312", "lint", "docs"]


def test_split_list_of_nothing_is_empty() -> None:
    assert split_list("") == []
    assert split_list(" ,\n # only a comment\n") == []


@pytest.mark.parametrize(("condition", "expected"), [
    ("py311", True),
    ("py38", False),
    ("py38,py311", True),             # OR
    ("py38,py39", False),
    ("py311-django42", True),         # AND
    ("py311-django50", False),
    ("!py38", True),                  # negation
    ("!py311", False),
    ("py311-!django50", True),
    ("py311-!django42", False),
    ("py38,!django50", True),
    ("py38,!django42", False),
])
def test_applies_or_and_negation(condition: str, expected: bool) -> None:
    assert applies(condition, {"py311", "django42"}) is expected


@pytest.mark.parametrize(("envs", "expected"), [
    (["py38", "py311", "py312", "lint"], "py311"),
    (["lint", "py310-django42", "py311-django42", "py311-django50"], "py311-django42"),
    (["py311-cov", "py311"], "py311"),              # an exact name beats a factor
    (["py3", "lint"], "py3"),
    (["lint", "py3-django42"], "py3-django42"),
    (["lint", "docs", "test"], "test"),
    (["flake8", "mypy", "unit", "docs"], "unit"),
    (["py38", "test"], "test"),                    # another python's env is never picked
    (["lint", "docs"], "py"),
    (["py27", "py39", "coverage_report", "packaging", "codecov"], "py"),  # hyperlink's: no test env among them
    (["py38", "pypy3"], "py"),
    ([], "py"),
])
@needs_py311
def test_choose_env(envs: list[str], expected: str) -> None:
    assert choose_env(envs) == expected


@needs_py311
def test_choose_env_knows_version_named_envs() -> None:
    assert choose_env(["3.13", "3.11", "lint"]) == "3.11"


def test_conditional_lines_joins_continuations_and_filters() -> None:
    value = "pytest \\\n--cov\n# a comment\npy38: old\n!py38: new\n-r requirements.txt\ngit+https://x.org/a.git\n"
    assert conditional_lines(value, "py311") == ["pytest  --cov", "new", "-r requirements.txt",
                                                 "git+https://x.org/a.git"]
    assert conditional_lines(value, "py38") == ["pytest  --cov", "old", "-r requirements.txt",
                                                "git+https://x.org/a.git"]


def test_substitute(tmp_path: Path) -> None:
    sections = {"base": {"deps": "attrs\n{[extra]deps}"}, "extra": {"deps": "six"}}
    assert substitute("pytest {posargs}", tmp_path, "py311", {}) == "pytest "
    assert substitute("pytest {posargs:tests -x}", tmp_path, "py311", {}) == "pytest tests -x"
    assert substitute("{toxinidir}/tests", tmp_path, "py311", {}) == f"{tmp_path}/tests"
    assert substitute("{tox_root}", tmp_path, "py311", {}) == str(tmp_path)
    assert substitute("{envpython} -m pytest", tmp_path, "py311", {}) == "python -m pytest"
    assert substitute("--junitxml={envname}.xml", tmp_path, "py311", {}) == "--junitxml=py311.xml"
    assert substitute("{env:FOO:fallback}", tmp_path, "py311", {}) == "fallback"
    assert substitute("{env:FOO}", tmp_path, "py311", {}) == ""
    assert substitute("{[base]deps}", tmp_path, "py311", sections) == "attrs\nsix"
    assert substitute("{unknown} {1}", tmp_path, "py311", {}) == "{unknown} {1}"


# -- tox.ini -----------------------------------------------------------------------------------

@needs_py311
def test_tox_ini_brace_envlist(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist = py{38,39,310,311,312}, lint

        [testenv]
        deps = pytest
        commands = pytest {posargs}

        [testenv:lint]
        skip_install = true
        deps = ruff
        commands = ruff check .
    """)
    assert plan.origin == "tox.ini"
    assert plan.uses_tox is True
    assert plan.tox_env == "py311"
    assert plan.deps == ["pytest"]
    assert plan.commands == [["pytest"]]
    assert plan.skip_install is False
    assert plan.install_commands == []


@needs_py311
def test_tox_ini_multi_line_envlist(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist =
            # supported pythons
            py310
            py311
            py312
            docs
        isolated_build = true

        [testenv]
        commands = python -m pytest tests
    """)
    assert plan.tox_env == "py311"
    assert plan.commands == [["python", "-m", "pytest", "tests"]]


@needs_py311
def test_tox_ini_factor_conditional_deps(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist =
            py{310,311}-django{42,50}
            lint

        [testenv]
        deps =
            pytest>=7
            django42: Django>=4.2,<5
            django50: Django>=5.0
            py38: importlib-metadata
            !py38: foo
            py310,py311: bar
            py311-django50: baz
        setenv =
            DJANGO_SETTINGS_MODULE = tests.settings
        commands = pytest {posargs:tests}
    """)
    assert plan.tox_env == "py311-django42"
    assert plan.deps == ["pytest>=7", "Django>=4.2,<5", "foo", "bar"]
    assert plan.setenv == {"DJANGO_SETTINGS_MODULE": "tests.settings"}
    assert plan.commands == [["pytest", "tests"]]


@needs_py311
def test_tox_ini_generative_factor_condition(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist = py311-django{42,50}

        [testenv]
        deps =
            django{42,50}: pytest-django
            py{38,39}: importlib-metadata
    """)
    assert plan.tox_env == "py311-django42"
    assert plan.deps == ["pytest-django"]


@needs_py311
def test_tox_ini_range_envlist(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        env_list = py{39-313}, type

        [testenv]
        commands = pytest
    """)
    assert plan.tox_env == "py311"


@needs_py311
def test_tox_ini_short_range_envlist(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist = py3{9-13}-unit, lint
    """)
    assert plan.tox_env == "py311-unit"


@needs_py311
def test_tox_ini_without_our_python_prefers_py3(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist = py27, py3, flake8
    """)
    assert plan.tox_env == "py3"


@needs_py311
def test_tox_ini_with_plain_env_names_picks_the_test_env(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist = lint, docs, test

        [testenv]
        commands = pytest tests

        [testenv:test]
        deps = -r requirements-test.txt

        [testenv:lint]
        deps = flake8
        commands = flake8 src

        [testenv:docs]
        deps = sphinx
        commands = sphinx-build docs docs/_build
    """)
    assert plan.tox_env == "test"
    assert plan.deps == ["-r requirements-test.txt"]
    assert plan.commands == [["pytest", "tests"]]


@needs_py311
def test_tox_ini_without_envlist_uses_py(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        minversion = 4.0

        [testenv]
        deps = pytest
        commands = pytest -q

        [testenv:lint]
        commands = ruff check .
    """)
    assert plan.tox_env == "py"
    assert plan.commands == [["pytest", "-q"]]


@needs_py311
def test_tox_ini_env_section_overrides_testenv(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist = py310, py311

        [testenv]
        deps = pytest
        setenv = MODE = base
        commands = pytest

        [testenv:py311]
        deps =
            {[testenv]deps}
            hypothesis
        commands = pytest --hypothesis-profile=ci
    """)
    assert plan.tox_env == "py311"
    assert plan.deps == ["pytest", "hypothesis"]
    assert plan.commands == [["pytest", "--hypothesis-profile=ci"]]
    assert plan.setenv == {"MODE": "base"}          # not overridden: kept from [testenv]


@needs_py311
def test_tox_ini_generative_section_name(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist = py{310,311,312}

        [testenv]
        commands = pytest

        [testenv:py{310,311}]
        commands = pytest -p no:cacheprovider
    """)
    assert plan.tox_env == "py311"
    assert plan.commands == [["pytest", "-p", "no:cacheprovider"]]


@needs_py311
def test_tox_ini_commands_substitutions_continuations_comments(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("COV_OPTS", raising=False)
    plan = plan_of(tmp_path, "tox.ini", r"""
        [tox]
        envlist = py311

        [testenv]
        passenv = CI
        commands_pre =
            python -c "import sys; print(sys.version)"
        commands =
            # run the suite
            pytest {posargs:tests -x} \
                --cov=mypkg \
                {env:COV_OPTS:--cov-report=term}
            {envpython} -m pytest {toxinidir}/tests {posargs}
            python -c "print('%s done' % 1)"
    """)
    assert plan.commands == [
        ["python", "-c", "import sys; print(sys.version)"],
        ["pytest", "tests", "-x", "--cov=mypkg", "--cov-report=term"],
        ["python", "-m", "pytest", f"{tmp_path}/tests"],
        ["python", "-c", "print('%s done' % 1)"],
    ]


@needs_py311
def test_tox_ini_inline_comments(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist = py311

        [testenv]
        deps =
            pytest  # latest
        commands =
            pytest tests  # fast
    """)
    assert plan.deps == ["pytest"]
    assert plan.commands == [["pytest", "tests"]]


@needs_py311
def test_tox_ini_deps_extras_setenv_changedir_skip_install(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist = py311

        [base]
        deps =
            attrs>=22
            -c constraints.txt

        [testenv]
        deps =
            -r requirements-test.txt
            {[base]deps}
            -e .[dev]
        extras = test,docs
        set_env =
            PYTHONWARNINGS = error
            COVERAGE_FILE={toxinidir}/.coverage
        changedir = {toxinidir}/tests
        skip_install = true
        commands = pytest
    """)
    assert plan.deps == ["-r requirements-test.txt", "attrs>=22", "-c constraints.txt", "-e .[dev]"]
    assert plan.extras == ["test", "docs"]
    assert plan.setenv == {"PYTHONWARNINGS": "error", "COVERAGE_FILE": f"{tmp_path}/.coverage"}
    assert plan.changedir == f"{tmp_path}/tests"
    assert plan.skip_install is True
    assert plan.commands == [["pytest"]]


@needs_py311
def test_tox_ini_multi_line_conditional_extras_and_setenv(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "tox.ini", """
        [tox]
        envlist = py311-cov

        [testenv]
        extras =
            testing
            cov: coverage
            docs: docs
        setenv =
            cov: COVERAGE = 1
            !cov: COVERAGE = 0
        skip_install = False
    """)
    assert plan.tox_env == "py311-cov"
    assert plan.extras == ["testing", "coverage"]
    assert plan.setenv == {"COVERAGE": "1"}
    assert plan.skip_install is False
    assert plan.commands == [["pytest"]]        # no commands: pytest


# -- setup.cfg and pyproject.toml --------------------------------------------------------------

@needs_py311
def test_setup_cfg_tox_section(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "setup.cfg", """
        [metadata]
        name = demo

        [tool:pytest]
        testpaths = tests

        [tox:tox]
        envlist = py{310,311}, flake8

        [testenv]
        deps =
            pytest
            py310: tomli
        commands = pytest {posargs}
    """)
    assert plan.origin == "setup.cfg [tox:tox]"
    assert plan.uses_tox is True
    assert plan.tox_env == "py311"
    assert plan.deps == ["pytest"]
    assert plan.commands == [["pytest"]]


def test_setup_cfg_without_tox_section_is_not_tox(tmp_path: Path) -> None:
    write(tmp_path, "tests/test_x.py", "def test_x():\n    pass\n")
    plan = plan_of(tmp_path, "setup.cfg", """
        [metadata]
        name = demo

        [tool:pytest]
        addopts = -q
    """)
    assert plan.origin == "discovered: pytest"
    assert plan.uses_tox is False


@needs_py311
def test_pyproject_legacy_tox_ini(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "pyproject.toml", '''
        [project]
        name = "demo"

        [tool.tox]
        legacy_tox_ini = """
        [tox]
        envlist = py{39,310,311,312}

        [testenv]
        deps =
            pytest
            py39: exceptiongroup
        extras = test
        commands =
            pytest {posargs:-ra tests}
        """
    ''')
    assert plan.origin == "pyproject.toml [tool.tox] legacy_tox_ini"
    assert plan.uses_tox is True
    assert plan.tox_env == "py311"
    assert plan.deps == ["pytest"]
    assert plan.extras == ["test"]
    assert plan.commands == [["pytest", "-ra", "tests"]]


NATIVE = """
    [project]
    name = "demo"

    [tool.tox]
    requires = ["tox>=4.21"]
    env_list = ["3.13", "py311", "lint"]

    [tool.tox.env_run_base]
    description = "run the tests"
    deps = ["pytest>=8", "pytest-cov", "-r requirements-test.txt"]
    extras = ["test"]
    set_env = { PYTHONWARNINGS = "error", COVERAGE_CORE = "sysmon" }
    change_dir = "tests"
    commands = [
        ["pytest", "--cov", { replace = "posargs", default = ["tests"], extend = true }],
        ["coverage", "report"],
    ]

    [tool.tox.env.lint]
    skip_install = true
    deps = ["ruff"]
    commands = [["ruff", "check", "{tox_root}"]]
"""


@needs_py311
def test_pyproject_native_tox(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "pyproject.toml", NATIVE)
    assert plan.origin == "pyproject.toml [tool.tox]"
    assert plan.uses_tox is True
    assert plan.tox_env == "py311"
    assert plan.deps == ["pytest>=8", "pytest-cov", "-r requirements-test.txt"]
    assert plan.extras == ["test"]
    assert plan.setenv == {"PYTHONWARNINGS": "error", "COVERAGE_CORE": "sysmon"}
    assert plan.changedir == "tests"
    assert plan.skip_install is False
    assert plan.commands == [["pytest", "--cov", "tests"], ["coverage", "report"]]


@needs_py311
def test_pyproject_native_env_table_overrides_base(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "pyproject.toml", """
        [tool.tox]
        env_list = ["lint", "py311"]

        [tool.tox.env_run_base]
        deps = ["pytest"]
        commands = [["pytest"]]

        [tool.tox.env.py311]
        deps = ["pytest", "tomli-w"]
        commands = [["pytest", "-x", "{tox_root}/tests"]]
    """)
    assert plan.tox_env == "py311"
    assert plan.deps == ["pytest", "tomli-w"]
    assert plan.commands == [["pytest", "-x", f"{tmp_path}/tests"]]


@needs_py311
def test_pyproject_native_env_tables_only(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "pyproject.toml", """
        [tool.tox.env.lint]
        commands = [["ruff", "check"]]

        [tool.tox.env.test]
        skip_install = true
        commands = [["python", "-m", "unittest", "discover"]]
    """)
    assert plan.tox_env == "test"
    assert plan.skip_install is True
    assert plan.commands == [["python", "-m", "unittest", "discover"]]


@needs_py311
def test_pyproject_native_version_named_envs(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "pyproject.toml", """
        [tool.tox]
        env_list = ["3.13", "3.12", "3.11", "lint"]

        [tool.tox.env_run_base]
        commands = [["pytest"]]
    """)
    assert plan.tox_env == "3.11"


@needs_py311
def test_pyproject_native_commands_pre(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "pyproject.toml", """
        [tool.tox]
        env_list = ["py311"]

        [tool.tox.env_run_base]
        commands_pre = [["python", "-m", "pip", "list"]]
        commands = [["pytest"]]
    """)
    assert plan.commands == [["python", "-m", "pip", "list"], ["pytest"]]


@needs_py311
def test_pyproject_native_env_name_substitution(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "pyproject.toml", """
        [tool.tox]
        env_list = ["py311"]

        [tool.tox.env_run_base]
        commands = [["pytest", "--junitxml={env_name}.xml"]]
    """)
    assert plan.commands == [["pytest", "--junitxml=py311.xml"]]


def test_pyproject_without_tool_tox_is_not_tox(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "pyproject.toml", """
        [project]
        name = "demo"

        [tool.pytest.ini_options]
        testpaths = ["tests"]
    """)
    assert plan.origin == "discovered: pytest"
    assert plan.uses_tox is False


# -- .travis.yml -------------------------------------------------------------------------------

def test_travis_install_string_and_script_list(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, ".travis.yml", """
        language: python
        python:
          - "3.10"
          - "3.11"
        before_install: pip install -U pip
        install: pip install -e .[test]
        before_script:
          - export PYTHONPATH=src
        script:
          - pytest -x tests
          - python -m doctest README.rst
        env:
          global:
            - DJANGO_SETTINGS_MODULE=tests.settings
            - PYTHONHASHSEED=0
    """)
    assert plan.origin == ".travis.yml"
    assert plan.uses_tox is False
    assert plan.install_commands == [["sh", "-c", "pip install -U pip"], ["sh", "-c", "pip install -e .[test]"]]
    assert plan.commands == [["sh", "-c", "export PYTHONPATH=src"], ["sh", "-c", "pytest -x tests"],
                             ["sh", "-c", "python -m doctest README.rst"]]
    assert plan.setenv == {"DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONHASHSEED": "0"}


def test_travis_install_list_and_script_string(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, ".travis.yml", """
        language: python
        install:
          - pip install -r requirements.txt
          - pip install .
        script: python setup.py test
    """)
    assert plan.install_commands == [["sh", "-c", "pip install -r requirements.txt"], ["sh", "-c", "pip install ."]]
    assert plan.commands == [["sh", "-c", "python setup.py test"]]
    assert plan.setenv == {}


def test_travis_with_only_a_language_falls_back_to_pytest(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, ".travis.yml", "language: python\n")
    assert plan.origin == ".travis.yml"
    assert plan.install_commands == []
    assert plan.commands == [["pytest"]]


def test_empty_travis_file_falls_back_to_pytest(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, ".travis.yml", "# nothing yet\n")
    assert plan.origin == ".travis.yml"
    assert plan.commands == [["pytest"]]


def test_travis_env_as_a_list(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, ".travis.yml", """
        language: python
        env:
          - DJANGO=4.2
          - DJANGO=5.0
        script: pytest
    """)
    assert plan.commands == [["sh", "-c", "pytest"]]


def test_travis_several_variables_on_one_line(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, ".travis.yml", """
        language: python
        env:
          global:
            - DB=sqlite CI_MODE=fast
    """)
    assert plan.setenv == {"DB": "sqlite", "CI_MODE": "fast"}


# -- discovery ---------------------------------------------------------------------------------

def test_discovery_with_a_root_conftest(tmp_path: Path) -> None:
    write(tmp_path, "conftest.py", "")
    write(tmp_path, "tests/test_a.py", "def test_a():\n    assert True\n")
    plan = read_plan(tmp_path)
    assert plan.origin == "discovered: pytest"
    assert plan.uses_tox is False
    assert plan.tox_env == ""
    assert plan.commands == [["pytest"]]


def test_discovery_with_pytest_ini_options(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "demo"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n')
    write(tmp_path, "tests/test_a.py", "import unittest\n\nclass T(unittest.TestCase):\n    def test_a(self):\n"
                                       "        pass\n")
    assert read_plan(tmp_path).origin == "discovered: pytest"


def test_discovery_with_a_nested_conftest_or_pytest_import(tmp_path: Path) -> None:
    write(tmp_path, "tests/conftest.py", "")
    assert read_plan(tmp_path).origin == "discovered: pytest"
    other = tmp_path / "other"
    write(other, "src/pkg/tests/test_b.py", "import pytest\n\ndef test_b():\n    pytest.skip('x')\n")
    assert read_plan(other).origin == "discovered: pytest"


def test_discovery_with_only_unittest_tests(tmp_path: Path) -> None:
    write(tmp_path, "setup.py", "from setuptools import setup\nsetup(name='demo')\n")
    write(tmp_path, "demo/__init__.py", "")
    write(tmp_path, "tests/test_demo.py", "import unittest\n\nclass T(unittest.TestCase):\n    def test_a(self):\n"
                                          "        self.assertTrue(True)\n")
    plan = read_plan(tmp_path)
    assert plan.origin == "discovered: unittest"
    assert plan.uses_tox is False
    assert plan.commands == [["pytest"]]
    assert "pytest" in plan.deps


# -- precedence --------------------------------------------------------------------------------

def _all_configs(root: Path) -> None:
    write(root, "tox.ini", "[tox]\nenvlist = a\n\n[testenv]\ncommands = from-tox-ini\n")
    write(root, "setup.cfg", "[tox:tox]\nenvlist = a\n\n[testenv]\ncommands = from-setup-cfg\n")
    write(root, "pyproject.toml", '[tool.tox]\nenv_list = ["a"]\n\n[tool.tox.env_run_base]\n'
                                  'commands = [["from-pyproject"]]\n')
    write(root, ".travis.yml", "language: python\nscript: from-travis\n")
    write(root, "conftest.py", "")


def test_precedence_tox_ini_setup_cfg_pyproject_travis(tmp_path: Path) -> None:
    _all_configs(tmp_path)
    seen = []
    for leaving in ("tox.ini", "setup.cfg", "pyproject.toml", ".travis.yml", None):
        plan = read_plan(tmp_path)
        seen.append((plan.origin, plan.commands[0]))
        if leaving:
            (tmp_path / leaving).unlink()
    assert seen == [
        ("tox.ini", ["from-tox-ini"]),
        ("setup.cfg [tox:tox]", ["from-setup-cfg"]),
        ("pyproject.toml [tool.tox]", ["from-pyproject"]),
        (".travis.yml", ["sh", "-c", "from-travis"]),
        ("discovered: pytest", ["pytest"]),
    ]


# -- malformed ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text"), [
    ("tox.ini", "envlist = py311\n\n[testenv]\ncommands = pytest\n"),                  # no section header
    ("tox.ini", "[tox]\nenvlist = py311\nthis line is not a key\n"),
    ("setup.cfg", "[tox:tox]\nenvlist = py311\n[testenv\ncommands = pytest\n"),
    ("pyproject.toml", '[tool.tox]\nenv_list = ["py311"\n'),                           # invalid TOML
    ("pyproject.toml", '[tool.tox]\nlegacy_tox_ini = """\nenvlist = py311\n"""\n'),    # ini without header
    (".travis.yml", "language: python\nscript: [pytest\n"),                            # invalid YAML
    (".travis.yml", "- language: python\n- script: pytest\n"),                         # a list at the top
    (".travis.yml", "just a string\n"),
])
def test_malformed_files_raise_config_error_naming_the_file(tmp_path: Path, name: str, text: str) -> None:
    write(tmp_path, name, text)
    with pytest.raises(ConfigError) as caught:
        read_plan(tmp_path)
    assert name in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_invalid_pyproject_is_an_error_even_under_a_valid_travis_file(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[project\n")
    write(tmp_path, ".travis.yml", "script: pytest\n")
    with pytest.raises(ConfigError, match="pyproject.toml"):
        read_plan(tmp_path)
