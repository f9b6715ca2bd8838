"""A paging system's webhook endpoint for the alert tests: fails twice, then accepts."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import ClassVar


class Receiver(BaseHTTPRequestHandler):
    """A paging system that fails twice, then accepts."""

    calls: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    failures = 2

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append((dict(self.headers), body))
        status = 503 if len(type(self).calls) <= type(self).failures else 200
        if self.path == "/refuse":
            status = 400
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass
