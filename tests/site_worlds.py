"""One contest per site with a task for every path through the competitive pipeline, served by ``FakeSite``."""

from __future__ import annotations

from tests.fake_sites import FakeSite, Response, json_response
from tests.site_pages import (
    atcoder_submission_page,
    atcoder_submissions_page,
    atcoder_task_page,
    codeforces_problem_page,
    codeforces_submission,
    codeforces_submission_page,
)

# ---- Worlds: one contest per site with a task for every path through the pipeline -------------

ROBOTS = "User-agent: *\nDisallow: /private/\n"

CF_SUM = """import sys
input = sys.stdin.readline
t = int(input())
for _ in range(t):
    a, b = map(int, input().split())
    print(a + b)
"""
CF_SUM_PAIRS = """import sys
data = sys.stdin.read().split()
print("\\n".join(str(int(a) + int(b)) for a, b in zip(data[1::2], data[2::2])))
"""
CF_PLATEAU = """def main():
    n = int(input())
    a = list(map(int, input().split()))
    best = run = 1
    for i in range(1, n):
        run = run + 1 if a[i] == a[i - 1] else 1
        best = max(best, run)
    print(best)


if __name__ == "__main__":
    main()
"""
CF_DOUBLE_WRONG = ["print(int(input()) + 1)\n", "print(int(input()) * 3)\n"]


def _cf_problem(index: str, name: str, rating: int | None, tags: list[str], contest: int = 2001) -> dict:
    problem = {"contestId": contest, "index": index, "name": name, "type": "PROGRAMMING", "tags": tags}
    if rating is not None:
        problem["rating"] = rating
    return problem


def codeforces_world(site: FakeSite) -> None:
    """Contest 2001 on a fake Codeforces: API at ``/api``, pages at the root."""
    site.add("/robots.txt", Response(ROBOTS, content_type="text/plain"))
    problems = [
        _cf_problem("A", "Lucky Ticket", 2400, ["brute force"], contest=2002),
        _cf_problem("A", "Early Bird", 800, ["math"], contest=2003),
        _cf_problem("A", "Sum of Pairs", 800, ["math", "implementation"]),
        _cf_problem("B", "Longest Plateau", 1000, ["implementation"]),
        _cf_problem("C", "No Examples", 1100, ["greedy"]),
        _cf_problem("D", "Cut Short", 1200, ["strings"]),
        _cf_problem("E", "Vanished", 1300, ["dp"]),
        _cf_problem("F", "Double It", 1400, ["math"]),
        _cf_problem("G", "Only Cpp", 1500, ["graphs"]),
        _cf_problem("H", "Guess the Number", 1600, ["interactive", "binary search"]),
        _cf_problem("I", "Any Index", 1700, ["constructive algorithms"]),
        _cf_problem("J", "Ask Me", 1800, ["binary search"]),  # interactive, though not tagged so
    ]
    site.add("/api/problemset.problems", json_response({"status": "OK", "result": {
        "problems": problems, "problemStatistics": [{"contestId": 2001, "index": "A", "solvedCount": 10}],
    }}))
    site.add("/api/contest.list", json_response({"status": "OK", "result": [
        {"id": 2003, "name": "Round 3", "type": "CF", "phase": "BEFORE"},
        {"id": 2002, "name": "Round 2", "type": "CF", "phase": "FINISHED"},
        {"id": 2001, "name": "Round 1", "type": "CF", "phase": "FINISHED"},
    ]}))
    rows = [
        codeforces_submission(900013, 2001, "A", "Python 3", "WRONG_ANSWER"),
        codeforces_submission(900012, 2001, "F", "Python 3"),
        codeforces_submission(900011, 2001, "F", "PyPy 3"),
        codeforces_submission(900010, 2001, "A", "Python 2"),
        codeforces_submission(900008, 2001, "G", "Python 3", "WRONG_ANSWER"),
        codeforces_submission(900007, 2001, "G", "GNU C++17"),
        codeforces_submission(900002, 2001, "B", "Python 3"),
        codeforces_submission(900001, 2001, "A", "PyPy 3-64"),
        codeforces_submission(900000, 2001, "A", "Python 3"),
    ]

    def status(query: dict[str, list[str]]) -> Response:
        if query.get("contestId") != ["2001"]:
            return json_response({"status": "FAILED", "comment": "contestId: Contest not found"}, status=400)
        start = int(query.get("from", ["1"])[0]) - 1
        count = int(query.get("count", ["1000"])[0])
        return json_response({"status": "OK", "result": rows[start:start + count]})

    site.add("/api/contest.status", status)
    site.add("/contest/2001/problem/A", Response(codeforces_problem_page(
        "A. Sum of Pairs",
        "<p>You are given $$$t$$$ pairs of integers $$$a$$$ and $$$b$$$. For each pair print $$$a+b$$$.</p>",
        "<p>The first line contains $$$t$$$ ($$$1 \\le t \\le 100$$$). Each of the next $$$t$$$ lines contains "
        "$$$a$$$ and $$$b$$$ ($$$-10^9 \\le a, b \\le 10^9$$$).</p>",
        "<p>Print $$$t$$$ lines.</p>",
        [("3\n1 2\n10 20\n-5 5\n", "3\n30\n0\n"), ("1\n100 23\n", "123\n")],
        variant="lines", note="<p>In the first test, $$$1+2=3$$$.</p>", time_limit="2 seconds",
    )))
    site.add("/contest/2001/problem/B", Response(codeforces_problem_page(
        "B. Longest Plateau",
        "<p>A plateau is a maximal block of equal neighbours. Find the length of the longest one.</p>"
        "$$$$$$\\max_{l \\le r} (r - l + 1)$$$$$$",
        "<p>The first line holds $$$n$$$, the second $$$n$$$ integers.</p>",
        "<p>One integer.</p>",
        [("6\n1 1 2 2 2 3\n", "3\n"), ("1\n7\n", "1\n")],
        variant="br", noai=True,
    )))
    site.add("/contest/2001/problem/C", Response(codeforces_problem_page(
        "C. No Examples", "<p>There are no examples here.</p>", "<p>Nothing.</p>", "<p>Nothing.</p>", [],
    )))
    site.add("/contest/2001/problem/D", Response(codeforces_problem_page(
        "D. Cut Short", "<p>This page stops early.</p>", "<p>n</p>", "<p>n</p>", [("1\n", "1\n")],
        truncate_at='<div class="output-specification">',
    )))
    site.add("/contest/2001/problem/F", Response(codeforces_problem_page(
        "F. Double It", "<p>Print twice the number.</p>", "<p>One integer $$$x$$$.</p>", "<p>$$$2x$$$.</p>",
        [("5\n", "10\n"), ("1\n", "2\n")],
    )))
    site.add("/contest/2001/problem/G", Response(codeforces_problem_page(
        "G. Only Cpp", "<p>Count the vertices.</p>", "<p>n</p>", "<p>n</p>", [("4\n", "4\n")],
    )))
    site.add("/contest/2001/problem/I", Response(codeforces_problem_page(
        "I. Any Index", "<p>Find an index of a largest element.</p>", "<p>$$$n$$$, then $$$n$$$ integers.</p>",
        "<p>Print the index. If there are multiple answers, print any of them.</p>", [("2\n5 5\n", "1\n")],
    )))
    site.add("/contest/2001/problem/J", Response(codeforces_problem_page(
        "J. Ask Me", "<p>Guess the hidden number.</p>", "<p>Nothing.</p>", "<p>Nothing.</p>", [("5\n", "? 3\n")],
        interaction="<p>Print <span class=\"tex-font-style-tt\">? x</span> to ask, then read the reply.</p>",
    )))
    for number, source in ((900001, CF_SUM), (900000, CF_SUM_PAIRS), (900002, CF_PLATEAU),
                           (900012, CF_DOUBLE_WRONG[0]), (900011, CF_DOUBLE_WRONG[1])):
        site.add(f"/contest/2001/submission/{number}", Response(codeforces_submission_page(source)))


AT_REPEAT = "n = int(input())\ns = input()\nprint(s * n)\n"
AT_EVENS = "n, *a = map(int, open(0).read().split())\nprint(sum(1 for x in a if x % 2 == 0))\n"


def atcoder_world(site: FakeSite) -> None:
    """Contest abc901 on a fake AtCoder, with AtCoder Problems' JSON under ``/problems-api``."""
    site.add("/robots.txt", Response(ROBOTS, content_type="text/plain"))
    rows = [
        {"id": f"abc901_{letter}", "contest_id": "abc901", "problem_index": letter.upper(), "name": name,
         "title": f"{letter.upper()}. {name}", "point": 100.0 * (n + 1), "solver_count": 1000 - n}
        for n, (letter, name) in enumerate([("a", "Repeat String"), ("b", "Count Evens"), ("c", "Half Samples"),
                                            ("d", "Only Cpp"), ("e", "Opted Out"), ("f", "Guess")])
    ]
    rows.append({"id": "abc900_a", "contest_id": "abc900", "problem_index": "A", "name": "Too Hard", "point": 100.0})
    site.add("/problems-api/resources/merged-problems.json", json_response(rows))
    site.add("/problems-api/resources/problem-models.json", json_response({
        "abc901_a": {"difficulty": -300.4, "is_experimental": False}, "abc901_b": {"difficulty": 150.0},
        "abc901_c": {"difficulty": 300}, "abc901_d": {"difficulty": 400}, "abc901_e": {"difficulty": 500},
        "abc901_f": {"difficulty": 600},
        "abc900_a": {"difficulty": 3200},
    }))
    site.add("/contests/abc901/tasks/abc901_a", Response(atcoder_task_page(
        "A - Repeat String",
        "<p>Given an integer <var>N</var> and a string <var>S</var>, "
        "print <var>S</var> repeated <var>N</var> times.</p>",
        "<ul><li><var>1 \\leq N \\leq 10</var></li><li><var>S</var> has at most <var>10</var> letters.</li></ul>",
        "<p>Input is given from Standard Input in the following format:</p><pre><var>N</var>\n<var>S</var>\n</pre>",
        "<p>Print the answer.</p>",
        [("3\nab\n", "ababab\n"), ("1\nxyz\n", "xyz\n")],
    )))
    site.add("/contests/abc901/tasks/abc901_b", Response(atcoder_task_page(
        "B - Count Evens",
        "<p>Count the even numbers among <var>A_1, \\ldots, A_N</var>.</p>",
        "<ul><li><var>1 \\leq N \\leq 100</var></li></ul>",
        "<pre><var>N</var>\n<var>A_1</var> <var>\\ldots</var> <var>A_N</var>\n</pre>",
        "<p>Print the count.</p>",
        [("5\n1 2 3 4 6\n", "3\n"), ("2\n1 3\n", "0\n")],
        layout="old", limits="Time Limit: 2 sec / Memory Limit: 256 MB",
    )))
    site.add("/contests/abc901/tasks/abc901_c", Response(atcoder_task_page(
        "C - Half Samples", "<p>Print N.</p>", "<ul><li>tiny</li></ul>", "<pre>N</pre>", "<p>N</p>",
        [("1\n", "1\n"), ("2\n", "2\n")], drop_output=2,
    )))
    site.add("/contests/abc901/tasks/abc901_d", Response(atcoder_task_page(
        "D - Only Cpp", "<p>Print N.</p>", "<ul><li>tiny</li></ul>", "<pre>N</pre>", "<p>N</p>", [("1\n", "1\n")],
    )))
    site.add("/contests/abc901/tasks/abc901_e", Response(atcoder_task_page(
        "E - Opted Out", "<p>Print N.</p>", "<ul><li>tiny</li></ul>", "<pre>N</pre>", "<p>N</p>", [("4\n", "4\n")],
    ), headers={"X-Robots-Tag": "noai"}))
    site.add("/contests/abc901/tasks/abc901_f", Response(atcoder_task_page(
        "F - Guess", "<p>This is an interactive task, where your program and the judge interact.</p>",
        "<ul><li>tiny</li></ul>", "<pre>N</pre>", "<p>N</p>", [("4\n", "4\n")],
    )))
    lists = {  # pages of each task's list; Count Evens' Python solution is on its second page
        "abc901_a": [[(41000003, "Python (CPython 3.11.4)", "WA"), (41000002, "Python (PyPy 3.10-v7.3.12)", "AC")]],
        "abc901_b": [[(41000004, "Python (Cython 0.29.34)", "AC")], [(41000005, "Python (CPython 3.11.4)", "AC")]],
        "abc901_d": [[(41000006, "C++ 20 (gcc 12.2)", "AC"), (41000007, "Python (CPython 3.11.4)", "WA")]],
        "abc901_e": [[(41000008, "Python (CPython 3.11.4)", "AC")]],
    }

    def submissions(query: dict[str, list[str]]) -> Response:
        pages = lists.get(query.get("f.Task", [""])[0], [[]])
        number = int(query.get("page", ["1"])[0])
        rows = pages[number - 1] if number <= len(pages) else []
        return Response(atcoder_submissions_page("abc901", rows, number, len(pages)))

    site.add("/contests/abc901/submissions", submissions)
    for number, source in ((41000002, AT_REPEAT), (41000005, AT_EVENS), (41000008, "print(input())\n")):
        site.add(f"/contests/abc901/submissions/{number}", Response(atcoder_submission_page(source)))
