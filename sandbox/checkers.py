"""Checkers: for problems with several valid outputs, a ``check(input, expected, got)`` the problem carries.

A checker is Python source defining ``check(input: str, expected: str, got: str) -> bool``. It runs
in the sandbox like any untrusted code (it comes with a problem record), once per candidate over
every ``checker`` test, and the host accepts a test only when the checker's record for it decodes
to exactly ``True``: a truthy string, a raised exception or a missing record is a rejection.

``GENERIC`` holds the checkers that need nothing of a particular problem: any permutation of the
expected tokens, and the expected lines in any order.
"""

from __future__ import annotations

from sandbox import wire
from sandbox.session import Session
from sandbox.types import Executable, FunctionTest, Limits, StdioTest

ENTRY_POINT = "check"
MULTISET = '''\
def check(input: str, expected: str, got: str) -> bool:
    """Any permutation of the expected tokens is accepted."""
    return sorted(got.split()) == sorted(expected.split())
'''
LINES_ANY_ORDER = '''\
def check(input: str, expected: str, got: str) -> bool:
    """The expected lines in any order are accepted (spacing inside a line does not matter)."""
    def lines(text):
        return sorted(" ".join(line.split()) for line in text.splitlines() if line.strip())
    return lines(got) == lines(expected)
'''
GENERIC = {"multiset": MULTISET, "lines_any_order": LINES_ANY_ORDER}


def _printed(problem: Executable, index: int, response: dict) -> str | None:
    """What the candidate gave for test ``index`` as text, or None when there is nothing to check."""
    if problem.kind == "stdio":
        runs = response.get("runs", [])
        run = runs[index] if index < len(runs) else {}
        records = run.get("records") or [{}]
        got = records[0].get("stdout") if isinstance(records[0], dict) else None
        return got if run.get("status") == "exited" and run.get("code") == 0 and isinstance(got, str) else None
    for record in response["runs"][0]["records"]:
        if isinstance(record, dict) and record.get("i") == index and "value" in record:
            try:
                got = wire.decode(record["value"])
            except (ValueError, RecursionError):
                return None
            return got if type(got) is str else None
    return None


def _input_and_expected(test: FunctionTest | StdioTest) -> tuple[str, str]:
    if isinstance(test, StdioTest):
        return test.stdin, test.stdout
    argument = wire.decode(test.args[0]) if test.args else ""
    expected = wire.decode(test.expected)
    return (argument if isinstance(argument, str) else repr(argument)), str(expected)


def run_checks(problem: Executable, response: dict, session: Session, limits: Limits) -> dict[int, str]:
    """The checker's finding per ``checker`` test the candidate answered: "" accepted, else why not."""
    asked = {}
    for index, test in enumerate(problem.tests):
        if test.compare == "checker":
            got = _printed(problem, index, response)
            if got is not None:
                asked[index] = got
    if not asked:
        return {}
    if not problem.checker:
        return {index: "the problem has checker tests but no checker" for index in asked}
    order = list(asked)
    inputs = []
    for index in order:
        stdin, expected = _input_and_expected(problem.tests[index])
        inputs.append({"args": [wire.encode(stdin), wire.encode(expected), wire.encode(asked[index])], "kwargs": {}})
    run = session.run("function", problem.checker, ENTRY_POINT, inputs, limits)["runs"][0]
    findings = {index: "the checker gave no verdict" for index in order}
    for record in run["records"]:
        if not isinstance(record, dict):
            continue
        if "setup" in record:
            return {index: f"the checker failed to load: {record['setup']}" for index in order}
        position = record.get("i")
        if type(position) is not int or not 0 <= position < len(order):
            continue
        index = order[position]
        if "raises" in record:
            findings[index] = f"the checker raised {record['raises']}: {str(record.get('message', ''))[:200]}"
            continue
        try:
            verdict = wire.decode(record.get("value"))
        except (ValueError, RecursionError):
            verdict = None
        findings[index] = "" if verdict is True else f"the checker rejected the output ({verdict!r})"
    return findings
