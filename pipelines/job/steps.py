"""The job's steps as plain Python, each resumable through the ``Store``; Beam only wires them.

Elements between steps are ``(kind, payload)`` pairs of JSON-ready values: ``source`` specs go
into the source steps, a ``project`` (a harvest result) into synthesis, ``problem`` dicts through
the gates and the filter; ``reject``, ``count``, ``harvest`` (a project's summary), ``site`` (a
site's summary) and ``timing`` (a filtered problem's seconds) pass every later step untouched until
the writer. A step that drops something turns it into a reject on the spot and counts it, so nothing
is dropped silently.

Heavy resources (a loaded model, live sandboxes, the benchmark index) are held once per worker
process and shared by every bundle it runs: the DaskRunner calls ``setup`` for each partition.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from pipelines.funnel import Count, keep
from pipelines.gates.base import Decision, Gate, GateResult
from pipelines.job.settings import JobSettings
from pipelines.job.store import key_of
from pipelines.problem import Problem, Reject

Element = tuple[str, Any]
SOURCE, PROJECT, PROBLEM, REJECT, COUNT = "source", "project", "problem", "reject", "count"
HARVEST, SITE, TIMING = "harvest", "site", "timing"
# Bumped when a step's code changes what it produces, so stored results of older code are not reused.
STEP_VERSIONS = {"harvest": 16, "synthesis": 29, "site": 2, "determinism": 4, "decontaminate": 1, "filter": 2}


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


def log(message: str) -> None:
    """A progress line on stderr (stdout may be a pipe someone parses)."""
    print(message, file=sys.stderr, flush=True)


def remembered(settings: JobSettings, step: str, key: str, compute: Callable[[], Any],
               failed: Callable[[Any], bool] = lambda value: False) -> Any:
    """The step's stored result, or computed and stored; a stored failure is redone only with --retry-failed."""
    done = settings.store.get(step, key)
    if done is not None and not (settings.retry_failed and failed(done)):
        return done
    value = compute()
    settings.store.put(step, key, value)
    return value


def elements_of(problems: list[Problem], rejects: list[Reject], counts: list[Count]) -> list[Element]:
    """Problems, rejects and counts as elements (JSON-ready)."""
    return [*((COUNT, c.to_dict()) for c in counts), *((REJECT, r.to_dict()) for r in rejects),
            *((PROBLEM, p.to_dict()) for p in problems)]


def gate_elements(result: GateResult) -> list[Element]:
    """A gate's result as elements."""
    return elements_of(result.kept, result.rejects, [result.count])


def passing(kind: str, step: Callable[[Any, JobSettings], list[Element]]) -> Callable[..., Iterator[Element]]:
    """``step`` applied to elements of ``kind``; every other element passes through untouched."""

    def apply(element: Element, settings: JobSettings) -> Iterator[Element]:
        if element[0] == kind:
            yield from step(element[1], settings)
        else:
            yield element

    apply.__name__ = getattr(step, "__name__", "step")
    return apply


# --- sources ---------------------------------------------------------------------------------

def harvest_key(spec: str, settings: JobSettings) -> str:
    """What a harvest depends on: the project as it is today and every setting the harvester reads."""
    from pipelines.sources.ci import resolved

    return key_of("harvest", STEP_VERSIONS["harvest"], spec, resolved(spec, settings.index_url), settings.index_url,
                  settings.max_pairs, settings.prepare_timeout, settings.test_timeout)


def harvest_project(spec: str, settings: JobSettings) -> list[Element]:
    """Harvest one project (stored); a failed harvest is a reject at ``harvest``."""
    from pipelines.sources.ci import harvest_one, judged, summary
    from pipelines.sources.harvest import HarvestSettings
    from sandbox.suite import SuiteLimits

    key = harvest_key(spec, settings)

    def compute() -> dict:
        harvest_settings = HarvestSettings(
            work_dir=settings.work, index_url=settings.index_url, max_pairs=settings.max_pairs,
            limits=SuiteLimits(prepare_timeout_s=settings.prepare_timeout, test_timeout_s=settings.test_timeout))
        result = harvest_one(spec, harvest_settings, tag=key[:12])
        log(f"[harvest] {spec}: {'ok' if result['ok'] else 'FAILED ' + result['reason']}, {result['records']} "
            f"records, {result['functions']} functions, {result['seconds']:.0f}s")
        return {**result, "key": key}

    harvested = judged(remembered(settings, "harvest", key, compute, failed=lambda r: not r["ok"]))
    elements: list[Element] = [(HARVEST, summary(harvested.result)), (COUNT, harvested.count.to_dict())]
    if harvested.reject:
        elements.append((REJECT, harvested.reject.to_dict()))
    else:
        elements.append((PROJECT, harvested.result))
    return elements


def scrape_site(site: str, settings: JobSettings) -> list[Element]:
    """Scrape one competitive site (stored; its HTTP cache makes a redo cheap)."""
    from pipelines.sources.competitive_site import scrape

    def compute() -> dict:
        result = scrape(site, settings.competitive, settings.backend)
        return {"report": result.report, "elements": elements_of(result.problems, result.rejects, result.counts)}

    key = key_of("site", STEP_VERSIONS["site"], site, settings.competitive.as_dict())
    done = remembered(settings, "site", key, compute, failed=lambda value: not value["report"])
    return [(SITE, done["report"]), *(tuple(element) for element in done["elements"])]


def read_problems_file(path: str, settings: JobSettings) -> list[Element]:
    """Problems made elsewhere (a JSONL of ``Problem`` records), counted at ``read``."""
    from pipelines.funnel import Stage
    from pipelines.problem import read_jsonl

    problems = list(read_jsonl(path))
    return elements_of(problems, [], [keep(Stage.READ, len(problems))])


SOURCE_STEPS: dict[str, Callable[[str, JobSettings], list[Element]]] = {
    "project": harvest_project, "site": scrape_site, "problems_file": read_problems_file,
}


def source_step(source: dict, settings: JobSettings) -> list[Element]:
    """Dispatch a ``{"type", "name"}`` source to its step."""
    return SOURCE_STEPS[source["type"]](source["name"], settings)


def synthesis_step(result: dict, settings: JobSettings) -> list[Element]:
    """A harvested project's records into problems (stored per harvest and synthesis settings)."""
    from pipelines.problems.multi_turn import find_chains
    from pipelines.problems.synthesis import SynthesisSettings
    from pipelines.sources.ci import origin_of, project_problems

    def compute() -> list:
        problems, rejects, count = project_problems(result, SynthesisSettings(settings.min_calls, settings.max_tests))
        origin = origin_of(result)
        chains, chain_rejects, chain_count = find_chains(result["records_dir"], problems, origin.roots,
                                                         origin.source, origin.package)
        log(f"[synthesis] {result['spec']}: {len(problems)} problems from {count.into} functions, "
            f"{len(chains)} multi-turn from {chain_count.into} chains")
        return elements_of([*problems, *chains], [*rejects, *chain_rejects], [count, chain_count])

    key = key_of("synthesis", STEP_VERSIONS["synthesis"], result["key"], settings.min_calls, settings.max_tests)
    return [tuple(element) for element in remembered(settings, "synthesis", key, compute)]


# --- gates -----------------------------------------------------------------------------------

def license_step(data: dict, settings: JobSettings) -> list[Element]:
    """The license gate (cheap: not stored)."""
    from pipelines.gates.license import LicenseGate

    return gate_elements(LicenseGate(settings.allowed_licenses).run([Problem.from_dict(data)]))


def _decided(gate: type[Gate], make: Callable[[], Gate], data: dict, settings: JobSettings, step: str,
             key: str) -> list[Element]:
    """A per-problem gate whose decision is stored under ``key`` (the gate is made only to decide anew)."""
    problem = Problem.from_dict(data)
    decision = remembered(settings, step, key, lambda: make().decide([problem])[0].to_dict())
    return gate_elements(gate.apply([problem], [Decision.from_dict(decision)]))


def determinism_step(data: dict, settings: JobSettings) -> list[Element]:
    """The determinism reruns (three live sandboxes per worker, one per hash seed)."""
    from pipelines.gates.determinism import RUNS, DeterminismGate

    def make() -> DeterminismGate:
        return shared(f"determinism/{settings.backend}", lambda: DeterminismGate(settings.backend))

    key = key_of("determinism", STEP_VERSIONS["determinism"], data["id"], RUNS)
    return _decided(DeterminismGate, make, data, settings, "determinism", key)


def dedup_step(elements: list[Element], settings: JobSettings) -> list[Element]:
    """Exact and near duplicates across every source; the rest pass through."""
    from pipelines.gates.dedup import DedupGate

    problems = sorted((Problem.from_dict(p) for kind, p in elements if kind == PROBLEM), key=lambda p: p.id)
    result = DedupGate().run(problems)
    settings.store.put("progress", "dedup", {"problems": len(result.kept)})
    return [*(element for element in elements if element[0] != PROBLEM), *gate_elements(result)]


def shard_of(element: Element, shards: int) -> int:
    """Spread problems over workers by their content hash; everything else goes to shard 0."""
    kind, payload = element
    return int(payload["id"][:8], 16) % shards if kind == PROBLEM else 0


def decontaminate_step(data: dict, settings: JobSettings) -> list[Element]:
    """N-gram and behaviour overlap with the benchmarks."""
    from pipelines.gates.decontamination import Decontaminator, benchmarks_version

    def make() -> Decontaminator:
        return shared(f"decontaminator/{settings.backend}/{settings.benchmarks}",
                      lambda: Decontaminator.from_corpora(backend=settings.backend, extra_files=settings.benchmarks))

    key = key_of("decontaminate", STEP_VERSIONS["decontaminate"], data["id"], benchmarks_version(settings.benchmarks))
    return _decided(Decontaminator, make, data, settings, "decontaminate", key)


# --- the filter ------------------------------------------------------------------------------

def filter_key(data: dict, settings: JobSettings) -> str:
    """What a problem's samples depend on: the problem, the model, how it is sampled (mode and rounds, batch
    size, device) and judged; not the concurrency, which changes only how many problems are in flight."""
    rounds = settings.rounds if settings.filter_mode == "early" else ()
    return key_of("filter", STEP_VERSIONS["filter"], data["id"], settings.model, settings.model_backend,
                  settings.model_name, settings.params.as_dict(), settings.sample_timeout_s, settings.filter_mode,
                  list(rounds), settings.batch_size, settings.device)


def _sampler(settings: JobSettings) -> Any:
    from pipelines.filter.models.factory import make_sampler

    def load() -> Any:
        return make_sampler(settings.model, settings.model_backend, model_name=settings.model_name,
                            threads=settings.model_threads, concurrency=settings.concurrency,
                            batch_size=settings.batch_size, device=settings.device)

    return shared(f"sampler/{settings.model}/{settings.model_backend}/{settings.model_name}", load)


def _session(settings: JobSettings) -> Any:
    from sandbox.session import Session

    return shared(f"session/{settings.backend}", lambda: Session(settings.backend))


def filter_group_step(elements: list[Element], settings: JobSettings) -> list[Element]:
    """The filter over a group of elements (a shard): its problems are filtered up to ``--concurrency`` at
    once against a server or a transformers model (llama.cpp: one at a time), each stored under its own key
    as it finishes, so a rerun redoes only unfinished problems; every other element passes untouched."""
    from pipelines.filter.model_filter import in_flight
    from pipelines.filter.models.factory import describe_backend

    problems = [payload for kind, payload in elements if kind == PROBLEM]
    batching = describe_backend(settings.model, settings.model_backend) in ("http", "transformers")
    results = in_flight(lambda data: filter_step(data, settings), problems, settings.concurrency if batching else 1)
    return [*(element for element in elements if element[0] != PROBLEM), *(e for result in results for e in result)]


def filter_step(data: dict, settings: JobSettings) -> list[Element]:
    """Sample in rounds, run each round in one sandbox session, keep the problem if one sample passes."""
    from pipelines.filter.model_filter import SAMPLER_ERROR, FilterGate, filter_problem
    from sandbox.types import Limits

    problem = Problem.from_dict(data)
    key = filter_key(data, settings)

    def compute() -> dict:
        timer = _Timer(_sampler(settings))
        started = time.monotonic()
        result = filter_problem(problem, timer, settings.params, _session(settings),
                                Limits(timeout_s=settings.sample_timeout_s), mode=settings.filter_mode,
                                rounds=settings.rounds, session_lock=_shared_lock(f"session/{settings.backend}"))
        elapsed = time.monotonic() - started
        settings.store.put("samples", key, {"id": data["id"], "samples": result.samples})
        stats = (result.decision.problem.meta if result.decision.problem else {}).get("filter", {})
        log(f"[filter] {data['id']}: {stats.get('passes', 0)}/{stats.get('samples', 0)} samples pass, "
            f"sampling {timer.seconds:.1f}s, execution {elapsed - timer.seconds:.1f}s")
        return {"decision": result.decision.to_dict(), "sampling_seconds": timer.seconds,
                "execution_seconds": max(0.0, elapsed - timer.seconds), "samples_executed": len(result.samples)}

    entry = remembered(settings, "filter", key, compute, failed=lambda e: e["decision"]["reason"] == SAMPLER_ERROR)
    seconds = {name: entry[name] for name in ("sampling_seconds", "execution_seconds", "samples_executed")}
    return [(TIMING, seconds), *gate_elements(FilterGate.apply([problem], [Decision.from_dict(entry["decision"])]))]


def _shared_lock(name: str) -> threading.Lock:
    """One lock per worker process for the resource ``name`` (a sandbox session used by several threads)."""
    return shared(f"lock/{name}", threading.Lock)


class _Timer:
    """Wraps a sampler to time only the sampling, so the report can split model time from sandbox time."""

    def __init__(self, sampler: Any) -> None:
        self.sampler = sampler
        self.name = sampler.name
        self.block_size, self.concurrency = sampler.block_size, sampler.concurrency
        self.seconds = 0.0
        self._lock = threading.Lock()

    def sample(self, prompt: str, params: Any, seed: int = 0) -> list:
        started = time.monotonic()
        try:
            return self.sampler.sample(prompt, params, seed)
        finally:
            with self._lock:
                self.seconds += time.monotonic() - started

    def close(self) -> None:
        """The wrapped sampler is shared; it is closed at process exit."""
