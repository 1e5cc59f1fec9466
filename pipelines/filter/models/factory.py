"""``--model SPEC`` -> a loaded ``Sampler``: the embedded default, a server URL, a GGUF file or a model dir.

Backends import their heavy libraries (torch, transformers, llama_cpp) only when chosen, so a run
against a server needs none of them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from pipelines.filter.models.base import Sampler, SamplerError

BACKENDS = ("auto", "http", "llama-cpp", "transformers")
EMBEDDED = "embedded"


def describe_backend(spec: str, backend: str = "auto") -> str:
    """Which backend ``spec`` selects: ``http``, ``llama-cpp`` or ``transformers``."""
    if backend != "auto":
        return backend
    if spec.startswith(("http://", "https://")):
        return "http"
    if spec == EMBEDDED or spec.endswith(".gguf"):
        return "llama-cpp" if _has_llama_cpp() else "transformers"
    return "transformers"


def _has_llama_cpp() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


def make_sampler(spec: str = EMBEDDED, backend: str = "auto", *, model_name: str = "", threads: int | None = None,
                 cache_dir: Path | None = None, log: TextIO = sys.stderr, concurrency: int = 16,
                 batch_size: int | None = None, device: str = "auto") -> Sampler:
    """Load the model ``spec`` names with ``backend``; a clear SamplerError when it cannot be found.

    ``concurrency``: requests in flight (server), problems decoded together (transformers); ``batch_size``:
    samples decoded together (in-process models; None: the backend's default); ``device``: auto, cpu or
    cuda (transformers)."""
    chosen = describe_backend(spec, backend)
    if chosen not in BACKENDS[1:]:
        raise SamplerError(f"unknown model backend {backend!r}: use one of {', '.join(BACKENDS)}")
    if chosen == "http":
        from pipelines.filter.models.openai_http import OpenAICompletions

        return OpenAICompletions(spec, model_name, concurrency=concurrency)
    if spec == EMBEDDED:
        from pipelines.filter.models.embedded import ensure_default_model

        path = ensure_default_model(cache_dir, log=log)
    else:
        path = Path(spec)
        if not path.exists():
            raise SamplerError(f"model {spec!r} not found: pass 'embedded', a server URL (http://host:port/v1), "
                               f"a .gguf file or a transformers model directory")
    if chosen == "llama-cpp":
        from pipelines.filter.models.llama_cpp_backend import LlamaCppSampler

        return LlamaCppSampler(path, threads=threads, **({"batch_size": batch_size} if batch_size else {}))
    from pipelines.filter.models.hf_transformers import TransformersSampler

    extra = {"batch_size": batch_size} if batch_size else {}
    if path.is_file():  # a GGUF file read by transformers (no compile needed, slower)
        return TransformersSampler(path.parent, gguf_file=path.name, threads=threads, device=device,
                                   concurrency=concurrency, **extra)
    return TransformersSampler(path, threads=threads, device=device, concurrency=concurrency, **extra)
