"""License gate: keep a problem only when its source's SPDX license expression permits reuse.

The expression in ``Provenance.license`` is parsed with ``license-expression`` against the SPDX
license list (ids are case-insensitive; deprecated ids such as ``GPL-3.0`` resolve to their current
form). ``OR`` needs one permitted alternative, ``AND`` needs every part, and ``X WITH exception`` is
judged by ``X`` (an SPDX exception only grants extra permissions; an unknown exception is unknown).
The outcome is three-valued: an id that is neither on the SPDX list (nor in ``KNOWN_REFS``, such as
``LicenseRef-Public-Domain``) nor on the allow-list is unknown, and the problem is rejected as
``license_unknown`` unless the rest of the expression decides without it (``MIT OR Foo`` is
allowed, ``GPL-3.0-only AND Foo`` is not allowed).
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from license_expression import AND, OR, ExpressionError, LicenseSymbol, LicenseWithExceptionSymbol, Licensing
from license_expression import get_spdx_licensing as _spdx

from pipelines.funnel import Stage
from pipelines.gates.base import KEEP, Decision, PerProblemGate
from pipelines.problem import Problem


class Reason(StrEnum):
    """Why the license gate drops a problem."""

    UNKNOWN = "license_unknown"
    NOT_ALLOWED = "license_not_allowed"


LICENSE_UNKNOWN, LICENSE_NOT_ALLOWED = Reason.UNKNOWN.value, Reason.NOT_ALLOWED.value
# Competitive tasks carry no code license: the sites' terms and their noai signals are honoured at scrape.
SITE_SOURCES = frozenset({"codeforces", "atcoder"})

# Licenses without an SPDX id that are known all the same (rejected as not allowed, not as unknown).
KNOWN_REFS = frozenset({"LicenseRef-Public-Domain"})

DEFAULT_ALLOWED: frozenset[str] = frozenset({
    "MIT", "MIT-0", "BSD-2-Clause", "BSD-3-Clause", "0BSD", "Apache-2.0", "ISC", "PSF-2.0", "Python-2.0",
    "Unlicense", "Zlib", "BSL-1.0", "CC0-1.0", "X11", "NCSA", "UPL-1.0",
})


@cache
def _licensing() -> Licensing:
    """The SPDX license index, loaded once (about 0.1 s)."""
    return _spdx()


def parse_allow_list(text: str) -> frozenset[str]:
    """An allow-list from comma- or whitespace-separated SPDX ids (``"MIT,BSD-3-Clause"``)."""
    return frozenset(item for item in text.replace(",", " ").split() if item)


@cache
def _normalised(allowed: frozenset[str]) -> frozenset[str]:
    """Casefolded ids of the allow-list, each also under its current SPDX key (``GPL-3.0`` -> ``gpl-3.0-only``)."""
    keys = set()
    for item in allowed:
        keys.add(item.casefold())
        try:
            parsed = _licensing().parse(item, validate=False)
        except ExpressionError:
            continue
        if isinstance(parsed, LicenseSymbol):
            keys.add(parsed.key.casefold())
    return frozenset(keys)


def _judge(node: object, allowed: frozenset[str], unknown_as: bool) -> bool:
    """Evaluate the expression, counting an unknown id as ``unknown_as``."""
    if isinstance(node, LicenseWithExceptionSymbol):
        exception_known = node.exception_symbol.key.casefold() in _known()
        return _judge(node.license_symbol, allowed, unknown_as) and (exception_known or unknown_as)
    if isinstance(node, LicenseSymbol):
        key = node.key.casefold()
        if key in allowed:
            return True
        return unknown_as if key not in _known() else False
    if isinstance(node, AND):
        return all(_judge(arg, allowed, unknown_as) for arg in node.args)
    if isinstance(node, OR):
        return any(_judge(arg, allowed, unknown_as) for arg in node.args)
    raise ExpressionError(f"unexpected node {node!r}")


@cache
def _known() -> frozenset[str]:
    """Casefolded keys of every license the SPDX index knows, and of ``KNOWN_REFS``."""
    return frozenset(key.casefold() for key in (*_licensing().known_symbols, *KNOWN_REFS))


def license_allowed(expression: str, allowed: frozenset[str] = DEFAULT_ALLOWED) -> tuple[bool, str]:
    """(allowed?, reason): reason is empty when allowed, else ``license_unknown`` or ``license_not_allowed``."""
    if not expression or not expression.strip():
        return False, LICENSE_UNKNOWN
    try:
        parsed = _licensing().parse(expression, validate=False)
    except ExpressionError:
        return False, LICENSE_UNKNOWN
    if parsed is None:
        return False, LICENSE_UNKNOWN
    keys = _normalised(allowed)
    try:
        if _judge(parsed, keys, unknown_as=False):
            return True, ""
        if not _judge(parsed, keys, unknown_as=True):
            return False, LICENSE_NOT_ALLOWED
    except ExpressionError:
        pass
    return False, LICENSE_UNKNOWN


class LicenseGate(PerProblemGate):
    """Keeps a problem whose source's license is on the allow-list."""

    stage = Stage.LICENSE
    Reason = Reason

    def __init__(self, allowed: frozenset[str] | None = None) -> None:
        self.allowed = allowed or DEFAULT_ALLOWED

    def decide_one(self, problem: Problem) -> Decision:
        """Allowed, or why not (the detail is the expression it had)."""
        if problem.provenance.source in SITE_SOURCES:
            return Decision(detail="competitive task: site terms, noai checked at scrape")
        ok, reason = license_allowed(problem.provenance.license, self.allowed)
        return KEEP if ok else Decision(reason, problem.provenance.license)
