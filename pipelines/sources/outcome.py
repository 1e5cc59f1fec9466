"""Test outcome counts read from a suite's output: every runner's summary, and tox's own.

Runners: pytest (``=== 3 passed, 1 failed in 0.12s ===``), unittest and nose and trial (``Ran N
tests`` then ``OK``/``FAILED (...)``), zope.testrunner (``Total: N tests, F failures, E errors``
or ``Ran N tests with F failures, E errors``), doctest (``N passed and M failed.``). The runner
whose summary comes last decides the counts (an outer runner prints its summary after whatever
nested runs printed); unittest's blocks add up (test modules run one by one as scripts). tox's
verdict (``py311: OK``/``FAIL``) is added as ``tox_ok``/``tox_failed``.
Also here: the modules a run could not import (``ModuleNotFoundError: No module named X``).
"""

from __future__ import annotations

import re

_PYTEST_SUMMARY = re.compile(r"^=*\s*(?:\d+ \w+(?:, )?)+.* in [\d.]+s(?: \([^)]*\))?\s*=*$", re.MULTILINE)
_PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in", re.MULTILINE)
_UNITTEST_RESULT = re.compile(r"^(OK|FAILED|PASSED)(?: \(([^)]*)\))?\s*$", re.MULTILINE)
_ZOPE_TOTAL = re.compile(r"^\s*Total: (\d+) tests?, (\d+) failures?, (\d+) errors?(?:,| and) (\d+) skipped",
                         re.MULTILINE)
_ZOPE_LAYER = re.compile(r"^\s*Ran (\d+) tests? with (\d+) failures?, (\d+) errors?(?:,| and) (\d+) skipped",
                         re.MULTILINE)
_DOCTEST = re.compile(r"^(\d+) passed and (\d+) failed\.$", re.MULTILINE)
_DOCTEST_FAILED = re.compile(r"^\*\*\*Test Failed\*\*\* (\d+) failures?\.$", re.MULTILINE)
_TOX = re.compile(r"^\s*[\w.{}-]+: (OK|FAIL) (?:\(|code )", re.MULTILINE)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # colours that tox and pytest may print even into a file
_MISSING = re.compile(r"(?:ModuleNotFoundError|ImportError): No module named '?([A-Za-z_][\w.]*)'?")


def _pytest(text: str) -> dict[str, int] | None:
    counts: dict[str, int] = {}
    for number, word in _PYTEST_COUNT.findall(text):
        key = "errors" if word.startswith("error") else word
        counts[key] = counts.get(key, 0) + int(number)
    return counts or None


def _unittest(log: str, ran_match: re.Match) -> dict[str, int]:
    counts = {"ran": int(ran_match.group(1))}
    results = [m for m in _UNITTEST_RESULT.finditer(log, ran_match.end())]
    details = results[0].group(2) or "" if results else ""
    names = {"failures": "failed", "errors": "errors", "skipped": "skipped", "successes": "passed"}
    for part in filter(None, (p.strip() for p in details.split(","))):
        name, _, number = part.partition("=")
        if number.strip().isdigit():
            counts[names.get(name.strip(), name.strip())] = int(number)
    counts["passed"] = counts["ran"] - counts.get("failed", 0) - counts.get("errors", 0) - counts.get("skipped", 0)
    return counts


def _zope(match: re.Match, log: str) -> dict[str, int]:
    if match.re is _ZOPE_LAYER:  # no total: one layer ran, or sum the layers
        rows = [tuple(map(int, m.groups())) for m in _ZOPE_LAYER.finditer(log)]
        total, failed, errors, skipped = (sum(column) for column in zip(*rows, strict=True))
    else:
        total, failed, errors, skipped = map(int, match.groups())
    return {"ran": total, "passed": total - failed - errors - skipped, "failed": failed, "errors": errors,
            "skipped": skipped}


def _doctest(match: re.Match) -> dict[str, int]:
    if match.re is _DOCTEST_FAILED:
        return {"failed": int(match.group(1))}
    return {"passed": int(match.group(1)), "failed": int(match.group(2))}


def parse_outcome(log: str) -> dict[str, int] | None:
    """{"passed", "failed", "skipped", "errors", ...} from the last runner summary in ``log``; None if none."""
    log = _ANSI.sub("", log)
    last: tuple[int, dict[str, int] | None] | None = None
    candidates = [
        *((m.start(), lambda m=m: _pytest(m.group(0))) for m in _PYTEST_SUMMARY.finditer(log)),
        *((m.start(), lambda m=m: _unittest(log, m)) for m in _UNITTEST_RAN.finditer(log)),
        *((m.start(), lambda m=m: _zope(m, log)) for m in _ZOPE_TOTAL.finditer(log)),
        *((m.start(), lambda m=m: _zope(m, log)) for m in _ZOPE_LAYER.finditer(log)),
        *((m.start(), lambda m=m: _doctest(m)) for m in _DOCTEST.finditer(log)),
        *((m.start(), lambda m=m: _doctest(m)) for m in _DOCTEST_FAILED.finditer(log)),
    ]
    if candidates:
        position, read = max(candidates, key=lambda item: item[0])
        last = (position, read())
    counts = dict(last[1]) if last and last[1] else {}
    ran = list(_UNITTEST_RAN.finditer(log))
    if ran and last and last[0] == ran[-1].start():
        # unittest blocks add up: test modules that call unittest.main() at import (ply) each print one.
        counts = {}
        for block in (_unittest(log, match) for match in ran):
            for key, value in block.items():
                counts[key] = counts.get(key, 0) + value
    verdicts = _TOX.findall(log)
    if verdicts:
        counts["tox_ok" if verdicts[-1] == "OK" else "tox_failed"] = 1
    return counts or None


def tests_ran(outcome: dict[str, int] | None) -> bool:
    """Whether a runner reported tests that ran (passed or failed)."""
    return bool(outcome) and outcome.get("passed", 0) + outcome.get("failed", 0) > 0


def missing_modules(log: str) -> list[str]:
    """Top-level names of the modules the run could not import, in order of first mention."""
    return list(dict.fromkeys(name.split(".")[0] for name in _MISSING.findall(log)))
