"""The broker's address as configuration gives it: ``mqtts://host[:port]`` (light: no MQTT library loaded)."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORT = 8883


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
