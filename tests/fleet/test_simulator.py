"""The fleet simulator: N terminals on one asyncio loop, seen by the monitor through a real broker."""

from __future__ import annotations

import asyncio
import getpass
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from central.devstack import Mosquitto, free_port, start_mosquitto
from central.fleet.monitor import FleetMonitor
from central.fleet.simulator import FleetSimulator
from central.platform.database import make_engine
from provisioning import pki
from provisioning.broker import write_broker_config
from provisioning.service import service_link

IDS = [f"SM{n:04d}" for n in range(1, 21)]


def test_twenty_simulated_terminals_appear_and_one_runs_out_of_paper(broker: Mosquitto, sqlite_db: Engine) -> None:
    monitor = FleetMonitor(sqlite_db, broker.link("fleet"), timedelta(seconds=30))
    monitor.start()
    assert monitor.ready.wait(10)
    simulator = FleetSimulator(IDS, broker.link, heartbeat_every=0.5)

    async def scenario() -> None:
        runner = asyncio.create_task(simulator.run(8, chaos=False))
        deadline = time.monotonic() + 6
        while sum(r["state"] == "online" for r in monitor.overview()) < len(IDS):
            assert time.monotonic() < deadline, monitor.overview()
            await asyncio.sleep(0.2)
        simulator.terminals["SM0007"].paper = "out"
        while next(r for r in monitor.overview() if r["terminal"] == "SM0007")["state"] != "degraded":
            assert time.monotonic() < deadline + 4
            await asyncio.sleep(0.2)
        simulator.terminals["SM0003"].client.socket().close()  # gone without a goodbye
        simulator.terminals["SM0003"].online = False
        while next(r for r in monitor.overview() if r["terminal"] == "SM0003")["state"] != "offline":
            assert time.monotonic() < deadline + 8
            await asyncio.sleep(0.2)
        await runner
        simulator.close()
        await asyncio.sleep(0.5)

    asyncio.run(scenario())
    states = {r["terminal"]: (r["state"], r["reasons"]) for r in monitor.overview()}
    assert states["SM0007"] == ("offline", ["connection stopped"])  # the simulator said goodbye at the end
    assert states["SM0003"] == ("offline", ["connection lost"])  # the broker's will, not a goodbye
    assert monitor.garbage == 0
    assert monitor.heartbeats >= len(IDS)
    monitor.stop()


def test_sim_fleet_command_with_the_fleet_ca(tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    pki.init_ca(ca, b"correct horse battery", ("127.0.0.1",))
    port = free_port()
    broker = start_mosquitto(write_broker_config(ca, tmp_path / "broker", port=port, bind="127.0.0.1",
                                                 run_as=getpass.getuser()), port)
    db_url = f"sqlite:///{tmp_path}/central.db"
    monitor = FleetMonitor(make_engine(db_url), service_link(ca, "127.0.0.1", port, "fleet"))
    monitor.start()
    assert monitor.ready.wait(10)
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, str(root / "main.py"), "sim", "fleet", "--terminals", "5", "--broker",
                          f"mqtts://127.0.0.1:{port}", "--ca-dir", str(ca), "--seconds", "3", "--heartbeat", "1",
                          "--work", str(tmp_path / "sims"), "--db", db_url], capture_output=True, text=True, cwd=root,
                         timeout=120, check=False, env={**os.environ, "YC_CA_PASSPHRASE": "correct horse battery"})
    assert run.returncode == 0, run.stderr
    rows = monitor.overview()
    assert [(r["terminal"], r["hall"]) for r in rows] == [
        ("SM0001", "lc-center"), ("SM0002", "zd-center"), ("SM0003", "lc-ccb-outlet"),
        ("SM0004", "lc-tangyi-village"), ("SM0005", "lc-edz-park")]
    assert monitor.heartbeats >= 5  # every simulated terminal was heard, through the generated broker config
    monitor.stop()
    broker.terminate()
    broker.wait(timeout=10)
