"""The filter against a server that batches, as vLLM does: problems per hour at concurrency 1, 4, 16, 64.

A local OpenAI-compatible server on 127.0.0.1 answers every ``/v1/completions`` request after a fixed
``--request-seconds`` whatever the number in flight, up to ``--capacity`` (64) at once; more wait their
turn. That is how a batching server behaves while its batch has room: the cost of a decoding step hardly
grows with the batch. Its completions are real code: the right body for one problem in four (so those stop
after the first round) and a wrong one for the rest (which draw all n over the three rounds), so every
sample is executed in the bwrap sandbox as in a real run. The problems are generated (``add_K(x)``, tests
of ``x + K``). Each concurrency runs the filter (``filter_problems``, early mode, n = 100) on
max(4, 2 x concurrency) problems through one ``OpenAICompletions`` client with that many requests in
flight.

Last line, one JSON object: problems_per_hour per concurrency and ratio_16_over_1 (goal: >= 12).

    .venv/bin/python bench/http_filter_bench.py
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.filter.model_filter import filter_problems  # noqa: E402
from pipelines.filter.models.base import SamplingParams  # noqa: E402
from pipelines.filter.models.openai_http import OpenAICompletions  # noqa: E402
from pipelines.problem import Problem, Provenance  # noqa: E402
from sandbox.session import Session  # noqa: E402


class BatchingServer:
    """A completions server whose every request takes ``seconds`` while fewer than ``capacity`` are in flight."""

    def __init__(self, seconds: float, capacity: int) -> None:
        self.seconds = seconds
        self.slots = threading.BoundedSemaphore(capacity)
        self.lock = threading.Lock()
        self.requests = self.in_flight = self.most = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 256
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> BatchingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, body: dict) -> dict:
        """Choices after the fixed time: the right body for add_K with K divisible by 4, else a wrong one."""
        with self.slots:
            with self.lock:
                self.requests += 1
                self.in_flight += 1
                self.most = max(self.most, self.in_flight)
            time.sleep(self.seconds)
            with self.lock:
                self.in_flight -= 1
        k = int(re.search(r"def add_(\d+)", body["prompt"]).group(1))
        text = f"    return x + {k}\n" if k % 4 == 0 else "    return x - 1\n"
        choices = [{"index": i, "text": text, "logprobs": None, "finish_reason": "stop"} for i in range(body["n"])]
        return {"id": "cmpl", "object": "text_completion", "model": "batching", "choices": choices}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                self._send(json.dumps(server.answer(body)).encode())

            def do_GET(self) -> None:  # noqa: N802
                self._send(json.dumps({"data": [{"id": "batching"}]}).encode())

            def _send(self, payload: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler


def problem(k: int) -> Problem:
    """``add_K(x)``: two data tests of ``x + K``."""
    tests = [{"args": [x], "kwargs": {}, "expected": x + k, "compare": "eq"} for x in (1, 10)]
    return Problem.from_dict({
        "kind": "function", "prompt": f'def add_{k}(x):\n    """Return x plus {k}."""\n',
        "solution": f"    return x + {k}\n", "tests": tests, "entry_point": f"add_{k}",
        "provenance": dataclasses.asdict(Provenance(source="bench", package="bench", path=f"bench/add_{k}")),
    })


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", default="1,4,16,64", help="concurrency levels, comma-separated")
    parser.add_argument("--request-seconds", type=float, default=2.0, help="the server's time per request")
    parser.add_argument("--capacity", type=int, default=64, help="requests the server batches at once")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--backend", default="bwrap", help="sandbox backend")
    args = parser.parse_args()
    params = SamplingParams(n=args.samples, max_tokens=128)
    rates: dict[str, float] = {}
    offset = 0
    with BatchingServer(args.request_seconds, args.capacity) as server, Session(args.backend) as session:
        for level in (int(c) for c in args.concurrency.split(",")):
            problems = [problem(offset + i) for i in range(max(4, 2 * level))]
            offset += len(problems)
            client = OpenAICompletions(server.url, "batching", concurrency=level)
            before, server.most = server.requests, 0
            started = time.monotonic()
            results = filter_problems(problems, client, params, session, concurrency=level)
            elapsed = time.monotonic() - started
            client.close()
            kept = sum(r.decision.kept for r in results)
            expected = sum(1 for p in problems if int(p.entry_point.split("_")[1]) % 4 == 0)
            if kept != expected:
                raise SystemExit(f"concurrency {level}: kept {kept}, expected {expected}")
            rates[str(level)] = round(len(problems) / elapsed * 3600, 1)
            print(f"concurrency {level}: {len(problems)} problems in {elapsed:.1f}s, {kept} kept, "
                  f"{server.requests - before} requests, at most {server.most} in flight", file=sys.stderr, flush=True)
    ratio = round(rates["16"] / rates["1"], 2) if "16" in rates and "1" in rates else None
    print(json.dumps({"request_seconds": args.request_seconds, "capacity": args.capacity, "samples": args.samples,
                      "problems_per_hour": rates, "ratio_16_over_1": ratio}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
