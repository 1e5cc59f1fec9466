"""A small problem set and a scripted completion server for tests of the whole job.

The model behind the server is a test double: a real base model that solves problems takes minutes
per problem on these machines (the slow opt-in test runs the real one). The server, the HTTP client,
the sandbox, Beam and every stage are real. For each prompt it answers with a fixed mix of correct
and wrong bodies, so which problems survive the filter is known in advance.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.problem import Problem, Provenance, write_jsonl
from sandbox.types import FunctionTest

MIT = Provenance(source="test", package="jobfixture", version="1.0", license="MIT")


def _problem(name: str, args_doc: str, doc: str, body: str, cases: list[tuple[list, object]]) -> Problem:
    prompt = f"def {name}({args_doc}):\n    \"\"\"{doc}\"\"\"\n"
    tests = [FunctionTest(args=args, expected=expected) for args, expected in cases]
    return Problem(kind="function", prompt=prompt, solution=body, tests=tests, provenance=MIT,
                   entry_point=name, docstring=doc)


SOLVABLE = [
    _problem("add_one", "x", "Return x plus one.", "    return x + 1\n", [([1], 2), ([41], 42), ([-1], 0)]),
    _problem("shout", "word", "Upper-case a word and add an exclamation mark.", "    return word.upper() + '!'\n",
             [(["hi"], "HI!"), (["a b"], "A B!"), ([""], "!")]),
    _problem("tag", "name, text", "Wrap text in an HTML-like tag called name.",
             "    return '<' + name + '>' + text + '</' + name + '>'\n",
             [(["b", "x"], "<b>x</b>"), (["em", ""], "<em></em>"), (["p", "a b"], "<p>a b</p>")]),
]
# Same code as add_one up to names: dedup keeps one of the two.
DUPLICATE = _problem("increment", "n", "Give n + 1.", "    return n + 1\n", [([1], 2), ([41], 42), ([9], 10)])
# No sample the server gives solves it.
UNSOLVED = _problem("checksum", "text", "Sum of the character codes of text, modulo 97.",
                    "    return sum(ord(c) for c in text) % 97\n",
                    [(["abc"], 3), ([""], 0), (["zz"], 50), (["~"], 29)])
# Depends on hash randomisation: the determinism reruns reject it.
UNSTABLE = _problem("first_of_set", "items", "Some element of the set of items.",
                    "    return next(iter(set(items)))\n", [([["apple", "pear", "fig", "kiwi", "plum"]], "apple")])

PROBLEMS = [*SOLVABLE, DUPLICATE, UNSOLVED, UNSTABLE]
WRONG = "    return None\n"
NOT_PYTHON = "    return (\n"


def write_problems(path: Path) -> Path:
    """The fixture set as a problems file for ``--problems``."""
    with open(path, "w", encoding="utf-8") as handle:
        write_jsonl(PROBLEMS, handle)
    return path


def scripted_complete(request: dict) -> list[dict]:
    """Every third choice is the reference body for solvable prompts; the rest are wrong or broken."""
    references = {p.prompt: p.solution for p in [*SOLVABLE, DUPLICATE]}
    right = references.get(request["prompt"])
    choices = []
    for index in range(int(request.get("n", 1))):
        wrong = WRONG if index % 2 else NOT_PYTHON
        text = right if right is not None and index % 3 == 0 else wrong
        choices.append({"index": index, "text": text + "\ndef unrelated():\n    pass\n", "logprobs": None,
                        "finish_reason": "stop"})
    return choices
