"""Both ends of the uplink for tests: central (keys, registry, workers) and terminals' sync agents."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from central.platform import keys
from central.platform.catalogs import CatalogArchive
from central.platform.desk import QueryDesk
from central.platform.ingest import Ingest
from central.platform.worker import IngestWorker
from demo.devstack import CENTRAL_USER, Mosquitto
from domain.data import SAMPLE_CATALOG
from kiosk.store.store import Store
from protocol import topics
from protocol.link import Link
from sync.agent import SyncAgent
from sync.keys import load_terminal_keys

SAMPLE_ARCHIVE = CatalogArchive.load(None, SAMPLE_CATALOG)


class Central:
    """Central's side: its keys in a folder, its database, its catalog archive."""

    def __init__(self, directory: Path, engine: Engine, archive: CatalogArchive = SAMPLE_ARCHIVE) -> None:
        self.keys_dir = directory / "central-keys"
        self.keys = keys.generate(self.keys_dir)
        self.ingest = Ingest(engine, self.keys, archive)
        self.workers: list[IngestWorker] = []
        self.desks: list[QueryDesk] = []

    def register(self, link: Link, terminal: str) -> None:
        self.ingest.registry.add(terminal, Path(link.cert).read_bytes(), hall="lc-center")

    def start_worker(self, broker: Mosquitto, name: str = "ingest-1") -> IngestWorker:
        worker = IngestWorker(self.ingest, broker.link(CENTRAL_USER), name=name)
        worker.start()
        assert worker.ready.wait(10), "the worker did not subscribe"
        self.workers.append(worker)
        return worker

    def start_desk(self, broker: Mosquitto, name: str = "query-1") -> QueryDesk:
        """Start central's 进度查询 desk on the broker."""
        desk = QueryDesk(self.ingest.engine, self.keys, broker.link(CENTRAL_USER), topics.service_client_id("central", name))
        desk.start()
        assert desk.ready.wait(10), "the desk did not subscribe"
        self.desks.append(desk)
        return desk

    def agent(self, broker: Mosquitto, store: Store, terminal: str = "LC0001", *, register: bool = True,
              protocol: int = 2) -> SyncAgent:
        """Return a (not yet started) sync agent for ``terminal`` with a fresh certificate, speaking ``protocol``."""
        link = broker.link(terminal)
        if register:
            self.register(link, terminal)
        terminal_keys = load_terminal_keys(Path(link.key), self.keys_dir / "uplink.pub", self.keys_dir / "ack.pub")
        return SyncAgent(store, terminal, terminal_keys, link, ack_timeout=timedelta(seconds=2), protocol=protocol)

    def drain(self, broker: Mosquitto, store: Store, terminal: str = "LC0001", timeout: float = 30) -> None:
        """Run a worker and the terminal's agent until its outbox is settled (asserted), then stop the agent."""
        agent = self.agent(broker, store, terminal)
        self.start_worker(broker)
        agent.start()
        try:
            assert agent.run_until_drained(timeout), "the outbox did not settle"
        finally:
            agent.stop()

    def stored(self) -> list[str]:
        return self.ingest.stored_ids()

    def wait_until_stored(self, count: int, step: Callable[[], object] | None = None, timeout: float = 60) -> None:
        """Wait (pumping ``step`` if given) until central has stored ``count`` messages."""
        deadline = time.monotonic() + timeout
        while len(self.stored()) < count:
            assert time.monotonic() < deadline, f"the drain stalled at {len(self.stored())} of {count}"
            if step is not None:
                step()
            time.sleep(0.01)

    def stop(self) -> None:
        for worker in (*self.workers, *self.desks):
            worker.stop()


def terminal_config(directory: Path, broker: Mosquitto, central: Central, terminal: str = "LC0001") -> Path:
    """Write a terminal.toml for the `yichuang sync` commands: store in ``directory``, a registered certificate."""
    link = broker.link(terminal)
    central.register(link, terminal)
    path = directory / "terminal.toml"
    path.write_text(
        f'[terminal]\nid = "{terminal}"\nhall = "lc-center"\n'
        f'[store]\npath = "{directory / "store.db"}"\nkey_provider = "file"\nkey_file = "{directory / "store.key"}"\n'
        f'[sync]\nbroker = "mqtts://127.0.0.1:{broker.port}"\nca_file = "{link.ca}"\ncert_file = "{link.cert}"\n'
        f'key_file = "{link.key}"\ncentral_key = "{central.keys_dir / "uplink.pub"}"\n'
        f'ack_key = "{central.keys_dir / "ack.pub"}"\nack_timeout_s = 2\ntime_file = "{directory / "last-good-time"}"\n'
    )
    return path
