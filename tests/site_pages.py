"""Builders for Codeforces and AtCoder pages, in every layout the scrapers read.

The pages follow the real sites' structure (the public page shapes described in the README's
competitive section); the statements, samples and solutions are our own.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

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
