"""Host-side judging: compare the values a candidate produced with expected values it never saw.

Nothing here trusts the sandbox's exit codes or anything the candidate printed: a test passes only
when the candidate's own record for that test decodes to a value that matches. Negative signals
(a timeout, a crash, an exception) are used only to explain a failure.
"""

from __future__ import annotations

import collections
import datetime
import decimal
import math
import pathlib
import re

from sandbox import wire
from sandbox.types import FunctionTest, Status, StdioTest, Verdict

_RUN_STATUS = {
    "timeout": (Status.TIMEOUT, "wall-clock timeout"),
    "output_cap": (Status.OUTPUT_LIMIT, "output over the cap"),
}
_SIGNALS = {9: "SIGKILL", 24: "SIGXCPU (CPU limit)", 25: "SIGXFSZ (file size limit)", 11: "SIGSEGV", 6: "SIGABRT"}
_INTEGER = re.compile(r"[+-]?\d+")
_REAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Slack for the last bits of a double, as testlib's doubleCompare allows: 0.500001 is within 1e-6 of 0.5.
_ROUNDING = 1e-15


def same(a: object, b: object, ordered: bool = False) -> bool:
    """Structural equality that also requires identical built-in types (True is not 1, (1,) is not [1]).

    An OrderedDict's keys must come in the same order (its ``==`` says so); with ``ordered`` every
    dict's must (what a call left in an argument: reordering a dict in place is a change)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) in (list, tuple, collections.deque):
        return len(a) == len(b) and all(same(x, y, ordered) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        if (ordered or type(a) is collections.OrderedDict) and list(a) != list(b):
            return False
        return a.keys() == b.keys() and all(same(value, b[key], ordered) for key, value in a.items())
    if type(a) is complex:
        return same(a.real, b.real) and same(a.imag, b.imag)
    return _same_other(a, b)


def _same_other(a: object, b: object) -> bool:
    """``same`` for the standard library's values and the problem's own namedtuples (same type)."""
    if type(a) is decimal.Decimal:
        return str(a) == str(b)  # 1.230 is not 1.23
    if type(a) in (datetime.datetime, datetime.time):
        return a == b and a.fold == b.fold and same(a.tzinfo, b.tzinfo)
    if type(a) is datetime.timezone:
        return a == b and a.tzname(None) == b.tzname(None)
    if type(a) is range:
        return (a.start, a.stop, a.step) == (b.start, b.stop, b.step)
    if isinstance(a, pathlib.PurePath):
        return str(a) == str(b)  # PureWindowsPath("A") == PureWindowsPath("a")
    if type(a) is wire.NamedTupleValue:
        return a.cls == b.cls and same(a.values, b.values)
    if type(a) is wire.ObjectValue:
        return a.cls == b.cls and same(a.state, b.state)
    return a == b


def close(a: object, b: object, rel_tol: float, abs_tol: float) -> bool:
    """Numbers within tolerance, also inside lists, tuples and dicts (same keys); bools are not numbers
    here, and NaN matches NaN as it does in ``same``; anything else compares by ``same``."""
    if type(a) in (int, float) and type(b) in (int, float):
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol) or same(a, b)
    if type(a) in (list, tuple) and type(a) is type(b):
        return len(a) == len(b) and all(close(x, y, rel_tol, abs_tol) for x, y in zip(a, b, strict=True))
    if type(a) is dict and type(b) is dict:
        return a.keys() == b.keys() and all(close(value, b[key], rel_tol, abs_tol) for key, value in a.items())
    return same(a, b)


def token_matches(expected: str, got: str, rel_tol: float = 0.0, abs_tol: float = 0.0,
                  ignore_case: bool = False) -> bool:
    """One output token against the expected one: integers exactly, reals within a stated tolerance.

    With a tolerance, a pair in which one token is a real number (not both integers) matches when
    ``|got - expected| <= abs_tol`` or ``<= rel_tol * |expected|`` ("absolute or relative error").
    """
    if got == expected or (ignore_case and got.casefold() == expected.casefold()):
        return True
    if not (rel_tol or abs_tol) or not (_REAL.fullmatch(expected) and _REAL.fullmatch(got)):
        return False
    if _INTEGER.fullmatch(expected) and _INTEGER.fullmatch(got):
        return False  # integers are exact even when reals have a tolerance
    want, have = float(expected), float(got)
    if not (math.isfinite(want) and math.isfinite(have)):
        return False
    error = abs(have - want)
    return error <= abs_tol + _ROUNDING or error <= rel_tol * abs(want) + _ROUNDING


def tokens_match(expected: str, got: str, rel_tol: float = 0.0, abs_tol: float = 0.0,
                 ignore_case: bool = False) -> bool:
    """Whitespace-separated tokens, pairwise by ``token_matches``."""
    want, have = expected.split(), got.split()
    return len(want) == len(have) and all(
        token_matches(w, h, rel_tol, abs_tol, ignore_case) for w, h in zip(want, have, strict=True))


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def check_value(test: FunctionTest, got: object, checked: str | None = None) -> str:
    """Empty string when ``got`` satisfies the test, else why not.

    ``checked`` is the problem checker's finding for a ``checker`` test ("" when it accepted).
    """
    if test.compare == "checker":
        return "no verdict from the problem's checker" if checked is None else checked
    expected = wire.decode(test.expected)
    if test.compare == "exact":
        ok = same(got, expected)
    elif test.compare == "eq":
        ok = bool(got == expected)
    elif test.compare == "close":
        ok = close(got, expected, test.rel_tol, test.abs_tol)
    elif test.compare == "tokens":
        ok = type(got) is str and type(expected) is str and tokens_match(
            expected, got, test.rel_tol, test.abs_tol, test.ignore_case)
    elif test.compare == "truthy":
        return "" if got else f"got falsy {_short(got)}"
    elif test.compare == "falsy":
        return "" if not got else f"got truthy {_short(got)}"
    else:
        raise ValueError(f"unknown compare mode {test.compare!r}")
    return "" if ok else f"expected {_short(expected)}, got {_short(got)}"


def check_record(test: FunctionTest, record: dict, checked: str | None = None) -> str:
    """Empty string when the candidate's record for this test satisfies it, else why not."""
    if "unencodable" in record:
        return f"returned a value with no exact encoding: {record['unencodable']}"
    if "raises" in record:
        if test.raises is not None and record["raises"] == test.raises:
            return ""
        return f"raised {record['raises']}: {str(record.get('message', ''))[:200]}"
    if test.raises is not None:
        return f"expected {test.raises} to be raised"
    try:
        got = wire.decode(record["value"])
    except (KeyError, ValueError, RecursionError) as exc:
        return f"malformed result: {exc}"
    return check_value(test, got, checked) or check_state(test, record) or check_args(test, record)


def check_state(test: FunctionTest, record: dict) -> str:
    """Empty string when the object's attributes after a method call are the expected ones (or unchecked)."""
    return _check_after(test.state_after, record, "state", "object state after the call")


def check_args(test: FunctionTest, record: dict) -> str:
    """Empty string when the arguments after the call are the expected ones (or unchecked)."""
    return _check_after(test.args_after, record, "args", "arguments after the call", ordered=True)


def _check_after(expected_form: object, record: dict, key: str, what: str, ordered: bool = False) -> str:
    """Compare what the candidate left (``record[key]``, in wire form) with what the recording left."""
    if expected_form is None:
        return ""
    if key not in record:
        return f"{what} has no exact encoding: {str(record.get(f'{key}_unencodable', ''))[:200]}"
    try:
        got = wire.decode(record[key])
    except (ValueError, RecursionError) as exc:
        return f"malformed {what}: {exc}"
    expected = wire.decode(expected_form)
    return "" if same(got, expected, ordered) else f"{what}: expected {_short(expected)}, got {_short(got)}"


def _failure_status(run: dict, fallback: str) -> tuple[str, str]:
    if run["status"] in _RUN_STATUS:
        return _RUN_STATUS[run["status"]]
    code = run.get("code")
    if run["status"] == "signaled" and code is not None:
        return Status.CRASH, f"killed by {_SIGNALS.get(-code, f'signal {-code}')}"
    return fallback, ""


def judge_function(tests: list[FunctionTest], response: dict, checks: dict[int, str] | None = None) -> Verdict:
    """Judge a function candidate from its single run's records (``checks``: the checker's findings by test)."""
    run = response["runs"][0]
    records = run["records"]
    outputs: list = [None] * len(tests)
    seen: dict[int, dict] = {}
    for record in records:
        if not isinstance(record, dict):
            return Verdict(Status.INVALID, "malformed result record", None, outputs, run["ms"])
        if "setup" in record:
            status = Status.INVALID if record["setup"] in ("SyntaxError", "MissingEntryPoint") else (
                Status.RUNTIME_ERROR
            )
            reason = f"{record['setup']}: {str(record.get('message', ''))[:300]}"
            return Verdict(status, reason, None, outputs, run["ms"])
        index = record.get("i")
        if type(index) is not int or not 0 <= index < len(tests) or index in seen or "malformed" in record:
            return Verdict(Status.INVALID, "forged or malformed result record", None, outputs, run["ms"])
        seen[index] = record
        outputs[index] = record
    for index, test in enumerate(tests):
        if index not in seen:
            status, why = _failure_status(run, Status.CRASH)
            reason = why or "produced no result (exited early)"
            return Verdict(status, f"test {index}: {reason}", index, outputs, run["ms"])
        problem = check_record(test, seen[index], (checks or {}).get(index))
        if problem:
            status = Status.RUNTIME_ERROR if "raises" in seen[index] and test.raises is None else (
                Status.WRONG_ANSWER
            )
            return Verdict(status, f"test {index}: {problem}", index, outputs, run["ms"])
    return Verdict(Status.PASSED, "", None, outputs, run["ms"])


def stdout_matches(test: StdioTest, got: str) -> bool:
    """Compare printed output the way judges do: by tokens (default), by lines, or exactly.

    A ``checker`` test cannot be judged from the output alone; see ``judge_stdio``.
    """
    if test.compare == "tokens":
        return tokens_match(test.stdout, got, test.rel_tol, test.abs_tol, test.ignore_case)
    if test.compare == "checker":
        raise ValueError("a checker test is judged by the problem's checker, not by stdout_matches")
    if test.compare == "lines":
        return [line.rstrip() for line in got.rstrip().splitlines()] == [
            line.rstrip() for line in test.stdout.rstrip().splitlines()
        ]
    return got == test.stdout


def judge_stdio(tests: list[StdioTest], response: dict, checks: dict[int, str] | None = None) -> Verdict:
    """Judge a stdio candidate: one run per test, its stdout the produced value.

    ``checks`` holds the problem checker's findings by test index ("" where it accepted), for
    ``checker`` tests; such a test without a finding fails.
    """
    runs = response["runs"]
    outputs: list = [run["records"][0] if run["records"] else None for run in runs]
    ms = sum(run["ms"] for run in runs)
    for index, (test, run) in enumerate(zip(tests, runs, strict=True)):
        status, why = _failure_status(run, "")
        if status:
            return Verdict(status, f"test {index}: {why}", index, outputs, ms)
        record = outputs[index] or {}
        if run["code"] != 0:
            tail = run.get("stderr", "").strip().splitlines()[-1:] or [""]
            reason = f"test {index}: exit code {run['code']} {tail[0][:200]}".rstrip()
            return Verdict(Status.RUNTIME_ERROR, reason, index, outputs, ms)
        got = record.get("stdout")
        if test.compare == "checker" and isinstance(got, str):
            finding = (checks or {}).get(index, "no verdict from the problem's checker")
            if finding:
                return Verdict(Status.WRONG_ANSWER, f"test {index}: {finding}", index, outputs, ms)
        elif not isinstance(got, str) or not stdout_matches(test, got):
            reason = f"test {index}: expected {_short(test.stdout)}, got {_short(got)}"
            return Verdict(Status.WRONG_ANSWER, reason, index, outputs, ms)
    return Verdict(Status.PASSED, "", None, outputs, ms)
