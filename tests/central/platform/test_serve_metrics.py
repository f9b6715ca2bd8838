"""`central serve --metrics`: the real process on a real broker counts what a terminal's agent drained into it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

from demo.devstack import CENTRAL_USER, Mosquitto
from demo.ports import free_port
from tests.common import ROOT
from tests.kiosk.store.helpers import open_test_store, submit
from tests.scrape import scrape_when_up
from tests.sync.stack import Central, terminal_config


def _yichuang(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), *args]


def _central(broker: Mosquitto, central: Central, tmp_path: Path, metrics: str) -> list[str]:
    link = broker.link(CENTRAL_USER)
    return _yichuang("central", "serve", "--broker", f"mqtts://127.0.0.1:{broker.services_port}", "--ca", link.ca,
                     "--cert", link.cert, "--key", link.key, "--keys", str(central.keys_dir),
                     "--db", f"sqlite:///{tmp_path}/central.db", "--metrics", metrics)


def test_central_serve_exposes_what_it_stored(broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    store = open_test_store(tmp_path / "terminal")
    for n in range(3):
        submit(store, n)
    store.close()
    central = Central(tmp_path, sqlite_db)
    env = {**os.environ, "YICHUANG_CONFIG": str(terminal_config(tmp_path / "terminal", broker, central))}
    url = f"http://127.0.0.1:{free_port()}/metrics"
    server = subprocess.Popen(_central(broker, central, tmp_path, url.removeprefix("http://").removesuffix("/metrics")),
                              stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        drained = subprocess.run(_yichuang("sync", "run", "--until-drained", "--timeout", "60"), env=env,
                                 capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
        assert drained.returncode == 0, drained.stderr[-2000:]
        families = scrape_when_up(url, server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    assert families["yichuang_ingest_stored_total"] == {(("kind", "application"),): 3}
    assert families["yichuang_ingest_batch_failures_total"] == {(): 0}
    assert families["yichuang_certificate_expiry_seconds"][(("certificate", "central"),)] > 0
    assert families["yichuang_expiry_file_ok"] == {(("file", "central"),): 1}


def test_a_metrics_address_that_is_not_host_port_exits_2_with_the_reason(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central = Central(tmp_path, sqlite_db)
    result = subprocess.run(_central(broker, central, tmp_path, "localhost:metrics"), capture_output=True, text=True,
                            cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert "Invalid value for '--metrics': 'localhost:metrics' is not HOST:PORT" in result.stderr
