"""A real HTTP server on 127.0.0.1 that plays Codeforces and AtCoder, and builders for their pages.

The pages follow the real sites' structure (see shared/notes/sources.md); the statements, samples
and solutions are our own. The server records every request (path with query, monotonic time,
headers) so that tests can check spacing, retries and cache hits from the server's side.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Response:
    """What the server answers: status, body, headers, and a delay before answering."""

    body: str | bytes = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    sleep_s: float = 0.0


Route = Response | Sequence[Response] | Callable[[dict[str, list[str]]], Response]


@dataclass
class Hit:
    """One request as the server saw it."""

    path: str
    at: float
    headers: dict[str, str]


class FakeSite:
    """Routes by exact path-with-query, then by path alone; unknown paths get a 404 page."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.served: dict[str, int] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.base = ""

    def add(self, path: str, route: Route) -> None:
        """Serve ``route`` at ``path``: one response, a sequence (consumed in order, the last repeats) or a function."""
        self.routes[path] = route

    def url(self, path: str) -> str:
        """The full URL of ``path`` on this server."""
        return self.base + path

    def count(self, path: str) -> int:
        """How many requests asked for ``path`` (with its query)."""
        return sum(1 for hit in self.hits if hit.path == path)

    def respond(self, target: str) -> Response:
        """The response for a request target."""
        parts = urlsplit(target)
        with self.lock:
            key = target if target in self.routes else parts.path
            route = self.routes.get(key)
            served = self.served.get(key, 0)
            self.served[key] = served + 1
        if route is None:
            return Response("<html><body><h1>404 Not Found</h1></body></html>", status=404)
        if isinstance(route, Response):
            return route
        if callable(route):
            return route(parse_qs(parts.query))
        return route[min(served, len(route) - 1)]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        site = self.server.site
        with site.lock:
            site.hits.append(Hit(self.path, time.monotonic(), {k.lower(): v for k, v in self.headers.items()}))
        response = site.respond(self.path)
        if response.sleep_s:
            time.sleep(response.sleep_s)
        body = response.body.encode() if isinstance(response.body, str) else response.body
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: FakeSite


@contextmanager
def serve(site: FakeSite) -> Iterator[FakeSite]:
    """Run ``site`` on a free port of 127.0.0.1 for the duration of the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = site
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def json_response(data: object, status: int = 200) -> Response:
    """A JSON body."""
    return Response(json.dumps(data), status=status, content_type="application/json;charset=UTF-8")


# ---- Codeforces ---------------------------------------------------------------------------------

NOAI_META = '<meta name="robots" content="noai, noimageai"/>'


def _cf_pre(text: str, variant: str) -> str:
    lines = text.rstrip("\n").split("\n")
    if variant == "lines":
        return "<pre>" + "".join(
            f'<div class="test-example-line test-example-line-{"even" if n % 2 == 0 else "odd"} '
            f'test-example-line-{n // 2 + 1}">{html.escape(line)}</div>' for n, line in enumerate(lines)
        ) + "</pre>"
    if variant == "text":
        return "<pre>\n" + html.escape(text) + "</pre>"
    return "<pre>" + "<br />".join(html.escape(line) for line in lines) + "<br /></pre>"


def codeforces_problem_page(
    title: str, legend: str, input_spec: str, output_spec: str, samples: Sequence[tuple[str, str]], *,
    variant: str = "lines", note: str = "", time_limit: str = "1 second", memory: str = "256 megabytes",
    noai: bool = False, input_file: str = "standard input", output_file: str = "standard output",
    header: str = "new", interaction: str = "", truncate_at: str = "",
) -> str:
    """A problem page in Codeforces' structure.

    ``variant`` is the samples' layout: ``lines`` (newer), ``br`` (older), ``text`` (plain newlines in
    the ``pre``) or ``split`` (one ``div.sample-test`` per sample). ``header`` ``old`` gives the older
    header (classes ``input-file input-standard`` with a bold style, as pages saying ``stdin`` have).
    ``interaction`` adds an interactive problem's ``div.interaction-specification``.
    """
    pre = "lines" if variant == "split" else variant
    pairs = [
        f'<div class="input"><div class="title">Input</div>{_cf_pre(i, pre)}</div>'
        f'<div class="output"><div class="title">Output</div>{_cf_pre(o, pre)}</div>'
        for i, o in samples
    ]
    tests = "".join(f'<div class="sample-test">{pair}</div>' for pair in pairs) if variant == "split" else (
        f'<div class="sample-test">{"".join(pairs)}</div>')
    samples_title = "Examples" if header == "new" else "Sample test(s)"
    sample_block = (f'<div class="sample-tests"><div class="section-title">{samples_title}</div>{tests}</div>'
                    if samples else "")
    extra = ' input-standard" style="font-weight: bold' if header == "old" else ""
    interaction_block = (f'<div class="interaction-specification"><div class="section-title">Interaction</div>'
                         f'{interaction}</div>' if interaction else "")
    note_block = f'<div class="note"><div class="section-title">Note</div>{note}</div>' if note else ""
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
{NOAI_META if noai else ""}
<title>Problem - Codeforces</title>
</head>
<body>
<div id="body"><div id="pageContent" class="content-with-sidebar">
<div class="problemindexholder" problemindex="A">
<div class="ttypography"><div class="problem-statement">
<div class="header"><div class="title">{title}</div>
<div class="time-limit"><div class="property-title">time limit per test</div>{time_limit}</div>
<div class="memory-limit"><div class="property-title">memory limit per test</div>{memory}</div>
<div class="input-file{extra}"><div class="property-title">input</div>{input_file}</div>
<div class="output-file{extra.replace("input", "output")}"><div class="property-title">output</div>{output_file}</div>
</div>
<div>{legend}</div>
<div class="input-specification"><div class="section-title">Input</div>{input_spec}</div>
<div class="output-specification"><div class="section-title">Output</div>{output_spec}</div>
{interaction_block}
{sample_block}
{note_block}
</div></div></div>
</div></div>
<script type="text/javascript">var x = 1;</script>
</body>
</html>
"""
    return page[: page.index(truncate_at)] if truncate_at else page


def codeforces_submission_page(source: str, noai: bool = False) -> str:
    """A submission page with the code in ``pre#program-source-text``."""
    return f"""<!DOCTYPE html>
<html><head>{NOAI_META if noai else ""}<title>Submission - Codeforces</title></head><body>
<div class="roundbox"><table><tr><th>Author</th><th>Problem</th><th>Lang</th><th>Verdict</th></tr></table></div>
<div class="roundbox" style="padding:0.5em;">
<pre id="program-source-text" class="prettyprint lang-py linenums program-source" style="padding: 0.5em;">\
{html.escape(source)}</pre>
</div></body></html>
"""


def codeforces_submission(number: int, contest: int, index: str, language: str, verdict: str = "OK") -> dict:
    """One row of ``contest.status``."""
    return {
        "id": number, "contestId": contest, "creationTimeSeconds": 1700000000 + number,
        "relativeTimeSeconds": 600,
        "problem": {"contestId": contest, "index": index, "name": "x", "type": "PROGRAMMING"},
        "author": {"contestId": contest, "members": [{"handle": "someone"}], "participantType": "CONTESTANT"},
        "programmingLanguage": language, "verdict": verdict, "testset": "TESTS", "passedTestCount": 10,
        "timeConsumedMillis": 46, "memoryConsumedBytes": 0,
    }


# ---- AtCoder -----------------------------------------------------------------------------------


def _atcoder_part(heading: str, body: str) -> str:
    return f'<div class="part"><section><h3>{heading}</h3>{body}</section></div>'


def atcoder_task_page(
    title: str, statement: str, constraints: str, input_spec: str, output_spec: str,
    samples: Sequence[tuple[str, str]], *, layout: str = "new",
    limits: str = "Time Limit: 2 sec / Memory Limit: 1024 MiB", score: int = 100, drop_output: int = 0,
) -> str:
    """A task page in AtCoder's structure.

    ``layout``: ``new`` (``h3 + pre`` in sections), ``old`` ("Input Example #1", headings outside
    sections), ``copy`` (current pages: a Copy button inside the heading, ``pre#pre-sample0``, and a
    second ``pre`` in the explanation) or ``unilingual`` (the oldest English pages: no ``span.lang``).
    """
    sample_parts = []
    for number, (stdin, stdout) in enumerate(samples, 1):
        if layout == "copy":
            button = '<span class="btn btn-default btn-sm btn-copy" data-toggle="tooltip">Copy</span>'
            sample_parts.append(_atcoder_part(
                f"Sample Input {number} {button}", f'<pre id="pre-sample{2 * number - 2}">{html.escape(stdin)}</pre>'))
            if number != drop_output:
                sample_parts.append(_atcoder_part(
                    f"Sample Output {number} {button}",
                    f'<pre id="pre-sample{2 * number - 1}">{html.escape(stdout)}</pre>'
                    "<p>For example:</p><pre>  a figure\n  not a sample\n</pre>"))
        elif layout in ("new", "unilingual"):
            sample_parts.append(_atcoder_part(f"Sample Input {number}", f"<pre>{html.escape(stdin)}</pre>"))
            if number != drop_output:
                sample_parts.append(_atcoder_part(
                    f"Sample Output {number}", f"<pre>{html.escape(stdout)}</pre><p>Explained in the statement.</p>"))
        else:
            sample_parts.append(
                f'<div class="part"><h3>Input Example #{number}</h3><section>'
                f'<pre class="prettyprint linenums">{html.escape(stdin)}</pre></section></div>')
            if number != drop_output:
                sample_parts.append(
                    f'<div class="part"><h3>Output Example #{number}</h3><section>'
                    f'<pre class="prettyprint linenums">{html.escape(stdout)}</pre></section></div>')
    english = (
        f"<p>Score : <var>{score}</var> points</p>"
        + _atcoder_part("Problem Statement", statement)
        + _atcoder_part("Constraints", constraints)
        + '<hr /><div class="io-style">'
        + _atcoder_part("Input", input_spec)
        + _atcoder_part("Output", output_spec)
        + "</div><hr />"
        + "".join(sample_parts)
    )
    statement_html = english if layout == "unilingual" else f"""<span class="lang">
<span class="lang-ja"><div class="part"><section><h3>問題文</h3><p>日本語の問題文。</p></section></div>
<div class="part"><section><h3>入力例 1</h3><pre>0</pre></section></div></span>
<span class="lang-en">{english}</span>
</span>"""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><div id="main-container" class="container">
<div class="row"><div class="col-sm-12">
<span class="h2">{title} <a class="btn btn-default btn-sm" href="/editorial">Editorial</a></span>
<span id="task-lang-btn" class="pull-right"><span data-lang="ja">JA</span><span data-lang="en">EN</span></span>
<hr/>
<p>{limits}</p>
<div id="task-statement">{statement_html}</div>
</div></div></div></body></html>
"""


ACTIVE = ' class="active"'


def atcoder_submissions_page(contest: str, rows: Sequence[tuple[int, str, str]], page: int = 1, pages: int = 1,
                             query: str = "") -> str:
    """A submission list: ``(id, language, status)`` rows in AtCoder's table structure, page ``page`` of ``pages``."""
    links = "".join(
        f'<li{ACTIVE if n == page else ""}><a href="/contests/{contest}/submissions?{query}page={n}">{n}</a></li>'
        for n in range(1, pages + 1)
    )
    pagination = f'<div class="text-center"><ul class="pagination pagination-sm mt-0 mb-1">{links}</ul></div>'
    pagination = pagination if pages > 1 else ""
    body = "".join(
        f'<tr><td class="no-break"><time class="fixtime fixtime-second">2024-01-01 21:00:00+0900</time></td>'
        f'<td><a href="/contests/{contest}/tasks/{contest}_a">A - Task</a></td>'
        f'<td><a href="/users/someone">someone</a></td>'
        f'<td><a href="/contests/{contest}/submissions?f.Language=5055">{html.escape(language)}</a></td>'
        f'<td class="text-right submission-score" data-id="{number}">100</td><td class="text-right">63 Byte</td>'
        f'<td class="text-center"><span class="label label-success" title="Accepted">{status}</span></td>'
        f'<td class="text-right">27 ms</td><td class="text-right">9152 KB</td>'
        f'<td class="text-center"><a href="/contests/{contest}/submissions/{number}">Detail</a></td></tr>'
        for number, language, status in rows
    )
    return f"""<!DOCTYPE html>
<html><head><title>Submissions</title></head><body>
{pagination}
<div class="table-responsive"><table class="table table-bordered table-striped small th-center">
<thead><tr><th width="12%">Submission Time</th><th>Task</th><th>User</th><th>Language</th><th>Score</th>
<th>Code Size</th><th>Status</th><th>Exec Time</th><th>Memory</th><th></th></tr></thead>
<tbody>{body}</tbody></table></div></body></html>
"""


def atcoder_submission_page(source: str) -> str:
    """A submission page with the code in ``pre#submission-code``."""
    return f"""<!DOCTYPE html>
<html><head><title>Submission</title></head><body>
<div class="col-sm-12"><pre id="submission-code" class="prettyprint linenums">{html.escape(source)}</pre></div>
</body></html>
"""


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
