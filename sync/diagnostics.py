"""The diagnostics bundle a `diagnostics` command sends central: codes, counts and versions, never personal data.

It holds the heartbeat, the software and library versions, the store's counts and its SQLite
integrity check, the catalog releases' state, and the latest events and commands by kind,
severity and time only — an event's detail may name what a citizen did, so it stays on the
terminal. The bundle is bounded to fit a signed result (protocol/command.py).
"""

from __future__ import annotations

import platform
import sqlite3
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from sqlalchemy import text

from kiosk.store import commands as book
from kiosk.store import database as db
from kiosk.store.inspect import stats
from kiosk.store.releases import ReleaseStore
from kiosk.store.store import Store
from protocol.heartbeat import Heartbeat

EVENTS, COMMANDS = 30, 10
PACKAGES = ("yichuang", "paho-mqtt", "cryptography", "sqlalchemy", "pyscard", "python-escpos", "kivy")


def _versions() -> dict[str, str]:
    """Return the versions of the interpreter, SQLite, the OS and the libraries that talk to devices and central."""
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "os": platform.platform()[:80]}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


def _store(store: Store) -> dict[str, Any]:
    """Return the store's counts and SQLite's quick integrity check."""
    with db.read(store.engine) as conn:
        check = [str(row[0]) for row in conn.execute(text("PRAGMA quick_check(5)"))]
    return {**stats(store), "integrity": check}


def bundle(store: Store, beat: Heartbeat, releases: ReleaseStore) -> dict[str, Any]:
    """Collect the diagnostics bundle."""
    state = releases.state()
    events = store.events()[-EVENTS:]
    commands = book.of_status(store, "succeeded")[-COMMANDS:] + book.of_status(store, "failed")[-COMMANDS:]
    return {
        "heartbeat": beat.model_dump(mode="json"),
        "versions": _versions(),
        "store": _store(store),
        "catalog": {"current": state.current, "previous": state.previous, "staged": state.staged,
                    "refused": state.refused["reason"] if state.refused else None},
        "events": [{"kind": e["kind"], "severity": e["severity"], "at": e["at"]} for e in events],
        "commands": sorted(({"seq": c.seq, "kind": c.kind, "status": c.status} for c in commands),
                           key=lambda c: c["seq"]),
    }
