"""Runs inside a PREPARE sandbox: relay 127.0.0.1:PORT to a unix socket bound in from the host.

The sandbox has its own network namespace with only loopback, so this is its one way out, and
the host's filtering proxy at the other end of the socket admits only the package index.
Standard library only. Usage: ``python3 unixforward.py SOCKET PORT``; it returns once it listens.
"""

import contextlib
import os
import socket
import sys
import threading


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def relay(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until both directions close."""
    other = threading.Thread(target=_pipe, args=(b, a), daemon=True)
    other.start()
    _pipe(a, b)
    other.join(timeout=5)


def _serve(client: socket.socket, path: str) -> None:
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(path)
    except OSError:
        client.close()
        return
    relay(client, upstream)


def main() -> None:
    """Listen, then go to the background: the caller's next command finds the port open."""
    path, port = sys.argv[1], int(sys.argv[2])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    if os.fork() > 0:
        os._exit(0)  # the child serves until the sandbox's end kills it
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_serve, args=(client, path), daemon=True).start()


if __name__ == "__main__":
    main()
