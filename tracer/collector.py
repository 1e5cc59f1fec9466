"""Policy of the tracer: which code is recorded, what a record holds, caps, output and errors.

The engines (``pyhook`` in pure Python, ``_ctracer`` in C, picked by ``engines.choose``) only
deliver events, through the ``types.Recorder`` interface this class meets. The collector decides
once per code object whether it is the project's own function, snapshots arguments at call time,
pairs them with the result, keeps at most K distinct pairs per function, and streams records to
this process's JSONL file. A failure inside the tracer is counted, never raised into the suite.
"""

from __future__ import annotations

import atexit
import collections
import hashlib
import inspect
import json
import os
import sys
import threading
import weakref
from types import CodeType, FrameType

from .config import TEST_DIRS, TEST_FILES, Config
from .engines import choose
from .links import CallLinks
from .types import Call, Engine, Function, Outcome, Record
from .values import partial_state, snapshot

CO_GENERATOR = inspect.CO_GENERATOR
CO_COROUTINE = inspect.CO_COROUTINE
CO_ASYNC_GENERATOR = inspect.CO_ASYNC_GENERATOR
CO_NEWLOCALS = inspect.CO_NEWLOCALS
CO_VARARGS = inspect.CO_VARARGS
CO_VARKEYWORDS = inspect.CO_VARKEYWORDS
MAX_ERRORS = 1000
ATTEMPTS_PER_PAIR = 20  # stop looking at a function after K * this many calls
# Past K pairs a function is still watched while it has shown fewer than
# MORE_OUTCOMES outcomes or fewer than MIN_EXACT exact pairs: a call with an outcome not seen yet (the first
# ``False``, the first ``ValueError``) or, until MIN_EXACT, an exact pair is still written. The first K calls
# of a validator often all pass; its tests need the one that fails.
MORE_OUTCOMES = 6
MIN_EXACT = 3
WATCH_PAST_K = 4  # ... but for at most K * this many calls in all (watching costs a snapshot per call)
# Containers an argument may be changed in place through (and objects of the project's classes, snapshot by
# their attributes): their state after the call is recorded when it changed (``args_after``), so a function
# that sorts a list in place has something to be tested on.
MUTABLE_ARGUMENTS = (list, dict, set, bytearray, collections.deque)
MAX_LINKED_OBJECTS = 100_000  # live objects whose constructor call is remembered
_OWN_DIR = os.path.dirname(os.path.realpath(__file__))


def _params(code: CodeType) -> list[tuple[str, str]]:
    """(name, kind) of each parameter: pos, kwonly, var (*args) or varkw (**kwargs)."""
    names = code.co_varnames
    positional = code.co_argcount
    kwonly = code.co_kwonlyargcount
    params = [(name, "pos") for name in names[:positional]]
    params += [(name, "kwonly") for name in names[positional : positional + kwonly]]
    index = positional + kwonly
    if code.co_flags & CO_VARARGS:
        params.append((names[index], "var"))
        index += 1
    if code.co_flags & CO_VARKEYWORDS:
        params.append((names[index], "varkw"))
    return params


def _kind(code: CodeType) -> str:
    """function, generator, coroutine or async_generator."""
    flags = code.co_flags
    if flags & CO_ASYNC_GENERATOR:
        return "async_generator"
    if flags & CO_COROUTINE:
        return "coroutine"
    if flags & CO_GENERATOR:
        return "generator"
    return "function"


def outcome_key(outcome: Outcome) -> str:
    """What a call's outcome shows, for telling a new one from those seen: the exception's type, or the
    encoded result (its type, or its wire tag, when it does not encode or is more than a short scalar)."""
    if "raised" in outcome:
        return f"raised:{outcome['raised'].get('type')}"
    if "result" not in outcome:
        return "resumes"
    result = outcome["result"]
    if "v" not in result:
        return f"unencoded:{result.get('u')}"
    value = result["v"]  # a scalar by its value, anything larger by its type: this runs on every call
    if value is None or type(value) in (bool, int, float) or (type(value) is str and len(value) <= 64):
        return f"{type(value).__name__}:{value!r}"
    return f"long:{type(value).__name__}:{next(iter(value), '') if type(value) is dict else ''}"


def _exact(call: Call, outcome: Outcome) -> bool:
    """Whether the arguments (past a method's ``self``) and the outcome all encode."""
    args = call["args"][1:] if "class" in call else call["args"]
    if not all("v" in value for _, _, value in args):
        return False
    if "result" in outcome:
        return "v" in outcome["result"]
    return bool((outcome.get("raised") or {}).get("type"))


class Collector:
    """Decides, snapshots, caps and writes; shared by every thread of the process."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.max_pairs = config.max_pairs
        self.max_bytes = config.max_value_bytes
        self._files: dict[str, bool] = {}
        self.functions: dict[CodeType, Function | None] = {}
        self.lock = threading.Lock()
        self.records = 0
        self.errors = 0
        self.error_kinds: dict[str, int] = {}
        self.disabled = False
        self.engine = ""
        self.engine_why = ""  # why the pure-Python engine runs; "" for the C one
        self._out = None
        self._pid = 0
        # id(object) -> [weak reference, its constructor's argument snapshots, method calls since]
        self.inits: dict[int, list] = {}
        self._classes: dict[type, bool] = {}
        self.links = CallLinks(self.wants_file, self._write_links)
        self._links_out = None
        self._links_pid = 0

    def project_class(self, kind: type) -> bool:
        """Whether a class is defined in the project's own (non-test) files: its objects encode by state."""
        known = self._classes.get(kind)
        if known is None:
            module = sys.modules.get(getattr(kind, "__module__", "") or "")
            path = getattr(module, "__file__", None)
            known = self._classes[kind] = isinstance(path, str) and self.wants_file(path)
        return known

    def snapshot(self, value: object, rebuilt: bool = False) -> dict:
        """A value's snapshot, objects of the project's classes encoded by their attributes (``rebuilt``: an
        argument, which the sandbox builds again)."""
        return snapshot(value, self.max_bytes, self.project_class, rebuilt)

    # -- decisions ---------------------------------------------------------------------------

    def wants_file(self, filename: str) -> bool:
        """Whether a source file belongs to the project and is not test code (cached per file)."""
        cached = self._files.get(filename)
        if cached is not None:
            return cached
        path = os.path.realpath(filename) if filename and not filename.startswith("<") else ""
        root = self._root_of(path) if path else None
        wanted = root is not None and not self._is_test(path[len(root):])
        self._files[filename] = wanted
        return wanted

    def _root_of(self, path: str) -> str | None:
        """The include prefix that contains ``path``, unless it is excluded or the tracer's own."""
        if path.startswith(_OWN_DIR + os.sep):
            return None
        for prefix in self.config.exclude:
            if path == prefix or path.startswith(prefix + os.sep):
                return None
        for prefix in self.config.include:
            if path == prefix:
                return os.path.dirname(prefix)
            if path.startswith(prefix + os.sep):
                return prefix
        return None

    @staticmethod
    def _is_test(relative: str) -> bool:
        """Test code, judged on the path below the include root (a checkout may live under tests/)."""
        parts = relative.strip(os.sep).split(os.sep)
        name = parts[-1]
        return (
            name in TEST_FILES
            or name.startswith("test_")
            or name.endswith("_test.py")
            or any(part in TEST_DIRS for part in parts[:-1])
        )

    def decide(self, code: CodeType) -> Function | None:
        """The Function for a code object, or None to ignore it; decided once and cached."""
        function = None
        name = code.co_name
        is_function = code.co_flags & CO_NEWLOCALS and (not name.startswith("<") or name == "<lambda>")
        if is_function and self.wants_file(code.co_filename):
            function = Function(
                file=os.path.realpath(code.co_filename),
                line=code.co_firstlineno,
                qualname=getattr(code, "co_qualname", name),
                kind=_kind(code),
                params=_params(code),
            )
        self.functions[code] = function
        return function

    # -- records -----------------------------------------------------------------------------

    def snapshot_call(self, function: Function, frame: FrameType) -> Call:
        """The arguments as they are at call time; for methods the class, the state of ``self`` and
        the constructor call that made it (``init``, with how many method calls came since)."""
        local = frame.f_locals
        args = [[name, kind, self.snapshot(local.get(name), rebuilt=True)] for name, kind in function.params]
        call: Call = {"args": args}
        held = {name: local.get(name) for name, kind, value in args if kind == "pos" and "v" in value and (
            isinstance(local.get(name), MUTABLE_ARGUMENTS) or (type(value["v"]) is dict and "object" in value["v"]))}
        if held:
            call["_held"] = held  # the objects themselves: the names may be rebound before the return
        if function.params and function.params[0][0] in ("self", "cls") and function.params[0][1] == "pos":
            first = local.get(function.params[0][0])
            if function.params[0][0] == "cls" and isinstance(first, type):
                call["class"] = first.__qualname__
            else:
                call["class"] = type(first).__qualname__
                state = partial_state(first, self.max_bytes, self.project_class)
                call["self_plain"] = state is not None and not state[1]
                if state is not None:
                    call["self"] = state[0]
                    if state[1]:  # the attributes with no encoding: a method that reads none of them still has a test
                        call["self_missing"] = state[1]
                call["_self"] = first  # for the state after the call and constructor links; never written
                link = self.inits.get(id(first))
                if link is not None and link[0]() is first and not function.qualname.endswith(".__init__"):
                    call["init"] = {"args": link[1], "after": link[2]}
                    link[2] += 1
        return call

    def link_init(self, call: Call, code: CodeType) -> None:
        """Remember the arguments of a finished ``__init__`` as the recipe of its object.

        Only the constructor of the object's own class counts (not a base's ``__init__`` reached
        through ``super()``), only when its arguments encode, and only while the object lives.
        """
        obj = call.get("_self")
        init = getattr(type(obj), "__init__", None)
        if getattr(init, "__code__", None) is not code or len(self.inits) >= MAX_LINKED_OBJECTS:
            return
        args = call["args"][1:]
        if not all("v" in value for _, _, value in args):
            return
        key = id(obj)
        inits = self.inits

        def forget(ref: weakref.ref) -> None:
            if inits.get(key, (None,))[0] is ref:
                inits.pop(key, None)

        try:
            ref = weakref.ref(obj, forget)
        except TypeError:  # no __weakref__ slot: an id alone could outlive the object
            return
        inits[key] = [ref, args, 0]

    def args_after(self, call: Call, held: dict) -> list:
        """[name, snapshot] of each container argument (``held``: name -> object) whose snapshot changed."""
        before = {name: value for name, _, value in call["args"]}
        after = [[name, self.snapshot(obj)] for name, obj in held.items()]
        return [[name, value] for name, value in after if value != before[name]]

    def state_after(self, call: Call) -> dict | None:
        """The encoded state of a method's ``self`` after the call, when the same attributes encode as before."""
        if "self" not in call:
            return None
        state = partial_state(call["_self"], self.max_bytes, self.project_class)
        if state is None or state[1] != call.get("self_missing", []):
            return None
        return state[0]

    def finish(self, function: Function, call: Call, outcome: Outcome) -> str:
        """Pair a call with its outcome and write it if the pair is new; retire full functions.

        Returns the pair's key (hex), which the record carries as ``pair`` and a linked test names;
        "" for a call past K pairs that shows nothing new (it is not written, so nothing can name it)."""
        held = call.get("_held")
        call = {name: value for name, value in call.items() if not name.startswith("_")}
        shown = outcome_key(outcome)
        exact = _exact(call, outcome)
        with self.lock:
            function.calls += 1
            wanted = len(function.seen) < self.max_pairs or (
                shown not in function.outcomes and len(function.outcomes) < MORE_OUTCOMES) or (
                exact and function.exact < MIN_EXACT)
            full = len(function.seen) >= self.max_pairs and (
                function.calls >= self.max_pairs * WATCH_PAST_K
                or (len(function.outcomes) >= MORE_OUTCOMES and function.exact >= MIN_EXACT))
            if full or function.calls >= self.max_pairs * ATTEMPTS_PER_PAIR:
                function.done = True
        if not wanted:
            return ""
        key = hashlib.blake2b(
            json.dumps([call, outcome], sort_keys=True, default=repr).encode(), digest_size=12
        ).digest()
        pair = key.hex()
        with self.lock:
            if key in function.seen:
                return pair
            function.seen.add(key)
            function.outcomes.add(shown)
            function.exact += exact
        if held:  # only for a pair that is written: a second snapshot of each container argument
            changed = self.args_after(call, held)
            if changed:
                outcome = {**outcome, "args_after": changed}
        with self.lock:  # one writer at a time: threads share this process's text file
            try:
                self._write({
                    "file": function.file, "line": function.line, "qualname": function.qualname,
                    "kind": function.kind, **call, **outcome, "pair": pair,
                })
            except Exception as exc:  # noqa: BLE001 - an unwritable output must not break the suite
                self.error(exc)
        return pair

    def _write(self, record: Record) -> None:
        out = self._output()
        out.write(json.dumps(record, separators=(",", ":"), default=repr) + "\n")
        self.records += 1

    def _output(self):
        pid = os.getpid()
        if self._out is None or self._pid != pid:
            # A forked child must not share the parent's buffered file: each process writes its own.
            os.makedirs(self.config.out_dir, exist_ok=True)
            name = f"records-{pid}-{os.urandom(4).hex()}.jsonl"
            path = os.path.join(self.config.out_dir, name)
            self._out = open(path, "a", encoding="utf-8", buffering=1 << 16)  # noqa: SIM115 - closed at exit
            self._pid = pid
        return self._out

    def _write_links(self, line: dict) -> None:
        """One linked test to this process's ``links-*.links`` file (JSON lines, beside the records)."""
        try:
            pid = os.getpid()
            with self.lock:
                if self._links_out is None or self._links_pid != pid:
                    os.makedirs(self.config.out_dir, exist_ok=True)
                    name = f"links-{pid}-{os.urandom(4).hex()}.links"
                    path = os.path.join(self.config.out_dir, name)
                    self._links_out = open(path, "a", encoding="utf-8", buffering=1 << 16)  # noqa: SIM115
                    self._links_pid = pid
                self._links_out.write(json.dumps(line, separators=(",", ":"), default=repr) + "\n")
        except Exception as exc:  # noqa: BLE001 - an unwritable output must not break the suite
            self.error(exc)

    def error(self, exc: BaseException) -> None:
        """Count a failure inside the tracer; too many switch the tracer off."""
        kind = type(exc).__name__
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
        if self.errors >= MAX_ERRORS:
            self.disabled = True

    def close(self, engine_errors: int = 0) -> None:
        """Write this process's summary line and flush; ``engine_errors`` are those the engine counted."""
        try:
            self.links.close()
            if self._links_out is not None and self._links_pid == os.getpid():
                self._links_out.flush()
        except Exception as exc:  # noqa: BLE001 - at exit
            self.error(exc)
        try:
            summary = {
                "pid": os.getpid(), "engine": self.engine, "engine_why": self.engine_why, "records": self.records,
                "errors": self.errors + engine_errors,
                "error_kinds": self.error_kinds, "disabled": self.disabled,
                "functions": sum(1 for f in self.functions.values() if f is not None and f.seen),
                "linked_tests": self.links.written,
            }
            out = self._output()
            out.write(json.dumps({"summary": summary}) + "\n")
            out.flush()
        except Exception:  # noqa: BLE001 - at exit, with the suite's result already decided
            pass


_active: tuple[Collector, Engine] | None = None


def start(config: Config) -> Collector:
    """Start recording in this process (and its future threads); returns the collector."""
    global _active
    if _active is not None:
        return _active[0]
    collector = Collector(config)
    factory, collector.engine_why = choose(config.engine)
    engine = factory(collector)
    collector.engine = engine.name
    engine.start()
    _active = (collector, engine)
    atexit.register(stop)
    return collector


def stop() -> None:
    """Stop recording and write the summary."""
    global _active
    if _active is None:
        return
    collector, engine = _active
    _active = None
    engine.stop()
    collector.close(engine.errors())
