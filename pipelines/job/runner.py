"""Running the graph: the runner and its flags, progress while it runs, the funnel at the end."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pipelines.job.graph import beam, build
from pipelines.job.settings import JobSettings

RUNNERS = ("FnApiRunner", "DaskRunner", "DataflowRunner", "FlinkRunner", "SparkRunner")
SOURCE_STEPS = ("harvest", "site")


def runner_and_options(runner: str, workers: int, dask_address: str, beam_args: list[str]) -> tuple[Any, list[str]]:
    """The runner object (or name) and its flags."""
    if runner == "FnApiRunner":
        from apache_beam.runners.portability.fn_api_runner import FnApiRunner

        mode = "multi_processing" if workers > 1 else "in_memory"
        flags = [f"--direct_num_workers={workers}", f"--direct_running_mode={mode}"]
        if not any(arg.startswith("--default_sdk_harness_log_level") for arg in beam_args):
            flags.append("--default_sdk_harness_log_level=WARNING")  # workers' INFO lines drown the progress
        return FnApiRunner(), [*flags, *beam_args]
    if runner == "DaskRunner":
        from apache_beam.runners.dask.dask_runner import DaskRunner

        flags = [f"--dask_client_address={dask_address}"] if dask_address else []
        if not any(arg.startswith(("--dask_npartitions", "--dask_partition_size")) for arg in beam_args):
            flags.append("--dask_partition_size=1")  # one source per partition: projects run in parallel
        return DaskRunner(), [*flags, *beam_args]
    return runner, beam_args  # Dataflow, Flink, Spark: Beam resolves the name; their flags come in beam_args


class Progress:
    """Reads the store while the pipeline runs (any runner, shared disk) and prints where the run is."""

    def __init__(self, settings: JobSettings, sources: int, interval_s: float = 15.0) -> None:
        self.settings, self.sources, self.interval_s = settings, sources, interval_s
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.started = time.monotonic()
        self.seen: dict[Path, bool] = {}

    def __enter__(self) -> Progress:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)

    def line(self) -> str:
        """One progress line: sources done, problems filtered and kept, rate, ETA."""
        store = self.settings.store
        mined = sum(len(store.entries(step)) for step in SOURCE_STEPS)
        for path in store.entries("filter"):
            if path not in self.seen:
                try:
                    self.seen[path] = not json.loads(path.read_text())["decision"]["reason"]
                except (OSError, ValueError, KeyError):
                    continue
        dedup = store.get("progress", "dedup")
        total = dedup["problems"] if dedup else None
        done, kept = len(self.seen), sum(self.seen.values())
        elapsed = time.monotonic() - self.started
        rate = done / elapsed * 3600
        eta = f"{(total - done) / (done / elapsed):.0f}s" if total and done else "?"
        return (f"[progress] sources {min(mined, self.sources)}/{self.sources}, problems filtered {done}/"
                f"{total if total is not None else '?'}, kept {kept}, {rate:.0f} problems/h, ETA {eta}")

    def _loop(self) -> None:
        while not self.stop.wait(self.interval_s):
            print(self.line(), file=sys.stderr, flush=True)


def run_job(sources: list[dict], settings: JobSettings, *, runner: str = "FnApiRunner", workers: int | None = None,
            dask_address: str = "", beam_args: list[str] | None = None, progress_s: float = 15.0) -> dict:
    """Run the pipeline to completion; returns the report (also in ``OUT/report.json``)."""
    workers = workers or os.cpu_count() or 1
    if runner == "FnApiRunner" and settings.model_threads is None:  # the workers share this machine's cores
        settings = settings.replace(model_threads=max(1, (os.cpu_count() or 1) // workers))
    settings.out.mkdir(parents=True, exist_ok=True)
    beam_runner, flags = runner_and_options(runner, workers, dask_address, beam_args or [])
    options = beam.options.pipeline_options.PipelineOptions(flags)
    started = time.monotonic()
    with Progress(settings, len(sources), progress_s):
        pipeline = beam.Pipeline(runner=beam_runner, options=options)
        build(pipeline, sources, settings, shards=max(4, 4 * workers))
        result = pipeline.run()
        try:
            result.wait_until_finish()
        finally:
            client = getattr(result, "client", None)  # the DaskRunner's; closed so it does not outlive the run
            if client is not None:
                client.close()
    report = json.loads((settings.out / "report.json").read_text())
    timing_path = settings.out / "timing.json"
    timing = json.loads(timing_path.read_text())
    timing["wall_seconds"] = round(time.monotonic() - started, 3)
    timing_path.write_text(json.dumps(timing, indent=2, sort_keys=True) + "\n")
    return report


def summary(report: dict, out: Path) -> str:
    """The funnel as lines for the terminal, at the end of a run."""
    lines = [f"[done] stage {report['stage']}: outputs in {out} (problems.jsonl, rejects.jsonl, report.md, ...)"]
    for stage in report.get("funnel", []):
        rejected = ", ".join(f"{reason} {count}" for reason, count in sorted(
            stage.get("rejected", {}).items(), key=lambda item: -item[1])[:4])
        lines.append(f"  {stage['stage']:<16} {stage['unit']:<9} in {stage['in']:>6}  kept {stage['kept']:>6}"
                     + (f"  ({rejected})" if rejected else ""))
    stored = {row["stage"]: row["rejected"] for row in report.get("funnel", [])}
    if stored.get("harvest") or stored.get("filter", {}).get("sampler_error"):
        lines.append("  failed harvests and sampler errors are stored and reused; --retry-failed tries them again")
    return "\n".join(lines)
