"""Fuzzing the monitor's intake (issue #21): any bytes on a fleet topic are a heartbeat, a state, or Refused.

Three properties: the parsers raise nothing but ``Refused``; the monitor's MQTT callback never
raises and counts every message once; and whatever the schema accepts, assessment, every alert
rule, the history and the dashboard's words can use, with no control character left in it.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from central.dashboard.words import span, when
from central.monitor.alerts import RULES, AlertBook
from central.monitor.health import assess
from central.monitor.history import Period
from central.monitor.monitor import FleetMonitor
from central.monitor.rows import Facts, State, TerminalStatus
from central.platform.database import make_engine
from protocol import topics
from protocol.heartbeat import Heartbeat, Presence, Refused, read_heartbeat, read_presence
from tests.central.monitor.helpers import ONLINE, monitor_for
from tests.central.monitor.poison import GENUINE, POISONS, genuine

FIELDS = sorted(Heartbeat.model_fields)
COMPONENT_FIELDS = ["device", "state", "since", "media", "error_kind", "error_code", "action"]
TEXT = st.text(max_size=80) | st.sampled_from(
    ["2026-12-10T00:00:00", "2026-12-10T00:00:00+00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
     "printer", "paper_out", "\x1b[2J", "a\u202eb", "", "LC0001"])
NUMBERS = (st.integers(min_value=-(2**70), max_value=2**70) | st.floats()
           | st.sampled_from([2**31 - 1, 2**31, 2**63, -1, 0, 100, 100.0001, 1e10, 1e300]))
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT
JSONISH = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.sampled_from(FIELDS + COMPONENT_FIELDS) | TEXT, inner, max_size=4),
                       max_leaves=12)
EXAMPLES = 3 * settings().max_examples  # the loaded Hypothesis profile's (a longer tier's profile scales these)
NESTED = [b"[" * 100_000, b'{"a":' * 50_000, b'{"components": [' * 20_000]


def _parse(payload: bytes) -> Heartbeat | None:
    """Return the heartbeat in ``payload`` or None when refused; fail on any other error."""
    try:
        return read_heartbeat(payload, GENUINE)
    except Refused:
        return None


def _usable(beat: Heartbeat) -> None:
    """Run what the monitor runs on an accepted heartbeat: assessment, rules, history, the dashboard's words."""
    now = datetime.now(UTC)
    health = assess(presence=ONLINE, beat=beat, beat_at=now, now=now, interval=timedelta(seconds=30))
    row = TerminalStatus(terminal=GENUINE, state=health.state, reasons=health.reasons, changed_at=now.isoformat(),
                         backlog=beat.outbox_backlog, oldest_unsynced_s=beat.oldest_unsynced_s)
    for rule in RULES:
        rule.condition(Facts(row, beat), now)
    Period.empty(now, 60).add(0, State.ONLINE, beat.outbox_backlog)
    for seconds in (beat.uptime_s, beat.oldest_unsynced_s):
        span(seconds, "en")
    for moment in (beat.at, beat.last_ack, beat.cert_expires, *(c.since for c in beat.components)):
        when(moment, now, "zh")
    texts = [beat.boot, beat.app_version, beat.catalog_version, *health.reasons]
    texts += [t or "" for c in beat.components for t in (c.device, c.state, c.error_kind, c.error_code, c.action)]
    assert all(t.isprintable() for t in texts), texts
    assert all(math.isfinite(x) for x in (beat.disk_free_pct, beat.memory_used_pct or 0, beat.uptime_s or 0))


@given(st.binary(max_size=2048))
@example(b"\xff\xfe")
@example(b"NaN")
@example(b'{"v": 1, "online": true, "reason": "lost", "boot": "b", "v": 1}')
@settings(max_examples=EXAMPLES)
def test_any_bytes_are_a_heartbeat_a_state_or_refused(payload: bytes) -> None:
    beat = _parse(payload)
    if beat is not None:
        _usable(beat)
    with contextlib.suppress(Refused):
        assert isinstance(read_presence(payload), Presence)


@given(JSONISH)
@settings(max_examples=EXAMPLES)
def test_any_json_is_a_heartbeat_or_refused(value: Any) -> None:
    beat = _parse(json.dumps(value).encode())
    if beat is not None:
        _usable(beat)


@given(st.sampled_from(FIELDS), JSONISH, st.sampled_from(COMPONENT_FIELDS), JSONISH)
@settings(max_examples=4 * EXAMPLES // 3)
def test_a_genuine_heartbeat_with_one_field_or_component_changed_is_usable_or_refused(
        field: str, value: Any, component_field: str, component_value: Any) -> None:
    whole = genuine() | {field: value}
    one = genuine()
    one["components"] = [one["components"][0] | {component_field: component_value}]
    for changed in (whole, one):
        beat = _parse(json.dumps(changed).encode())
        if beat is not None:
            _usable(beat)


def test_every_documented_poison_is_refused_and_nesting_bombs_too() -> None:
    assert _parse(json.dumps(genuine()).encode()) is not None
    for name, changes in POISONS.items():
        assert _parse(json.dumps(genuine() | changes).encode()) is None, name
    for bomb in NESTED:
        assert _parse(bomb) is None
        with pytest.raises(Refused):
            read_presence(bomb)


@pytest.fixture(scope="module")
def monitor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FleetMonitor]:
    """A monitor that is not connected: its MQTT callback is fed by hand."""
    tmp: Path = tmp_path_factory.mktemp("intake")
    engine = make_engine(f"sqlite:///{tmp}/central.db")
    yield monitor_for(tmp, engine, AlertBook(lambda event, alert: None))
    engine.dispose()


@given(st.binary(max_size=600) | st.sampled_from([t.encode() for t in (topics.telemetry(GENUINE),
                                                                          topics.state(GENUINE))]),
       st.binary(max_size=2048) | JSONISH.map(lambda v: json.dumps(v).encode()) | st.sampled_from(NESTED))
@settings(max_examples=EXAMPLES)
def test_the_monitor_callback_never_raises_and_counts_each_message_once(
        monitor: FleetMonitor, topic: bytes, payload: bytes) -> None:
    message = mqtt.MQTTMessage(topic=topic)
    message.payload = payload
    before = monitor.garbage + monitor.heartbeats
    monitor._on_message(monitor.client, None, message)
    counted = monitor.garbage + monitor.heartbeats - before
    if counted == 0:  # only a valid state is not counted
        assert topic.endswith(b"/state")
        read_presence(payload)
    assert counted <= 1
    monitor.flush()
