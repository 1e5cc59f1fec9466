"""Multi-turn problems from chains a purpose-written suite builds, traced for real in this process."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

import pytest

from pipelines.problems.chain_driver import FLOAT_TOLERANCE
from pipelines.problems.multi_turn import DRIVER, Reason, find_chains, is_chain, read_links, turn_problem
from pipelines.problems.records import read_records
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


def chain_of(problems, last: str):
    """The chain whose last turn is ``last``."""
    (chain,) = [p for p in problems if p.meta["turns"][-1]["entry_point"] == last]
    return chain


def test_the_pipeline_becomes_a_four_turn_problem_ending_in_a_method(chains) -> None:
    out, singles, problems, rejects, count = chains
    assert read_links(out)
    assert sorted([turn["entry_point"] for turn in p.meta["turns"]] for p in problems) == [
        ["Ruler.measure", "Ruler.label"], ["Vector.parse", "Vector.scaled", "Vector.length"],
        ["Vector.parse", "Vector.scaled", "describe"],
        ["tokenize", "to_postfix", "evaluate", "Formatter.render"]]
    chain = chain_of(problems, "Formatter.render")
    turns = chain.meta["turns"]
    assert is_chain(chain) and chain.entry_point == DRIVER and chain.kind == "function"
    assert [turn["fed"] for turn in turns] == ["", "tokens", "postfix", "value"]
    assert [turn["receiver"] for turn in turns] == ["", "", "", "constructor"]
    assert chain.prompt.startswith("PRECEDENCE = ") and "def tokenize" not in chain.prompt
    assert turns[1]["prompt"].startswith("def to_postfix(tokens):\n")
    assert '"""Reorder infix tokens' in turns[1]["prompt"]
    # The method turn is its class problem's layout: the class, the target last, cut after its docstring.
    assert turns[3]["prompt"].startswith("class Formatter:\n") and "def __init__(self, precision" in turns[3]["prompt"]
    assert turns[3]["prompt"].endswith('    def render(self, value):\n        """The value rounded to the formatter\'s '
                                       'precision, with commas between thousands, then its unit."""\n')
    # The driver builds the object from the linked constructor call's recorded arguments, made inputs.
    assert chain.meta["driver"].splitlines()[0] == "def run_chain(t0_text, t3_init_precision, t3_init_unit):"
    assert "return Formatter(t3_init_precision, t3_init_unit).render(out2)" in chain.meta["driver"]
    assert len(chain.tests) == 5 and chain.meta["recordings"] == 6
    assert {test.compare for test in chain.tests} == {"exact"}  # strings: compared exactly
    assert ["1200 * 3 - 0.5", 2, "m"] in [test.args for test in chain.tests]
    assert "3,599.50m" in [test.expected for test in chain.tests]
    # The loop of doubles is one function repeated; evaluate -> Formatter.render of the other test was
    # recorded once, so its one final test cannot tell a solution from a constant.
    assert {r.subject: (r.reason, r.detail) for r in rejects} == {
        "chainpkg/calc.py:double>double>double>double>double": (Reason.REPEATED, "double>double>double>double>double"),
        "chainpkg/calc.py:evaluate>Formatter.render": (Reason.TRIVIAL, "1 final tests"),
        "chainpkg/calc.py:normalised>Vector.scaled>Vector.length": (
            Reason.TURN_IN_CONTEXT, "Vector (turn 1 needs it, a later turn writes it)"),
    }
    assert count.kept == 4 and count.into == 4 + len(rejects) and count.stage == "chains"


def test_methods_on_each_result_are_one_class_written_once(chains) -> None:
    """``Vector.parse(text).scaled(factor).length()``: each method runs on the turn before's result; the
    class is laid out once, the first turn with the other members, each later one only its method."""
    _, _, problems, _, _ = chains
    chain = chain_of(problems, "Vector.length")
    turns = chain.meta["turns"]
    assert [turn["fed"] for turn in turns] == ["", "self", "self"]
    assert [turn["receiver"] for turn in turns] == ["", "previous", "previous"]
    assert [turn["method_kind"] for turn in turns] == ["classmethod", "method", "method"]
    assert chain.prompt == "import math\n\n\n"
    assert turns[0]["prompt"].startswith('class Vector:\n    """A vector in the plane."""\n\n'
                                         '    def __init__(self, x, y):')
    assert turns[0]["prompt"].endswith('    @classmethod\n    def parse(cls, text):\n'
                                       '        """Read "x, y" (spaces optional) as a vector of floats."""\n')
    assert "def scaled" not in turns[0]["prompt"] and "def length" not in turns[0]["prompt"]
    assert turns[1]["prompt"] == ('    def scaled(self, factor):\n        """A new vector: this one with both '
                                  'coordinates multiplied by ``factor``."""\n')
    assert turns[2]["prompt"] == '    def length(self):\n        """The Euclidean length of the vector."""\n'
    program = chain.solution
    assert program.count("class Vector") == 1 and program.count("def __init__") == 1
    assert chain.meta["driver"] == ("def run_chain(t0_text, t1_factor):\n    out0 = Vector.parse(t0_text)\n"
                                    "    out1 = out0.scaled(t1_factor)\n    return out1.length()\n")
    assert len(chain.tests) == 5 and {(t.compare, t.rel_tol, t.abs_tol) for t in chain.tests} == {
        ("close", FLOAT_TOLERANCE, FLOAT_TOLERANCE)}
    assert FLOAT_TOLERANCE == 1e-6 and ["1,1", 3] in [t.args for t in chain.tests]


def stubbed(chain, number: int, body: str) -> str:
    """The chain's program with turn ``number``'s reference replaced by ``body``."""
    turns = [dict(turn) for turn in chain.meta["turns"]]
    turns[number]["reference"] = body
    return "".join(t["prompt"] + t["reference"] + "\n\n" for t in turns) + chain.meta["driver"]


MIDDLE_STUBS = {"Formatter.render": (1, "    return tokens\n"), "Vector.length": (1, "        return self\n"),
                "describe": (1, "        return self\n"), "Ruler.label": (0, "        return 0, centimetres\n")}


@pytest.mark.parametrize("first", sorted(MIDDLE_STUBS))
def test_references_pass_the_final_tests_and_a_stubbed_middle_turn_fails(chains, first: str) -> None:
    chain = chain_of(chains[2], first)
    verdicts = execute(chain, [chain.solution, stubbed(chain, *MIDDLE_STUBS[first])])
    assert verdicts[0].passed, verdicts[0].reason
    assert not verdicts[1].passed


def test_float_results_compare_within_mtpb_tolerance(chains) -> None:
    """A last turn off by one part in 1e9 passes (1e-6, as MTPB); one off by one part in 1e3 fails."""
    chain = chain_of(chains[2], "Vector.length")
    near = "        squares = self.x * self.x + self.y * self.y\n        return math.sqrt(squares) * (1 + 1e-9)\n"
    far = "        squares = self.x * self.x + self.y * self.y\n        return math.sqrt(squares) * 1.001\n"
    verdicts = execute(chain, [stubbed(chain, 2, near), stubbed(chain, 2, far)])
    assert verdicts[0].passed, verdicts[0].reason
    assert not verdicts[1].passed


def test_a_class_a_function_turn_needs_is_written_once_by_its_method_turns(chains) -> None:
    """``describe(Vector.parse(text).scaled(f))``: describe's own problem brings class Vector in its
    context; in the chain the method turns write it (once) before describe, so the context loses it.
    ``normalised(text).scaled(f).length()`` would show turn 1 a class only later turns write: dropped."""
    _, _, problems, _, _ = chains
    chain = chain_of(problems, "describe")
    assert chain.prompt == "import math\n\n\n" and chain.solution.count("class Vector") == 1
    assert [turn["receiver"] for turn in chain.meta["turns"]] == ["", "previous", ""]
    assert "def length(self):" in chain.meta["turns"][0]["prompt"]  # not a turn here: a member like any other
    assert {test.compare for test in chain.tests} == {"exact"}


def test_an_object_used_by_two_turns_is_built_again_only_when_no_method_changes_it(chains) -> None:
    """``ruler.label(ruler.measure(cm))``: ``label`` runs on an object ``measure`` ran on before. Ruler's
    methods change nothing, so the driver builds it once from the constructor's arguments for both
    turns; were the class changed by its methods, ``label`` would not be a turn."""
    from pipelines.problems.multi_turn import chains_in

    out, _, problems, _, _ = chains
    chain = chain_of(problems, "Ruler.label")
    assert [turn["receiver"] for turn in chain.meta["turns"]] == ["constructor", "constructor"]
    assert chain.meta["driver"] == (
        "def run_chain(t0_init_size, t0_init_name, t0_centimetres):\n    obj0 = Ruler(t0_init_size, t0_init_name)\n"
        "    out0 = obj0.measure(t0_centimetres)\n    return obj0.label(out0)\n")
    assert [t.expected for t in chain.tests if t.args[2] == 3] == ["0 hands and 3 cm"]
    pairs = {record["pair"]: record for records in read_records(out).values() for record in records}
    (test,) = [test for test in read_links(out) if test["qualname"] == "test_one_ruler_measures_and_labels"]
    paths = list(chains_in(test, pairs))
    # Not known to be unchanged by its methods: only the first call on the new ruler has it as built.
    assert [[turn.built for turn, _ in path] for path in paths] == [[True, False]] + [[False, False]] * 3
    frozen = [path for path in chains_in(test, pairs, lambda file, cls: cls == "Ruler")]
    assert [[(turn.built, turn.shares) for turn, _ in path] for path in frozen] == [[(True, 0), (True, 1)]] * 4


def test_turns_of_one_class_apart_are_not_laid_out(chains) -> None:
    """Vector.parse, then a function, then Vector.scaled: the class would have to be written twice."""
    from pipelines.problems.chain_layout import CLASS_SPLIT, turn_texts

    _, singles, _, _, _ = chains
    by_name = {p.entry_point: p for p in singles}
    assert turn_texts([by_name["Vector.parse"], by_name["double"], by_name["Vector.scaled"]]) == (CLASS_SPLIT, "Vector")
    assert Reason.CLASS_SPLIT == CLASS_SPLIT


@pytest.mark.parametrize("first", sorted(MIDDLE_STUBS))
def test_each_turn_passes_its_own_unit_tests_in_the_chain_program(chains, first: str) -> None:
    _, singles, problems, _, _ = chains
    chain = chain_of(problems, first)
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

    for problem in problems:
        again = Problem.from_dict(problem.to_dict())
        assert again.id == problem.id and dataclasses.asdict(again) == dataclasses.asdict(problem)


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
        self.stops: dict[str, tuple[str, ...]] = {}

    def sample(self, prompt, params, seed: int = 0):
        from pipelines.filter.models.base import Sample

        self.prompts.append(prompt)
        self.stops[prompt] = params.stop
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


@pytest.mark.parametrize("first", sorted(MIDDLE_STUBS))
def test_the_filter_writes_the_turns_in_order_and_keeps_a_chain_one_sample_solves(
        chains, tiny_gpt2_sampler, session, first: str) -> None:  # noqa: F811
    """For the method chain, turn 2's prompt is its indented method, after turn 1's class with the
    model's own ``parse``."""
    from pipelines.filter.model_filter import NO_SAMPLE_PASSES, filter_problem
    from pipelines.filter.models.base import SamplingParams

    chain = chain_of(chains[2], first)
    turns = chain.meta["turns"]
    params = SamplingParams(n=6, max_tokens=16)
    planted = PlantedTurns(tiny_gpt2_sampler, [turn["reference"] for turn in turns])
    result = filter_problem(chain, planted, params, session)
    assert result.decision.kept and result.decision.problem.meta["filter"]["passes"] == 1
    assert len(planted.prompts) == 1 + params.n * (len(turns) - 1)
    assert planted.prompts[0] == chain.prompt + turns[0]["prompt"]
    second = chain.prompt + turns[0]["prompt"] + turns[0]["reference"] + "\n\n" + turns[1]["prompt"]
    assert second in planted.prompts
    # A method turn's body ends at the next member of its class; a function's at the Codex stops.
    from pipelines.filter.multi_turn import MEMBER_STOPS

    assert [set(MEMBER_STOPS) <= set(planted.stops[prompt]) for prompt in (planted.prompts[0], second)] == [
        bool(turns[0]["class"]), bool(turns[1]["class"])]
    bodies = [turn["reference"] for turn in turns]
    bodies[MIDDLE_STUBS[first][0]] = MIDDLE_STUBS[first][1]
    result = filter_problem(chain, PlantedTurns(tiny_gpt2_sampler, bodies), params, session)
    assert not result.decision.kept and result.decision.reason == NO_SAMPLE_PASSES


def test_chains_pass_the_gates_beside_their_single_problems(chains) -> None:
    """Determinism reruns the chain's program; dedup compares it with the single problems of its turns
    (it is not their duplicate) and with a copy of itself (which goes)."""
    from pipelines.gates.dedup import DedupGate
    from pipelines.gates.determinism import DeterminismGate

    _, singles, problems, _, _ = chains
    with DeterminismGate(runs=2) as gate:
        decisions = gate.decide(problems)
    assert all(decision.kept for decision in decisions), [decision.detail for decision in decisions]
    chain = chain_of(problems, "Vector.length")
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
    lines = [json.loads(text) for text in (tmp_path / "multi_turn.jsonl").read_text().splitlines()]
    (line,) = [line for line in lines if line["turns"][0]["entry_point"] == "tokenize"]
    assert [turn["entry_point"] for turn in line["turns"]] == ["tokenize", "to_postfix", "evaluate", "Formatter.render"]
    assert [(turn["class"], turn["receiver"]) for turn in line["turns"]][3] == ("Formatter", "constructor")
    chain = chain_of(problems, "Formatter.render")
    assert line["context"] == chain.prompt and len(line["tests"]) == 5 and line["turns"][1]["tests"]
    assert line["provenance"]["package"] == "chainpkg" and line["pass_stats"] is None and len(lines) == 4
    kept = [json.loads(text)["entry_point"] for text in (tmp_path / "problems.jsonl").read_text().splitlines()]
    assert DRIVER not in kept and len(kept) == len(singles)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["multi_turn"] == {
        "chains_found": 7, "chains_built": 4, "chains_kept": 4, "turns_kept": 12,
        "dropped": {"chains/final_tests_expect_one_constant": 1, "chains/function_repeated": 1,
                    "chains/turn_defined_in_context": 1}}
    assert "Multi-turn chains: 4 kept of 7 found" in (tmp_path / "report.md").read_text()


def test_runs_are_cut_at_functions_that_are_not_problems_and_at_repeats() -> None:
    from pipelines.problems.multi_turn import Turn, _valid_runs

    def turns(names: str) -> list[Turn]:
        return [Turn("/p/m.py", name, 1, "") for name in names]

    singles = {("m.py", name): None for name in "abc"}
    assert _valid_runs(turns("abxc"), singles, ("/p",)) == [(0, 2)]
    assert _valid_runs(turns("abba"), singles, ("/p",)) == [(0, 2), (2, 4)]
    assert _valid_runs(turns("abcab"), singles, ("/p",)) == [(0, 3), (3, 5)]
    assert _valid_runs(turns("xaxb"), singles, ("/p",)) == []


def test_a_method_is_a_turn_only_where_the_chain_has_its_object() -> None:
    """A method's object is the previous turn's result (fed ``self``) or built by a linked constructor
    call; a method on an object made elsewhere, or on the result of a call that is not a turn, is not."""
    from types import SimpleNamespace

    from pipelines.problems.multi_turn import Turn, _valid_runs, _why_no_run

    singles = {("m.py", "a"): None, ("m.py", "C.m"): SimpleNamespace(meta={"method_kind": "method"}),
               ("m.py", "C.s"): SimpleNamespace(meta={"method_kind": "staticmethod"})}

    def turn(name: str, fed: str = "", built: bool = False) -> Turn:
        return Turn("/p/m.py", name, 1, fed, built)

    assert _valid_runs([turn("a"), turn("C.m", "self")], singles, ("/p",)) == [(0, 2)]
    assert _valid_runs([turn("a"), turn("C.m", "x", built=True)], singles, ("/p",)) == [(0, 2)]
    assert _valid_runs([turn("a"), turn("C.s", "x")], singles, ("/p",)) == [(0, 2)]
    assert _valid_runs([turn("a"), turn("C.m", "x")], singles, ("/p",)) == []
    assert _valid_runs([turn("x"), turn("C.m", "self"), turn("a", "y")], singles, ("/p",)) == []
    assert _why_no_run((turn("a"), turn("C.m", "x")), singles, ("/p",)) == (Reason.SELF_NOT_REBUILT, "C.m")


def test_a_round_trip_whose_output_is_its_input_is_not_a_chain(chains) -> None:
    """``pluralize(singularize(w)) == w``: returning the input passes, so the tests say nothing."""
    from pipelines.problems.multi_turn import Turn, build_chain

    _, singles, problems, _, _ = chains
    by_name = {(p.provenance.path, p.entry_point): p for p in singles}
    chain = chain_of(problems, "Formatter.render")
    turns = [Turn(str(FIXTURES / "chainpkg" / "calc.py"), t["entry_point"], 1, t["fed"])
             for t in chain.meta["turns"][:3]]
    text = {"args": [["text", "pos", {"v": "1+1"}]], "result": {"v": ["1", "+", "1"]}}
    post = {"args": [["tokens", "pos", {"v": ["1", "+", "1"]}]], "result": {"v": ["1", "1", "+"]}}
    # A recording made up so that the final output equals the first input, as a round trip's does.
    looped = [text, post, {"args": [["postfix", "pos", {"v": ["1", "1", "+"]}]], "result": {"v": "1+1"}}]
    other = [{**text, "args": [["text", "pos", {"v": "2"}]]}, post,
             {"args": [["postfix", "pos", {"v": ["1", "1", "+"]}]], "result": {"v": "2"}}]
    problem, reason, _ = build_chain(turns, [looped, other], by_name, (str(FIXTURES),))
    assert problem is None and reason == Reason.RETURNS_INPUT


def test_a_class_shared_by_two_turns_leaves_out_the_later_method_and_what_names_it() -> None:
    """The first turn's class loses the later turn's method and a class statement naming it (it would
    run before the method exists); the program of both turns defines the class once and runs."""
    from types import SimpleNamespace

    from pipelines.problems.chain_layout import turn_texts

    first = SimpleNamespace(entry_point="C.a", solution="        return X\n", prompt=(
        'X = 1\n\n\nclass C:\n    """Doc."""\n\n    def b(self):\n        """B."""\n        return self.a() + 1\n\n'
        '    other = b\n\n    def a(self):\n        """A."""\n'))
    second = SimpleNamespace(entry_point="C.b", solution="        return self.a() + 1\n", prompt=(
        'X = 1\n\n\nclass C:\n    """Doc."""\n\n    def a(self):\n        """A."""\n        return X\n\n'
        '    def b(self):\n        """B."""\n'))
    texts = turn_texts([first, second])
    assert [text.context for text in texts] == ["X = 1", "X = 1"]
    assert texts[0].prompt == 'class C:\n    """Doc."""\n\n    def a(self):\n        """A."""\n'
    assert texts[1].prompt == '    def b(self):\n        """B."""\n'
    namespace: dict = {}
    exec("X = 1\n\n\n" + "".join(t.prompt + t.reference + "\n\n" for t in texts), namespace)  # noqa: S102
    assert namespace["C"]().b() == 2
