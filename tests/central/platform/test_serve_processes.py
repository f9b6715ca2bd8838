"""`central serve --workers 2`: two real ingest processes under a supervising one, on a real broker.

The copies share the uplink, their counters add up on the supervisor's one /metrics, a copy killed
mid-service is started again without losing or doubling an application, and SIGTERM stops them all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select

from central.platform.schema import messages
from demo.devstack import CENTRAL_USER, Mosquitto
from demo.ports import free_port
from tests.common import ROOT
from tests.kiosk.store.helpers import open_test_store, submit
from tests.scrape import scrape, scrape_when_up
from tests.sync.stack import Central, terminal_config


def _copies(pid: int) -> list[int]:
    """Return the pids of ``pid``'s child processes."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sorted(int(child) for child in children)


def _ended(pid: int) -> bool:
    """Return whether process ``pid`` has exited (gone, or a zombie its new parent has not reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _until(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@contextmanager
def _serving(broker: Mosquitto, central: Central, tmp_path: Path, metrics: str) -> Iterator[subprocess.Popen[str]]:
    """Run `central serve --workers 2` until the block ends, then SIGTERM it."""
    link = broker.link(CENTRAL_USER)
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "central", "serve", "--workers", "2",
         "--broker", f"mqtts://127.0.0.1:{broker.services_port}", "--ca", link.ca, "--cert", link.cert,
         "--key", link.key, "--keys", str(central.keys_dir), "--metrics", metrics],
        env={**os.environ, "YC_CENTRAL_DB": f"sqlite:///{tmp_path}/central.db"},
        stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=40)


def _drain(tmp_path: Path, env: dict[str, str], first: int, count: int) -> None:
    """Submit ``count`` applications at the terminal and run its agent until they are all acknowledged."""
    store = open_test_store(tmp_path / "terminal")
    for n in range(first, first + count):
        submit(store, n)
    store.close()
    drained = subprocess.run([sys.executable, str(ROOT / "main.py"), "sync", "run", "--until-drained", "--timeout",
                              "60"], env=env, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert drained.returncode == 0, drained.stderr[-2000:]


def test_two_ingest_processes_share_the_uplink_and_survive_a_copy_killed(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central = Central(tmp_path, sqlite_db)
    (tmp_path / "terminal").mkdir()
    env = {**os.environ, "YICHUANG_CONFIG": str(terminal_config(tmp_path / "terminal", broker, central))}
    url = f"http://127.0.0.1:{free_port()}/metrics"
    with _serving(broker, central, tmp_path, url.removeprefix("http://").removesuffix("/metrics")) as server:
        scrape_when_up(url, server)
        _until(lambda: len(_copies(server.pid)) == 2)
        first = _copies(server.pid)
        assert all("--ingest-process" in Path(f"/proc/{pid}/cmdline").read_text() for pid in first)
        assert all("central.db" not in Path(f"/proc/{pid}/cmdline").read_text() for pid in first)
        _drain(tmp_path, env, 0, 4)
        os.kill(first[0], signal.SIGKILL)
        _until(lambda: len(_copies(server.pid)) == 2 and first[0] not in _copies(server.pid))
        _drain(tmp_path, env, 4, 3)
        families = scrape(url)
    err = server.stderr.read() if server.stderr else ""
    assert server.returncode == 0, err[-3000:]
    assert families["yichuang_ingest_stored_total"] == {(("kind", "application"),): 7}
    assert families["yichuang_ingest_process_restarts_total"] == {(): 1}
    assert families["yichuang_ingest_processes_ready"] == {(): 2}  # the copy started again is ready too
    assert families["yichuang_ingest_processes"] == {(): 2}
    assert families["yichuang_certificate_expiry_seconds"][(("certificate", "central"),)] > 0
    with sqlite_db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(messages)).scalar_one() == 7
    assert "central: stopped 2 ingest processes (1 restarts)" in err
    assert err.count("central: ingest on") == 3  # the two copies and the one started again
    assert all(_ended(pid) for pid in first)


def test_copies_stop_when_their_supervisor_is_killed(broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central = Central(tmp_path, sqlite_db)
    url = f"http://127.0.0.1:{free_port()}/metrics"
    with _serving(broker, central, tmp_path, url.removeprefix("http://").removesuffix("/metrics")) as server:
        scrape_when_up(url, server)
        _until(lambda: len(_copies(server.pid)) == 2)
        copies = _copies(server.pid)
        server.kill()  # SIGKILL: no chance to stop them; they must notice on their own
        _until(lambda: all(_ended(pid) for pid in copies), timeout=30)


def test_sigterm_while_the_broker_is_unreachable_stops_at_once(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central, link = Central(tmp_path, sqlite_db), broker.link(CENTRAL_USER)
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "central", "serve", "--workers", "2", "--broker",
         f"mqtts://127.0.0.1:{free_port()}", "--ca", link.ca, "--cert", link.cert, "--key", link.key,
         "--keys", str(central.keys_dir)],  # a port nothing listens on
        env={**os.environ, "YC_CENTRAL_DB": f"sqlite:///{tmp_path}/central.db"}, stderr=subprocess.PIPE,
        text=True, cwd=ROOT)
    _until(lambda: len(_copies(server.pid)) == 2)
    time.sleep(3)  # the copies wait for a broker that is not there
    began = time.monotonic()
    server.send_signal(signal.SIGTERM)
    _, err = server.communicate(timeout=40)
    assert server.returncode == 0, err[-3000:]
    assert time.monotonic() - began < 10, err[-3000:]  # not the supervisor's 20 s grace, then SIGKILL
    assert "did not stop" not in err
