"""The technician's actions at a terminal, copied from its heartbeats into central's audit log, each once.

A terminal repeats its technician's latest 20 actions (codes and times only: never a PIN, a token or
a value) in every heartbeat. The monitor hands each terminal's list here when it changed; the lines
central does not hold yet are appended to ``ops_audit`` under the user ``technician@<terminal>``
(no ops account can be called that), so the audit page and the terminal's page show who did what
at the terminal beside what ops did at central. Compared by (time, action), not by "newer than the
last": a terminal whose clock was corrected backwards still has its later actions recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, insert, select

from central.platform.schema import ops_audit
from protocol.heartbeat import Audited

PREFIX = "technician@"
ADDRESS = "at the terminal"


def user_of(terminal: str) -> str:
    """Return the audit log's user for the technician at ``terminal``."""
    return f"{PREFIX}{terminal}"


class TechnicianLog:
    """Appends the new technician actions of changed heartbeats to the audit log; remembers each list it wrote."""

    def __init__(self, engine: Engine) -> None:
        """Write into central's database at ``engine``."""
        self.engine = engine
        self._written: dict[str, tuple[Audited, ...]] = {}  # per terminal, the list last recorded

    def record(self, reported: Mapping[str, Sequence[Audited] | None]) -> int:
        """Record what each terminal's list adds to the log; return how many lines were appended."""
        changed = {t: tuple(actions) for t, actions in reported.items()
                   if actions and self._written.get(t) != tuple(actions)}
        if not changed:
            return 0
        with self.engine.begin() as conn:
            lines: list[dict[str, Any]] = []
            for terminal, actions in changed.items():
                held = {(r.at, r.action) for r in conn.execute(
                    select(ops_audit.c.at, ops_audit.c.action).where(ops_audit.c.user == user_of(terminal),
                                                                      ops_audit.c.at.in_([a.at for a in actions])))}
                lines += [_line(terminal, action) for action in actions if (action.at, action.action) not in held]
            if lines:
                conn.execute(insert(ops_audit), lines)
        self._written.update(changed)
        return len(lines)


def _line(terminal: str, action: Audited) -> dict[str, Any]:
    """Return the audit line of one technician action at ``terminal``."""
    return {"at": action.at, "user": user_of(terminal),
            "action": action.action[:32], "target": terminal, "outcome": "ok", "address": ADDRESS}


def actions_at(engine: Engine, terminal: str, limit: int = 20) -> list[dict[str, Any]]:
    """Return the technician's latest ``limit`` actions at ``terminal``, newest first (time and code)."""
    query = (select(ops_audit.c.at, ops_audit.c.action).where(ops_audit.c.user == user_of(terminal))
             .order_by(ops_audit.c.at.desc()).limit(limit))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
