"""One base for every gate, after datatrove's ``BaseFilter``: a gate only decides; the base does the rest.

A gate subclass names its stage and its closed set of reasons and implements ``decide`` over a
batch of problems (per-problem gates see batches of one; dedup sees everything). The base appends
each problem's verdict, turns drops into ``Reject`` records, refuses a reason outside the gate's
set, and counts what went in, what was kept and what was dropped by reason.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from pipelines.funnel import Count, Stage
from pipelines.problem import Problem, Reject


@dataclass(frozen=True)
class Decision:
    """Keep (no reason) or drop (a reason); ``problem`` replaces the input when the gate added to it."""

    reason: str = ""
    detail: str = ""
    problem: Problem | None = None

    @property
    def kept(self) -> bool:
        """Whether the problem goes on."""
        return not self.reason

    def to_dict(self) -> dict:
        """The JSON form a store keeps."""
        return {"reason": str(self.reason), "detail": self.detail,
                "problem": self.problem.to_dict() if self.problem else None}

    @classmethod
    def from_dict(cls, data: dict) -> Decision:
        """Back from the JSON form."""
        return cls(data["reason"], data["detail"], Problem.from_dict(data["problem"]) if data["problem"] else None)


KEEP = Decision()


@dataclass
class GateResult:
    """What a gate let through, what it dropped (as rejects), and its count."""

    kept: list[Problem]
    rejects: list[Reject]
    count: Count

    def __add__(self, other: GateResult) -> GateResult:
        return GateResult(self.kept + other.kept, self.rejects + other.rejects, self.count + other.count)


class Gate(ABC):
    """Keep, or drop with a reason from ``Reason``; see the module docstring."""

    stage: ClassVar[Stage]
    Reason: ClassVar[type[StrEnum]]

    @abstractmethod
    def decide(self, problems: list[Problem]) -> list[Decision]:
        """One decision per problem, in the order given."""

    def run(self, problems: list[Problem]) -> GateResult:
        """Decide, then append verdicts, route rejects and count."""
        return self.apply(problems, self.decide(problems) if problems else [])

    @classmethod
    def apply(cls, problems: list[Problem], decisions: list[Decision]) -> GateResult:
        """Append verdicts, route rejects and count, for decisions made now or remembered from a store."""
        if len(decisions) != len(problems):
            raise RuntimeError(f"{cls.__name__} decided {len(decisions)} of {len(problems)} problems")
        allowed = {reason.value for reason in cls.Reason}
        result = GateResult([], [], Count(cls.stage))
        for problem, decision in zip(problems, decisions, strict=True):
            current = decision.problem or problem
            if decision.kept:
                result.kept.append(current.with_verdict(cls.stage, "keep", "", decision.detail))
                result.count.kept += 1
                continue
            if decision.reason not in allowed:
                raise ValueError(f"{cls.__name__}: {decision.reason!r} is not one of {sorted(allowed)}")
            rejected = current.with_verdict(cls.stage, "reject", str(decision.reason), decision.detail)
            result.rejects.append(Reject.of(rejected))
            result.count.rejected[str(decision.reason)] += 1
        return result


class PerProblemGate(Gate):
    """A gate that judges each problem on its own (license, determinism, decontamination, the filter)."""

    @abstractmethod
    def decide_one(self, problem: Problem) -> Decision:
        """The decision for one problem."""

    def decide(self, problems: list[Problem]) -> list[Decision]:
        """Each problem on its own."""
        return [self.decide_one(problem) for problem in problems]
