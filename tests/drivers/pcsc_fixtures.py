"""PC/SC fixtures for every test module: one private pcscd per test session, and a slot for virtual cards.

libpcsclite reads PCSCLITE_CSOCK_NAME once per process and keeps that socket: a second pcscd in
the same test session would never be reached. So there is one, for the session; a test that kills
it starts it again on the same socket.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest

from drivers.cardreader.pcsc.reader import PcscReader
from tests.drivers.pboc_cards import ATR, pboc_card
from tests.drivers.pcsc_env import PrivatePcscd, VirtualCard

READER = "Virtual PCD 00 00"


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivatePcscd]:
    daemon = PrivatePcscd(tmp_path_factory.mktemp("pcscd"))
    os.environ["PCSCLITE_CSOCK_NAME"] = str(daemon.socket_path)
    daemon.start()
    yield daemon
    daemon.kill()


@pytest.fixture
def card_slot(pcscd: PrivatePcscd) -> Iterator[Callable[..., VirtualCard]]:
    cards: list[VirtualCard] = []

    def insert(handler: Callable[[bytes], bytes | None] | None = None, persistent: bool = False) -> VirtualCard:
        card = VirtualCard(pcscd.port, ATR, handler or pboc_card(), persistent)
        card.insert()
        cards.append(card)
        return card

    yield insert
    for card in cards:
        card.remove()
    reader = PcscReader(READER)  # the next test starts with an empty reader, as pcscd sees it
    deadline = time.monotonic() + 10
    while reader.status().media.get("card") == "present" and time.monotonic() < deadline:
        time.sleep(0.05)
    reader.close()
