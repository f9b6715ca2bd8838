"""Certificate rotation at two thirds of the certificate's life, against real mosquitto, the real PKI and real SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from central.platform import keys as central_keys
from central.platform import queries
from central.platform.database import make_engine
from central.platform.registry import CACHE_SECONDS, Registry
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from protocol import topics
from protocol.clock import TrustedClock
from protocol.envelope import Header, seal
from protocol.keypass import key_password
from protocol.link import Link, tls_client
from provisioning import pki
from provisioning.renewal import Renewer
from provisioning.tokens import HallProfile, create_tokens
from sync.keys import load_terminal_keys
from sync.rotation import DueWatch, _installing, identity_of, resume, sign_request, unconfirmed
from tests.common import ROOT
from tests.kiosk.store.helpers import submit
from tests.provisioning.test_enrollment_flow import PASSPHRASE, Fleet, enroll, publish_as

AT_61_PERCENT = ["faketime", "-f", "+55d"]  # 55 of 90 days: 61 % of the certificate's life, before two thirds
AT_68_PERCENT = ["faketime", "-f", "+61d"]  # 61 of 90 days: past two thirds
FAKE_ENV = {"FAKETIME_DONT_FAKE_MONOTONIC": "1"}


def sync_run(config: Path, *, fake: list[str] | None = None, timeout: str = "60") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(fake or []), sys.executable, str(ROOT / "main.py"), "sync", "run", "--until-drained",
                           "--timeout", timeout], capture_output=True, text=True, cwd=ROOT, timeout=180, check=False,
                          env={**os.environ, **FAKE_ENV, "YICHUANG_CONFIG": str(config)})


def queue_applications(terminal_dir: Path, first: int, count: int) -> set[str]:
    store = open_store(terminal_dir / "store.db", KeyFileProvider(terminal_dir / "store.key"))
    try:
        return {str(submit(store, i).id) for i in range(first, first + count)}
    finally:
        store.close()


def device_password(terminal_dir: Path) -> str:
    store = open_store(terminal_dir / "store.db", KeyFileProvider(terminal_dir / "store.key"))
    try:
        return key_password(store.device_secret())
    finally:
        store.close()


def serial(cert_file: Path) -> str:
    return format(x509.load_pem_x509_certificate(cert_file.read_bytes()).serial_number, "x")


def connects(link: Link) -> bool:
    client = tls_client("LC0001", link)
    try:
        client.connect(link.host, link.port)
        for _ in range(50):
            client.loop(0.1)
            if client.is_connected():
                return True
    except OSError:
        return False
    finally:
        client.disconnect()
    return False


def enrolled(fleet: Fleet, tmp_path: Path) -> Path:
    (token,) = create_tokens(make_engine(fleet.db_url), HallProfile("lc-center", "hall", "LC"), timedelta(hours=1))
    terminal_dir = tmp_path / "terminal"
    done = enroll(fleet, token, terminal_dir)
    assert done.returncode == 0, done.stderr
    return terminal_dir


def test_rotation_past_two_thirds_switches_revokes_and_loses_nothing(fleet: Fleet, tmp_path: Path) -> None:
    terminal_dir = enrolled(fleet, tmp_path)
    config, pki_dir = terminal_dir / "terminal.toml", terminal_dir / "pki"
    sent = queue_applications(terminal_dir, 0, 5)
    assert sync_run(config).returncode == 0  # at 0 % of its life: no rotation
    first = serial(pki_dir / "terminal.pem")
    old_copy = tmp_path / "old"
    old_copy.mkdir()
    for name in ("terminal.pem", "terminal.key", "ca.pem"):
        (old_copy / name).write_bytes((pki_dir / name).read_bytes())
    password = device_password(terminal_dir)
    old_keys = load_terminal_keys(pki_dir / "terminal.key", pki_dir / "uplink.pub", pki_dir / "ack.pub", password)
    header = Header("LC0001", 900, str(uuid.uuid4()), "rating", "2026-11-22T07:00:00+00:00", "boot")
    in_flight = seal(header, json.dumps({"level": 3, "application_id": None}).encode(), old_keys.central,
                     old_keys.signer)  # sealed with the old key before the switch, reaching central after it

    early = queue_applications(terminal_dir, 5, 3)
    assert sync_run(config, fake=AT_61_PERCENT).returncode == 0
    assert serial(pki_dir / "terminal.pem") == first  # 61 %: not yet
    queued = early | queue_applications(terminal_dir, 8, 2)
    rotated = sync_run(config, fake=AT_68_PERCENT)
    assert rotated.returncode == 0, rotated.stderr
    assert "certificate rotated" in rotated.stderr, rotated.stderr[-3000:]
    second = serial(pki_dir / "terminal.pem")
    assert second != first
    assert b"ENCRYPTED PRIVATE KEY" in (pki_dir / "terminal.key").read_bytes()
    assert (pki_dir / "terminal.key").stat().st_mode & 0o777 == 0o600
    assert not list(pki_dir.glob(".*.new"))  # the staging files were moved into place

    # central: the registry holds the new certificate, the CA revoked the old one (index and CRL)
    registry = Registry(make_engine(fleet.db_url))
    standing = registry.standing("LC0001")
    assert standing.key == x509.load_pem_x509_certificate((pki_dir / "terminal.pem").read_bytes()).public_key()
    index = {e["serial"]: e for e in json.loads((fleet.ca / "issuing" / "issued.json").read_text())}
    assert index[first]["revoked_at"] is not None and index[second]["revoked_at"] is None  # noqa: PT018
    crl = x509.load_pem_x509_crl((fleet.ca / "issuing" / "crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(int(first, 16)) is not None
    assert crl.get_revoked_certificate_by_serial_number(int(second, 16)) is None

    # an envelope signed with the old key, in flight across the switch, is still stored; a stranger's is not
    assert fleet.worker.ingest.handle(topics.up("LC0001", "rating"), in_flight).status == "stored"
    stranger = seal(Header("LC0001", 901, str(uuid.uuid4()), "rating", "2026-11-22T07:00:00+00:00", "boot"),
                    b'{"level": 1, "application_id": null}', old_keys.central, ec.generate_private_key(ec.SECP256R1()))
    assert fleet.worker.ingest.handle(topics.up("LC0001", "rating"), stranger).reason == "bad_signature"

    # after a broker restart (which reads the CRL) the old certificate is refused, the new one works
    fleet.restart_broker()
    assert not connects(Link("127.0.0.1", fleet.port, str(old_copy / "ca.pem"), str(old_copy / "terminal.pem"),
                             str(old_copy / "terminal.key"), password))
    later = queue_applications(terminal_dir, 10, 5)
    assert sync_run(config).returncode == 0
    stored = fleet.worker.ingest.stored_ids()
    applications = sent | queued | later
    assert applications <= set(stored)
    assert len(stored) == len(set(stored)) == len(applications) + 1  # each once, and the in-flight rating
    assert serial(pki_dir / "terminal.pem") == second  # no second rotation at 0 % of the new certificate's life
    assert not unconfirmed(pki_dir / "terminal.pem").exists()
    unconfirmed(pki_dir / "terminal.pem").touch()  # as if the confirmation had been lost: the next start sends it
    assert sync_run(config).returncode == 0
    assert not unconfirmed(pki_dir / "terminal.pem").exists()
    assert serial(pki_dir / "terminal.pem") == second
    opened = central_keys.load(fleet.ca / "central", PASSPHRASE)
    for message in (next(iter(sent)), next(iter(later))):  # signed with the old key, and with the new one
        assert queries.content(make_engine(fleet.db_url), opened, message)


@pytest.fixture
def renewer(tmp_path: Path) -> tuple[Renewer, pki.Issuer, Registry]:
    issuer = pki.init_ca(tmp_path / "ca", PASSPHRASE, ("localhost",))
    engine = make_engine(f"sqlite:///{tmp_path}/central.db")
    return Renewer(engine, issuer, 90), issuer, Registry(engine)


def register(issuer: pki.Issuer, registry: Registry, terminal: str) -> ec.EllipticCurvePrivateKey:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issuer.issue(terminal, key.public_key(), 90)
    registry.add(terminal, cert.public_bytes(serialization.Encoding.PEM), hall="lc-center")
    return key


def renewal(key: ec.EllipticCurvePrivateKey, signer: ec.EllipticCurvePrivateKey) -> bytes:
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LC0001")]))
           .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())
    return sign_request({"v": 1, "kind": "renew", "csr": csr}, signer)


def test_forged_replayed_revoked_and_malformed_requests_are_refused(
        renewer: tuple[Renewer, pki.Issuer, Registry]) -> None:
    service, issuer, registry = renewer
    current = register(issuer, registry, "LC0001")
    new = ec.generate_private_key(ec.SECP256R1())
    forged = service.answer("LC0001", renewal(new, ec.generate_private_key(ec.SECP256R1())))
    assert (forged["status"], forged["reason"]) == ("refused", "bad_signature")
    assert service.answer("LC0009", renewal(new, current))["reason"] == "unknown_terminal"  # another id's topic
    assert service.answer("LC0001", b'{"v": 1, "kind": "renew"')["reason"] == "bad_request"
    assert service.answer("LC0001", b"x" * 20_000)["reason"] == "bad_request"
    assert service.answer("LC0001", renewal(current, current))["reason"] == "bad_csr"  # the same key again
    request = renewal(new, current)
    first = service.answer("LC0001", request)
    assert first["status"] == "ok"
    assert service.answer("LC0001", request) == first  # the answer was lost: asked again, the same certificate
    confirm = sign_request({"v": 1, "kind": "confirm"}, current)
    assert service.answer("LC0001", confirm)["reason"] == "bad_signature"  # a confirm comes from the new key only
    time.sleep(CACHE_SECONDS)
    confirmed = service.answer("LC0001", sign_request({"v": 1, "kind": "confirm"}, new))
    assert (confirmed["status"], confirmed["revoked"]) == ("ok", 1)  # the replaced certificate
    assert service.answer("LC0001", request)["reason"] == "bad_signature"  # a replay after the switch
    registry.revoke("LC0001", "stolen")
    newer = ec.generate_private_key(ec.SECP256R1())
    assert service.answer("LC0001", renewal(newer, new))["reason"] == "revoked_terminal"


def test_a_terminal_may_not_use_another_terminals_certificate_topics(fleet: Fleet, tmp_path: Path) -> None:
    terminal_dir = enrolled(fleet, tmp_path)
    outside = publish_as(terminal_dir, fleet.port, topics.pki_request("LC0002"))
    assert isinstance(outside, mqtt.ReasonCode)
    assert outside.is_failure and outside.value == 0x87  # noqa: PT018
    inside = publish_as(terminal_dir, fleet.port, topics.pki_request("LC0001"))
    assert not inside.is_failure


def test_the_running_agent_stops_for_rotation_once_the_certificate_is_due(tmp_path: Path) -> None:
    issuer = pki.init_ca(tmp_path / "ca", PASSPHRASE, ("localhost",))
    cert = issuer.issue("LC0001", ec.generate_private_key(ec.SECP256R1()).public_key(), 90)
    cert_file = tmp_path / "terminal.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    moment = [cert.not_valid_before_utc + timedelta(days=59)]  # 66 % of 90 days: not yet
    clock = TrustedClock(tmp_path / "last-good-time", system=lambda: moment[0])
    stop = threading.Event()
    watch = DueWatch(cert_file, clock, stop, every=0.0)
    watch()
    assert not watch.due and not stop.is_set()  # noqa: PT018
    moment[0] += timedelta(days=2)  # 68 %
    watch()
    assert watch.due and stop.is_set()  # noqa: PT018
    hourly = DueWatch(cert_file, clock, threading.Event())
    hourly()
    assert not hourly.due  # the first check waits an hour: a rotation that failed at start does not loop
    assert not hourly.replaced and not hourly.stop.is_set()  # noqa: PT018
    replacement = tmp_path / "new.pem"  # a re-enrollment moves a new certificate into place
    replacement.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    replacement.replace(cert_file)
    hourly()
    assert hourly.replaced and hourly.stop.is_set() and not hourly.due  # noqa: PT018
    loaded = identity_of(cert_file)  # what the agent loaded its keys from
    newer = tmp_path / "newer.pem"
    newer.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    newer.replace(cert_file)  # replaced before the agent's watch began
    late = DueWatch(cert_file, clock, threading.Event(), loaded=loaded)
    late()
    assert late.replaced


def test_an_install_cut_by_a_power_failure_is_finished_or_dropped(tmp_path: Path) -> None:
    cert_file, key_file = tmp_path / "terminal.pem", tmp_path / "terminal.key"
    cert_file.write_text("old cert")
    key_file.write_text("new key")  # the key had moved when the power went
    (tmp_path / ".terminal.pem.new").write_text("new cert")
    resume(cert_file, key_file)
    assert cert_file.read_text() == "new cert"
    assert not (tmp_path / ".terminal.pem.new").exists()
    (tmp_path / ".terminal.pem.new").write_text("newer cert")  # nothing had moved: the old pair stays
    (tmp_path / ".terminal.key.new").write_text("newer key")
    resume(cert_file, key_file)
    assert (cert_file.read_text(), key_file.read_text()) == ("new cert", "new key")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".install.lock", "terminal.key", "terminal.pem"]


RESUME = ("import sys; from pathlib import Path; from sync.rotation import resume; print('ready', flush=True); "
          "resume(Path(sys.argv[1]), Path(sys.argv[2]))")


def test_an_agent_starting_during_the_kiosks_install_waits_for_it(tmp_path: Path) -> None:
    cert_file, key_file = tmp_path / "terminal.pem", tmp_path / "terminal.key"
    cert_file.write_text("old cert")
    key_file.write_text("old key")
    with _installing(cert_file):  # the kiosk re-enrolling: its certificate staged, its key still being written
        (tmp_path / ".terminal.pem.new").write_text("new cert")
        agent = subprocess.Popen([sys.executable, "-c", RESUME, str(cert_file), str(key_file)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True)
        assert agent.stdout is not None
        assert agent.stdout.readline() == "ready\n"
        time.sleep(0.5)  # unlocked, resume() took the staged certificate for a power cut's by now
        (tmp_path / ".terminal.key.new").write_text("new key")
        (tmp_path / ".terminal.key.new").replace(key_file)
        (tmp_path / ".terminal.pem.new").replace(cert_file)
    assert agent.wait(timeout=30) == 0
    assert (cert_file.read_text(), key_file.read_text()) == ("new cert", "new key")


def test_a_command_result_signed_before_a_rotation_is_still_the_terminals() -> None:
    from central.platform.dispatch import _open_result
    from protocol.command import CommandError, Result, sign_result

    old, new = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    result = Result(id=uuid.uuid4().hex, terminal="LC0001", seq=5, status="succeeded", at="2026-12-03T08:00:00+00:00")
    payload = sign_result(result, old)
    assert _open_result(payload, (new.public_key(), old.public_key()), "LC0001") == result
    with pytest.raises(CommandError) as caught:
        _open_result(payload, (new.public_key(),), "LC0001")
    assert caught.value.reason == "bad_signature"
