"""``execute`` on malformed candidates and stdio programs, in every backend."""

from __future__ import annotations

import pytest

from sandbox.execute import execute
from sandbox.session import Session
from sandbox.types import FunctionTest, Limits, Status, StdioTest
from tests.conftest import CORRECT, FAST_LIMITS, FunctionProblem, run_body


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ("    return x +\n", Status.INVALID, "SyntaxError"),
        ("    return x + 1\ndef g(x):\n    return 1\n", Status.PASSED, ""),
        ("    return (y for y in [x])\n", Status.WRONG_ANSWER, "no exact encoding"),
        ("    return lambda: x\n", Status.WRONG_ANSWER, "no exact encoding"),
        ("    return open('/dev/null')\n", Status.WRONG_ANSWER, "no exact encoding"),
        ("    raise ValueError('bad input')\n", Status.RUNTIME_ERROR, "ValueError: bad input"),
        ("    return undefined_name\n", Status.RUNTIME_ERROR, "NameError"),
        ("    l = []\n    l.append(l)\n    return l\n", Status.WRONG_ANSWER, "no exact encoding"),
        ("    return float(x + 1)\n", Status.WRONG_ANSWER, "expected 2, got 2.0"),
    ],
)
def test_malformed_candidates_get_reasons_and_the_session_goes_on(session, body, status, words) -> None:
    verdict = run_body(session, body)
    assert verdict.status == status
    assert words in verdict.reason
    assert run_body(session, CORRECT).passed
    assert session.starts == 1


def test_missing_entry_point(session) -> None:
    problem = FunctionProblem("def f(x):\n", "not_there", [FunctionTest(args=[1], expected=2)])
    verdict = execute(problem, [CORRECT], session=session, limits=FAST_LIMITS)[0]
    assert verdict.status == Status.INVALID and "not_there" in verdict.reason


def test_expected_exception_and_compare_modes(session) -> None:
    problem = FunctionProblem("def div(a, b):\n", "div", [
        FunctionTest(args=[1, 0], raises="ZeroDivisionError"),
        FunctionTest(args=[1, 3], expected=0.3333, compare="close", abs_tol=1e-3),
        FunctionTest(args=[4, 2], expected=2, compare="eq"),  # 2.0 == 2 under Python equality
        FunctionTest(args=[0, 5], compare="falsy"),
    ])
    right, wrong = execute(problem, ["    return a / b\n", "    return a // b if b else 0\n"], session=session)
    assert right.passed, right.reason
    assert wrong.status == Status.WRONG_ANSWER and wrong.failed_test == 0
    assert len(right.outputs) == 4 and right.outputs[0]["raises"] == "ZeroDivisionError"


def test_state_does_not_leak_between_candidates(session) -> None:
    problem = FunctionProblem("import math\ndef f(x):\n", "f", [FunctionTest(args=[1], expected=1.0)])
    execute(problem, ["    math.sqrt = lambda v: 99.0\n    return math.sqrt(x)\n"], session=session)
    assert execute(problem, ["    return math.sqrt(x)\n"], session=session)[0].passed


def test_timeout_is_per_test(session) -> None:
    tests = [FunctionTest(args=[0.6], expected=0.6) for _ in range(4)]
    problem = FunctionProblem("import time\ndef nap(s):\n", "nap", tests)
    limits = Limits(timeout_s=1.0, cpu_s=5)
    # 4 x 0.6 s exceeds one timeout in total but never per test: it passes.
    assert execute(problem, ["    time.sleep(s)\n    return s\n"], session=session, limits=limits)[0].passed


@pytest.mark.parametrize("backend", ["bwrap", "docker-runsc", "docker-runc"])
def test_stdio_programs(backend: str) -> None:
    problem = FunctionProblem("Sum the numbers on each line.", None, [
        StdioTest(stdin="1 2\n3 4\n", stdout="3\n7\n"),
        StdioTest(stdin="10 -10\n", stdout="0"),
    ], kind="stdio")
    programs = [
        "import sys\nfor line in sys.stdin:\n    print(sum(map(int, line.split())))\n",
        "for line in open(0):\n    print(sum(int(v) for v in line.split()))\n",
        "import sys\nfor line in sys.stdin.buffer:\n    sys.stdout.write(str(sum(map(int, line.split()))) + '\\n')\n",
        "print(0)\n",
        "import sys\nprint(3)\nprint(7)\nsys.exit(0)\n",
        "print(3)\nprint(7)\nraise RuntimeError('after printing')\n",
        "while True:\n    pass\n",
        "import sys\nsys.exit(2)\n",
    ]
    with Session(backend) as session:
        verdicts = execute(problem, programs, session=session, limits=FAST_LIMITS)
    assert [v.passed for v in verdicts[:3]] == [True, True, True]
    assert verdicts[3].status == Status.WRONG_ANSWER and verdicts[3].failed_test == 0
    assert verdicts[4].status == Status.WRONG_ANSWER and verdicts[4].failed_test == 1
    assert verdicts[5].status == Status.RUNTIME_ERROR and "RuntimeError" in verdicts[5].reason
    assert verdicts[6].status == Status.TIMEOUT
    assert verdicts[7].status == Status.RUNTIME_ERROR and "exit code 2" in verdicts[7].reason


def test_a_dead_sandbox_is_restarted() -> None:
    problem = FunctionProblem("def f(x):\n", "f", [FunctionTest(args=[1], expected=2)])
    with Session("bwrap") as session:
        assert execute(problem, [CORRECT], session=session)[0].passed
        assert session.process is not None
        session.process.kill()
        session.process.wait()
        assert execute(problem, [CORRECT], session=session)[0].passed
        assert session.starts == 2


def test_exit_and_quit_exist_as_in_a_normal_interpreter(session) -> None:
    """Competitive programs end with exit(); the server's -S must not turn that into a NameError."""
    problem = FunctionProblem("Print 1.", None, [StdioTest(stdin="", stdout="1")], kind="stdio")
    verdicts = execute(problem, ["print(1)\nexit()\n", "print(1)\nquit(0)\n", "print(1)\nexit(3)\n"], session=session)
    assert [v.status for v in verdicts] == [Status.PASSED, Status.PASSED, Status.RUNTIME_ERROR]


def test_candidate_code_runs_in_a_module_it_can_look_up(session) -> None:
    # dataclasses look the class's module up in sys.modules to read string annotations (here from the
    # future import): candidate code that was not a registered module raised AttributeError on None.
    prompt = ("from __future__ import annotations\nimport dataclasses\nimport sys\n\n"
              "@dataclasses.dataclass(frozen=True, slots=True)\nclass Pair:\n    a: int\n    b: int = 0\n\n"
              "def total(a, b):\n")
    problem = FunctionProblem(prompt, "total", [FunctionTest(args=[1, 2], expected=[3, True])])
    body = "    return [sum(dataclasses.astuple(Pair(a, b))), sys.modules[__name__].Pair is Pair]\n"
    verdict = execute(problem, [body], session=session, limits=FAST_LIMITS)[0]
    assert verdict.passed, verdict.reason
