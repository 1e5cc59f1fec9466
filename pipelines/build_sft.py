"""``python -m pipelines.build_sft``: the one entry point, one Beam graph for every source and stage.

Sources -> problems -> gates -> filter -> writer (``pipelines.job.graph``); ``--stage harvest`` and
``--stage problems`` cut the graph earlier, through the same writer. Flags this parser does not
know are passed to Beam (``--project``, ``--region``, ... for Dataflow).
"""

from __future__ import annotations

import argparse
import codecs
import os
import sys
from pathlib import Path

from pipelines.filter.models.base import CODEX_STOPS, SamplingParams
from pipelines.filter.models.factory import BACKENDS, EMBEDDED
from pipelines.gates.license import parse_allow_list
from pipelines.sources import competitive_site
from scrapers.pypi import DEFAULT_INDEX

SOURCES = ("ci", "competitive", "all")
STAGES = ("harvest", "problems", "all")
SANDBOX_BACKENDS = ("bwrap", "docker-runsc")
RUNNERS = ("FnApiRunner", "DaskRunner", "DataflowRunner", "FlinkRunner", "SparkRunner")
# A world-traversable default: the sandbox runs as an unprivileged uid and must reach the work dir.
DEFAULT_WORK = Path(os.environ.get("SFTMINE_WORK", "/var/tmp/sftmine"))


def _stop(text: str) -> str:
    """A stop sequence as typed on a command line: ``\\n`` means a newline."""
    return codecs.decode(text, "unicode_escape")


def _rounds(text: str) -> tuple[int, ...]:
    """``10,30,60`` -> (10, 30, 60); each a positive number of samples."""
    try:
        rounds = tuple(int(item) for item in text.split(",") if item.strip())
    except ValueError:
        rounds = ()
    if not rounds or min(rounds) < 1:
        raise argparse.ArgumentTypeError(f"--rounds {text!r}: give positive sample counts separated by commas")
    return rounds


def _files(text: str) -> tuple[str, ...]:
    return tuple(str(Path(item.strip()).resolve()) for item in text.split(",") if item.strip())


def add_job_arguments(parser: argparse.ArgumentParser) -> None:
    """The graph's flags: stage, runner, extra inputs, resuming."""
    job = parser.add_argument_group("job (Beam)")
    job.add_argument("--stage", choices=STAGES, default="all",
                     help="where the graph ends: harvest (sources only), problems (+ synthesis and gates), all")
    job.add_argument("--runner", choices=RUNNERS, default="FnApiRunner", help="Beam runner")
    job.add_argument("--workers", type=int, default=None,
                     help="FnApiRunner worker processes (default: the cores; 1 runs in this process, for debugging)")
    job.add_argument("--dask-address", default="", help="DaskRunner: the scheduler, e.g. tcp://127.0.0.1:8786")
    job.add_argument("--problems", action="append", default=[], metavar="FILE",
                     help="also take the problems in this JSONL file through the gates and the filter (repeatable)")
    job.add_argument("--retry-failed", action="store_true",
                     help="redo stored failures (failed harvests, sampler errors) instead of reusing them")
    job.add_argument("--progress-interval", type=float, default=15.0, help="seconds between progress lines")
    gates = parser.add_argument_group("gates")
    gates.add_argument("--licenses", type=parse_allow_list, default=frozenset(),
                       help="SPDX ids allowed, separated by commas or spaces (default: the permissive allow-list)")
    gates.add_argument("--benchmarks", type=_files, default=(),
                       help="comma-separated benchmark files in HumanEval's JSONL shape to decontaminate against, "
                            "besides the bundled HumanEval and MBPP")


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The filter's flags: the base model and how it is sampled."""
    model = parser.add_argument_group("base model and sampling (Codex defaults)")
    model.add_argument("--model", default=EMBEDDED,
                       help="'embedded' (Qwen2.5-Coder-0.5B GGUF from PyPI), a server URL (http://host:port/v1), "
                            "a .gguf file or a transformers model directory")
    model.add_argument("--model-backend", choices=BACKENDS, default="auto", help="how to run --model")
    model.add_argument("--model-name", default="", help="the 'model' field sent to a server")
    model.add_argument("--model-threads", type=int, default=None, help="threads per in-process model")
    model.add_argument("-n", "--samples", type=int, default=100, help="samples per problem")
    model.add_argument("--temperature", type=float, default=0.8)
    model.add_argument("--top-p", type=float, default=0.95)
    model.add_argument("--max-tokens", type=int, default=256)
    model.add_argument("--stop", type=_stop, action="append", default=None,
                       help="stop sequence, repeatable; \\n for a newline (default: the Codex stops)")
    model.add_argument("--no-logprobs", action="store_true", help="do not ask for log-probabilities")
    model.add_argument("--sample-timeout", type=float, default=3.0, help="seconds per test of a sample")
    model.add_argument("--filter-mode", choices=("early", "full"), default="early",
                       help="early: sample in --rounds and stop at the first round with a pass (same keep/drop "
                            "as full); full: draw all n (pass@k over n)")
    model.add_argument("--rounds", type=_rounds, default=(10, 30, 60),
                       help="early mode's round sizes, comma-separated; a last round draws the rest of n")
    model.add_argument("--concurrency", type=int, default=16,
                       help="server backend: requests (and problems) in flight per worker")
    model.add_argument("--batch-size", type=int, default=None,
                       help="in-process models: samples decoded together (default: llama.cpp 16, transformers 25)")
    model.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                       help="transformers backend: where the model runs (auto: the GPU when there is one)")


def add_ci_arguments(group: argparse._ActionsContainer) -> None:
    """The flags of the CI source."""
    group.add_argument("--packages", type=str, default="", help="comma-separated PyPI specs: NAME or NAME==VERSION")
    group.add_argument("--repos", type=str, default="", help="comma-separated git URLs, each optionally URL@REF")
    group.add_argument("--package-list", type=str, default=None, help="file with one package spec per line")
    group.add_argument("--work", type=Path, default=DEFAULT_WORK, help="work directory (sdists, envs, records)")
    group.add_argument("--index-url", type=str, default=DEFAULT_INDEX, help="package index for PREPARE")
    group.add_argument("--prepare-timeout", type=int, default=900, help="seconds per PREPARE phase")
    group.add_argument("--test-timeout", type=int, default=900, help="seconds per traced TEST run")
    group.add_argument("--max-pairs", type=int, default=50, help="distinct (args, result) pairs kept per function")
    group.add_argument("--min-calls", type=int, default=3, help="serialisable calls a function needs to be a problem")
    group.add_argument("--max-tests", type=int, default=10, help="tests per problem, chosen for diversity")


def build_parser() -> argparse.ArgumentParser:
    """The command line: shared flags, the job's, the model's, then one group per source."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.build_sft", description="Mine SFT problems.")
    parser.add_argument("--source", choices=SOURCES, default="competitive", help="which miner to run")
    parser.add_argument("--out", type=Path, default=Path("out"), help="output directory")
    parser.add_argument("--backend", choices=SANDBOX_BACKENDS, default="bwrap", help="sandbox")
    add_job_arguments(parser)
    add_model_arguments(parser)
    add_ci_arguments(parser.add_argument_group("ci (PyPI packages and git repositories)"))
    competitive_site.add_arguments(parser.add_argument_group("competitive (Codeforces, AtCoder)"))
    return parser


def settings_from(args: argparse.Namespace):  # -> JobSettings (imported lazily: Beam loads slowly)
    """The job's settings from parsed flags."""
    from pipelines.job.settings import JobSettings

    params = SamplingParams(n=args.samples, temperature=args.temperature, top_p=args.top_p,
                            max_tokens=args.max_tokens, stop=tuple(args.stop) if args.stop else CODEX_STOPS,
                            logprobs=not args.no_logprobs)
    return JobSettings(
        out=args.out.resolve(), work=args.work.resolve(), stage=args.stage, backend=args.backend,
        retry_failed=args.retry_failed, index_url=args.index_url, prepare_timeout=args.prepare_timeout,
        test_timeout=args.test_timeout, max_pairs=args.max_pairs, min_calls=args.min_calls, max_tests=args.max_tests,
        licenses=tuple(sorted(args.licenses)), benchmarks=args.benchmarks,
        competitive=competitive_site.CompetitiveSettings.from_args(args), model=args.model,
        model_backend=args.model_backend, model_name=args.model_name, model_threads=args.model_threads,
        params=params, sample_timeout_s=args.sample_timeout, filter_mode=args.filter_mode, rounds=args.rounds,
        concurrency=max(1, args.concurrency), batch_size=args.batch_size, device=args.device,
    )


def sources_from(args: argparse.Namespace) -> list[dict]:
    """The job's sources from the command line."""
    from pipelines.sources.ci import specs_from

    sources: list[dict] = []
    if args.source in ("ci", "all"):
        specs = specs_from(args.packages, args.repos, args.package_list)
        sources += [{"type": "project", "name": spec} for spec in specs]
    if args.source in ("competitive", "all"):
        sources.append({"type": "site", "name": args.site})
    for path in args.problems or ():
        sources.append({"type": "problems_file", "name": str(Path(path).resolve())})
    return sources


def input_errors(args: argparse.Namespace) -> list[str]:
    """What is wrong with the inputs, found before any worker starts (a worker's traceback helps nobody)."""
    from pipelines.gates.corpora import benchmark_file
    from pipelines.problem import ProblemFormatError, read_jsonl

    errors = []
    for path in args.problems:
        try:
            sum(1 for _ in read_jsonl(path))
        except OSError as exc:
            errors.append(f"--problems {path}: cannot read it ({exc.strerror}); pass a JSONL file of problem records")
        except ProblemFormatError as exc:
            errors.append(f"--problems {exc}; fix or remove that record")
    for path in args.benchmarks:
        try:
            benchmark_file(path)
        except OSError as exc:
            errors.append(f"--benchmarks {path}: cannot read it ({exc.strerror}); pass a JSONL file in HumanEval's "
                          "shape (task_id, prompt, canonical_solution, test, entry_point)")
        except ValueError as exc:
            errors.append(f"--benchmarks {exc}")
    if args.package_list and not Path(args.package_list).is_file():
        errors.append(f"--package-list {args.package_list}: no such file; pass a file with one package spec a line")
    remote = args.model.startswith(("http://", "https://"))
    if args.stage == "all" and args.model != EMBEDDED and not remote and not Path(args.model).exists():
        errors.append(f"--model {args.model}: no such file or directory; pass 'embedded', a server URL "
                      "(http://host:port/v1), a .gguf file or a transformers model directory")
    if args.samples < 1:
        errors.append(f"-n/--samples {args.samples}: need at least 1 sample per problem")
    if args.workers is not None and args.workers < 1:
        errors.append(f"--workers {args.workers}: need at least 1")
    return errors


def run(argv: list[str] | None = None) -> int:
    """Parse ``argv``, check the inputs, run the graph; returns the exit status."""
    parser = build_parser()
    args, beam_args = parser.parse_known_args(argv)
    strays = [arg for arg in beam_args if not arg.startswith("--")]
    if strays:
        parser.error(f"unrecognized arguments: {' '.join(strays)}")
    errors = input_errors(args)
    if errors:
        print("\n".join(f"error: {error}" for error in errors), file=sys.stderr)
        return 2
    sources = sources_from(args)
    if args.source in ("ci", "all") and not any(s["type"] in ("project", "problems_file") for s in sources):
        print("error: nothing to mine: --source ci needs --packages, --repos or --package-list "
              "(or pass --problems FILE)", file=sys.stderr)
        return 2
    from pipelines.job.runner import run_job, summary

    args.work.mkdir(parents=True, exist_ok=True)
    args.work.chmod(0o755)  # the sandbox uid must reach the work dir
    settings = settings_from(args)
    report = run_job(sources, settings, runner=args.runner, workers=args.workers, dask_address=args.dask_address,
                     beam_args=beam_args, progress_s=args.progress_interval)
    print(summary(report, settings.out), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run())
