"""Test outcome counts read from a suite's output (pytest's summary line, or unittest's)."""

from __future__ import annotations

import re

_PYTEST_SUMMARY = re.compile(r"^=*\s*(?:\d+ \w+(?:, )?)+.* in [\d.]+s(?: \([^)]*\))?\s*=*$", re.MULTILINE)
_PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in", re.MULTILINE)
_UNITTEST_RESULT = re.compile(r"^(OK|FAILED)(?: \(([^)]*)\))?\s*$", re.MULTILINE)


def parse_outcome(log: str) -> dict[str, int] | None:
    """{"passed", "failed", "skipped", "errors", ...} from the last summary in ``log``; None if none ran."""
    summaries = _PYTEST_SUMMARY.findall(log)
    if summaries:
        counts: dict[str, int] = {}
        for number, word in _PYTEST_COUNT.findall(summaries[-1]):
            key = "errors" if word.startswith("error") else word
            counts[key] = counts.get(key, 0) + int(number)
        return counts or None
    ran = _UNITTEST_RAN.findall(log)
    if ran:
        counts = {"ran": int(ran[-1])}
        results = _UNITTEST_RESULT.findall(log)
        details = results[-1][1] if results else ""
        for part in filter(None, (p.strip() for p in details.split(","))):
            name, _, number = part.partition("=")
            counts[{"failures": "failed", "errors": "errors", "skipped": "skipped"}.get(name, name)] = int(number)
        counts["passed"] = counts["ran"] - counts.get("failed", 0) - counts.get("errors", 0) - counts.get("skipped", 0)
        return counts
    return None
