"""Speech output for voice guidance: espeak-ng through ALSA, PulseAudio or WAV files, and a recording speaker."""

from __future__ import annotations

from pathlib import Path

from drivers.speech.espeak import EspeakSpeaker
from drivers.speech.port import Speaker
from drivers.speech.recording import RecordingSpeaker
from drivers.url import DeviceUrl

__all__ = ["Speaker", "open_speaker"]


def open_speaker(url: str) -> Speaker:
    """Return the speaker a URL names: alsa://DEVICE, pulse://, wav:///DIR, sim:// or none://."""
    where = DeviceUrl.parse(url, "speaker")
    if where.scheme == "alsa":
        return EspeakSpeaker(player=["aplay", "-q", "-D", where.host or "default", "-"])
    if where.scheme == "pulse":
        return EspeakSpeaker(player=["paplay", *([f"--server={where.host}"] if where.host else [])])
    if where.scheme == "wav":
        return EspeakSpeaker(wav_dir=Path(where.path))
    return RecordingSpeaker(silent=where.scheme == "none")
