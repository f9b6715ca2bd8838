"""#21 finding 7: a broker in the middle of an enrollment cannot swap central's keys, the chain or the hall."""

from __future__ import annotations

import getpass
import json
import os
import queue
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives.asymmetric import x25519
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from central.platform.database import make_engine
from demo.devstack import start_mosquitto
from demo.ports import free_port
from protocol import topics
from protocol.link import Link, tls_client
from provisioning import pki
from provisioning.answer import MAX_ANSWER_BYTES, AnswerError, open_answer, signed_answer
from provisioning.enroll import _common_name
from provisioning.service import Enroller, EnrollmentService, service_link
from provisioning.tokens import HallProfile, create_tokens
from tests.provisioning.loopback import loopback_broker
from tests.provisioning.test_enrollment_flow import PASSPHRASE, base_config, yichuang


@dataclass
class Stack:
    """The genuine broker and enrollment service, and a second broker holding the genuine broker's key."""

    ca: Path
    port: int
    rogue_port: int
    db_url: str


def _rogue_broker(ca: Path, directory: Path) -> tuple[int, subprocess.Popen[bytes]]:
    """Run a mosquitto with the real broker's certificate and key (a compromised broker) and no ACL."""
    port = free_port()
    directory.mkdir()
    conf = directory / "rogue.conf"
    conf.write_text(f"user {getpass.getuser()}\npersistence false\nlistener {port} 127.0.0.1\n"
                    f"cafile {ca / 'chain.pem'}\ncertfile {ca / 'services' / 'broker.pem'}\n"
                    f"keyfile {ca / 'services' / 'broker.key'}\nrequire_certificate true\n"
                    "use_identity_as_username true\n")
    return port, start_mosquitto(conf, port)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    broker = loopback_broker(tmp_path)
    ca = broker.ca
    rogue_port, rogue = _rogue_broker(ca, tmp_path / "rogue")
    db_url = f"sqlite:///{tmp_path}/central.db"
    enrollment = EnrollmentService(Enroller(make_engine(db_url), broker.issuer),
                                   service_link(ca, "127.0.0.1", broker.services_port), name="enrollment-answer-test")
    enrollment.start()
    assert enrollment.ready.wait(10)
    yield Stack(ca, broker.port, rogue_port, db_url)
    enrollment.stop()
    broker.stop()
    rogue.terminate()
    rogue.wait(timeout=10)


def _pem_body(pem: str) -> str:
    """Return the base64 line of a one-line PEM (central's public keys)."""
    (line,) = [part for part in pem.splitlines() if part and not part.startswith("-----")]
    return line


def _correlated(request_id: bytes) -> Properties:
    """Return PUBLISH properties carrying a request id (as the terminal and the service send it)."""
    properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    properties.CorrelationData = request_id
    return properties


def _forward(stack: Stack, request_id: bytes, payload: bytes) -> bytes:
    """Pass a request to the genuine broker as the claim medium (as the terminal would) and return the answer."""
    claim = stack.ca / "claim"
    cn = _common_name(str(claim / "claim.pem"))
    link = Link("127.0.0.1", stack.port, str(claim / "ca.pem"), str(claim / "claim.pem"), str(claim / "claim.key"))
    answers: queue.Queue[bytes] = queue.Queue()
    subscribed: queue.Queue[bool] = queue.Queue()
    client = tls_client(cn, link)
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(topics.claim_response(cn), qos=1)
    client.on_subscribe = lambda c, u, mid, codes, p: subscribed.put(True)
    client.on_message = lambda c, u, m: answers.put(bytes(m.payload))
    client.connect(link.host, link.port)
    client.loop_start()
    try:
        subscribed.get(timeout=10)
        client.publish(topics.claim_request(cn), payload, qos=1, properties=_correlated(request_id))
        return answers.get(timeout=20)
    finally:
        client.loop_stop()
        client.disconnect()


def _on_the_rogue_broker(stack: Stack, respond: Callable[[bytes, bytes], bytes]) -> mqtt.Client:
    """Answer every claim request on the rogue broker with ``respond(request id, request)``; return the client."""
    services = stack.ca / "services"
    link = Link("127.0.0.1", stack.rogue_port, str(stack.ca / "chain.pem"), str(services / "fleet.pem"),
                str(services / "fleet.key"))
    client = tls_client("man-in-the-middle", link)
    ready: queue.Queue[bool] = queue.Queue()

    def relay(c: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        cn = message.topic.split("/")[-2]
        request_id = bytes(getattr(message.properties, "CorrelationData", b"") or b"")
        answer = respond(request_id, bytes(message.payload))
        c.publish(topics.claim_response(cn), answer, qos=1, properties=_correlated(request_id))

    client.on_connect = lambda c, u, f, rc, p: c.subscribe(topics.claim_request("+"), qos=1)
    client.on_subscribe = lambda c, u, mid, codes, p: ready.put(True)
    client.on_message = relay
    client.connect(link.host, link.port)
    client.loop_start()
    assert ready.get(timeout=10)
    return client


def _stop(client: mqtt.Client) -> None:
    """Disconnect a test client."""
    client.loop_stop()
    client.disconnect()


def _swapping_central_keys(stack: Stack) -> tuple[Callable[[bytes, bytes], bytes], dict[str, str]]:
    """Return a relay to the genuine broker that swaps central's keys in each answer's bytes, and the forged keys."""
    genuine = {name: _pem_body((stack.ca / "central" / f"{name}.pub").read_text()) for name in ("uplink", "ack")}
    forged = {name: _pem_body(pki.public_pem(x25519.X25519PrivateKey.generate()).decode()) for name in genuine}

    def respond(request_id: bytes, payload: bytes) -> bytes:
        answer = _forward(stack, request_id, payload)
        for name, body in genuine.items():
            answer = answer.replace(body.encode(), forged[name].encode())
        return answer

    return respond, forged


def _enroll(stack: Stack, port: int, token: str, target: Path) -> subprocess.CompletedProcess[str]:
    """Run `provision enroll` against the broker on ``port`` with the fleet's claim media."""
    return yichuang("provision", "enroll", "--token", token, "--broker", f"mqtts://127.0.0.1:{port}", "--claim-dir",
                    str(stack.ca / "claim"), "--config-dir", str(target), "--pin", "246810",
                    "--time-file", str(target / "last-good-time"), env=base_config(target))


def test_a_broker_in_the_middle_that_swaps_centrals_keys_is_refused_and_nothing_is_installed(
        stack: Stack, tmp_path: Path) -> None:
    respond, forged = _swapping_central_keys(stack)
    relay = _on_the_rogue_broker(stack, respond)
    token, second = create_tokens(make_engine(stack.db_url), HallProfile("lc-center", "hall", "LC"),
                                  timedelta(hours=1), 2)
    target = tmp_path / "terminal"
    try:
        attacked = _enroll(stack, stack.rogue_port, token, target)
    finally:
        _stop(relay)
    installed = target / "pki" / "uplink.pub"
    assert not (installed.exists() and forged["uplink"] in installed.read_text()), "the forged key was installed"
    assert attacked.returncode == 1, attacked.stdout + attacked.stderr
    assert "not signed by the fleet's CA" in attacked.stderr
    assert not (target / "terminal.toml").exists()
    assert not (target / "pki").exists()

    genuine = _enroll(stack, stack.port, second, target)  # the same terminal, through the genuine broker
    assert genuine.returncode == 0, genuine.stderr
    for name in ("uplink.pub", "ack.pub"):
        assert (target / "pki" / name).read_bytes() == (stack.ca / "central" / name).read_bytes()
    assert (target / "pki" / "ca.pem").read_bytes() == (stack.ca / "claim" / "ca.pem").read_bytes()
    assert 'hall = "lc-center"' in (target / "terminal.toml").read_text()


def test_an_enrolled_terminals_configuration_is_written_0600(stack: Stack, tmp_path: Path) -> None:
    """terminal.toml holds the PIN's hash and the key paths: only its owner may read it, whatever the umask."""
    (token,) = create_tokens(make_engine(stack.db_url), HallProfile("lc-center", "hall", "LC"), timedelta(hours=1))
    target = tmp_path / "terminal"
    previous = os.umask(0o022)
    try:
        done = _enroll(stack, stack.port, token, target)
    finally:
        os.umask(previous)
    assert done.returncode == 0, done.stderr
    assert (target / "terminal.toml").stat().st_mode & 0o777 == 0o600
    assert (target / "pki" / "terminal.key").stat().st_mode & 0o777 == 0o600
    assert "scrypt$" in (target / "terminal.toml").read_text()


def test_an_answer_nobody_signed_is_refused(stack: Stack, tmp_path: Path) -> None:
    """A client of the compromised broker answers first with a plain (old-style) answer of its own making."""
    plain = {"v": 1, "status": "refused", "reason": "token_used", "message": "call \x1b[31mthis number\x1b[0m"}
    forger = _on_the_rogue_broker(stack, lambda request_id, payload: json.dumps(plain).encode())
    (token,) = create_tokens(make_engine(stack.db_url), HallProfile("lc-center", "hall", "LC"), timedelta(hours=1))
    try:
        forged = _enroll(stack, stack.rogue_port, token, tmp_path / "terminal")
    finally:
        _stop(forger)
    assert forged.returncode == 1
    assert "not signed by the fleet's CA (no signature)" in forged.stderr
    assert "this number" not in forged.stderr
    assert not (tmp_path / "terminal" / "pki").exists()


def test_a_genuine_answer_replayed_to_another_terminal_is_refused(stack: Stack, tmp_path: Path) -> None:
    """The broker in the middle passes one enrollment on untouched, keeps the signed answer and replays it."""
    captured: list[bytes] = []

    def keep_then_replay(request_id: bytes, payload: bytes) -> bytes:
        if not captured:
            captured.append(_forward(stack, request_id, payload))
        return captured[0]

    relay = _on_the_rogue_broker(stack, keep_then_replay)
    first, second = create_tokens(make_engine(stack.db_url), HallProfile("lc-center", "hall", "LC"),
                                  timedelta(hours=1), 2)
    try:
        passed = _enroll(stack, stack.rogue_port, first, tmp_path / "first")
        replayed = _enroll(stack, stack.rogue_port, second, tmp_path / "second")
    finally:
        _stop(relay)
    assert passed.returncode == 0, passed.stderr  # an untouched genuine answer works through any broker
    assert replayed.returncode == 1, replayed.stdout
    assert "a certificate for another key" in replayed.stderr
    assert not (tmp_path / "second" / "pki").exists()
    assert not (tmp_path / "second" / "terminal.toml").exists()


def _ok_answer(ca: Path) -> dict[str, object]:
    """An answer as the service makes it (the fields every terminal installs)."""
    return {"v": 1, "status": "ok", "terminal": "LC0001", "certificate": (ca / "claim" / "claim.pem").read_text(),
            "chain": (ca / "chain.pem").read_text(), "profile": {"hall": "lc-center", "site": "hall", "location": ""},
            "central": {"uplink": (ca / "central" / "uplink.pub").read_text(),
                        "ack": (ca / "central" / "ack.pub").read_text()},
            "signing": {"catalog": (ca / "signing" / "catalog.pub").read_text(),
                        "command": (ca / "signing" / "command.pub").read_text()}}


def test_an_answer_signed_by_the_ca_but_naming_another_chain_or_malformed_is_refused(tmp_path: Path) -> None:
    issuer = pki.init_ca(tmp_path / "ca", PASSPHRASE, ("localhost",))
    foreign = pki.init_ca(tmp_path / "foreign", PASSPHRASE, ("localhost",))
    pinned = (tmp_path / "ca" / "claim" / "ca.pem").read_bytes()
    genuine = _ok_answer(tmp_path / "ca")
    assert open_answer(signed_answer(genuine, issuer.key), pinned) == genuine

    other_chain = {**genuine, "chain": (tmp_path / "foreign" / "chain.pem").read_text()}
    with pytest.raises(AnswerError, match="not the one on the claim media"):
        open_answer(signed_answer(other_chain, issuer.key), pinned)
    with pytest.raises(AnswerError, match="not signed by the fleet's CA on the claim media"):
        open_answer(signed_answer(genuine, foreign.key), pinned)
    envelope = json.loads(signed_answer(genuine, issuer.key))
    doubled = envelope["answer"][:-1] + ',"terminal":"LC9999"}'
    with pytest.raises(AnswerError, match="not signed"):  # the signature covers the exact text
        open_answer(json.dumps({**envelope, "answer": doubled}).encode(), pinned)
    with pytest.raises(AnswerError, match="repeats the field 'sig'"):
        open_answer(signed_answer(genuine, issuer.key)[:-1] + b',"sig":"x"}', pinned)
    bad_id = {**genuine, "terminal": "../../etc"}
    with pytest.raises(AnswerError, match="terminal id is malformed"):
        open_answer(signed_answer(bad_id, issuer.key), pinned)
    no_key = {**genuine, "central": {"uplink": 5}}
    with pytest.raises(AnswerError, match=r"central\.uplink is missing"):
        open_answer(signed_answer(no_key, issuer.key), pinned)
    no_catalog_key = {k: v for k, v in genuine.items() if k != "signing"}
    with pytest.raises(AnswerError, match=r"signing\.catalog is missing"):
        open_answer(signed_answer(no_catalog_key, issuer.key), pinned)
    for garbage in (b"\xff" * 10, b"[1]", b"[" * 100_000, b"{}" + b" " * MAX_ANSWER_BYTES):
        with pytest.raises(AnswerError):
            open_answer(garbage, pinned)
