"""Alert notifications for paging systems: a JSON POST, signed with HMAC-SHA256, retried with backoff.

Each notification carries a delivery id (the same on every retry, so a receiver can drop
copies) and ``X-Yichuang-Signature: sha256=<hex>`` over the exact body. Server errors, timeouts
and 429 are retried with exponential backoff; other 4xx answers are final (the receiver refuses
it, retrying would not help) and logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict
from typing import Any

from central.monitor.alerts import Alert

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Yichuang-Signature"
DELIVERY_HEADER = "X-Yichuang-Delivery"


def sign(secret: bytes, body: bytes) -> str:
    """Return the signature header value of ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def body_of(event: str, alert: Alert) -> bytes:
    """Return the JSON body of one notification (no personal data: rule, terminal, times)."""
    data: dict[str, Any] = {"event": event, "alert": asdict(alert)}
    return json.dumps(data, default=str, ensure_ascii=False, sort_keys=True).encode()


class Webhook:
    """Delivers notifications in the background, in order, until each succeeds or is refused."""

    def __init__(self, url: str, secret: bytes, *, attempts: int = 6, first_delay: float = 1.0,
                 timeout: float = 10.0) -> None:
        """POST to ``url`` (http or https only), signing with ``secret``."""
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{url!r}: a webhook is an http(s) URL")
        self.url, self.secret, self.timeout = url, secret, timeout
        self.attempts, self.first_delay = attempts, first_delay
        self.pending: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self.delivered = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook", daemon=True)
        self._thread.start()

    def notify(self, event: str, alert: Alert) -> None:
        """Queue one notification (AlertBook's ``notify``)."""
        self.pending.put((str(uuid.uuid4()), body_of(event, alert)))

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (within ``timeout``), then stop."""
        self.pending.put(None)
        self._thread.join(timeout)
        self._stop.set()

    def _run(self) -> None:
        """Deliver notifications one by one."""
        while (item := self.pending.get()) is not None:
            delivery, body = item
            if self._deliver(delivery, body):
                self.delivered += 1
            else:
                self.failed += 1

    def _deliver(self, delivery: str, body: bytes) -> bool:
        """POST until success, a final refusal, or the attempts run out."""
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body),
                       DELIVERY_HEADER: delivery}
            request = urllib.request.Request(self.url, data=body, method="POST", headers=headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=self.timeout):  # noqa: S310 - checked in __init__
                    return True
            except urllib.error.HTTPError as exc:
                if 400 <= exc.code < 500 and exc.code != 429:
                    log.error("webhook refused delivery %s: HTTP %s", delivery, exc.code)
                    return False
                log.warning("webhook attempt %d failed: HTTP %s", attempt, exc.code)
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                log.warning("webhook attempt %d failed: %s", attempt, type(exc).__name__)
            if self._stop.wait(delay):
                return False
            delay *= 2
        return False
