"""The receipt printer port every backend implements (python-escpos transports, the emulator)."""

from __future__ import annotations

from typing import Protocol

from domain.receipt import Line
from drivers.status import Snapshot


class Printer(Protocol):
    """Report status and print laid-out documents on a receipt printer."""

    describe: str
    columns: int  # characters per line at the printer's paper width

    def status(self) -> Snapshot:
        """Return the printer's current status (never "OK" when it cannot tell)."""
        ...

    def print_lines(self, lines: list[Line]) -> None:
        """Print a document: PrinterNotReady before anything is sent, PrintIncomplete if it stops during it."""
        ...

    def close(self) -> None:
        """Release the transport."""
        ...
