"""How a client reaches the broker: MQTT 5 over TLS with a client certificate (and a service's password)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, replace
from pathlib import Path

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives import serialization
from paho.mqtt.enums import CallbackAPIVersion

from protocol.clock import TrustedClock, context_without_system_time, peer_certificate, verify_broker

PASSWORD_LABEL = b"yichuang broker password v1"


@dataclass(frozen=True)
class Link:
    """The broker's address and this client's TLS material (CA, certificate, key: PEM paths).

    A service (central, the fleet monitor) also logs in with a ``username`` and ``password`` on
    the broker's services listener; terminals and claim media log in by their certificate only.
    """

    host: str
    port: int
    ca: str
    cert: str
    key: str
    key_password: str | None = None  # the device key is encrypted under the store's KEK (keypass.py)
    username: str | None = None
    password: str | None = None


def key_secret(key_path: Path, label: bytes) -> bytes:
    """Return HMAC-SHA256(the unencrypted private key's PKCS#8 bytes, ``label``): a secret only its holder knows."""
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return hmac.new(der, label, hashlib.sha256).digest()


def service_password(key_path: Path) -> str:
    """Return the broker password of the service whose private key is at ``key_path`` (no secret file to keep)."""
    return base64.urlsafe_b64encode(key_secret(key_path, PASSWORD_LABEL)).decode().rstrip("=")


def with_login(link: Link, username: str) -> Link:
    """Return ``link`` logging in as service ``username``, its password derived from the link's key."""
    return replace(link, username=username, password=service_password(Path(link.key)))


def tls_client(client_id: str, link: Link, clock: TrustedClock | None = None) -> mqtt.Client:
    """Return an MQTT 5 paho client that presents ``link``'s certificate and checks the broker's.

    With a ``clock`` whose system time is known to be wrong (a terminal booted in 1970), the
    broker is verified at the trusted time instead of by OpenSSL at the system time (see clock.py).
    """
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    if link.username is not None:
        client.username_pw_set(link.username, link.password)
    if clock is None or not clock.system_is_wrong():
        client.tls_set(ca_certs=link.ca, certfile=link.cert, keyfile=link.key, keyfile_password=link.key_password)
        return client
    client.tls_set_context(context_without_system_time(link.cert, link.key, link.key_password))
    client.tls_insecure_set(True)  # the name is checked by verify_broker, with the chain
    client.on_socket_open = lambda c, u, sock: verify_broker(
        peer_certificate(sock), link.host, Path(link.ca), clock.now())
    return client
