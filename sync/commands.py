"""The terminal's command desk: takes central's signed commands, keeps them, runs the agent's own, reports states.

Commands arrive on ``yc/v1/t/{id}/down/cmd`` (QoS 1, the agent's persistent session keeps them
while it is away; central re-sends unfinished ones when the terminal comes back). Each is
verified against the pinned command key; a new one is kept as ``delivered`` (kiosk/store/commands.py),
one central re-sends is answered with its current state, one with an old sequence number or past
its expiry is refused with a signed result, and a forged one is only logged and recorded (its id
cannot be trusted). The kiosk runs its kinds between sessions; the agent runs ``diagnostics`` and takes
central's ``application_status`` into the store.
Every state is reported signed with the terminal's key until the broker has taken the report.
"""

from __future__ import annotations

import logging
import queue
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from domain.lifecycle import BUSINESS_STATES, State
from kiosk.store import commands as book
from kiosk.store import status as applications
from kiosk.store.errors import RecordNotFound
from kiosk.store.store import Store
from protocol import topics
from protocol.command import Command, CommandError, Result, check_fresh, open_command, read_kept, sign_result

log = logging.getLogger(__name__)
AGENT_KINDS = frozenset({"diagnostics", "restart_sync", "application_status"})
HEARD_STATES = BUSINESS_STATES | {State.RECEIVED}  # what the back office may say (a supplement goes back to received)
DUE = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # a supplement's deadline (date.fromisoformat then checks the day)
MATERIAL = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")  # an owed material's id, as central checks it
MAX_QUEUED = 200


@dataclass
class CommandDesk:
    """One terminal's command intake and reporting, driven by the sync agent's pump."""

    store: Store
    terminal: str
    key: ed25519.Ed25519PublicKey  # the fleet's command-signing key, pinned at enrollment
    signer: ec.EllipticCurvePrivateKey  # the terminal's certificate key: results are the terminal's word
    now: Callable[[], datetime]
    diagnose: Callable[[], dict[str, Any]] = dict  # a snapshot for ops (the heartbeat's fields): no personal data
    inbox: queue.Queue[bytes] = field(default_factory=lambda: queue.Queue(MAX_QUEUED))
    sent: list[tuple[mqtt.MQTTMessageInfo, str, str]] = field(default_factory=list)
    restart_asked: bool = False  # a restart_sync command ran: the agent stops and systemd starts it again

    def __post_init__(self) -> None:
        """A restart command that was running has done its work: this is the agent started again."""
        for command in book.of_status(self.store, "running"):
            if command.kind == "restart_sync":
                book.set_status(self.store, command.id, "succeeded", "the sync agent restarted")

    def attach(self, client: mqtt.Client) -> None:
        """Route this terminal's command topic to the desk."""
        client.message_callback_add(topics.command(self.terminal), self._on_message)

    def connected(self, client: mqtt.Client) -> None:
        """Subscribe to commands (again) and report every state not yet taken by the broker."""
        client.subscribe(topics.command(self.terminal), qos=1)
        self.sent.clear()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Queue a command for the pump (no disk or crypto on paho's thread)."""
        try:
            self.inbox.put_nowait(bytes(message.payload))
        except queue.Full:
            log.warning("commands: too many queued, one dropped", extra={"event": "command_flood"})

    def step(self, client: mqtt.Client) -> None:
        """Note reports the broker took, take queued commands, run the agent's own, report what is new."""
        self._settle()  # before taking: a re-sent command's "report again" must not be overwritten by an old PUBACK
        while True:
            try:
                payload = self.inbox.get_nowait()
            except queue.Empty:
                break
            self._take(client, payload)
        for command in book.due(self.store, AGENT_KINDS, self.now()):
            self._run(command)
        self._report(client)

    def _take(self, client: mqtt.Client, payload: bytes) -> None:
        """Verify one command and keep it, answer a re-sent one, or refuse it."""
        try:
            command = open_command(payload, self.key, self.terminal)
        except CommandError as exc:  # not the fleet's, or not for us: nothing in it can be trusted
            log.warning("commands: refused unread (%s)", exc.reason, extra={"event": "command_refused"})
            self.store.record_event("command_refused", "warning", {"reason": exc.reason})
            return
        if book.find(self.store, command.id) is not None:
            book.report_again(self.store, command.id)  # central asks again: tell it the state once more
            return
        try:
            check_fresh(command, book.last_seq(self.store), self.now())
        except CommandError as exc:
            self._publish(client, command, "refused" if exc.reason == "replayed" else "expired", str(exc))
            return
        book.receive(self.store, command, payload)
        log.info("commands: %s #%d received", command.kind, command.seq,
                 extra={"event": "command_received", "kind": command.kind, "seq": command.seq})

    def _run(self, command: book.Stored) -> None:
        """Run an agent-side command (diagnostics, restart, a status) and keep its outcome."""
        if command.kind == "application_status":  # idempotent: applied again if the agent stops before it is noted
            self._apply_status(command)
            return
        book.set_status(self.store, command.id, "running")
        if command.kind == "restart_sync":
            self.restart_asked = True
            return
        try:
            snapshot = self.diagnose()
        except Exception as exc:  # a diagnostics snapshot must never stop the uplink
            book.set_status(self.store, command.id, "failed", type(exc).__name__)
            return
        book.set_status(self.store, command.id, "succeeded", f"{len(snapshot)} facts")
        self.store.record_event("diagnostics", "info", {"command": command.id})

    def _apply_status(self, command: book.Stored) -> None:
        """Take central's new state of one of this terminal's applications into the store."""
        kept = read_kept(command.payload)
        try:
            args = kept.text_args()
            owed = args.get("owed", "")
            if any(not MATERIAL.match(m) for m in owed.split(",") if owed):
                raise ValueError("an owed material is not an id")
            state = State(args["state"])
            if state not in HEARD_STATES:
                raise ValueError(f"central does not send {state}")
            due = args.get("due", "")
            if due and (not DUE.fullmatch(due) or not date.fromisoformat(due)):
                raise ValueError("the deadline is not a date")
            applications.apply(self.store, args["application"], state, reason=args.get("reason", ""),
                               owed=owed, changed_at=str(kept.issued), due=due)
        except (KeyError, ValueError, RecordNotFound) as exc:
            book.set_status(self.store, command.id, "failed", f"{type(exc).__name__}: {str(exc)[:200]}")
            return
        book.set_status(self.store, command.id, "succeeded", args["state"])

    def _settle(self) -> None:
        """Mark the reports the broker has acknowledged as heard."""
        for info, command_id, status in list(self.sent):
            if info.is_published():
                book.reported(self.store, command_id, status)
                self.sent.remove((info, command_id, status))

    def _report(self, client: mqtt.Client) -> None:
        """Publish each unreported state once per connection (one not yet acknowledged is not sent twice)."""
        waiting = {(command_id, status) for _, command_id, status in self.sent}
        for stored in book.unreported(self.store):
            if (stored.id, stored.status) in waiting:
                continue
            data = self.diagnose() if stored.kind == "diagnostics" and stored.status == "succeeded" else {}
            result = Result.model_validate({"id": stored.id, "terminal": self.terminal, "seq": stored.seq,
                                            "status": stored.status, "detail": stored.detail, "data": data,
                                            "at": self.now().isoformat()})
            info = client.publish(topics.command_result(self.terminal), sign_result(result, self.signer), qos=1)
            self.sent.append((info, stored.id, stored.status))

    def _publish(self, client: mqtt.Client, command: Command, status: str, detail: str) -> None:
        """Send a one-off signed result for a command that is not kept (refused or expired on arrival)."""
        result = Result.model_validate({"id": command.id, "terminal": self.terminal, "seq": command.seq,
                                        "status": status, "detail": detail[:300], "at": self.now().isoformat()})
        client.publish(topics.command_result(self.terminal), sign_result(result, self.signer), qos=1)
        log.warning("commands: #%d %s: %s", command.seq, status, detail, extra={"event": f"command_{status}"})
