"""One way to write an output file: a temporary name in the same directory, then a rename.

A reader (or a resumed run) never sees half a file, and the temporary name is unique per process,
so two workers that race to write the same content-addressed file cannot clobber each other's
half-written copy.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` all at once; returns the path."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    temp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(temp, path)
    return path
