"""The sync agent's part in 进度查询 online: it carries the kiosk's sealed questions to central and the answers back.

The kiosk cannot open its own MQTT connection (the broker takes one session per certificate), so
it leaves a sealed question in the store; on its next turn the agent publishes it as an MQTT 5
request — response topic this terminal's ``down/query``, the row's id as correlation data, an expiry
so a late question is never answered — and keeps the answer that comes back with the same
correlation data. It reads neither: both are sealed (protocol/query.py).
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from kiosk.store import questions
from kiosk.store.store import Store
from protocol import topics
from protocol.query import CORRELATION, MAX_ANSWER

ASK_WITHIN_S = 20  # a question not sent by then is left: the kiosk has stopped waiting for it
MAX_QUEUED = 100


@dataclass
class QuestionRelay:
    """One terminal's questions out and answers in, driven by the sync agent's pump."""

    store: Store
    terminal: str
    now: Callable[[], datetime]
    wake: Callable[[], None] = lambda: None  # an answer arrived: the pump should turn now
    inbox: queue.Queue[tuple[str, bytes]] = field(default_factory=lambda: queue.Queue(MAX_QUEUED))

    def attach(self, client: mqtt.Client) -> None:
        """Route this terminal's answer topic to the relay."""
        client.message_callback_add(topics.query_response(self.terminal), self._on_message)

    def connected(self, client: mqtt.Client) -> None:
        """Subscribe to answers (again)."""
        client.subscribe(topics.query_response(self.terminal), qos=1)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Queue an answer with its correlation data for the pump (no disk on paho's thread)."""
        correlation = bytes(getattr(message.properties, "CorrelationData", b"") or b"")
        if len(correlation) != CORRELATION or len(message.payload) > MAX_ANSWER or message.retain:
            return
        try:
            self.inbox.put_nowait((correlation.hex(), bytes(message.payload)))
        except queue.Full:
            return
        self.wake()

    def step(self, client: mqtt.Client) -> int:
        """Keep the answers that came, publish the questions waiting; return how many were published."""
        while True:
            try:
                correlation, answer = self.inbox.get_nowait()
            except queue.Empty:
                break
            if not questions.answered(self.store, correlation, answer):
                logging.getLogger(__name__).info("an answer to a question nobody waits for was dropped")
        asked = 0
        for correlation, question, waited in questions.unsent(self.store, self.now()):
            if waited > ASK_WITHIN_S:
                continue
            props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            props.ResponseTopic = topics.query_response(self.terminal)
            props.CorrelationData = bytes.fromhex(correlation)
            props.MessageExpiryInterval = max(1, ASK_WITHIN_S - int(waited))
            client.publish(topics.query_request(self.terminal), question, qos=1, properties=props)
            questions.sent(self.store, correlation)
            asked += 1
        return asked
