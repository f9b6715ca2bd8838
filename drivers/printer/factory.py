"""Build a printer from its URL (tcp://, serial://, file://, usb://, sim://)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from escpos import printer as transports

from drivers.printer.emulator import EmulatorServer
from drivers.printer.errors import PrinterError
from drivers.printer.job import TextMode
from drivers.printer.printer import EscposPrinter
from drivers.url import DeviceUrl

PAPER_COLUMNS = {58: 32, 80: 48}


class SimulatedPrinter(EscposPrinter):
    """`sim://`: the real network backend talking to an in-process emulator."""

    def __init__(self, mode: TextMode, columns: int, charset: str) -> None:
        """Start an emulator on a loopback port and point a network printer at it."""
        self.emulator = EmulatorServer()
        port = self.emulator.start()
        super().__init__(lambda: transports.Network("127.0.0.1", port, timeout=1.0), "sim://",
                         bidirectional=True, mode=mode, columns=columns, charset=charset)


def _usb(url: DeviceUrl) -> Any:
    """Return a python-escpos USB printer (needs pyusb; not testable on this machine)."""
    vendor, product = (int(part, 16) for part in url.host.split(":"))
    try:
        return transports.Usb(vendor, product, timeout=int(url.params.get("timeout", "1000")))
    except Exception as exc:  # python-escpos raises a plain Error when pyusb is missing
        raise PrinterError(f"usb://{url.host}: {exc} (USB printers need the pyusb package and udev access)") from None


def _device_file(path: str, plain: bool) -> Any:
    """Open a printer device node; never create a file where the device should be."""
    target = Path(path)
    if not target.exists() or (not plain and not stat.S_ISCHR(target.stat().st_mode)):
        raise PrinterError(f"{path} is not a printer device (unplugged?)")
    return transports.File(path)


def open_printer(text: str, mode: TextMode = TextMode.NATIVE, paper_mm: int = 58,
                 charset: str = "gb18030") -> EscposPrinter:
    """Return the printer a URL names (opened on first use)."""
    url = DeviceUrl.parse(text, "printer")
    columns = PAPER_COLUMNS[paper_mm]
    timeout = float(url.params.get("timeout", "1.0"))
    options: dict[str, Any] = {"mode": mode, "columns": columns, "charset": charset, "timeout": timeout}
    if url.scheme == "sim":
        return SimulatedPrinter(mode, columns, charset)
    if url.scheme == "tcp":
        port = url.port or 9100
        return EscposPrinter(lambda: transports.Network(url.host, port, timeout=timeout), str(url),
                             bidirectional=True, **options)
    if url.scheme == "serial":
        baud = url.int_param("baud", 9600)
        return EscposPrinter(lambda: transports.Serial(url.path, baudrate=baud, timeout=timeout), str(url),
                             bidirectional=True, **options)
    if url.scheme == "file":
        plain = url.params.get("plain") == "1"  # tests and dry runs: allow a regular file
        return EscposPrinter(lambda: _device_file(url.path, plain), str(url), bidirectional=False, path=url.path,
                             allow_plain_file=plain, **options)
    return EscposPrinter(lambda: _usb(url), str(url), bidirectional=True, **options)
