"""Device URLs."""

from __future__ import annotations

import pytest

from drivers.url import DeviceUrl, DeviceUrlError


def test_serial_url_with_parameters() -> None:
    url = DeviceUrl.parse("serial:///dev/ttyUSB0?baud=115200", "card_reader")
    assert (url.scheme, url.path, url.int_param("baud", 9600)) == ("serial", "/dev/ttyUSB0", 115200)
    assert url.int_param("timeout", 3) == 3


def test_tcp_url() -> None:
    url = DeviceUrl.parse("tcp://192.0.2.7:9100", "printer")
    assert (url.host, url.port) == ("192.0.2.7", 9100)
    assert str(url) == "tcp://192.0.2.7:9100"


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("/dev/ttyUSB0", "printer", "not a device URL"),
        ("tcp://printer:port", "printer", "bad port"),
        ("pcsc://", "printer", "scheme 'pcsc' is not one of"),
        ("serial://", "card_reader", "needs a device path"),
    ],
)
def test_bad_urls_are_explained(text: str, kind: str, message: str) -> None:
    with pytest.raises(DeviceUrlError, match=message):
        DeviceUrl.parse(text, kind)


def test_non_numeric_parameter() -> None:
    with pytest.raises(DeviceUrlError, match="whole number"):
        DeviceUrl.parse("serial:///dev/ttyS0?baud=fast").int_param("baud", 9600)


def test_usb_ids_are_hexadecimal_and_kept_as_written() -> None:
    url = DeviceUrl.parse("usb://04B8:0E15", "printer")
    assert url.host == "04b8:0e15"
    assert str(url) == "usb://04b8:0e15"
    with pytest.raises(DeviceUrlError, match="VID:PID"):
        DeviceUrl.parse("usb://epson", "printer")
