"""Calls into the project within one test, in order, and which argument IS an earlier call's result.

Per thread, the test running now is the nearest frame on the stack that is a ``test*`` function of a
non-project file (a pytest test function or a unittest test method). A call into the project is a
recorded call whose caller is not project code. For each such call that returns normally the test
keeps (function, the pair's key, links), where a link names a parameter whose argument is, by
identity, the value an earlier call of the same test returned (for ``__init__``, the object it
built). Memory is bounded: at most ``MAX_CALLS`` calls and ``MAX_VALUES`` remembered values per test,
all dropped when the next test starts; a test with at least one link is written as one line then.
Values that support weak references are remembered weakly, so the tracer never keeps an object of
the suite alive; others (lists, tuples, strings) are held until the test ends.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from types import FrameType

from .types import Call, Function

MAX_CALLS = 32  # calls into the project kept per test
MAX_VALUES = 64  # returned values remembered per test
MAX_DEPTH = 200  # frames walked up to find the running test
MAX_TESTS = 5000  # linked tests written per process
LINKED_KINDS = ("pos", "kwonly")
# Objects the interpreter shares by chance (None, booleans, cached small ints): identity says nothing.
_SHARED = (type(None), bool)
_SMALL_INTS = range(-5, 257)
_MISSING = object()


class TestCalls:
    """One running test: its frame, the calls into the project so far and the values they returned."""

    __slots__ = ("frame", "calls", "values", "linked")

    def __init__(self, frame: FrameType) -> None:
        self.frame = frame
        self.calls: list[dict] = []
        self.values: dict[int, tuple[object, bool, int]] = {}  # id -> (value or weak ref, is weak, call index)
        self.linked = False

    def producer(self, value: object) -> int | None:
        """The index of the earlier call that returned this very object, if one did."""
        entry = self.values.get(id(value))
        if entry is None:
            return None
        held = entry[0]() if entry[1] else entry[0]
        return entry[2] if held is value else None

    def remember(self, value: object, index: int) -> None:
        """Note that call ``index`` returned ``value`` (the latest producer of an object wins)."""
        if isinstance(value, _SHARED) or (type(value) is int and value in _SMALL_INTS) or (
                len(self.values) >= MAX_VALUES and id(value) not in self.values):
            return
        try:
            self.values[id(value)] = (weakref.ref(value), True, index)
        except TypeError:  # no weak references to lists, tuples, str: held until the test ends
            self.values[id(value)] = (value, False, index)


class CallLinks:
    """Per-thread running tests; writes each linked test through ``write`` when the next one starts."""

    def __init__(self, wants_file: Callable[[str], bool], write: Callable[[dict], None]) -> None:
        self.wants_file = wants_file
        self.write = write
        self.tests: dict[int, TestCalls] = {}
        self.written = 0

    def _test_of(self, frame: FrameType) -> TestCalls | None:
        """The running test when ``frame`` is a call into the project from it, else None."""
        caller = frame.f_back
        if caller is None or self.wants_file(caller.f_code.co_filename):
            return None  # a call inside the project, or no caller at all
        found = caller
        for _ in range(MAX_DEPTH):
            if found is None:
                return None
            code = found.f_code
            if code.co_name.startswith("test") and not self.wants_file(code.co_filename):
                break
            found = found.f_back
        else:
            return None
        ident = threading.get_ident()
        test = self.tests.get(ident)
        if test is None or test.frame is not found:
            if test is not None:
                self._flush(test)
            test = self.tests[ident] = TestCalls(found)
        return test

    def enter(self, function: Function, call: Call, frame: FrameType) -> None:
        """At a call: note its test and which arguments an earlier call of that test returned."""
        test = self._test_of(frame)
        if test is None or len(test.calls) >= MAX_CALLS:
            return
        call["_test"] = test
        if not test.values:
            return
        local = frame.f_locals
        links = []
        for name, kind in function.params:
            if kind in LINKED_KINDS:
                value = local.get(name, _MISSING)
                index = test.producer(value) if value is not _MISSING else None
                if index is not None:
                    links.append([name, index])
        if links:
            call["_links"] = links

    def returned(self, function: Function, call: Call, value: object, pair: str) -> None:
        """At a normal return of a call into the project: append it to its test's calls."""
        test = call.get("_test")
        if test is None or len(test.calls) >= MAX_CALLS:
            return
        links = call.get("_links", [])
        index = len(test.calls)
        test.calls.append({"file": function.file, "qualname": function.qualname, "line": function.line,
                           "pair": pair, "links": links})
        test.linked = test.linked or bool(links)
        if function.qualname.endswith(".__init__") and "_self" in call:
            value = call["_self"]  # ``Class(...)`` returns the object its ``__init__`` built
        test.remember(value, index)

    def _flush(self, test: TestCalls) -> None:
        """Write a finished test when some call in it is linked; drop what it held."""
        if test.linked and self.written < MAX_TESTS:
            code = test.frame.f_code
            self.written += 1
            self.write({"test": {"file": code.co_filename, "qualname": getattr(code, "co_qualname", code.co_name),
                                 "calls": test.calls}})
        test.values.clear()
        test.frame = None

    def close(self) -> None:
        """Write the tests still running (at exit)."""
        tests, self.tests = self.tests, {}
        for test in tests.values():
            self._flush(test)
