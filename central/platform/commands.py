"""Remote commands in central's database: a rollout per request, one command per target terminal, honest states.

A rollout names what ops asked (a kind, its arguments, the targets, a rate and an abort threshold,
after AWS IoT Jobs). Its commands start ``scheduled``; the dispatcher releases them at the rate
(``queued``: signed, with the terminal's next sequence number) and sends them while the terminal is
online. Only the terminal moves a command on — ``delivered`` when its agent has kept it, then
``running``, ``succeeded`` or ``failed`` — or ``expired``/``refused``; a command never reached by its
deadline expires here. When more than ``abort_pct`` % of the targets fail, the rollout is aborted and
what was not released yet is ``cancelled``. Every request and every outcome goes to the audit log.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, func, insert, select, update

from central.platform.schema import fleet_commands, fleet_rollouts, ops_audit, terminals
from protocol.command import Command
from protocol.kinds import COMMAND_KINDS, OPS_KINDS

FINAL = frozenset({"succeeded", "failed", "expired", "refused", "cancelled"})
FAILED = frozenset({"failed", "refused"})
ORDER = {"scheduled": 0, "queued": 1, "delivered": 2, "running": 3}  # a report never moves a command back
MAX_TARGETS = 100_000


class CommandRequestError(ValueError):
    """A command request ops made that cannot be sent (unknown target, bad arguments)."""


@dataclass(frozen=True)
class Request:
    """What ops ask for: a kind with arguments, for a target, at a rate, with an abort threshold."""

    kind: str
    target: str  # terminal:ID | hall:HALL | site:SITE | fleet
    by: str
    args: dict[str, str]
    urgent: bool = False
    lifetime: timedelta = timedelta(hours=24)
    rate_per_min: int = 0
    abort_pct: int = 100
    address: str = ""  # where ops asked from (the dashboard's client), for the audit log


def word(name: str) -> str:
    """Return an operator name as a command's ``by`` word (other characters become '_')."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "_.:@-") else "_" for c in name)[:64] or "ops"


def _targets(conn: Connection, target: str) -> list[str]:
    """Return the terminals a target names (revoked ones excluded), or refuse an unknown target."""
    scope, _, value = target.partition(":")
    query = select(terminals.c.id).where(terminals.c.revoked_at.is_(None)).order_by(terminals.c.id)
    columns = {"terminal": terminals.c.id, "hall": terminals.c.hall, "site": terminals.c.site}
    if scope in columns and value:
        query = query.where(columns[scope] == value)
    elif target != "fleet":
        raise CommandRequestError(f"{target!r} is not a target: terminal:ID, hall:HALL, site:SITE or fleet")
    found = [row.id for row in conn.execute(query)]
    if not found:
        raise CommandRequestError(f"no terminal in service matches {target}")
    if len(found) > MAX_TARGETS:
        raise CommandRequestError(f"{target} names {len(found)} terminals, more than {MAX_TARGETS}")
    return found


def check(request: Request, now: datetime, *, by_hand: bool = True) -> None:
    """Refuse a request whose command would not open on a terminal (kind, argument bounds, text).

    ``by_hand``: ops asked (the dashboard, `fleet command`), who may not send what only the platform sends.
    """
    if by_hand and request.kind in COMMAND_KINDS and request.kind not in OPS_KINDS:
        raise CommandRequestError(f"{request.kind} is sent by the platform, not by hand")
    try:
        Command.model_validate({"id": uuid.uuid4().hex, "terminal": "LC0001", "seq": 1, "kind": request.kind,
                                "args": request.args, "issued": now.isoformat(),
                                "expires": (now + request.lifetime).isoformat(), "urgent": request.urgent,
                                "by": word(request.by)}).text_args()
    except (ValidationError, ValueError) as exc:
        first = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": str(exc)}
        where = ".".join(str(part) for part in first["loc"])
        raise CommandRequestError(f"the command is not valid: {where + ': ' if where else ''}{first['msg']}") from None
    if not 0 <= request.rate_per_min <= 100_000 or not 0 <= request.abort_pct <= 100:
        raise CommandRequestError("the rate must be 0–100000 a minute and the abort threshold 0–100 %")


def create(engine: Engine, request: Request, now: datetime) -> tuple[str, int]:
    """Record a rollout and its scheduled commands; return its id and how many terminals it targets."""
    check(request, now)
    with engine.begin() as conn:
        rollout, count = create_in(conn, request, now, _targets(conn, request.target))
        audit(conn, request.by, f"command:{request.kind}", f"{request.target} ({count})", outcome="queued",
              now=now, address=request.address)
    return rollout, count


def create_in(conn: Connection, request: Request, now: datetime, targets: list[str]) -> tuple[str, int]:
    """Record a checked request's rollout and its scheduled commands in the caller's transaction."""
    rollout, stamp = uuid.uuid4().hex, now.isoformat()
    conn.execute(insert(fleet_rollouts).values(
        id=rollout, kind=request.kind, args=json.dumps(request.args, ensure_ascii=False),
        urgent=int(request.urgent), target=request.target, by=request.by, created_at=stamp,
        expires_at=(now + request.lifetime).isoformat(), rate_per_min=request.rate_per_min,
        abort_pct=request.abort_pct, state="running"))
    conn.execute(insert(fleet_commands), [
        {"id": uuid.uuid4().hex, "rollout": rollout, "terminal": terminal, "status": "scheduled",
         "updated_at": stamp} for terminal in targets])
    return rollout, len(targets)


def audit(conn: Connection, user: str, action: str, target: str, *, outcome: str, now: datetime,
          address: str = "") -> None:
    """Append one line to the ops audit log inside the caller's transaction."""
    conn.execute(insert(ops_audit).values(at=now.isoformat(), user=user[:64], action=action[:32],
                                          target=target[:200], outcome=outcome[:32], address=address[:64]))


def release_due(conn: Connection, rollout: Any, now: datetime) -> list[str]:
    """Return the ids of a running rollout's scheduled commands its rate lets out now."""
    released = conn.execute(select(func.count()).select_from(fleet_commands).where(
        fleet_commands.c.rollout == rollout.id, fleet_commands.c.status != "scheduled")).scalar_one()
    if rollout.rate_per_min:
        minutes = (now - datetime.fromisoformat(rollout.created_at)).total_seconds() / 60
        allowed = rollout.rate_per_min * (math.floor(minutes) + 1) - released
    else:
        allowed = MAX_TARGETS
    if allowed <= 0:
        return []
    rows = conn.execute(select(fleet_commands.c.id).where(
        fleet_commands.c.rollout == rollout.id, fleet_commands.c.status == "scheduled")
        .order_by(fleet_commands.c.terminal).limit(allowed))
    return [row.id for row in rows]


def next_seq(conn: Connection, terminal: str) -> int:
    """Return the terminal's next command sequence number."""
    last = conn.execute(select(func.max(fleet_commands.c.seq)).where(fleet_commands.c.terminal == terminal))
    return int(last.scalar_one() or 0) + 1


def apply_result(conn: Connection, command_id: str, terminal: str, *, status: str, now: datetime, detail: str = "",
                 data: dict[str, Any] | None = None) -> bool:
    """Move a command forward on its terminal's report; return whether it changed (a late or stray report does not)."""
    row = conn.execute(select(fleet_commands).where(fleet_commands.c.id == command_id,
                                                    fleet_commands.c.terminal == terminal)).first()
    if row is None or row.status in FINAL or (status in ORDER and ORDER[status] <= ORDER[row.status]):
        return False
    conn.execute(update(fleet_commands).where(fleet_commands.c.id == command_id).values(
        status=status, detail=detail[:300], data=json.dumps(data, ensure_ascii=False) if data else row.data,
        updated_at=now.isoformat()))
    if status in FINAL:
        audit(conn, f"terminal:{terminal}", "command_result", command_id, outcome=status, now=now)
    return True


def _counts(conn: Connection, rollout_id: str) -> dict[str, int]:
    """Return a rollout's commands counted by state."""
    rows = conn.execute(select(fleet_commands.c.status, func.count()).where(
        fleet_commands.c.rollout == rollout_id).group_by(fleet_commands.c.status))
    return {status: int(count) for status, count in rows}


def check_abort(conn: Connection, rollout_id: str, now: datetime) -> bool:
    """Abort a rollout once more than its threshold of targets failed, or complete it; return whether it aborted."""
    rollout = conn.execute(select(fleet_rollouts).where(fleet_rollouts.c.id == rollout_id)).one()
    counts = _counts(conn, rollout_id)
    total, failed = sum(counts.values()), sum(counts.get(status, 0) for status in FAILED)
    if rollout.state != "running":
        return False
    if failed * 100 > rollout.abort_pct * total:
        conn.execute(update(fleet_commands).where(fleet_commands.c.rollout == rollout_id,
                                                  fleet_commands.c.status == "scheduled").values(
            status="cancelled", detail="the rollout was aborted", updated_at=now.isoformat()))
        detail = f"{failed} of {total} targets failed, more than {rollout.abort_pct} %"
        conn.execute(update(fleet_rollouts).where(fleet_rollouts.c.id == rollout_id).values(
            state="aborted", detail=detail))
        audit(conn, rollout.by, f"command:{rollout.kind}", rollout.target, outcome="aborted", now=now)
        return True
    if sum(counts.get(status, 0) for status in FINAL) == total:
        conn.execute(update(fleet_rollouts).where(fleet_rollouts.c.id == rollout_id).values(state="completed"))
    return False


def rollouts(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """Return the latest rollouts ops asked for, their commands counted by state, newest first.

    The back office's status changes are commands too (one per change), but they are followed on the
    application (`central apps history`), not on the fleet's page.
    """
    with engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(
            select(fleet_rollouts).where(fleet_rollouts.c.kind.in_(OPS_KINDS))
            .order_by(fleet_rollouts.c.created_at.desc()).limit(limit))]
        for row in rows:
            row["counts"] = _counts(conn, row["id"])
    return rows


def listing(engine: Engine, *, rollout: str | None = None, terminal: str | None = None,
            limit: int = 200) -> list[dict[str, Any]]:
    """Return one rollout's commands, or a terminal's latest, with the rollout's kind, newest first."""
    query = (select(fleet_commands.c.id, fleet_commands.c.terminal, fleet_commands.c.seq, fleet_commands.c.status,
                    fleet_commands.c.detail, fleet_commands.c.data, fleet_commands.c.updated_at, fleet_rollouts.c.kind,
                    fleet_rollouts.c.by)
             .join(fleet_rollouts, fleet_rollouts.c.id == fleet_commands.c.rollout)
             .order_by(fleet_rollouts.c.created_at.desc(), fleet_commands.c.terminal).limit(limit))
    if rollout:
        query = query.where(fleet_commands.c.rollout == rollout)
    if terminal:
        query = query.where(fleet_commands.c.terminal == terminal)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def count_targets(engine: Engine, target: str) -> int:
    """Return how many terminals in service a target names (refusing an unknown one)."""
    with engine.connect() as conn:
        return len(_targets(conn, target))
