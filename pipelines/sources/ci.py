"""The CI source: project specs from the command line, a harvest per project, its records into problems.

A project's harvest is the costly unit (minutes of sandboxed test suite); its store key holds the
resolved version or commit, so ``NAME`` harvested yesterday is harvested again once a new release
is out, and every setting that changes what the harvest records.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from pipelines.funnel import Count, Stage, drop, keep
from pipelines.problem import Problem, Reject
from pipelines.problems.synthesis import Origin, SynthesisSettings, synthesise
from pipelines.sources.harvest import HarvestSettings, harvest
from scrapers import git, pypi


def specs_from(packages: str = "", repos: str = "", package_list: str | Path | None = None) -> list[str]:
    """Project specs from the command line's comma lists and a file with one package per line."""
    specs = [p.strip() for p in packages.split(",") if p.strip()]
    specs += [r.strip() if r.strip().startswith("git+") else f"git+{r.strip()}" for r in repos.split(",") if r.strip()]
    if package_list:
        lines = Path(package_list).read_text().splitlines()
        specs += [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    return list(dict.fromkeys(specs))


def resolved(spec: str, index_url: str = pypi.DEFAULT_INDEX) -> str:
    """What ``spec`` means today: a PyPI version or a git commit; empty when it cannot be told."""
    try:
        if spec.startswith("git+"):
            url = spec[len("git+"):]
            url, _, ref = url.partition("@") if "://" not in url.partition("@")[2] else (url, "", "")
            return git.remote_commit(url, ref or "HEAD")
        name, version = pypi.parse_spec(spec)
        return version or pypi.resolve(spec, pypi.session(), index_url).version
    except (pypi.SourceError, OSError):
        return ""


@dataclass(frozen=True)
class Harvested:
    """One project's harvest as the job carries it: the result and its funnel count and reject."""

    result: dict
    count: Count
    reject: Reject | None

    @property
    def ok(self) -> bool:
        """Whether the suite ran and recorded calls."""
        return bool(self.result["ok"])


def harvest_one(spec: str, settings: HarvestSettings, tag: str = "") -> dict:
    """Harvest one project (see ``harvest.harvest``); its result as the store keeps it."""
    return asdict(harvest(spec, settings, tag))


def judged(result: dict) -> Harvested:
    """The funnel's view of a harvest result: kept, or rejected with its reason."""
    if result["ok"]:
        return Harvested(result, keep(Stage.HARVEST), None)
    reason = result["reason"] or "failed"
    reject = Reject(Stage.HARVEST, reason, result["detail"][:500], result["source"], result["name"] or result["spec"],
                    result["spec"])
    return Harvested(result, drop(Stage.HARVEST, reason), reject)


def summary(result: dict) -> dict:
    """A project's line in ``harvest.jsonl``: what ran, how it went, and why not."""
    keys = ("spec", "source", "name", "version", "commit", "license", "license_from", "ok", "reason", "detail",
            "outcome", "records", "functions", "engine", "seconds", "workarounds", "roots")
    row = {key: result.get(key) for key in keys}
    row["detail"] = (row["detail"] or "")[:300]
    return row


def origin_of(result: dict) -> Origin:
    """Provenance for the problems of one harvested project."""
    return Origin(source=result["source"], package=result["name"], version=result["version"],
                  commit=result["commit"], url=result["url"], license=result["license"],
                  fetched_at=result.get("fetched_at", ""), roots=tuple(result.get("roots", ())))


def project_problems(result: dict, settings: SynthesisSettings) -> tuple[list[Problem], list[Reject], Count]:
    """A harvested project's problems, with a reject for each recorded function left out."""
    if not Path(result["records_dir"]).is_dir():
        raise FileNotFoundError(
            f"{result['spec']}: its records ({result['records_dir']}) are gone (was --work cleaned?); "
            "delete OUT/work/harvest to harvest again, or pass a fresh --out")
    return synthesise(result["records_dir"], origin_of(result), settings)

