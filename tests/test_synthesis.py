"""Synthesis and the standalone rules on a module written for the purpose, from real tracer records."""

from __future__ import annotations

import contextlib
import json
import marshal
import ntpath
import os
import pathlib
import pickle
import posixpath
import warnings
from pathlib import Path

import pytest

from pipelines.gates import determinism
from pipelines.problems import synthesis
from pipelines.problems.instances import self_reads
from pipelines.problems.methods import class_context, class_prompt, find_method
from pipelines.problems.project import load_module
from pipelines.problems.records import read_records
from pipelines.problems.standalone import Reason as Standalone
from pipelines.problems.synthesis import Origin, Reason, SynthesisSettings, choose_tests, synthesise, to_test
from sandbox import wire
from sandbox.execute import execute
from sandbox.types import FunctionTest
from tests.tracing import on_path, recording

FIXTURES = Path(__file__).resolve().parent / "synthesis_fixtures"


@pytest.fixture(scope="module")
def mined(tmp_path_factory: pytest.TempPathFactory):
    """Trace calls of minedpkg.textutil in this process, then synthesise problems from the records."""
    out = tmp_path_factory.mktemp("records")
    with on_path(FIXTURES):
        import datetime
        import decimal  # noqa: F401 - used by the traced module

        from minedpkg import bigclass as big
        from minedpkg import catalog as k
        from minedpkg import compact, tiles
        from minedpkg import compat as c
        from minedpkg import formats as f
        from minedpkg import ledger as g
        from minedpkg import locales as loc
        from minedpkg import registry as r
        from minedpkg import textutil as t

        with recording(out, FIXTURES / "minedpkg"):
            for text in ("An eerie audio idea", "queue", "", "Rhythm myths", "aqueous beauty"):
                t.vowel_heavy(text)
                t.vowel_heavy(text, minimum=3)
            for n in (0, 1, 4, 10, -1, -5):
                with contextlib.suppress(ValueError):
                    t.triangle(n)
            for a, b in ((1, 5), (9, 2), (3, 3)):
                t.no_doc(a, b)
            for word in ("abc", "de", "fgh", "hello world", "xyz"):
                t.stamp(word), t.today_label(word), t.shuffle_copy([word, 1]), t.home_of(word)
                t.uses_other(len(word)), t.register(word), t.always_none(len(word)), t.unique_letters(word)
            t.rare(1)
            for _ in range(3):  # a value that holds where the project lies on this machine
                t.rare(str(FIXTURES / "minedpkg" / "textutil.py"))
            for n in (1, 2, 3):
                t.lazy_factor(n)
            for value in (1, "a", 2.5, None):
                t.safe_text(value)
            for items in ([1, 2, 1, 3], ["a", "a"], [], [5], [2, 2, 2, 1, 1]):
                t.dedupe_in_place(items)
            for owner, amounts in (("ann", (5, 20)), ("bob", (100,)), ("cy", (1, 2, 3)), ("dee", (-4,))):
                # Accounts hold a bound method (no encoding): a call that is the first on a fresh object is
                # tested by calling the class with the recorded constructor arguments.
                g.Account(owner, balance=10).projected(len(amounts))
                for amount in amounts:
                    with contextlib.suppress(g.LedgerError):
                        g.Account(owner, balance=10 * amount).deposit(amount)
                g.Account(owner, balance=sum(amounts) * 10).level()
                g.Account(owner, balance=len(amounts)).statement()
                spent = g.Account(owner, balance=len(owner) * 50)
                spent.projected(1)
                spent.level()  # not the first call: built from its attributes but the bound method (never read)
                spent.statement()  # reads the bound method: this call cannot be a test
            for text in ("12.50", "3", " 7.5 ", "x1", "1.x"):
                with contextlib.suppress(g.LedgerError):
                    g.Account.parse_amount(text)
            for items in ([3, 1, 2], [5], [9, 9, 1, 4]):
                for n in (1, 2):
                    g.Crate(items).heaviest(n)
            for owner, days in (("a", 1), ("bb", 10), ("ccc", 50)):
                g.Account.opening(owner, days)
            for day, hours in ((1, 5), (2, 30), (28, 1)):
                window = g.Window(datetime.datetime(2024, 2, day, 12, 0, 0, 1), datetime.timedelta(hours=hours))
                window.end(), window.span(day), window.shifted(day), window.stretch(2)
            windows = [g.Window(datetime.datetime(2024, 1, d), datetime.timedelta(hours=d)) for d in (3, 1, 7, 2)]
            for count in (1, 2, 3, 4):
                g.longest(windows[:count])
            grader = g.Grader([90, 50, 70])
            for score in (10, 60, 75, 95):
                grader.grade(score), grader.label(score)  # many calls on one object that never changes
            for word, n in (("abc", 1), ("Zed", 2), ("", 3), ("hello", 0)):
                c.word_score(word, (n,)), c.mode(n)
            for inches in (1, 10, 500, -3):
                k.describe(inches), k.per_metre(inches)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                for cm in (1, 10, 100, -20):
                    k.inches_of(cm), k.inches_twice(cm)
            for value in (b"caf\xc3\xa9", 12, "x", None):
                c.as_text(value)
            for words in ("a b a c b a", "x y z", "to be or not to be", "q"):
                tally = big.Tally(words.split())
                for n in (1, 2, 5):
                    tally.top(n)
            for name, address in (("Ann", "a@x.org"), ("Bo, Jr.", "b@y.org"), ("", "c@z.org")):
                k.address_of(name, address)
            for width, height in ((1, 2), (3, 3), (0.5, 10)):
                k.area_cm2(k.Size(width, height))
            for width, height, limit in ((10, 5, 4), (1, 2, 4), (8, 8, 2), (3, 12, 6)):
                k.fit_within(k.Size(width, height), limit)
            for name in ("LOW", "HIGH", "CM_PER_INCH"):
                k.attribute_of(name)
            for items in ([1, 5, 3], [12.5], [2, 2, 8, 40]):
                shelf = k.Shelf(items)
                for n in (0, 4):
                    shelf.count_over(n), shelf.widest(n), shelf.label(n), shelf.fits(n * 30)
            for x in (1, 10, 40, -2):
                g.scaled(x), g.week_after(datetime.date(2024, 2, 20 + x % 5)), g.limited_sum([x, 2 * x, -x])
            for word in ("person", "child", "box", "cat", "bus"):
                r.plural(word), r.count_of(word), r.greeting(word), r.busy(len(word))
            for a, b in ((1, 2), (5, 3), (-1, -7)):
                r.pair(a, b)
                r.checksum(bytes([a % 256, b % 256, 200])), r._padded(bytes([a % 256] * abs(b)))
            for singular, plural in (("foot", "feet"), ("mouse", "mice"), ("goose", "geese")):
                r.learn(singular, plural)
            for value in (1.2, 3, 0.0004):
                r.Kilometre().to_metres(value)
            for i in (0, 1, 2, -1):
                r.clamped(i)
            for n in (1, 2, 3, 4, 11, 12, 23, 101, -1):
                with contextlib.suppress(ValueError):
                    loc.English().ordinal(n)
                loc.English().spelled(n)
            for module in (json, pickle, marshal, compact.CompactJSON):
                f.is_text_serializer(module)
            for width, height in ((1, 2), (0.5, 3.25), (4, 4)):
                f.area(compact.Box(width, height)), f.area(tiles.Tile(width, height + 1))
            for module in (os, posixpath, ntpath):  # modules that reach the machine are not values
                f.path_separator(module)
            for path in (pathlib.PurePosixPath("etc/Setup.CFG"), pathlib.Path("tox.ini"),
                         pathlib.PureWindowsPath(r"C:\App\Main.TOML"), "setup.cfg"):
                f.config_stem(path)
            for lines in (["a", "b "], [], ["only"]):
                f.written(lines)
    origin = Origin("git", "minedpkg", "1.0", "abc123", "file:///repo", "MIT", "2026-01-01T00:00:00+00:00",
                    (str(FIXTURES),))
    problems, rejects, count = synthesise(out, origin, SynthesisSettings(min_calls=3, max_tests=10))
    assert count.kept == len(problems) and count.into == len(problems) + len(rejects)
    return {p.entry_point: p for p in problems}, {r.subject.split(":", 1)[1]: r for r in rejects}


@pytest.mark.parametrize(("function", "reason"), [
    ("stamp", Standalone.CLOCK),
    ("today_label", Standalone.CLOCK),
    ("shuffle_copy", Standalone.RANDOM),
    ("home_of", Standalone.IO),
    ("register", Standalone.GLOBAL_STATE),
    ("always_none", Reason.TRIVIAL_TESTS),
    ("rare", Reason.FEW_CALLS),
    ("lazy_factor", Standalone.NEEDS_PROJECT),
])
def test_rejects_carry_the_rule(mined, function: str, reason: str) -> None:
    _, rejects = mined
    assert rejects[function].reason == reason
    assert rejects[function].stage == "synthesis" and rejects[function].subject.startswith("minedpkg/textutil.py:")
    if function == "lazy_factor":
        assert rejects[function].detail == "units (imported inside lazy_factor)"


def test_prompt_has_the_context_and_the_solution_is_the_body(mined) -> None:
    problems, _ = mined
    problem = problems["vowel_heavy"]
    assert problem.prompt.startswith("import re\n")
    for needed in ('VOWELS = frozenset("aeiou")', "WORD = re.compile", "def _count(word):"):
        assert needed in problem.prompt
    assert "REGISTRY" not in problem.prompt and "import random" not in problem.prompt
    assert problem.prompt.rstrip().endswith('"""Words of ``text`` with at least ``minimum`` vowels, in order."""')
    assert problem.solution.strip().startswith("return [w for w in WORD.findall")
    assert problem.docstring == "Words of ``text`` with at least ``minimum`` vowels, in order."
    assert problem.provenance.path == "minedpkg/textutil.py" and problem.provenance.license == "MIT"
    assert problem.provenance.line > 0 and problem.provenance.commit == "abc123"


def test_harmless_decorator_is_stripped_and_exceptions_become_tests(mined) -> None:
    problems, _ = mined
    problem = problems["triangle"]
    assert "lru_cache" not in problem.prompt and problem.prompt.startswith("def triangle(n):")
    raising = [t for t in problem.tests if t.raises]
    assert {t.raises for t in raising} == {"ValueError"} and len(raising) == 2
    assert {(wire.decode(t.args[0]), t.expected) for t in problem.tests if not t.raises} == {
        (0, 0), (1, 1), (4, 10), (10, 55)}


def test_docstring_less_functions_are_kept_and_marked(mined) -> None:
    problems, _ = mined
    assert problems["no_doc"].docstring == "" and problems["no_doc"].meta["has_docstring"] is False


def test_every_kept_reference_passes_its_tests_in_the_sandbox(mined) -> None:
    problems, _ = mined
    assert set(problems) >= {"vowel_heavy", "triangle", "no_doc", "unique_letters", "scaled", "week_after",
                             "Account.deposit", "Account.projected", "Account.level", "Account.statement",
                             "Account.parse_amount", "Crate.heaviest",
                             "Account.opening", "Window.end", "Window.span", "Window.stretch",
                             "Window.shifted", "longest", "word_score", "mode", "Grader.grade", "Grader.label",
                             "uses_other", "describe", "Shelf.widest", "Shelf.count_over", "Shelf.fits", "inches_of",
                             "per_metre", "address_of", "Tally.top", "as_text",
                             "area_cm2", "plural", "count_of", "greeting", "pair", "checksum",
                             "Kilometre.to_metres", "_byte_values", "clamped", "English.ordinal", "dedupe_in_place",
                             "fit_within"}
    for problem in problems.values():
        indent = " " * (len(problem.solution) - len(problem.solution.lstrip()))
        verdicts = execute(problem, [problem.solution, f"{indent}return None\n", f"{indent}pass\n"])
        if problem.entry_point not in ("unique_letters", "Locale.spelled"):
            assert verdicts[0].passed, (problem.entry_point, verdicts[0].reason)
        assert not verdicts[1].passed and not verdicts[2].passed, problem.entry_point


def test_determinism_rejects_hash_seed_dependent_functions(mined) -> None:
    problems, _ = mined
    with determinism.DeterminismGate(runs=3) as gate:
        result = gate.run([problems["unique_letters"], problems["vowel_heavy"]])
    assert [p.entry_point for p in result.kept] == ["vowel_heavy"]
    (bad,) = result.rejects
    assert bad.stage == "determinism" and bad.problem["entry_point"] == "unique_letters"
    assert bad.reason in (determinism.NONDETERMINISTIC, determinism.REFERENCE_FAILS)


def test_determinism_drops_a_problem_whose_tests_a_trivial_body_passes(mined) -> None:
    problems, _ = mined
    with determinism.DeterminismGate(runs=2) as gate:
        result = gate.run([problems["safe_text"], problems["vowel_heavy"], problems["Locale.suffix"]])
    assert [p.entry_point for p in result.kept] == ["vowel_heavy", "Locale.suffix"]
    (bad,) = result.rejects
    assert (bad.problem["entry_point"], bad.reason, bad.detail) == (
        "safe_text", determinism.Reason.TRIVIAL_BODY_PASSES, "`return str(obj)` passes every test")


def test_tests_are_chosen_for_diversity() -> None:
    tests = [FunctionTest(args=[n], expected=n) for n in range(40)]
    tests += [FunctionTest(args=["s" * n], expected=n) for n in range(5)]
    tests += [FunctionTest(args=[-n], expected=0) for n in range(1, 5)]
    tests += [FunctionTest(args=[None], raises="TypeError")]
    chosen = choose_tests(tests, 10)
    kinds = {type(wire.decode(t.args[0])).__name__ for t in chosen}
    assert len(chosen) == 10 and kinds == {"int", "str", "NoneType"}
    assert any(t.raises == "TypeError" for t in chosen)
    assert any(wire.decode(t.args[0]) < 0 for t in chosen if isinstance(wire.decode(t.args[0]), int))
    assert choose_tests(list(reversed(tests)), 10) == chosen, "choice must not depend on record order"


def test_calls_that_give_an_argument_back_do_not_crowd_out_those_that_do_not() -> None:
    # An escaper: most recorded inputs have nothing to escape (and are short), a few do.
    tests = [FunctionTest(args=[word], expected=word) for word in ("a", "bb", "ccc", "dddd", "e f", "gg h", "i")]
    tests += [FunctionTest(args=[word], expected=word.replace("<", "&lt;")) for word in ("a < b long", "<<x>> long")]
    chosen = choose_tests(tests, 4)
    assert sum(t.expected != t.args[0] for t in chosen) >= 1
    assert synthesis._echoed_argument(chosen) is None
    # A validator: many calls expect True, one raised, one expects False.
    checks = [FunctionTest(args=[n], expected=True) for n in range(1, 30)]
    checks += [FunctionTest(args=[10**6], expected=False), FunctionTest(args=[-1], raises="ValueError")]
    assert {json.dumps([t.expected, t.raises]) for t in choose_tests(checks, 3)} == {
        "[true, null]", "[false, null]", '[null, "ValueError"]'}


def test_star_arguments_become_positional_and_keyword_args() -> None:
    record = {"args": [["a", "pos", {"v": 1}], ["k", "kwonly", {"v": 2}], ["rest", "var", {"v": {"tuple": [3, 4]}}],
                       ["kw", "varkw", {"v": {"dict": [["z", 5]]}}]], "result": {"v": 15}}
    test = to_test(record)
    assert test.args == [1, 3, 4] and test.kwargs == {"k": 2, "z": 5} and test.expected == 15


def test_methods_become_class_problems_with_the_target_last(mined) -> None:
    problems, rejects = mined
    deposit = problems["Account.deposit"]
    assert deposit.meta["method_kind"] == "method" and deposit.meta["instances"] == ["init"]
    class_text = deposit.prompt[deposit.prompt.index("class Account:"):]
    assert class_text.rstrip().endswith('"""Add ``amount`` (positive) to the balance, remember it, and return the new '
                                        'balance."""')
    for member in ("def __init__(self, owner, balance=0):", "def projected(self, years):", "def __repr__(self):"):
        assert member in class_text  # the other members in full
    assert "self.history.append(amount)" in deposit.solution and "self.history.append" not in deposit.prompt
    assert "class LedgerError(ValueError):" in deposit.prompt  # what the class needs comes along
    raising = [t for t in deposit.tests if t.raises]
    assert raising and raising[0].raises == "__candidate__.LedgerError"
    assert {rejects[name].reason for name in ("Account.__init__", "Window.__init__")} == {"dunder_method"}


def test_self_is_rebuilt_from_its_constructor_call_or_its_attributes(mined) -> None:
    problems, _ = mined
    projected = problems["Account.projected"]  # always the first call on a fresh object
    assert {next(iter(t.instance)) for t in projected.tests} == {"init"}
    assert all(t.state_after is None for t in projected.tests)  # pure: the state is not part of the test
    assert wire.decode(projected.tests[0].expected).__class__.__name__ == "Decimal"
    stretch = problems["Window.stretch"]  # slotted, no weak references: a snapshot of its attributes
    assert {next(iter(t.instance)) for t in stretch.tests} == {"state"}
    assert all(t.expected is None and t.state_after for t in stretch.tests)  # tested on the state it leaves
    level = problems["Account.level"]  # the calls on a used object: built from all its attributes but ``fmt``
    assert {next(iter(t.instance)) for t in level.tests} == {"init", "state"}
    assert all("fmt" not in wire.decode(t.instance["state"]) for t in level.tests if "state" in t.instance)
    statement = problems["Account.statement"]  # reads ``fmt``: only the fresh objects' calls are tests
    assert len(statement.tests) == 4 and {next(iter(t.instance)) for t in statement.tests} == {"init"}


def test_static_and_class_methods_are_problems(mined) -> None:
    problems, _ = mined
    parse = problems["Account.parse_amount"]
    assert parse.meta["method_kind"] == "staticmethod" and all(t.instance is None for t in parse.tests)
    assert {wire.decode(t.args[0]): t.expected for t in parse.tests if not t.raises}["12.50"] == 1250
    opening = problems["Account.opening"]
    assert opening.meta["method_kind"] == "classmethod" and "def clamp(value):" in opening.prompt


def test_enum_namedtuple_and_datetime_values_round_trip(mined) -> None:
    problems, _ = mined
    level = problems["Account.level"]
    assert {wire.decode(t.expected) for t in level.tests} == {wire.EnumMember("Level", "LOW"),
                                                               wire.EnumMember("Level", "HIGH")}
    span = problems["Window.span"]
    assert all(isinstance(wire.decode(t.expected), wire.NamedTupleValue) for t in span.tests)
    assert 'Span = collections.namedtuple("Span", "start end")' in span.prompt
    week = problems["week_after"]
    assert {type(wire.decode(t.args[0])).__name__ for t in week.tests} == {"date"}


def test_names_from_sibling_modules_come_into_the_context(mined) -> None:
    problems, rejects = mined
    prompt = problems["scaled"].prompt
    for needed in ("SCALE = 3", "LIMITS = (0, 100)", "def _bounded(value, low, high):", "def clamp(value):"):
        assert needed in prompt
    assert prompt.index("def clamp(value):") < prompt.index("def scaled(x):")
    renamed = problems["limited_sum"].prompt  # imported under another name: bound under both
    assert "def clamp(value):" in renamed and "\nlimit = clamp\n" in renamed


def test_class_problems_are_deterministic_and_export_their_docstring(mined) -> None:
    from pipelines.outputs.export import codex_d_record

    problems, _ = mined
    chosen = [problems[name] for name in ("Account.deposit", "Account.opening", "Window.stretch")]
    with determinism.DeterminismGate(runs=3) as gate:
        result = gate.run(chosen)
    assert len(result.kept) == 3, [r.reason for r in result.rejects]
    for problem in chosen:
        record = codex_d_record(problem)
        assert record is not None and record["completion"] == problem.docstring
        target = problem.entry_point + (".__func__" if problem.meta["method_kind"] == "classmethod" else "")
        assert record["prompt"].endswith(f'{target}.__doc__ = """')
        assert problem.docstring not in record["prompt"]


def test_objects_of_the_projects_classes_are_values(mined) -> None:
    problems, _ = mined
    shifted = problems["Window.shifted"]  # returns a new object of its own class
    assert all(isinstance(wire.decode(t.expected), wire.ObjectValue) for t in shifted.tests)
    longest = problems["longest"]  # takes objects of a class it never names: the class comes along
    assert "class Window:" in longest.prompt and longest.prompt.index("class Window:") < longest.prompt.index(
        "def longest(")
    assert {wire.decode(t.expected).cls for t in longest.tests} == {"Window"}


def test_modules_paths_streams_and_classes_of_modules_not_imported_are_values(mined) -> None:
    problems, rejects = mined
    serializer = problems["is_text_serializer"]
    assert {getattr(wire.decode(t.args[0]), "__name__", None) or wire.decode(t.args[0]).cls: t.expected
            for t in serializer.tests} == {"json": True, "pickle": False, "marshal": False, "CompactJSON": True}
    # classes of a module that formats never imports come along from where they are defined
    assert "class CompactJSON:" in serializer.prompt and "class Box:" in problems["area"].prompt
    # Tile's module imports yaml: its objects are no test value, Box's still are
    assert "Tile" not in problems["area"].prompt and len(problems["area"].tests) == 3
    stem = problems["config_stem"]
    assert {type(wire.decode(t.args[0])).__name__ for t in stem.tests} == {
        "PurePosixPath", "PosixPath", "PureWindowsPath", "str"}
    assert "from pathlib import PurePath" in stem.prompt and "from io import StringIO" in problems["written"].prompt
    assert (rejects["path_separator"].reason, rejects["path_separator"].detail) == (Reason.FEW_CALLS, "0 of 3")
    chosen = [serializer, stem, problems["written"], problems["area"]]
    with determinism.DeterminismGate(runs=2) as gate:
        result = gate.run(chosen)
    assert len(result.kept) == 4, [r.detail for r in result.rejects]


def test_calls_whose_values_hold_the_harvest_s_paths_are_not_tests(mined) -> None:
    _, rejects = mined
    # rare was called once with 1 and three times with the path of its own file, which tests this checkout only
    assert (rejects["rare"].reason, rejects["rare"].detail) == (Reason.FEW_CALLS, "1 of 1")


def test_calls_with_lone_surrogates_are_not_tests() -> None:
    from pipelines.problems.records import serialisable

    # A str with a lone surrogate is exact in the tracer's JSON (escaped) but has no UTF-8 form for the outputs.
    assert not serialisable({"args": [["s", "pos", {"v": "\ud800"}]], "result": {"v": 1}})
    assert serialisable({"args": [["s", "pos", {"v": "\u00e9"}]], "result": {"v": 1}})


def test_lazy_annotations_optional_imports_and_computed_tables(mined) -> None:
    problems, _ = mined
    score = problems["word_score"].prompt
    assert score.startswith("from __future__ import annotations\n")  # Sequence is never evaluated
    assert "ORDS = {c: ord(c) - 96" in score and "TYPE_CHECKING" not in score
    mode = problems["mode"].prompt
    assert "except ImportError:\n        fast = None" in mode and 'SPEED = "fast" if fast else "slow"' in mode
    assert "import sftmine_other_backend_not_installed as fast" in mode  # nested in the fallback: allowed too


def test_objects_no_method_changes_are_rebuilt_from_their_constructor_whatever_ran_before(mined) -> None:
    problems, _ = mined
    label = problems["Grader.label"]  # the object had grade() and label() called on it before
    assert len(label.tests) == 4 and {next(iter(t.instance)) for t in label.tests} == {"init"}
    assert wire.decode(label.tests[0].instance["init"]["args"][0]) == [90, 50, 70]  # as the constructor got it


def test_tests_that_an_identity_body_passes_are_rejected() -> None:
    from pipelines.problems.synthesis import _echoed_argument

    echo = [FunctionTest(args=[s, 1], expected=s) for s in ("a", "title", "x)")]
    assert _echoed_argument(echo) == 0  # `return string` passes them all: dequote's tests without quotes
    assert _echoed_argument([*echo, FunctionTest(args=['"q"', 1], expected="q")]) is None
    assert _echoed_argument([*echo, FunctionTest(args=["", 1], raises="ValueError")]) is None


def test_a_problem_the_contract_refuses_is_a_reject_not_a_crash_later() -> None:
    from tests.test_problem import function_problem

    good = function_problem()
    assert synthesis._checked(good) == (good, "", "")
    bad = function_problem(tests=[FunctionTest(args=[1], expected={"set": [{"list": [1]}]})])  # unhashable member
    problem, reason, detail = synthesis._checked(bad)
    assert problem is None and reason == Reason.INVALID and "tests[0].expected" in detail


def test_a_module_read_as_a_namespace_comes_along_as_the_names_it_reads(mined) -> None:
    problems, rejects = mined
    prompt = problems["describe"].prompt
    for needed in ("import types\n", "CM_PER_INCH = 2.54", "LOW, HIGH = 0, 1000", "def to_cm(inches):",
                   "\nunits = types.SimpleNamespace(HIGH=HIGH, LOW=LOW, to_cm=to_cm)"):
        assert needed in prompt
    assert prompt.index("units = types.SimpleNamespace") < prompt.index("def describe(inches):")
    assert "other = types.SimpleNamespace(double=double)" in problems["uses_other"].prompt
    widest = problems["Shelf.widest"].prompt  # a class problem reads it the same way (label calls describe)
    assert "units = types.SimpleNamespace(HIGH=HIGH, LOW=LOW, to_cm=to_cm)" in widest
    assert "CM_PER_INCH=" not in widest  # only what the code reads off the module
    # Read while the module runs (``PER_METRE = units.HIGH // 10``): the namespace comes before that statement.
    metre = problems["per_metre"].prompt
    assert metre.index("units = types.SimpleNamespace(HIGH=HIGH)") < metre.index("PER_METRE = units.HIGH // 10")
    # The module passed around cannot be a namespace: a reject with the reason.
    assert rejects["attribute_of"].reason == Standalone.NEEDS_PROJECT
    assert rejects["attribute_of"].detail == "units (module minedpkg.units, used other than as units.NAME)"


def test_class_level_aliases_resolve_in_the_class_and_follow_left_out_members(mined) -> None:
    problems, _ = mined
    for target in ("Shelf.widest", "Shelf.count_over"):
        problem = problems[target]
        assert "def load(" not in problem.prompt and "read = load" not in problem.prompt  # it reads a file
        assert "load" in problem.meta["members_left_out"]
    assert len(problems["Shelf.widest"].meta["members_left_out"]) == 2  # load and its alias
    assert any(name.startswith("read (line ") for name in problems["Shelf.widest"].meta["members_left_out"])
    assert "An older name" not in problems["Shelf.widest"].prompt  # the alias's docstring goes with it
    assert "total_over = count_over" in problems["Shelf.widest"].prompt  # an alias of a member kept
    assert "total_over = count_over" not in problems["Shelf.count_over"].prompt  # the target comes last
    assert {next(iter(t.instance)) for t in problems["Shelf.count_over"].tests} == {"state"}


def test_one_simple_statement_is_thin_and_one_compound_statement_is_not(mined) -> None:
    problems, rejects = mined
    assert rejects["Shelf.label"].reason == "thin_wrapper"  # return describe(inches)
    assert problems["Shelf.fits"].solution.lstrip().startswith("if sum(self.items) + width <= 100:")


def test_a_pass_through_decorator_of_the_project_is_dropped_and_another_is_not(mined) -> None:
    problems, rejects = mined
    prompt = problems["inches_of"].prompt
    assert "@deprecated" not in prompt and "def deprecated" not in prompt
    assert prompt.rstrip().endswith('"""``cm`` in whole inches, rounded down, at least 0."""')
    assert {(wire.decode(t.args[0]), t.expected) for t in problems["inches_of"].tests} == {
        (1, 0), (10, 3), (100, 39), (-20, 0)}
    assert rejects["inches_twice"].reason == Reason.DECORATED and rejects["inches_twice"].detail == "doubling"


def test_every_import_of_a_package_s_submodules_comes_along(mined) -> None:
    problems, _ = mined
    prompt = problems["address_of"].prompt
    assert prompt.startswith("import email.header  # binds") and "\nimport email.utils\n" in prompt


def test_a_large_class_keeps_what_the_target_and_constructor_reach_and_their_operators(mined) -> None:
    problems, _ = mined
    problem = problems["Tally.top"]
    # __repr__ reaches all 40 views: with it the class stays over 400 lines, so it goes; self[word] keeps __getitem__.
    assert "def __init__(self, words):" in problem.prompt and "def __getitem__(self, word):" in problem.prompt
    assert "def __repr__" not in problem.prompt and "def view_" not in problem.prompt
    assert {"__repr__", "view_00", "view_39"} <= set(problem.meta["members_left_out"])
    assert problem.prompt.count("\n") < 40


def test_a_base_class_over_the_context_cap_keeps_its_dunders_and_what_is_reached(mined) -> None:
    problems, _ = mined
    problem = problems["English.ordinal"]
    # Locale is 228 lines, over the 200-line cap: suffix (called by ordinal), _last (called by suffix) and the
    # dunders stay, the 30 phrase_NN methods nothing calls go.
    for kept in ("class Locale:", "def __init__(self):", "def __repr__(self):", "def suffix(self, n):",
                 "def _last(self, n):", 'suffixes = ("th", "st", "nd", "rd")'):
        assert kept in problem.prompt
    assert "phrase_" not in problem.prompt
    assert problem.prompt.index("class Locale:") < problem.prompt.index("class English(Locale):")
    assert problem.prompt.rstrip().endswith('"""n with its English ordinal suffix: 1st, 2nd, 11th, 23rd."""')
    assert {t.raises for t in problem.tests} == {None, "ValueError"}
    verdicts = execute(problem, [problem.solution, "        return None\n", '        return f"{n}th"\n'])
    assert [v.passed for v in verdicts] == [True, False, False], [v.reason for v in verdicts]


def test_a_function_that_changes_its_list_in_place_is_tested_on_the_list_after(mined) -> None:
    problems, _ = mined
    problem = problems["dedupe_in_place"]
    changed = [t for t in problem.tests if t.args_after is not None]
    assert sorted((json.dumps(t.args), json.dumps(t.args_after)) for t in changed) == [
        ('[["a", "a"]]', '[["a"]]'), ("[[1, 2, 1, 3]]", "[[1, 2, 3]]"), ("[[2, 2, 2, 1, 1]]", "[[2, 1]]")]
    assert all(t.expected is None for t in problem.tests)
    wrong = "    return list(dict.fromkeys(items))\n"  # the right list, returned instead of made in place
    verdicts = execute(problem, [problem.solution, wrong, "    items.sort()\n"])
    assert [v.passed for v in verdicts] == [True, False, False], [v.reason for v in verdicts]
    assert "arguments after the call" in verdicts[2].reason


def test_a_function_that_changes_an_object_it_was_given_is_tested_on_its_attributes_after(mined) -> None:
    problems, _ = mined
    problem = problems["fit_within"]
    assert "class Size:" in problem.prompt
    after = {json.dumps(t.args_after) for t in problem.tests if t.args_after is not None}
    assert after == {json.dumps([{"object": ["Size", {"dict": [["width", w], ["height", h]]}]}, limit])
                     for w, h, limit in ((4.0, 2.0, 4), (2.0, 2.0, 2), (1.5, 6.0, 6))}
    wrong = "    return size\n"  # changes nothing
    verdicts = execute(problem, [problem.solution, wrong])
    assert [v.passed for v in verdicts] == [True, False], [v.reason for v in verdicts]


def test_an_inherited_method_is_tested_on_the_attributes_of_the_subclass_objects_it_ran_on(mined) -> None:
    problems, _ = mined
    suffix, spelled = problems["Locale.suffix"], problems["Locale.spelled"]
    assert suffix.prompt.rstrip().endswith('"""The ordinal suffix of n."""') and "class English" not in suffix.prompt
    assert {json.dumps(t.instance) for t in suffix.tests} == {json.dumps({"state": {"dict": [["calls", 0]]}})}
    assert {(t.args[0], t.expected) for t in suffix.tests} >= {(1, "st"), (11, "th"), (23, "rd")}
    # English's words are not Locale's: as a Locale the reference spells 1 as "1", not "one", and the
    # determinism reruns drop the problem.
    with determinism.DeterminismGate(runs=2) as gate:
        result = gate.run([suffix, spelled])
    assert [p.entry_point for p in result.kept] == ["Locale.suffix"]
    assert [(r.problem["entry_point"], r.reason) for r in result.rejects] == [("Locale.spelled",
                                                                                determinism.REFERENCE_FAILS)]


def test_a_branch_on_the_python_version_that_does_not_run_is_not_resolved(mined) -> None:
    problems, _ = mined
    prompt = problems["as_text"].prompt
    assert "if sys.version_info < (3, 0):" in prompt and "text_type = unicode" in prompt  # the block, whole


def test_objects_of_a_class_imported_from_another_module_are_values_and_the_class_comes_along(mined) -> None:
    problems, _ = mined
    problem = problems["area_cm2"]
    assert "class Size:" in problem.prompt and "def __init__(self, width, height):" in problem.prompt
    assert problem.prompt.index("class Size:") < problem.prompt.index("def area_cm2(size: Size):")
    assert problem.tests[0].args[0]["object"][0] == "Size"


def test_statements_that_fill_a_table_when_the_module_runs_come_along_with_it(mined) -> None:
    problems, rejects = mined
    for name, table in (("plural", "PLURALS = ["), ("count_of", "COUNTS = {}")):
        prompt = problems[name].prompt
        assert "def _irregular(singular, plural):" in prompt, name
        fills = ['_irregular("person", "people")', '_irregular("child", "children")', 'PLURALS.append(("(?i)x$"',
                 'COUNTS["ox"] = 4']
        assert all(fill in prompt for fill in fills), name
        assert prompt.index(table) < prompt.index("def _irregular") < prompt.index(fills[0]), name
    # the helper may write the tables while the module runs; a target that calls it at run time still may not
    assert rejects["learn"].reason == Standalone.GLOBAL_STATE


def test_thread_local_storage_and_locks_are_not_io_and_threads_are(mined) -> None:
    problems, rejects = mined
    prompt = problems["greeting"].prompt
    assert "from threading import RLock, local" in prompt and "_CURRENT = local()" in prompt
    assert rejects["busy"].reason == Standalone.IO and rejects["busy"].detail == "threading"


def test_a_type_checking_block_never_runs_and_comes_along_whole(mined) -> None:
    problems, _ = mined
    prompt = problems["pair"].prompt
    assert "if typing.TYPE_CHECKING:" in prompt and "Pair = tuple" in prompt and "import typing" in prompt


def test_functions_defined_in_a_block_keep_their_own_parameters(mined) -> None:
    problems, _ = mined
    prompt = problems["checksum"].prompt
    assert "def _byte_values(buffer_object):" in prompt and "if sys.version_info >= (3, 0):" in prompt


def test_a_function_defined_in_the_branch_that_runs_is_a_problem_at_the_left_margin(mined) -> None:
    problems, rejects = mined
    problem = problems["_byte_values"]
    assert problem.prompt.endswith("def _byte_values(buffer_object):\n") and "sys.version_info" not in problem.prompt
    assert problem.solution == "    return list(memoryview(buffer_object))\n"
    # one that needs a sibling of its block would bring the block, its own reference inside: rejected
    assert (rejects["_padded"].reason, rejects["_padded"].detail) == (Standalone.NEEDS_PROJECT,
                                                                      "_padded (its own definition would come along)")


def test_a_registry_filled_by_init_subclass_is_not_the_targets_global_state(mined) -> None:
    problems, _ = mined
    prompt = problems["Kilometre.to_metres"].prompt
    assert "class Unit:" in prompt and "_UNITS[cls.symbol] = cls" in prompt and "_UNITS = {}" in prompt


def test_a_renamed_import_is_bound_right_after_its_definition(mined) -> None:
    problems, _ = mined
    prompt = problems["clamped"].prompt
    assert "\n_clamp = clamp\n" in prompt
    assert prompt.index("def clamp(value):") < prompt.index("_clamp = clamp") < prompt.index("_CLAMPED = tuple(")


def _module_of(tmp_path: Path, name: str, source: str):
    """A module written for one test, loaded as synthesis loads a recorded file."""
    (tmp_path / f"{name}.py").write_text(source)
    return load_module(tmp_path / f"{name}.py", name)


def test_a_class_whose_first_member_is_decorated_keeps_one_copy_of_the_decorator(tmp_path: Path) -> None:
    module = _module_of(tmp_path, "shapes", 'class Box:\n    @staticmethod\n    def unit(x):\n        return x + 1\n\n'
                        '    def scaled(self, y):\n        """Twice the unit of y."""\n        z = self.unit(y)\n'
                        '        return z * 2\n')
    method = find_method(module, "Box.scaled", 6)
    prompt, solution = class_prompt(module, method, set())
    assert prompt.count("@staticmethod") == 1 and prompt.endswith('"""Twice the unit of y."""\n')
    assert solution == "        z = self.unit(y)\n        return z * 2\n"


def test_a_line_that_is_not_a_record_costs_that_line_only(tmp_path: Path) -> None:
    good = {"file": "/p/m.py", "qualname": "f", "line": 1, "kind": "function", "args": [], "result": {"v": 1}}
    (tmp_path / "records-1-a.jsonl").write_text(
        json.dumps(good) + "\n\x00\x00\x00{\"fi\n" + json.dumps({"summary": {"records": 1}}) + "\n"
        + json.dumps({**good, "result": {"v": 2}}) + "\n")
    assert [r["result"] for r in read_records(tmp_path)[("/p/m.py", "f", 1)]] == [{"v": 1}, {"v": 2}]


def test_self_reads_follows_members_and_bases_and_gives_up_where_self_escapes(tmp_path: Path) -> None:
    module = _module_of(
        tmp_path, "things",
        "class Base:\n    def helper(self):\n        return self.base_attr\n\n"
        "class Thing(Base):\n    size = property(lambda self: self.width)\n\n"
        "    def through(self, x):\n        total = super().helper() + self.size\n        return total + self.a * x\n\n"
        "    def passes(self):\n        value = self.a\n        return str(self) + value\n\n"
        "    @staticmethod\n    def alone(self):\n        return self\n\n"
        "class Dynamic:\n    def __getattr__(self, name):\n        return 1\n\n"
        "    def read(self):\n        value = self.a\n        return value + 1\n")
    reads = {name: self_reads(find_method(module, name, line), module)
             for name, line in (("Thing.through", 8), ("Thing.passes", 12), ("Dynamic.read", 24))}
    assert reads["Thing.through"] == {"base_attr", "size", "width", "a"}  # ``helper`` is reached through super()
    assert reads["Thing.passes"] is None  # ``str(self)`` may read anything
    assert reads["Dynamic.read"] is None  # a missing attribute is answered by ``__getattr__``


def test_base_class_members_that_need_a_file_stay_out_with_what_reaches_them(mined) -> None:
    problems, _ = mined
    problem = problems["Crate.heaviest"]
    assert "class Store:" in problem.prompt and "def count(self):" in problem.prompt
    for gone in ("def reload(", "def refreshed(", "def __call__("):  # reads a file; reaches it; reaches it
        assert gone not in problem.prompt
    assert problem.meta["members_left_out"] == ["__call__"]
    assert {next(iter(t.instance)) for t in problem.tests} == {"state"}  # a plain base of another module: plain too


def test_a_class_its_own_context_uses_as_the_module_runs_is_not_standalone(tmp_path: Path) -> None:
    module = _module_of(tmp_path, "reprs", "class Short:\n    def __init__(self, n):\n        self.n = n\n\n"
                        "    def shown(self, x):\n        text = str(x)\n        return shorten(text[: self.n])\n\n\n"
                        "shorten = Short(3).shown\n")
    made = class_context(find_method(module, "Short.shown", 5), module)
    assert made == (Standalone.NEEDS_PROJECT, "Short (its context uses it before it is defined)")
    # An annotation that names it is not evaluated under ``from __future__ import annotations``.
    module = _module_of(tmp_path, "pairs", "from __future__ import annotations\n\n\nclass Pair:\n    first: Short\n\n"
                        "    def __init__(self, first: Short) -> None:\n        self.first = first\n\n\n"
                        "class Short:\n    def __init__(self, n):\n        self.n = n\n\n"
                        "    def shown(self, x):\n        text = str(x)\n        return Pair(text[: self.n])\n")
    made = class_context(find_method(module, "Short.shown", 15), module)
    assert not isinstance(made, tuple) and "class Pair:" in made.context.render()


def test_a_target_that_reaches_a_base_member_needing_a_file_keeps_the_reject(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "store.py").write_text(
        "class Store:\n    def __init__(self, items):\n        self.items = list(items)\n\n"
        "    def reload(self, path):\n        with open(path) as handle:\n"
        "            self.items = handle.read().split()\n        return len(self.items)\n")
    (tmp_path / "crates.py").write_text(
        "from .store import Store\n\n\nclass Crate(Store):\n    def heaviest(self, n):\n"
        "        ordered = sorted(self.items, reverse=True)\n        return ordered[:n]\n\n"
        "    def fresh(self, path):\n        count = self.reload(path)\n        return count * 2\n")
    module = load_module(tmp_path / "crates.py", tmp_path.name)
    assert not isinstance(class_context(find_method(module, "Crate.heaviest", 5), module), tuple)
    made = class_context(find_method(module, "Crate.fresh", 9), module)
    assert isinstance(made, tuple) and made[0] == Standalone.IO  # it reads the file itself


def test_trivial_bodies_include_wrapping_an_argument_in_a_list() -> None:
    from pipelines.gates.trivial_bodies import trivial_bodies

    prompt = 'class Table:\n    def split(self, row):\n        """The cells of ``row``, split on unescaped pipes."""\n'
    bodies = trivial_bodies(prompt, "Table.split", "        return row.split('|')\n")
    assert "        return [row]\n" in bodies and "        return self\n" in bodies
    assert not any("[self]" in body for body in bodies)
