"""A host-side HTTP proxy on a unix socket that lets a PREPARE sandbox reach the package index only.

``pip`` inside the sandbox talks to it through ``unixforward.py``. ``CONNECT host:port`` is
tunnelled only for allowed (host, port) pairs; a plain ``GET http://host:port/...`` (a local
index) is forwarded only to an allowed pair. Every decision is logged so tests and reports can say
what was refused.
"""

from __future__ import annotations

import os
import socket
import socketserver
import tempfile
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sandbox.unixforward import relay

PYPI_HOSTS = (("pypi.org", 443), ("files.pythonhosted.org", 443))
MAX_HEADER_BYTES = 64 << 10


def allowed_for_index(index_url: str) -> tuple[tuple[str, int], ...]:
    """The (host, port) pairs pip needs for ``index_url`` (PyPI also serves files from its CDN)."""
    parts = urlsplit(index_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    pair = (parts.hostname or "", port)
    return PYPI_HOSTS if pair[0] in ("pypi.org", "www.pypi.org") else (pair,)


@dataclass
class Decision:
    """One connection attempt through the proxy."""

    host: str
    port: int
    allowed: bool


@dataclass
class ProxyLog:
    """What the proxy saw, shared across handler threads."""

    decisions: list[Decision] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, host: str, port: int, allowed: bool) -> None:
        with self.lock:
            self.decisions.append(Decision(host, port, allowed))

    @property
    def refused(self) -> list[Decision]:
        """Attempts that were refused."""
        return [d for d in self.decisions if not d.allowed]


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk or len(head) > MAX_HEADER_BYTES:
                return
            head += chunk
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        try:
            method, target, version = request_line.split(" ", 2)
        except ValueError:
            client.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            return
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            self._tunnel(client, host.strip("[]"), int(port_text or 443), head)
        else:
            self._forward(client, method, target, version, head)

    def _permit(self, client: socket.socket, host: str, port: int) -> socket.socket | None:
        allowed = (host, port) in self.server.allowed
        self.server.log.add(host, port, allowed)
        if not allowed:
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return None
        try:
            return socket.create_connection((host, port), timeout=30)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return None

    def _tunnel(self, client: socket.socket, host: str, port: int, head: bytes) -> None:
        upstream = self._permit(client, host, port)
        if upstream is None:
            return
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        rest = head.split(b"\r\n\r\n", 1)[1]
        if rest:
            upstream.sendall(rest)
        upstream.settimeout(None)
        relay(client, upstream)

    def _forward(self, client: socket.socket, method: str, target: str, version: str, head: bytes) -> None:
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        upstream = self._permit(client, parts.hostname, parts.port or 80)
        if upstream is None:
            return
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        lines = head.split(b"\r\n\r\n", 1)
        headers = [h for h in lines[0].split(b"\r\n")[1:] if not h.lower().startswith((b"connection:", b"proxy-"))]
        origin = f"{method} {path} {version}".encode("latin-1")
        upstream.sendall(b"\r\n".join([origin, *headers, b"Connection: close"]) + b"\r\n\r\n" + lines[1])
        upstream.settimeout(None)
        relay(client, upstream)


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allowed: frozenset[tuple[str, int]]
    log: ProxyLog


class IndexProxy:
    """The proxy as a context manager: ``with IndexProxy(index_url) as proxy: proxy.socket_path``."""

    def __init__(self, index_url: str, directory: str | None = None) -> None:
        self.allowed = frozenset(allowed_for_index(index_url))
        self.log = ProxyLog()
        self._dir = tempfile.mkdtemp(prefix="sftmine-proxy-", dir=directory)
        self.socket_path = os.path.join(self._dir, "proxy.sock")
        self._server: _Server | None = None

    def __enter__(self) -> IndexProxy:
        server = _Server(self.socket_path, _Handler)
        server.allowed = self.allowed
        server.log = self.log
        os.chmod(self._dir, 0o755)
        os.chmod(self.socket_path, 0o666)  # the sandbox runs as an unprivileged uid
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for name in os.listdir(self._dir):
            os.unlink(os.path.join(self._dir, name))
        os.rmdir(self._dir)
