"""The tracer's settings, read from the environment of the traced process."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

ENV_OUT = "SFTMINE_TRACE_OUT"
ENV_INCLUDE = "SFTMINE_TRACE_INCLUDE"
ENV_EXCLUDE = "SFTMINE_TRACE_EXCLUDE"
ENV_K = "SFTMINE_TRACE_K"
ENV_ENGINE = "SFTMINE_TRACE_ENGINE"
ENV_MAX_VALUE = "SFTMINE_TRACE_MAX_VALUE_BYTES"

# Path parts and file names that mark test code, which is never recorded.
TEST_DIRS = ("tests", "test", "testing")
TEST_FILES = ("conftest.py",)


@dataclass(frozen=True)
class Config:
    """Where records go, which files are the project's, and the caps."""

    out_dir: str
    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    max_pairs: int = 50
    max_value_bytes: int = 4096
    engine: str = "auto"
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict | None = None) -> Config | None:
        """The config, or None when tracing is not switched on."""
        env = os.environ if environ is None else environ
        out_dir = env.get(ENV_OUT)
        if not out_dir:
            return None
        split = [p for p in env.get(ENV_INCLUDE, "").split(os.pathsep) if p]
        return cls(
            out_dir=out_dir,
            include=tuple(os.path.realpath(p) for p in split),
            exclude=tuple(os.path.realpath(p) for p in env.get(ENV_EXCLUDE, "").split(os.pathsep) if p),
            max_pairs=int(env.get(ENV_K, "50")),
            max_value_bytes=int(env.get(ENV_MAX_VALUE, "4096")),
            engine=env.get(ENV_ENGINE, "auto"),
        )

    def to_env(self) -> dict[str, str]:
        """Environment variables that switch tracing on with this config in a child process."""
        return {
            ENV_OUT: self.out_dir,
            ENV_INCLUDE: os.pathsep.join(self.include),
            ENV_EXCLUDE: os.pathsep.join(self.exclude),
            ENV_K: str(self.max_pairs),
            ENV_MAX_VALUE: str(self.max_value_bytes),
            ENV_ENGINE: self.engine,
        }
