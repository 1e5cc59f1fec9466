"""Multi-turn problems (CodeGen's MTPB, mined): chains of linked calls from one test become one program.

The tracer writes, per test, the calls into the project in order and each argument that IS an earlier
call's result (``links-*.links`` beside the records). A chain is a path of 2 to 5 such calls, each fed
by the one before through exactly one argument, whose value the records confirm flowed unchanged.
Each turn must be a top-level function that is a valid single problem of this project (standalone,
deterministic tests, encodable values): its signature and docstring are the turn's prompt and its
body the turn's reference. The record is a ``function`` problem that runs like any other: the prompt
is the turns' shared context, the solution the turns in order and a driver ``run_chain`` that feeds
each turn's result to the next; its tests call the driver with the chain's other inputs and expect
the final output (one per recording of the chain, up to ``MAX_RECORDINGS``). ``meta["turns"]`` holds
each turn's prompt, reference, entry point and own unit tests.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pipelines.funnel import Count, Stage
from pipelines.problem import Problem, Reject
from pipelines.problems.records import localise_test, read_records, relative, serialisable
from sandbox.types import FunctionTest

MIN_TURNS, MAX_TURNS = 2, 5
MAX_RECORDINGS = 5
DRIVER = "run_chain"
MULTI_TURN = "multi_turn"  # the meta key that marks a chain problem


class Reason(StrEnum):
    """Why a chain found in the links does not become a multi-turn problem."""

    TURN_NOT_A_PROBLEM = "turn_not_a_single_problem"
    NO_RECORDING = "no_encodable_recording"
    TRIVIAL = "final_tests_expect_one_constant"
    TURN_IN_CONTEXT = "turn_defined_in_context"
    REPEATED = "function_repeated"
    RETURNS_INPUT = "final_tests_return_an_input"


@dataclass(frozen=True)
class Turn:
    """One call of a chain: the function and the parameter fed by the turn before ("" for the first)."""

    file: str
    qualname: str
    line: int
    fed: str


def is_chain(problem: Problem) -> bool:
    """Whether a problem is a multi-turn chain."""
    return bool(problem.meta.get(MULTI_TURN))


def read_links(records_dir: str | Path) -> list[dict]:
    """The linked tests the tracer wrote (one dict per test: file, qualname, calls)."""
    tests = []
    for path in sorted(Path(records_dir).glob("*.links")):
        for line in path.read_text(errors="replace").splitlines():
            if line.strip():
                tests.append(json.loads(line)["test"])
    return tests


def _feeder(call: dict, calls: list[dict], pairs: dict[str, dict]) -> tuple[str, int] | None:
    """(parameter, index of the call that fed it) when exactly one argument came from an earlier call
    and its recorded value equals that call's recorded result (not changed in between)."""
    links = [(name, index) for name, index in call["links"] if name not in ("self", "cls")]
    if len(links) != 1:
        return None
    name, index = links[0]
    record, source = pairs.get(call["pair"]), pairs.get(calls[index]["pair"])
    if record is None or source is None or "result" not in source:
        return None
    argument = next((value for arg, _, value in record["args"] if arg == name), None)
    return (name, index) if argument is not None and argument == source["result"] else None


def chains_in(test: dict, pairs: dict[str, dict]) -> Iterator[list[tuple[Turn, dict]]]:
    """Maximal paths of fed calls in one test, the last ``MAX_TURNS`` of each, with their records."""
    calls = test["calls"]
    fed = [_feeder(call, calls, pairs) for call in calls]
    feeds = {link[1] for link in fed if link is not None}
    for end in range(len(calls)):
        if fed[end] is None or end in feeds:
            continue  # not fed, or not the end of its path
        path, index, name = [], end, ""
        while index is not None and len(path) < MAX_TURNS:
            link = fed[index]
            name = link[0] if link else ""
            call = calls[index]
            path.append((Turn(call["file"], call["qualname"], call["line"], name), pairs.get(call["pair"])))
            index = link[1] if link else None
        path.reverse()
        first, record = path[0]
        path[0] = (dataclasses.replace(first, fed=""), record)
        if all(record is not None for _, record in path):
            yield path


def _context_and_prompt(problem: Problem) -> tuple[str, str]:
    """A single problem's prompt split into its context and the turn's own prompt (signature + docstring)."""
    marker = f"def {problem.entry_point}("
    at = problem.prompt.rfind("\n" + marker)
    at = at + 1 if at >= 0 else (0 if problem.prompt.startswith(marker) else -1)
    if at < 0:
        raise ValueError(f"{problem.entry_point}: no signature in the prompt")
    return problem.prompt[:at].rstrip("\n"), problem.prompt[at:]


def merge_contexts(contexts: list[str]) -> str:
    """The turns' contexts as one: each top-level statement once, in order of first appearance."""
    seen: dict[str, None] = {}
    for context in contexts:
        tree = ast.parse(context)
        for statement in tree.body:
            seen.setdefault(ast.get_source_segment(context, statement) or ast.unparse(statement))
    return "\n\n".join(seen)


def driver(turns: list[Turn], records: list[dict]) -> tuple[str, list[tuple[int, str]]]:
    """The ``run_chain`` source and its parameters as (turn, parameter) in order."""
    params: list[tuple[int, str]] = []
    lines = []
    for number, (turn, record) in enumerate(zip(turns, records, strict=True)):
        arguments = []
        for name, kind, _ in record["args"]:
            if name == turn.fed:
                value = f"out{number - 1}"
            else:
                params.append((number, name))
                value = f"t{number}_{name}"
            arguments.append({"pos": value, "kwonly": f"{name}={value}", "var": f"*{value}",
                              "varkw": f"**{value}"}[kind])
        call = f"{turn.qualname}({', '.join(arguments)})"
        lines.append(f"    return {call}\n" if number == len(turns) - 1 else f"    out{number} = {call}\n")
    signature = ", ".join(f"t{number}_{name}" for number, name in params)
    return f"def {DRIVER}({signature}):\n" + "".join(lines), params


def final_test(records: list[dict], params: list[tuple[int, str]], module: str) -> FunctionTest | None:
    """The chain's first inputs (and every turn's other inputs) and its final output, as a driver test."""
    if not all(serialisable(record) and "result" in record for record in records):
        return None
    values = {(number, name): value["v"] for number, record in enumerate(records) for name, _, value in record["args"]}
    test = FunctionTest(args=[values[param] for param in params], expected=records[-1]["result"]["v"])
    local = localise_test(test, module, set())
    return local[0] if local is not None else None


def build_chain(turns: list[Turn], recordings: list[list[dict]], singles: dict[tuple[str, str], Problem],
                roots: tuple[str, ...]) -> tuple[Problem | None, str, str]:
    """(problem, "", "") for one chain identity and its recordings, or (None, reason, detail)."""
    if len({turn.qualname for turn in turns}) < len(turns):
        return None, Reason.REPEATED, ">".join(turn.qualname for turn in turns)
    problems = [singles.get((relative(turn.file, roots), turn.qualname)) for turn in turns]
    if any(problem is None for problem in problems):
        missing = [turn.qualname for turn, problem in zip(turns, problems, strict=True) if problem is None]
        return None, Reason.TURN_NOT_A_PROBLEM, ", ".join(missing)
    split = [_context_and_prompt(problem) for problem in problems]
    context = merge_contexts([before for before, _ in split])
    defined = {node.name for node in ast.parse(context).body if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    inside = sorted(defined & {turn.qualname for turn in turns})
    if inside:
        return None, Reason.TURN_IN_CONTEXT, ", ".join(inside)
    source, params = driver(turns, recordings[0])
    module = relative(turns[-1].file, roots)[:-3].replace("/", ".")
    tests = [t for t in (final_test(records, params, module) for records in recordings) if t is not None]
    unique = list({json.dumps(dataclasses.asdict(t), sort_keys=True): t for t in tests}.values())
    # Tests whose output is not one of their inputs first (a round trip ``a > b`` maps x to x).
    chosen = sorted(unique, key=lambda t: (t.expected in t.args, json.dumps(dataclasses.asdict(t), sort_keys=True)))
    chosen = chosen[:MAX_RECORDINGS]
    if not chosen:
        return None, Reason.NO_RECORDING, f"{len(recordings)} recordings"
    if len({json.dumps(t.expected, sort_keys=True) for t in chosen}) < 2:
        return None, Reason.TRIVIAL, f"{len(chosen)} final tests"
    if all(t.expected in t.args for t in chosen):
        return None, Reason.RETURNS_INPUT, f"{len(chosen)} final tests"
    turn_meta = [{"entry_point": p.entry_point, "prompt": prompt, "reference": p.solution, "fed": turn.fed,
                  "tests": [dataclasses.asdict(t) for t in p.tests], "single_id": p.id}
                 for turn, p, (_, prompt) in zip(turns, problems, split, strict=True)]
    program = "".join(turn["prompt"] + turn["reference"] + "\n\n" for turn in turn_meta) + source
    first = problems[0]
    problem = Problem(
        kind="function", prompt=context + "\n\n\n" if context else "", solution=program, tests=chosen,
        entry_point=DRIVER, docstring=" then ".join(p.entry_point or "" for p in problems),
        provenance=dataclasses.replace(first.provenance, line=turns[0].line),
        meta={MULTI_TURN: True, "turns": turn_meta, "driver": source, "recordings": len(recordings)},
    )
    return problem, "", ""


def turn_problem(chain: Problem, number: int, program: str | None = None) -> Problem:
    """Turn ``number`` as a problem of its own: its unit tests run against the chain's program."""
    turn = chain.meta["turns"][number]
    return Problem(kind="function", prompt=chain.prompt, solution=program if program is not None else chain.solution,
                   tests=[FunctionTest(**t) for t in turn["tests"]], entry_point=turn["entry_point"],
                   provenance=chain.provenance)


def multi_turn_summary(kept: list[Problem], rejects: list[Reject], counts: list[Count]) -> dict:
    """The report's ``multi_turn`` part: chains found, built into problems, kept at the end, and why dropped."""
    found = sum(count.into for count in counts if count.stage == Stage.CHAINS)
    built = sum(count.kept for count in counts if count.stage == Stage.CHAINS)
    dropped = Counter(f"{r.stage}/{r.reason}" for r in rejects
                      if r.stage == Stage.CHAINS or (r.problem or {}).get("meta", {}).get(MULTI_TURN))
    return {"chains_found": found, "chains_built": built, "chains_kept": len(kept),
            "turns_kept": sum(len(p.meta["turns"]) for p in kept), "dropped": dict(sorted(dropped.items()))}


def _valid_runs(turns: list[Turn], singles: dict[tuple[str, str], Problem],
                roots: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of each maximal run of at least ``MIN_TURNS`` distinct functions that are single
    problems (methods are not turns yet: a chain through one is cut there; a function met again in a
    run, as in a round trip ``a > b > a``, starts the next run)."""
    runs, start = [], 0
    for index, turn in enumerate([*turns, None]):
        valid = turn is not None and (relative(turn.file, roots), turn.qualname) in singles
        repeated = valid and turn.qualname in {t.qualname for t in turns[start:index]}
        if not valid or repeated:
            if index - start >= MIN_TURNS:
                runs.append((start, index))
            start = index if repeated else index + 1
    return runs


def find_chains(records_dir: str | Path, singles: list[Problem], roots: tuple[str, ...], source: str = "",
                package: str = "") -> tuple[list[Problem], list[Reject], Count]:
    """A project's multi-turn problems from its links, a reject for each chain left out, and the count.

    The chains counted are the runs of single problems cut from the linked paths, each identity once
    with all its recordings, plus each path with no such run (rejected: a turn is not a problem)."""
    pairs = {record["pair"]: record for records in read_records(records_dir).values() for record in records
             if "pair" in record}
    by_name = {(p.provenance.path, p.entry_point or ""): p for p in singles
               if p.kind == "function" and "." not in (p.entry_point or "") and not is_chain(p)}
    by_identity: dict[tuple[Turn, ...], list[list[dict]]] = {}
    without_run: dict[tuple[Turn, ...], None] = {}
    for test in read_links(records_dir):
        for path in chains_in(test, pairs):
            turns = [turn for turn, _ in path]
            runs = _valid_runs(turns, by_name, roots)
            if not runs:
                without_run.setdefault(tuple(turns))
            for start, end in runs:
                run = (dataclasses.replace(turns[start], fed=""), *turns[start + 1:end])
                recordings = by_identity.setdefault(run, [])
                records = [record for _, record in path[start:end]]
                if records not in recordings:
                    recordings.append(records)
    problems, rejects = [], []
    for turns in sorted(without_run, key=lambda turns: [dataclasses.astuple(t) for t in turns]):
        subject = f"{relative(turns[0].file, roots)}:" + ">".join(turn.qualname for turn in turns)
        missing = [t.qualname for t in turns if (relative(t.file, roots), t.qualname) not in by_name]
        if missing:
            reason, detail = Reason.TURN_NOT_A_PROBLEM, ", ".join(dict.fromkeys(missing))
        else:  # every turn is a problem, but no two different functions follow each other
            reason, detail = Reason.REPEATED, ">".join(turn.qualname for turn in turns)
        rejects.append(Reject(Stage.CHAINS, reason, detail, source, package, subject))
    for turns, recordings in sorted(by_identity.items(), key=lambda item: [dataclasses.astuple(t) for t in item[0]]):
        subject = f"{relative(turns[0].file, roots)}:" + ">".join(turn.qualname for turn in turns)
        problem, reason, detail = build_chain(list(turns), recordings, by_name, roots)
        if problem is None:
            rejects.append(Reject(Stage.CHAINS, reason, detail, source, package, subject))
        else:
            problems.append(problem)
    count = Count(Stage.CHAINS, len(problems), Counter(str(reject.reason) for reject in rejects))
    return problems, rejects, count
