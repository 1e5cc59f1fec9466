"""Tracing purpose-written packages in this process, for tests that need real call records."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracer import collector
from tracer.config import Config


@contextmanager
def on_path(directory: Path) -> Iterator[None]:
    """``directory`` importable for the block."""
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        sys.path.remove(str(directory))


@contextmanager
def recording(out: Path, package: Path) -> Iterator[None]:
    """Calls into ``package`` made in the block recorded to ``out`` (the pure-Python engine)."""
    collector.start(Config(out_dir=str(out), include=(str(package),), engine="python"))
    try:
        yield
    finally:
        collector.stop()
