"""Use case: run central's remote commands on the kiosk between citizen sessions, and what they leave in force.

The sync agent keeps each verified command in the store as ``delivered`` (sync/commands.py).
The kiosk runs the kinds that are its own only when no citizen is in a session — at start and
after each session — and records ``running`` and then ``succeeded`` or ``failed``; the agent reports
each state to central. Maintenance and the attract-screen notice are whatever the newest command of
their kind that succeeded says, so they survive a restart. ``restart_kiosk`` succeeds once the kiosk
is back. A command that fails is reported with its reason and never stops the kiosk.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from domain.text import Text
from kiosk.store import commands as book
from kiosk.store import health
from kiosk.store.store import Store
from protocol.command import read_kept

log = logging.getLogger(__name__)
KIOSK_KINDS = frozenset({"maintenance_on", "maintenance_off", "notice", "catalog_reload", "catalog_rollback",
                         "test_page", "restart_kiosk"})
MAINTENANCE = frozenset({"maintenance_on", "maintenance_off"})
NOTICE = frozenset({"notice"})


class Actions(Protocol):
    """What the kiosk does for the commands that change more than a setting."""

    def reload_catalog(self) -> str:
        """Serve the newest staged release now; return what is served."""
        ...

    def rollback_catalog(self) -> str:
        """Serve the previous release again; return what is served."""
        ...

    def print_test_page(self) -> None:
        """Print the test page (a PrinterError when it did not print)."""
        ...


def _run(kind: str, actions: Actions) -> str:
    """Do one command's work; return the detail reported to ops."""
    if kind == "catalog_reload":
        return actions.reload_catalog()
    if kind == "catalog_rollback":
        return actions.rollback_catalog()
    if kind == "test_page":
        actions.print_test_page()
        return "test page printed"
    return {"maintenance_on": "in maintenance: no new applications", "maintenance_off": "back in service",
            "notice": "notice updated on the attract screen"}[kind]


def run_due(store: Store, now: datetime, actions: Actions) -> bool:
    """Run every delivered command of the kiosk's kinds in order; return whether the kiosk must now restart."""
    restart = False
    for command in book.due(store, KIOSK_KINDS, now):
        book.set_status(store, command.id, "running")
        if command.kind == "restart_kiosk":
            restart = True  # it succeeds when the kiosk is back (finish_restart)
            continue
        try:
            detail = _run(command.kind, actions)
        except Exception as exc:  # one failed command is reported, never the end of the kiosk
            book.set_status(store, command.id, "failed", f"{type(exc).__name__}: {exc}")
            log.warning("command %s #%d failed: %s", command.kind, command.seq, type(exc).__name__,
                        extra={"event": "command_failed", "kind": command.kind})
            continue
        book.set_status(store, command.id, "succeeded", detail)
        log.info("command %s #%d done", command.kind, command.seq, extra={"event": "command_done"})
    return restart


def finish_restart(store: Store) -> None:
    """At start: a restart command that was running has done its work."""
    for command in book.of_status(store, "running"):
        if command.kind == "restart_kiosk":
            book.set_status(store, command.id, "succeeded", "the kiosk restarted")


def in_maintenance(store: Store) -> bool:
    """Return whether the newest maintenance command that ran put the kiosk into maintenance."""
    switch = book.latest(store, MAINTENANCE)
    return switch is not None and switch.kind == "maintenance_on"


def out_for_maintenance(store: Store) -> bool:
    """Return whether the terminal takes no citizens for maintenance: central's command or the technician's switch."""
    return in_maintenance(store) or health.technician_maintenance(store)


def switch_maintenance(store: Store, on: bool) -> None:
    """Record the technician's maintenance switch at the terminal (an audited event the heartbeat reports)."""
    store.record_event(health.MAINTENANCE_SWITCH, "info", {"on": on})


def notice(store: Store, now: datetime) -> Text | None:
    """Return the notice for the attract screen (the newest that ran, until its ``until``), or None."""
    shown = book.latest(store, NOTICE)
    if shown is None:
        return None
    args = read_kept(shown.payload).text_args()
    until = args.get("until")
    if until is not None and _passed(until, now):
        return None
    zh, en = args.get("zh", ""), args.get("en", "")
    return Text(zh or en, en or zh) if zh or en else None


def _passed(until: str, now: datetime) -> bool:
    """Whether a notice's end (ISO 8601 with a zone) has passed; one that cannot be read has (shown no longer)."""
    try:
        end = datetime.fromisoformat(until)
        return end.tzinfo is None or end <= now
    except ValueError:
        return True


def urgent_waiting(store: Store) -> bool:
    """Return whether an urgent command waits: the UI ends the session after the current screen."""
    return any(read_kept(command.payload).urgent for command in book.of_status(store, "delivered")
               if command.kind in KIOSK_KINDS)
