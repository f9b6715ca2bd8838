"""Commands as the sync agent keeps them after verifying: signed by a test fleet key, stored as delivered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.store import commands as book
from kiosk.store.store import Store
from protocol.command import Command, open_command, sign_command

KEY = ed25519.Ed25519PrivateKey.generate()


def deliver(store: Store, kind: str, *, urgent: bool = False, **args: str) -> str:
    """Keep a signed command for LC0001 with the next sequence number, as the agent does; return its id."""
    now = datetime.now(UTC)
    command = Command(id=uuid.uuid4().hex, terminal="LC0001", seq=book.last_seq(store) + 1, kind=kind,  # type: ignore[arg-type]
                      args=args, issued=now.isoformat(), expires=(now + timedelta(hours=1)).isoformat(),
                      urgent=urgent, by="ops-li")
    payload = sign_command(command, KEY)
    book.receive(store, open_command(payload, KEY.public_key(), "LC0001"), payload)
    return command.id


def state(store: Store, command_id: str) -> tuple[str, str]:
    """Return a kept command's state and detail."""
    kept = book.find(store, command_id)
    assert kept is not None
    return kept.status, kept.detail
