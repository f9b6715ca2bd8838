"""The technician's actions reported by heartbeats reach central's audit log once each, beside ops' own lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from sqlalchemy import Engine

from central.auth.accounts import Accounts
from central.monitor.technicians import TechnicianLog, actions_at, user_of
from protocol import topics
from protocol.heartbeat import Audited
from tests.central import fixtures
from tests.central.monitor.helpers import beat
from tests.central.monitor.test_incremental import settled

central_url, central_db = fixtures.central_url, fixtures.central_db  # SQLite and PostgreSQL

ENTERED = Audited(at="2026-12-04T09:00:00+08:00", action="entered")
SELF_TEST = Audited(at="2026-12-04T09:01:10+08:00", action="self_test")
EXITED = Audited(at="2026-12-04T09:03:00+08:00", action="exited")
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # central's clock: 10:00 in Beijing


def test_each_action_is_recorded_once_however_often_heartbeats_repeat_it(central_db: Engine) -> None:
    engine = central_db
    log = TechnicianLog(engine)
    assert log.record({"LC0001": [ENTERED, SELF_TEST], "LC0002": None, "LC0003": []}, NOW) == 2
    assert log.record({"LC0001": [ENTERED, SELF_TEST]}, NOW) == 0  # the next heartbeat repeats them
    assert log.record({"LC0001": [ENTERED, SELF_TEST, EXITED]}, NOW) == 1
    again = TechnicianLog(engine)  # the monitor restarted: it knows nothing, the log does
    assert again.record({"LC0001": [ENTERED, SELF_TEST, EXITED]}, NOW) == 0
    assert [a["action"] for a in actions_at(engine, "LC0001")] == ["exited", "self_test", "entered"]
    assert actions_at(engine, "LC0002") == []


def test_an_action_stamped_before_the_last_one_is_still_recorded(central_db: Engine) -> None:
    engine = central_db
    log = TechnicianLog(engine)
    log.record({"LC0001": [SELF_TEST]}, NOW)
    corrected = Audited(at="2026-12-04T08:30:00+08:00", action="paper_replaced")  # its clock was put back
    assert log.record({"LC0001": [SELF_TEST, corrected]}, NOW) == 1


def test_the_lines_stand_in_ops_audit_log_under_the_terminals_technician(central_db: Engine) -> None:
    engine = central_db
    TechnicianLog(engine).record({"LC0001": [SELF_TEST]}, NOW)
    lines = Accounts(engine).audit(user=user_of("LC0001"))
    assert [(line["action"], line["target"], line["at"]) for line in lines] == [("self_test", "LC0001", SELF_TEST.at)]
    assert Accounts(engine).audit(user="technician") == []  # no ops account is the technician


def test_the_fleet_monitor_copies_what_heartbeats_report_once_each(tmp_path: Path, sqlite_db: Engine) -> None:
    now = datetime.now(UTC)
    monitor = settled(tmp_path, sqlite_db, now)

    def hear(actions: list[Audited]) -> None:
        message = mqtt.MQTTMessage(topic=topics.telemetry("LC0001").encode())
        message.payload = beat("LC0001").model_copy(update={"technician": actions}).model_dump_json().encode()
        monitor._on_message(monitor.client, None, message)  # paho's entry point

    hear([ENTERED, SELF_TEST])
    monitor.flush(now + timedelta(seconds=5))
    hear([ENTERED, SELF_TEST])  # the next heartbeat repeats them
    monitor.flush(now + timedelta(seconds=10))
    hear([ENTERED, SELF_TEST, EXITED])
    monitor.flush(now + timedelta(seconds=15))
    assert [a["action"] for a in actions_at(sqlite_db, "LC0001")] == ["exited", "self_test", "entered"]


def test_a_terminal_cannot_write_other_lines_nor_date_them_out_of_reach(central_db: Engine) -> None:
    engine = central_db
    hostile = [Audited(at="2026-12-04T09:00:00+08:00", action="token_create"),  # not a technician's action
               Audited(at="2199-01-01T00:00:00+00:00", action="self_test"),  # on top of every page for ever
               Audited(at="1970-01-01T00:00:00+00:00", action="exited"),  # gone at the next purge, back at restart
               Audited(at="2026-12-04T09:05:00+08:00", action="technician_pin_failed")]
    assert TechnicianLog(engine).record({"LC0001": hostile}, NOW) == 1
    assert TechnicianLog(engine).record({"LC0001": hostile}, NOW) == 0  # the next monitor run: nothing again
    (line,) = Accounts(engine).audit(user=user_of("LC0001"))
    assert (line["action"], line["outcome"]) == ("technician_pin_failed", "refused")
