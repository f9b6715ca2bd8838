"""How a client reaches the broker: MQTT 5 over TLS with a client certificate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from protocol.clock import TrustedClock, context_without_system_time, peer_certificate, verify_broker


@dataclass(frozen=True)
class Link:
    """The broker's address and this client's TLS material (CA, certificate, key: PEM paths)."""

    host: str
    port: int
    ca: str
    cert: str
    key: str
    key_password: str | None = None  # the device key is encrypted under the store's KEK (devicekey.py)


def tls_client(client_id: str, link: Link, clock: TrustedClock | None = None) -> mqtt.Client:
    """Return an MQTT 5 paho client that presents ``link``'s certificate and checks the broker's.

    With a ``clock`` whose system time is known to be wrong (a terminal booted in 1970), the
    broker is verified at the trusted time instead of by OpenSSL at the system time (see clock.py).
    """
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    if clock is None or not clock.system_is_wrong():
        client.tls_set(ca_certs=link.ca, certfile=link.cert, keyfile=link.key, keyfile_password=link.key_password)
        return client
    client.tls_set_context(context_without_system_time(link.cert, link.key, link.key_password))
    client.tls_insecure_set(True)  # the name is checked by verify_broker, with the chain
    client.on_socket_open = lambda c, u, sock: verify_broker(
        peer_certificate(sock), link.host, Path(link.ca), clock.now())
    return client
