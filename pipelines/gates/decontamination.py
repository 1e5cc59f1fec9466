"""Decontamination: reject mined problems that copy a benchmark (HumanEval, MBPP) in text or in behaviour.

Two checks, cheapest first:

- ``ngram_overlap``: the problem's prompt + solution shares a run of ``NGRAM`` (10) consecutive
  tokens with a benchmark's prompt + canonical solution. Tokens are the names, keywords and numbers
  of the code plus the words inside its string literals, lowercased; comments, punctuation and
  layout are dropped, so a copy survives reformatting, requoting and re-wrapped docstrings. A run
  counts only with at least ``MIN_WORDS`` (3) distinct alphabetic tokens, so ``0 1 2 3 4 5 6 7 8 9``
  in a doctest is not a copy. Calibrated on 22,418 functions of installed PyPI packages: 10 tokens
  flag 4 of them (0.02%, all ``for i in range n for j in range n`` loops), 8 tokens flag 25, and 10
  tokens with punctuation kept flag 169; 78% of the benchmarks' bodies alone are long enough to be
  caught this way, the rest is left to the behaviour check.
- ``behaviour_match``: where the signature fits (the function accepts each benchmark test's call),
  the mined reference, under its own name and with its own prompt, is run against the benchmark's
  tests; passing all of them means it is the benchmark's task. Benchmark tests are few (MBPP has
  three) and a different function can pass them by chance, so a pass is confirmed the other way
  round: the benchmark's solution must also pass the problem's own recorded tests (those whose
  calls it accepts; with none, the forward pass decides). Benchmarks whose tests expect only one
  outcome are skipped: a constant function would pass them; so are those a trivial function passes
  (the first argument, its first or last item, its length).

One sandbox session serves every check. All fitting benchmarks (capped at ``max_candidates``) go
into one run of the candidate, their tests concatenated, and each benchmark's slice of the results
is judged on the host by ``sandbox.judge``: one fork per problem instead of one per benchmark. A
run that dies part-way (a test that hangs, exits or crashes the process) is resumed from the
benchmark it died in; a benchmark that kills a run it starts does not match. Once a problem has
used ``budget_s`` of sandbox time the benchmarks still unchecked are given up, and the count is
reported in the detail of the (clean) verdict.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import time
import tokenize
import warnings
from collections import Counter
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from pipelines.funnel import Stage
from pipelines.gates import corpora
from pipelines.gates.base import Decision, PerProblemGate
from pipelines.problem import Problem
from sandbox import wire
from sandbox.execute import execute
from sandbox.judge import check_value, judge_function
from sandbox.session import Session
from sandbox.types import FunctionTest, Limits


class Reason(StrEnum):
    """Why decontamination drops a problem."""

    NGRAM_OVERLAP = "ngram_overlap"
    BEHAVIOUR_MATCH = "behaviour_match"


NGRAM_OVERLAP, BEHAVIOUR_MATCH = Reason.NGRAM_OVERLAP.value, Reason.BEHAVIOUR_MATCH.value

NGRAM = 10
MIN_WORDS = 3
MAX_CANDIDATES = 1000
# Sandbox time one problem may use; a clean one normally needs 30-100 ms. Mined functions that hang
# on benchmark inputs (a big n for an exponential loop) are common: each hang costs ``timeout_s``,
# each run that burns its CPU limit ``cpu_s``.
BUDGET_S = 10.0
# Every benchmark reference passes its own tests within 0.2 s but one (mbpp/123 takes 2.9 s).
LIMITS = Limits(timeout_s=1.0, cpu_s=5, output_bytes=16 << 20)

_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
            tokenize.ENCODING, tokenize.OP, tokenize.ERRORTOKEN}
# Python 3.12 splits f-strings into parts: the literal text is words, the quotes are layout.
_FSTRING_TEXT = {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING), tokenize.STRING}
_SKIPPED |= {getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_END") if hasattr(tokenize, name)}
_WORD = re.compile(r"\w+")
_ALPHA = re.compile(r"[^\W\d]")


def benchmarks_version(extra_files: tuple[str, ...] = ()) -> str:
    """What decontamination verdicts depend on besides the problem: the bundled corpora and the extra files."""
    digests = [hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16] for path in extra_files]
    return "+".join([corpora.CORPORA_VERSION, *digests])


def tokens(source: str) -> list[str]:
    """Lowercased names, keywords, numbers and string-literal words; no comments, punctuation or layout."""
    out: list[str] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in _SKIPPED:
                continue
            if token.type in _FSTRING_TEXT:
                out.extend(word.lower() for word in _WORD.findall(token.string))
            else:
                out.append(token.string.lower())
    except (tokenize.TokenError, SyntaxError):
        # Text that does not tokenize as Python (a fragment) still has words.
        return [word.lower() for word in _WORD.findall(source)]
    return out


def ngrams(words: list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    """The distinct runs of ``n`` tokens that have at least ``MIN_WORDS`` distinct alphabetic tokens."""
    grams = set()
    for start in range(len(words) - n + 1):
        gram = tuple(words[start:start + n])
        if len({word for word in gram if _ALPHA.match(word)}) >= MIN_WORDS:
            grams.add(gram)
    return grams


@dataclass(frozen=True)
class Signature:
    """How many positional arguments a function accepts, and whether it needs keyword-only ones."""

    required: int
    positional: int  # -1 for *args
    needs_keywords: bool
    names: tuple[str, ...] = ()  # of the positional parameters

    def accepts(self, count: int) -> bool:
        """Whether a call with ``count`` positional arguments and no keywords binds."""
        return (not self.needs_keywords and self.required <= count
                and (self.positional < 0 or count <= self.positional))


def signature(problem: Problem) -> Signature | None:
    """The entry function's signature, from the prompt + solution; None when it cannot be found."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
        try:
            tree = ast.parse(problem.prompt + problem.solution)
        except (SyntaxError, ValueError):
            return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == problem.entry_point:
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            return Signature(
                required=len(positional) - len(args.defaults),
                positional=-1 if args.vararg else len(positional),
                needs_keywords=any(default is None for default in args.kw_defaults),
                names=tuple(arg.arg for arg in positional),
            )
    return None


@dataclass(frozen=True)
class _Benchmark:
    task: str
    problem: Problem
    tests: tuple[FunctionTest, ...]
    arity: int
    shapes: frozenset[tuple[str, ...]]


def _task(problem: Problem) -> str:
    return problem.provenance.path or problem.id


def _shape(args: list) -> tuple[str, ...]:
    """The argument types of a call, for ranking benchmarks by how well they fit."""
    try:
        return tuple(type(wire.decode(arg)).__name__ for arg in args)
    except (ValueError, RecursionError):
        return ()


def _positional(test: object, names: tuple[str, ...]) -> FunctionTest | None:
    """The test with keyword arguments that name the next positional parameters moved into ``args``."""
    if not isinstance(test, FunctionTest):
        return None
    if not test.kwargs:
        return test
    following = names[len(test.args):len(test.args) + len(test.kwargs)]
    if set(following) != set(test.kwargs):
        return None
    return replace(test, args=[*test.args, *(test.kwargs[name] for name in following)], kwargs={})


_STAND_INS = (
    ("first argument", lambda args: args[0]),
    ("its first item", lambda args: args[0][0]),
    ("its last item", lambda args: args[0][-1]),
    ("its length", lambda args: len(args[0])),
)


def _passed_by(tests: list[FunctionTest], stand_in) -> bool:
    """Whether a trivial function (judged on the host, over the benchmark's own data) passes every test."""
    for test in tests:
        try:
            value = stand_in([wire.decode(arg) for arg in test.args])
        except Exception:  # noqa: BLE001 - the stand-in does not apply to these arguments
            return False
        if test.raises is not None or check_value(test, value):
            return False
    return True


def _discriminating(tests: list[FunctionTest]) -> bool:
    """Whether the tests can tell a solution from a trivial function.

    They must expect at least two outcomes (else a constant passes), and no trivial stand-in may pass
    them all: MBPP's ``assert neg_nos([-1,4,5,-6]) == -1,-6`` really asserts ``== -1``, which any
    "first item" function passes, and such a match says nothing about contamination.
    """
    outcomes = {(test.compare, repr(test.expected), test.raises) for test in tests}
    return len(outcomes) >= 2 and not any(_passed_by(tests, stand_in) for _, stand_in in _STAND_INS)


class Decontaminator(PerProblemGate):
    """Checks mined problems against benchmark problems; owns one sandbox session, opened on first use."""

    stage = Stage.DECONTAMINATION
    Reason = Reason

    def __init__(self, benchmarks: list[Problem], *, backend: str = "bwrap", n: int = NGRAM,
                 max_candidates: int = MAX_CANDIDATES, limits: Limits = LIMITS, budget_s: float = BUDGET_S,
                 two_way: bool = True) -> None:
        self.n = n
        self.backend = backend
        self.max_candidates = max_candidates
        self.limits = limits
        self.budget_s = budget_s
        self.two_way = two_way
        self.session: Session | None = None
        self.index: dict[tuple[str, ...], set[str]] = {}
        self.runnable: list[_Benchmark] = []
        for problem in benchmarks:
            task = _task(problem)
            for gram in ngrams(tokens(problem.prompt + problem.solution), n):
                self.index.setdefault(gram, set()).add(task)
            tests = [test for test in problem.tests if isinstance(test, FunctionTest)]
            arities = {len(test.args) for test in tests}
            if (problem.kind == "function" and tests and len(arities) == 1 and not any(t.kwargs for t in tests)
                    and _discriminating(tests)):
                shapes = frozenset(_shape(test.args) for test in tests)
                self.runnable.append(_Benchmark(task, problem, tuple(tests), arities.pop(), shapes))
        self.runnable.sort(key=lambda bench: bench.task)

    @classmethod
    def from_corpora(cls, extra_files: tuple[str, ...] = (), **options: object) -> Decontaminator:
        """Built from the bundled HumanEval and MBPP sets and any benchmark files the user adds."""
        return cls(corpora.benchmarks(extra_files), **options)

    def __enter__(self) -> Decontaminator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the sandbox session, if one was started."""
        if self.session is not None:
            self.session.close()
            self.session = None

    def overlap(self, problem: Problem) -> tuple[str, tuple[str, ...]] | None:
        """(benchmark task, one shared n-gram) of the benchmark sharing most n-grams, or None."""
        shared: Counter[str] = Counter()
        example: dict[str, tuple[str, ...]] = {}
        for gram in sorted(ngrams(tokens(problem.prompt + problem.solution), self.n)):
            for task in self.index.get(gram, ()):
                shared[task] += 1
                example.setdefault(task, gram)
        if not shared:
            return None
        task = min(shared, key=lambda name: (-shared[name], name))
        return task, example[task]

    def candidates(self, problem: Problem) -> list[_Benchmark]:
        """Benchmarks whose calls the problem's function accepts, best fitting first, at most ``max_candidates``."""
        sig = signature(problem) if problem.kind == "function" else None
        if sig is None:
            return []
        shapes = {_shape(test.args) for test in problem.tests if isinstance(test, FunctionTest)}
        fitting = [bench for bench in self.runnable if sig.accepts(bench.arity)]
        fitting.sort(key=lambda bench: (bench.arity != sig.required, not (bench.shapes & shapes), bench.task))
        return fitting[:self.max_candidates]

    def behaviour(self, problem: Problem) -> tuple[str | None, int]:
        """(first benchmark the problem's solution matches both ways, or None; benchmarks left unchecked)."""
        pending = self.candidates(problem)
        if not pending:
            return None, 0
        code = problem.prompt + problem.solution
        deadline = time.monotonic() + self.budget_s
        while pending:
            inputs = [test.inputs() for bench in pending for test in bench.tests]
            run = self._session().run("function", code, problem.entry_point, inputs, self.limits)["runs"][0]
            records = run["records"]
            if any(isinstance(record, dict) and "setup" in record for record in records):
                return None, 0  # the code does not even define the function
            by_index = {}
            for record in records:
                index = record.get("i") if isinstance(record, dict) else None
                if type(index) is int and index not in by_index:
                    by_index[index] = record
            start, left = 0, []
            for position, bench in enumerate(pending):
                end = start + len(bench.tests)
                if all(index in by_index for index in range(start, end)):
                    slice_ = [{**by_index[index], "i": index - start} for index in range(start, end)]
                    passed = judge_function(list(bench.tests), {"runs": [{**run, "records": slice_}]}).passed
                    if passed and self._converse(problem, bench):
                        return bench.task, 0
                elif position > 0 or left:
                    left.append(bench)  # the run died in an earlier benchmark: not tried yet
                start = end
            if left and time.monotonic() > deadline:
                return None, len(left)
            pending = left
        return None, 0

    def _converse(self, problem: Problem, bench: _Benchmark) -> bool:
        """Whether the benchmark's own solution passes the problem's tests (vacuously true without usable tests).

        Benchmark tests are few (MBPP has three), so a different function can pass them by chance: a
        letter counter passes ``strlen``'s tests when every input is lower case. A copy of the
        benchmark's code also behaves like it on the problem's own, recorded inputs.
        """
        if not self.two_way:
            return True
        sig = signature(problem)
        names = sig.names if sig else ()
        tests = [test for test in (_positional(test, names) for test in problem.tests) if test is not None]
        tests = [test for test in tests if len(test.args) == bench.arity]
        if not tests:
            return True
        reference = bench.problem
        probe = Problem(kind="function", prompt=reference.prompt, solution=reference.solution, tests=tests,
                        provenance=reference.provenance, entry_point=reference.entry_point)
        verdict = execute(probe, [reference.solution], session=self._session(), limits=self.limits)[0]
        return verdict.passed

    def _session(self) -> Session:
        if self.session is None:
            self.session = Session(self.backend)
        return self.session

    def check(self, problem: Problem) -> tuple[bool, str, str]:
        """(clean?, reason, detail): the benchmark task in the detail of a reject."""
        found = self.overlap(problem)
        if found is not None:
            task, gram = found
            return False, NGRAM_OVERLAP, f"{task}: shares {' '.join(gram)!r}"
        task, unchecked = self.behaviour(problem)
        if task is not None:
            return False, BEHAVIOUR_MATCH, task
        return True, "", f"{unchecked} benchmarks unchecked (time budget spent)" if unchecked else ""

    def decide_one(self, problem: Problem) -> Decision:
        """Clean, or which benchmark it copies."""
        clean, reason, detail = self.check(problem)
        return Decision("" if clean else reason, detail)
