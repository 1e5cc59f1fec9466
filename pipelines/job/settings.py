"""Everything a worker needs to run the job's steps: plain values, so it pickles to any runner."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.filter.models.base import SamplingParams
from pipelines.job.store import Store
from pipelines.sources.competitive_site import CompetitiveSettings
from scrapers.pypi import DEFAULT_INDEX

STAGES = ("harvest", "problems", "all")


@dataclass(frozen=True)
class JobSettings:
    """The job's settings; every step reads what it needs and keys its stored results by it."""

    out: Path
    work: Path
    stage: str = "all"
    backend: str = "bwrap"
    retry_failed: bool = False
    # CI source
    index_url: str = DEFAULT_INDEX
    prepare_timeout: int = 900
    test_timeout: int = 900
    max_pairs: int = 50
    min_calls: int = 3
    max_tests: int = 10
    # gates
    licenses: tuple[str, ...] = ()  # empty: the license gate's default allow-list
    benchmarks: tuple[str, ...] = ()  # extra benchmark files (HumanEval's JSONL shape) for decontamination
    # competitive source
    competitive: CompetitiveSettings = field(default_factory=CompetitiveSettings)
    # filter
    model: str = "embedded"
    model_backend: str = "auto"
    model_name: str = ""
    model_threads: int | None = None
    params: SamplingParams = SamplingParams()
    sample_timeout_s: float = 3.0
    filter_mode: str = "early"  # early: stop at the first round with a pass; full: draw all n
    rounds: tuple[int, ...] = (10, 30, 60)
    concurrency: int = 16  # requests in flight per worker (a server backend)
    batch_size: int | None = None  # samples decoded together in process; None: the backend's default
    device: str = "auto"  # transformers: auto, cpu or cuda

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"stage {self.stage!r} is not one of {', '.join(STAGES)}")

    @property
    def allowed_licenses(self) -> frozenset[str] | None:
        """The license allow-list; None means the gate's default."""
        return frozenset(self.licenses) or None

    @property
    def store(self) -> Store:
        """Finished work lives beside the outputs, so ``--out`` alone names a run."""
        return Store(self.out / "work")

    def replace(self, **changes: object) -> JobSettings:
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)
