"""A chain's driver ``run_chain``, which feeds each turn's result to the next, and its tests from recordings.

The driver's parameters are every input of every turn that is not fed by the turn before, and, for a
method whose object a constructor call built, that call's arguments (the driver builds the object,
once for turns that ran on the same object).
A final test calls the driver with one recording's values of those inputs and expects the last
turn's result; a result that holds a float compares within ``FLOAT_TOLERANCE`` (MTPB's), else exactly.
"""

from __future__ import annotations

from typing import Protocol

from pipelines.problems.records import localise_test, values_usable
from sandbox.types import FunctionTest

DRIVER = "run_chain"
FLOAT_TOLERANCE = 1e-6
_FORMS = {"pos": "{value}", "kwonly": "{name}={value}", "var": "*{value}", "varkw": "**{value}"}
INIT = "init."  # the prefix of a constructor argument's key among the driver's parameters


class ChainTurn(Protocol):
    """What the driver needs of a turn."""

    qualname: str
    fed: str
    built: bool
    shares: int


def _parameter(number: int, name: str) -> str:
    """The driver's parameter for a turn's input (``t2_value``, ``t3_init_precision``)."""
    return f"t{number}_{name.replace('.', '_')}"


def _arguments(number: int, args: list, fed: str, params: list[tuple[int, str]], prefix: str = "") -> list[str]:
    """Call arguments of one recorded call: the fed one is the previous result, the others driver inputs."""
    arguments = []
    for name, kind, _ in args:
        if name == fed and not prefix:
            value = f"out{number - 1}"
        else:
            params.append((number, prefix + name))
            value = _parameter(number, prefix + name)
        arguments.append(_FORMS[kind].format(name=name, value=value))
    return arguments


def driver(turns: list[ChainTurn], records: list[dict], kinds: list[str]) -> tuple[str, list[tuple[int, str]]]:
    """The ``run_chain`` source and its parameters as (turn, parameter) in order; ``kinds`` are each
    turn's ``function``, ``method``, ``staticmethod`` or ``classmethod``."""
    params: list[tuple[int, str]] = []
    lines = []
    for number, (turn, record, kind) in enumerate(zip(turns, records, kinds, strict=True)):
        args = record["args"][1:] if kind in ("method", "classmethod") else record["args"]
        cls, _, method = turn.qualname.partition(".")
        if kind == "method" and turn.fed == "self":
            callee = f"out{number - 1}.{method}"
        elif kind == "method" and turn.shares:
            callee = f"obj{number - turn.shares}.{method}"
        elif kind == "method":
            made = f"{cls}({', '.join(_arguments(number, record['init']['args'], '', params, INIT))})"
            if any(later.shares == later_number - number for later_number, later in enumerate(turns)
                   if later_number > number):
                lines.append(f"    obj{number} = {made}\n")
                made = f"obj{number}"
            callee = f"{made}.{method}"
        else:
            callee = turn.qualname
        call = f"{callee}({', '.join(_arguments(number, args, turn.fed, params))})"
        lines.append(f"    return {call}\n" if number == len(turns) - 1 else f"    out{number} = {call}\n")
    signature = ", ".join(_parameter(number, name) for number, name in params)
    return f"def {DRIVER}({signature}):\n" + "".join(lines), params


def has_float(value: object) -> bool:
    """Whether a value in ``sandbox.wire`` form holds a float anywhere."""
    if type(value) is float:
        return True
    if isinstance(value, list):
        return any(has_float(item) for item in value)
    if isinstance(value, dict):
        return "float" in value or any(has_float(item) for item in value.values())
    return False


def final_test(records: list[dict], params: list[tuple[int, str]], module: str, classes: set[str],
               plain: set[str]) -> FunctionTest | None:
    """The chain's inputs in one recording and its final output, as a driver test (None where one of
    them does not encode, or names a class the program does not define)."""
    if not all("result" in record for record in records) or "v" not in records[-1]["result"]:
        return None
    values: dict[tuple[int, str], dict] = {}
    for number, record in enumerate(records):
        values.update({(number, name): value for name, _, value in record["args"]})
        values.update({(number, INIT + name): value for name, _, value in (record.get("init") or {}).get("args", [])})
    inputs = [values.get(param) for param in params]
    if any(value is None or "v" not in value for value in inputs):
        return None
    expected = records[-1]["result"]["v"]
    if not values_usable([inputs, expected]):
        return None
    tolerance = {"compare": "close", "rel_tol": FLOAT_TOLERANCE, "abs_tol": FLOAT_TOLERANCE} if has_float(
        expected) else {}
    test = FunctionTest(args=[value["v"] for value in inputs], expected=expected, **tolerance)
    local = localise_test(test, module, classes, plain)
    return local[0] if local is not None else None
