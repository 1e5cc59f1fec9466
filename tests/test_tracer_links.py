"""Calls linked within a test, on a package written for the purpose, traced for real by both engines.

The suite ``chain_fixtures/test_chainpkg.py`` runs as a script in a venv with the tracer installed,
exactly as a harvested suite would; its tests build chains (tokenize -> to_postfix -> evaluate, then a
formatter object whose method takes the evaluated value; a vector read, then methods called on each
result), break one with a copy, and make calls that are not linked at all.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.test_tracer import read_records, traced_python  # noqa: F401 - the venv fixture
from tracer.config import Config
from tracer.links import MAX_CALLS

FIXTURES = Path(__file__).resolve().parent / "chain_fixtures"


def read_links(out: Path) -> dict[str, dict]:
    """Linked tests by their test function's name."""
    tests = {}
    for path in sorted(out.glob("*.links")):
        for line in path.read_text().splitlines():
            test = json.loads(line)["test"]
            tests[test["qualname"]] = test
    return tests


@pytest.fixture(scope="module")
def linked(traced_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:  # noqa: F811
    """Per engine: (linked tests, records, summaries) of the chain suite."""
    results = {}
    for engine in ("c", "python"):
        out = tmp_path_factory.mktemp(f"links-{engine}")
        config = Config(out_dir=str(out), include=(str(FIXTURES / "chainpkg"),), engine=engine)
        env = {**os.environ, **config.to_env(), "PYTHONPATH": str(FIXTURES)}
        result = subprocess.run([str(traced_python), str(FIXTURES / "test_chainpkg.py")], env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr  # also: no object of the suite kept alive
        records, summaries = read_records(out)
        results[engine] = (read_links(out), records, summaries)
    return results


def shape(test: dict) -> list[tuple[str, list]]:
    return [(call["qualname"], call["links"]) for call in test["calls"]]


@pytest.mark.parametrize("engine", ["c", "python"])
def test_the_chain_is_found_with_the_right_links(linked, engine: str) -> None:
    tests, _, summaries = linked[engine]
    assert set(tests) == {"test_pipeline", "test_objects_are_not_kept_alive", "test_many_calls", "test_vectors",
                          "test_normalised_vectors", "test_described_vectors", "test_one_ruler_measures_and_labels"}
    first_expression = shape(tests["test_pipeline"])[:5]
    assert first_expression == [
        ("tokenize", []), ("to_postfix", [["tokens", 0]]), ("evaluate", [["postfix", 1]]),
        ("Formatter.__init__", []), ("Formatter.render", [["self", 3], ["value", 2]]),
    ]
    # Every expression of the loop is its own chain: links point inside the same five calls.
    for start in range(0, len(tests["test_pipeline"]["calls"]), 5):
        for _, links in shape(tests["test_pipeline"])[start:start + 5]:
            assert all(start <= index < start + 5 for _, index in links)
    # A method called on what the call before returned: its ``self`` is linked to that call.
    assert shape(tests["test_vectors"])[:3] == [
        ("Vector.parse", []), ("Vector.scaled", [["self", 0]]), ("Vector.length", [["self", 1]])]
    assert len(tests["test_vectors"]["calls"]) == 15
    assert summaries[0]["summary"]["linked_tests"] == 7 and summaries[0]["summary"]["errors"] == 0


@pytest.mark.parametrize("engine", ["c", "python"])
def test_links_name_recorded_pairs_whose_values_flow(linked, engine: str) -> None:
    tests, records, _ = linked[engine]
    by_pair = {record["pair"]: record for record in records}
    for test in ("test_pipeline", "test_vectors"):
        calls = tests[test]["calls"]
        for call in calls:
            assert call["pair"] in by_pair and by_pair[call["pair"]]["qualname"] == call["qualname"]
            for name, index in call["links"]:
                if calls[index]["qualname"].endswith(".__init__"):
                    continue  # the object the constructor built: its record returns None
                argument = next(value for arg, _, value in by_pair[call["pair"]]["args"] if arg == name)
                assert argument == by_pair[calls[index]["pair"]]["result"]


@pytest.mark.parametrize("engine", ["c", "python"])
def test_memory_is_bounded_per_test(linked, engine: str) -> None:
    tests, _, _ = linked[engine]
    many = tests["test_many_calls"]["calls"]
    assert len(many) == MAX_CALLS
    assert [call["links"] for call in many[1:4]] == [[["x", 0]], [["x", 1]], [["x", 2]]]


def test_engines_link_the_same(linked) -> None:
    assert linked["c"][0] == linked["python"][0]
