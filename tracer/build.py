"""Compile the C engine for a given interpreter, straight with the C compiler.

The interpreter of a test venv may not have setuptools, and may differ from the one running
sftmine, so this asks that interpreter for its include directory and extension suffix and calls
``cc`` itself. A failure is reported, not raised: the pure-Python engine is the fallback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "_ctracer.c"
_QUERY = (
    "import json, sysconfig; print(json.dumps({'include': sysconfig.get_paths()['include'], "
    "'suffix': sysconfig.get_config_var('EXT_SUFFIX')}))"
)


def build(out_dir: str | Path, python: str | Path = sys.executable) -> tuple[Path | None, str]:
    """(path of the built module, "") or (None, why not)."""
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None, "no C compiler"
    try:
        info = json.loads(subprocess.run([str(python), "-I", "-c", _QUERY], check=True, capture_output=True,
                                         text=True, timeout=60).stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return None, f"cannot query {python}: {exc}"
    if not (Path(info["include"]) / "Python.h").exists():
        return None, f"no Python.h in {info['include']} (install the interpreter's dev headers)"
    target = Path(out_dir) / f"_ctracer{info['suffix']}"
    command = [compiler, "-shared", "-fPIC", "-O2", "-Wall", "-I", info["include"], str(SOURCE), "-o", str(target)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        return None, f"compile failed: {result.stderr.strip()[-500:]}"
    return target, ""


if __name__ == "__main__":
    path, why = build(Path(__file__).resolve().parent)
    print(path or why)
    sys.exit(0 if path else 1)
