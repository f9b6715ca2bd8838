"""Alerts end to end through a real broker: simulated terminals, the monitor flushing on its own, a paging webhook.

The rules are the production rules with holds and clears shortened to a second, and the
heartbeat to 0.3 s, so minutes of field behaviour fit in seconds; nothing else is changed.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine

from central.monitor.alerts import RULES, AlertBook
from central.monitor.monitor import FleetMonitor
from central.monitor.webhook import Webhook
from demo.devstack import Mosquitto
from demo.rates import Rates
from demo.simulator import FleetSimulator
from protocol import topics
from tests.central.monitor.receiver import Receiver

BEAT = 0.3
FAST = tuple(replace(r, hold=timedelta(seconds=1), clear=timedelta(seconds=1)) for r in RULES)
QUIET = Rates(applications=0, help_requests=0, paper_steps=0, reader_flips=0, drops=0, returns=0)


def paged() -> list[tuple[str, str, str]]:
    """Return what the paging system received, in order."""
    return [(b["event"], b["alert"]["rule"], b["alert"]["terminal"])
            for b in (json.loads(body) for _, body in Receiver.calls)]


async def until(check: Callable[[], bool], timeout: float = 10) -> None:
    """Wait until ``check`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, paged()
        await asyncio.sleep(0.1)


def test_paper_out_silence_and_recovery_page_once_each_and_flapping_pages_nobody(
        broker: Mosquitto, sqlite_db: Engine, receiver: str) -> None:
    Receiver.failures = 0
    hook = Webhook(receiver, b"pager-secret", first_delay=0.05)
    monitor = FleetMonitor(sqlite_db, broker.link("fleet"), timedelta(seconds=BEAT),
                           alerts=AlertBook(hook.notify, rules=FAST))
    monitor.start()
    assert monitor.ready.wait(10)
    stop = threading.Event()
    flusher = threading.Thread(target=lambda: [monitor.flush() for _ in iter(lambda: stop.wait(0.2), True)])
    flusher.start()
    simulator = FleetSimulator(["SM0001", "SM0002", "SM0003"], broker.link, heartbeat_every=BEAT, rates=QUIET)
    sims = simulator.terminals

    async def scenario() -> None:
        runner = asyncio.create_task(simulator.run(30, chaos=False))
        await until(lambda: sum(r.state == "online" for r in monitor.rows()) == 3)
        sims["SM0001"].paper = "out"
        await until(lambda: ("opened", "paper_out", "SM0001") in paged())
        sims["SM0001"].paper = "full"
        await until(lambda: ("resolved", "paper_out", "SM0001") in paged())
        sims["SM0002"].online = False  # a hung agent: connected, but no heartbeats
        await until(lambda: ("opened", "offline", "SM0002") in paged())
        assert monitor.snapshot["SM0002"].reasons[0].startswith("silent since")
        sims["SM0002"].online = True
        await until(lambda: ("resolved", "offline", "SM0002") in paged())
        flicker = sims["SM0003"]
        for _ in range(12):  # a flickering paper sensor: out for 0.15 s at a time, never for the 1 s hold
            flicker.paper = "out" if flicker.paper == "full" else "full"
            flicker.client.publish(topics.telemetry("SM0003"), flicker.heartbeat(), qos=0)  # reported at once
            await asyncio.sleep(0.15)
        sims["SM0003"].paper = "full"
        await asyncio.sleep(2)
        runner.cancel()
        simulator.close()
        await asyncio.sleep(0.3)

    try:
        asyncio.run(scenario())
    finally:
        stop.set()
        flusher.join()
        monitor.stop()
        hook.close()
    assert paged() == [("opened", "paper_out", "SM0001"), ("resolved", "paper_out", "SM0001"),
                       ("opened", "offline", "SM0002"), ("resolved", "offline", "SM0002")]
