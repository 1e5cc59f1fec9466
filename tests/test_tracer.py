"""The tracer on a module written for the purpose, through the real activation path.

A venv gets the tracer installed (``.pth`` + private copy, C engine compiled for it), and a driver
script runs in it with ``SFTMINE_TRACE_*`` set, exactly as a harvested test suite would. Every
behaviour is checked on both engines, which must record the same things.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from sandbox import wire
from tracer.config import Config
from tracer.install import install, site_packages_of

FIXTURES = Path(__file__).resolve().parent / "tracer_fixtures"
TRACER = Path(__file__).resolve().parent.parent / "tracer"


@pytest.fixture(scope="session")
def traced_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the tracer installed; the C engine compiled for its interpreter."""
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = root / "bin" / "python"
    copied = install(site_packages_of(python), python)
    assert (copied / "ENGINE.txt").read_text().startswith("c: "), (copied / "ENGINE.txt").read_text()
    return python


def run_traced(python: Path, out: Path, engine: str, script: Path = FIXTURES / "drive.py", k: int = 50,
               include: Path = FIXTURES / "sample.py") -> subprocess.CompletedProcess:
    env = {**os.environ, **Config(out_dir=str(out), include=(str(include),), max_pairs=k, engine=engine).to_env()}
    env["PYTHONPATH"] = str(FIXTURES)
    return subprocess.run([str(python), str(script)], env=env, capture_output=True, text=True, timeout=120)


def read_records(out: Path) -> tuple[list[dict], list[dict]]:
    records, summaries = [], []
    for path in sorted(out.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            data = json.loads(line)
            (summaries if "summary" in data else records).append(data)
    return records, summaries


def by_name(records: list[dict], qualname: str) -> list[dict]:
    return [r for r in records if r["qualname"] == qualname]


def args_of(record: dict) -> dict:
    return {name: wire.decode(value["v"]) if "v" in value else value for name, _, value in record["args"]}


@pytest.fixture(scope="module", params=["c", "python"])
def traced(request: pytest.FixtureRequest, traced_python: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp(f"records-{request.param}")
    result = run_traced(traced_python, out, request.param)
    assert result.returncode == 0, result.stderr
    records, summaries = read_records(out)
    return request.param, records, summaries


def test_summary_names_the_engine_and_counts_no_errors(traced) -> None:
    engine, records, summaries = traced
    assert len(summaries) == 1
    summary = summaries[0]["summary"]
    assert summary["engine"] == engine and summary["errors"] == 0 and not summary["disabled"]
    assert summary["records"] == len(records)
    assert summary["engine_why"] == ("" if engine == "c" else "engine 'python' asked for")


def test_defaults_keywords_and_star_arguments(traced) -> None:
    _, records, _ = traced
    calls = by_name(records, "add")
    plain = next(r for r in calls if args_of(r)["a"] == 1 and args_of(r)["rest"] == ())
    assert args_of(plain) == {"a": 1, "b": 2, "rest": (), "scale": 1, "options": {}}
    assert wire.decode(plain["result"]["v"]) == 3
    star = next(r for r in calls if args_of(r)["rest"] == (3, 4))
    assert args_of(star)["options"] == {"verbose": True} and args_of(star)["scale"] == 10
    assert wire.decode(star["result"]["v"]) == 100
    assert [kind for _, kind, _ in star["args"]] == ["pos", "pos", "kwonly", "var", "varkw"]


def test_recursion_records_every_level(traced) -> None:
    _, records, _ = traced
    pairs = sorted((args_of(r)["n"], wire.decode(r["result"]["v"])) for r in by_name(records, "fact"))
    assert pairs == [(1, 1), (2, 2), (3, 6), (4, 24), (5, 120)]


def test_exceptions_are_recorded_with_type_and_message(traced) -> None:
    _, records, _ = traced
    for name in ("fail", "wraps_fail"):
        (record,) = by_name(records, name)
        assert record["raised"] == {"type": "ValueError", "message": "bad 3"}
        assert "result" not in record


def test_arguments_are_snapshots_at_call_time(traced) -> None:
    _, records, _ = traced
    (record,) = by_name(records, "count_then_mutate")
    assert args_of(record)["items"] == [1, 2]
    assert wire.decode(record["result"]["v"]) == 2


def test_generators_and_coroutines_are_marked(traced) -> None:
    _, records, _ = traced
    (generator,) = by_name(records, "countdown")
    assert generator["kind"] == "generator" and generator["resumes"] is True and args_of(generator) == {"n": 3}
    (coroutine,) = by_name(records, "double")
    assert coroutine["kind"] == "coroutine" and args_of(coroutine) == {"x": 21}


def test_methods_carry_their_class_and_plain_self(traced) -> None:
    _, records, _ = traced
    (method,) = by_name(records, "Point.manhattan")
    assert method["class"] == "Point" and method["self_plain"] is True
    assert wire.decode(method["self"]) == {"x": 3, "y": -4}
    assert wire.decode(method["result"]["v"]) == 7
    (classmethod_,) = by_name(records, "Point.origin")
    assert classmethod_["class"] == "Point" and "self_plain" not in classmethod_


def test_self_with_an_attribute_that_has_no_encoding_keeps_the_others(traced) -> None:
    _, records, _ = traced
    (method,) = by_name(records, "Tagged.bump")
    assert method["self_plain"] is False and method["self_missing"] == ["handle"]
    assert wire.decode(method["self"]) == {"count": 0} and wire.decode(method["self_after"]) == {"count": 3}


def test_unserialisable_values_keep_their_type_and_reason(traced) -> None:
    _, records, _ = traced
    (record,) = by_name(records, "take_opaque")
    assert record["args"][0][2] == {"u": "sample.Opaque", "why": "no exact encoding"}
    assert record["result"] == {"u": "sample.Opaque", "why": "no exact encoding"}


def test_lambdas_nested_functions_and_threads(traced) -> None:
    _, records, _ = traced
    (adder,) = by_name(records, "make_adder.<locals>.adder")
    assert args_of(adder) == {"x": 5} and wire.decode(adder["result"]["v"]) == 15
    (square,) = by_name(records, "<lambda>")
    assert wire.decode(square["result"]["v"]) == 49
    threaded = [r for r in by_name(records, "add") if args_of(r)["a"] == 4]
    assert threaded and wire.decode(threaded[0]["result"]["v"]) == 8


def test_huge_values_are_capped_and_exact_types_kept(traced) -> None:
    _, records, _ = traced
    echoes = by_name(records, "echo")
    huge = next(r for r in echoes if "u" in r["args"][0][2] and r["args"][0][2]["u"] == "list")
    assert huge["args"][0][2]["why"] == "over the size cap"
    mixed = next(r for r in echoes if "v" in r["args"][0][2] and isinstance(wire.decode(r["args"][0][2]["v"]), dict))
    value = wire.decode(mixed["result"]["v"])
    assert value["set"] == {1, 2} and value["tuple"] == (1, "a") and value["bytes"] == b"\x00\xff"
    assert value["nan"] != value["nan"]


def test_at_most_k_distinct_pairs_per_function(traced) -> None:
    _, records, _ = traced
    assert len(by_name(records, "echo")) == 50  # 502 calls, K = 50


def test_a_container_argument_changed_in_place_is_recorded_after_the_call(traced) -> None:
    _, records, _ = traced
    changed, unchanged = sorted(by_name(records, "sort_in_place"), key=lambda r: len(args_of(r)["items"]))[::-1]
    assert args_of(changed)["items"] == [3, 1, 2] and changed["result"] == {"v": None}
    assert changed["args_after"] == [["items", {"v": [1, 2, 3]}]]
    assert "args_after" not in unchanged  # [1, 2] was sorted already
    (length,) = by_name(records, "length_of")
    assert "args_after" not in length and "_held" not in length
    (renamed,) = by_name(records, "rename")
    assert renamed["args_after"] == [["version", {"v": {"object": ["sample:Version", {"dict": [["major", 7],
                                                                                             ["minor", 2]]}]}}]]


def test_past_k_pairs_a_new_outcome_is_still_recorded(traced) -> None:
    _, records, _ = traced
    calls = by_name(records, "is_small")
    assert len(calls) == 52  # 50 that return True, then the first False and the first raise
    assert sum(1 for r in calls if r.get("result") == {"v": True}) == 50
    assert any(r.get("result") == {"v": False} and args_of(r)["n"] == 5000 for r in calls)
    assert any(r.get("raised", {}).get("type") == "ValueError" and args_of(r)["n"] == -1 for r in calls)


def test_tests_and_other_files_are_not_recorded(traced) -> None:
    _, records, _ = traced
    assert {Path(r["file"]).name for r in records} == {"sample.py"}


def test_engines_record_the_same(traced_python: Path, tmp_path: Path) -> None:
    outputs = []
    for engine in ("c", "python"):
        out = tmp_path / engine
        assert run_traced(traced_python, out, engine).returncode == 0
        records, _ = read_records(out)
        outputs.append(sorted(json.dumps(r, sort_keys=True) for r in records))
    assert outputs[0] == outputs[1]


def test_untraced_without_the_switch(traced_python: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SFTMINE_TRACE")}
    env["PYTHONPATH"] = str(FIXTURES)
    result = subprocess.run([str(traced_python), str(FIXTURES / "drive.py")], env=env, capture_output=True,
                            text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0 and not list(tmp_path.rglob("*.jsonl"))


def test_subprocesses_write_their_own_files(traced_python: Path, tmp_path: Path) -> None:
    script = tmp_path / "spawn.py"
    script.write_text(
        "import subprocess, sys\nimport sample\nsample.square(3)\n"
        f"subprocess.run([sys.executable, {str(FIXTURES / 'drive.py')!r}], check=True)\n"
    )
    out = tmp_path / "out"
    result = run_traced(traced_python, out, "c", script=script)
    assert result.returncode == 0, result.stderr
    _, summaries = read_records(out)
    assert len({s["summary"]["pid"] for s in summaries}) == 2
    assert len(list(out.glob("*.jsonl"))) == 2


def test_a_broken_tracer_never_breaks_the_suite(traced_python: Path, tmp_path: Path) -> None:
    """An unwritable output directory: the suite still passes and the tracer reports why."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    for engine in ("c", "python"):
        result = run_traced(traced_python, blocker / "out", engine)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr


def test_python_engine_used_when_c_is_missing(tmp_path: Path) -> None:
    root = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = root / "bin" / "python"
    copied = install(site_packages_of(python))  # no interpreter given: nothing compiled
    assert not list(copied.glob("_ctracer*.so"))
    out = tmp_path / "out"
    assert run_traced(python, out, "auto").returncode == 0
    _, summaries = read_records(out)
    assert summaries[0]["summary"]["engine"] == "python"
    assert summaries[0]["summary"]["engine_why"].startswith("C engine unavailable")


def test_config_round_trips_through_the_environment() -> None:
    config = Config(out_dir="/x", include=("/a", "/b"), exclude=("/a/c",), max_pairs=7, engine="python")
    assert Config.from_env(config.to_env()) == config
    assert Config.from_env({}) is None
    assert sys.platform.startswith("linux")


def tracer_imports() -> tuple[dict[str, set[str]], set[str]]:
    """(tracer module -> tracer modules it imports, other top-level imports), counting imports inside functions."""
    modules = {path.stem for path in TRACER.glob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    outside: set[str] = set()
    for path in TRACER.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                outside.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                outside.add(node.module.split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 1, f"{path.name}: import above the tracer package"
                names = [node.module.split(".")[0]] if node.module else [alias.name for alias in node.names]
                graph[path.stem].update(name for name in names if name in modules)
    return graph, outside


def test_tracer_modules_import_no_cycle() -> None:
    graph, _ = tracer_imports()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, f"import cycle: {' -> '.join([*path[path.index(module):], module])}"
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert graph["types"] == set() and "collector" not in graph["pyhook"] | graph["ctracer"] | graph["calls"]


def test_tracer_imports_only_the_standard_library() -> None:
    _, outside = tracer_imports()
    assert outside - set(sys.stdlib_module_names) == set()


def test_methods_link_their_object_to_its_constructor_call(traced) -> None:
    _, records, _ = traced
    first, second = sorted(by_name(records, "Counter.total"), key=lambda r: r["init"]["after"])
    init = {name: wire.decode(value["v"]) for name, _, value in first["init"]["args"]}
    assert init == {"start": 5, "step": 2} and first["init"]["after"] == 0 and second["init"]["after"] == 2
    # __slots__ (a mangled one included) make a snapshot of self, before and after a mutating call
    assert wire.decode(first["self"]) == {"_Counter__hidden": "h", "count": 5, "step": 2}
    (bump,) = by_name(records, "Counter.bump")
    assert wire.decode(bump["self_after"])["count"] == 7 and wire.decode(bump["self"])["count"] == 5
    (both,) = by_name(records, "Child.both")  # the subclass's constructor, not Base's
    assert [value["v"] for _, _, value in both["init"]["args"]] == [1, "b"]


def test_standard_library_values_encode_exactly(traced) -> None:
    import datetime
    import decimal
    import fractions
    import re

    _, records, _ = traced
    values = [wire.decode(r["args"][0][2]["v"]) for r in by_name(records, "stamp") if "v" in r["args"][0][2]]
    assert datetime.datetime(2024, 2, 29, 12, 0, tzinfo=datetime.UTC) in values
    assert {datetime.date(2020, 1, 1), datetime.time(1, 2, 3), datetime.timedelta(days=2, seconds=3),
            fractions.Fraction(1, 3), range(2, 9, 3), len, str.upper} <= {v for v in values if v.__hash__}
    assert any(type(v) is decimal.Decimal and str(v) == "1.50" for v in values)
    assert bytearray(b"xy") in values and re.compile(r"a\d+", re.I) in values
    assert wire.EnumMember("sample:Color", "GREEN") in values
    assert wire.NamedTupleValue("sample:Pair", (1, "z")) in values


def test_objects_of_the_projects_classes_encode_by_their_attributes(traced) -> None:
    _, records, _ = traced
    (bumped,) = by_name(records, "Version.bumped")
    assert bumped["result"]["v"] == {"object": ["sample:Version", {"dict": [["major", 1], ["minor", 3]]}]}
    assert wire.decode(bumped["result"]["v"]) == wire.ObjectValue("sample:Version", {"major": 1, "minor": 3})
    tags = [r for r in by_name(records, "stamp") if "u" in r["args"][0][2]]
    assert "sample.Tags" in [r["args"][0][2]["u"] for r in tags]  # a dict subclass would lose its items


def test_classes_and_standard_library_functions_by_name(traced) -> None:
    _, records, _ = traced
    values = [r["args"][0][2] for r in by_name(records, "stamp")]
    assert {"v": {"builtin": "int"}} in values and {"v": {"builtin": "re:escape"}} in values
    assert {"v": {"class": "sample:Version"}} in values
    assert {"u": "function", "why": "no exact encoding"} in values  # the project's own functions are not values
    # standard-library modules by name as imported, paths by class and text; the project's modules are not values
    assert {"v": {"module": "json"}} in values and {"v": {"module": "xml.parsers.expat"}} in values
    assert {"v": {"Path": ["PurePosixPath", "a/b"]}} in values and {"v": {"Path": ["PosixPath", "setup.cfg"]}} in values
    assert {"u": "module", "why": "no exact encoding"} in values
