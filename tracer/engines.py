"""Pick the engine: the C one when its extension imports, else pure Python, and say why.

Like coverage.py's ``core.py``: the choice and its reason are made once, here, so the collector
never names an engine class and the engines never import the collector.
"""

from __future__ import annotations

import sys

from .pyhook import PyTracer
from .types import EngineFactory

ASK_AUTO = "auto"
ASK_C = "c"
ASK_PYTHON = "python"


def choose(asked: str) -> tuple[EngineFactory, str]:
    """(engine class, why the pure-Python one was chosen: "" when the C engine is used)."""
    if asked not in (ASK_AUTO, ASK_C):
        return PyTracer, f"engine {asked!r} asked for"
    try:
        from .ctracer import CTracer
    except ImportError as exc:
        if asked == ASK_C:
            # Asked for by name, so the fallback is worth a line; "auto" falls back quietly.
            sys.stderr.write(f"[sftmine-tracer] C engine unavailable ({exc}); using pure Python\n")
        return PyTracer, f"C engine unavailable: {exc}"
    return CTracer, ""
