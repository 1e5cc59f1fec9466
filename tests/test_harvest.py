"""The CI harvester end to end on a local git repository, and the network rules of its phases.

PyPI is reachable here and in CI (PREPARE installs tox and pytest from it); no git host is, so the
repository is a bare repo the test creates.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from pipelines.sources.harvest import HarvestSettings, harvest
from sandbox import wire
from sandbox.suite import PYTHON, Layout, SuiteLimits, prepare, run_tests

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}

PACKAGE = {
    "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
                      '[project]\nname = "tinycalc"\nversion = "0.1"\nlicense = "MIT"\n',
    "tinycalc/__init__.py": (
        'def gcd(a, b):\n    """Greatest common divisor."""\n    while b:\n        a, b = b, a % b\n    return a\n\n\n'
        'def parse_pair(text):\n    """"3,4" -> (3, 4)."""\n    left, right = text.split(",")\n'
        '    return int(left), int(right)\n'
    ),
    "tests/test_tinycalc.py": (
        "import pytest\nfrom tinycalc import gcd, parse_pair\n\n\n"
        "def test_gcd():\n    assert gcd(12, 18) == 6\n    assert gcd(7, 5) == 1\n\n\n"
        "def test_parse_pair():\n    assert parse_pair('3,4') == (3, 4)\n    with pytest.raises(ValueError):\n"
        "        parse_pair('3')\n"
    ),
    "tox.ini": "[tox]\nenvlist = py{310,311,312}\n\n[testenv]\ndeps = pytest\ncommands = pytest {posargs:tests}\n",
}


@pytest.fixture(scope="module")
def bare_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    work, bare = root / "work", root / "tinycalc.git"
    for name, text in PACKAGE.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    for command in (["git", "init", "-q", "-b", "main", str(work)], ["git", "-C", str(work), "add", "."],
                    ["git", "-C", str(work), "commit", "-q", "-m", "tinycalc"],
                    ["git", "clone", "-q", "--bare", str(work), str(bare)]):
        subprocess.run(command, check=True, env=GIT_ENV, capture_output=True)
    return bare


def test_git_repo_with_tox_harvested_end_to_end(bare_repo: Path, sandbox_tmp: Path) -> None:
    result = harvest(f"git+file://{bare_repo}@main", HarvestSettings(work_dir=sandbox_tmp))
    assert result.ok, (result.reason, result.detail, result.log_tail)
    head = subprocess.run(["git", "-C", str(bare_repo), "rev-parse", "main"], capture_output=True, text=True).stdout
    assert result.commit == head.strip() and result.license == "MIT"
    assert result.license_from == "pyproject.toml [project] license"
    assert result.plan["uses_tox"] and result.plan["tox_env"] == "py311"
    assert result.outcome == {"passed": 2, "tox_ok": 1}
    assert [a["reason"] for a in result.attempts] == ["ran"] and "tox run" in result.attempts[0]["commands"][0]
    records = [json.loads(line) for path in Path(result.records_dir).glob("*.jsonl")
               for line in path.read_text().splitlines()]
    calls = {(r["qualname"], json.dumps(r["args"])): r for r in records if "summary" not in r}
    gcd = [r for r in calls.values() if r["qualname"] == "gcd"]
    assert {(wire.decode(r["args"][0][2]["v"]), wire.decode(r["result"]["v"])) for r in gcd} == {(12, 6), (7, 1)}
    raised = [r for r in calls.values() if r["qualname"] == "parse_pair" and "raised" in r]
    assert raised and raised[0]["raised"]["type"] == "ValueError"
    assert all("tests" not in Path(r["file"]).parts for r in calls.values())


def test_unreachable_work_dir_is_a_clear_failure(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    result = harvest("six", HarvestSettings(work_dir=private))
    assert not result.ok and "not traversable by the sandbox uid" in result.detail


@pytest.fixture()
def host_port() -> int:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    yield listener.getsockname()[1]
    listener.close()


PROBE = (
    "import socket, sys, urllib.request\n"
    "def tcp(host, port):\n"
    "    try:\n"
    "        socket.create_connection((host, port), timeout=3).close(); return 'open'\n"
    "    except OSError as exc:\n"
    "        return type(exc).__name__\n"
    "def via_proxy(url):\n"
    "    try:\n"
    "        urllib.request.urlopen(url, timeout=10).read(100); return 'open'\n"
    "    except Exception as exc:\n"
    "        return str(exc)[:60]\n"
    "print('PROBE', tcp('127.0.0.1', int(sys.argv[1])), tcp('1.1.1.1', 53),\n"
    "      via_proxy('https://example.com/'), via_proxy('https://pypi.org/simple/six/'), sep='|')\n"
)


def test_prepare_reaches_only_the_index_and_test_nothing(sandbox_tmp: Path, host_port: int) -> None:
    layout = Layout(sandbox_tmp / "project")
    layout.src.mkdir(parents=True)
    (layout.src / "probe.py").write_text(PROBE)
    probe = [PYTHON, str(layout.src / "probe.py"), str(host_port)]
    prepared = prepare(layout, [probe], "https://pypi.org", SuiteLimits(prepare_timeout_s=120))
    assert prepared.ok, prepared.log
    line = next(line for line in prepared.log.splitlines() if line.startswith("PROBE"))
    host, outside, other, index = line.split("|")[1:]
    assert host != "open" and outside != "open", "PREPARE reached the host or the internet directly"
    assert "403" in other, "the proxy let a non-index host through"
    assert index == "open", "the index must be reachable in PREPARE"
    assert prepared.refused == ["example.com:443"]
    tested = run_tests(layout, [probe], {}, SuiteLimits(test_timeout_s=120), [])
    line = next(line for line in tested.log.splitlines() if line.startswith("PROBE"))
    assert all(part != "open" for part in line.split("|")[1:]), f"TEST reached the network: {line}"
