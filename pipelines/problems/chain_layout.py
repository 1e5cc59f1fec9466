"""The text of a chain's turns: each turn's context and prompt, cut from its single problem.

A function turn's prompt is its signature and docstring; its context is what its problem's prompt
has before them. A method turn keeps its class problem's layout (R2E): the class with the target
last. Consecutive turns on one class share that class, written once: the first turn's prompt is
the class without any of the group's targets, then its own target's signature and docstring; each
later turn's prompt is only its target's (indented) signature and docstring, so the model writes it
inside the same class, on top of the methods written before. A class whose turns are apart (another
turn between them) would have to be written twice, and is not laid out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from pipelines.problem import Problem
from pipelines.problems.records import lines_of
from pipelines.problems.standalone import first_line

CLASS_SPLIT = "class_turns_apart"
NOT_LAID_OUT = "turn_prompt_not_found"


@dataclass(frozen=True)
class TurnText:
    """One turn's context (module statements it needs), prompt and reference."""

    context: str
    prompt: str
    reference: str
    cls: str  # the class a method turn is written in, "" for a function


def class_in(qualname: str) -> str:
    """The class of a method's qualified name (``Class.method``), "" for a function's."""
    return qualname.partition(".")[0] if "." in qualname else ""


def class_of(problem: Problem) -> str:
    """The class a method problem belongs to, "" for a function problem."""
    return class_in(problem.entry_point or "")


def _function_text(problem: Problem) -> TurnText:
    """A function problem's prompt split into its context and the signature with docstring."""
    marker = f"def {problem.entry_point}("
    at = problem.prompt.rfind("\n" + marker)
    at = at + 1 if at >= 0 else (0 if problem.prompt.startswith(marker) else -1)
    if at < 0:
        raise ValueError(f"{problem.entry_point}: no signature in the prompt")
    return TurnText(problem.prompt[:at].rstrip("\n"), problem.prompt[at:], problem.solution, "")


def _class_node(problem: Problem) -> ast.ClassDef:
    """The class of a method problem: the last statement of its prompt completed by its solution."""
    tree = ast.parse(problem.prompt + problem.solution)
    node = tree.body[-1] if tree.body else None
    if not isinstance(node, ast.ClassDef) or node.name != class_of(problem):
        raise ValueError(f"{problem.entry_point}: the prompt does not end in its class")
    return node


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _class_turn(problem: Problem, later: set[str]) -> TurnText:
    """The first turn of a class: the class without the methods of ``later`` turns, the target last."""
    node = _class_node(problem)
    lines = lines_of(problem.prompt)
    start = first_line(node)
    dropped: set[int] = set()  # 1-based line numbers left out
    for member in node.body[:-1]:
        named = isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and member.name in later
        if named or (not isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and _names(member) & later):
            first = first_line(member)
            dropped.update(range(first, member.end_lineno + 1))
            if first - 2 >= 0 and not lines[first - 2].strip():
                dropped.add(first - 1)  # the blank line before it
    kept = [line for number, line in enumerate(lines[start - 1:], start) if number not in dropped]
    return TurnText("".join(lines[:start - 1]).rstrip("\n"), "".join(kept), problem.solution, node.name)


def _later_method_turn(problem: Problem) -> TurnText:
    """A later turn of a class: the target's own signature and docstring, indented in the class."""
    node = _class_node(problem)
    lines = lines_of(problem.prompt)
    target = node.body[-1]
    return TurnText("".join(lines[:first_line(node) - 1]).rstrip("\n"), "".join(lines[first_line(target) - 1:]),
                    problem.solution, node.name)


def turn_texts(problems: list[Problem]) -> list[TurnText] | tuple[str, str]:
    """Each turn's text in order, or (reason, detail) when the turns cannot be laid out."""
    classes = [class_of(problem) for problem in problems]
    for index, cls in enumerate(classes):
        if cls and cls in classes[:index] and classes[index - 1] != cls:
            return CLASS_SPLIT, cls
    texts: list[TurnText] = []
    try:
        for index, (problem, cls) in enumerate(zip(problems, classes, strict=True)):
            if not cls:
                texts.append(_function_text(problem))
            elif index and classes[index - 1] == cls:
                texts.append(_later_method_turn(problem))
            else:
                group = [p for p, c in zip(problems[index + 1:], classes[index + 1:], strict=True)]
                group = group[:next((i for i, p in enumerate(group) if class_of(p) != cls), len(group))]
                later = {(p.entry_point or "").partition(".")[2] for p in group}
                texts.append(_class_turn(problem, later))
    except (SyntaxError, ValueError) as exc:
        return NOT_LAID_OUT, str(exc)[:200]
    return texts


def _read_when_run(statement: ast.stmt) -> set[str]:
    """Names a top-level statement reads when it runs (not those in function bodies, which run later)."""
    functions = ast.FunctionDef | ast.AsyncFunctionDef

    def header(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
        return [*node.decorator_list, node.args, *([node.returns] if node.returns else [])]

    if isinstance(statement, functions):
        parts: list[ast.AST] = header(statement)
    elif isinstance(statement, ast.ClassDef):
        parts = [*statement.decorator_list, *statement.bases, *statement.keywords]
        for member in statement.body:
            parts += header(member) if isinstance(member, functions) else [member]
    else:
        parts = [statement]
    return {node.id for part in parts for node in ast.walk(part) if isinstance(node, ast.Name)}


def without_classes(context: str, classes: set[str]) -> tuple[str, str]:
    """The context without the classes that method turns write themselves (a function turn's problem
    brings its values' class in full), and the first class that another statement of the context
    reads when it runs (before the turn defines it), else ""."""
    tree = ast.parse(context)
    kept = [s for s in tree.body if not (isinstance(s, ast.ClassDef) and s.name in classes)]
    if len(kept) == len(tree.body):
        return context, ""
    read = set().union(*(_read_when_run(statement) for statement in kept)) & classes
    if read:
        return context, sorted(read)[0]
    return "\n\n".join(ast.get_source_segment(context, s) or ast.unparse(s) for s in kept), ""
