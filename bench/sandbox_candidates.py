"""The sandbox bench's one problem, its limits, and its fixed mix of correct, wrong and raising candidates."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.types import FunctionTest, Limits, Task

LIMITS = Limits()
SEED = 20240601

CORRECT = (
    "    return a + b\n",
    "    return b + a\n",
    "    result = a + b\n    return result\n",
    "    return sum((a, b))\n",
)
WRONG = ("    return a - b\n", "    return a * b\n", "    pass\n", "    return a + b + 1\n")
RAISING = (
    "    return a + c\n",  # NameError
    "    return (a + b) // 0\n",  # ZeroDivisionError
    "    raise NotImplementedError\n",
    "    return a +\n",  # SyntaxError
)


PROBLEM = Task(
    prompt='def add(a, b):\n    """Add two numbers."""\n',
    entry_point="add",
    tests=[
        FunctionTest(args=[1, 2], expected=3),
        FunctionTest(args=[-1, 1], expected=0),
        FunctionTest(args=[0, 0], expected=0),
        FunctionTest(args=[10, -3], expected=7),
        FunctionTest(args=[123456789, 987654321], expected=1111111110),
    ],
)


@dataclass(frozen=True)
class Candidate:
    """One completion and whether the bench built it to pass."""

    body: str
    meant_to_pass: bool


def make_candidates(count: int, seed: int = SEED) -> list[Candidate]:
    """About 75% correct, 15% wrong, 10% raising or not compiling, in a fixed shuffled order."""
    correct = round(count * 0.75)
    wrong = round(count * 0.15)
    raising = count - correct - wrong
    pool = [Candidate(CORRECT[i % len(CORRECT)], True) for i in range(correct)]
    pool += [Candidate(WRONG[i % len(WRONG)], False) for i in range(wrong)]
    pool += [Candidate(RAISING[i % len(RAISING)], False) for i in range(raising)]
    random.Random(seed).shuffle(pool)
    return pool
