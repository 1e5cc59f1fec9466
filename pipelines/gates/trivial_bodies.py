"""Bodies a model could write without solving the problem: returning an argument, a conversion of
one, ``self``, ``None``, or nothing. A problem whose tests one such body passes, every test of them,
cannot tell a solution from a stub, so the determinism gate drops it (``tests_pass_a_trivial_body``).

The recorded calls come from the project's common path; for a function like ``_safe_str(obj)`` whose
point is the fallback when ``str(obj)`` fails, the recording holds only calls where ``str(obj)``
works, and ``return str(obj)`` passes them all.
"""

from __future__ import annotations

import ast

# ``[{}]``: a splitter whose recorded inputs never hold the separator (Markdown's ``_split`` of a row without ``|``)
CONVERSIONS = ("{}", "str({})", "list({})", "tuple({})", "len({})", "bool({})", "sorted({})", "[{}]")


def trivial_bodies(prompt: str, entry_point: str, solution: str) -> list[str]:
    """The trivial bodies of the function the prompt ends with, indented as the reference is."""
    indent = solution[: len(solution) - len(solution.lstrip())].split("\n")[-1] or "    "
    try:
        tree = ast.parse(prompt + indent + "pass\n")
    except SyntaxError:
        return []
    name = entry_point.rpartition(".")[2]
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                 and node.name == name]
    if not functions:
        return []
    function = max(functions, key=lambda node: node.lineno)  # the one the prompt ends with
    params = [arg.arg for arg in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)]
    bodies = ["pass", "return None"]
    if params and params[0] == "self":
        bodies.append("return self")
    for param in params:
        if param not in ("self", "cls"):
            bodies += [f"return {form.format(param)}" for form in CONVERSIONS]
    return [f"{indent}{body}\n" for body in bodies]
