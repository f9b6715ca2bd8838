"""Fleet test fixtures: a paging system's webhook receiver on a free port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from tests.central.monitor.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.calls, Receiver.failures = [], 2
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
