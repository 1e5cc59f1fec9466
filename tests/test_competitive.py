"""Scraped tasks become problems: the solve() wrapper, the per-task stages, and the command end to end."""

from __future__ import annotations

import ast
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines import build_sft
from pipelines.funnel import Stage
from pipelines.outputs.report import check_funnel
from pipelines.problem import Problem, Provenance
from pipelines.problems.solve_wrapper import (
    ENTRY_POINT,
    candidate_bodies,
    exec_body,
    function_prompt,
    inline_body,
    normalise_output,
)
from pipelines.sources.competitive import Options, Reason, process_task, statement_text
from sandbox.execute import execute
from sandbox.session import Session
from sandbox.types import FunctionTest, StdioTest, Verdict
from scrapers.types import Sample, Submission, TaskPage, TaskRef
from tests.fake_sites import FakeSite, serve
from tests.site_worlds import atcoder_world, codeforces_world

# ---- the solve() wrapper -----------------------------------------------------------------------


def test_normalised_output_drops_trailing_whitespace_only() -> None:
    assert normalise_output("1 2 \n  3\t\n\n\n") == "1 2\n  3"
    assert normalise_output("a\r\nb\r\n") == "a\nb"
    assert normalise_output("") == ""


def test_prompt_is_a_signature_with_the_statement_as_docstring() -> None:
    statement = 'Given $a \\le b$, print """ and a backslash \\ too.\n\n```\n1 2\n```'
    prompt = function_prompt(statement)
    assert prompt.startswith("def solve(stdin: str) -> str:\n")
    function = ast.parse(prompt + "    pass\n").body[0]
    docstring = ast.get_docstring(function)
    assert docstring.startswith("Given $a \\le b$") and "```\n1 2\n```" in docstring
    assert docstring.endswith("no trailing newline.")


def test_inline_body_rewrites_global_and_refuses_what_indenting_would_change() -> None:
    program = "total = 0\ndef add(v):\n    global total\n    total += v\nadd(2)\nprint(total)\n"
    body = inline_body(program)
    assert body is not None and "nonlocal total" in body and "global" not in body
    assert inline_body('print("""a\nb""")\n') is None  # a multi-line string would gain indentation
    assert inline_body("from math import *\nprint(floor(2.5))\n") is None
    assert inline_body("print(1\n") is None
    assert inline_body("def f():\n    global undefined_here\n    undefined_here = 1\nf()\n") is None
    assert list(candidate_bodies('print("""a\nb""")\n')) == ["exec"]
    assert "__name__ = \"__main__\"" in inline_body('if __name__ == "__main__":\n    print(1)\n')


TEST_PROVENANCE = Provenance(source="test")
PROGRAMS = {
    "input": "n = int(input())\nprint(*[n * i for i in range(3)])\n",
    "readline": "import sys\ninput = sys.stdin.readline\nn = int(input())\nprint(n, end='  \\n\\n')\n",
    "read-all": "import sys\ndata = sys.stdin.read().split()\nprint(sum(map(int, data)))\n",
    "buffer": "import sys\nn = int(sys.stdin.buffer.readline())\nsys.stdout.write(str(n * 2) + '\\n')\n",
    "open-zero": "print(len(open(0).read().split()))\n",
    "open-zero-bytes": "print(len(open(0, 'rb').read().split()))\n",
    "main-guard": "def main():\n    print(int(input()) + 1)\n\nif __name__ == '__main__':\n    main()\n",
    "global": "best = 0\ndef see(v):\n    global best\n    best = max(best, v)\nfor x in input().split():\n"
              "    see(int(x))\nprint(best)\n",
    "exit": "import sys\nprint(7)\nsys.exit(0)\nprint(8)\n",
    "recursion": "import sys\nsys.setrecursionlimit(10000)\n"
                 "def depth(k):\n    return 0 if k == 0 else 1 + depth(k - 1)\nprint(depth(int(input())))\n",
    "class": "class Acc:\n    def __init__(self):\n        self.v = 0\n    def add(self, x):\n        self.v += x\n"
             "a = Acc()\nfor t in input().split():\n    a.add(int(t))\nprint(a.v)\n",
    "multiline-string": 'print("""x\ny""")\n',
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Session]:
    with Session("bwrap") as live:
        yield live


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_every_body_of_a_program_matches_the_program_in_the_sandbox(sandbox: Session, name: str) -> None:
    program = PROGRAMS[name]
    stdins = ["1 2 3\n", "7 -1\n"] if name in ("read-all", "global", "class", "open-zero", "open-zero-bytes") else (
        ["5\n", "40\n"])
    stdio = Problem("stdio", "", program, [StdioTest(s, "", "exact") for s in stdins], TEST_PROVENANCE)
    printed = execute(stdio, [program], session=sandbox)[0].outputs
    assert all(record["stdout"].strip() for record in printed), printed
    tests = [FunctionTest(args=[s], expected=normalise_output(record["stdout"]))
             for s, record in zip(stdins, printed, strict=True)]
    function = Problem("function", function_prompt("Statement."), "", tests, TEST_PROVENANCE, entry_point=ENTRY_POINT)
    bodies = candidate_bodies(program)
    verdicts = execute(function, list(bodies.values()), session=sandbox)
    assert all(v.passed for v in verdicts), {w: v.reason for w, v in zip(bodies, verdicts, strict=True)}
    assert ("inline" in bodies) == (name != "multiline-string")


def test_exec_body_runs_as_main(sandbox: Session) -> None:
    problem = Problem("function", function_prompt("x"), "", [FunctionTest(args=[""], expected="__main__")],
                      TEST_PROVENANCE, entry_point=ENTRY_POINT)
    assert execute(problem, [exec_body("print(__name__)\n")], session=sandbox)[0].passed


# ---- process_task with an in-memory site -------------------------------------------------------


class MemorySite:
    """A site whose pages are already parsed: for the stage logic without HTTP."""

    name = "codeforces"

    def __init__(self, page: TaskPage, submissions: list[Submission]) -> None:
        self.page = page
        self.submissions = submissions
        self.sources_fetched = 0

    def list_tasks(self, contests, rating_min, rating_max):  # noqa: ANN001, ANN201
        return []

    def task_page(self, ref: TaskRef) -> TaskPage:
        return self.page

    def accepted_python(self, ref: TaskRef) -> Iterator[Submission]:
        yield from (Submission(s.id, s.url, s.language) for s in self.submissions)

    def submission_source(self, submission: Submission) -> Submission:
        self.sources_fetched += 1
        return next(s for s in self.submissions if s.id == submission.id)


class PassFirstChecker:
    """Passes exactly the candidates equal to ``good`` (the sandbox is tested elsewhere in this file)."""

    def __init__(self, good: set[str]) -> None:
        self.good = good
        self.calls: list[tuple[str, int]] = []

    def check(self, problem: Problem, candidates: list[str]) -> list[Verdict]:
        self.calls.append((problem.kind, len(candidates)))
        return [Verdict("passed") if c in self.good or problem.kind == "function" else Verdict("wrong_answer", "x")
                for c in candidates]


REF = TaskRef("codeforces", "7", "A", "Echo", "http://cf/contest/7/problem/A", 900, ("strings",))
PAGE = TaskPage("http://cf/contest/7/problem/A", "A. Echo", (("", "Print the line."),), (Sample("hi\n", "hi\n"),),
                1.0, 256, False, "2024-05-01T00:00:00Z")


def test_the_first_passing_solution_becomes_the_reference() -> None:
    wrong = Submission("2", "http://cf/s/2", "Python 3", "print('no')\n", fetched_at="t")
    right = Submission("1", "http://cf/s/1", "PyPy 3", "print(input())\n", fetched_at="t")
    checker = PassFirstChecker({right.source})
    outcome = process_task(MemorySite(PAGE, [wrong, right]), REF, checker, Options())
    stdio, function = outcome.kept
    assert stdio.solution == right.source and stdio.meta["solution_id"] == "1"
    assert stdio.provenance.source == "codeforces" and stdio.provenance.url == PAGE.url
    assert stdio.provenance.fetched_at == "2024-05-01T00:00:00Z"
    assert (stdio.meta["rating"], stdio.meta["tags"], stdio.meta["noai"]) == (900, ["strings"], False)
    assert function.meta["stdio_id"] == stdio.id and function.tests[0].expected == "hi"
    assert checker.calls == [("stdio", 2), ("function", 2)] and outcome.wrapper == "inline"


def test_a_noai_solution_page_excludes_the_task_unless_included() -> None:
    marked = Submission("1", "http://cf/s/1", "Python 3", "print(input())\n", noai=True)
    outcome = process_task(MemorySite(PAGE, [marked]), REF, PassFirstChecker({marked.source}), Options())
    assert not outcome.kept and outcome.noai
    assert (outcome.rejects[0].stage, outcome.rejects[0].reason) == (Stage.POLICY, Reason.NOAI_EXCLUDED)
    assert [(c.stage, c.kept, dict(c.rejected)) for c in outcome.counts()] == [
        ("list", 1, {}), ("scrape", 1, {}), ("policy", 0, {"noai_excluded": 1})]
    included = process_task(MemorySite(PAGE, [marked]), REF, PassFirstChecker({marked.source}),
                            Options(include_noai=True))
    assert [p.meta["noai"] for p in included.kept] == [True, True]


def test_a_noai_task_page_stops_before_any_solution_is_fetched() -> None:
    site = MemorySite(dataclasses.replace(PAGE, noai=True), [Submission("1", "u", "Python 3", "x")])
    outcome = process_task(site, REF, PassFirstChecker(set()), Options())
    assert outcome.rejects[0].reason == Reason.NOAI_EXCLUDED and site.sources_fetched == 0


def test_statement_text_has_limits_sections_and_samples() -> None:
    text = statement_text(REF, PAGE)
    assert text.startswith("# A. Echo\n\nTime limit: 1 s per test. Memory limit: 256 MB.\n\nPrint the line.")
    assert "## Sample input 1\n\n```\nhi\n```\n\n## Sample output 1\n\n```\nhi\n```" in text


# ---- the command, end to end -------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> Iterator[FakeSite]:
    site = FakeSite()
    codeforces_world(site)
    atcoder_world(site)
    with serve(site):
        yield site


def command(world: FakeSite, site: str, out: Path, cache: Path, *extra: str) -> list[str]:
    api = "/api" if site == "codeforces" else "/problems-api"
    return ["--source", "competitive", "--stage", "problems", "--site", site, "--out", str(out),
            "--cache-dir", str(cache), "--base-url", world.url(""), "--api-url", world.url(api),
            "--min-interval", "0", "--backoff", "0.01", "--workers", "1",
            "--rating-max", "2000", *extra]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def read_problems(path: Path) -> list[Problem]:
    """Kept problems by task, the stdio form first (the file is in id order)."""
    problems = [Problem.from_dict(line) for line in read_jsonl(path)]
    return sorted(problems, key=lambda p: (p.meta["task"], p.kind != "stdio"))


def task_of(record: dict) -> str:
    """A reject's task: the subject of a task reject, the task in a rejected problem's meta."""
    return record["problem"]["meta"]["task"] if record["problem"] else record["subject"]


def test_codeforces_end_to_end_then_a_rerun_from_the_cache(world: FakeSite, tmp_path: Path, capsys) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert build_sft.run(command(world, "codeforces", out, cache)) == 0
    assert "11/11 tasks done, 1 kept" in capsys.readouterr().err
    report = json.loads((out / "report.json").read_text())

    kept = read_problems(out / "problems.jsonl")
    assert [(p.kind, p.meta["task"]) for p in kept] == [("stdio", "codeforces:2001A"), ("function", "codeforces:2001A")]
    stdio, function = kept
    assert stdio.provenance.source == "codeforces" and stdio.provenance.url == world.url("/contest/2001/problem/A")
    assert stdio.meta["solution_url"] == world.url("/contest/2001/submission/900001")
    assert "$1 \\le t \\le 100$" in stdio.prompt and "Time limit: 2 s" in stdio.prompt
    assert stdio.tests[0] == StdioTest("3\n1 2\n10 20\n-5 5\n", "3\n30\n0\n", "tokens")
    assert function.entry_point == "solve" and function.meta["wrapper"] == "inline"
    # Two accepted solutions pass the samples: tests generated from mutated samples join them.
    assert stdio.meta["tests"] == {"samples": 2, "generated": 20, "solutions": 2} and len(stdio.tests) == 22
    assert len(function.tests) == 22 and stdio.meta["judging"] == {"compare": "tokens"}

    rejects = [r for r in read_jsonl(out / "rejects.jsonl") if r["stage"] not in ("determinism", "decontamination")]
    assert sorted((task_of(r), r["stage"], r["reason"]) for r in rejects) == [
        ("codeforces:2001B", "policy", "noai_excluded"),
        ("codeforces:2001C", "scrape", "missing_samples"),
        ("codeforces:2001D", "scrape", "truncated_html"),
        ("codeforces:2001E", "scrape", "not_found"),
        ("codeforces:2001F", "sandbox", "reference_fails"),
        ("codeforces:2001G", "solution", "no_accepted_python"),
        ("codeforces:2001H", "list", "interactive"),
        ("codeforces:2001I", "policy", "needs_checker"),
        ("codeforces:2001J", "scrape", "interactive"),
        ("codeforces:2003A", "list", "contest_not_finished"),
    ]
    failing = Problem.from_dict(next(r["problem"] for r in rejects if r["stage"] == "sandbox"))
    assert "expected '10\\n', got '6\\n'" in failing.verdicts[-1].detail and "900011" in failing.verdicts[-1].detail
    (site,) = report["sites"]
    assert site["tasks"] == {"listed": 11, "attempted": 11}
    assert site["generated_tests"] == {"problems": 1, "with_generated": 1, "total": 20, "per_problem": {"20": 1},
                                       "samples_only": {}}
    assert site["noai"] == {"seen": 1, "excluded": 1, "included": 0, "rejected_later": 0}
    assert report["totals"]["stdio"] == 1 and report["totals"]["function"] == 1
    funnel = {row["stage"]: row for row in report["funnel"]}
    assert funnel["scrape"]["rejected"] == {"interactive": 1, "missing_samples": 1, "not_found": 1,
                                            "truncated_html": 1}
    assert funnel["policy"]["rejected"] == {"needs_checker": 1, "noai_excluded": 1}
    assert (funnel["list"]["in"], funnel["sandbox"]["kept"], funnel["function_form"]["kept"]) == (11, 1, 1)
    assert check_funnel(report) == [] and funnel["license"]["in"] == 2

    # What was kept passes in the sandbox; the rejected reference does not.
    with Session("bwrap") as live:
        assert all(v.passed for p in kept for v in execute(p, [p.solution], session=live))
        assert not execute(failing, [failing.solution], session=live)[0].passed

    names = ("problems.jsonl", "rejects.jsonl", "report.json", "codex_s.jsonl")
    before = {name: (out / name).read_bytes() for name in names}
    requests = len(world.hits)
    again = tmp_path / "again"  # a new run (nothing stored) over the same HTTP cache
    assert build_sft.run(command(world, "codeforces", again, cache)) == 0
    assert len(world.hits) == requests, [h.path for h in world.hits[requests:]]
    progress = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[competitive")]
    assert progress[-1].startswith("[competitive codeforces] 11/11 tasks done") and ", 0 requests, " in progress[-1]
    assert {name: (again / name).read_bytes() for name in names} == before


def test_noai_pages_are_kept_and_marked_with_the_flag(world: FakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build_sft.run(command(world, "codeforces", out, tmp_path / "cache", "--include-noai", "--contests",
                                 "2001", "--max-problems", "2")) == 0
    kept = read_problems(out / "problems.jsonl")
    assert [(p.kind, p.meta["index"], p.meta["noai"]) for p in kept] == [
        ("stdio", "A", False), ("function", "A", False), ("stdio", "B", True), ("function", "B", True)]
    assert kept[3].meta["wrapper"] == "inline" and "__name__ = \"__main__\"" in kept[3].solution
    (site,) = json.loads((out / "report.json").read_text())["sites"]
    assert site["noai"]["included"] == 1 and site["tasks"]["attempted"] == 2


def test_atcoder_end_to_end(world: FakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build_sft.run(command(world, "atcoder", out, tmp_path / "cache", "--contests", "abc901")) == 0
    kept = read_problems(out / "problems.jsonl")
    assert [(p.kind, p.meta["task"]) for p in kept] == [
        ("stdio", "atcoder:abc901/A"), ("function", "atcoder:abc901/A"),
        ("stdio", "atcoder:abc901/B"), ("function", "atcoder:abc901/B"),
    ]
    evens = kept[2]
    assert evens.meta["memory_mb"] == 256 and evens.meta["solution_language"] == "Python (CPython 3.11.4)"
    assert evens.provenance.url == world.url("/contests/abc901/tasks/abc901_b?lang=en")
    assert "## Constraints" in evens.prompt and "$1 \\leq N \\leq 100$" in evens.prompt
    rejects = sorted((task_of(r), r["stage"], r["reason"]) for r in read_jsonl(out / "rejects.jsonl"))
    assert rejects == [
        ("atcoder:abc901/C", "scrape", "unpaired_samples"),
        ("atcoder:abc901/D", "solution", "no_accepted_python"),
        ("atcoder:abc901/E", "policy", "noai_excluded"),
        ("atcoder:abc901/F", "scrape", "interactive"),
    ]
    # Count Evens' only Python solution is on the second page of its submission list.
    assert evens.meta["solution_id"] == "41000005"
    assert world.count("/contests/abc901/submissions?f.Task=abc901_b&f.LanguageName=Python&f.Status=AC&page=2") == 1
    options = json.loads((out / "options.json").read_text())
    assert options["stage"] == "problems" and options["competitive"]["contests"] == ["abc901"]


def test_ci_source_without_projects_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert build_sft.run(["--source", "ci", "--out", str(tmp_path)]) == 2
    assert "--source ci needs --packages, --repos or --package-list" in capsys.readouterr().err
    assert build_sft.run(["--source", "all", "--out", str(tmp_path)]) == 2
    with pytest.raises(SystemExit):
        build_sft.run(["--site", "leetcode"])


def test_atcoder_through_the_main_job(world: FakeSite, tmp_path: Path) -> None:
    """The Beam job takes the site as a source: every scraped problem reaches the model filter or says why not."""
    from tests.model_fixtures import CompletionServer, choice

    echo = "import sys\nprint(sys.stdin.read().strip())\n"
    with CompletionServer(lambda request: [choice(echo, i) for i in range(request["n"])]) as server:
        out = tmp_path / "job"
        argv = command(world, "atcoder", out, tmp_path / "cache", "--contests", "abc901", "--stage", "all",
                       "--model", server.url, "--model-backend", "http", "-n", "3", "--workers", "1",
                       "--work", str(tmp_path / "work"))
        assert build_sft.run(argv) == 0
    kept = read_jsonl(out / "problems.jsonl")
    rejects = read_jsonl(out / "rejects.jsonl")
    filtered = [r for r in rejects if r["stage"] == "filter"]
    # The four problems of the scrape reached the filter (one request each) and were judged there.
    assert len(kept) + len(filtered) == 4 == len(server.requests)
    assert all(r["reason"] == "no_sample_passes" for r in filtered)
    assert {(task_of(r), r["stage"]) for r in rejects} >= {
        ("atcoder:abc901/C", "scrape"), ("atcoder:abc901/D", "solution")}
    stages = [row["stage"] for row in json.loads((out / "report.json").read_text())["funnel"]]
    assert stages.index("scrape") < stages.index("filter")
    prompts = [request["prompt"] for request in server.requests]
    assert sum(p.startswith('"""\n# ') for p in prompts) == 2 and sum(p.startswith("def solve(") for p in prompts) == 2
