"""A real HTTP server on 127.0.0.1 that plays Codeforces and AtCoder (pages: ``site_pages``; whole
contests: ``site_worlds``).

The server records every request (path with query, monotonic time,
headers) so that tests can check spacing, retries and cache hits from the server's side.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Response:
    """What the server answers: status, body, headers, and a delay before answering."""

    body: str | bytes = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    sleep_s: float = 0.0


Route = Response | Sequence[Response] | Callable[[dict[str, list[str]]], Response]


@dataclass
class Hit:
    """One request as the server saw it."""

    path: str
    at: float
    headers: dict[str, str]


class FakeSite:
    """Routes by exact path-with-query, then by path alone; unknown paths get a 404 page."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.served: dict[str, int] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.base = ""

    def add(self, path: str, route: Route) -> None:
        """Serve ``route`` at ``path``: one response, a sequence (consumed in order, the last repeats) or a function."""
        self.routes[path] = route

    def url(self, path: str) -> str:
        """The full URL of ``path`` on this server."""
        return self.base + path

    def count(self, path: str) -> int:
        """How many requests asked for ``path`` (with its query)."""
        return sum(1 for hit in self.hits if hit.path == path)

    def respond(self, target: str) -> Response:
        """The response for a request target."""
        parts = urlsplit(target)
        with self.lock:
            key = target if target in self.routes else parts.path
            route = self.routes.get(key)
            served = self.served.get(key, 0)
            self.served[key] = served + 1
        if route is None:
            return Response("<html><body><h1>404 Not Found</h1></body></html>", status=404)
        if isinstance(route, Response):
            return route
        if callable(route):
            return route(parse_qs(parts.query))
        return route[min(served, len(route) - 1)]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        site = self.server.site
        with site.lock:
            site.hits.append(Hit(self.path, time.monotonic(), {k.lower(): v for k, v in self.headers.items()}))
        response = site.respond(self.path)
        if response.sleep_s:
            time.sleep(response.sleep_s)
        body = response.body.encode() if isinstance(response.body, str) else response.body
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: FakeSite


@contextmanager
def serve(site: FakeSite) -> Iterator[FakeSite]:
    """Run ``site`` on a free port of 127.0.0.1 for the duration of the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = site
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def json_response(data: object, status: int = 200) -> Response:
    """A JSON body."""
    return Response(json.dumps(data), status=status, content_type="application/json;charset=UTF-8")
