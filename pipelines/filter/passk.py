"""The unbiased pass@k estimator of the Codex paper (Chen et al., 2021, figure 3).

With ``n`` samples of which ``c`` pass, pass@k = 1 - C(n-c, k) / C(n, k): the chance that k samples
drawn without replacement from the n include a passing one. The binomials overflow floats for
n = 100 and beyond, so, as in the paper, the ratio is computed as the product
prod_{i=n-c+1}^{n} (1 - k/i), which stays in [0, 1] and needs no numpy.
"""

from __future__ import annotations

from collections.abc import Iterable

DEFAULT_KS = (1, 10, 100)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from ``n`` samples with ``c`` passing; needs 1 <= k <= n and 0 <= c <= n."""
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got n={n}, k={k}")
    if n - c < k:  # every draw of k samples includes a passing one
        return 1.0
    product = 1.0
    for i in range(n - c + 1, n + 1):
        product *= 1.0 - k / i
    return 1.0 - product


def pass_at(n: int, c: int, ks: Iterable[int] = DEFAULT_KS) -> dict[str, float]:
    """pass@k for each k in ``ks`` that ``n`` samples can estimate (k <= n), keyed by ``str(k)`` for JSON."""
    return {str(k): pass_at_k(n, c, k) for k in sorted(set(ks)) if 1 <= k <= n}
