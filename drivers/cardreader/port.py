"""The card reader port every backend implements."""

from __future__ import annotations

from typing import Protocol

from domain.identity import Identity
from drivers.status import Snapshot


class CardReader(Protocol):
    """Open, watch and read an identity card reader."""

    describe: str

    def open(self) -> None:
        """Connect to the reader (raise ReaderUnavailable if it cannot be reached)."""
        ...

    def close(self) -> None:
        """Release the reader."""
        ...

    def status(self) -> Snapshot:
        """Return the reader's current status."""
        ...

    def wait_for_card(self, timeout: float) -> bool:
        """Return True as soon as a card is on the reader, False after ``timeout`` seconds."""
        ...

    def read_identity(self) -> Identity:
        """Read the card on the reader (NoCard, CardLifted, ReaderUnavailable, CardDataError)."""
        ...
