"""Fuzzing the addresses a technician types or a configuration file holds: device URLs and the broker URL.

``DeviceUrl.parse`` returns a device URL or raises only ``DeviceUrlError``; ``parse_broker``
returns a host and a port or raises only ``ValueError`` (its documented error).
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from drivers.url import SCHEMES, DeviceUrl, DeviceUrlError
from protocol.address import parse_broker
from tests.fuzz.budget import budget, tally
from tests.fuzz.mutate import mutated

DEVICE_URLS = ["serial:///dev/ttyUSB0?baud=9600", "tcp://192.0.2.10:9100", "usb://04b8:0e15", "pcsc://?match=ACS",
               "sim://?paper=low", "file:///tmp/receipt.bin", "tcp://[2001:db8::1]:9100"]
BROKERS = ["mqtts://broker.example:8883", "mqtts://[2001:db8::1]:8883", "mqtts://192.0.2.1"]


def text_of(raw: bytes) -> str:
    """Decode edited URL bytes (a configuration file is read as UTF-8 with replacement)."""
    return raw.decode("utf-8", errors="replace")


@given(mutated(*(u.encode() for u in DEVICE_URLS)).map(text_of) | st.text(max_size=40),
       st.none() | st.sampled_from(sorted(SCHEMES)))
@example("tcp://[::1", "printer")  # an unclosed IPv6 bracket: urlsplit's ValueError escaped
@example("tcp://a\uff03b:9100", None)  # a host that NFKC-normalizes into a separator
@budget("device and broker urls")
def test_any_device_url_is_parsed_or_a_device_url_error(text: str, kind: str | None) -> None:
    tally("device and broker urls")
    try:
        url = DeviceUrl.parse(text, kind)
    except DeviceUrlError:
        return
    assert kind is None or url.scheme in SCHEMES[kind]
    assert url.port is None or 0 <= url.port <= 65535
    try:
        url.int_param("baud", 9600)
    except DeviceUrlError:
        assert "baud" in url.params


@given(mutated(*(b.encode() for b in BROKERS)).map(text_of) | st.text(max_size=40))
@example("mqtts://[::1")
@budget("device and broker urls")
def test_any_broker_url_is_a_host_and_port_or_a_value_error(text: str) -> None:
    tally("device and broker urls")
    try:
        host, port = parse_broker(text)
    except ValueError:
        return
    assert host
    assert 0 <= port <= 65535
