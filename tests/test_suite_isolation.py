"""A harvested suite cannot read the user's environment, in PREPARE or in TEST.

bwrap's own process is PID 1 of the sandbox and keeps the environment it was started with, so a
secret in the caller's environment would be readable at ``/proc/1/environ``; the probe below looks
for a planted secret everywhere a suite can read it.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from sandbox.suite import PYTHON, Layout, SuiteLimits, prepare, run_tests

PROBE = (
    "import os, sys\n"
    "secret = sys.argv[1][::-1].encode()  # given reversed: the value itself is on no command line\n"
    "found, read = [], []\n"
    "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
    "    for name in ('environ', 'cmdline'):\n"
    "        try:\n"
    "            data = open(f'/proc/{pid}/{name}', 'rb').read()\n"
    "        except OSError:\n"
    "            continue\n"
    "        read.append(f'{pid}/{name}')\n"
    "        if secret in data:\n"
    "            found.append(f'{pid}/{name}')\n"
    "if any(secret in value.encode() for value in os.environ.values()):\n"
    "    found.append('own environment')\n"
    "print('PROBE', ','.join(read), ','.join(found) or 'none', sep='|')\n"
)


def _probe_line(log: str) -> tuple[list[str], str]:
    line = next(line for line in log.splitlines() if line.startswith("PROBE"))
    _, read, found = line.split("|")
    return read.split(","), found


def test_planted_secret_is_nowhere_a_suite_can_read(sandbox_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"sftmine-secret-{secrets.token_hex(8)}"
    monkeypatch.setenv("SFTMINE_PLANTED_API_TOKEN", secret)
    layout = Layout(sandbox_tmp / "project")
    layout.src.mkdir(parents=True)
    (layout.src / "probe.py").write_text(PROBE)
    probe = [PYTHON, str(layout.src / "probe.py"), secret[::-1]]
    prepared = prepare(layout, [probe], "https://pypi.org", SuiteLimits(prepare_timeout_s=120))
    assert prepared.ok, prepared.log
    read, found = _probe_line(prepared.log)
    assert "1/environ" in read, f"the probe could not read PID 1's environment: {read}"
    assert found == "none", f"PREPARE saw the caller's secret in {found}"
    tested = run_tests(layout, [probe], {}, SuiteLimits(test_timeout_s=120), [])
    read, found = _probe_line(tested.log)
    assert "1/environ" in read and found == "none", f"TEST saw the caller's secret in {found}"
