"""Retire a terminal for good: the registry keeps it, retired and revoked, so central refuses it and nobody is paged.

Retiring also revokes (when not revoked already): the ingest refuses any later message of the
terminal, the fleet monitor shows it as retired and raises no alert. Retiring twice keeps the
first time and reason.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, select, update

from central.platform.registry import RegistryError
from central.platform.schema import terminals

REASON_CHARS = 200
NOTICE = "decommissioned"  # the event a terminal's signed notice names (an uplink envelope of kind "event")


def notice_reason(kind: str, body: bytes) -> str | None:
    """Return the reason of a decommission notice, or None when the (already verified) envelope is none."""
    if kind != "event":
        return None
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("event") != NOTICE:
        return None
    reason = data.get("reason")
    return reason[:REASON_CHARS] if isinstance(reason, str) and reason.strip() else NOTICE


def retire(engine: Engine, terminal: str, reason: str) -> bool:
    """Mark ``terminal`` retired and revoked; return False if it was retired already (RegistryError if unknown)."""
    with engine.begin() as conn:
        return retire_in(conn, terminal, reason)


def retire_in(conn: Connection, terminal: str, reason: str) -> bool:
    """Retire ``terminal`` inside the caller's transaction (see ``retire``)."""
    now, why = datetime.now(UTC).isoformat(), reason.strip()[:REASON_CHARS] or NOTICE
    row = conn.execute(select(terminals.c.retired_at).where(terminals.c.id == terminal)).first()
    if row is None:
        raise RegistryError(f"no terminal {terminal} in the registry")
    if row.retired_at is not None:
        return False
    conn.execute(update(terminals).where(terminals.c.id == terminal).values(
        retired_at=now, retired_reason=why, revoked_at=func.coalesce(terminals.c.revoked_at, now),
        revoked_reason=func.coalesce(terminals.c.revoked_reason, f"retired: {why}")))
    return True


def retired(engine: Engine) -> list[str]:
    """Return the ids of every retired terminal."""
    with engine.connect() as conn:
        return list(conn.execute(select(terminals.c.id).where(terminals.c.retired_at.is_not(None))
                                 .order_by(terminals.c.id)).scalars())
