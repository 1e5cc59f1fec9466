"""Training-set records from kept problems: Codex-S (prompt -> solution) and Codex-D (code -> docstring).

Codex-S (``codex_s_record``) is the problem as it was filtered: the prompt (module context,
signature and docstring, or a stdio statement) and the reference solution as the completion, with
the tests and the filter's pass statistics so a trainer can weight or subset by difficulty.

Codex-D (``codex_d_record``) follows the Codex paper: "signature + reference solution -> docstring".
The prompt is the runnable code without its docstring (the context lines before the signature kept,
the body directly under the signature), then two blank lines and the cue::

    NAME.__doc__ = \"\"\"

The completion is the docstring text, cleaned and dedented (``inspect.cleandoc``, as
``ast.get_docstring`` gives it), and the record's ``stop`` field holds the closing quotes: so
``prompt + completion + stop`` is valid Python that assigns the docstring to the function, and a
trainer appends ``stop`` (or its end-of-text token) to the target. The quotes are ``'''`` when the
text holds ``\"\"\"``, and the string is raw when the text holds a backslash; a docstring no such
literal can reproduce exactly gives no record. The docstring is found with ``ast`` on
prompt + solution (the last top-level function named ``entry_point``, or for a class problem's
``Class.method`` the method in its class), never by string search, so whatever quoting synthesis or
the competitive pipeline used, the cut is exact.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path

from pipelines.outputs.atomic import write_atomic
from pipelines.problem import Problem
from sandbox.types import test_dict

# What of meta["filter"] rides along: everything but the stop list and other sampling switches.
PASS_STAT_KEYS = ("model", "samples", "passes", "pass_at", "best_mean_logprob", "statuses")
SAMPLING_KEYS = ("n", "temperature", "top_p", "max_tokens")


def pass_stats(problem: Problem) -> dict | None:
    """The filter's results for a problem (None when it never reached the filter)."""
    stats = problem.meta.get("filter")
    if not isinstance(stats, dict):
        return None
    kept = {key: stats[key] for key in PASS_STAT_KEYS if key in stats}
    sampling = stats.get("sampling")
    if isinstance(sampling, dict):
        kept["sampling"] = {key: sampling[key] for key in SAMPLING_KEYS if key in sampling}
    return kept


def _common(problem: Problem) -> dict:
    return {
        "id": problem.id,
        "kind": problem.kind,
        "entry_point": problem.entry_point,
        "provenance": dataclasses.asdict(problem.provenance),
        "pass_stats": pass_stats(problem),
    }


def codex_s_record(problem: Problem) -> dict:
    """Prompt (context + signature + docstring, or the statement) -> reference solution, with its tests."""
    record = {
        **_common(problem),
        "prompt": problem.prompt,
        "completion": problem.solution,
        "tests": [test_dict(test) for test in problem.tests],
    }
    if problem.checker:  # tests that compare by "checker" are judged by it
        record["checker"] = problem.checker
    return record


def _entry_function(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The last top-level function ``name``, or for ``Class.method`` that method in the last such class."""
    owner, _, method = name.rpartition(".")
    body = tree.body
    if owner:
        classes = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == owner]
        body = classes[-1].body if classes else []
    found = [node for node in body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == method]
    return found[-1] if found else None


def _doc_target(problem: Problem) -> str:
    """What the Codex-D cue assigns to: the function, or for a class problem the method's function."""
    if problem.meta.get("method_kind") == "classmethod":
        return f"{problem.entry_point}.__func__"
    return str(problem.entry_point)


def split_docstring(source: str, name: str) -> tuple[str, str] | None:
    """(the code with ``name``'s docstring cut out, the cleaned docstring), or None where there is none.

    The cut works on the docstring node's exact span (UTF-8 byte columns, as ``ast`` reports them) and
    only where the docstring has its lines to itself; the result must parse and leave ``name`` with no
    docstring, or there is no split.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    function = _entry_function(tree, name)
    if function is None:
        return None
    docstring = ast.get_docstring(function, clean=True)
    if not docstring or not docstring.strip():
        return None
    node = function.body[0]
    if node.end_lineno is None or node.end_col_offset is None:
        return None
    lines = source.encode("utf-8").splitlines(keepends=True)
    before = lines[node.lineno - 1][: node.col_offset]
    after = lines[node.end_lineno - 1][node.end_col_offset :].strip()
    if before.strip() or (after and not after.startswith(b"#")):
        return None  # shares a line with other code (``def f(): "doc"; ...``): no clean cut
    code = b"".join(lines[: node.lineno - 1] + lines[node.end_lineno :]).decode("utf-8")
    try:
        rest = _entry_function(ast.parse(code), name)
    except (SyntaxError, ValueError):
        return None
    if rest is None or ast.get_docstring(rest) is not None:
        return None  # an empty body, or a second string statement that would become the docstring
    return code, docstring


def _literal(text: str) -> tuple[str, str] | None:
    """(opening, closing) of a string literal that spells ``text`` exactly, or None."""
    prefix = "r" if "\\" in text else ""
    for quote in ('"""', "'''"):
        try:
            if ast.literal_eval(f"{prefix}{quote}{text}{quote}") == text:
                return prefix + quote, quote
        except (SyntaxError, ValueError):
            continue
    return None


def codex_d_record(problem: Problem) -> dict | None:
    """Code without its docstring + ``NAME.__doc__ = \"\"\"`` -> the docstring; None for stdio or no docstring."""
    if problem.kind != "function" or not problem.entry_point:
        return None
    split = split_docstring(problem.prompt + problem.solution, problem.entry_point)
    if split is None:
        return None
    code, docstring = split
    literal = _literal(docstring)
    if literal is None:
        return None
    opening, closing = literal
    prompt = f"{code.rstrip()}\n\n\n{_doc_target(problem)}.__doc__ = {opening}"
    return {**_common(problem), "prompt": prompt, "completion": docstring, "stop": closing}


def write_jsonl_atomic(path: str | Path, records: Iterable[dict]) -> int:
    """Records sorted by id, one JSON object a line, written to a temporary name then renamed.

    Sorted keys and a fixed order make a rerun write identical bytes; the rename means a reader
    never sees half a file. Returns how many records were written.
    """
    path = Path(path)
    # By id first; the whole line breaks ties, so records that share an id still land in a fixed order.
    keyed = sorted(
        (str(record.get("id", "")),
         json.dumps(record, ensure_ascii=False, sort_keys=True, allow_nan=False, separators=(",", ":")))
        for record in records
    )
    write_atomic(path, "".join(line + "\n" for _, line in keyed))
    return len(keyed)


def multi_turn_record(problem: Problem) -> dict:
    """One ``multi_turn.jsonl`` line: the shared context, each turn's prompt, reference and own unit tests
    (a method turn's class, and whether its object is the previous result or built by its constructor),
    the driver and the final tests, provenance and pass statistics."""
    turns = [{"entry_point": turn["entry_point"], "prompt": turn["prompt"], "reference": turn["reference"],
              "fed": turn["fed"], "class": turn.get("class", ""), "receiver": turn.get("receiver", ""),
              "tests": turn["tests"]} for turn in problem.meta["turns"]]
    return {**_common(problem), "context": problem.prompt, "turns": turns, "driver": problem.meta["driver"],
            "tests": [dataclasses.asdict(test) for test in problem.tests], "recordings": problem.meta["recordings"]}


def write_multi_turn(chains: Iterable[Problem], out_dir: str | Path) -> int:
    """``multi_turn.jsonl`` in ``out_dir``, one line per kept chain; returns how many."""
    return write_jsonl_atomic(Path(out_dir) / "multi_turn.jsonl", [multi_turn_record(p) for p in chains])


def write_training_sets(kept: Iterable[Problem], out_dir: str | Path) -> dict[str, int]:
    """``codex_s.jsonl`` and ``codex_d.jsonl`` in ``out_dir``; returns how many records each got."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    problems = list(kept)
    codex_d = [record for record in map(codex_d_record, problems) if record is not None]
    return {
        "codex_s": write_jsonl_atomic(out / "codex_s.jsonl", [codex_s_record(p) for p in problems]),
        "codex_d": write_jsonl_atomic(out / "codex_d.jsonl", codex_d),
    }
