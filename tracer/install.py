"""Make a Python environment start the tracer by itself, without touching the project under test.

``install(site_packages)`` copies this package into ``site_packages`` under a private name and
writes a ``.pth`` file that imports its ``boot`` module at interpreter start-up. ``boot`` does
nothing unless ``SFTMINE_TRACE_OUT`` is set, so the environment runs untraced by default.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

PRIVATE_NAME = "_sftmine_tracer"
PTH_NAME = "_sftmine_tracer.pth"
_HERE = Path(__file__).resolve().parent


def install(site_packages: str | Path, python: str | Path | None = None) -> Path:
    """Copy the tracer into ``site_packages`` and register it; returns the copied package dir.

    With ``python`` (the environment's interpreter) the C engine is compiled for it; if that fails
    the environment runs the pure-Python engine, and the reason is written to ``ENGINE.txt``.
    """
    site = Path(site_packages)
    target = site / PRIVATE_NAME
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(_HERE, target, ignore=shutil.ignore_patterns("__pycache__", "*.so", "build"))
    if python is not None:
        from .build import build

        built, why = build(target, python)
        (target / "ENGINE.txt").write_text(f"c: {built}\n" if built else f"python: {why}\n")
    # A .pth line starting with "import" is executed by site.py in every interpreter that uses this site dir.
    (site / PTH_NAME).write_text(f"import {PRIVATE_NAME}.boot\n")
    return target


def site_packages_of(python: str | Path) -> Path:
    """The purelib directory of the interpreter ``python`` (a venv's bin/python)."""
    import subprocess

    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    )
    return Path(out.stdout.strip())


if __name__ == "__main__":
    print(install(sys.argv[1] if len(sys.argv) > 1 else site_packages_of(sys.executable), sys.executable))
