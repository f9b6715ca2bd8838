"""Build a card reader from its URL."""

from __future__ import annotations

import socket
import threading
from urllib.parse import unquote

from drivers.cardreader.port import CardReader
from drivers.cardreader.sam import SamReader
from drivers.cardreader.simulator import SAMPLE_CARDS, Faults, SamSimulator, serve_socket
from drivers.cardreader.transport import SerialTransport, SocketTransport
from drivers.url import DeviceUrl, DeviceUrlError


class SimulatedReader(SamReader):
    """The `sim://` reader: the real SAM protocol stack against an in-process simulator.

    ``simulator`` is the virtual card tray: place and lift cards and flip fault switches.
    """

    def __init__(self, simulator: SamSimulator, response_timeout: float = 2.0) -> None:
        """Link a SAM reader to ``simulator`` through a socket pair served by a thread."""
        self.simulator = simulator
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        super().__init__(self._link, "sim://", response_timeout)

    def _link(self) -> SocketTransport:
        """Start a simulator thread on a fresh socket pair and return our end."""
        ours, theirs = socket.socketpair()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=serve_socket, args=(self.simulator, theirs, self._stop), name="sam-sim", daemon=True
        )
        self._thread.start()
        return SocketTransport(ours)

    def close(self) -> None:
        """Close the link and stop the simulator thread."""
        super().close()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None


def open_card_reader(text: str) -> CardReader:
    """Return the card reader a URL names (not yet opened)."""
    url = DeviceUrl.parse(text, "card_reader")
    timeout = float(url.params.get("timeout", "2.0"))
    if url.scheme == "serial":
        baud = url.int_param("baud", 115200)
        return SamReader(lambda: SerialTransport(url.path, baud), str(url), timeout)
    if url.scheme == "sim":
        card = url.params.get("card", "")
        if card and card not in SAMPLE_CARDS:
            raise DeviceUrlError(f"no sample card '{card}' (choose from {', '.join(SAMPLE_CARDS)})")
        simulator = SamSimulator(SAMPLE_CARDS.get(card), Faults())
        return SimulatedReader(simulator, timeout)
    if url.scheme == "pcsc":
        from drivers.cardreader.pcsc.reader import PcscReader  # noqa: PLC0415 - needs pyscard and pcsc-lite

        return PcscReader(unquote(text.split("://", 1)[1].split("?", 1)[0]).strip())
    raise DeviceUrlError(f"{url.scheme}:// card readers are not supported")
