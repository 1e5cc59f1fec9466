"""Multi-turn problems (CodeGen's MTPB, mined): chains of linked calls from one test become one program.

The tracer writes, per test, the calls into the project in order and each argument that IS an earlier
call's result (``links-*.links`` beside the records). A chain is a path of 2 to 5 such calls, each fed
by the one before through exactly one argument (or, for a method called on the previous result, its
``self``), whose value the records confirm flowed unchanged. Each turn must be a top-level function,
or a method of a top-level class, that is a valid single problem of this project (standalone,
deterministic tests, encodable values): its signature and docstring are the turn's prompt and its
body the turn's reference (a method's class is laid out as in its class problem, once for all its
turns: ``chain_layout``). The object a method runs on is the previous turn's result, or one the
driver builds from the linked constructor call's recorded arguments (made driver inputs).

The record is a ``function`` problem that runs like any other: the prompt is the turns' shared
context, the solution the turns in order and a driver ``run_chain`` that feeds each turn's result to
the next; its tests call the driver with the chain's other inputs and expect the final output (one
per recording of the chain, up to ``MAX_RECORDINGS``; a float compared within ``FLOAT_TOLERANCE``, as
MTPB does). ``meta["turns"]`` holds each turn's prompt, reference, entry point and own unit tests.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pipelines.funnel import Count, Stage
from pipelines.problem import Problem, Reject
from pipelines.problems.chain_driver import DRIVER, driver, final_test
from pipelines.problems.chain_layout import CLASS_SPLIT, NOT_LAID_OUT, class_in, turn_texts, without_classes
from pipelines.problems.instances import frozen_after_init, plain
from pipelines.problems.project import load_module
from pipelines.problems.records import read_records, relative
from pipelines.problems.standalone import type_names
from sandbox.types import FunctionTest

MIN_TURNS, MAX_TURNS = 2, 5
MAX_RECORDINGS = 5
MULTI_TURN = "multi_turn"  # the meta key that marks a chain problem
RECEIVERS = ("self", "cls")


Frozen = Callable[[str, str], bool]  # (file, class) -> whether no method of the class changes its objects


class Reason(StrEnum):
    """Why a chain found in the links does not become a multi-turn problem."""

    TURN_NOT_A_PROBLEM = "turn_not_a_single_problem"
    NO_RECORDING = "no_encodable_recording"
    TRIVIAL = "final_tests_expect_one_constant"
    TURN_IN_CONTEXT = "turn_defined_in_context"
    REPEATED = "function_repeated"
    RETURNS_INPUT = "final_tests_return_an_input"
    SELF_NOT_REBUILT = "self_not_rebuilt_in_chain"
    CLASS_SPLIT = CLASS_SPLIT
    NOT_LAID_OUT = NOT_LAID_OUT


@dataclass(frozen=True)
class Turn:
    """One call of a chain: the function, the parameter fed by the turn before ("" for the first; "self"
    for a method called on the previous result), and whether its ``self`` is the object a linked
    constructor call of the same test built (the driver builds it from the recorded arguments, once
    for the turns that ran on one object: ``shares``)."""

    file: str
    qualname: str
    line: int
    fed: str
    built: bool = False
    shares: int = 0  # for a built object: how many turns back the turn whose object this one runs on too


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
    (else a method's ``self`` that an earlier call other than a constructor returned) and its recorded
    value equals that call's recorded result (not changed in between)."""
    links = [(name, index) for name, index in call["links"] if name not in RECEIVERS]
    if not links:
        links = [(name, index) for name, index in call["links"]
                 if name == "self" and not calls[index]["qualname"].endswith(".__init__")]
    if len(links) != 1:
        return None
    name, index = links[0]
    record, source = pairs.get(call["pair"]), pairs.get(calls[index]["pair"])
    if record is None or source is None or "result" not in source:
        return None
    argument = next((value for arg, _, value in record["args"] if arg == name), None)
    return (name, index) if argument is not None and argument == source["result"] else None


def _built(call: dict, calls: list[dict], pairs: dict[str, dict], frozen: Frozen) -> bool:
    """Whether a method's ``self`` is what a linked constructor call of its own class built, with no
    method called on it since or of a class no method changes (``frozen``): the driver can build it
    again from that call's recorded arguments."""
    index = next((index for name, index in call["links"] if name == "self"), None)
    record = pairs.get(call["pair"]) or {}
    cls = call["qualname"].rpartition(".")[0]
    init = record.get("init") or {}
    return (index is not None and calls[index]["qualname"] == f"{cls}.__init__" and record.get("class") == cls
            and (init.get("after") == 0 or ("after" in init and frozen(call["file"], cls))))


def chains_in(test: dict, pairs: dict[str, dict],
              frozen: Frozen = lambda file, cls: False) -> Iterator[list[tuple[Turn, dict]]]:
    """Maximal paths of fed calls in one test, the last ``MAX_TURNS`` of each, with their records."""
    calls = test["calls"]
    fed = [_feeder(call, calls, pairs) for call in calls]
    feeds = {link[1] for link in fed if link is not None}
    for end in range(len(calls)):
        if fed[end] is None or end in feeds:
            continue  # not fed, or not the end of its path
        path, objects, index, name = [], [], end, ""
        while index is not None and len(path) < MAX_TURNS:
            link = fed[index]
            name = link[0] if link else ""
            call = calls[index]
            built = _built(call, calls, pairs, frozen)
            path.append((Turn(call["file"], call["qualname"], call["line"], name, built), pairs.get(call["pair"])))
            objects.append(next((i for arg, i in call["links"] if arg == "self"), None) if built else None)
            index = link[1] if link else None
        path.reverse()
        objects.reverse()
        for number, made in enumerate(objects):  # a later turn on an object an earlier turn built
            earlier = [j for j in range(number) if made is not None and objects[j] == made]
            if earlier:
                path[number] = (dataclasses.replace(path[number][0], shares=number - earlier[-1]), path[number][1])
        first, record = path[0]
        path[0] = (dataclasses.replace(first, fed="", shares=0), record)
        if all(record is not None for _, record in path):
            yield path


def merge_contexts(contexts: list[str]) -> str:
    """The turns' contexts as one: each top-level statement once, in order of first appearance."""
    seen: dict[str, None] = {}
    for context in contexts:
        tree = ast.parse(context)
        for statement in tree.body:
            seen.setdefault(ast.get_source_segment(context, statement) or ast.unparse(statement))
    return "\n\n".join(seen)


def method_kind(problem: Problem) -> str:
    """``function``, or a class problem's ``method``, ``staticmethod`` or ``classmethod``."""
    return (problem.meta.get("method_kind") if problem is not None else None) or "function"


def turn_reason(turn: Turn, singles: dict[tuple[str, str], Problem], roots: tuple[str, ...]) -> str:
    """Why a call cannot be a turn where it stands ("" when it can): it is not a single problem, or it
    is a method whose object neither the previous turn returned nor a linked constructor call built."""
    key = (relative(turn.file, roots), turn.qualname)
    if key not in singles:
        return Reason.TURN_NOT_A_PROBLEM
    if method_kind(singles[key]) == "method" and not (turn.built or turn.fed == "self"):
        return Reason.SELF_NOT_REBUILT
    return ""


def _classes(turns: list[Turn], context: str, package: str, roots: tuple[str, ...]) -> tuple[str, set[str], set[str]]:
    """The last turn's module, and the classes the chain's program defines that its values may hold
    (all of them, and those whose objects are their attributes)."""
    defined = type_names(ast.parse(context).body) | {class_in(turn.qualname) for turn in turns} - {""}
    module = load_module(turns[-1].file, package)
    if module is None:
        return relative(turns[-1].file, roots)[:-3].replace("/", "."), set(), set()
    classes = type_names(module.tree.body) & defined
    return module.name, classes, {name for name in classes if (cls := module.class_(name)) and plain(cls, module)}


def build_chain(turns: list[Turn], recordings: list[list[dict]], singles: dict[tuple[str, str], Problem],
                roots: tuple[str, ...], package: str = "") -> tuple[Problem | None, str, str]:
    """(problem, "", "") for one chain identity and its recordings, or (None, reason, detail)."""
    if len({turn.qualname for turn in turns}) < len(turns):
        return None, Reason.REPEATED, ">".join(turn.qualname for turn in turns)
    reasons = [turn_reason(turn, singles, roots) for turn in turns]
    for reason in (Reason.TURN_NOT_A_PROBLEM, Reason.SELF_NOT_REBUILT):
        if reason in reasons:
            return None, reason, ", ".join(t.qualname for t, r in zip(turns, reasons, strict=True) if r == reason)
    problems = [singles[(relative(turn.file, roots), turn.qualname)] for turn in turns]
    texts = turn_texts(problems)
    if isinstance(texts, tuple):
        return None, texts[0], texts[1]
    written = {}  # class -> the turn that writes it
    for number, turn in enumerate(turns):
        written.setdefault(class_in(turn.qualname), number)
    for number, text in enumerate(texts):  # a turn whose own problem shows it a class a later turn writes
        early = sorted({s.name for s in ast.parse(text.context).body if isinstance(s, ast.ClassDef)
                        and written.get(s.name, -1) > number})
        if early:
            return None, Reason.TURN_IN_CONTEXT, f"{early[0]} (turn {number + 1} needs it, a later turn writes it)"
    context, read = without_classes(merge_contexts([text.context for text in texts]), set(written) - {""})
    if read:
        return None, Reason.TURN_IN_CONTEXT, f"{read} (the context reads it before its turn defines it)"
    defined = {node.name for node in ast.parse(context).body if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    inside = sorted(defined & {turn.qualname.partition(".")[0] for turn in turns})
    if inside:
        return None, Reason.TURN_IN_CONTEXT, ", ".join(inside)
    kinds = [method_kind(problem) for problem in problems]
    source, params = driver(turns, recordings[0], kinds)
    module, classes, plain_classes = _classes(turns, context, package, roots)
    tests = [t for t in (final_test(records, params, module, classes, plain_classes) for records in recordings)
             if t is not None]
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
    turn_meta = [{"entry_point": p.entry_point, "prompt": text.prompt, "reference": text.reference, "fed": turn.fed,
                  "class": text.cls, "method_kind": kind,
                  "receiver": "previous" if turn.fed == "self" else ("constructor" if kind == "method" else ""),
                  "tests": [dataclasses.asdict(t) for t in p.tests], "single_id": p.id}
                 for turn, p, text, kind in zip(turns, problems, texts, kinds, strict=True)]
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
    """(start, end) of each maximal run of at least ``MIN_TURNS`` distinct calls that can be turns there
    (``turn_reason``; a run's first turn is fed nothing, so a method on the previous result cannot start
    one); a function met again in a run, as in a round trip ``a > b > a``, starts the next run."""

    def fits(index: int, first: bool) -> bool:
        turn = turns[index]
        return not turn_reason(dataclasses.replace(turn, fed="") if first else turn, singles, roots)

    runs, start = [], 0
    for index, turn in enumerate(turns):
        valid = fits(index, index == start)
        if valid and turn.qualname in {t.qualname for t in turns[start:index]}:
            if index - start >= MIN_TURNS:
                runs.append((start, index))
            start = index
            valid = fits(index, True)
        if not valid:
            if index - start >= MIN_TURNS:
                runs.append((start, index))
            start = index + 1
    if len(turns) - start >= MIN_TURNS:
        runs.append((start, len(turns)))
    return runs


def _why_no_run(turns: tuple[Turn, ...], singles: dict[tuple[str, str], Problem],
                roots: tuple[str, ...]) -> tuple[str, str]:
    """(reason, detail) for a linked path with no run of turns."""
    reasons = [turn_reason(dataclasses.replace(t, fed="") if i == 0 else t, singles, roots)
               for i, t in enumerate(turns)]
    for reason in (Reason.TURN_NOT_A_PROBLEM, Reason.SELF_NOT_REBUILT):
        if reason in reasons:
            names = [t.qualname for t, r in zip(turns, reasons, strict=True) if r == reason]
            return reason, ", ".join(dict.fromkeys(names))
    # every turn can be one, but no two different functions follow each other
    return Reason.REPEATED, ">".join(turn.qualname for turn in turns)


def find_chains(records_dir: str | Path, singles: list[Problem], roots: tuple[str, ...], source: str = "",
                package: str = "") -> tuple[list[Problem], list[Reject], Count]:
    """A project's multi-turn problems from its links, a reject for each chain left out, and the count.

    The chains counted are the runs of turns cut from the linked paths, each identity once with all
    its recordings, plus each path with no such run (rejected: why its calls cannot be turns)."""
    pairs = {record["pair"]: record for records in read_records(records_dir).values() for record in records
             if "pair" in record}
    by_name = {(p.provenance.path, p.entry_point or ""): p for p in singles
               if p.kind == "function" and (p.entry_point or "").count(".") <= 1 and not is_chain(p)}
    modules: dict[str, object] = {}

    def frozen(file: str, cls: str) -> bool:
        if file not in modules:
            modules[file] = load_module(file, package)
        node = modules[file].class_(cls) if modules[file] is not None else None
        return node is not None and frozen_after_init(node)

    by_identity: dict[tuple[Turn, ...], list[list[dict]]] = {}
    without_run: dict[tuple[Turn, ...], None] = {}
    for test in read_links(records_dir):
        for path in chains_in(test, pairs, frozen):
            turns = [turn for turn, _ in path]
            runs = _valid_runs(turns, by_name, roots)
            if not runs:
                without_run.setdefault(tuple(turns))
            for start, end in runs:
                run = tuple(dataclasses.replace(turn, fed="" if number == start else turn.fed,
                                                shares=turn.shares if turn.shares <= number - start else 0)
                            for number, turn in enumerate(turns[start:end], start))
                recordings = by_identity.setdefault(run, [])
                records = [record for _, record in path[start:end]]
                if records not in recordings:
                    recordings.append(records)
    problems, rejects = [], []
    for turns in sorted(without_run, key=lambda turns: [dataclasses.astuple(t) for t in turns]):
        subject = f"{relative(turns[0].file, roots)}:" + ">".join(turn.qualname for turn in turns)
        reason, detail = _why_no_run(turns, by_name, roots)
        rejects.append(Reject(Stage.CHAINS, reason, detail, source, package, subject))
    for turns, recordings in sorted(by_identity.items(), key=lambda item: [dataclasses.astuple(t) for t in item[0]]):
        subject = f"{relative(turns[0].file, roots)}:" + ">".join(turn.qualname for turn in turns)
        problem, reason, detail = build_chain(list(turns), recordings, by_name, roots, package)
        if problem is None:
            rejects.append(Reject(Stage.CHAINS, reason, detail, source, package, subject))
        else:
            problems.append(problem)
    count = Count(Stage.CHAINS, len(problems), Counter(str(reject.reason) for reject in rejects))
    return problems, rejects, count
