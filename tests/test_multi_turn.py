"""Multi-turn problems from chains a purpose-written suite builds, traced for real in this process."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

import pytest

from pipelines.problems.multi_turn import DRIVER, Reason, find_chains, is_chain, read_links, turn_problem
from pipelines.problems.synthesis import Origin, SynthesisSettings, synthesise
from sandbox.execute import execute
from tests.model_fixtures import tiny_gpt2_dir, tiny_gpt2_sampler  # noqa: F401 - fixtures
from tests.tracing import on_path, recording

FIXTURES = Path(__file__).resolve().parent / "chain_fixtures"


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory):
    """Run the chain suite's tests under the tracer, then synthesise single problems and chains."""
    out = tmp_path_factory.mktemp("records")
    with on_path(FIXTURES):
        suite = importlib.import_module("test_chainpkg")
        with recording(out, FIXTURES / "chainpkg"):
            for name in sorted(vars(suite)):
                if name.startswith("test_"):
                    getattr(suite, name)()
    origin = Origin("git", "chainpkg", "1.0", "abc123", "file:///repo", "MIT", "2026-01-01T00:00:00+00:00",
                    (str(FIXTURES),))
    singles, _, _ = synthesise(out, origin, SynthesisSettings(min_calls=3, max_tests=10))
    problems, rejects, count = find_chains(out, singles, origin.roots, "git", "chainpkg")
    return out, singles, problems, rejects, count


def test_the_pipeline_becomes_a_three_turn_problem(chains) -> None:
    out, singles, problems, rejects, count = chains
    assert read_links(out)
    assert [p.meta["turns"][i]["entry_point"] for p in problems for i in range(len(p.meta["turns"]))] == [
        "tokenize", "to_postfix", "evaluate"]
    chain = problems[0]
    assert is_chain(chain) and chain.entry_point == DRIVER and chain.kind == "function"
    assert [turn["fed"] for turn in chain.meta["turns"]] == ["", "tokens", "postfix"]
    assert chain.prompt.startswith("PRECEDENCE = ") and "def tokenize" not in chain.prompt
    assert chain.meta["turns"][1]["prompt"].startswith("def to_postfix(tokens):\n")
    assert '"""Reorder infix tokens' in chain.meta["turns"][1]["prompt"]
    assert len(chain.tests) == 5 and chain.meta["recordings"] == 6
    assert chain.tests[0].args[0] in ("1 + 2 * 3", "(1 + 2) * 3", "10 / 4 - 1", "2 * (3 + 4) * 5", "7 - 2 - 1",
                                      "8 / (3 - 1)")
    # The loop of doubles is one function repeated; evaluate -> Formatter.render goes through a method
    # (a thin wrapper, not a single problem), so the pipeline's four calls are cut to the three functions.
    assert {r.subject: (r.reason, r.detail) for r in rejects} == {
        "chainpkg/calc.py:double>double>double>double>double": (Reason.REPEATED, "double>double>double>double>double"),
        "chainpkg/calc.py:evaluate>Formatter.render": (Reason.TURN_NOT_A_PROBLEM, "Formatter.render"),
    }
    assert count.kept == 1 and count.into == 1 + len(rejects) and count.stage == "chains"


def test_references_pass_the_final_tests_and_a_stubbed_middle_turn_fails(chains) -> None:
    _, _, problems, _, _ = chains
    chain = problems[0]
    turns = chain.meta["turns"]
    stubbed = [dict(turn) for turn in turns]
    stubbed[1]["reference"] = "    return tokens\n"
    stub = "".join(t["prompt"] + t["reference"] + "\n\n" for t in stubbed) + chain.meta["driver"]
    verdicts = execute(chain, [chain.solution, stub])
    assert verdicts[0].passed, verdicts[0].reason
    assert not verdicts[1].passed


def test_each_turn_passes_its_own_unit_tests_in_the_chain_program(chains) -> None:
    _, singles, problems, _, _ = chains
    chain = problems[0]
    by_name = {p.entry_point: p for p in singles}
    for number, turn in enumerate(chain.meta["turns"]):
        problem = turn_problem(chain, number)
        assert problem.tests == by_name[turn["entry_point"]].tests and problem.tests
        assert all(v.passed for v in execute(problem, [chain.solution])), turn["entry_point"]


def test_a_changed_value_breaks_the_link(chains) -> None:
    """``to_postfix(list(tokens))`` is given a copy: the tracer does not link it, so no chain ends there."""
    out, _, _, _, _ = chains
    tests = {test["qualname"]: test for test in read_links(out)}
    assert "test_copies_break_the_chain" not in tests


def test_chain_problems_round_trip(chains) -> None:
    _, _, problems, _, _ = chains
    from pipelines.problem import Problem

    again = Problem.from_dict(problems[0].to_dict())
    assert again.id == problems[0].id and dataclasses.asdict(again) == dataclasses.asdict(problems[0])


class PlantedTurns:
    """A real tiny GPT-2's samples, with chosen bodies planted as sample ``at`` of every turn.

    The model is random, so it never writes a working turn; the planted chain must be kept because of
    its one complete program, and the prompts must show each turn written on top of the earlier ones.
    The tiny model's window is 512 tokens, so it continues the last ``TAIL`` characters of a prompt.
    """

    TAIL = 600

    def __init__(self, sampler, bodies: list[str], at: int = 3) -> None:
        self.sampler, self.bodies, self.at = sampler, bodies, at
        self.name = "planted:" + sampler.name
        self.prompts: list[str] = []

    def sample(self, prompt, params, seed: int = 0):
        from pipelines.filter.models.base import Sample

        self.prompts.append(prompt)
        samples = self.sampler.sample(prompt[-self.TAIL:], params, seed)
        if params.n > 1:
            samples[self.at] = Sample(self.bodies[0], mean_logprob=-0.5, tokens=5)
        elif self.bodies[0] in prompt:  # a later turn of the planted sample
            number = sum(body in prompt for body in self.bodies[:-1])
            samples[0] = Sample(self.bodies[number], mean_logprob=-0.25, tokens=5)
        return samples

    def close(self) -> None:
        """Nothing of its own."""


@pytest.fixture(scope="module")
def session():
    from sandbox.session import Session

    with Session("bwrap") as live:
        yield live


def test_the_filter_writes_the_turns_in_order_and_keeps_a_chain_one_sample_solves(
        chains, tiny_gpt2_sampler, session) -> None:  # noqa: F811
    from pipelines.filter.model_filter import NO_SAMPLE_PASSES, filter_problem
    from pipelines.filter.models.base import SamplingParams

    chain = chains[2][0]
    turns = chain.meta["turns"]
    params = SamplingParams(n=6, max_tokens=16)
    planted = PlantedTurns(tiny_gpt2_sampler, [turn["reference"] for turn in turns])
    result = filter_problem(chain, planted, params, session)
    assert result.decision.kept and result.decision.problem.meta["filter"]["passes"] == 1
    assert len(planted.prompts) == 1 + params.n * (len(turns) - 1)
    assert planted.prompts[0] == chain.prompt + turns[0]["prompt"]
    second = chain.prompt + turns[0]["prompt"] + turns[0]["reference"] + "\n\n" + turns[1]["prompt"]
    assert second in planted.prompts
    stubbed = PlantedTurns(tiny_gpt2_sampler, [turns[0]["reference"], "    return tokens\n", turns[2]["reference"]])
    result = filter_problem(chain, stubbed, params, session)
    assert not result.decision.kept and result.decision.reason == NO_SAMPLE_PASSES


def test_chains_pass_the_gates_beside_their_single_problems(chains) -> None:
    """Determinism reruns the chain's program; dedup compares it with the single problems of its turns
    (it is not their duplicate) and with a copy of itself (which goes)."""
    from pipelines.gates.dedup import DedupGate
    from pipelines.gates.determinism import DeterminismGate

    _, singles, problems, _, _ = chains
    chain = problems[0]
    with DeterminismGate(runs=2) as gate:
        (decision,) = gate.decide([chain])
    assert decision.kept, decision.detail
    copy = dataclasses.replace(chain, provenance=dataclasses.replace(chain.provenance, package="fork"),
                               tests=chain.tests[:4])
    result = DedupGate().run([*singles, chain, copy])
    assert chain.id in {p.id for p in result.kept} and copy.id not in {p.id for p in result.kept}
    assert {p.id for p in singles} <= {p.id for p in result.kept}


@dataclasses.dataclass
class WriterSettings:
    """What the job's writer reads from the job's settings."""

    out: Path
    stage: str = "problems"


def test_the_writer_puts_chains_in_multi_turn_jsonl(chains, tmp_path: Path) -> None:
    import json

    from pipelines.funnel import Count
    from pipelines.outputs.writer import write_outputs

    _, singles, problems, rejects, count = chains
    elements = [("problem", p.to_dict()) for p in [*singles, *problems]]
    elements += [("reject", r.to_dict()) for r in rejects]
    elements += [("count", count.to_dict()), ("count", Count("synthesis", len(singles)).to_dict())]
    write_outputs(elements, WriterSettings(tmp_path))
    (line,) = [json.loads(text) for text in (tmp_path / "multi_turn.jsonl").read_text().splitlines()]
    assert [turn["entry_point"] for turn in line["turns"]] == ["tokenize", "to_postfix", "evaluate"]
    assert line["context"] == problems[0].prompt and len(line["tests"]) == 5 and line["turns"][1]["tests"]
    assert line["provenance"]["package"] == "chainpkg" and line["pass_stats"] is None
    kept = [json.loads(text)["entry_point"] for text in (tmp_path / "problems.jsonl").read_text().splitlines()]
    assert DRIVER not in kept and len(kept) == len(singles)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["multi_turn"] == {"chains_found": 3, "chains_built": 1, "chains_kept": 1, "turns_kept": 3,
                                    "dropped": {"chains/function_repeated": 1, "chains/turn_not_a_single_problem": 1}}
    assert "Multi-turn chains: 1 kept of 3 found" in (tmp_path / "report.md").read_text()


def test_runs_are_cut_at_functions_that_are_not_problems_and_at_repeats() -> None:
    from pipelines.problems.multi_turn import Turn, _valid_runs

    def turns(names: str) -> list[Turn]:
        return [Turn("/p/m.py", name, 1, "") for name in names]

    singles = {("m.py", name): None for name in "abc"}
    assert _valid_runs(turns("abxc"), singles, ("/p",)) == [(0, 2)]
    assert _valid_runs(turns("abba"), singles, ("/p",)) == [(0, 2), (2, 4)]
    assert _valid_runs(turns("abcab"), singles, ("/p",)) == [(0, 3), (3, 5)]
    assert _valid_runs(turns("xaxb"), singles, ("/p",)) == []


def test_a_round_trip_whose_output_is_its_input_is_not_a_chain(chains) -> None:
    """``pluralize(singularize(w)) == w``: returning the input passes, so the tests say nothing."""
    from pipelines.problems.multi_turn import Turn, build_chain

    _, singles, problems, _, _ = chains
    by_name = {(p.provenance.path, p.entry_point): p for p in singles}
    chain = problems[0]
    turns = [Turn(str(FIXTURES / "chainpkg" / "calc.py"), t["entry_point"], 1, t["fed"]) for t in chain.meta["turns"]]
    text = {"args": [["text", "pos", {"v": "1+1"}]], "result": {"v": ["1", "+", "1"]}}
    post = {"args": [["tokens", "pos", {"v": ["1", "+", "1"]}]], "result": {"v": ["1", "1", "+"]}}
    # A recording made up so that the final output equals the first input, as a round trip's does.
    looped = [text, post, {"args": [["postfix", "pos", {"v": ["1", "1", "+"]}]], "result": {"v": "1+1"}}]
    other = [{**text, "args": [["text", "pos", {"v": "2"}]]}, post,
             {"args": [["postfix", "pos", {"v": ["1", "1", "+"]}]], "result": {"v": "2"}}]
    problem, reason, _ = build_chain(turns, [looped, other], by_name, (str(FIXTURES),))
    assert problem is None and reason == Reason.RETURNS_INPUT
