"""Reading CI configuration other than tox.ini into a TestPlan: setup.cfg, pyproject (legacy and native tox),
travis, discovery when there is none, which file wins, and errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.ciconfig import ConfigError, read_plan
from tests.test_ciconfig import needs_py311, plan_of, write


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
