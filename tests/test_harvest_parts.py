"""The harvester's parts that need no sandbox: declared test deps, runner outcomes, licenses, env checks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipelines.gates.license import LICENSE_NOT_ALLOWED, license_allowed
from pipelines.sources import harvest_plan, outcome
from pipelines.sources.harvest_attempts import _split_missing, env_site_packages
from pipelines.sources.harvest_deps import declared_test_deps
from pipelines.sources.harvest_plan import adapted_commands, source_modules
from pipelines.sources.outcome import missing_modules, parse_outcome
from sandbox.suite import Layout
from scrapers import ciconfig, licenses
from tests.harvest_projects import MIT_TEXT


def _tree(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(textwrap.dedent(text))
    return root


def test_test_deps_from_every_declared_place(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "requirements-test.txt": "pytest-mock>=3  # mocks\n-r requirements/base.txt\nflake8\n",
        "requirements/base.txt": "hypothesis\n",
        "requirements/tox.txt": "freezegun\n",
        "dev-requirements.txt": "-e .\nresponses\n",
        "pyproject.toml": """
            [project]
            name = "mypkg"
            [dependency-groups]
            test = ["attrs", {include-group = "typing"}]
            typing = ["typing-extensions"]
            docs = ["sphinx"]
            [tool.poetry.group.test.dependencies]
            python = "^3.8"
            toolz = "^0.12"
            [tool.poetry.dev-dependencies]
            six = "*"
            [tool.pdm.dev-dependencies]
            test = ["tabulate>=0.9", "-e file:///${PROJECT_ROOT}/#egg=mypkg"]
            [tool.hatch.envs.default]
            dependencies = ["inflection", "mypkg"]
        """,
        "setup.py": "TESTS = ['semver']\nsetup(name='mypkg', tests_require=TESTS)\n",
        "setup.cfg": "[options]\ntests_require =\n    humanize\n",
    })
    deps = declared_test_deps(root, ["-r requirements/tox.txt", "pytest"], project="mypkg")
    assert deps.requirements == ["responses", "pytest-mock>=3", "hypothesis", "freezegun", "attrs",
                                 "typing-extensions", "toolz", "six", "tabulate>=0.9", "inflection", "semver",
                                 "humanize"]
    assert "pyproject.toml [dependency-groups] test" in deps.origins and "setup.py tests_require" in deps.origins
    assert "tox deps -r requirements/tox.txt" in deps.origins


PYTEST_OUT = "tests/test_a.py ..F\n==== 1 failed, 2 passed, 1 error in 0.31s ====\n"
UNITTEST_OUT = "test_x (t.T) ... ok\n\n---------\nRan 4 tests in 0.002s\n\nFAILED (failures=1, skipped=1)\n"
DOCTEST_OUT = "Trying:\n    add(2, 3)\n...\n2 tests in 2 items.\n2 passed and 0 failed.\nTest passed.\n"
ZOPE_OUT = ("Running zope.testrunner.layer.UnitTests tests:\n  Ran 7 tests with 1 failures, 0 errors and 2 skipped"
            " in 0.011 seconds.\n  Ran 3 tests with 0 failures, 1 errors and 0 skipped in 0.1 seconds.\n"
            "Total: 10 tests, 1 failures, 1 errors and 2 skipped in 0.200 seconds.\n")
TOX_OUT = PYTEST_OUT + "  py311: OK (2.51=setup[1.02]+cmd[1.49] seconds)\n  congratulations :) (2.60 seconds)\n"


@pytest.mark.parametrize(("log", "expected"), [
    (PYTEST_OUT, {"failed": 1, "passed": 2, "errors": 1}),
    (UNITTEST_OUT, {"ran": 4, "failed": 1, "skipped": 1, "passed": 2}),
    (DOCTEST_OUT, {"passed": 2, "failed": 0}),
    ("**********\n1 items had failures:\n***Test Failed*** 3 failures.\n", {"failed": 3}),
    (ZOPE_OUT, {"ran": 10, "passed": 6, "failed": 1, "errors": 1, "skipped": 2}),
    (ZOPE_OUT.rsplit("Total", 1)[0], {"ran": 10, "passed": 6, "failed": 1, "errors": 1, "skipped": 2}),
    (TOX_OUT, {"failed": 1, "passed": 2, "errors": 1, "tox_ok": 1}),
    # A nested run's summary printed inside the outer runner's report does not decide.
    ("Ran 9 tests in 0.1s\n\nOK\n" + PYTEST_OUT, {"failed": 1, "passed": 2, "errors": 1}),
    ("no tests ran in 0.01s\n", None),
    # Test modules run one by one as scripts (ply's): their blocks add up.
    ("Ran 40 tests in 0.1s\n\nOK\nRan 30 tests in 0.1s\n\nFAILED (failures=2)\nRan 2 tests in 0.0s\n\n"
     "FAILED (errors=2)\n", {"ran": 72, "passed": 68, "failed": 2, "errors": 2}),
    # tox may make pytest print colours into the log (wcwidth's suite did).
    ("\x1b[32m==== \x1b[1m1800 passed\x1b[0m, \x1b[33m11 skipped\x1b[0m\x1b[32m in 45.28s\x1b[0m ====\x1b[0m\n",
     {"passed": 1800, "skipped": 11}),
])
def test_every_runner_outcome_is_read(log: str, expected: dict | None) -> None:
    assert parse_outcome(log) == expected


def test_real_runner_output_parses_to_what_ran(tmp_path: Path) -> None:
    """unittest and doctest run for real on the host (our own trivial code), their output parsed."""
    _tree(tmp_path, {"test_m.py": "import unittest\n\nclass T(unittest.TestCase):\n    def test_a(self):\n"
                                  "        pass\n    def test_b(self):\n        self.fail()\n",
                     "m.py": 'def f():\n    """\n    >>> f()\n    1\n    """\n    return 1\n'})
    for command, ran in (([sys.executable, "-m", "unittest", "discover", "-v"], 2),
                         ([sys.executable, "-m", "doctest", "-v", "m.py"], 1)):
        out = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
        counts = parse_outcome(out.stdout + out.stderr)
        assert outcome.tests_ran(counts) and counts["passed"] + counts["failed"] == ran, counts


def test_missing_modules_split_into_installs_and_own_code() -> None:
    log = ("E   ModuleNotFoundError: No module named 'yaml'\nImportError: No module named dateutil.tz\n"
           "ModuleNotFoundError: No module named 'tests.helpers'\nModuleNotFoundError: No module named 'mypkg'\n"
           "ModuleNotFoundError: No module named 'tomllib'\n")
    names = missing_modules(log)
    assert names == ["yaml", "dateutil", "tests", "mypkg", "tomllib"]
    assert _split_missing(names, own={"mypkg"}, tried={"python-dateutil"}) == (["PyYAML"], ["mypkg"])


def test_layouts_and_task_runners(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"onemod.py": "", "tests.py": "", "setup.py": "", "src/pkg/__init__.py": "",
                            "conftest.py": ""})
    assert harvest_plan.test_targets(root) == ["tests.py"] and source_modules(root) == ["pkg", "onemod"]
    plan = ciconfig.TestPlan(origin="tox.ini", uses_tox=True, commands=[["flake8", "src"], ["inv", "ci"],
                                                                          ["pytest", "-q"]])
    commands, changes = adapted_commands(plan, root)
    assert commands == [["python", "-m", "pytest", "tests.py"], ["pytest", "-q"]]
    assert changes == ["dropped flake8 src", "task runner inv ci -> pytest"]
    wrapped = ciconfig.TestPlan(origin="tox.ini", uses_tox=True, commands=[["uv", "run", "--active", "py.test", "."]])
    assert adapted_commands(wrapped, root) == ([["py.test", "."]], ["unwrapped uv run --active py.test ."])


def test_license_text_first_then_metadata(tmp_path: Path) -> None:
    mit = _tree(tmp_path / "mit", {"LICENSE.txt": MIT_TEXT, "setup.py": "setup(license='GPL')\n"})
    found = licenses.detect(mit)
    assert found.spdx == "MIT" and found.where.startswith("LICENSE.txt (text match")
    lgpl = _tree(tmp_path / "lgpl", {"COPYING": "GNU LESSER GENERAL PUBLIC LICENSE\n  Version 2.1, February 1999\n"})
    assert licenses.detect(lgpl).spdx == "LGPL-2.1-only"
    public = _tree(tmp_path / "pd", {"LICENCE": "This work has been dedicated to the public domain by its author.\n"})
    assert licenses.detect(public).spdx == licenses.PUBLIC_DOMAIN
    assert license_allowed(licenses.PUBLIC_DOMAIN) == (False, LICENSE_NOT_ALLOWED)
    classifiers = _tree(tmp_path / "cls", {"setup.py": "from setuptools import setup\nsetup(name='x', classifiers=["
                                           "'License :: OSI Approved :: BSD License'])\n"})
    assert licenses.detect(classifiers) == licenses.Found("BSD-3-Clause", "setup.py setup() classifiers")
    cfg = _tree(tmp_path / "cfg", {"setup.cfg": "[metadata]\nlicense = Apache 2.0\n"})
    assert licenses.detect(cfg) == licenses.Found("Apache-2.0", "setup.cfg [metadata] license")
    sdist = _tree(tmp_path / "sdist", {"PKG-INFO": "Metadata-Version: 2.1\nName: x\nLicense: UNKNOWN\n"
                                                   "Classifier: License :: OSI Approved :: MIT License\n"})
    assert licenses.detect(sdist) == licenses.Found("MIT", "PKG-INFO classifiers")
    assert licenses.detect(_tree(tmp_path / "none", {"README": "hello\n"})) is None


def test_environment_interpreter_written_by_the_sandbox_is_refused(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "project")
    python = layout.venv / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\ntouch /tmp/pwned\n")
    python.chmod(0o755)
    with pytest.raises(ValueError, match="not the system interpreter"):
        env_site_packages(python, layout)
