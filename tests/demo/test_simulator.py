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

from central.monitor.monitor import FleetMonitor
from central.platform import queries
from central.platform.database import make_engine
from demo.devstack import Mosquitto, start_mosquitto
from demo.ports import free_port
from demo.rates import Rates
from demo.simterminal import Uplink
from demo.simulator import FleetSimulator
from provisioning import pki
from provisioning.broker import write_broker_config
from provisioning.service import service_link
from sync.keys import load_terminal_keys
from tests.common import ROOT
from tests.sync.stack import Central

IDS = [f"SM{n:04d}" for n in range(1, 21)]


def test_twenty_simulated_terminals_appear_and_one_runs_out_of_paper(broker: Mosquitto, sqlite_db: Engine) -> None:
    monitor = FleetMonitor(sqlite_db, broker.link("fleet"), timedelta(seconds=30))
    monitor.start()
    assert monitor.ready.wait(10)
    simulator = FleetSimulator(IDS, broker.link, heartbeat_every=0.5)

    async def scenario() -> None:
        runner = asyncio.create_task(simulator.run(8, chaos=False))
        deadline = time.monotonic() + 6
        while sum(r.state == "online" for r in monitor.overview()) < len(IDS):
            assert time.monotonic() < deadline, monitor.overview()
            await asyncio.sleep(0.2)
        simulator.terminals["SM0007"].paper = "out"
        while next(r for r in monitor.overview() if r.terminal == "SM0007").state != "degraded":
            assert time.monotonic() < deadline + 4
            await asyncio.sleep(0.2)
        simulator.drop("SM0003")  # gone without a goodbye
        while next(r for r in monitor.overview() if r.terminal == "SM0003").state != "offline":
            assert time.monotonic() < deadline + 8
            await asyncio.sleep(0.2)
        await runner
        simulator.close()
        await asyncio.sleep(0.5)

    asyncio.run(scenario())
    states = {r.terminal: (r.state, r.reasons) for r in monitor.overview()}
    assert states["SM0007"] == ("offline", ("connection stopped",))  # the simulator said goodbye at the end
    assert states["SM0003"] == ("offline", ("connection lost",))  # the broker's will, not a goodbye
    assert monitor.garbage == 0
    assert monitor.heartbeats >= len(IDS)
    monitor.stop()


def test_sim_fleet_command_with_the_fleet_ca(tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    pki.init_ca(ca, b"correct horse battery", ("127.0.0.1",))
    port, services_port = free_port(), free_port()
    broker = start_mosquitto(write_broker_config(ca, tmp_path / "broker", port=port, bind="127.0.0.1",
                                                 services_port=services_port, run_as=getpass.getuser()), port)
    db_url = f"sqlite:///{tmp_path}/central.db"
    monitor = FleetMonitor(make_engine(db_url), service_link(ca, "127.0.0.1", services_port, "fleet"))
    monitor.start()
    assert monitor.ready.wait(10)
    root = ROOT
    run = subprocess.run([sys.executable, str(root / "main.py"), "sim", "fleet", "--terminals", "5", "--broker",
                          f"mqtts://127.0.0.1:{port}", "--ca-dir", str(ca), "--seconds", "3", "--heartbeat", "1",
                          "--work", str(tmp_path / "sims"), "--db", db_url], capture_output=True, text=True, cwd=root,
                         timeout=120, check=False, env={**os.environ, "YC_CA_PASSPHRASE": "correct horse battery"})
    assert run.returncode == 0, run.stderr
    rows = monitor.overview()
    assert [(r.terminal, r.hall) for r in rows] == [
        ("SM0001", "lc-center"), ("SM0002", "zd-center"), ("SM0003", "lc-ccb-outlet"),
        ("SM0004", "lc-tangyi-village"), ("SM0005", "lc-edz-park")]
    assert monitor.heartbeats >= 5  # every simulated terminal was heard, through the generated broker config
    monitor.stop()
    broker.terminate()
    broker.wait(timeout=10)


def test_simulated_terminals_send_applications_and_help_requests_that_central_stores_and_acks(
        tmp_path: Path, broker: Mosquitto, sqlite_db: Engine) -> None:
    central = Central(tmp_path, sqlite_db)
    links = {t: broker.link(t) for t in IDS[:5]}
    for terminal, link in links.items():
        central.register(link, terminal)
    central.start_worker(broker)
    signers = {t: load_terminal_keys(Path(link.key), central.keys_dir / "uplink.pub", central.keys_dir / "ack.pub")
               for t, link in links.items()}
    first = signers[IDS[0]]
    uplink = Uplink(first.central, first.acks, lambda terminal: signers[terminal].signer)
    rates = Rates(applications=3600 * 2, help_requests=3600 / 4, paper_steps=0, reader_flips=0, drops=0)
    simulator = FleetSimulator(list(links), links.__getitem__, heartbeat_every=0.5, uplink=uplink, rates=rates)

    async def scenario() -> None:
        await simulator.run(4)
        deadline = time.monotonic() + 20
        while any(sim.queued for sim in simulator.terminals.values()):  # acks arrive after the last sends
            assert time.monotonic() < deadline, {t: len(s.queued) for t, s in simulator.terminals.items()}
            await asyncio.sleep(0.2)
        simulator.close()
        await asyncio.sleep(0.3)

    asyncio.run(scenario())
    central.stop()
    made = sum(s.applications for s in simulator.terminals.values())
    called = sum(s.help_requests for s in simulator.terminals.values())
    assert made > 10
    assert called > 0
    assert sum(s.errors for s in simulator.terminals.values()) == 0  # no envelope refused, no ack forged
    assert len(queries.applications(sqlite_db, limit=10_000)) == made
    assert len(queries.help_requests(sqlite_db, limit=10_000)) == called
    assert set(queries.open_help(sqlite_db, "2000-01-01")) <= set(IDS[:5])
    assert queries.gaps(sqlite_db) == []  # every sequence number arrived
