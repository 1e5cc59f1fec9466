"""Dedup: exact (normalised AST) and near (MinHash) duplicates, the best-tested copy kept, order-free."""

from __future__ import annotations

import itertools
import random

from pipelines.gates.dedup import EXACT_DUPLICATE, NEAR_DUPLICATE, dedup, exact_key, jaccard, normalised, shingles
from pipelines.problem import Problem, Provenance
from sandbox.types import FunctionTest, StdioTest


def function(prompt: str, solution: str, entry_point: str, tests: int = 1, package: str = "pkg") -> Problem:
    """A function problem with ``tests`` made-up tests (their content only has to differ)."""
    return Problem(
        kind="function", prompt=prompt, solution=solution, entry_point=entry_point,
        tests=[FunctionTest(args=[index], expected=index) for index in range(tests)],
        docstring=prompt.partition('"""')[2].partition('"""')[0],
        provenance=Provenance(source="ci", package=package),
    )


WRAP_PROMPT = (
    "def wrap_words(text: str, width: int) -> list[str]:\n"
    '    """Greedily wrap text into lines of at most width characters."""\n'
)
WRAP = """\
    lines = []
    current = ""
    for word in text.split():
        # start a new line when the word does not fit
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        elif current:
            current += " " + word
        else:
            current = word
    if current:
        lines.append(current)
    return lines
"""
# The same function with a renamed local and a changed comment: only names and comments differ.
WRAP_RENAMED = WRAP.replace("current", "line").replace("start a new line when the word does not fit", "flush")
# ... and with one statement written differently as well: no longer the same AST.
WRAP_EDITED = WRAP_RENAMED.replace('line += " " + word', 'line = line + " " + word')
SLUG_PROMPT = 'def slug(title: str) -> str:\n    """Lower-case words of the title joined by hyphens."""\n'
SLUG = "    words = [w for w in title.lower().split() if w.isalnum()]\n    return '-'.join(words)\n"


def verdict(problem: Problem) -> tuple[str, str, str, str]:
    last = problem.verdicts[-1]
    return last.stage, last.verdict, last.reason, last.detail


def test_renamed_local_and_changed_comment_is_a_duplicate_and_the_better_tested_copy_stays() -> None:
    few = function(WRAP_PROMPT, WRAP, "wrap_words", tests=2, package="a")
    many = function(WRAP_PROMPT, WRAP_RENAMED, "wrap_words", tests=5, package="b")
    assert normalised(few) == normalised(many)
    kept, rejected = dedup([few, many])
    assert [p.id for p in kept] == [many.id]
    assert verdict(kept[0]) == ("dedup", "keep", "", "")
    assert [verdict(p) for p in rejected] == [("dedup", "reject", EXACT_DUPLICATE, many.id)]
    assert rejected[0].id == few.id


def test_near_duplicate_pair_is_caught_and_the_better_tested_copy_kept() -> None:
    original = function(WRAP_PROMPT, WRAP, "wrap_words", tests=3)
    edited = function(WRAP_PROMPT, WRAP_EDITED, "wrap_words", tests=4)
    assert exact_key(original) != exact_key(edited)
    assert 0.8 <= jaccard(shingles(original), shingles(edited)) < 1.0
    kept, rejected = dedup([original, edited])
    assert [p.id for p in kept] == [edited.id]
    assert [verdict(p) for p in rejected] == [("dedup", "reject", NEAR_DUPLICATE, edited.id)]
    # A stricter threshold lets the pair through.
    kept, rejected = dedup([original, edited], threshold=0.95)
    assert len(kept) == 2 and not rejected


def test_exact_duplicate_under_another_name_keeps_the_longer_docstring() -> None:
    factorial = function(
        'def factorial(n: int) -> int:\n    """The product 1 * 2 * ... * n; 1 for n below 2."""\n',
        "    return 1 if n < 2 else n * factorial(n - 1)\n", "factorial", tests=3,
    )
    fact = function(
        'def fact(k: int) -> int:\n    """Factorial."""\n',
        "    return 1 if k < 2 else k * fact(k - 1)  # recursion\n", "fact", tests=3,
    )
    kept, rejected = dedup([fact, factorial])
    assert [p.id for p in kept] == [factorial.id]
    assert [verdict(p) for p in rejected] == [("dedup", "reject", EXACT_DUPLICATE, factorial.id)]


def test_equal_copies_keep_the_smallest_id() -> None:
    one = function("def first(x):\n", "    return x * 2\n", "first", package="a")
    two = function("def second(y):\n", "    return y * 2\n", "second", package="b")
    kept, rejected = dedup([one, two])
    smallest = min(one.id, two.id)
    assert [p.id for p in kept] == [smallest]
    assert verdict(rejected[0])[3] == smallest


def test_different_functions_are_both_kept() -> None:
    wrap = function(WRAP_PROMPT, WRAP, "wrap_words")
    slug = function(SLUG_PROMPT, SLUG, "slug")
    # Same shape, different free names: not the same problem.
    offset = function("OFFSET = 3\ndef shift(x):\n", "    return x + OFFSET\n", "shift")
    limit = function("LIMIT = 3\ndef shift(x):\n", "    return x + LIMIT\n", "shift")
    doubled = function("def twice(x):\n", "    return x * 2\n", "twice")
    squared = function("def square(x):\n", "    return x * x\n", "square")
    problems = [wrap, slug, offset, limit, doubled, squared]
    kept, rejected = dedup(problems)
    assert not rejected
    assert sorted(p.id for p in kept) == sorted(p.id for p in problems)


def test_function_and_stdio_forms_are_not_compared() -> None:
    code = "n = int(input())\nprint(n * 2)\n"
    stdio = Problem(kind="stdio", prompt="Double it.", solution=code, tests=[StdioTest("2\n", "4\n")],
                    provenance=Provenance(source="atcoder"))
    same_text = Problem(kind="function", prompt="", solution=code, tests=[FunctionTest(args=[], expected=None)],
                        provenance=Provenance(source="atcoder"), entry_point="main")
    kept, rejected = dedup([stdio, same_text])
    assert len(kept) == 2 and not rejected


def test_outcome_does_not_depend_on_input_order() -> None:
    problems = [
        function(WRAP_PROMPT, WRAP, "wrap_words", tests=2, package="a"),
        function(WRAP_PROMPT, WRAP_RENAMED, "wrap_words", tests=2, package="b"),
        function(WRAP_PROMPT, WRAP_EDITED, "wrap_words", tests=2, package="c"),
        function(SLUG_PROMPT, SLUG, "slug", tests=2),
        function(SLUG_PROMPT.replace("slug", "slugify"), SLUG.replace("words", "parts"), "slugify", tests=2),
        function("def twice(x):\n", "    return x * 2\n", "twice"),
    ]
    outcomes = set()
    for order in itertools.islice(itertools.permutations(problems), 0, None, 97):
        kept, rejected = dedup(list(order))
        outcomes.add((tuple(p.id for p in kept), tuple((p.id, verdict(p)) for p in rejected)))
    shuffled = problems[:]
    random.Random(5).shuffle(shuffled)
    kept, rejected = dedup(shuffled)
    outcomes.add((tuple(p.id for p in kept), tuple((p.id, verdict(p)) for p in rejected)))
    assert len(outcomes) == 1
    kept_ids, rejects = outcomes.pop()
    assert len(kept_ids) == 3 and len(rejects) == 3
    # Every reject points at a problem that was kept.
    assert {reject[1][3] for reject in rejects} <= set(kept_ids)


def test_unparsable_code_falls_back_to_its_text() -> None:
    broken = function("def f(x:\n", "    return x\n", "f")
    spaced = function("def  f(x:\n", "    return   x\n", "f")
    kept, rejected = dedup([broken, spaced])
    assert len(kept) == 1 and verdict(rejected[0])[2] == EXACT_DUPLICATE


def test_methods_of_one_class_are_not_duplicates_of_each_other() -> None:
    from pipelines.gates.dedup import decisions as dedup_decisions
    from pipelines.problem import Problem, Provenance
    from sandbox.types import FunctionTest

    members = {
        "total": "return sum(v * self.scale for v in self.values if v > 0)",
        "largest": "best = None\n        for v in self.values:\n"
                   "            best = v if best is None or v > best else best\n        return best",
        "label": "return ', '.join(f'{k}={v}' for k, v in sorted(self.tags.items()))",
    }
    shared = "".join(f"    def helper{i}(self, x):\n        return [x] * {i} + list(range(x))\n\n" for i in range(12))

    def problem(name: str, body: str, owner: str = "Bag") -> Problem:
        others = "".join(f"    def {n}(self):\n        {b}\n\n" for n, b in members.items() if n != name)
        prompt = f"class {owner}:\n    def __init__(self, values):\n        self.values = values\n\n{shared}{others}"
        return Problem(kind="function", prompt=prompt + f"    def {name}(self):\n", solution=f"        {body}\n",
                       tests=[FunctionTest(args=[], expected=1)], provenance=Provenance(source="ci"),
                       entry_point=f"{owner}.{name}")

    same_class = [problem(name, body) for name, body in members.items()]
    assert [d.kept for d in dedup_decisions(same_class)] == [True] * 3  # the shared class is not the problem
    copy = problem("total", members["total"], owner="Other")  # the same method in another class is
    # the same problem: one copy stays (which one is the rank's tie-break, by id)
    assert sorted(d.reason for d in dedup_decisions([same_class[0], copy])) == ["", "exact_duplicate"]


def test_functions_sharing_their_context_are_not_duplicates_of_each_other() -> None:
    # Two small targets after the same long context (pyhumps' is_snakecase and is_kebabcase): the context
    # says nothing about the target, so it is not compared; the same target after another context is.
    helpers = "".join(f"def helper{i}(s):\n    return s.replace('{i}', '-').strip().lower() + str({i})\n\n"
                      for i in range(10))
    snake = function(helpers + "def is_snake(s):\n", "    return s == helper1(s) and '_' in s\n", "is_snake")
    kebab = function(helpers + "def is_kebab(s):\n", "    return s == helper2(s.lower())\n", "is_kebab")
    assert jaccard(shingles(snake), shingles(kebab)) < 0.5
    kept, rejected = dedup([snake, kebab])
    assert len(kept) == 2 and not rejected
    elsewhere = function("def helper1(s):\n    return s\n\ndef is_snake(s):\n",
                         "    return s == helper1(s) and '_' in s\n", "is_snake", tests=3)
    kept, rejected = dedup([snake, elsewhere])
    assert [p.id for p in kept] == [elsewhere.id] and verdict(rejected[0])[2] == EXACT_DUPLICATE
