"""The funnel's vocabulary: every stage by name, in pipeline order, with the unit it counts, and ``Count``.

Stages count what they see as data (``Count`` elements that flow through the graph like problems
do), because the DaskRunner has no Beam metrics; the writer adds them up. ``Count`` objects add
(``a + b``), as datatrove's stats do, so per-worker counts merge into one funnel. A stage name
outside ``Stage`` is refused: a typo must not open a new row silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class Stage(StrEnum):
    """Every stage of the job, in the order a record meets them."""

    HARVEST = "harvest"
    SYNTHESIS = "synthesis"
    CHAINS = "chains"
    LIST = "list"
    SCRAPE = "scrape"
    POLICY = "policy"
    SOLUTION = "solution"
    SANDBOX = "sandbox"
    FUNCTION_FORM = "function_form"
    READ = "read"
    LICENSE = "license"
    DETERMINISM = "determinism"
    DEDUP = "dedup"
    DECONTAMINATION = "decontamination"
    FILTER = "filter"


UNITS: dict[Stage, str] = {
    Stage.HARVEST: "projects", Stage.SYNTHESIS: "functions", Stage.CHAINS: "chains", Stage.LIST: "tasks",
    Stage.SCRAPE: "tasks",
    Stage.POLICY: "tasks", Stage.SOLUTION: "tasks", Stage.SANDBOX: "tasks",
}
# Where problems come out of the sources: the gates' first "in" is the sum of these stages' "kept".
SOURCE_EXITS = (Stage.SYNTHESIS, Stage.CHAINS, Stage.SANDBOX, Stage.FUNCTION_FORM, Stage.READ)
GATES = (Stage.LICENSE, Stage.DETERMINISM, Stage.DEDUP, Stage.DECONTAMINATION, Stage.FILTER)


def unit_of(stage: str) -> str:
    """What a stage counts: projects, functions, tasks or problems."""
    return UNITS.get(Stage(stage), "problems")


@dataclass
class Count:
    """How many records a stage took in, kept, and rejected by reason."""

    stage: str
    kept: int = 0
    rejected: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.stage = Stage(self.stage).value  # refuses an unknown stage name

    @property
    def into(self) -> int:
        """Records in: every one was kept or rejected."""
        return self.kept + sum(self.rejected.values())

    def __add__(self, other: Count) -> Count:
        if other.stage != self.stage:
            raise ValueError(f"cannot add counts of {self.stage!r} and {other.stage!r}")
        return Count(self.stage, self.kept + other.kept, self.rejected + other.rejected)

    def to_dict(self) -> dict:
        """The JSON form that travels through the graph."""
        return {"stage": self.stage, "kept": self.kept, "rejected": dict(sorted(self.rejected.items()))}

    @classmethod
    def from_dict(cls, data: dict) -> Count:
        """Back from the JSON form."""
        return cls(data["stage"], int(data["kept"]), Counter({str(k): int(v) for k, v in data["rejected"].items()}))


def keep(stage: str, n: int = 1) -> Count:
    """``n`` records kept at ``stage``."""
    return Count(stage, kept=n)


def drop(stage: str, reason: str, n: int = 1) -> Count:
    """``n`` records rejected at ``stage`` for ``reason``."""
    return Count(stage, rejected=Counter({reason: n}))


def total(counts: list[Count]) -> list[Count]:
    """One count per stage, summed, in pipeline order."""
    summed: dict[str, Count] = {}
    for count in counts:
        summed[count.stage] = summed[count.stage] + count if count.stage in summed else count
    order = list(Stage)
    return sorted(summed.values(), key=lambda count: order.index(Stage(count.stage)))
