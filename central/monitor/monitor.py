"""The fleet monitor's engine: presence and heartbeats in, each terminal's state and reasons out.

It listens with the fleet identity (read-only: telemetry and presence, never envelopes) and
keeps the latest of each terminal in memory. Every flush (a few seconds) it assesses every
terminal into a snapshot the API serves, runs the alert rules, samples the history, and writes
to central's database only what changed, so 10 000 terminals cost a few hundred row writes a
second. Garbage on a topic is counted and dropped; the monitor never stops on input.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from central.monitor import alertdb
from central.monitor.alerts import Alert, AlertBook
from central.monitor.changes import Changes
from central.monitor.health import assess
from central.monitor.history import History
from central.monitor.intake import Intake, Seen
from central.monitor.order import Order
from central.monitor.rows import Facts, Registered, TerminalStatus
from central.monitor.statusdb import pending, read_status, record
from central.monitor.technicians import TechnicianLog
from central.platform import queries
from central.platform.schema import fleet_status
from protocol import topics
from protocol.link import Link

log = logging.getLogger(__name__)
HELP_STALE = timedelta(hours=8)  # an unhandled help request older than a shift no longer pages anyone
SLOW_EVERY = timedelta(seconds=30)  # how often the gap and help-request queries run (their rules hold minutes)
CHUNK = 500
SWEEP = timedelta(minutes=1)  # the alert rules run over every terminal this often (else over what changed)
CHECKPOINT = timedelta(minutes=1)  # last-heard times, backlogs: written this often (a new state at once)


class FleetMonitor(Intake):
    """Presence and telemetry of every terminal, assessed into states."""

    def __init__(self, engine: Engine, link: Link, interval: timedelta = timedelta(seconds=30), *,
                 name: str = topics.service_client_id("fleet", "monitor"), alerts: AlertBook | None = None,
                 history: History | None = None) -> None:
        """Read central's registry from ``engine``; connect with the fleet identity of ``link``."""
        super().__init__(link, interval, name)
        self.engine, self.alerts, self.history = engine, alerts, history
        self.ingested = 0  # messages central stored since the monitor started (for the ingest rate)
        self._ingest_mark: str | None = None
        self.snapshot: dict[str, TerminalStatus] = {}  # the last flush's rows by terminal (what the API serves)
        self.snapshot_at: datetime | None = None
        self.order = Order()  # the last flush's terminals in "needs action first" order, and their counts
        self._alerted: set[str] = set()  # the terminals with a live alert at the last flush
        self._previous: dict[str, TerminalStatus] = {}  # the last flush's rows, or as last written before a restart
        self._written: dict[str, TerminalStatus] = {}  # terminal -> its row as last written
        self._slow: tuple[datetime, set[str], set[str]] | None = None  # when, terminals with gaps, with help open
        self._known: dict[str, Registered] = {}  # the registry as last read
        self.changes = Changes(interval)  # what the next flush must assess again
        self.touched: set[str] | None = None  # the terminals the last flush assessed again (None: all)
        self._swept: datetime | None = None  # when the alert rules last ran over every terminal
        self._checkpoint_at: datetime | None = None  # when every row's last-heard fields were last written
        self.database_down_since: datetime | None = None  # central's database refused a read or write then
        self.technicians = TechnicianLog(engine)  # the technicians' actions at terminals, into the audit log

    def resume(self, now: datetime | None = None) -> None:
        """Pick up where the last run stopped: states and their since-times, live alerts, history in progress."""
        now = now or datetime.now(UTC)
        self._written = {row.terminal: row.status() for row in read_status(self.engine)}
        self._previous = dict(self._written)
        if self.alerts is not None:
            alertdb.resume(self.engine, self.alerts)
        if self.history is not None:
            self.history.load(now)

    def start(self) -> None:
        """Resume, connect and listen."""
        self.resume()
        self.started = True
        self.client.connect_async(self.link.host, self.link.port)
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect."""
        self.started = False  # a goodbye, not a lost broker
        self.client.disconnect()
        self.client.loop_stop()

    def _registry(self, now: datetime) -> dict[str, Registered]:
        """Return hall, site and revocation of every registered terminal (read again only when it changed)."""
        try:
            with self.engine.connect() as conn:
                self._known = self.changes.registry(conn, now, self._known)
        except DBAPIError as exc:
            self._database_failed(exc, now)
        return self._known

    def _assess(self, now: datetime, previous: Mapping[str, TerminalStatus]) -> dict[str, TerminalStatus]:
        """Assess every known terminal (registered or heard from), keeping each ``previous`` row that still holds.

        A state and its reasons date from the previous row when that had the same, else from ``now``.
        """
        registry = self._registry(now)
        main = previous is self._previous  # a flush (else an overview assessed on demand, from nothing)
        changes = self.changes if main else Changes(self.interval)
        with self._lock:
            heard = self.seen.take() if main else set()
            again = changes.to_assess(heard, self.seen, registry, now) if main and self.snapshot_at else None
            if again is None:  # the first flush (or after a restart), or a terminal left: every terminal, in order
                changes.forget()
            names = sorted(registry.keys() | self.seen.keys()) if again is None else again
            latest = {terminal: self.seen.get(terminal) for terminal in names}
        rows = {} if again is None else dict(previous)
        unregistered = Registered()
        for terminal in names:
            rows[terminal] = self._guarded(terminal, registry.get(terminal, unregistered), latest[terminal], now,
                                           previous.get(terminal))
            changes.assessed(terminal, latest[terminal])
        if main:
            self.touched = None if again is None else again
        return rows

    def _guarded(self, terminal: str, info: Registered, latest: Seen | None, now: datetime,
                 before: TerminalStatus | None) -> TerminalStatus:
        """Assess one terminal; a heartbeat the rules cannot read is dropped (not the fleet), then assessed again."""
        moment = now.isoformat()
        try:
            return self._row(terminal, info, latest or Seen(), now=now, moment=moment, before=before)
        except Exception:
            log.exception("fleet monitor could not assess %s: its heartbeat is dropped", terminal)
            self.drop(terminal)
            return self._row(terminal, info, Seen(latest.presence if latest else None), now=now, moment=moment,
                             before=before)

    def _row(self, terminal: str, info: Registered, latest: Seen, *, now: datetime, moment: str,
             before: TerminalStatus | None) -> TerminalStatus:
        """Assess one terminal; return ``before`` itself when nothing changed (fewer GC survivors)."""
        health = assess(presence=latest.presence, beat=latest.beat, beat_at=latest.beat_at, now=now,
                        interval=self.interval, revoked=info.revoked, maintenance=info.maintenance,
                        retired=info.retired)
        beat = latest.beat
        same = before is not None and before.state is health.state and before.reasons == health.reasons
        row = TerminalStatus(
            terminal=terminal, hall=info.hall, site=info.site, state=health.state, reasons=health.reasons,
            last_heartbeat=latest.beat_at.isoformat() if latest.beat_at else None,
            backlog=beat.outbox_backlog if beat else None,
            oldest_unsynced_s=beat.oldest_unsynced_s if beat else None,
            changed_at=before.changed_at if same and before is not None else moment)
        return before if same and before == row else row

    def overview(self, now: datetime | None = None) -> list[TerminalStatus]:
        """Return every known terminal (registered or heard from) with its state and reasons, as of ``now``."""
        return list(self._assess(now or datetime.now(UTC), {}).values())

    def _slow_facts(self, now: datetime) -> tuple[set[str], set[str]]:
        """Return the terminals with sequence gaps and with help requests waiting, queried every SLOW_EVERY."""
        if self._slow is None or now - self._slow[0] >= SLOW_EVERY:
            try:
                self._slow = self._query_slow(now)
            except DBAPIError as exc:
                self._database_failed(exc, now)
                if self._slow is None:
                    self._slow = (now, set(), set())
        return self._slow[1], self._slow[2]

    def _query_slow(self, now: datetime) -> tuple[datetime, set[str], set[str]]:
        """Run the queries behind the gap and help-request rules, and count what central stored since the last run."""
        gapped = {g["terminal"] for g in queries.gaps(self.engine)}
        helped = set(queries.open_help(self.engine, (now - HELP_STALE).isoformat()))
        mark = now.isoformat()
        if self._ingest_mark is not None:
            self.ingested += queries.received_between(self.engine, self._ingest_mark, mark)
        self._ingest_mark = mark
        return now, gapped, helped

    def _facts(self, rows: list[TerminalStatus], now: datetime) -> list[Facts]:
        """Join each row with its latest heartbeat, open gaps and waiting help requests (what the alert rules read)."""
        gapped, helped = self._slow_facts(now)
        with self._lock:
            beats = [self.beat(r.terminal) for r in rows]
        return [Facts(r, beat, r.terminal in gapped, r.terminal in helped) for r, beat in zip(rows, beats, strict=True)]

    def handle_help(self, terminal: str, by: str, now: datetime) -> int:
        """Mark a terminal's waiting help requests handled (the help alert then clears)."""
        count = queries.handle_help(self.engine, terminal, by, now.isoformat())
        self._slow = None
        return count

    def rows(self) -> list[TerminalStatus]:
        """Return the last flush's overview (assessed now if there has been none)."""
        if self.snapshot_at is None:
            return self.overview()
        return list(self.snapshot.values())

    def ordered(self) -> Order:
        """Return the last flush's order and counts (of the fleet assessed now if there has been none)."""
        if self.snapshot_at is not None:
            return self.order
        order = Order()
        order.update({r.terminal: r for r in self.overview()}, None, set(), self.catalog)
        return order

    def row(self, terminal: str) -> TerminalStatus | None:
        """Return one terminal's row of the last flush (assessed now if there has been none)."""
        if self.snapshot_at is not None:
            return self.snapshot.get(terminal)
        return next((r for r in self.rows() if r.terminal == terminal), None)

    def _write(self, changed: list[TerminalStatus], now: datetime) -> None:
        """Write changed status rows, alert changes and due history; keep them for the next flush if that fails."""
        alert_changes = self.alerts.take_changes() if self.alerts is not None else []
        try:
            try:
                self._save(changed, alert_changes, now)
            except (DataError, IntegrityError, ArithmeticError, ValueError, TypeError):  # a row, not the database
                log.exception("fleet monitor could not write the fleet's status at once: writing row by row")
                changed = self._save_each(changed, now)
                self._save([], alert_changes, now)
        except DBAPIError as exc:
            if self.alerts is not None:
                self.alerts.give_back(alert_changes)
            self._database_failed(exc, now)
            return
        self._written.update((r.terminal, r) for r in changed)
        self.database_down_since = None
        self._record_technicians(now)

    def _record_technicians(self, now: datetime) -> None:
        """Copy the technician actions in the heartbeats this flush assessed into central's audit log, each once."""
        names = self.snapshot.keys() if self.touched is None else self.touched
        reported = {t: seen.beat.technician for t in names if (seen := self.seen.get(t)) is not None and seen.beat}
        try:
            self.technicians.record(reported, now)
        except DBAPIError as exc:  # the lists come again with the next heartbeats
            self._database_failed(exc, now)

    def _save(self, changed: list[TerminalStatus], alert_changes: list[Alert], now: datetime) -> None:
        """Write status rows and alert changes in one transaction, then the history when due."""
        with self.engine.begin() as conn:
            for n in range(0, len(changed), CHUNK):  # a chunk at a time: a checkpoint's rows never all in memory
                chunk = changed[n:n + CHUNK]
                conn.execute(delete(fleet_status).where(fleet_status.c.terminal.in_([r.terminal for r in chunk])))
                conn.execute(insert(fleet_status), [record(r, now) for r in chunk])
            if self.alerts is not None:
                alertdb.save(conn, alert_changes, now)
        if self.history is not None:
            self.history.save(now)

    def _save_each(self, changed: list[TerminalStatus], now: datetime) -> list[TerminalStatus]:
        """Write each row in a transaction of its own, dropping the heartbeat of a row that fails; return the rest."""
        written = []
        for row in changed:
            try:
                with self.engine.begin() as conn:
                    conn.execute(delete(fleet_status).where(fleet_status.c.terminal == row.terminal))
                    conn.execute(insert(fleet_status), [record(row, now)])
                written.append(row)
            except (DataError, IntegrityError, ArithmeticError, ValueError, TypeError):
                log.exception("fleet monitor could not write the status of %s: its heartbeat is dropped",
                              row.terminal)
                self.drop(row.terminal)
        return written

    def _database_failed(self, exc: DBAPIError, now: datetime) -> None:
        """Note that central's database refused a read or a write: the monitor goes on from memory."""
        if self.database_down_since is None:
            self.database_down_since = now
            log.warning("central's database refused the fleet monitor (%s): assessing and paging from memory, "
                        "writing again when it answers", type(exc.orig).__name__)

    def _to_evaluate(self, rows: Mapping[str, TerminalStatus], now: datetime) -> list[TerminalStatus]:
        """Return the rows the alert rules must see: every one each minute, else those changed or being watched.

        A rule's condition changes only with a terminal's row or heartbeat, the slow queries' findings, or (the
        certificate rule) the clock, which the sweep each minute covers; a terminal with no hold or clear time
        running, whose inputs did not change, would step no rule.
        """
        if self.alerts is None or self.touched is None or self._swept is None or now - self._swept >= SWEEP:
            self._swept = now
            return list(rows.values())
        gapped, helped = self._slow_facts(now)
        wanted = self.touched | self.alerts.watched() | gapped | helped
        return [self.snapshot[t] for t in wanted if t in self.snapshot]

    def _to_write(self, rows: Mapping[str, TerminalStatus], now: datetime, checkpoint: bool) -> list[TerminalStatus]:
        """Return the rows to write: a new state or reasons at once, the last-heard fields once a minute."""
        whole = checkpoint or self._checkpoint_at is None or now - self._checkpoint_at >= CHECKPOINT
        if whole:
            self._checkpoint_at = now
        elif self.touched is not None and self.database_down_since is None:  # else the last write may have failed
            return pending([rows[t] for t in self.touched if t in rows], self._written, whole=False)
        return pending(list(rows.values()), self._written, whole=whole)

    def flush(self, now: datetime | None = None, *, checkpoint: bool = False) -> int:
        """Assess, run the alert rules, sample the history, and write what changed; return the terminal count.

        ``checkpoint``: write every row's last-heard fields now (as each minute does; the last flush before a stop).
        """
        now = now or datetime.now(UTC)
        rows = self.snapshot = self._previous = self._assess(now, self._previous)  # a row shows before its alert
        hearing = self.blind_since(now) is None  # a monitor that cannot hear pages nobody and charts nothing
        unusable: set[str] = set()
        if self.alerts is not None and hearing:
            unusable |= self.alerts.evaluate(self._facts(self._to_evaluate(rows, now), now), now)
        elif not hearing:
            self._swept = None  # what changed while deaf is not known: every terminal at the next evaluation
        if self.history is not None and hearing:
            unusable |= self.history.observe(self.snapshot, self.touched, now)
        for terminal in sorted(unusable):
            self.drop(terminal)
        self._write(self._to_write(rows, now, checkpoint), now)
        alerted: set[str] = set()
        if self.alerts is not None:
            with self.alerts.lock:
                alerted = {terminal for _, terminal in self.alerts.alerts}
        moved = None if self.touched is None else self.touched | (alerted ^ self._alerted)
        self.order.update(self.snapshot, moved, alerted, self.catalog)
        self._alerted = alerted
        self.snapshot_at = now
        return len(rows)
