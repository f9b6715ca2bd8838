"""The documented broker setup run as root (#23 defect 2): `provision broker-config --run-as USER` hands the files
mosquitto reads after dropping to USER (its key, password file, CRL, log and persistence) to that user, and the
broker then starts and takes a client. (Not root: mosquitto runs as the caller, who owns everything already.)"""

from __future__ import annotations

import getpass
import os
import pwd
import queue
import shutil
import subprocess
import tempfile
from pathlib import Path

from demo.devstack import start_mosquitto
from demo.ports import free_port
from protocol.link import Link, tls_client
from provisioning import pki
from provisioning.broker import write_broker_config

USER = "yc-broker"


def service_user() -> str:
    """Return the unprivileged user the broker drops to (made as a system user when we are root)."""
    if os.geteuid() != 0:
        return getpass.getuser()
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
                       capture_output=True, text=True, check=False, timeout=60)
    pwd.getpwnam(USER)
    return USER


def test_broker_config_as_root_runs_mosquitto_as_its_user(tmp_path: Path) -> None:
    user = service_user()
    etc = Path(tempfile.mkdtemp(prefix="yc-etc-"))  # reachable by the user, as /etc is (pytest's tmp is not)
    etc.chmod(0o755)
    ca, out = tmp_path / "ca", etc / "mosquitto"
    pki.init_ca(ca, b"correct horse battery", ("localhost", "127.0.0.1"))
    port = free_port()
    conf = write_broker_config(ca, out, port=port, bind="127.0.0.1", services_port=free_port(), run_as=user)
    uid = pwd.getpwnam(user).pw_uid
    for name in ("broker.key", "passwd", "crl.pem", "mosquitto.log"):
        info = (out / name).stat()
        assert info.st_uid == uid, name
    assert (out / "broker.key").stat().st_mode & 0o777 == 0o600
    broker = start_mosquitto(conf, port)
    try:
        claim = ca / "claim"
        link = Link("127.0.0.1", port, str(claim / "ca.pem"), str(claim / "claim.pem"), str(claim / "claim.key"))
        accepted: queue.Queue[bool] = queue.Queue()
        client = tls_client("claim", link)
        client.on_connect = lambda c, u, f, reason, p: accepted.put(not reason.is_failure)
        client.connect("127.0.0.1", port)
        client.loop_start()
        assert accepted.get(timeout=10)
        client.loop_stop()
        client.disconnect()
    finally:
        broker.terminate()
        broker.wait(timeout=10)
    assert (out / "mosquitto.log").stat().st_size > 0  # it could write its log as the user
    shutil.rmtree(etc)
