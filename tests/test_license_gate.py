"""The license gate: SPDX expressions against an allow-list, and the verdicts it writes."""

from __future__ import annotations

import pytest

from pipelines.gates.license import (
    DEFAULT_ALLOWED,
    LICENSE_NOT_ALLOWED,
    LICENSE_UNKNOWN,
    LicenseGate,
    license_allowed,
    parse_allow_list,
)
from pipelines.problem import Problem, Provenance
from sandbox.types import FunctionTest


@pytest.mark.parametrize(
    ("expression", "allowed", "reason"),
    [
        ("MIT", True, ""),
        ("mit", True, ""),  # ids are case-insensitive
        ("  Apache-2.0  ", True, ""),
        ("BSD-3-Clause", True, ""),
        ("PSF-2.0", True, ""),
        ("MIT OR GPL-3.0-only", True, ""),  # one permissive alternative is enough
        ("GPL-3.0-only OR MIT", True, ""),
        ("MIT AND GPL-3.0-only", False, LICENSE_NOT_ALLOWED),  # every part must be permitted
        ("mit and gpl-3.0", False, LICENSE_NOT_ALLOWED),  # lower-case operators, deprecated id
        ("(MIT OR GPL-2.0-only) AND BSD-2-Clause", True, ""),
        ("(MIT OR GPL-2.0-only) AND LGPL-3.0-only", False, LICENSE_NOT_ALLOWED),
        ("MIT OR (GPL-2.0-only AND LGPL-3.0-only)", True, ""),
        ("Apache-2.0 WITH LLVM-exception", True, ""),
        ("GPL-2.0-only WITH Classpath-exception-2.0", False, LICENSE_NOT_ALLOWED),
        ("GPL-3.0-or-later", False, LICENSE_NOT_ALLOWED),
        ("CC-BY-4.0", False, LICENSE_NOT_ALLOWED),
        ("", False, LICENSE_UNKNOWN),
        ("   ", False, LICENSE_UNKNOWN),
        ("Proprietary-Foo", False, LICENSE_UNKNOWN),
        ("LicenseRef-Public-Domain", False, LICENSE_NOT_ALLOWED),  # known without an SPDX id, not allowed
        ("LGPL-2.1-only", False, LICENSE_NOT_ALLOWED),
        ("MIT AND Proprietary-Foo", False, LICENSE_UNKNOWN),  # the unknown part decides
        ("MIT OR Proprietary-Foo", True, ""),  # decided without the unknown part
        ("GPL-3.0-only AND Proprietary-Foo", False, LICENSE_NOT_ALLOWED),  # decided without it too
        ("MIT WITH Not-An-Exception", False, LICENSE_UNKNOWN),
        ("MIT OR", False, LICENSE_UNKNOWN),  # does not parse
        ("(MIT", False, LICENSE_UNKNOWN),
        ("MIT/X11", False, LICENSE_UNKNOWN),
    ],
)
def test_license_expressions(expression: str, allowed: bool, reason: str) -> None:
    assert license_allowed(expression, DEFAULT_ALLOWED) == (allowed, reason)


def test_allow_list_is_configurable() -> None:
    only_gpl = parse_allow_list("GPL-3.0-or-later, LGPL-3.0-only")
    assert only_gpl == frozenset({"GPL-3.0-or-later", "LGPL-3.0-only"})
    assert license_allowed("GPL-3.0+", only_gpl) == (True, "")  # the deprecated form of the same id
    assert license_allowed("MIT", only_gpl) == (False, LICENSE_NOT_ALLOWED)
    # An id outside the SPDX list becomes known by being allowed.
    assert license_allowed("LicenseRef-Public-Domain", DEFAULT_ALLOWED | {"LicenseRef-Public-Domain"}) == (True, "")
    assert parse_allow_list("MIT BSD-3-Clause,,ISC ") == frozenset({"MIT", "BSD-3-Clause", "ISC"})
    assert parse_allow_list("") == frozenset()
    assert license_allowed("MIT", parse_allow_list("")) == (False, LICENSE_NOT_ALLOWED)


def _problem(license: str) -> Problem:
    return Problem(
        kind="function", prompt=f"def f_{len(license)}(x):\n", solution="    return x\n",
        tests=[FunctionTest(args=[1], expected=1)], entry_point=f"f_{len(license)}",
        provenance=Provenance(source="ci", package="pkg", license=license),
    )


def test_gate_keeps_and_rejects_with_stage_reason_and_expression() -> None:
    problems = [_problem("MIT"), _problem("GPL-3.0-only"), _problem(""), _problem("BSD-2-Clause OR GPL-2.0-only")]
    result = LicenseGate().run(problems)
    kept = result.kept
    assert [p.provenance.license for p in kept] == ["MIT", "BSD-2-Clause OR GPL-2.0-only"]
    assert all(p.verdicts[-1].stage == "license" and p.verdicts[-1].verdict == "keep" for p in kept)
    assert [(r.stage, r.reason, r.detail, r.unit) for r in result.rejects] == [
        ("license", LICENSE_NOT_ALLOWED, "GPL-3.0-only", "problems"),
        ("license", LICENSE_UNKNOWN, "", "problems"),
    ]
    assert [r.problem["verdicts"][-1]["verdict"] for r in result.rejects] == ["reject", "reject"]
    assert (result.count.into, result.count.kept, dict(result.count.rejected)) == (
        4, 2, {LICENSE_NOT_ALLOWED: 1, LICENSE_UNKNOWN: 1})
    # Verdicts ride along without changing what the problem is.
    assert [p.id for p in kept] + [r.subject for r in result.rejects] == [problems[i].id for i in (0, 3, 1, 2)]


def test_competitive_tasks_pass_on_site_terms() -> None:
    task = Problem(kind="stdio", prompt="Print 1.\n", solution="print(1)\n", tests=[],
                   provenance=Provenance(source="atcoder", package="abc001"))
    assert len(LicenseGate().run([task]).kept) == 1


def test_gate_with_a_custom_allow_list() -> None:
    result = LicenseGate(parse_allow_list("Apache-2.0")).run([_problem("MIT"), _problem("Apache-2.0")])
    assert [p.provenance.license for p in result.kept] == ["Apache-2.0"]
    assert [r.reason for r in result.rejects] == [LICENSE_NOT_ALLOWED]
