"""Voice guidance as a citizen meets it: off until turned on, prompts cut each other off, volume per session,
the audible receipt, and no personal number read aloud unless asked."""

from __future__ import annotations

import pytest

from domain.application import MaterialStatus
from drivers.speech.recording import RecordingSpeaker
from kiosk.services.voice import Voice, VoiceDefaults, receipt_parts
from l10n.speakable import Code, Day
from tests.domain.samples import ITEM, receipt_for


@pytest.fixture
def speaker() -> RecordingSpeaker:
    return RecordingSpeaker()


@pytest.fixture
def voice(speaker: RecordingSpeaker) -> Voice:
    return Voice(speaker, VoiceDefaults(volume=5))


def test_speech_is_off_until_turned_on_and_then_says_the_current_prompt(voice: Voice, speaker: RecordingSpeaker) -> None:
    voice.prompt("请选择办理事项", "zh")
    assert speaker.texts() == []
    voice.turn_on()
    assert speaker.texts() == ["qing3 xuan3 ze2 ban4 li3 shi4 xiang4"]
    assert speaker.transcript[0].utterance.voice == "cmn-latn-pinyin"
    assert voice.speaking()


def test_the_citizen_repeats_and_changes_the_volume_within_bounds(voice: Voice, speaker: RecordingSpeaker) -> None:
    voice.turn_on()
    voice.prompt("Please choose a service", "en")
    voice.repeat()
    assert [s.utterance.text for s in speaker.transcript] == ["Please choose a service"] * 2
    assert [voice.louder() for _ in range(8)][-1] == 10
    assert [voice.softer() for _ in range(12)][-1] == 1
    assert speaker.transcript[-1].utterance.volume == 1


def test_a_session_ends_with_silence_and_the_halls_defaults(voice: Voice, speaker: RecordingSpeaker) -> None:
    voice.turn_on(slow=True)
    voice.prompt("请将身份证放在读卡区", "zh")
    assert speaker.transcript[-1].utterance.rate == 130
    voice.louder()
    voice.end_session()
    assert not voice.speaking()
    assert not voice.on
    assert voice.volume == 5
    voice.repeat()
    voice.turn_on()
    assert len(speaker.transcript) == 2  # nothing of the last session is said again


def test_a_phone_or_id_number_is_not_read_aloud_unless_asked(voice: Voice, speaker: RecordingSpeaker) -> None:
    voice.turn_on()
    voice.prompt("请核对手机号13800138000和证件号11010519491231002X", "zh")
    said = speaker.texts()[-1]
    assert "yao1 san1 ba1" not in said
    assert "ling2 ling2 er4" not in said
    assert said.count("bu4 lang3 du2") == 2  # 不朗读, twice
    voice.say(("Your phone number is", Code("13800138000")), "en", personal=True)
    assert speaker.texts()[-1] == "Your phone number is 1 3 8 0 0 1 3 8 0 0 0"
    voice.say(("Your phone number is", Code("13800138000")), "en")
    assert speaker.texts()[-1] == "Your phone number is (personal details, not read aloud)"


def test_the_audible_receipt_reads_number_item_date_and_what_is_owed(voice: Voice, speaker: RecordingSpeaker) -> None:
    deferrable = next(r for r in ITEM.materials if r.deferrable)
    _, receipt = receipt_for(ITEM.code, **{deferrable.material.id: MaterialStatus.DEFERRED})
    assert receipt.owed, "the sample item owes a material"
    parts = receipt_parts(receipt, "en")
    assert Code(receipt.number) in parts
    assert Day(receipt.promised_date) in parts
    assert not any(receipt.applicant_name in str(p) or receipt.applicant_id in str(p) for p in parts)
    voice.turn_on()
    voice.receipt(receipt, "en")
    said = speaker.texts()[-1]
    assert said.startswith("Your application is submitted. Please take your receipt. Application number: L C 0 0 0 1,")
    assert ITEM.name.en in said
    assert "Still to hand in:" in said
    voice.receipt(receipt, "zh")
    assert "shen1 qing3 bian1 hao4" in speaker.texts()[-1]
    assert "xu1 yao4 bu3 jiao1" in speaker.texts()[-1]


def test_a_terminal_without_audio_keeps_working(speaker: RecordingSpeaker) -> None:
    speaker.silent = True
    voice = Voice(speaker)
    voice.turn_on()
    voice.prompt("Welcome", "en")
    assert speaker.texts() == []
    assert speaker.status().error is not None
