"""The main job's steps as plain Python, each resumable through the ``Store``; Beam only wires them.

Elements between steps are ``(kind, payload)`` pairs of JSON-ready values: ``("source", spec)``
goes into a source step, ``("problem", problem dict)`` flows through the cleaning and filtering
steps, ``("reject", dict)`` and ``("stat", dict)`` pass every step untouched until the writer. A step
that rejects a problem turns it into a reject on the spot, so nothing is dropped silently.

Heavy resources (a loaded model, a live sandbox, the benchmark corpora) are held once per worker
process and shared by every bundle it runs: the DaskRunner calls ``setup`` for each partition.
"""

from __future__ import annotations

import argparse
import atexit
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.gates import dedup
from pipelines.job.store import Store, key_of
from pipelines.filter.models.base import SamplingParams
from pipelines.problem import Problem

Element = tuple[str, Any]
SOURCE, PROBLEM, REJECT, STAT = "source", "problem", "reject", "stat"


@dataclass(frozen=True)
class JobSettings:
    """Everything a worker needs; plain values, so it pickles to any runner."""

    out: Path
    work: Path
    backend: str = "bwrap"
    index_url: str = ""
    prepare_timeout: int = 900
    test_timeout: int = 900
    max_pairs: int = 50
    min_calls: int = 3
    max_tests: int = 10
    licenses: tuple[str, ...] = ()  # empty: the license gate's default allow-list
    competitive_args: dict = field(default_factory=dict)  # the competitive source's own flags
    model: str = "embedded"
    model_backend: str = "auto"
    model_name: str = ""
    model_threads: int | None = None
    params: SamplingParams = SamplingParams()
    sample_timeout_s: float = 3.0

    @property
    def allowed_licenses(self) -> frozenset[str] | None:
        """The license allow-list; None means the gate's default."""
        return frozenset(self.licenses) or None

    @property
    def store(self) -> Store:
        """Finished work lives beside the outputs, so ``--out`` alone names a run."""
        return Store(self.out / "work")


# --- per-process resources -------------------------------------------------------------------

_RESOURCES: dict[str, Any] = {}


def shared(name: str, make: Callable[[], Any]) -> Any:
    """One ``make()`` per worker process, closed when the process exits."""
    if name not in _RESOURCES:
        resource = _RESOURCES[name] = make()
        close = getattr(resource, "close", None)
        if close is not None:
            atexit.register(close)
    return _RESOURCES[name]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _remembered(settings: JobSettings, step: str, key: str, compute: Callable[[], list[Element]]) -> list[Element]:
    """A source step's elements from the store, or computed and stored (the unit a rerun skips)."""
    done = settings.store.get(step, key)
    if done is not None:
        return [tuple(element) for element in done]
    elements = compute()
    settings.store.put(step, key, elements)
    return elements


# --- source steps ----------------------------------------------------------------------------

def project_step(spec: str, settings: JobSettings) -> list[Element]:
    """Harvest one project, then synthesis, license gate and determinism reruns for its problems."""
    from pipelines.sources.harvest import HarvestSettings
    from pipelines.harvest_stage import harvest_one
    from pipelines.problems_stage import project_problems
    from pipelines.problems.synthesis import SynthesisSettings
    from sandbox.suite import SuiteLimits

    def compute() -> list[Element]:
        harvest_settings = HarvestSettings(
            work_dir=settings.work, max_pairs=settings.max_pairs,
            limits=SuiteLimits(prepare_timeout_s=settings.prepare_timeout, test_timeout_s=settings.test_timeout),
            **({"index_url": settings.index_url} if settings.index_url else {}),
        )
        started = time.monotonic()
        result, _ = harvest_one(spec, settings.out, harvest_settings)
        kept, rejects, recorded = project_problems(
            result, SynthesisSettings(settings.min_calls, settings.max_tests), settings.backend,
            settings.allowed_licenses)
        elements: list[Element] = [(STAT, {"project": spec, "ok": result["ok"], "reason": result["reason"],
                                           "version": result["version"], "functions_recorded": recorded})]
        if not result["ok"]:
            elements.append((REJECT, {"stage": "harvest", "reason": result["reason"] or "failed", "project": spec,
                                      "detail": result["detail"][:500]}))
        elements += [(REJECT, reject) for reject in rejects]
        elements += [(PROBLEM, problem.to_dict()) for problem in kept]
        _log(f"[project] {spec}: {'ok' if result['ok'] else 'FAILED ' + result['reason']}, {recorded} functions, "
             f"{len(kept)} problems after determinism, {time.monotonic() - started:.0f}s")
        return elements

    key = key_of("project", spec, settings.max_pairs, settings.min_calls, settings.max_tests, settings.licenses)
    return _remembered(settings, "project", key, compute)


def site_step(site: str, settings: JobSettings) -> list[Element]:
    """Scrape one competitive site with the competitive source's own job (its HTTP cache makes reruns free)."""
    from pipelines import competitive_job
    from pipelines.problem import read_jsonl

    def compute() -> list[Element]:
        out = settings.out / "competitive" / site
        args = argparse.Namespace(**{**settings.competitive_args, "site": site, "out": out,
                                     "backend": settings.backend})
        if competitive_job.run(args):
            raise RuntimeError(f"the {site} scrape failed; see the messages above, then rerun the same command")
        elements: list[Element] = [(STAT, {"site": site, "report": json.loads((out / "report.json").read_text())})]
        elements += [(REJECT, json.loads(line)) for line in (out / "rejects.jsonl").read_text().splitlines() if line]
        elements += [(PROBLEM, problem.to_dict()) for problem in read_jsonl(out / "problems.jsonl")]
        return elements

    return _remembered(settings, "site", key_of("site", site, settings.competitive_args), compute)


def problems_file_step(path: str, settings: JobSettings) -> list[Element]:
    """Problems made elsewhere (a JSONL of ``Problem`` records): license gate and determinism, like mined ones."""
    from pipelines.problem import read_jsonl
    from pipelines.problems_stage import gate_and_rerun

    problems = list(read_jsonl(path))

    def compute() -> list[Element]:
        kept, rejected = gate_and_rerun(problems, settings.backend, settings.allowed_licenses)
        elements: list[Element] = [(STAT, {"problems_file": path, "problems": len(problems)})]
        elements += [(REJECT, p.to_dict()) for p in rejected]
        elements += [(PROBLEM, p.to_dict()) for p in kept]
        return elements

    key = key_of("problems_file", sorted(p.id for p in problems), settings.licenses)
    return _remembered(settings, "problems_file", key, compute)


SOURCE_STEPS: dict[str, Callable[[str, JobSettings], list[Element]]] = {
    "project": project_step, "site": site_step, "problems_file": problems_file_step,
}


def source_step(source: dict, settings: JobSettings) -> list[Element]:
    """Dispatch a ``{"type", "name"}`` source to its step."""
    return SOURCE_STEPS[source["type"]](source["name"], settings)


# --- steps over all problems -----------------------------------------------------------------

def dedup_step(elements: list[Element], settings: JobSettings) -> list[Element]:
    """Exact and near duplicates across every source; the rest pass through."""
    problems = sorted((Problem.from_dict(p) for kind, p in elements if kind == PROBLEM), key=lambda p: p.id)
    kept, rejected = dedup.dedup(problems)
    settings.store.put("progress", "dedup", {"problems": len(kept)})
    others = [element for element in elements if element[0] != PROBLEM]
    return [*others, *((REJECT, p.to_dict()) for p in rejected), *((PROBLEM, p.to_dict()) for p in kept)]


def shard_of(element: Element, shards: int) -> int:
    """Spread problems over workers by their content hash; everything else goes to shard 0."""
    kind, payload = element
    return int(payload["id"][:8], 16) % shards if kind == PROBLEM else 0


# --- per-problem steps -----------------------------------------------------------------------

def _decontaminator(settings: JobSettings) -> Any:
    from pipelines.gates.decontamination import Decontaminator

    return shared(f"decontaminator/{settings.backend}", lambda: Decontaminator.from_corpora(backend=settings.backend))


def decontaminate_step(data: dict, settings: JobSettings) -> Element:
    """N-gram and behaviour overlap with HumanEval and MBPP."""
    key = key_of("decontaminate", data["id"])
    done = settings.store.get("decontaminate", key)
    if done is None:
        kept, rejected = _decontaminator(settings).decontaminate([Problem.from_dict(data)])
        done = [PROBLEM, kept[0].to_dict()] if kept else [REJECT, rejected[0].to_dict()]
        settings.store.put("decontaminate", key, done)
    return tuple(done)


def filter_key(data: dict, settings: JobSettings) -> str:
    """What a problem's samples depend on: the problem, the model and how it is sampled and judged."""
    return key_of("filter", data["id"], settings.model, settings.model_backend, settings.model_name,
                  settings.params.as_dict(), settings.sample_timeout_s)


def _sampler(settings: JobSettings) -> Any:
    from pipelines.filter.models.factory import make_sampler

    def load() -> Any:
        return make_sampler(settings.model, settings.model_backend, model_name=settings.model_name,
                            threads=settings.model_threads)

    return shared(f"sampler/{settings.model}/{settings.model_backend}/{settings.model_name}", load)


def _session(settings: JobSettings) -> Any:
    from sandbox.session import Session

    return shared(f"session/{settings.backend}", lambda: Session(settings.backend))


def filter_step(data: dict, settings: JobSettings) -> Element:
    """Sample n completions, run them in one sandbox session, keep the problem if one passes."""
    from pipelines.filter.model_filter import SAMPLER_ERROR, filter_problem
    from sandbox.types import Limits

    key = filter_key(data, settings)
    done = settings.store.get("filter", key)
    if done is not None:
        return tuple(done["element"])
    problem = Problem.from_dict(data)
    sampler = _sampler(settings)
    timer = _Timer(sampler)
    started = time.monotonic()
    result = filter_problem(problem, timer, settings.params, _session(settings),
                            Limits(timeout_s=settings.sample_timeout_s))
    element = [REJECT if result.problem.rejected else PROBLEM, result.problem.to_dict()]
    elapsed = time.monotonic() - started
    entry = {"element": element, "sampling_seconds": timer.seconds,
             "execution_seconds": max(0.0, elapsed - timer.seconds), "samples_executed": len(result.samples)}
    if result.problem.verdicts[-1].reason != SAMPLER_ERROR:  # a server that was down is asked again next run
        settings.store.put("filter", key, entry)
        settings.store.put("samples", key, {"id": data["id"], "samples": result.samples})
    stats = result.problem.meta.get("filter", {})
    _log(f"[filter] {data['id']}: {stats.get('passes', 0)}/{stats.get('samples', 0)} samples pass, "
         f"sampling {timer.seconds:.1f}s, execution {entry['execution_seconds']:.1f}s")
    return tuple(element)


class _Timer:
    """Wraps a sampler to time only the sampling, so the report can split model time from sandbox time."""

    def __init__(self, sampler: Any) -> None:
        self.sampler = sampler
        self.name = sampler.name
        self.seconds = 0.0

    def sample(self, prompt: str, params: SamplingParams, seed: int = 0) -> list:
        started = time.monotonic()
        try:
            return self.sampler.sample(prompt, params, seed)
        finally:
            self.seconds += time.monotonic() - started

    def close(self) -> None:
        """The wrapped sampler is shared; it is closed at process exit."""


def per_problem(element: Element, step: Callable[[dict, JobSettings], Element],
                settings: JobSettings) -> Iterator[Element]:
    """Apply a per-problem step to live problems; pass everything else through."""
    kind, payload = element
    yield step(payload, settings) if kind == PROBLEM else element
