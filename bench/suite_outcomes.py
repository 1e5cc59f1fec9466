"""What a suite run left behind: outcome counts parsed from pytest's or unittest's output, records the tracer wrote."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NOT_STARTED = "[sftmine-tracer] not started"
OUTCOME_KEYS = ("passed", "failed", "skipped", "error", "xfailed", "xpassed")


@dataclass
class TraceStats:
    """What the tracer wrote in one traced run."""

    records: int = 0
    distinct: int = 0
    summaries: int = 0  # one per traced process
    test_links: int = 0  # one per test whose calls the tracer linked (the multi-turn chains read them)
    bad_lines: int = 0
    tracer_errors: int = 0  # the summaries' "errors", where they say
    engines: list[str] = field(default_factory=list)


_PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected|warnings?)\b")
_PYTEST_TAIL = re.compile(r"\bin [\d.]+s\b")
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ")
_UNITTEST_RESULT = re.compile(r"^(OK|FAILED)(?: \((.*)\))?\s*$")


def parse_pytest(text: str) -> dict[str, int] | None:
    """Outcome counts from pytest's last summary line ("3 failed, 120 passed, 2 skipped in 1.2s")."""
    for line in reversed(text.splitlines()):
        if not _PYTEST_TAIL.search(line):
            continue
        found = _PYTEST_COUNT.findall(line)
        if not found and "no tests ran" not in line:
            continue
        counts = dict.fromkeys(OUTCOME_KEYS, 0)
        for number, word in found:
            word = "error" if word.startswith("error") else word
            if word in counts:
                counts[word] += int(number)
        return counts
    return None


def parse_unittest(text: str) -> dict[str, int] | None:
    """Outcome counts from unittest's "Ran N tests" and "OK (skipped=2)" / "FAILED (failures=1, ...)" lines."""
    lines = text.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        ran = _UNITTEST_RAN.match(lines[i])
        if not ran:
            continue
        for line in lines[i + 1:]:
            result = _UNITTEST_RESULT.match(line)
            if not result:
                continue
            parts = dict(p.strip().split("=", 1) for p in (result.group(2) or "").split(",") if "=" in p)
            got = {k.strip(): int(v) for k, v in parts.items()}
            counts = dict.fromkeys(OUTCOME_KEYS, 0)
            counts["failed"] = got.get("failures", 0)
            counts["error"] = got.get("errors", 0)
            counts["skipped"] = got.get("skipped", 0)
            counts["xfailed"] = got.get("expected failures", 0)
            counts["xpassed"] = got.get("unexpected successes", 0)
            counts["passed"] = int(ran.group(1)) - sum(counts.values())
            return counts
        return None
    return None


def _note_summary(stats: TraceStats, summary: Any) -> None:
    stats.summaries += 1
    if isinstance(summary, dict):
        if isinstance(summary.get("errors"), int):
            stats.tracer_errors += summary["errors"]
        engine = summary.get("engine")
        if isinstance(engine, str) and engine not in stats.engines:
            stats.engines.append(engine)


def count_records(out_dir: Path) -> TraceStats:
    """Records, distinct (file, qualname), summaries, test links and unreadable lines in the trace out dir."""
    stats = TraceStats()
    distinct: set[tuple[str, str]] = set()
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        with path.open("rb") as fh:
            for raw in fh:
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except ValueError:
                    stats.bad_lines += 1
                    continue
                if not isinstance(obj, dict):
                    stats.bad_lines += 1
                elif "summary" in obj:
                    _note_summary(stats, obj["summary"])
                elif "file" in obj and "qualname" in obj:
                    stats.records += 1
                    distinct.add((str(obj["file"]), str(obj["qualname"])))
                elif "test" in obj:
                    stats.test_links += 1
                else:
                    stats.bad_lines += 1
    stats.distinct = len(distinct)
    return stats


def fmt_outcome(outcome: dict[str, int] | None) -> str:
    if outcome is None:
        return "no summary"
    parts = [f"{n} {k}" for k, n in outcome.items() if n]
    return ", ".join(parts) if parts else "no tests"
