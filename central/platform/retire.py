"""Retire a terminal for good: the registry keeps it, retired and revoked, so central refuses it and nobody is paged.

Retiring also revokes (when not revoked already): the ingest refuses any later message of the
terminal, the fleet monitor shows it as retired and raises no alert. Retiring twice keeps the
first time and reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select, update

from central.platform.registry import RegistryError
from central.platform.schema import terminals

REASON_CHARS = 200


def retire(engine: Engine, terminal: str, reason: str) -> bool:
    """Mark ``terminal`` retired and revoked; return False if it was retired already (RegistryError if unknown)."""
    now, why = datetime.now(UTC).isoformat(), reason.strip()[:REASON_CHARS] or "decommissioned"
    with engine.begin() as conn:
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
