"""Device addresses: every device is named by a URL such as ``serial:///dev/ttyUSB0?baud=9600``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

# Schemes each device kind accepts; later device kinds add their own entry.
SCHEMES: dict[str, frozenset[str]] = {
    "card_reader": frozenset({"serial", "pcsc", "sim"}),
    "printer": frozenset({"tcp", "serial", "file", "usb", "sim"}),
    "speaker": frozenset({"alsa", "pulse", "wav", "sim", "none"}),
}


class DeviceUrlError(ValueError):
    """A device URL that cannot name a device."""


@dataclass(frozen=True)
class DeviceUrl:
    """A parsed device URL: scheme, network location, path and query parameters."""

    scheme: str
    host: str = ""
    port: int | None = None
    path: str = ""
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, kind: str | None = None) -> DeviceUrl:
        """Parse ``text``; with ``kind``, also check the scheme suits that device kind."""
        try:
            parts = urlsplit(text.strip())
        except ValueError as exc:  # an unclosed IPv6 bracket, a host that NFKC-normalizes into a separator
            raise DeviceUrlError(f"'{text}' is not a device URL: {exc}") from None
        scheme = parts.scheme.lower()
        if not scheme or "://" not in text:
            raise DeviceUrlError(f"'{text}' is not a device URL (expected e.g. sim:// or tcp://host:9100)")
        if kind is not None and scheme not in SCHEMES[kind]:
            allowed = ", ".join(sorted(SCHEMES[kind]))
            raise DeviceUrlError(f"scheme '{scheme}' is not one of {allowed}")
        if scheme == "usb":  # usb://VID:PID — hexadecimal ids, not a host and port
            if not re.fullmatch(r"[0-9a-fA-F]{4}:[0-9a-fA-F]{4}", parts.netloc):
                raise DeviceUrlError(f"'{text}' needs usb://VID:PID in hexadecimal, e.g. usb://04b8:0e15")
            return cls(scheme=scheme, host=parts.netloc.lower(), params=dict(parse_qsl(parts.query)))
        try:
            port = parts.port
        except ValueError as exc:
            raise DeviceUrlError(f"'{text}' has a bad port: {exc}") from None
        if scheme == "tcp" and not parts.hostname:
            raise DeviceUrlError(f"'{text}' needs a host, e.g. tcp://192.0.2.10:9100")
        if scheme in {"serial", "file", "wav"} and not parts.path:
            raise DeviceUrlError(f"'{text}' needs a device path, e.g. {scheme}:///dev/ttyS0")
        return cls(
            scheme=scheme,
            host=parts.hostname or "",
            port=port,
            path=parts.path,
            params=dict(parse_qsl(parts.query, keep_blank_values=True)),
        )

    def int_param(self, name: str, default: int) -> int:
        """Return query parameter ``name`` as an integer, or ``default`` when absent."""
        raw = self.params.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise DeviceUrlError(f"parameter '{name}' must be a whole number, not '{raw}'") from None

    def __str__(self) -> str:
        """Render the URL back in its canonical text form."""
        netloc = self.host + (f":{self.port}" if self.port is not None else "")
        query = "&".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.scheme}://{netloc}{self.path}" + (f"?{query}" if query else "")
