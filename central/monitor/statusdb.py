"""The fleet's status rows in central's database: what the monitor writes and `fleet status` reads."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from central.monitor.rows import State, TerminalStatus, WrittenStatus
from central.platform.schema import fleet_status


def record(row: TerminalStatus, now: datetime) -> dict[str, Any]:
    """Return ``row`` as a row of the status table, written at ``now``."""
    return {"terminal": row.terminal, "hall": row.hall, "site": row.site, "state": row.state.value,
            "reasons": json.dumps(row.reasons, ensure_ascii=False), "last_heartbeat": row.last_heartbeat,
            "backlog": row.backlog, "oldest_unsynced_s": row.oldest_unsynced_s, "changed_at": row.changed_at,
            "written_at": now.isoformat()}


def read_status(engine: Engine) -> list[WrittenStatus]:
    """Return the overview as the monitor last wrote it (for `fleet status`)."""
    with engine.connect() as conn:
        rows = conn.execute(select(fleet_status).order_by(fleet_status.c.terminal)).all()
    return [WrittenStatus(terminal=r.terminal, hall=r.hall, site=r.site, state=State(r.state),
                          reasons=tuple(json.loads(r.reasons)), last_heartbeat=r.last_heartbeat, backlog=r.backlog,
                          oldest_unsynced_s=r.oldest_unsynced_s, changed_at=r.changed_at, written_at=r.written_at)
            for r in rows]


def pending(rows: list[TerminalStatus], written: dict[str, TerminalStatus], *, whole: bool) -> list[TerminalStatus]:
    """Return the rows that differ from what was written: in every field (``whole``), else in state or reasons."""
    if whole:
        return [r for r in rows if written.get(r.terminal) is not r and written.get(r.terminal) != r]
    return [r for r in rows if written.get(r.terminal) is not r and _settled(written.get(r.terminal)) != _settled(r)]


def _settled(row: TerminalStatus | None) -> tuple[object, ...] | None:
    """Return what of a row is written at once: where it stands and why, not when it was last heard."""
    return None if row is None else (row.state, row.reasons, row.hall, row.site, row.changed_at)
