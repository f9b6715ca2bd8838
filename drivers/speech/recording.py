"""A speaker that records what it is asked to say: the simulated device for tests and terminals without audio.

It keeps the transcript and is "speaking" for about as long as espeak-ng would take at the
utterance's rate, so timing rules (no idle countdown while a prompt plays) can be tested. Its fault
switch ``silent`` makes it a terminal with no audio device: nothing is recorded, and its status
says so.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from drivers.speech.port import DEVICE, Utterance
from drivers.status import ClearAction, DeviceError, DeviceState, ErrorKind, Snapshot

SECONDS_PER_SYLLABLE = 0.3  # about 160 words a minute: a rough length of what espeak-ng would say


@dataclass(frozen=True)
class Said:
    """One utterance as the speaker received it, and when."""

    utterance: Utterance
    at: float  # time.monotonic() when it started


class RecordingSpeaker:
    """Records utterances; ``silent`` switches it to a terminal with no audio device."""

    def __init__(self, *, silent: bool = False) -> None:
        """Start with an empty transcript."""
        self.silent = silent
        self.transcript: list[Said] = []
        self._lock = threading.Lock()
        self._until = 0.0

    def say(self, utterance: Utterance) -> None:
        """Record ``utterance`` (unless silent) and be busy for its estimated length."""
        with self._lock:
            if self.silent:
                return
            now = time.monotonic()
            self.transcript.append(Said(utterance, now))
            syllables = max(1, len(utterance.text.split()))
            self._until = now + syllables * SECONDS_PER_SYLLABLE * 160 / utterance.rate

    def stop(self) -> None:
        """Stop speaking now."""
        with self._lock:
            self._until = 0.0

    def speaking(self) -> bool:
        """Return whether the latest utterance would still be playing."""
        with self._lock:
            return time.monotonic() < self._until

    def status(self) -> Snapshot:
        """Return online, or no device when switched silent."""
        if not self.silent:
            return Snapshot(DEVICE, DeviceState.ONLINE, detail={"engine": "recording"})
        return Snapshot(DEVICE, DeviceState.NO_DEVICE, detail={"engine": "recording"},
                        error=DeviceError(ErrorKind.HARDWARE, ClearAction.MAINTENANCE, "no_audio_device",
                                          "no audio device (simulated)"))

    def close(self) -> None:
        """Stop speaking."""
        self.stop()

    def texts(self) -> list[str]:
        """Return the text of every utterance so far, in order."""
        with self._lock:
            return [said.utterance.text for said in self.transcript]
