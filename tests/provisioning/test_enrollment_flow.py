"""A bare terminal, one command and a token: enrolled, its applications reach central; revocation cuts it off."""

from __future__ import annotations

import getpass
import json
import os
import pwd
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from central.platform import keys
from central.platform.database import make_engine
from central.platform.ingest import Ingest
from central.platform.worker import IngestWorker
from demo.devstack import start_mosquitto
from demo.ports import free_port
from kiosk.config import load_config
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from protocol.keypass import key_password
from protocol.link import Link, tls_client
from provisioning import pki
from provisioning.broker import write_broker_config
from provisioning.service import Enroller, EnrollmentService, service_link
from provisioning.tokens import HallProfile, create_tokens
from tests.common import ROOT
from tests.kiosk.store.helpers import submit
from tests.sync.stack import SAMPLE_ARCHIVE

PASSPHRASE = b"correct horse battery"


@dataclass
class Fleet:
    ca: Path
    port: int
    services_port: int
    broker_dir: Path
    broker: subprocess.Popen[bytes]
    db_url: str
    worker: IngestWorker
    enrollment: EnrollmentService

    @property
    def url(self) -> str:
        return f"mqtts://127.0.0.1:{self.port}"

    def restart_broker(self) -> None:
        self.broker.terminate()
        self.broker.wait(timeout=10)
        conf = write_broker_config(self.ca, self.broker_dir, port=self.port, bind="127.0.0.1",
                                   services_port=self.services_port, run_as=getpass.getuser())
        self.broker = start_mosquitto(conf, self.port)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    with running_fleet(tmp_path) as running:
        yield running


@contextmanager
def running_fleet(tmp_path: Path) -> Iterator[Fleet]:
    """A fleet in ``tmp_path``: its CA, broker, database, ingest worker and enrollment service."""
    ca = tmp_path / "ca"
    issuer = pki.init_ca(ca, PASSPHRASE, ("localhost", "127.0.0.1"))
    port, services_port = free_port(), free_port()
    broker_dir = tmp_path / "broker"
    conf = write_broker_config(ca, broker_dir, port=port, bind="127.0.0.1", services_port=services_port,
                               run_as=getpass.getuser())
    broker = start_mosquitto(conf, port)
    db_url = f"sqlite:///{tmp_path}/central.db"
    engine = make_engine(db_url)
    link = service_link(ca, "127.0.0.1", services_port)
    worker = IngestWorker(Ingest(engine, keys.load(ca / "central", PASSPHRASE), SAMPLE_ARCHIVE), link)
    enrollment = EnrollmentService(Enroller(engine, issuer), link)
    worker.start()
    enrollment.start()
    assert worker.ready.wait(10)
    assert enrollment.ready.wait(10)
    running = Fleet(ca, port, services_port, broker_dir, broker, db_url, worker, enrollment)
    yield running
    enrollment.stop()
    worker.stop()
    running.broker.terminate()  # the one running now: a test may have restarted it
    running.broker.wait(timeout=10)


def yichuang(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, check=False, env={**os.environ, **(env or {})})


def base_config(target: Path) -> dict[str, str]:
    """The terminal image's base configuration: where its store and store key live (no identity yet)."""
    target.mkdir(parents=True, exist_ok=True)
    base = target.parent / f"{target.name}-base.toml"
    base.write_text(f'[store]\npath = "{target / "store.db"}"\nkey_provider = "file"\n'
                    f'key_file = "{target / "store.key"}"\n')
    return {"YICHUANG_CONFIG": str(base)}


def enroll(fleet: Fleet, token: str, target: Path) -> subprocess.CompletedProcess[str]:
    return yichuang("provision", "enroll", "--token", token, "--broker", fleet.url, "--claim-dir",
                    str(fleet.ca / "claim"), "--config-dir", str(target), "--pin", "246810",
                    "--time-file", str(target / "last-good-time"), env=base_config(target))


def test_enroll_submit_sync_then_revoke(fleet: Fleet, tmp_path: Path) -> None:
    engine = make_engine(fleet.db_url)
    token, spare = create_tokens(engine, HallProfile("lc-center", "hall", "LC", "一楼东侧"), timedelta(hours=1), 2)
    terminal_dir = tmp_path / "terminal"
    done = enroll(fleet, token, terminal_dir)
    assert done.returncode == 0, done.stderr
    assert "enrolled as LC0001 in hall lc-center" in done.stdout
    config = terminal_dir / "terminal.toml"
    text = config.read_text()
    assert 'id = "LC0001"' in text and "scrypt$" in text and "246810" not in text  # noqa: PT018
    device_key = terminal_dir / "pki" / "terminal.key"
    assert device_key.stat().st_mode & 0o777 == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in device_key.read_bytes()  # under the store's key provider
    verified = subprocess.run(["openssl", "verify", "-CAfile", str(fleet.ca / "root" / "ca.pem"), "-untrusted",
                               str(fleet.ca / "issuing" / "ca.pem"), str(terminal_dir / "pki" / "terminal.pem")],
                              capture_output=True, text=True, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    pinned = terminal_dir / "pki" / "catalog.pub"  # catalog releases are checked against the CA's signing key
    assert pinned.read_bytes() == (fleet.ca / "signing" / "catalog.pub").read_bytes()
    assert f'signing_key = "{pinned}"' in text
    commands = terminal_dir / "pki" / "command.pub"  # and remote commands against the command-signing key
    assert commands.read_bytes() == (fleet.ca / "signing" / "command.pub").read_bytes()
    assert f'command_key = "{commands}"' in text

    # the enrolled terminal takes applications and they reach central through the generated broker config
    store = open_store(terminal_dir / "store.db", KeyFileProvider(terminal_dir / "store.key"))
    submitted = {str(submit(store, i).id) for i in range(5)}
    store.close()
    env = {"YICHUANG_CONFIG": str(config)}
    drained = yichuang("sync", "run", "--until-drained", "--timeout", "60", env=env)
    assert drained.returncode == 0, drained.stderr
    assert set(fleet.worker.ingest.stored_ids()) == submitted

    # the same token again: refused, and the second terminal is left clean to retry with another token
    again = enroll(fleet, token, tmp_path / "second")
    assert again.returncode == 1
    assert "already used for LC0001" in again.stderr
    assert not (tmp_path / "second" / "terminal.toml").exists()
    assert not (tmp_path / "second" / "pki").exists()
    assert not (tmp_path / ".second.enrolling").exists()

    # the enrolled certificate may publish only below its own up/
    outside = publish_as(terminal_dir, fleet.port, "yc/v1/t/LC0002/up/app")
    assert outside.is_failure and outside.value == 0x87  # noqa: PT018

    # revocation: the CRL, the registry, and a broker restart cut it off
    revoked = yichuang("provision", "revoke", "LC0001", "--ca-dir", str(fleet.ca), "--reason", "stolen",
                       "--db", fleet.db_url, env={"YC_CA_PASSPHRASE": PASSPHRASE.decode()})
    assert revoked.returncode == 0, revoked.stderr
    fleet.restart_broker()
    store = open_store(terminal_dir / "store.db", KeyFileProvider(terminal_dir / "store.key"))
    submit(store, 9)
    store.close()
    cut_off = yichuang("sync", "run", "--until-drained", "--timeout", "6", env=env)
    assert cut_off.returncode == 3
    assert "certificate" in cut_off.stderr
    status = json.loads(yichuang("provision", "status", "LC0001", "--ca-dir", str(fleet.ca), "--json",
                                 "--db", fleet.db_url).stdout)
    assert status["registry"]["revoked_reason"] == "stolen"
    assert status["certificates"][0]["revoked_at"] is not None
    assert len(fleet.worker.ingest.stored_ids()) == 5
    assert spare  # the other token is still there for the replacement terminal


def publish_as(terminal_dir: Path, port: int, topic: str) -> mqtt.ReasonCode:
    pki_dir = terminal_dir / "pki"
    store = open_store(terminal_dir / "store.db", KeyFileProvider(terminal_dir / "store.key"))
    password = key_password(store.device_secret())  # the device key's password comes from the store
    store.close()
    link = Link("127.0.0.1", port, str(pki_dir / "ca.pem"), str(pki_dir / "terminal.pem"), str(pki_dir / "terminal.key"),
                password)
    client = tls_client("outside-test", link)
    codes: list[mqtt.ReasonCode] = []
    client.on_publish = lambda c, u, mid, rc, p: codes.append(rc)
    client.connect(link.host, link.port)
    client.loop_start()
    client.publish(topic, b"x", qos=1)
    deadline = time.monotonic() + 10
    while not codes and time.monotonic() < deadline:
        time.sleep(0.05)
    client.loop_stop()
    client.disconnect()
    return codes[0]


FAKE_1970 = ["faketime", "-f", "@1970-01-02 00:00:00"]  # a terminal without RTC: the clock starts in 1970
FAKE_ENV = {"FAKETIME_DONT_FAKE_MONOTONIC": "1"}  # timeouts still run on the real monotonic clock


def in_1970(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAKE_1970, sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, check=False, env={**os.environ, **FAKE_ENV, **(env or {})})


PLAIN_TLS = """
import sys, paho.mqtt.client as mqtt, datetime
print(datetime.date.today())
c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
c.tls_set(ca_certs=sys.argv[1], certfile=sys.argv[2], keyfile=sys.argv[3])
c.connect("127.0.0.1", int(sys.argv[4]))
"""


def test_a_terminal_booted_in_1970_enrolls_and_syncs_and_learns_the_time(fleet: Fleet, tmp_path: Path) -> None:
    claim = fleet.ca / "claim"
    plain = in_1970("-c", PLAIN_TLS, str(claim / "ca.pem"), str(claim / "claim.pem"), str(claim / "claim.key"),
                    str(fleet.port))
    assert plain.stdout.startswith("1970-01-02")  # the fake clock reaches Python and OpenSSL alike
    assert "not yet valid" in plain.stderr  # so plain TLS verification cannot reach the broker

    (token,) = create_tokens(make_engine(fleet.db_url), HallProfile("lc-tangyi-village", "village", "LC"),
                             timedelta(hours=1))
    target = tmp_path / "terminal"
    enrolled = in_1970(str(ROOT / "main.py"), "--debug", "provision", "enroll", "--token", token, "--broker", fleet.url,
                       "--claim-dir", str(claim), "--config-dir", str(target), "--pin", "135790",
                       "--time-file", str(target / "last-good-time"), env=base_config(target))
    assert enrolled.returncode == 0, enrolled.stderr
    config = target / "terminal.toml"
    store = open_store(target / "store.db", KeyFileProvider(target / "store.key"))
    application = submit(store)
    store.close()
    synced = in_1970(str(ROOT / "main.py"), "sync", "run", "--until-drained", "--timeout", "60",
                     env={"YICHUANG_CONFIG": str(config)})
    assert synced.returncode == 0, synced.stderr
    assert fleet.worker.ingest.stored_ids() == [str(application.id)]
    learned = datetime.fromisoformat((target / "last-good-time").read_text())
    assert abs(learned - datetime.now(UTC)) < timedelta(minutes=5)  # central's signed time, not 1970


def test_a_wrong_ca_or_no_broker_is_a_clear_message_and_leaves_nothing(fleet: Fleet, tmp_path: Path) -> None:
    from demo.devstack import ScratchPki

    (token,) = create_tokens(make_engine(fleet.db_url), HallProfile("lc-center", "hall", "LC"), timedelta(hours=1))
    foreign = tmp_path / "foreign-claim"
    foreign.mkdir()
    (foreign / "ca.pem").write_bytes(ScratchPki(tmp_path / "foreign").ca_path.read_bytes())
    for name in ("claim.pem", "claim.key"):
        (foreign / name).write_bytes((fleet.ca / "claim" / name).read_bytes())
    target = tmp_path / "terminal"
    env = base_config(target)
    wrong_ca = yichuang("provision", "enroll", "--token", token, "--broker", fleet.url, "--claim-dir", str(foreign),
                        "--config-dir", str(target), "--pin", "246810", "--time-file", str(tmp_path / "t"), env=env)
    assert wrong_ca.returncode == 1
    assert "not this fleet's CA" in wrong_ca.stderr
    no_broker = yichuang("provision", "enroll", "--token", token, "--broker", f"mqtts://127.0.0.1:{free_port()}",
                         "--claim-dir", str(fleet.ca / "claim"), "--config-dir", str(target), "--pin", "246810",
                         "--time-file", str(tmp_path / "t"), env=env)
    assert no_broker.returncode == 1
    assert "cannot reach the broker" in no_broker.stderr
    assert list(target.iterdir()) == []  # nothing written
    ok = yichuang("provision", "enroll", "--token", token, "--broker", fleet.url, "--claim-dir",
                  str(fleet.ca / "claim"), "--config-dir", str(target), "--pin", "246810",
                  "--time-file", str(tmp_path / "t"), env=env)
    assert ok.returncode == 0, ok.stderr  # the token was not spent by the failed attempts


def test_enrolling_keeps_the_images_devices_paper_and_panel(fleet: Fleet, tmp_path: Path) -> None:
    """#23 defect 4: a production image names real devices; enrollment adds identity, never resets them."""
    (token,) = create_tokens(make_engine(fleet.db_url), HallProfile("lc-center", "hall", "LC"), timedelta(hours=1))
    target = tmp_path / "terminal"
    env = base_config(target)
    base = Path(env["YICHUANG_CONFIG"])
    base.write_text(base.read_text() + '\n[devices]\ncard_reader = "serial:///dev/ttyUSB0?baud=115200"\n'
                    'printer = "tcp://192.0.2.10:9100"\nspeaker = "alsa://default"\n[printer]\npaper_mm = 80\n'
                    '[ui]\npanel_inches = 32.0\nidle_timeout_s = 90\n[log]\nlevel = "WARNING"\n')
    done = yichuang("provision", "enroll", "--token", token, "--broker", fleet.url, "--claim-dir",
                    str(fleet.ca / "claim"), "--config-dir", str(target), "--pin", "246810",
                    "--time-file", str(target / "last-good-time"), env=env)
    assert done.returncode == 0, done.stderr
    written = load_config(target / "terminal.toml")
    assert written.terminal.id == "LC0001"
    assert written.devices.card_reader == "serial:///dev/ttyUSB0?baud=115200"
    assert written.devices.printer == "tcp://192.0.2.10:9100"
    assert written.devices.speaker == "alsa://default"
    assert written.printer.paper_mm == 80
    assert (written.ui.panel_inches, written.ui.idle_timeout_s) == (32.0, 90)
    assert written.log.level == "WARNING"
    assert written.store.path == target / "store.db"
    assert written.technician.pin_hash.startswith("scrypt$")


def test_a_root_enrollment_hands_its_files_to_the_service_user(fleet: Fleet, tmp_path: Path) -> None:
    """#23 defect 5: the units run as the service user, who must read what a root enrollment wrote."""
    from tests.provisioning.test_broker_as_root import service_user

    user = service_user()
    (token,) = create_tokens(make_engine(fleet.db_url), HallProfile("lc-center", "hall", "LC"), timedelta(hours=1))
    target = tmp_path / "terminal"
    done = yichuang("provision", "enroll", "--token", token, "--broker", fleet.url, "--claim-dir",
                    str(fleet.ca / "claim"), "--config-dir", str(target), "--pin", "246810",
                    "--time-file", str(target / "last-good-time"), "--owner", user, env=base_config(target))
    assert done.returncode == 0, done.stderr
    uid = pwd.getpwnam(user).pw_uid
    written = [target / "terminal.toml", target / "pki", *(target / "pki").iterdir(), target / "store.db",
               target / "store.key"]
    assert {path.name: path.stat().st_uid for path in written} == {path.name: uid for path in written}
    assert (target / "terminal.toml").stat().st_mode & 0o777 == 0o600  # handed over, still private
    assert (target / "pki" / "terminal.key").stat().st_mode & 0o777 == 0o600
