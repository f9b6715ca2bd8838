"""Central's 进度查询 desk: answers terminals' MQTT 5 questions, one worker per question across central processes.

A question arrives on ``yc/v1/t/{terminal}/query/req`` (the broker's ACL lets only that terminal
write there) through a shared subscription, so each is answered once however many central
processes run. The answer goes only to that terminal's ``down/query`` (a response topic naming
anywhere else is ignored: central never publishes where a client tells it to), with the
question's correlation data. A registered terminal may also have its receipt key vouched for
(protocol/receipt_token.py). Each terminal has a token bucket: a terminal trying number after
number is told ``rate_limited``. A question that cannot be read is dropped and counted; a
failing database answers ``unavailable`` and the desk goes on.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric import ed25519
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import Engine

from central.platform import progress
from central.platform.keys import CentralKeys
from central.platform.registry import Registry
from protocol import topics
from protocol.link import Link, tls_client
from protocol.query import CORRELATION, Answer, QueryError, Question, answer, read_question
from protocol.ratelimit import RateLimit
from protocol.receipt_token import delegate

log = logging.getLogger(__name__)
BURST, REFILL_SECONDS = 10, 6.0  # per terminal: ten questions at once, then one every 6 s
EXPIRY_S = 30  # an answer nobody collects in this time is dropped by the broker
DELEGATION_DAYS = timedelta(days=90)  # a terminal's receipt key signs receipts for this long (renewed at a third left)


class QueryDesk:
    """Answers terminals' progress questions from central's database until stopped."""

    def __init__(self, engine: Engine, keys: CentralKeys, link: Link, name: str,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        """Connect as central (client id ``name``) and join central's share group for questions."""
        self.engine, self.keys, self.now = engine, keys, now
        self.link, self.limit = link, RateLimit(BURST, REFILL_SECONDS)
        self.holder_key = progress.holder_key(keys)
        self.registry = Registry(engine)
        self.group = topics.ingest_group(keys.uplink.private_bytes_raw())
        self.inbox: queue.Queue[tuple[str, bytes, bytes, str]] = queue.Queue(maxsize=1000)
        self.ready, self._stop = threading.Event(), threading.Event()
        self.answered, self.dropped = 0, 0
        self.client = tls_client(name, link)
        self.client.on_connect = lambda c, u, f, r, p: c.subscribe(topics.query_subscription(self.group), qos=1)
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.ready.set()
        self.client.on_message = self._on_message
        self._thread = threading.Thread(target=self._work, name="query-desk", daemon=True)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Queue a question from a terminal's own topic with its own response topic; drop anything else."""
        terminal = topics.terminal_of(message.topic)
        props = message.properties
        response = getattr(props, "ResponseTopic", "")
        correlation = bytes(getattr(props, "CorrelationData", b"") or b"")
        if (terminal is None or message.retain or message.topic != topics.query_request(terminal)
                or response != topics.query_response(terminal) or len(correlation) != CORRELATION):
            self.dropped += 1
            return
        try:
            self.inbox.put_nowait((terminal, bytes(message.payload), correlation, response))
        except queue.Full:  # the terminal times out and says it could not ask
            self.dropped += 1

    def _work(self) -> None:
        """Answer questions until stopped."""
        while not self._stop.is_set():
            try:
                terminal, payload, correlation, response = self.inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            self._answer(terminal, payload, correlation, response)

    def _answer(self, terminal: str, payload: bytes, correlation: bytes, response: str) -> None:
        """Read one question and publish its sealed answer; an unreadable one is dropped (nobody can read a reply)."""
        try:
            question = read_question(payload, self.keys.uplink, terminal)
        except QueryError as exc:
            self.dropped += 1
            log.warning("question from %s refused: %s", terminal, exc.code)
            return
        now = self.now()
        if not self.limit.allow(terminal):
            reply = Answer(now.isoformat(), error="rate_limited")
        else:
            try:
                reply = self._reply(terminal, question, now)
            except Exception:  # the database is down: the terminal shows what it knows itself
                log.exception("progress query failed")
                reply = Answer(now.isoformat(), error="unavailable")
        props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        props.CorrelationData = correlation
        props.MessageExpiryInterval = EXPIRY_S
        self.client.publish(response, answer(question, reply, correlation), qos=1, properties=props)
        self.answered += 1

    def _reply(self, terminal: str, question: Question, now: datetime) -> Answer:
        """Answer a progress question, or vouch for a registered terminal's receipt key."""
        if question.by != "delegate":
            return progress.answer(self.engine, self.holder_key, question, now)
        standing = self.registry.standing(terminal)
        try:
            key = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(question.value))
        except ValueError:
            return Answer(now.isoformat(), error="malformed")
        if standing.key is None or standing.revoked:
            return Answer(now.isoformat(), error="not_found")
        until = now.date() + DELEGATION_DAYS
        return Answer(now.isoformat(), delegation=delegate(self.keys.ack, terminal, key, until).hex())

    def start(self) -> None:
        """Connect and serve."""
        self._thread.start()
        self.client.connect_async(self.link.host, self.link.port)
        self.client.loop_start()

    def alive(self) -> bool:
        """Return whether the answering thread runs."""
        return self._thread.is_alive()

    def stop(self) -> None:
        """Stop answering and disconnect."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.client.disconnect()
        self.client.loop_stop()
