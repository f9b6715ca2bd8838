"""Telemetry and presence: an allowlist without personal data; online, stopped and lost through a real broker."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from demo.devstack import Mosquitto
from protocol import topics
from protocol.heartbeat import Component, Heartbeat
from protocol.link import tls_client
from sync.telemetry import collect
from tests.common import ROOT
from tests.kiosk.store.helpers import ID_NUMBER, NAME, PHONE, open_test_store, paper_out, submit
from tests.sync.stack import Central, terminal_config

ALLOWED = {"v", "terminal", "at", "boot", "components", "outbox_backlog", "oldest_unsynced_s", "needs_manual",
           "last_ack", "app_version", "catalog_version", "catalog_refused", "cert_expires", "disk_free_pct", "memory_used_pct",
           "uptime_s", "applications_today", "errors_today", "help_requests_today", "cards_refused_today",
           "selftest_at", "selftest_failed", "maintenance",
           "technician", "crl_updated"}


def test_a_heartbeat_holds_only_allowlisted_codes_and_counts(tmp_path: Path) -> None:
    store = open_test_store(tmp_path / "terminal")
    for i in range(3):
        submit(store, i)
    store.request_help("form", "SB-001")
    paper_out(store, note=f"{NAME} {ID_NUMBER} {PHONE}")  # free text a driver might wrongly fill
    store.record_event("printer_jam", "error", {"who": NAME})
    store.record_event("card_refused", "warning", {"code": "bad_check_digit"})
    beat = collect(store, "LC0001", app_version="0.1.0", catalog_version="2026.11.1", cert_file=None)
    sent = beat.model_dump_json().encode()
    assert set(json.loads(sent)) == ALLOWED == set(Heartbeat.model_fields)
    for secret in (NAME, ID_NUMBER, PHONE, "10.0.0.9", "纸用完了"):
        assert secret.encode() not in sent, secret
    assert beat.components == [Component(device="printer", state="user_error", since=beat.components[0].since,
                                         media={"paper": "out", "cover": "closed"}, error_kind="user",
                                         error_code="paper_out", action="staff")]
    assert (beat.outbox_backlog, beat.applications_today, beat.help_requests_today, beat.errors_today) == (4, 3, 1, 1)
    assert beat.cards_refused_today == 1
    assert beat.oldest_unsynced_s is not None and beat.oldest_unsynced_s >= 0  # noqa: PT018
    with pytest.raises(ValidationError):
        Heartbeat(**{**beat.model_dump(), "applicant": NAME})
    store.close()


class Watcher:
    """A fleet-side subscriber to one terminal's presence and telemetry."""

    def __init__(self, broker: Mosquitto, terminal: str) -> None:
        self.messages: list[tuple[str, dict[str, object], bool]] = []
        self.changed = threading.Condition()
        self.client = tls_client("svc:fleet:watch", broker.link("fleet"))
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", broker.services_port)
        self.client.subscribe([(topics.state(terminal), 1), (topics.telemetry(terminal), 0)])
        self.client.loop_start()

    def _on_message(self, client: object, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self.changed:
            self.messages.append((message.topic.rsplit("/", 1)[1], json.loads(message.payload), message.retain))
            self.changed.notify_all()

    def wait_for(self, kind: str, **fields: object) -> dict[str, object]:
        def found() -> dict[str, object] | None:
            return next((m for k, m, _ in self.messages if k == kind and fields.items() <= m.items()), None)

        with self.changed:
            assert self.changed.wait_for(lambda: found() is not None, timeout=15), (kind, fields, self.messages)
        return found() or {}

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def test_presence_online_stopped_and_heartbeats_on_status_change(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    store = open_test_store(tmp_path / "terminal")
    central = Central(tmp_path, sqlite_db)
    agent = central.agent(broker, store)
    agent.heartbeat_every = 3600  # only the first beat and status changes
    agent.heartbeat = lambda: collect(store, "LC0001", app_version="0.1.0", catalog_version="x",
                                      cert_file=Path(agent.link.cert)).model_dump_json().encode()
    watcher = Watcher(broker, "LC0001")
    agent.start()
    assert agent.connected.wait(10)
    agent.step()
    assert watcher.wait_for("state", online=True, reason="connected")
    first = watcher.wait_for("telemetry")
    assert first["components"] == []
    paper_out(store)
    agent.step()  # the status change goes out at once, not after heartbeat_every
    changed = watcher.wait_for("telemetry", needs_manual=0)
    deadline = time.monotonic() + 10
    while not any(m.get("components") for k, m, _ in watcher.messages if k == "telemetry"):
        assert time.monotonic() < deadline, "no heartbeat after the status change"
        agent.step()
        time.sleep(0.1)
    assert changed["cert_expires"]
    agent.stop()
    assert watcher.wait_for("state", online=False, reason="stopped")
    watcher.close()
    store.close()


def test_a_killed_agent_leaves_a_retained_lost_state(broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    terminal_dir = tmp_path / "terminal"
    open_test_store(terminal_dir).close()
    central = Central(tmp_path, sqlite_db)
    config = terminal_config(terminal_dir, broker, central)
    agent = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "sync", "run"], cwd=ROOT,
                             env={**os.environ, "YICHUANG_CONFIG": str(config)}, stderr=subprocess.DEVNULL)
    watcher = Watcher(broker, "LC0001")
    watcher.wait_for("state", online=True)
    agent.send_signal(signal.SIGKILL)
    agent.wait(timeout=10)
    lost = watcher.wait_for("state", online=False)
    assert lost["reason"] == "lost"  # the broker's will: the process never said goodbye
    watcher.close()
    late = Watcher(broker, "LC0001")  # a fleet monitor starting later reads the retained state
    assert late.wait_for("state", online=False)["reason"] == "lost"
    assert any(retained for k, _, retained in late.messages if k == "state")
    late.close()


def test_a_heartbeat_outside_the_schema_is_not_sent_and_the_outbox_still_drains(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central = Central(tmp_path, sqlite_db)
    store = open_test_store(tmp_path / "terminal")
    submit(store, 0)
    agent = central.agent(broker, store)
    beat = collect(store, "LC0001", app_version="0.1.0", catalog_version="2026.11.1", cert_file=None)
    agent.heartbeat = lambda: Heartbeat(**{**beat.model_dump(), "app_version": "0.1.0 dev"}).model_dump_json().encode()
    central.start_worker(broker)
    agent.start()
    try:
        assert agent.run_until_drained(30)  # such a heartbeat once stopped the whole agent
    finally:
        agent.stop()
        store.close()


def test_draining_an_empty_outbox_connects_and_stops_cleanly(broker: Mosquitto, tmp_path: Path,
                                                             sqlite_db: Engine) -> None:
    store = open_test_store(tmp_path / "terminal")  # nothing queued (#23 defect 11)
    agent = Central(tmp_path, sqlite_db).agent(broker, store)
    watcher = Watcher(broker, "LC0001")
    agent.start()
    try:
        assert agent.run_until_drained(30)
        assert agent.connected.is_set()  # drained means central was reachable, not just an empty outbox
    finally:
        agent.stop()
    assert watcher.wait_for("state", online=False, reason="stopped")  # not the will's "lost"
    assert not [m for k, m, _ in watcher.messages if k == "state" and m.get("reason") == "lost"]
    watcher.close()
    store.close()


def test_draining_as_a_terminal_the_broker_refuses_is_not_success(broker: Mosquitto, tmp_path: Path,
                                                                  sqlite_db: Engine) -> None:
    store = open_test_store(tmp_path / "terminal")
    agent = Central(tmp_path, sqlite_db).agent(broker, store, register=False)
    agent.link = dataclasses.replace(agent.link, port=broker.services_port)  # a listener that will not have it
    agent.start()
    try:
        assert agent.run_until_drained(10) is False
    finally:
        agent.stop()
    store.close()
