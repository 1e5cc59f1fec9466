"""The job as one Beam graph of named composites: Sources -> Problems -> Gates -> Filter -> Write.

``--stage harvest`` ends the graph after the sources, ``--stage problems`` after the gates; every
cut goes through the same writer. The graph keeps to the transforms every runner translates, the
DaskRunner included: Create, ParDo (Map, FlatMap) and GroupByKey. Dedup needs every problem at once
(one GroupByKey); a second GroupByKey on a content-hash shard spreads problems over workers again
for the per-problem steps; a last one gathers everything for the writer. Each step is resumable
through the job's store, so the same command after a crash redoes only what was unfinished.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

# Workers start sandboxes with fork + setuid; gRPC's fork handlers crash such children ("Check failed:
# next_worker->state == KICKED"). Set before gRPC is imported here and in every worker process.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

import apache_beam as beam  # noqa: E402

from pipelines.job import steps  # noqa: E402
from pipelines.job.settings import JobSettings  # noqa: E402
from pipelines.outputs.writer import write_outputs  # noqa: E402


def _key_all(element: steps.Element) -> tuple[str, steps.Element]:
    return "all", element


def _values(keyed: tuple[str, Iterable[steps.Element]]) -> Iterable[steps.Element]:
    return keyed[1]


def _by_shard(element: steps.Element, shards: int) -> tuple[int, steps.Element]:
    return steps.shard_of(element, shards), element


def _dedup(keyed: tuple[str, Iterable[steps.Element]], settings: JobSettings) -> list[steps.Element]:
    return steps.dedup_step(list(keyed[1]), settings)


def _write(keyed: tuple[str, Iterable[steps.Element]], settings: JobSettings) -> list[str]:
    return write_outputs(list(keyed[1]), settings)


@beam.ptransform_fn
def Sources(pipeline: beam.Pipeline, sources: list[dict], settings: JobSettings) -> beam.PCollection:  # noqa: N802
    """Harvest projects, scrape sites, read problems files: harvest results, problems, rejects, counts."""
    return (pipeline
            | "Create" >> beam.Create([(steps.SOURCE, source) for source in sources])
            | "Mine" >> beam.FlatMap(steps.passing(steps.SOURCE, steps.source_step), settings))


@beam.ptransform_fn
def Problems(elements: beam.PCollection, settings: JobSettings) -> beam.PCollection:  # noqa: N802
    """Harvested projects' call records into problems."""
    return elements | "Synthesise" >> beam.FlatMap(steps.passing(steps.PROJECT, steps.synthesis_step), settings)


@beam.ptransform_fn
def Gates(elements: beam.PCollection, settings: JobSettings, shards: int) -> beam.PCollection:  # noqa: N802
    """License, determinism, dedup across everything, then decontamination spread over workers."""
    return (elements
            | "License" >> beam.FlatMap(steps.passing(steps.PROBLEM, steps.license_step), settings)
            | "Determinism" >> beam.FlatMap(steps.passing(steps.PROBLEM, steps.determinism_step), settings)
            | "KeyForDedup" >> beam.Map(_key_all)
            | "GatherForDedup" >> beam.GroupByKey()
            | "Dedup" >> beam.FlatMap(_dedup, settings)
            | "KeyByShard" >> beam.Map(_by_shard, shards)
            | "Spread" >> beam.GroupByKey()
            | "Unshard" >> beam.FlatMap(_values)
            | "Decontaminate" >> beam.FlatMap(steps.passing(steps.PROBLEM, steps.decontaminate_step), settings))


def _filter_group(keyed: tuple[int, Iterable[steps.Element]], settings: JobSettings) -> list[steps.Element]:
    return steps.filter_group_step(list(keyed[1]), settings)


@beam.ptransform_fn
def Filter(elements: beam.PCollection, settings: JobSettings, shards: int = 1) -> beam.PCollection:  # noqa: N802
    """The base-model filter: keep a problem when one of n samples passes. Problems are gathered per shard
    (``shards`` groups by content hash) so a worker can have many of them in flight against a batching
    server; each is stored on its own, so resuming redoes only unfinished problems."""
    return (elements
            | "KeyForFilter" >> beam.Map(_by_shard, shards)
            | "GatherForFilter" >> beam.GroupByKey()
            | "Sample" >> beam.FlatMap(_filter_group, settings))


@beam.ptransform_fn
def Write(elements: beam.PCollection, settings: JobSettings) -> beam.PCollection:  # noqa: N802
    """Everything into one writer: training sets, problems, rejects, the report."""
    return (elements
            | "KeyForOutput" >> beam.Map(_key_all)
            | "GatherOutputs" >> beam.GroupByKey()
            | "Files" >> beam.FlatMap(_write, settings))


def build(pipeline: beam.Pipeline, sources: list[dict], settings: JobSettings, shards: int) -> beam.PCollection:
    """The graph, cut at ``settings.stage``; returns the writer's output (the names of the files written)."""
    elements = pipeline | "Sources" >> Sources(sources, settings)  # pylint: disable=no-value-for-parameter
    if settings.stage in ("problems", "all"):
        elements = elements | "Problems" >> Problems(settings) | "Gates" >> Gates(settings, shards)
    if settings.stage == "all":
        elements = elements | "Filter" >> Filter(settings, shards)
    return elements | "Write" >> Write(settings)
