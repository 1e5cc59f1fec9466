"""A content-addressed store of finished work, the job's memory across crashes.

Every expensive step (a project's harvest and problems, a problem's decontamination, a problem's
samples) writes its result here under a key that hashes what determines it: its input and the
settings that change its output. A rerun of the same command finds the entry and skips the work;
a changed setting makes a new key, so stale results are never reused. Writes go to a temporary
name and are renamed into place, so a killed worker leaves either the whole entry or none, and two
workers that race on one key write the same content.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pipelines.outputs.atomic import write_atomic


def key_of(*parts: object) -> str:
    """A stable key for JSON-able ``parts`` (paths and other objects by their ``str``)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Store:
    """``root/<step>/<key>.json`` entries, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, step: str, key: str) -> Path:
        """Where an entry lives."""
        return self.root / step / f"{key}.json"

    def get(self, step: str, key: str) -> Any | None:
        """The entry, or None when it was never finished."""
        try:
            return json.loads(self.path(step, key).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def put(self, step: str, key: str, value: Any) -> None:
        """Write an entry: temp file in the same directory, then rename."""
        path = self.path(step, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":")))

    def entries(self, step: str) -> list[Path]:
        """The finished entries of a step (for progress)."""
        directory = self.root / step
        return sorted(directory.glob("*.json")) if directory.is_dir() else []
