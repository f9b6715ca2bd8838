"""Issue #21 finding 10: a claim medium reads no other medium's answers, and its flood delays no one else's enrollment."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import Engine

from central.platform.database import make_engine
from protocol import topics
from protocol.clock import TrustedClock
from protocol.link import Link, tls_client
from protocol.ratelimit import RateLimit
from provisioning import pki
from provisioning.broker import write_broker_config
from provisioning.enroll import _request
from provisioning.service import BURST, Enroller, EnrollmentService, service_link
from provisioning.tokens import HallProfile, create_tokens
from tests.common import ROOT
from tests.provisioning.loopback import PASSPHRASE, loopback_broker
from tests.scrape import listener, scrape

FLOOD = 3_000
CLIENT_TIMEOUT = 20.0  # provisioning.enroll's default


@dataclass
class Medium:
    cn: str
    link: Link


@dataclass
class Fleet:
    ca: Path
    issuer: pki.Issuer
    port: int
    engine: Engine
    service: EnrollmentService

    def medium(self, folder: Path) -> Medium:
        """Issue a claim medium of its own into ``folder``."""
        cn = pki.issue_claim_medium(self.issuer, folder)
        return Medium(cn, Link("127.0.0.1", self.port, str(folder / "ca.pem"), str(folder / "claim.pem"),
                               str(folder / "claim.key")))

    def token(self) -> str:
        (token,) = create_tokens(self.engine, HallProfile("lc-center", "hall", "LC"), timedelta(hours=1))
        return token


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    broker = loopback_broker(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path}/central.db")
    service = EnrollmentService(Enroller(engine, broker.issuer), service_link(broker.ca, "127.0.0.1",
                                                                             broker.services_port))
    service.start()
    assert service.ready.wait(10)
    yield Fleet(broker.ca, broker.issuer, broker.port, engine, service)
    service.stop()
    broker.stop()


def csr() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return (x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "enrollment")]))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))


class Eavesdropper:
    """A claim medium subscribed to every answer topic it can name."""

    def __init__(self, medium: Medium) -> None:
        self.messages: list[str] = []
        self.subscribed = threading.Event()
        self.client = tls_client(medium.cn, medium.link)
        self.client.on_message = lambda c, u, m: self.messages.append(m.topic)
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.subscribed.set()
        self.client.connect(medium.link.host, medium.link.port)
        self.client.subscribe([(f"{topics.CLAIM_PREFIX}/+/resp", 1), (f"{topics.CLAIM_PREFIX}/#", 1), ("#", 1)])
        self.client.loop_start()
        assert self.subscribed.wait(10)

    def publish(self, topic: str) -> ReasonCode:
        """Publish at QoS 1 and return the broker's PUBACK reason."""
        codes: list[ReasonCode] = []
        self.client.on_publish = lambda c, u, mid, rc, p: codes.append(rc)
        self.client.publish(topic, b"{}", qos=1).wait_for_publish(10)
        deadline = time.monotonic() + 5
        while not codes and time.monotonic() < deadline:
            time.sleep(0.02)
        return codes[0]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def test_another_medium_reads_no_answer_and_writes_no_request_in_its_name(fleet: Fleet, tmp_path: Path) -> None:
    genuine, other = fleet.medium(tmp_path / "genuine"), fleet.medium(tmp_path / "other")
    eavesdropper = Eavesdropper(other)
    try:
        answer = _request(genuine.link, fleet.token(), csr(), CLIENT_TIMEOUT, TrustedClock(tmp_path / "time"))
        assert answer["status"] == "ok"
        assert answer["terminal"] == "LC0001"
        time.sleep(0.5)  # an answer wrongly delivered would have arrived by now
        # the fleet's CRL is public (only the CA's signature makes it count): a medium the broker's configuration
        # does not list yet may read it, as anyone could
        assert [topic for topic in eavesdropper.messages if topic != topics.CRL] == []
        assert eavesdropper.publish(topics.claim_request(genuine.cn)).is_failure  # not in another's name
        assert eavesdropper.publish(topics.claim_response(genuine.cn)).is_failure  # nor a forged answer
    finally:
        eavesdropper.close()


def flood(medium: Medium, count: int) -> float:
    """Send ``count`` well-formed requests with unknown tokens as fast as possible; return how long it took."""
    client = tls_client(medium.cn, medium.link)
    client.max_queued_messages_set(0)
    client.connect(medium.link.host, medium.link.port)
    client.loop_start()
    payload = json.dumps({"v": 1, "token": "X" * 32, "csr": csr().decode()}).encode()
    began = time.monotonic()
    for _ in range(count - 1):
        client.publish(topics.claim_request(medium.cn), payload, qos=0)
    client.publish(topics.claim_request(medium.cn), payload, qos=1).wait_for_publish(60)
    took = time.monotonic() - began
    client.loop_stop()
    client.disconnect()
    return took


def test_a_flood_from_one_medium_does_not_delay_another_ones_enrollment(fleet: Fleet, tmp_path: Path) -> None:
    attacker, technician = fleet.medium(tmp_path / "attacker"), fleet.medium(tmp_path / "technician")
    token = fleet.token()
    flooding = threading.Thread(target=flood, args=(attacker, FLOOD))
    flooding.start()
    time.sleep(0.3)  # the flood is under way when the technician enrolls
    began = time.monotonic()
    answer = _request(technician.link, token, csr(), CLIENT_TIMEOUT, TrustedClock(tmp_path / "time"))
    took = time.monotonic() - began
    flooding.join(120)
    assert answer["status"] == "ok"
    assert took < CLIENT_TIMEOUT / 4, f"the genuine enrollment took {took:.1f} s"
    deadline = time.monotonic() + 30
    while sum(fleet.service.dropped.values()) < FLOOD - BURST - 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(fleet.service.dropped) == {attacker.cn}  # the technician's medium lost nothing
    assert fleet.service.dropped[attacker.cn] >= FLOOD - BURST - 2  # the bucket refills one per 10 s
    with listener(fleet.service.enroller.metrics.collectors()) as url:
        families = scrape(url)  # what ops see: the drops counted, the technician's enrollment answered
    assert families["yichuang_enrollment_requests_dropped_total"] == {(): sum(fleet.service.dropped.values())}
    assert families["yichuang_enrollments_total"][(("outcome", "ok"),)] == 1


def test_the_rate_limit_allows_a_burst_then_one_request_per_refill() -> None:
    now = [0.0]
    limit = RateLimit(burst=5, every=10.0, clock=lambda: now[0])
    assert [limit.allow("claim-0a1b2c3d") for _ in range(6)] == [True] * 5 + [False]
    assert limit.allow("claim-1b2c3d4e")  # each medium has its own bucket
    now[0] = 9.9
    assert not limit.allow("claim-0a1b2c3d")
    now[0] = 10.1
    assert limit.allow("claim-0a1b2c3d")
    assert not limit.allow("claim-0a1b2c3d")


def test_claim_issue_writes_a_new_medium_that_broker_config_denies_the_terminal_tree(tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    pki.init_ca(ca, PASSPHRASE, ("127.0.0.1",))
    env = {**os.environ, "YC_CA_PASSPHRASE": PASSPHRASE.decode()}
    issued = subprocess.run([sys.executable, str(ROOT / "main.py"), "provision", "claim", "issue", "--ca-dir", str(ca),
                             "--out", str(tmp_path / "medium")], capture_output=True, text=True, env=env, check=False)
    assert issued.returncode == 0, issued.stderr
    cn = issued.stdout.split()[2]
    assert topics.CLAIM_CN.match(cn)
    assert sorted(p.name for p in (tmp_path / "medium").iterdir()) == ["ca.pem", "claim.key", "claim.pem"]
    write_broker_config(ca, tmp_path / "broker", run_as=getpass.getuser())
    assert f"user {cn}\ntopic deny {topics.PREFIX}/#\n" in (tmp_path / "broker" / "acl").read_text()
    assert "use_username_as_clientid true" in (tmp_path / "broker" / "mosquitto.conf").read_text()
    assert "listener 8884 127.0.0.1\n" in (tmp_path / "broker" / "mosquitto.conf").read_text()
    revoked = subprocess.run([sys.executable, str(ROOT / "main.py"), "provision", "revoke", cn, "--ca-dir", str(ca),
                              "--reason", "medium lost", "--db", f"sqlite:///{tmp_path}/central.db"],
                             capture_output=True, text=True, env=env, check=False)
    assert revoked.returncode == 0, revoked.stderr  # a claim medium is in no registry: the CRL alone
    assert [e["revoked_at"] is not None for e in pki.Issuer.load(ca, PASSPHRASE).index() if e["cn"] == cn] == [True]
