"""Call records as test material: reading them, which calls are usable, calls as data tests.

Shared by synthesis of functions (``synthesis``) and of methods (``methods``). Values are in
``sandbox.wire``'s form; an enum member, namedtuple or object names its class as ``module:qualname`` in a
record and is kept only where that class is part of the problem (``localise``), and so is an
exception of the project's own class.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from pipelines.problems.standalone import MODULE_VALUES_REFUSED
from sandbox import wire
from sandbox.types import FunctionTest

_MODULE_VALUE = re.compile(r'\{"module": "([\w.]+)"\}')  # as json.dumps writes it; a string's quotes are escaped


def read_records(records_dir: str | Path) -> dict[tuple[str, str, int], list[dict]]:
    """Records grouped by (file, qualname, first line). A line that is not a record (a suite killed while
    the tracer wrote) is skipped: it costs that call, not the project."""
    grouped: dict[tuple[str, str, int], list[dict]] = defaultdict(list)
    for path in sorted(Path(records_dir).glob("*.jsonl")):
        for line in path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and {"file", "qualname", "line"} <= record.keys():  # not a summary either
                grouped[(record["file"], record["qualname"], record["line"])].append(record)
    return grouped


def values_usable(values: list) -> bool:
    """Whether values write as UTF-8 JSON (no lone surrogates: storing those crashed runs before), and name no
    module that a value may not be (``MODULE_VALUES_REFUSED``: ``os`` passed in would reach outside the process)."""
    try:
        text = json.dumps(values, ensure_ascii=False)
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(name.split(".")[0] in MODULE_VALUES_REFUSED for name in _MODULE_VALUE.findall(text))


def serialisable(record: dict) -> bool:
    """Whether every argument and the outcome of a call encode exactly (and as UTF-8: no lone surrogates)."""
    if not all("v" in value for _, _, value in record["args"]):
        return False
    if not all("v" in value for _, value in record.get("args_after", [])):
        return False  # an argument changed in place, and its state after does not encode
    if not values_usable([record["args"], record.get("result"), record.get("self"), record.get("self_after"),
                           record.get("init")]):
        return False
    if "result" in record:
        return "v" in record["result"]
    raised = record.get("raised") or {}
    return bool(raised.get("type"))  # a project exception is kept where its class is in the problem


def to_test(record: dict) -> FunctionTest:
    """The call as a data test: positional, keyword-only, *args and **kwargs put back together."""
    args: list = []
    kwargs: dict = {}
    for name, kind, value in record["args"]:
        encoded = value["v"]
        if kind == "pos":
            args.append(encoded)
        elif kind == "kwonly":
            kwargs[name] = encoded
        elif kind == "var":
            args.extend(encoded["tuple"])
        elif kind == "varkw":
            kwargs.update({k: v for k, v in encoded["dict"]})
    if "result" not in record:
        return FunctionTest(args=args, kwargs=kwargs, raises=record["raised"]["type"])
    changed = {name: value["v"] for name, value in record.get("args_after", [])}
    positions = [name for name, kind, _ in record["args"] if kind == "pos"]
    args_after = [changed.get(name, arg) for name, arg in zip(positions, args, strict=False)] + args[len(positions):] \
        if changed else None
    return FunctionTest(args=args, kwargs=kwargs, expected=record["result"]["v"], args_after=args_after)


def _shape(value: object) -> str:
    """A coarse type-and-size class of an encoded value, to spread tests across kinds of input."""
    if isinstance(value, list):
        return f"list{min(len(value), 3)}"
    if isinstance(value, dict):
        tag, body = next(iter(value.items()))
        return f"{tag}{min(len(body), 3) if isinstance(body, list) else ''}"
    if isinstance(value, str):
        return "str0" if not value else ("str1" if len(value) == 1 else "strn")
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return "int-" if value < 0 else ("int0" if value == 0 else "int+")
    return type(value).__name__


def echoed(test: FunctionTest) -> set[int]:
    """Positions of the arguments a test expects back unchanged as its value (none when it raises or checks
    state or arguments after the call)."""
    if test.raises or test.state_after is not None or test.args_after is not None:
        return set()
    expected = json.dumps(test.expected, sort_keys=True)
    return {index for index, arg in enumerate(test.args) if json.dumps(arg, sort_keys=True) == expected}


def _outcome(test: FunctionTest) -> str:
    """A coarse class of what a test expects: an exception, an argument back, None, or another value."""
    if test.raises:
        return "!"
    if echoed(test):
        return "="
    return "None" if test.expected is None else "value"


def _distinct_first(tests: list[FunctionTest]) -> list[FunctionTest]:
    """The tests with the first of each distinct expected outcome ahead of the rest (order kept otherwise)."""
    seen: set[str] = set()
    first, rest = [], []
    for test in tests:
        key = json.dumps([test.expected, test.raises, test.state_after, test.args_after], sort_keys=True)
        (rest if key in seen else first).append(test)
        seen.add(key)
    return first + rest


def choose_tests(tests: list[FunctionTest], limit: int) -> list[FunctionTest]:
    """Up to ``limit`` tests, round-robin over input shapes and classes of outcome, within each the
    shortest of each distinct expected outcome first, deterministically: tests that all expect one
    value, or an argument back, while other calls expected something else, would tell a solution
    from ``return <that>`` less well than the calls recorded."""
    unique = {json.dumps(dataclasses.asdict(t), sort_keys=True): t for t in tests}
    groups: dict[str, list[FunctionTest]] = defaultdict(list)
    for key in sorted(unique, key=lambda k: (len(k), k)):
        test = unique[key]
        shape = "|".join(_shape(a) for a in test.args) + _outcome(test)
        groups[shape].append(test)
    groups = defaultdict(list, {shape: _distinct_first(group) for shape, group in groups.items()})
    chosen: list[FunctionTest] = []
    order = sorted(groups)
    while len(chosen) < limit and any(groups.values()):
        for shape in order:
            if groups[shape] and len(chosen) < limit:
                chosen.append(groups[shape].pop(0))
    return chosen


def lines_of(source: str) -> list[str]:
    """Lines as Python numbers them: only ``\n`` ends one (``str.splitlines`` also splits on form feeds)."""
    *full, last = source.split("\n")
    return [line + "\n" for line in full] + ([last] if last else [])


def relative(path: str, roots: Iterable[str]) -> str:
    """``path`` relative to the first root that holds it (else its file name)."""
    for root in roots:
        if path.startswith(root.rstrip("/") + "/"):
            return path[len(root.rstrip("/")) + 1:]
    return Path(path).name


def module_name(path: str) -> str:
    """The dotted module a relative source path defines (``pkg/mod.py`` -> ``pkg.mod``)."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _same_module(recorded: str, module: str) -> bool:
    """A module name from a record matches the problem's module (paths may start above the package)."""
    return module == recorded or module.endswith("." + recorded) or recorded.endswith("." + module)


def _local_class(reference: str, classes: Mapping[str, str]) -> str:
    """The class name of a ``module:Class`` reference when ``Class`` is one of ``classes`` and defined in the
    module the reference names; else ValueError."""
    recorded, _, name = reference.partition(":")
    if not name or name not in classes or not _same_module(recorded, classes[name]):
        raise ValueError(f"{reference} is not a class of the problem's module")
    return name


def _localise(value: object, module: str, classes: Mapping[str, str], used: set[str],
              plain: set[str] | None = None) -> object:
    """``value`` with its ``module:Class`` references turned into ``Class`` where ``Class`` is one of
    ``classes`` (name -> the module that defines it: the problem's own, or one it imports the class from)
    and the record names that module (collected in ``used``); raise ValueError for any other, and for an
    object of a class not in ``plain`` (one whose attributes are not all of it)."""
    if isinstance(value, list):
        return [_localise(item, module, classes, used, plain) for item in value]
    if not isinstance(value, dict):
        return value
    ((tag, body),) = value.items()
    if tag == "class" and isinstance(body, str):
        name = _local_class(body, classes)
        used.add(name)
        return {tag: name}
    if tag in ("enum", "namedtuple", "object") and isinstance(body, list) and len(body) == 2:
        name = _local_class(str(body[0]), classes)
        if tag == "object" and plain is not None and name not in plain:
            raise ValueError(f"{name} objects are more than their attributes")
        used.add(name)
        return {tag: [name, _localise(body[1], module, classes, used, plain)]}
    return {tag: _localise(body, module, classes, used, plain)}


def localise_test(test: FunctionTest, module: str, classes: set[str] | Mapping[str, str],
                  plain: set[str] | None = None) -> tuple[FunctionTest, set[str]] | None:
    """The test with class references made local, and the classes it needs; None when one is foreign.

    ``classes``: the module's own classes, or a mapping of each class name the module binds to the
    module that defines it (a class imported from the project's other modules comes along as context).
    """
    used: set[str] = set()
    homes = classes if isinstance(classes, Mapping) else dict.fromkeys(classes, module)

    def localise(value: object, module: str, classes: set[str], used: set[str]) -> object:
        return _localise(value, module, homes, used, plain)

    try:
        raises = test.raises
        if raises and "." in raises:
            recorded, _, name = raises.rpartition(".")
            if name not in homes or not _same_module(recorded, homes[name]):
                return None
            used.add(name)
            raises = f"{wire.CANDIDATE_MODULE}.{name}"
        instance = test.instance
        if instance is not None and "init" in instance:
            init = instance["init"]
            instance = {"init": {"args": localise(init["args"], module, classes, used),
                                 "kwargs": {k: localise(v, module, classes, used) for k, v in init["kwargs"].items()}}}
        elif instance is not None:
            instance = {"state": localise(instance["state"], module, classes, used)}
        local = dataclasses.replace(
            test, args=localise(test.args, module, classes, used),
            kwargs={k: localise(v, module, classes, used) for k, v in test.kwargs.items()},
            expected=localise(test.expected, module, classes, used), raises=raises, instance=instance,
            state_after=localise(test.state_after, module, classes, used) if test.state_after is not None else None,
            args_after=localise(test.args_after, module, classes, used) if test.args_after is not None else None)
    except ValueError:
        return None
    return local, used
