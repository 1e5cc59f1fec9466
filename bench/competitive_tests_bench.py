"""Generated-tests benchmark: how many wrong programs that pass the samples do generated tests catch?

Seven purpose-built tasks (our own statements), each with two correct solutions, as a scraper would
find accepted ones, and wrong programs that pass every sample: plausible bugs (the last element for
the maximum, sorting for reversing, a rounded average, duplicated square-root divisors, ...). Each
task goes through ``process_task`` with the real sandbox; then every wrong program is judged twice
in one run, against the samples only and against samples plus generated tests, and both correct
solutions must still pass. Its LAST line is one JSON object: wrong programs caught by each, the
catch rates, generated tests per task, and the seconds the generation cost
against the seconds of the sample check alone. Two wrong programs are wrong only at the edge of the
bounds (an array of 40 or more, both numbers at the maximum), which mutations of small samples
rarely reach: they show what generated tests do not catch.

    python bench/competitive_tests_bench.py [--backend bwrap]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Iterator, Sequence

from pipelines.sources.competitive import Options, SandboxChecker, process_task
from scrapers.types import Sample, Submission, TaskPage, TaskRef

READ_ARRAY = "n = int(input())\na = list(map(int, input().split()))\n"
TASKS = {
    "maximum": (
        "Print the largest of $n$ integers.", "$n$ ($1 \\le n \\le 50$), then $a_i$ ($-1000 \\le a_i \\le 1000$).",
        "Print the largest.", [("3\n1 2 5\n", "5\n"), ("4\n-3 0 2 9\n", "9\n")],
        [READ_ARRAY + "print(max(a))\n", READ_ARRAY + "print(sorted(a)[-1])\n"],
        [READ_ARRAY + "print(a[-1])\n", READ_ARRAY + "print(max(a[1:]))\n",
         READ_ARRAY + "print(max(a, key=abs))\n",
         READ_ARRAY + "print(max(a) if n < 40 else 0)\n"],  # wrong only for long arrays: mutations stay short
    ),
    "pair_sums": (
        "For each of $t$ pairs print $a+b$.", "$t$ ($1 \\le t \\le 10$), then pairs ($-1000 \\le a, b \\le 1000$).",
        "Print $t$ lines.", [("3\n1 2\n10 20\n-5 5\n", "3\n30\n0\n"), ("1\n100 23\n", "123\n")],
        ["for _ in range(int(input())):\n    a, b = map(int, input().split())\n    print(a + b)\n",
         "import sys\nd = list(map(int, sys.stdin.read().split()))\nprint(*[x + y for x, y in zip(d[1::2], d[2::2])],"
         " sep='\\n')\n"],
        ["for _ in range(int(input())):\n    a, b = map(int, input().split())\n    print(abs(a + b))\n",
         "for _ in range(int(input())):\n    a, b = map(int, input().split())\n    print((a + b) % 200)\n",
         # wrong only when both numbers sit at the upper bound
         "for _ in range(int(input())):\n    a, b = map(int, input().split())\n"
         "    print(a + b if a + b < 2000 else 0)\n"],
    ),
    "count_evens": (
        "Count the even numbers among $a_1, \\ldots, a_n$.", "$n$ ($1 \\le n \\le 20$), then $a_i$ "
        "($1 \\le a_i \\le 100$).", "Print the count.", [("5\n1 2 3 4 6\n", "3\n"), ("2\n1 3\n", "0\n")],
        [READ_ARRAY + "print(sum(1 for x in a if x % 2 == 0))\n",
         READ_ARRAY + "print(len(a) - sum(x & 1 for x in a))\n"],
        [READ_ARRAY + "print(n - len({x for x in a if x % 2}))\n",
         READ_ARRAY + "print(sum(1 for x in a if x % 2 == 0 and x < 10))\n"],
    ),
    "reverse": (
        "Print the string $s$ reversed.", "$n$ ($1 \\le n \\le 20$), then $s$ of $n$ lowercase letters.",
        "Print the reversed string.", [("5\nabcde\n", "edcba\n"), ("3\nxyz\n", "zyx\n")],
        ["input()\nprint(input()[::-1])\n", "input()\nprint(''.join(reversed(input())))\n"],
        ["input()\nprint(''.join(sorted(input(), reverse=True)))\n",
         "input()\ns = input()\nprint(s[::-1] if len(set(s)) == len(s) else s)\n"],
    ),
    "divisors": (
        "Print every divisor of $n$.", "One integer $n$ ($1 \\le n \\le 1000$).", "Print the divisors in any order.",
        [("12\n", "1 2 3 4 6 12\n"), ("7\n", "1 7\n")],
        ["n = int(input())\nprint(*[d for d in range(1, n + 1) if n % d == 0])\n",
         "n = int(input())\nprint(*[d for d in range(n, 0, -1) if n % d == 0])\n"],
        ["n = int(input())\nr = [d for d in range(1, int(n ** 0.5) + 1) if n % d == 0]\n"
         "print(*r, *[n // d for d in r])\n",
         "n = int(input())\nprint(*[d for d in range(1, n + 1) if n % d == 0 and (d <= 7 or d == n)])\n"],
    ),
    "average": (
        "Print the mean of $n$ integers.", "$n$ ($1 \\le n \\le 10$), then $a_i$ ($1 \\le a_i \\le 100$).",
        "Print the mean. Your answer is considered correct if its absolute or relative error does not exceed "
        "$10^{-6}$.", [("2\n1 2\n", "1.5\n"), ("3\n1 1 1\n", "1.0\n")],
        [READ_ARRAY + "print(sum(a) / n)\n", READ_ARRAY + "print(f'{sum(a) / n:.9f}')\n"],
        [READ_ARRAY + "print(round(sum(a) / n, 1))\n",
         READ_ARRAY + "print(sum(a) // n + (0.5 if sum(a) % n else 0))\n"],
    ),
    "yes_no": (
        "Is $n$ a multiple of three?", "One integer $n$ ($1 \\le n \\le 1000$).",
        "Print YES or NO. You can output the answer in any case (upper or lower).",
        [("9\n", "YES\n"), ("4\n", "NO\n")],
        ["print('YES' if int(input()) % 3 == 0 else 'NO')\n", "print('yes' if int(input()) % 3 == 0 else 'no')\n"],
        ["n = int(input())\nprint('YES' if n % 9 == 0 else 'NO')\n",
         "n = int(input())\nprint('YES' if n in (3, 6, 9) else 'NO')\n"],
    ),
}


class BenchSite:
    """A site whose one task page and solutions are in memory."""

    name = "codeforces"

    def __init__(self, page: TaskPage, sources: Sequence[str]) -> None:
        self.page = page
        self.submissions = [Submission(str(n), f"local:{n}", "Python 3", source) for n, source in enumerate(sources)]

    def list_tasks(self, contests: list[str], rating_min: int | None, rating_max: int | None) -> list[TaskRef]:
        """Not used."""
        return []

    def task_page(self, ref: TaskRef) -> TaskPage:
        """The page."""
        return self.page

    def accepted_python(self, ref: TaskRef) -> Iterator[Submission]:
        """The solutions, without source."""
        yield from (dataclasses.replace(s, source="") for s in self.submissions)

    def submission_source(self, submission: Submission) -> Submission:
        """The solution with its source."""
        return next(s for s in self.submissions if s.id == submission.id)


def main(argv: list[str] | None = None) -> int:
    """Run every task, judge every wrong program both ways, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("bwrap", "docker-runsc"), default="bwrap")
    args = parser.parse_args(argv)
    checker = SandboxChecker(args.backend)
    rows, generated, wrong_total, by_samples, by_generated = [], [], 0, 0, 0
    seconds_generate = seconds_samples = 0.0
    correct_pass = True
    try:
        for name, (legend, input_spec, output_spec, samples, correct, wrong) in TASKS.items():
            page = TaskPage(f"local:{name}", name, (("", legend), ("Input", input_spec), ("Output", output_spec)),
                            tuple(Sample(i, o) for i, o in samples), 1.0, 256, False, "bench")
            ref = TaskRef("codeforces", "bench", name, name, page.url)
            started = time.monotonic()
            only = process_task(BenchSite(page, correct), ref, checker, Options(generated_tests=0))
            seconds_samples += time.monotonic() - started
            started = time.monotonic()
            full = process_task(BenchSite(page, correct), ref, checker, Options())
            seconds_generate += time.monotonic() - started
            sample_problem, problem = only.kept[0], full.kept[0]
            caught_samples = sum(not v.passed for v in checker.check(sample_problem, wrong))
            caught_generated = sum(not v.passed for v in checker.check(problem, wrong))
            correct_pass &= all(v.passed for v in checker.check(problem, correct))
            count = problem.meta["tests"]["generated"]
            generated.append(count)
            wrong_total += len(wrong)
            by_samples += caught_samples
            by_generated += caught_generated
            rows.append((name, count, len(wrong), caught_samples, caught_generated))
            print(f"{name:12} generated {count:2}  wrong {len(wrong)}  caught by samples {caught_samples}  "
                  f"with generated {caught_generated}  judging {problem.meta['judging']}", flush=True)
    finally:
        checker.close()
    summary = {
        "tasks": len(TASKS), "wrong_programs": wrong_total,
        "caught_by_samples": by_samples, "caught_with_generated": by_generated,
        "catch_rate_samples": round(by_samples / wrong_total, 3),
        "catch_rate_generated": round(by_generated / wrong_total, 3),
        "wrong_passing_samples_only": wrong_total - by_samples,
        "wrong_passing_with_generated": wrong_total - by_generated,
        "generated_tests_mean": round(sum(generated) / len(generated), 1),
        "correct_solutions_still_pass": correct_pass,
        "seconds_with_generation": round(seconds_generate, 2), "seconds_samples_only": round(seconds_samples, 2),
        "time_ratio_generation_vs_samples": round(seconds_generate / max(seconds_samples, 1e-9), 2),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
