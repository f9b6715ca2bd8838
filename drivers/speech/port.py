"""The speaker port: say one utterance at a time, a new one interrupting the old; never block the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from drivers.status import Snapshot

DEVICE = "speaker"
MIN_VOLUME, MAX_VOLUME = 1, 10
DEFAULT_RATE = 160  # words per minute; espeak-ng's own default (175) is fast for older listeners


@dataclass(frozen=True)
class Utterance:
    """What to say: the engine's voice, the text for it, a volume step and a speaking rate."""

    voice: str
    text: str
    volume: int = 6
    rate: int = DEFAULT_RATE

    def __post_init__(self) -> None:
        """Refuse a volume or rate outside what the engine takes."""
        if not MIN_VOLUME <= self.volume <= MAX_VOLUME:
            raise ValueError(f"volume {self.volume} is outside {MIN_VOLUME}..{MAX_VOLUME}")
        if not 80 <= self.rate <= 300:
            raise ValueError(f"rate {self.rate} is outside 80..300 words per minute")


class Speaker(Protocol):
    """A speech output device."""

    def say(self, utterance: Utterance) -> None:
        """Start saying ``utterance`` at once, cutting off whatever is being said; return immediately."""

    def stop(self) -> None:
        """Stop speaking now."""

    def speaking(self) -> bool:
        """Return whether something is being said."""

    def status(self) -> Snapshot:
        """Return the speaker's status (no device, engine missing, or online)."""

    def close(self) -> None:
        """Stop speaking and release the device."""
