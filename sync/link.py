"""How a client reaches the broker: MQTT 5 over TLS with a client certificate."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

DEFAULT_PORT = 8883


@dataclass(frozen=True)
class Link:
    """The broker's address and this client's TLS material (CA, certificate, key: PEM paths)."""

    host: str
    port: int
    ca: str
    cert: str
    key: str


def parse_broker(url: str) -> tuple[str, int]:
    """Return (host, port) of an ``mqtts://host[:port]`` URL; plain ``mqtt://`` is refused."""
    parts = urlsplit(url)
    if parts.scheme != "mqtts" or not parts.hostname:
        raise ValueError(f"{url!r}: the broker must be an mqtts://host:port URL (TLS is required)")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ValueError(f"{url!r}: the port is not a number") from None
    return parts.hostname, port


def tls_client(client_id: str, link: Link) -> mqtt.Client:
    """Return an MQTT 5 paho client that presents ``link``'s certificate and checks the broker's."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.tls_set(ca_certs=link.ca, certfile=link.cert, keyfile=link.key)
    return client
