"""Imported by the ``.pth`` file at interpreter start-up: start tracing if it is switched on."""

from __future__ import annotations

from .config import Config


def _boot() -> None:
    config = Config.from_env()
    if config is None:
        return
    try:
        from .collector import start

        start(config)
    except Exception as exc:  # noqa: BLE001 - the suite under test must run even if the tracer cannot
        import sys

        sys.stderr.write(f"[sftmine-tracer] not started: {type(exc).__name__}: {exc}\n")


_boot()
