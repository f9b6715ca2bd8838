"""An enrolled terminal decommissioned (#26): retired at central, its certificate in the CRL, the broker refuses it.

The real enrollment, PKI, broker and central; the certificate and device key are copied off the
disk before the decommission (as a thief with an old disk image would have them) and tried after.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import timedelta
from pathlib import Path

from central.platform.database import make_engine
from central.platform.registry import Registry
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from protocol.keypass import key_password
from protocol.link import Link, tls_client
from provisioning.tokens import HallProfile, create_tokens
from tests.kiosk.store.helpers import ID_NUMBER, NAME, PHONE, submit
from tests.provisioning.test_enrollment_flow import PASSPHRASE, Fleet, enroll, fleet, yichuang  # noqa: F401


def _connects(link: Link) -> bool:
    """Return whether the broker accepts a TLS connection with ``link``'s certificate."""
    client = tls_client("decommission-test", link)
    outcome: list[bool] = []
    client.on_connect = lambda c, u, f, rc, p: outcome.append(not rc.is_failure)
    client.on_disconnect = lambda c, u, f, rc, p: outcome.append(False)
    try:
        client.connect(link.host, link.port)
    except OSError:
        return False
    client.loop_start()
    deadline = time.monotonic() + 10
    while not outcome and time.monotonic() < deadline:
        time.sleep(0.05)
    client.loop_stop()
    client.disconnect()
    return bool(outcome) and outcome[0]


def test_a_decommissioned_terminal_is_retired_revoked_and_refused(fleet: Fleet, tmp_path: Path) -> None:  # noqa: F811
    engine = make_engine(fleet.db_url)
    (token,) = create_tokens(engine, HallProfile("lc-center", "hall", "LC", "一楼东侧"), timedelta(hours=1), 1)
    terminal_dir = tmp_path / "terminal"
    assert enroll(fleet, token, terminal_dir).returncode == 0
    store = open_store(terminal_dir / "store.db", KeyFileProvider(terminal_dir / "store.key"))
    for i in range(3):
        submit(store, i)
    password = key_password(store.device_secret())
    store.close()
    env = {"YICHUANG_CONFIG": str(terminal_dir / "terminal.toml")}
    assert yichuang("sync", "run", "--until-drained", "--timeout", "60", env=env).returncode == 0
    thief = tmp_path / "copied-pki"
    shutil.copytree(terminal_dir / "pki", thief)
    copied = Link("127.0.0.1", fleet.port, str(thief / "ca.pem"), str(thief / "terminal.pem"),
                  str(thief / "terminal.key"), password)
    assert _connects(copied)

    done = yichuang("decommission", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert "central acknowledged the decommission notice: LC0001 is retired there" in done.stdout
    leftovers = b"".join(p.read_bytes() for p in terminal_dir.rglob("*") if p.is_file())
    for value in (NAME, ID_NUMBER, PHONE):
        for codec in ("utf-8", "gbk", "utf-16-le"):
            assert value.encode(codec) not in leftovers
    assert (thief / "terminal.key").read_bytes() not in leftovers
    assert "scrypt$" not in (terminal_dir / "terminal.toml").read_text()  # the technician PIN's hash is gone

    assert Registry(engine).status("LC0001")["retired_at"] is not None  # type: ignore[index]  # its own notice
    refresh = yichuang("provision", "crl", "refresh", "--ca-dir", str(fleet.ca), "--broker-dir", str(fleet.broker_dir),
                       "--json", env={"YC_CA_PASSPHRASE": PASSPHRASE.decode(),  # the daily unit's central.env
                                      "YC_CENTRAL_DB": fleet.db_url})
    assert refresh.returncode == 0, refresh.stderr
    assert json.loads(refresh.stdout)["retired_revoked"] == ["LC0001"]
    fleet.restart_broker()
    assert not _connects(copied)  # the CRL reached the broker: the old identity is refused
    status = json.loads(yichuang("provision", "status", "LC0001", "--ca-dir", str(fleet.ca), "--json",
                                 "--db", fleet.db_url).stdout)
    assert status["certificates"][0]["revoked_at"] is not None
    assert status["registry"]["retired_at"] is not None
    assert Registry(engine).standing("LC0001").revoked
    again = yichuang("provision", "crl", "refresh", "--ca-dir", str(fleet.ca), "--db", fleet.db_url, "--json",
                     env={"YC_CA_PASSPHRASE": PASSPHRASE.decode()})
    assert json.loads(again.stdout)["retired_revoked"] == []  # revoked once
