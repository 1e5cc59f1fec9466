"""More tests than the samples, CodeContests' way: mutate sample inputs, keep those all solutions agree on.

Samples alone let wrong programs pass. Here each sample input is mutated (numbers changed within the
bounds the statement states, arrays shuffled or resized with their length fixed up, strings edited),
every solution that passed the samples runs on every mutated input in the sandbox, and an input is
kept only when all of them exit cleanly and agree, outputs compared as the problem compares (tokens
with its tolerance and case, or its checker). The reference's output becomes the expected one.

Mutations are drawn from a generator seeded by the task, so a rerun makes the same tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

from sandbox.checkers import run_checks
from sandbox.judge import stdout_matches
from sandbox.session import Session
from sandbox.types import Limits, StdioTest, Task

MAX_GENERATED = 20
# Inputs tried per test kept: some mutations break the input's structure and are discarded.
TRIES_PER_TEST = 2
_INT = re.compile(r"[+-]?\d+")
_NUMBER = r"(-?\s*\d+(?:\.\d+)?(?:\s*(?:\\cdot|\\times|×|\*)\s*10\s*\^\s*\{?\s*\d+\s*\}?|\s*\^\s*\{?\s*\d+\s*\}?)?)"
_LE = r"\s*(?:\\leq?q?|\\leqslant|≤|<=)\s*"
_BOUND = re.compile(_NUMBER + _LE + r"[^$≤\n]{1,60}?" + _LE + _NUMBER)


def _number(text: str) -> int | None:
    """``10^9``, ``2 \\cdot 10^5``, ``-10^{18}``, ``100`` as an int."""
    text = re.sub(r"\s+", "", text).replace("{", "").replace("}", "")
    match = re.fullmatch(r"(-?)(\d+(?:\.\d+)?)(?:(?:\\cdot|\\times|×|\*)10\^(\d+)|\^(\d+))?", text)
    if not match:
        return None
    sign, base, times_exp, power = match.groups()
    if times_exp:
        value = float(base) * 10 ** int(times_exp)
    elif power:
        value = float(base) ** int(power)
    else:
        value = float(base)
    return int(-value if sign else value)


def read_bounds(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Every ``lo <= ... <= hi`` the statement states, e.g. ``$1 \\le n \\le 2 \\cdot 10^5$``."""
    bounds = []
    for text in texts:
        for match in _BOUND.finditer(text.replace("$", " ")):
            low, high = _number(match.group(1)), _number(match.group(2))
            if low is not None and high is not None and low <= high:
                bounds.append((low, high))
    return bounds


@dataclass
class _Token:
    text: str
    protected: bool = False  # a length or count that other tokens depend on


def _lines(sample: str) -> list[list[_Token]]:
    lines = [[_Token(text) for text in line.split()] for line in sample.rstrip("\n").split("\n")]
    for previous, line in zip(lines, lines[1:], strict=False):
        sizes = {len(line)} | ({len(line[0].text)} if len(line) == 1 else set())
        for token in previous:
            if _INT.fullmatch(token.text) and int(token.text) in sizes:
                token.protected = True
    return lines


def _count_for(lines: list[list[_Token]], row: int, size: int) -> _Token | None:
    """The token on the line above that states ``size`` (an array's length, a string's length)."""
    if row == 0:
        return None
    return next((t for t in reversed(lines[row - 1]) if _INT.fullmatch(t.text) and int(t.text) == size), None)


class Mutator:
    """Makes mutated copies of sample inputs; numbers stay within the statement's bounds where it states them."""

    def __init__(self, bounds: list[tuple[int, int]], rng: random.Random) -> None:
        self.bounds = bounds
        self.rng = rng

    def _interval(self, value: int) -> tuple[int, int]:
        holding = [(low, high) for low, high in self.bounds if low <= value <= high]
        if holding:
            return min(holding, key=lambda pair: pair[1] - pair[0])
        return (0, max(2 * value, 10)) if value >= 0 else (min(2 * value, -10), max(-value, 10))

    def number(self, value: int) -> int:
        """Another value near ``value`` or across its interval, clamped to the interval."""
        low, high = self._interval(value)
        roll = self.rng.random()
        if roll < 0.4:
            new = value + self.rng.choice((-3, -2, -1, 1, 2, 3))
        elif roll < 0.8:
            span = max(abs(value), 10)
            new = self.rng.randint(max(low, value - span), min(high, value + span))
        elif roll < 0.9:
            new = low
        else:
            new = min(high, 10 * abs(value) + 10)
        return max(low, min(high, new))

    def _edit_string(self, text: str) -> str:
        letters = sorted(set(text)) if len(set(text)) > 1 else sorted(set(text) | set(
            string.ascii_lowercase[:3] if text.islower() else string.ascii_uppercase[:3] if text.isupper() else text))
        chars = list(text)
        roll = self.rng.random()
        if roll < 0.5:
            chars[self.rng.randrange(len(chars))] = self.rng.choice(letters)
        elif roll < 0.8:
            self.rng.shuffle(chars)
        else:
            i, j = self.rng.randrange(len(chars)), self.rng.randrange(len(chars))
            chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars)

    def _step(self, lines: list[list[_Token]]) -> None:
        numbers = [t for line in lines for t in line if _INT.fullmatch(t.text) and not t.protected]
        arrays = [row for row, line in enumerate(lines) if len(line) >= 2]
        words = [t for line in lines for t in line if not _INT.fullmatch(t.text) and t.text.isalpha()]
        choices = [name for name, pool in (("number", numbers), ("shuffle", arrays), ("resize", arrays),
                                           ("string", words)) if pool]
        if not choices:
            return
        action = self.rng.choice(choices)
        if action == "number":
            token = self.rng.choice(numbers)
            token.text = str(self.number(int(token.text)))
        elif action == "shuffle":
            line = lines[self.rng.choice(arrays)]
            self.rng.shuffle(line)
        elif action == "resize":
            row = self.rng.choice(arrays)
            line = lines[row]
            count = _count_for(lines, row, len(line))
            if count is None:
                return
            if self.rng.random() < 0.5 and len(line) > 1:
                line.pop(self.rng.randrange(len(line)))
            else:
                model = self.rng.choice(line).text
                text = str(self.number(int(model))) if _INT.fullmatch(model) else model
                line.insert(self.rng.randrange(len(line) + 1), _Token(text))
            new_size = len(line)
            low, high = self._interval(int(count.text))
            if not low <= new_size <= high:
                return
            count.text = str(new_size)
        else:
            token = self.rng.choice(words)
            token.text = self._edit_string(token.text)

    def mutate(self, sample: str) -> str:
        """One mutated copy of a sample input (one to three edits)."""
        lines = _lines(sample)
        for _ in range(self.rng.randint(1, 3)):
            self._step(lines)
        return "\n".join(" ".join(t.text for t in line) for line in lines) + "\n"

    def inputs(self, samples: Sequence[str], count: int) -> list[str]:
        """Up to ``count`` distinct mutated inputs, none equal to a sample, round-robin over the samples."""
        seen, found = set(samples), []
        for attempt in range(count * 10):
            if len(found) >= count or not samples:
                break
            text = self.mutate(samples[attempt % len(samples)])
            if text not in seen:
                seen.add(text)
                found.append(text)
        return found


def seeded_rng(key: str) -> random.Random:
    """A generator seeded by ``key`` (the task), the same on every machine and run."""
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def _printed(response: dict) -> list[str | None]:
    """Per input: the stdout of a run that exited 0 and printed something, else None."""
    outputs: list[str | None] = []
    for run in response["runs"]:
        record = run["records"][0] if run.get("records") else {}
        text = record.get("stdout") if isinstance(record, dict) else None
        clean = run.get("status") == "exited" and run.get("code") == 0 and not record.get("truncated")
        outputs.append(text if clean and isinstance(text, str) and text.strip() else None)
    return outputs


def agreed_outputs(template: StdioTest, checker: str, inputs: list[str], solutions: list[str],
                   session: Session, limits: Limits) -> list[str | None]:
    """Per input, the first solution's output where every solution agrees with it (as the tests compare), else None."""
    wire_inputs = [{"stdin": text} for text in inputs]
    responses = [session.run("stdio", solution, None, wire_inputs, limits) for solution in solutions]
    reference = _printed(responses[0])
    for response in responses[1:]:
        other = _printed(response)
        if template.compare == "checker":
            probe = Task("", None, [StdioTest(text, want or "", "checker") for text, want in zip(
                inputs, reference, strict=True)], kind="stdio", checker=checker)
            findings = run_checks(probe, response, session, limits)
            agree = [findings.get(index) == "" for index in range(len(inputs))]
        else:
            agree = [got is not None and want is not None and stdout_matches(dataclasses.replace(template, stdout=want),
                                                                             got)
                     for want, got in zip(reference, other, strict=True)]
        reference = [want if ok and got is not None else None
                     for want, got, ok in zip(reference, other, agree, strict=True)]
    return reference
