"""Scraped competitive-programming tasks become problems: a ``stdio`` one and, where it fits, a ``function`` one.

``process_task`` takes one listed task through the stages below and returns what to keep and what
to reject; each reject carries its stage and a reason from a closed set:

- ``list``: the index rules the task out (``interactive``, ``contest_not_finished``);
- ``scrape``: the task page (``not_found``, ``truncated_html``, ``missing_samples``, ...);
- ``policy``: the page or the solution says ``noai`` and ``--include-noai`` was not given, or the
  statement allows several answers that only a problem-specific checker could judge (``needs_checker``);
- ``solution``: no accepted Python 3 submission, or none whose source could be fetched;
- ``sandbox``: no candidate reference passes the samples (``reference_fails``);
- ``function_form``: the stdio problem is kept but no ``solve`` wrapper passes (``wrapper_fails``).

Tests compare as the statement says (``pipelines.problems.judging``), and where two or more solutions
pass the samples, generated tests join them (``pipelines.problems.generated_tests``); ``meta["tests"]``
says how many of each and from how many solutions.

Every reject is a ``Reject``: a task's (subject: its key, ``site:task``) or a problem's (with the problem). The
outcome counts the task at every stage it passed, and the function form among problems.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from pipelines.funnel import Count, Stage, drop, keep
from pipelines.problem import Problem, Provenance, Reject
from pipelines.problems.generated_tests import (
    MAX_GENERATED,
    TRIES_PER_TEST,
    Mutator,
    agreed_outputs,
    read_bounds,
    seeded_rng,
)
from pipelines.problems.judging import Judging, judging_of
from pipelines.problems.solve_wrapper import candidate_bodies, function_problem
from sandbox.execute import execute
from sandbox.session import Session
from sandbox.types import Limits, StdioTest, Verdict
from scrapers.types import ScrapeError, Site, Submission, TaskPage, TaskRef

TASK_STAGES = (Stage.LIST, Stage.SCRAPE, Stage.POLICY, Stage.SOLUTION, Stage.SANDBOX)


class Reason(StrEnum):
    """Reasons of this pipeline's own (the scrapers' are in ``scrapers.types.Reason``)."""

    NOAI_EXCLUDED = "noai_excluded"
    NO_ACCEPTED_PYTHON = "no_accepted_python"
    REFERENCE_FAILS = "reference_fails"
    WRAPPER_FAILS = "wrapper_fails"
    NEEDS_CHECKER = "needs_checker"


class SamplesOnly(StrEnum):
    """Why a problem has no generated tests (``meta["samples_only"]``)."""

    ONE_SOLUTION = "one_solution"
    NONE_AGREED = "none_agreed"
    DISABLED = "disabled"


STDIO_INSTRUCTION = "Write a Python 3 program that reads from standard input and writes to standard output."


class Checker(Protocol):
    """Runs candidates of a problem against its tests (the sandbox, or a fake in unit tests)."""

    def check(self, problem: Problem, candidates: list[str]) -> list[Verdict]:
        """One verdict per candidate."""
        ...

    def agreed_outputs(self, problem: Problem, inputs: list[str], solutions: list[str]) -> list[str | None]:
        """Per input, the first solution's output where all solutions agree, else None."""
        ...


class SandboxChecker:
    """Runs candidates in one live sandbox session shared by every task."""

    def __init__(self, backend: str = "bwrap") -> None:
        self.session = Session(backend)

    @staticmethod
    def limits(problem: Problem) -> Limits:
        """The task's time limit (doubled, at least the default) per test."""
        default = Limits()
        time_limit = float(problem.meta.get("time_limit_s") or 0)
        return Limits(timeout_s=max(default.timeout_s, 2 * time_limit), cpu_s=max(default.cpu_s, int(4 * time_limit)))

    def check(self, problem: Problem, candidates: list[str]) -> list[Verdict]:
        """Verdicts from the sandbox."""
        return execute(problem, candidates, session=self.session, limits=self.limits(problem))

    def agreed_outputs(self, problem: Problem, inputs: list[str], solutions: list[str]) -> list[str | None]:
        """All solutions run on the inputs in the sandbox; outputs compared as the problem's tests compare."""
        return agreed_outputs(problem.tests[0], problem.checker, inputs, solutions, self.session,
                              self.limits(problem))

    def close(self) -> None:
        """Stop the sandbox."""
        self.session.close()


@dataclass(frozen=True)
class Options:
    """Per-task policy: whether ``noai`` pages may be used, and how many accepted solutions to try."""

    include_noai: bool = False
    solutions_per_task: int = 3
    generated_tests: int = MAX_GENERATED  # extra tests per problem at most; 0 keeps the samples only


@dataclass
class Outcome:
    """What one task gave: problems to keep, rejects to write, and what was seen of ``noai``."""

    kept: list[Problem] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    noai: bool = False
    wrapper: str = ""  # "inline", "exec", or "" where no function form was kept

    def counts(self) -> list[Count]:
        """The task at each stage it passed and where it stopped; the function form as a problem."""
        task_reject = next((r for r in self.rejects if r.stage in TASK_STAGES), None)
        stopped = TASK_STAGES.index(Stage(task_reject.stage)) if task_reject else len(TASK_STAGES)
        counts = [keep(stage) for stage in TASK_STAGES[:stopped]]
        if task_reject:
            counts.append(drop(task_reject.stage, task_reject.reason))
            return counts
        form = next((r for r in self.rejects if r.stage == Stage.FUNCTION_FORM), None)
        counts.append(drop(Stage.FUNCTION_FORM, form.reason) if form else keep(Stage.FUNCTION_FORM))
        return counts


def _fenced(text: str) -> str:
    return "```\n" + text + ("" if text.endswith("\n") or not text else "\n") + "```"


def statement_text(ref: TaskRef, page: TaskPage) -> str:
    """The statement as Markdown: title, limits, sections, samples, notes."""
    parts = [f"# {page.title or ref.name}"]
    limits = []
    if page.time_limit_s:
        limits.append(f"Time limit: {page.time_limit_s:g} s per test.")
    if page.memory_mb:
        limits.append(f"Memory limit: {page.memory_mb} MB.")
    if limits:
        parts.append(" ".join(limits))
    parts.extend(f"## {heading}\n\n{text}" if heading else text for heading, text in page.sections)
    for number, sample in enumerate(page.samples, 1):
        parts.append(f"## Sample input {number}\n\n{_fenced(sample.stdin)}")
        parts.append(f"## Sample output {number}\n\n{_fenced(sample.stdout)}")
    parts.extend(f"## {heading}\n\n{text}" for heading, text in page.notes)
    return "\n\n".join(parts)


def stdio_problem(ref: TaskRef, page: TaskPage, solution: Submission, noai: bool,
                  judging: Judging | None = None) -> Problem:
    """The stdio problem: statement as prompt, samples as tests judged per ``judging``, the submission as reference."""
    judging = judging or Judging()
    meta = {
        "form": "stdio", "site": ref.site, "task": ref.key, "contest": ref.contest, "index": ref.index,
        "name": ref.name, "rating": ref.rating, "tags": list(ref.tags), "noai": noai,
        "time_limit_s": page.time_limit_s, "memory_mb": page.memory_mb,
        "solution_id": solution.id, "solution_url": solution.url, "solution_language": solution.language,
        "solution_fetched_at": solution.fetched_at, "judging": judging.meta(), **ref.meta, **page.meta,
    }
    return Problem(
        kind="stdio",
        prompt=f"{statement_text(ref, page)}\n\n{STDIO_INSTRUCTION}\n",
        solution=solution.source,
        tests=[StdioTest(sample.stdin, sample.stdout, judging.compare, judging.rel_tol, judging.abs_tol,
                         judging.ignore_case) for sample in page.samples],
        provenance=Provenance(source=ref.site, package=ref.contest, url=page.url, fetched_at=page.fetched_at),
        meta=meta,
        checker=judging.checker,
    )


def with_generated_tests(stdio: Problem, ref: TaskRef, page: TaskPage, sources: list[str], checker: Checker,
                         limit: int) -> Problem:
    """The problem with up to ``limit`` generated tests on which all ``sources`` agree (the first is the reference)."""
    samples = len(stdio.tests)
    generated: list[StdioTest] = []
    reason = ""
    if len(sources) < 2:
        reason = SamplesOnly.ONE_SOLUTION
    elif limit <= 0:
        reason = SamplesOnly.DISABLED
    else:
        bounds = read_bounds([text for _, text in page.sections])
        inputs = Mutator(bounds, seeded_rng(ref.key)).inputs([test.stdin for test in stdio.tests],
                                                             limit * TRIES_PER_TEST)
        outputs = checker.agreed_outputs(stdio, inputs, sources) if inputs else []
        template = stdio.tests[0]
        generated = [dataclasses.replace(template, stdin=text, stdout=output)
                     for text, output in zip(inputs, outputs, strict=True) if output is not None][:limit]
        reason = "" if generated else SamplesOnly.NONE_AGREED
    meta = {**stdio.meta, "tests": {"samples": samples, "generated": len(generated), "solutions": len(sources)},
            "samples_only": str(reason)}
    return dataclasses.replace(stdio, tests=[*stdio.tests, *generated], meta=meta)


def task_reject(ref: TaskRef, stage: str, reason: str, detail: str = "") -> Reject:
    """A reject record for a task that never became a problem."""
    return Reject(stage, reason, detail, ref.site, ref.contest, ref.key)


def _verdict_summary(subjects: Sequence[str], verdicts: list[Verdict]) -> str:
    return "; ".join(f"{who}: {v.status} {v.reason}".strip() for who, v in zip(subjects, verdicts, strict=True))


def _function_form(stdio: Problem, statement: str, checker: Checker, outcome: Outcome) -> None:
    bodies = candidate_bodies(stdio.solution)
    draft = function_problem(stdio, statement, next(iter(bodies.values())), "")
    verdicts = checker.check(draft, list(bodies.values()))
    for (wrapper, body), verdict in zip(bodies.items(), verdicts, strict=True):
        if verdict.passed:
            problem = function_problem(stdio, statement, body, wrapper)
            outcome.kept.append(problem.with_verdict(Stage.FUNCTION_FORM, "keep"))
            outcome.wrapper = wrapper
            return
    detail = _verdict_summary(list(bodies), verdicts)
    outcome.rejects.append(Reject.of(draft.with_verdict(Stage.FUNCTION_FORM, "reject", Reason.WRAPPER_FAILS, detail)))


def process_task(site: Site, ref: TaskRef, checker: Checker, options: Options) -> Outcome:
    """Take one listed task through scrape, policy, solution and sandbox; see the module docstring."""
    outcome = Outcome()
    if ref.skip:
        outcome.rejects.append(task_reject(ref, Stage.LIST, ref.skip))
        return outcome
    try:
        page = site.task_page(ref)
    except ScrapeError as exc:
        outcome.rejects.append(task_reject(ref, Stage.SCRAPE, exc.reason, exc.detail))
        return outcome
    outcome.noai = page.noai
    if page.noai and not options.include_noai:
        outcome.rejects.append(task_reject(ref, Stage.POLICY, Reason.NOAI_EXCLUDED, "the task page says noai"))
        return outcome
    judging = judging_of(page)
    if judging.needs_checker:
        outcome.rejects.append(task_reject(ref, Stage.POLICY, Reason.NEEDS_CHECKER, judging.needs_checker))
        return outcome
    try:
        found = list(itertools.islice(site.accepted_python(ref), options.solutions_per_task))
    except ScrapeError as exc:
        outcome.rejects.append(task_reject(ref, Stage.SOLUTION, exc.reason, exc.detail))
        return outcome
    if not found:
        outcome.rejects.append(task_reject(ref, Stage.SOLUTION, Reason.NO_ACCEPTED_PYTHON))
        return outcome
    solutions, errors = [], []
    for submission in found:
        try:
            solutions.append(site.submission_source(submission))
        except ScrapeError as exc:
            errors.append(exc)
    if not solutions:
        detail = "; ".join(f"{exc.url}: {exc.reason} {exc.detail}".strip() for exc in errors)
        outcome.rejects.append(task_reject(ref, Stage.SOLUTION, errors[0].reason, detail))
        return outcome
    outcome.noai = page.noai or any(solution.noai for solution in solutions)
    if outcome.noai and not options.include_noai:
        outcome.rejects.append(task_reject(ref, Stage.POLICY, Reason.NOAI_EXCLUDED, "a solution page says noai"))
        return outcome
    drafts = [stdio_problem(ref, page, solution, outcome.noai, judging) for solution in solutions]
    verdicts = checker.check(drafts[0], [solution.source for solution in solutions])
    passed = [draft for draft, verdict in zip(drafts, verdicts, strict=True) if verdict.passed]
    passing = passed[0] if passed else None
    if passing is None:
        detail = _verdict_summary([solution.id for solution in solutions], verdicts)
        outcome.rejects.append(Reject.of(drafts[0].with_verdict(Stage.SANDBOX, "reject", Reason.REFERENCE_FAILS,
                                                                 detail)))
        return outcome
    passing = with_generated_tests(passing, ref, page, [draft.solution for draft in passed], checker,
                                   options.generated_tests)
    stdio = passing.with_verdict(Stage.SANDBOX, "keep")
    outcome.kept.append(stdio)
    _function_form(stdio, statement_text(ref, page), checker, outcome)
    return outcome
