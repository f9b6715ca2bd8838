"""Tell central this terminal is decommissioned: one signed envelope over its own identity, acknowledged by central.

The notice is an uplink envelope of kind ``event`` (``{"event": "decommissioned"}``), encrypted to
central and signed by the device key like every application, with the next number of the
terminal's sequence (its last). Central's ingest verifies it and, in the transaction that stores
it, retires the terminal (central/platform/retire.py). Only central's signed ack counts as told.
"""

from __future__ import annotations

import json
import queue
import time
import uuid
from typing import Any

from kiosk.store import database as db
from kiosk.store.store import SQL_NEXT_SEQ, Store
from protocol import topics
from protocol.acks import open_acks
from protocol.envelope import EnvelopeError, Header, seal
from protocol.link import Link, tls_client
from sync.keys import TerminalKeys

NOTICE = "decommissioned"


def notice_envelope(store: Store, terminal: str, keys: TerminalKeys, reason: str) -> tuple[str, bytes]:
    """Return the message id and the sealed, signed decommission notice (it takes the next sequence number)."""
    with db.write(store.engine) as conn:
        seq = int(db.driver(conn).execute(SQL_NEXT_SEQ).fetchone()[0])
    header = Header(terminal, seq, str(uuid.uuid4()), "event", store.now(), store.boot)
    body = json.dumps({"id": header.id, "event": NOTICE, "reason": reason[:200]}).encode()
    return header.id, seal(header, body, keys.central, keys.signer)


def _answer(payload: bytes, terminal: str, keys: TerminalKeys, message_id: str) -> bool | None:
    """Return True (stored), False (refused) or None (no word on the notice) from one ack batch."""
    try:
        batch = open_acks(payload, terminal, keys.acks)
    except EnvelopeError:
        return None
    statuses = {ack.status for ack in batch.acks if ack.id == message_id}
    if statuses & {"stored", "duplicate"}:
        return True
    return False if statuses else None


def send_notice(link: Link, terminal: str, keys: TerminalKeys, notice: tuple[str, bytes], timeout: float) -> bool:
    """Publish ``notice`` and wait up to ``timeout`` seconds for central's signed ack; return whether it came."""
    message_id, envelope = notice
    acks: queue.Queue[bytes] = queue.Queue()
    client = tls_client(f"{terminal}-sync", link)

    def subscribed(c: Any, *_: Any) -> None:
        c.publish(topics.up(terminal, "event"), envelope, qos=1)

    client.on_connect = lambda c, u, f, rc, p: None if rc.is_failure else c.subscribe(topics.ack(terminal), qos=1)
    client.on_subscribe = subscribed
    client.on_message = lambda c, u, message: acks.put(bytes(message.payload))
    try:
        client.connect(link.host, link.port)
    except OSError:
        return False
    client.loop_start()
    try:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                answer = _answer(acks.get(timeout=min(left, 0.5)), terminal, keys, message_id)
            except queue.Empty:
                continue
            if answer is not None:
                return answer
        return False
    finally:
        client.disconnect()
        client.loop_stop()
