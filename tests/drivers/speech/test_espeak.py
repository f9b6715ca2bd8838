"""espeak-ng for real: rendered speech is audible and as long as its text, a new utterance cuts the old one off,
and a terminal without sound or engine keeps working and says so in its status."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from drivers.speech import open_speaker
from drivers.speech.espeak import EspeakSpeaker
from drivers.speech.port import Utterance
from drivers.speech.recording import RecordingSpeaker
from drivers.status import DeviceState
from drivers.url import DeviceUrlError
from l10n.speakable import Day, speakable


def sound(wav: Path) -> tuple[float, float]:
    """Return (seconds, peak amplitude 0..1) of a WAV file, as sox measures it."""
    stat = subprocess.run(["sox", str(wav), "-n", "stat"], capture_output=True, text=True, check=True).stderr
    seconds = float(re.search(r"Length \(seconds\):\s+([\d.]+)", stat).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Maximum amplitude:\s+([\d.]+)", stat).group(1))  # type: ignore[union-attr]
    return seconds, peak


@pytest.fixture
def wav_speaker(tmp_path: Path) -> Iterator[EspeakSpeaker]:
    speaker = open_speaker(f"wav://{tmp_path}")
    assert isinstance(speaker, EspeakSpeaker)
    yield speaker
    speaker.close()


def test_a_prompt_with_a_bank_and_a_date_is_rendered_audibly(wav_speaker: EspeakSpeaker) -> None:
    voice, text = speakable(("请到银行网点办理，承诺办结时间", Day(date(2026, 12, 9))), "zh_CN")
    assert text == ("qing3 dao4 yin2 hang2 wang3 dian3 ban4 li3, cheng2 nuo4 ban4 jie2 shi2 jian1 "
                    "er4 ling2 er4 liu4 nian2 shi2 er4 yue4 jiu3 ri4")
    wav_speaker.say(Utterance(voice, text))
    assert wav_speaker.wait(timeout=30)
    assert wav_speaker.status().state is DeviceState.ONLINE
    assert wav_speaker.last_file is not None
    seconds, peak = sound(wav_speaker.last_file)
    assert 4 < seconds < 20  # about 30 syllables
    assert peak > 0.2  # speech, not silence


def test_a_new_utterance_cuts_off_the_one_being_said(wav_speaker: EspeakSpeaker) -> None:
    wav_speaker.say(Utterance("en-gb", "This is a very long announcement. " * 300))
    wav_speaker.say(Utterance("en-gb", "Please take your receipt."))
    assert wav_speaker.wait(timeout=60)
    assert wav_speaker.said == 1  # the long one was interrupted, not finished
    assert wav_speaker.last_file is not None
    seconds, _ = sound(wav_speaker.last_file)
    assert seconds < 5


def test_text_goes_to_the_engine_as_text_never_as_options(wav_speaker: EspeakSpeaker) -> None:
    wav_speaker.say(Utterance("en-gb", "--help -w /etc/passwd"))
    assert wav_speaker.wait(timeout=30)
    assert wav_speaker.said == 1
    assert wav_speaker.last_file is not None
    assert sound(wav_speaker.last_file)[0] > 1


def test_without_a_sound_device_the_speaker_reports_it_and_keeps_going() -> None:
    speaker = open_speaker("alsa://yichuang_no_such_card")
    try:
        speaker.say(Utterance("en-gb", "Welcome"))
        assert isinstance(speaker, EspeakSpeaker)
        assert speaker.wait(timeout=30)
        status = speaker.status()
        assert status.state is DeviceState.NO_DEVICE
        assert status.error is not None
        assert status.error.code == "no_audio_device"
        speaker.say(Utterance("en-gb", "Still here"))  # no exception: the terminal carries on silently
        assert speaker.wait(timeout=30)
    finally:
        speaker.close()


def test_without_the_engine_the_speaker_says_what_is_missing() -> None:
    speaker = EspeakSpeaker(player=["aplay", "-q", "-"], binary="yichuang-no-such-engine")
    try:
        speaker.say(Utterance("en-gb", "Welcome"))
        assert speaker.wait(timeout=5)
        assert speaker.status().error is not None
        assert speaker.status().error.code == "engine_missing"  # type: ignore[union-attr]
    finally:
        speaker.close()


def test_speaker_urls() -> None:
    assert isinstance(open_speaker("sim://"), RecordingSpeaker)
    silent = open_speaker("none://")
    assert isinstance(silent, RecordingSpeaker)
    assert silent.status().state is DeviceState.NO_DEVICE
    with pytest.raises(DeviceUrlError, match="path"):
        open_speaker("wav://")
    with pytest.raises(DeviceUrlError, match="scheme"):
        open_speaker("tcp://192.0.2.1:9100")


def test_an_utterance_bounds_its_volume_and_rate() -> None:
    with pytest.raises(ValueError, match="volume"):
        Utterance("en-gb", "x", volume=11)
    with pytest.raises(ValueError, match="rate"):
        Utterance("en-gb", "x", rate=20)
