"""Central's command dispatcher: releases rollouts at their rate, signs, sends to online terminals, reads results.

It runs in `central serve` with the central identity and the fleet's command-signing key. It
follows every terminal's retained presence: a command is sent while its terminal is online and
sent again each time the terminal comes back (or when a minute passed without word), with the
command's remaining lifetime as the MQTT 5 message expiry; the terminal answers a command it
already has with its state, so sending again is always safe. Results are verified against the
terminal's registered certificate; a forged or stray one changes nothing.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from central.platform import commands as book
from central.platform.registry import Registry
from central.platform.schema import fleet_commands, fleet_rollouts
from protocol import topics
from protocol.command import Command, CommandError, Result, open_result, sign_command
from protocol.heartbeat import Refused, read_presence
from protocol.link import Link, tls_client

log = logging.getLogger(__name__)
RESEND_AFTER = timedelta(seconds=60)
STATE, RESULT = f"{topics.PREFIX}/+/state", f"{topics.PREFIX}/+/cmdres"


class Dispatcher:
    """Rollouts out, results in, for the whole fleet."""

    def __init__(self, engine: Engine, link: Link, key: ed25519.Ed25519PrivateKey, now: Callable[[], datetime],
                 name: str = topics.service_client_id("central", "commands")) -> None:
        """Send commands signed with ``key`` as the central user of ``link``; ``now`` is the clock."""
        self.engine, self.key, self.now, self.registry = engine, key, now, Registry(engine)
        self.online: set[str] = set()
        self.returned: set[str] = set()  # came (back) online since the last step: send their open commands again
        self.inbox: queue.Queue[tuple[str, bytes]] = queue.Queue(maxsize=100_000)
        self.garbage = 0  # results or presences that were not readable, verified or known
        self.client = tls_client(name, link)
        self.client.on_connect = lambda c, u, f, r, p: c.subscribe([(STATE, 1), (RESULT, 1)])
        self.client.on_message = lambda c, u, m: self._queue(m)
        self.host, self.port = link.host, link.port

    def start(self) -> None:
        """Connect (retrying in the background)."""
        self.client.connect_async(self.host, self.port)
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()

    def run(self, stop: threading.Event, every: float = 0.5) -> None:
        """Step until ``stop`` is set; a database outage is logged and retried, never the end of delivery."""
        while not stop.wait(every):
            try:
                self.step()
            except SQLAlchemyError as exc:
                log.error("commands: database error, retrying: %s", type(exc).__name__,
                          extra={"event": "command_dispatch_failed"})

    def _queue(self, message: mqtt.MQTTMessage) -> None:
        """Hand a message to the step (no database work on paho's thread)."""
        try:
            self.inbox.put_nowait((message.topic, bytes(message.payload)))
        except queue.Full:
            self.garbage += 1

    def step(self) -> None:
        """Read what arrived, release what rollouts allow, expire the unreachable, and send."""
        while True:
            try:
                topic, payload = self.inbox.get_nowait()
            except queue.Empty:
                break
            self._read(topic, payload)
        now = self.now()
        self._release(now)
        self._expire(now)
        self._send(now)

    def _read(self, topic: str, payload: bytes) -> None:
        """Follow a presence, or apply a result."""
        terminal = topics.terminal_of(topic)
        if terminal is None:
            self.garbage += 1
        elif topic.endswith("/state"):
            self._presence(terminal, payload)
        else:
            self._result(terminal, payload)

    def _presence(self, terminal: str, payload: bytes) -> None:
        """Keep the set of online terminals; one that (re)connected gets its open commands again."""
        try:
            online = read_presence(payload).online
        except Refused:
            self.garbage += 1
            return
        if online:
            self.online.add(terminal)
            self.returned.add(terminal)
        else:
            self.online.discard(terminal)

    def _result(self, terminal: str, payload: bytes) -> None:
        """Verify a terminal's signed result and move its command on (the rollout may abort)."""
        standing = self.registry.standing(terminal)
        try:
            if standing.key is None:
                raise CommandError("unknown", f"{terminal} is not in the registry")
            result = _open_result(payload, (standing.key, *standing.previous), terminal)
        except CommandError as exc:
            self.garbage += 1
            log.warning("commands: result refused (%s)", exc.reason, extra={"event": "command_result_refused",
                                                                              "terminal": terminal})
            return
        now = self.now()
        with self.engine.begin() as conn:
            if not book.apply_result(conn, result.id, terminal, status=result.status, now=now, detail=result.detail,
                                     data=dict(result.data)):
                return
            rollout = conn.execute(select(fleet_rollouts).join(
                fleet_commands, fleet_commands.c.rollout == fleet_rollouts.c.id).where(
                fleet_commands.c.id == result.id)).one()
            book.check_abort(conn, rollout.id, now)
        if result.status == "succeeded" and rollout.kind in {"maintenance_on", "maintenance_off"}:
            self.registry.maintenance(terminal, rollout.kind == "maintenance_on", f"{rollout.by} (remote command)")

    def _release(self, now: datetime) -> None:
        """Sign and queue what each running rollout's rate lets out now."""
        with self.engine.begin() as conn:
            running = select(fleet_rollouts).where(fleet_rollouts.c.state == "running").order_by(
                fleet_rollouts.c.created_at, fleet_rollouts.c.id)  # a terminal's numbers follow the order of asking
            for rollout in conn.execute(running).all():
                for command_id in book.release_due(conn, rollout, now):
                    terminal = conn.execute(select(fleet_commands.c.terminal).where(
                        fleet_commands.c.id == command_id)).scalar_one()
                    seq = book.next_seq(conn, terminal)
                    payload = sign_command(_command(rollout, command_id, terminal, seq, now), self.key)
                    conn.execute(update(fleet_commands).where(fleet_commands.c.id == command_id).values(
                        status="queued", seq=seq, payload=payload, released_at=now.isoformat(),
                        updated_at=now.isoformat()))

    def _expire(self, now: datetime) -> None:
        """Expire queued commands whose terminal never took them before their deadline."""
        with self.engine.begin() as conn:
            rows = conn.execute(select(fleet_commands.c.id, fleet_commands.c.rollout, fleet_commands.c.terminal,
                                       fleet_rollouts.c.expires_at)
                                .join(fleet_rollouts, fleet_rollouts.c.id == fleet_commands.c.rollout)
                                .where(fleet_commands.c.status == "queued")).all()
            for row in rows:
                if datetime.fromisoformat(row.expires_at) <= now:
                    book.apply_result(conn, row.id, row.terminal, status="expired", now=now,
                                      detail="the terminal did not take it in time")
                    book.check_abort(conn, row.rollout, now)

    def _send(self, now: datetime) -> None:
        """Send open commands to online terminals: new ones, every open one of a terminal that came back, stale ones."""
        returned, self.returned = self.returned, set()
        if not self.client.is_connected():
            self.returned |= returned  # nothing sent: try again once connected
            return
        with self.engine.begin() as conn:
            rows = conn.execute(select(fleet_commands, fleet_rollouts.c.expires_at)
                                .join(fleet_rollouts, fleet_rollouts.c.id == fleet_commands.c.rollout)
                                .where(fleet_commands.c.status.in_(("queued", "delivered", "running")))
                                .order_by(fleet_commands.c.terminal, fleet_commands.c.seq)).all()
            for row in rows:
                if row.terminal in self.online and _due(row, returned, now):
                    self._publish(row, now)
                    conn.execute(update(fleet_commands).where(fleet_commands.c.id == row.id).values(
                        sent_at=now.isoformat()))

    def _publish(self, row: Any, now: datetime) -> None:
        """Publish a command's signed bytes with its remaining lifetime as the message expiry."""
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        left = (datetime.fromisoformat(row.expires_at) - now).total_seconds()
        properties.MessageExpiryInterval = max(1, int(left))
        self.client.publish(topics.command(row.terminal), row.payload, qos=1, properties=properties)


def _due(row: Any, returned: set[str], now: datetime) -> bool:
    """Whether a command should be (re)sent now."""
    if row.terminal in returned or row.sent_at is None:
        return True
    return row.status == "queued" and now - datetime.fromisoformat(row.sent_at) >= RESEND_AFTER


def _command(rollout: Any, command_id: str, terminal: str, seq: int, now: datetime) -> Command:
    """Build one terminal's command of a rollout."""
    return Command.model_validate({
        "id": command_id, "terminal": terminal, "seq": seq, "kind": rollout.kind, "args": json.loads(rollout.args),
        "issued": now.isoformat(), "expires": rollout.expires_at, "urgent": bool(rollout.urgent),
        "by": book.word(rollout.by)})



def _open_result(payload: bytes, signers: tuple[ec.EllipticCurvePublicKey, ...], terminal: str) -> Result:
    """Open a result with the terminal's key, else a key it replaced lately (signed before a rotation)."""
    try:
        return open_result(payload, signers[0], terminal)
    except CommandError as exc:
        if exc.reason != "bad_signature" or len(signers) == 1:
            raise
        return _open_result(payload, signers[1:], terminal)
