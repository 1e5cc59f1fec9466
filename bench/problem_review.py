"""A review sample of kept problems: print N random ones in full and test their tests with mutants.

For each sampled problem it prints the prompt, the reference body and the tests, then runs, in the
sandbox, the reference and plausible wrong bodies made from it (a comparison flipped, an
arithmetic operator swapped, an integer constant off by one, a boolean operator swapped, the
body's last return replaced by ``return None``), and counts how many of them the tests reject.
Arm mutants are counted apart: one branch left out (an ``if`` arm or ``else`` arm replaced by
``pass``, a ``try``'s handlers made to re-raise), which is what tests that follow only the path
the package's own suite took let through. The LAST line is one JSON object: ``sampled``,
``references_pass``, ``mutants``, ``mutants_rejected``, ``mutants_rejected_share``,
``problems_with_surviving_mutant``, and ``arm_mutants``, ``arm_mutants_rejected``,
``arm_mutants_rejected_share`` and ``problems_with_surviving_arm_mutant``.

    python bench/problem_review.py OUT/problems.jsonl --sample 30 --seed 13
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's code, whatever the venv's editable install points at

from pipelines.problem import Problem, read_jsonl  # noqa: E402
from sandbox.execute import execute  # noqa: E402

SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
         ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.And: ast.Or, ast.Or: ast.And,
         ast.In: ast.NotIn, ast.NotIn: ast.In}


def _body_tree(problem: Problem) -> tuple[ast.Module, str] | None:
    """The reference body as a module of its own (dedented), and its indentation."""
    indent = problem.solution[: len(problem.solution) - len(problem.solution.lstrip())]
    indent = indent.split("\n")[-1]
    try:
        return ast.parse(textwrap.dedent(problem.solution)), indent
    except SyntaxError:
        return None


def mutants(problem: Problem, limit: int = 6) -> list[tuple[str, str]]:
    """(what changed, body) for up to ``limit`` single-point mutants of the reference body."""
    parsed = _body_tree(problem)
    if parsed is None:
        return []
    tree, indent = parsed
    sites = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sites += [(node.ops, i) for i, op in enumerate(node.ops) if type(op) in SWAPS]
        elif isinstance(node, ast.BinOp | ast.BoolOp) and type(node.op) in SWAPS:
            sites.append((node, "op"))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            sites.append((node, "int"))
    made: list[tuple[str, str]] = []
    for site, where in sites:
        if isinstance(where, int):
            old = site[where]
            site[where] = SWAPS[type(old)]()
            label = f"{type(old).__name__}->{type(site[where]).__name__}"
        elif where == "op":
            old = site.op
            site.op = SWAPS[type(old)]()
            label = f"{type(old).__name__}->{type(site.op).__name__}"
        else:
            old = site.value
            site.value = old + 1
            label = f"{old}->{old + 1}"
        made.append((label, textwrap.indent(ast.unparse(tree), indent) + "\n"))
        if isinstance(where, int):
            site[where] = old
        elif where == "op":
            site.op = old
        else:
            site.value = old
    random.Random(problem.id).shuffle(made)
    made = made[: limit - 1]
    made.append(("return None", f"{indent}return None\n"))
    return made


def arm_mutants(problem: Problem, limit: int = 3) -> list[tuple[str, str]]:
    """(what was left out, body) for up to ``limit`` mutants that each leave out one branch of the reference."""
    parsed = _body_tree(problem)
    if parsed is None:
        return []
    tree, indent = parsed
    sites = [(node, field) for node in ast.walk(tree) if isinstance(node, ast.If)
             for field in ("body", "orelse") if getattr(node, field)]
    sites += [(node, "handlers") for node in ast.walk(tree) if isinstance(node, ast.Try) and node.handlers]
    made: list[tuple[str, str]] = []
    for node, field in sites:
        old = getattr(node, field)
        if field == "handlers":
            setattr(node, field, [ast.ExceptHandler(type=None, name=None, body=[ast.Raise()])])
            label = f"except arms re-raise (line {node.lineno})"
        else:
            setattr(node, field, [ast.Pass()])
            label = f"{'if' if field == 'body' else 'else'} arm left out (line {node.lineno})"
        made.append((label, textwrap.indent(ast.unparse(ast.fix_missing_locations(tree)), indent) + "\n"))
        setattr(node, field, old)
    random.Random(problem.id).shuffle(made)
    return made[:limit]


def show(problem: Problem) -> None:
    """The problem as a trainer would read it."""
    print("=" * 100)
    print(f"{problem.provenance.package} {problem.provenance.path}:{problem.provenance.line} {problem.entry_point} "
          f"{json.dumps({k: v for k, v in problem.meta.items() if k != 'filter'})}")
    print(problem.prompt + "#### reference\n" + problem.solution + "#### tests")
    for test in problem.tests:
        print("  ", json.dumps({k: v for k, v in test.__dict__.items() if v not in (None, {}, 0.0, "exact")})[:300])


def run(argv: Sequence[str] | None = None) -> dict:
    """Sample, show, and try the mutants."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problems", type=Path, help="a problems.jsonl (e.g. the problems bench's OUT)")
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--backend", default="bwrap")
    args = parser.parse_args(argv)
    problems = sorted(read_jsonl(args.problems), key=lambda p: p.id)
    sample = random.Random(args.seed).sample(problems, min(args.sample, len(problems)))
    totals = {"sampled": len(sample), "references_pass": 0, "mutants": 0, "mutants_rejected": 0,
              "problems_with_surviving_mutant": 0, "method_problems": 0, "arm_mutants": 0,
              "arm_mutants_rejected": 0, "problems_with_surviving_arm_mutant": 0}
    for problem in sample:
        show(problem)
        made, arms = mutants(problem), arm_mutants(problem)
        verdicts = execute(problem, [problem.solution, *(body for _, body in made + arms)], backend=args.backend)
        totals["references_pass"] += verdicts[0].passed
        totals["method_problems"] += "." in (problem.entry_point or "")
        for kind, group, results in (("mutants", made, verdicts[1:len(made) + 1]),
                                     ("arm_mutants", arms, verdicts[len(made) + 1:])):
            survived = [label for (label, _), verdict in zip(group, results, strict=True) if verdict.passed]
            totals[kind] += len(group)
            totals[f"{kind}_rejected"] += len(group) - len(survived)
            totals["problems_with_surviving_" + kind.removesuffix("s")] += bool(survived)
            print(f"#### {kind.replace('_', ' ')} rejected {len(group) - len(survived)}/{len(group)}"
                  + (f"; survived: {', '.join(survived)}" if survived else ""))
        print(f"#### reference {verdicts[0].status}")
    for kind in ("mutants", "arm_mutants"):
        totals[f"{kind}_rejected_share"] = round(totals[f"{kind}_rejected"] / max(totals[kind], 1), 3)
    print(json.dumps(totals))
    return totals


if __name__ == "__main__":
    run()
