"""Free loopback ports for the private services a demo, a test or a benchmark starts."""

from __future__ import annotations

import socket

PAIR_TRIES = 100


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_pair() -> int:
    """Return a free port whose successor is free too (vpcd's second reader, tcti-swtpm's control port)."""
    for _ in range(PAIR_TRIES):
        port = free_port()
        with socket.socket() as sock:
            if port < 65000 and sock.connect_ex(("127.0.0.1", port + 1)) != 0:
                return port
    raise RuntimeError("no free port pair")
