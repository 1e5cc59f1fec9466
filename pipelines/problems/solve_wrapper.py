"""The ``function`` form of a stdio program: ``solve(stdin: str) -> str`` wrapping the program.

``solve`` swaps ``sys.stdin`` and ``sys.stdout`` for in-memory text files (over bytes, so that
``sys.stdin.buffer`` and ``sys.stdout.buffer`` work too), runs the program, restores both, and
returns what it printed normalised by ``normalise_output``: trailing whitespace removed from
every line and trailing blank lines dropped. The expected value is the sample output normalised the
same way, compared exactly where the stdio test compares plain tokens, and otherwise as the stdio
test does (tokens with its tolerance and case flag, or the problem's checker, which comes along).

Two bodies complete the prompt; the first that passes the samples in the sandbox is kept:

- ``inline``: the program's own lines, indented into ``solve`` (``global`` becomes ``nonlocal``,
  since the program's top-level names become ``solve``'s locals, and a local ``__name__`` keeps a
  ``__main__`` guard true). It reads as ordinary code, which is what a training example should be.
  It does not fit programs with multi-line strings (indenting would change them) or ``import *``.
- ``exec``: the program as a string literal, run by ``exec`` as ``__main__`` in a fresh namespace.
  It fits almost anything; its only weakness is that it reads as a string.

``open(0)`` (a common way to read all of stdin) is shimmed when the program uses it.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from pipelines.problem import Problem
from sandbox import wire
from sandbox.types import FunctionTest, StdioTest

ENTRY_POINT = "solve"
CONTRACT = (
    "Read the whole input from `stdin` and return what the program prints,\n"
    "with trailing whitespace removed from every line and no trailing newline."
)
_OPEN_ZERO = re.compile(r"\bopen\(\s*0\s*[,)]")
# Tokens whose text is a literal: indenting a line inside one of them would change the value.
_LITERAL_TOKENS = {tokenize.STRING} | ({tokenize.FSTRING_MIDDLE} if hasattr(tokenize, "FSTRING_MIDDLE") else set())
_SWAP_IN = '''\
    import io
    import sys
    saved_stdio = sys.stdin, sys.stdout
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
    sys.stdout = captured = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
'''
_OPEN_SHIM = '''\
    def open(file, mode="r", *args, **kwargs):
        if file == 0:  # open(0) reads standard input
            return sys.stdin.buffer if "b" in mode else sys.stdin
        return io.open(file, mode, *args, **kwargs)
'''
_AS_SCRIPT = '    __name__ = "__main__"  # the program runs as a script\n'
_SWAP_OUT = '''\
    except SystemExit:
        pass
    finally:
        captured.flush()
        sys.stdin, sys.stdout = saved_stdio
    printed = captured.buffer.getvalue().decode("utf-8", "replace")
    return "\\n".join(line.rstrip() for line in printed.rstrip().split("\\n"))
'''


def normalise_output(text: str) -> str:
    """What ``solve`` returns for a program that printed ``text``."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").rstrip().split("\n"))


def function_prompt(statement: str) -> str:
    """``def solve(stdin: str) -> str:`` with the statement and the output contract as its docstring."""
    doc = f"{statement.strip()}\n\n{CONTRACT}".replace('"""', '\\"\\"\\"')
    lines = [("    " + line) if line.strip() else "" for line in doc.split("\n")]
    # A raw docstring keeps TeX (``$a \le b$``) readable; the text never ends in a backslash here.
    quote = 'r"""' if "\\" in doc else '"""'
    return f"def {ENTRY_POINT}(stdin: str) -> str:\n    {quote}" + "\n".join(lines).lstrip() + '\n    """\n'


def _multiline_strings_or_globals(source: str) -> tuple[bool, list[tuple[int, int]]]:
    """Whether a string spans lines, and where each ``global`` keyword is (row, col)."""
    spanning = False
    globals_at = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in _LITERAL_TOKENS and token.start[0] != token.end[0]:
            spanning = True
        elif token.type == tokenize.NAME and token.string == "global":
            globals_at.append(token.start)
    return spanning, globals_at


def _has_star_import(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names) for node in ast.walk(tree)
    )


def _reads_name(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.Name) and node.id == "__name__" for node in ast.walk(tree))


def inline_body(program: str) -> str | None:
    """The program indented into ``solve``, or None where that would change what it does."""
    try:
        tree = ast.parse(program)
        spanning, globals_at = _multiline_strings_or_globals(program)
    except (SyntaxError, tokenize.TokenError, ValueError):
        return None
    if spanning or _has_star_import(tree):
        return None
    lines = program.replace("\r\n", "\n").split("\n")
    for row, col in reversed(globals_at):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + "nonlocal" + line[col + len("global"):]
    code = "\n".join(("        " + line) if line.strip() else "" for line in lines).rstrip() + "\n"
    shim = _OPEN_SHIM if _OPEN_ZERO.search(program) else ""
    if _reads_name(tree):  # a local __name__ makes the program's main guard see a script
        shim += _AS_SCRIPT
    body = _SWAP_IN + shim + "    try:\n" + code + _SWAP_OUT
    return body if _compiles(body) else None


def exec_body(program: str) -> str:
    """The program as a string, run by ``exec`` as ``__main__`` with the standard streams swapped."""
    shim = _OPEN_SHIM if _OPEN_ZERO.search(program) else ""
    names = '{"__name__": "__main__", "open": open}' if shim else '{"__name__": "__main__"}'
    return (
        f"    program = {program!r}\n" + _SWAP_IN + shim + "    try:\n"
        f'        exec(compile(program, "<program>", "exec"), {names})\n' + _SWAP_OUT
    )


def _compiles(body: str) -> bool:
    try:
        compile(function_prompt("x") + body, "<solve>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def candidate_bodies(program: str) -> dict[str, str]:
    """The bodies to try, best first: ``inline`` where it fits, then ``exec``."""
    bodies = {}
    inline = inline_body(program)
    if inline is not None:
        bodies["inline"] = inline
    bodies["exec"] = exec_body(program)
    return bodies


def function_problem(stdio: Problem, statement: str, body: str, wrapper: str) -> Problem:
    """The function form of a stdio problem, with its tests as ``solve`` tests judged alike."""
    tests = [function_test(test) for test in stdio.tests if isinstance(test, StdioTest)]
    return Problem(
        kind="function",
        prompt=function_prompt(statement),
        solution=body,
        tests=tests,
        provenance=stdio.provenance,
        entry_point=ENTRY_POINT,
        docstring=statement,
        meta={**stdio.meta, "form": "function", "wrapper": wrapper, "stdio_id": stdio.id},
        checker=stdio.checker,
    )


def function_test(test: StdioTest) -> FunctionTest:
    """A stdio test as a ``solve`` test: exact where tokens compare plainly, else compared as the stdio test is."""
    args, expected = [wire.encode(test.stdin)], wire.encode(normalise_output(test.stdout))
    if test.compare == "checker":
        return FunctionTest(args=args, expected=expected, compare="checker")
    if test.compare == "tokens" and (test.rel_tol or test.abs_tol or test.ignore_case):
        return FunctionTest(args=args, expected=expected, compare="tokens", rel_tol=test.rel_tol,
                            abs_tol=test.abs_tol, ignore_case=test.ignore_case)
    return FunctionTest(args=args, expected=expected)
