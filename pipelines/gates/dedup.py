"""Dedup: drop problems whose code another problem already has, keeping the best-tested copy.

Two rules, applied in order over problems ranked best first (most tests, then longest docstring,
then smallest id), so the outcome does not depend on the order of the input:

- ``exact_duplicate``: the same normalised AST. The code (the target function or method alone, without
  the context its prompt gives; the program of a stdio one) is parsed, docstrings
  are dropped (comments and layout never reach the AST), and the entry function's own name, its
  parameters and its local names are renamed canonically in order of first appearance, so
  ``def f(xs): return [x for x in xs]`` and ``def g(items): return [i for i in items]`` are the
  same problem.
- ``near_duplicate``: Jaccard similarity >= ``threshold`` of the token shingles of the same
  normalised code unparsed with its docstrings, so a changed comment or a renamed local costs
  nothing and a changed line costs a few shingles. MinHash LSH proposes candidate pairs; the exact
  Jaccard of the shingle sets confirms them, so the result does not hinge on hash collisions.

Problems are compared only with problems of the same kind: the stdio and function forms of one
competitive task are meant to coexist.
"""

from __future__ import annotations

import ast
import hashlib
import re
import warnings
from enum import StrEnum

from datasketch import MinHash, MinHashLSH

from pipelines.funnel import Stage
from pipelines.gates.base import KEEP, Decision, Gate
from pipelines.problem import Problem, dumps


class Reason(StrEnum):
    """Why dedup drops a problem."""

    EXACT_DUPLICATE = "exact_duplicate"
    NEAR_DUPLICATE = "near_duplicate"


EXACT_DUPLICATE, NEAR_DUPLICATE = Reason.EXACT_DUPLICATE.value, Reason.NEAR_DUPLICATE.value

SHINGLE = 5
_TOKEN = re.compile(r"\w+|[^\w\s]")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)
# Nodes that bind the name in their ``name`` field.
_NAMED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler, ast.MatchAs, ast.MatchStar)


def _parse(source: str) -> ast.Module | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
        try:
            return ast.parse(source)
        except (SyntaxError, ValueError):
            return None


def _strip_docstrings(tree: ast.Module) -> None:
    """Drop the docstring of the module and of every function and class, in place."""
    for node in ast.walk(tree):
        if not isinstance(node, _SCOPES) or not node.body:
            continue
        first = node.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            node.body = node.body[1:] or [ast.Pass()]


def _bound_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Names the function binds itself, in order of first appearance (its ``global``/``nonlocal`` excluded)."""
    declared_outside = {
        name for node in ast.walk(function) if isinstance(node, ast.Global | ast.Nonlocal) for name in node.names
    }
    seen: dict[str, None] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.arg):
            seen.setdefault(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            seen.setdefault(node.id)
        elif isinstance(node, _NAMED) and node is not function and node.name:
            seen.setdefault(node.name)
        elif isinstance(node, ast.alias) and (node.asname or "." not in node.name):
            seen.setdefault(node.asname or node.name)
    return [name for name in seen if name not in declared_outside]


class _Renamer(ast.NodeTransformer):
    """Applies a name mapping to every place a name can stand."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def _new(self, name: str | None) -> str | None:
        return self.mapping.get(name, name) if name else name

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self._new(node.arg)
        self.generic_visit(node)
        return node

    def _visit_named(self, node: ast.AST) -> ast.AST:
        node.name = self._new(node.name)
        self.generic_visit(node)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_named
    visit_ExceptHandler = visit_MatchAs = visit_MatchStar = _visit_named

    def visit_alias(self, node: ast.alias) -> ast.alias:
        bound = node.asname or ("" if "." in node.name else node.name)
        if bound in self.mapping:
            node.asname = self.mapping[bound]
        return node


def _canonical_names(tree: ast.Module, entry_point: str | None) -> None:
    """Rename the entry function, its parameters and its locals to ``_f``, ``_v0``, ``_v1``... in place."""
    function = next(
        (node for node in tree.body
         if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == entry_point),
        None,
    )
    if function is None:
        return
    local = {name: f"_v{index}" for index, name in enumerate(_bound_names(function)) if name != entry_point}
    renamer = _Renamer({**local, entry_point: "_f"})
    renamer.visit(function)
    # The entry's own name may also be used at module level (aliases, registries).
    module_level = _Renamer({entry_point: "_f"})
    for node in tree.body:
        if node is not function:
            module_level.visit(node)


def _code(problem: Problem) -> str:
    """The code compared: the program, or the entry function or method alone, without the context the prompt
    gives before it (the problems of one module share their helpers, which say nothing about the target:
    ``is_snakecase`` and ``is_kebabcase`` with the same four helpers were near duplicates)."""
    if problem.kind != "function":
        return problem.solution
    code = problem.prompt + problem.solution
    owner, _, name = (problem.entry_point or "").rpartition(".")
    tree = _parse(code)
    scope = tree.body if tree else []
    if owner:
        classes = [node for node in scope if isinstance(node, ast.ClassDef) and node.name == owner]
        scope = classes[-1].body if classes else []
    found = [node for node in scope if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name]
    return ast.unparse(found[-1]) if found else code


def _normal_tree(problem: Problem, docstrings: bool) -> ast.Module | None:
    tree = _parse(_code(problem))
    if tree is not None:
        if not docstrings:
            _strip_docstrings(tree)
        if problem.kind == "function":
            _canonical_names(tree, (problem.entry_point or "").rpartition(".")[2])
    return tree


def normalised(problem: Problem, docstrings: bool = False) -> str:
    """The problem's code with canonical names (and without docstrings unless asked), as source text."""
    tree = _normal_tree(problem, docstrings)
    return ast.unparse(tree) if tree is not None else " ".join(_code(problem).split())


def exact_key(problem: Problem) -> str:
    """Hash of the kind and the normalised AST: equal for problems that differ only in names, docstrings, layout."""
    tree = _normal_tree(problem, docstrings=False)
    text = ast.dump(tree, annotate_fields=False) if tree is not None else " ".join(_code(problem).split())
    return hashlib.sha256(f"{problem.kind}\0{text}".encode()).hexdigest()


def shingles(problem: Problem, size: int = SHINGLE) -> frozenset[str]:
    """Token ``size``-grams of the normalised code with docstrings (one gram for shorter code)."""
    tokens = _TOKEN.findall(normalised(problem, docstrings=True).lower())
    if len(tokens) <= size:
        return frozenset({" ".join(tokens)})
    return frozenset(" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a & b| / |a | b| (1.0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def rank(problem: Problem) -> tuple:
    """Sort key, best copy first: most tests, longest docstring, smallest id (then the record, for ties)."""
    return (-len(problem.tests), -len(problem.docstring), problem.id, dumps(problem))


def decisions(problems: list[Problem], threshold: float = 0.8, num_perm: int = 128) -> list[Decision]:
    """One decision per problem, in input order; a drop's detail is the id of the copy kept for it."""
    groups: dict[str, list[int]] = {}
    for index in sorted(range(len(problems)), key=lambda i: rank(problems[i])):
        groups.setdefault(exact_key(problems[index]), []).append(index)
    # Each exact group's best copy, in rank order (dicts keep insertion order); near-duplicates among them.
    indexes: dict[str, MinHashLSH] = {}
    kept_shingles: list[frozenset[str]] = []
    kept_problems: list[Problem] = []
    result: list[Decision] = [KEEP] * len(problems)
    for group in groups.values():
        head = problems[group[0]]
        grams = shingles(head)
        signature = MinHash(num_perm=num_perm)
        signature.update_batch([gram.encode() for gram in sorted(grams)])
        index = indexes.setdefault(head.kind, MinHashLSH(threshold=threshold, num_perm=num_perm))
        best: tuple[float, int] | None = None
        for number in sorted(index.query(signature)):
            similarity = jaccard(grams, kept_shingles[number])
            if similarity >= threshold and (best is None or similarity > best[0]):
                best = (similarity, number)
        if best is None:
            index.insert(len(kept_problems), signature)
            kept_shingles.append(grams)
            kept_problems.append(head)
            survivor = head
        else:
            survivor = kept_problems[best[1]]
            result[group[0]] = Decision(Reason.NEAR_DUPLICATE, survivor.id)
        for copy in group[1:]:
            result[copy] = Decision(Reason.EXACT_DUPLICATE, survivor.id)
    return result


class DedupGate(Gate):
    """Exact and near duplicates across every source; sees all problems at once."""

    stage = Stage.DEDUP
    Reason = Reason

    def __init__(self, threshold: float = 0.8, num_perm: int = 128) -> None:
        self.threshold, self.num_perm = threshold, num_perm

    def decide(self, problems: list[Problem]) -> list[Decision]:
        """Duplicates dropped, the best-ranked copy of each kept."""
        return decisions(problems, self.threshold, self.num_perm)


def dedup(problems: list[Problem], threshold: float = 0.8, num_perm: int = 128) -> tuple[list[Problem], list[Problem]]:
    """(kept, rejected problems with their verdicts), each in rank order."""
    result = DedupGate(threshold, num_perm).run(sorted(problems, key=rank))
    return result.kept, [Problem.from_dict(reject.problem) for reject in result.rejects]
