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
