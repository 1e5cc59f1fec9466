"""``python -m pipelines.build_sft``: the one entry point.

By default (``--stage all``) it runs the whole job as a Beam pipeline (``beam_job``): sources ->
problems -> dedup -> decontamination -> base-model filter -> Codex-S / Codex-D sets and a report.
``--stage harvest`` and ``--stage problems`` stop early on the sequential path of each source.
Flags this parser does not know are passed to Beam (``--project``, ``--region``, ... for Dataflow).
"""

from __future__ import annotations

import argparse
import codecs
import sys
from collections.abc import Callable
from pathlib import Path

from pipelines import ci_job, competitive_job
from pipelines.filter.models.base import CODEX_STOPS, SamplingParams
from pipelines.filter.models.factory import BACKENDS, EMBEDDED

SOURCES = ("ci", "competitive", "all")
STAGES = ("harvest", "problems", "all")
SANDBOX_BACKENDS = ("bwrap", "docker-runsc")


RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "ci": ci_job.run,
    "competitive": competitive_job.run,
}


def _stop(text: str) -> str:
    """A stop sequence as typed on a command line: ``\\n`` means a newline."""
    return codecs.decode(text, "unicode_escape")


def add_job_arguments(parser: argparse.ArgumentParser) -> None:
    """The Beam job's flags: runner, extra inputs, model and sampling."""
    from pipelines.job.graph import RUNNERS as BEAM_RUNNERS

    job = parser.add_argument_group("job (Beam)")
    job.add_argument("--runner", choices=BEAM_RUNNERS, default="FnApiRunner", help="Beam runner")
    job.add_argument("--workers", type=int, default=None, help="FnApiRunner worker processes (default: cores)")
    job.add_argument("--dask-address", default="", help="DaskRunner: the scheduler, e.g. tcp://127.0.0.1:8786")
    job.add_argument("--problems", action="append", default=[], metavar="FILE",
                     help="also filter the problems in this JSONL file (repeatable)")
    job.add_argument("--progress-interval", type=float, default=15.0, help="seconds between progress lines")
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


def build_parser() -> argparse.ArgumentParser:
    """The command line: shared flags, the job's, then one group per source."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.build_sft", description="Mine SFT problems.")
    parser.add_argument("--source", choices=SOURCES, default="competitive", help="which miner to run")
    parser.add_argument("--out", type=Path, default=Path("out"), help="output directory")
    parser.add_argument("--backend", choices=SANDBOX_BACKENDS, default="bwrap", help="sandbox")
    parser.add_argument("--stage", choices=STAGES, default="all",
                        help="how far to go: harvest or problems (sequential, stop early) or all (the Beam job)")
    add_job_arguments(parser)
    ci_job.add_arguments(parser.add_argument_group("ci (PyPI packages and git repositories)"))
    competitive = parser.add_argument_group("competitive (Codeforces, AtCoder)")
    competitive_job.add_arguments(competitive)
    parser.set_defaults(competitive_dests=[action.dest for action in competitive._group_actions])
    return parser


def settings_from(args: argparse.Namespace):  # -> JobSettings (imported lazily: Beam loads slowly)
    """The job's settings from parsed flags."""
    from pipelines.job.steps import JobSettings

    params = SamplingParams(n=args.samples, temperature=args.temperature, top_p=args.top_p,
                            max_tokens=args.max_tokens, stop=tuple(args.stop) if args.stop else CODEX_STOPS,
                            logprobs=not args.no_logprobs)
    competitive_args = {dest: getattr(args, dest) for dest in args.competitive_dests}
    competitive_args["cache_dir"] = Path(competitive_args["cache_dir"]).resolve()
    return JobSettings(
        out=args.out.resolve(), work=args.work.resolve(), backend=args.backend, index_url=args.index_url,
        prepare_timeout=args.prepare_timeout, test_timeout=args.test_timeout, max_pairs=args.max_pairs,
        min_calls=args.min_calls, max_tests=args.max_tests,
        licenses=tuple(sorted(x.strip() for x in args.licenses.split(",") if x.strip())),
        competitive_args=competitive_args, model=args.model, model_backend=args.model_backend,
        model_name=args.model_name, model_threads=args.model_threads, params=params,
        sample_timeout_s=args.sample_timeout,
    )


def input_errors(args: argparse.Namespace) -> list[str]:
    """What is wrong with the inputs, found before any worker starts (a worker's traceback helps nobody)."""
    from pipelines.problem import ProblemFormatError, read_jsonl

    errors = []
    for path in args.problems:
        try:
            sum(1 for _ in read_jsonl(path))
        except OSError as exc:
            errors.append(f"--problems {path}: cannot read it ({exc.strerror}); pass a JSONL file of problem records")
        except ProblemFormatError as exc:
            errors.append(f"--problems {exc}; fix or remove that record")
    remote = args.model.startswith(("http://", "https://"))
    if args.model != EMBEDDED and not remote and not Path(args.model).exists():
        errors.append(f"--model {args.model}: no such file or directory; pass 'embedded', a server URL "
                      "(http://host:port/v1), a .gguf file or a transformers model directory")
    if args.samples < 1:
        errors.append(f"-n/--samples {args.samples}: need at least 1 sample per problem")
    return errors


def run_job(args: argparse.Namespace, beam_args: list[str]) -> int:
    """The Beam job over every source named; prints the funnel at the end."""
    from pipelines.job import graph as beam_job

    errors = input_errors(args)
    if errors:
        print("\n".join(f"error: {error}" for error in errors), file=sys.stderr)
        return 2
    sources = beam_job.sources_from(args)
    if args.source in ("ci", "all") and not any(s["type"] in ("project", "problems_file") for s in sources):
        print("error: nothing to mine: --source ci needs --packages, --repos or --package-list "
              "(or pass --problems FILE)", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    args.work.chmod(0o755)  # the sandbox uid must reach the work dir
    settings = settings_from(args)
    report = beam_job.run_job(sources, settings, runner=args.runner, workers=args.workers,
                              dask_address=args.dask_address, beam_args=beam_args,
                              progress_s=args.progress_interval)
    print(beam_job.summary(report, settings.out), file=sys.stderr)
    return 0


def run(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run; returns the exit status."""
    parser = build_parser()
    args, beam_args = parser.parse_known_args(argv)
    if args.stage == "all":
        strays = [arg for arg in beam_args if not arg.startswith("--")]
        if strays:
            parser.error(f"unrecognized arguments: {' '.join(strays)}")
        return run_job(args, beam_args)
    if beam_args:
        parser.error(f"unrecognized arguments: {' '.join(beam_args)}")
    names = ("ci", "competitive") if args.source == "all" else (args.source,)
    for name in names:
        status = RUNNERS[name](args)
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(run())
