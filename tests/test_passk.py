"""The unbiased pass@k estimator against known values and the binomial formula it computes stably."""

from __future__ import annotations

import math
import random

import pytest

from pipelines.filter.passk import pass_at, pass_at_k


def exact(n: int, c: int, k: int) -> float:
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


@pytest.mark.parametrize(("n", "c", "k", "expected"), [
    (100, 0, 1, 0.0),
    (100, 0, 100, 0.0),
    (100, 100, 1, 1.0),
    (7, 7, 3, 1.0),
    (100, 1, 1, 0.01),
    (100, 1, 100, 1.0),
    (100, 50, 100, 1.0),
    (10, 5, 1, 0.5),
    (2, 1, 2, 1.0),
])
def test_known_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_matches_the_binomial_formula() -> None:
    rng = random.Random(1234)
    for _ in range(500):
        n = rng.randint(1, 300)
        c = rng.randint(0, n)
        k = rng.randint(1, n)
        assert pass_at_k(n, c, k) == pytest.approx(exact(n, c, k), rel=1e-9, abs=1e-12), (n, c, k)


def test_is_stable_where_the_binomials_overflow_floats() -> None:
    value = pass_at_k(2000, 3, 100)
    assert 0.0 < value < 1.0
    assert value == pytest.approx(exact(2000, 3, 100), rel=1e-9)


def test_grows_with_c_and_k() -> None:
    assert pass_at_k(100, 3, 1) < pass_at_k(100, 4, 1) < pass_at_k(100, 4, 10)


@pytest.mark.parametrize(("n", "c", "k"), [(10, 11, 1), (10, -1, 1), (10, 2, 0), (10, 2, 11), (0, 0, 1)])
def test_refuses_what_it_cannot_estimate(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def test_pass_at_keeps_only_the_k_the_samples_can_estimate() -> None:
    assert list(pass_at(100, 1)) == ["1", "10", "100"]
    assert pass_at(100, 1)["1"] == pytest.approx(0.01)
    assert pass_at(100, 1)["100"] == 1.0
    assert list(pass_at(20, 2)) == ["1", "10"]
    assert pass_at(5, 0) == {"1": 0.0}
    assert pass_at(3, 1, ks=(10, 1, 2, 1)) == {"1": pytest.approx(1 / 3), "2": pytest.approx(exact(3, 1, 2))}
