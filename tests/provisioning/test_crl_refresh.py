"""The CRL is re-signed before it lapses (#23 defect 6): a month after `ca init` a broker with the refreshed CRL still
takes clients, where one with the original CRL refuses every client; the refresh waits until it is due."""

from __future__ import annotations

import getpass
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from demo.ports import free_port
from protocol.link import Link, tls_client
from provisioning import pki
from provisioning.broker import write_broker_config
from tests.common import ROOT

PASSPHRASE = "correct horse battery"  # noqa: S105 - a test CA's


def yichuang(*args: str, days: int) -> subprocess.CompletedProcess[str]:
    """Run a command as if ``days`` had passed since now."""
    return subprocess.run(["faketime", "-f", f"+{days}d", sys.executable, str(ROOT / "main.py"), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "YC_CA_PASSPHRASE": PASSPHRASE})


def broker_accepts_a_client(ca: Path, out: Path, days: int) -> bool:
    """Run the fleet's broker ``days`` from now; return whether a claim medium's client is accepted."""
    port = free_port()
    conf = write_broker_config(ca, out, port=port, bind="127.0.0.1", services_port=free_port(),
                               run_as=getpass.getuser())
    broker = subprocess.Popen(["faketime", "-f", f"+{days}d", shutil.which("mosquitto") or "mosquitto", "-c",
                               str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)  # faketime forks mosquitto: stop the whole group
    try:
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline, "the broker did not start"
            time.sleep(0.05)
        claim = ca / "claim"
        link = Link("127.0.0.1", port, str(claim / "ca.pem"), str(claim / "claim.pem"), str(claim / "claim.key"))
        answers: queue.Queue[bool] = queue.Queue()
        client = tls_client("claim", link)
        client.on_connect = lambda c, u, f, reason, p: answers.put(not reason.is_failure)
        client.on_connect_fail = lambda c, u: answers.put(False)
        client.on_disconnect = lambda c, u, f, reason, p: answers.put(False)
        client.connect_async("127.0.0.1", port)
        client.loop_start()
        try:
            return answers.get(timeout=10)
        except queue.Empty:
            return False
        finally:
            client.loop_stop()
            client.disconnect()
    finally:
        os.killpg(broker.pid, signal.SIGTERM)
        broker.wait(timeout=10)


def test_a_refreshed_crl_keeps_the_broker_taking_clients_after_a_month(tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    pki.init_ca(ca, PASSPHRASE.encode(), ("localhost", "127.0.0.1"))
    assert broker_accepts_a_client(ca, tmp_path / "today", days=0)
    assert not broker_accepts_a_client(ca, tmp_path / "lapsed", days=31)  # the defect: every client refused
    early = yichuang("provision", "crl", "refresh", "--ca-dir", str(ca), "--json", days=5)
    assert early.returncode == 0, early.stderr
    assert json.loads(early.stdout)["renewed"] is False  # 25 days left: not due yet
    due = yichuang("provision", "crl", "refresh", "--ca-dir", str(ca), "--json", days=25)
    assert due.returncode == 0, due.stderr
    report = json.loads(due.stdout)
    assert report["renewed"] is True
    assert report["days_left"] >= 29  # counted from the (faked) day it ran
    assert broker_accepts_a_client(ca, tmp_path / "refreshed", days=31)


def test_refresh_copies_the_crl_into_the_broker_configuration(tmp_path: Path) -> None:
    ca, out = tmp_path / "ca", tmp_path / "broker"
    pki.init_ca(ca, PASSPHRASE.encode(), ("localhost",))
    write_broker_config(ca, out, run_as=getpass.getuser())
    done = yichuang("provision", "crl", "refresh", "--ca-dir", str(ca), "--broker-dir", str(out), "--within", "0",
                    days=0)
    assert done.returncode == 0, done.stderr
    assert "restart the broker" in done.stdout
    assert (out / "crl.pem").read_bytes() == (ca / "issuing" / "crl.pem").read_bytes()


