"""Each class of suite the harvester used to lose, harvested end to end from a purpose-built project.

Every project is a local bare git repository (``tests/harvest_projects.py``); PREPARE installs from
PyPI as it does for real projects. Each test failed before the harvester handled its class.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.sources.harvest import HarvestResult, HarvestSettings, Reason, harvest
from sandbox.suite import SuiteLimits
from tests import harvest_projects as projects

LIMITS = SuiteLimits(prepare_timeout_s=400, test_timeout_s=180)


def _harvest(root: Path, work: Path, name: str, files: dict[str, str], **settings: object) -> HarvestResult:
    bare = projects.bare_repo(root, name, files)
    return harvest(f"git+file://{bare}@main", HarvestSettings(work_dir=work, limits=LIMITS, **settings))


def _recorded(result: HarvestResult) -> dict[str, set[str]]:
    """Recorded function names per file name."""
    found: dict[str, set[str]] = {}
    for path in Path(result.records_dir).glob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if "summary" not in record:
                found.setdefault(Path(record["file"]).name, set()).add(record["qualname"])
    return found


def _explain(result: HarvestResult) -> tuple:
    return result.reason, result.detail, result.attempts, result.log_tail[-1500:]


@pytest.fixture()
def repos(tmp_path: Path) -> Path:
    return tmp_path


def test_dependency_group_installed_and_project_recorded_under_its_distribution_name(
        repos: Path, sandbox_tmp: Path) -> None:
    result = _harvest(repos, sandbox_tmp, "checkout-named-otherwise", projects.DEPENDENCY_GROUP)
    assert result.ok, _explain(result)
    assert result.name == "depcalc"
    assert "pyproject.toml [dependency-groups] test" in result.test_deps_from
    assert result.outcome["passed"] == 1
    assert "gcd" in _recorded(result)["__init__.py"], "the installed package was not recorded"


def test_collection_error_skipped_and_missing_module_installed(repos: Path, sandbox_tmp: Path) -> None:
    result = _harvest(repos, sandbox_tmp, "colcalc", projects.COLLECTION_AND_MISSING)
    assert result.ok, _explain(result)
    assert "install_missing:PyYAML" in result.workarounds
    first, second = result.attempts[:2]
    assert "yaml" in first["missing_modules"] and first["reason"] == "ran; installing PyYAML"
    assert first["outcome"]["passed"] == 1 and first["outcome"]["errors"] == 2
    assert second["outcome"] == {"passed": 2, "errors": 1}  # the module that imports an unshipped file
    # Later attempts tried to import that module too; none ran more tests, so the rerun of the plan wins.
    assert len(result.attempts) > 2 and result.outcome == second["outcome"]
    assert {"gcd", "double"} <= _recorded(result)["__init__.py"]
    assert any(p["phase"] == "prepare-missing-1" for p in result.phases)


def test_single_module_with_root_tests_py_and_license_from_its_text(repos: Path, sandbox_tmp: Path) -> None:
    result = _harvest(repos, sandbox_tmp, "onemod", projects.SINGLE_MODULE)
    assert result.ok, _explain(result)
    assert result.license == "MIT" and result.license_from.startswith("LICENSE (text match")
    assert "tests.py" in result.attempts[0]["commands"][0]
    assert result.outcome["passed"] == 1 and "gcd" in _recorded(result)["onemod.py"]


def test_src_layout_with_skip_install_and_a_task_runner(repos: Path, sandbox_tmp: Path) -> None:
    result = _harvest(repos, sandbox_tmp, "srcpkg", projects.SRC_LAYOUT_TASK_RUNNER)
    assert result.ok, _explain(result)
    assert "inv" not in result.attempts[0]["commands"] and "-m pytest" in result.attempts[0]["commands"][0]
    assert result.outcome["passed"] == 2  # the tests inside the package and the ones outside
    assert "gcd" in _recorded(result)["__init__.py"]


def test_src_layout_not_installed_gets_its_source_on_the_path(repos: Path, sandbox_tmp: Path) -> None:
    result = _harvest(repos, sandbox_tmp, "srconly", projects.SRC_LAYOUT_SKIP_INSTALL)
    assert result.ok, _explain(result)
    assert "pythonpath:src" in result.workarounds
    assert "srcpkg" in result.attempts[0]["missing_modules"] and result.attempts[-1]["outcome"]["passed"] == 1
    assert "gcd" in _recorded(result)["__init__.py"]


def test_doctest_suite_outcome_is_read(repos: Path, sandbox_tmp: Path) -> None:
    result = _harvest(repos, sandbox_tmp, "docmod", projects.DOCTEST)
    assert result.ok, _explain(result)
    assert result.outcome == {"passed": 2, "failed": 0} and result.workarounds == []
    assert "add" in _recorded(result)["docmod.py"]


def test_a_project_without_tests_runs_the_examples_in_its_docstrings(repos: Path, sandbox_tmp: Path) -> None:
    result = _harvest(repos, sandbox_tmp, "examplepkg", projects.DOCSTRINGS_ONLY)
    assert result.ok, _explain(result)
    assert "doctests" in result.workarounds and result.attempts[-1]["attempt"] == "test-doctests"
    assert "--doctest-modules" in result.attempts[-1]["commands"][0] and result.outcome["passed"] == 1
    assert "gcd" in _recorded(result)["core.py"]


def test_suite_that_records_nothing_is_a_failure(repos: Path, sandbox_tmp: Path) -> None:
    result = _harvest(repos, sandbox_tmp, "idlepkg", projects.NOTHING_RECORDED)
    assert not result.ok and result.reason == Reason.NO_RECORDS, _explain(result)
    assert result.outcome["passed"] == 1 and result.records == 0
    assert result.roots and any(path.endswith("idlepkg") for path in result.include)


def test_hanging_test_costs_its_own_limit_not_the_suite(repos: Path, sandbox_tmp: Path) -> None:
    result = _harvest(repos, sandbox_tmp, "slowpkg", projects.HANGING_TEST, per_test_timeout_s=5)
    assert result.ok, _explain(result)
    assert result.outcome == {"passed": 2, "failed": 1}
    assert sum(a["seconds"] for a in result.attempts) < LIMITS.test_timeout_s
    assert "gcd" in _recorded(result)["__init__.py"]
