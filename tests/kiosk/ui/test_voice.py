"""Voice guidance through the real widgets: one tap turns it on, every screen says its prompt, the card result and
the receipt are said, volume and repeat work, nothing personal is said, and the session's end resets it all."""

from __future__ import annotations

import time

from drivers.speech.recording import RecordingSpeaker
from l10n.speakable import code_zh
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import ID_NUMBER, to_form, to_review


def spoken(kiosk: Driver) -> list[str]:
    speaker = kiosk.app.kiosk.speaker
    assert isinstance(speaker, RecordingSpeaker)
    return speaker.texts()


def test_voice_guidance_says_each_step_of_a_journey_and_resets_after_it(kiosk: Driver) -> None:
    assert spoken(kiosk) == []  # off until the citizen asks
    kiosk.tap("语音播报：关")
    assert spoken(kiosk) == ["qing3 xuan3 ze2 yao4 ban4 li3 de5 shi4 xiang4"]  # 请选择要办理的事项
    kiosk.tap("大声一点")
    assert "音量 7" in kiosk.texts()
    assert kiosk.app.kiosk.speaker.transcript[-1].utterance.volume == 7
    kiosk.tap("再听一遍")
    assert spoken(kiosk)[-2:] == [spoken(kiosk)[0]] * 2
    to_review(kiosk)
    said = "\n".join(spoken(kiosk))
    assert "zhe4 shi4 ban4 shi4 zhi3 nan2" in said  # the guide: 这是办事指南
    assert "shi4 nin2 ben3 ren2 ma5. xian4 zai4 ke3 yi3 qu3 zou3 zheng4 jian4." in said  # the card read
    kiosk.tap("提交")
    kiosk.until(lambda: "请取走您的回执。" in kiosk.texts(), what="the receipt printed")
    number = kiosk.app.session.application.number
    kiosk.until(lambda: code_zh(number) in spoken(kiosk)[-1], what="the audible receipt")
    assert spoken(kiosk)[-1].startswith("yi3 ti2 jiao1, qing3 qu3 zou3 hui2 zhi2.")
    everything = "\n".join(spoken(kiosk))
    assert "zhang1 san1 feng1" not in everything  # the name is shown masked, never said
    assert code_zh(ID_NUMBER) not in everything
    kiosk.tap("评价本次服务")
    kiosk.tap("满意")
    kiosk.tap("提交评价")
    assert kiosk.screen == "home"
    assert not kiosk.app.voice_on
    assert "语音播报：关" in kiosk.texts()
    assert kiosk.app.kiosk.voice.volume == kiosk.app.kiosk.settings.voice_volume
    bar = kiosk.app.root.ids.voice_bar
    assert bar.disabled  # the voice bar is gone with the session
    assert bar.height == 0


def test_the_idle_countdown_waits_while_something_is_being_said(kiosk: Driver) -> None:
    kiosk.tap("语音播报：关")
    kiosk.tap("社会保障", partial=True)
    kiosk.tap(kiosk.app.kiosk.catalog.offering("SB-001").name.zh)
    assert kiosk.screen == "guide"
    app = kiosk.app
    app.speak("这是一段很长的说明，" * 40)  # about two minutes of speech
    wait = max(app.kiosk.settings.idle_timeout_s, app.reading_s)  # the guide takes a while to read
    app.last_touch = time.monotonic() - (wait - 2)  # were nothing said: the warning in 2 s
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        kiosk.frames(5)
        assert not app.idle_warning, "the countdown started over speech"
    app.kiosk.speaker.stop()
    kiosk.until(lambda: app.idle_warning, timeout=10, what="the warning once the speech ended")


def test_elder_mode_speaks_each_screen_slowly_line_by_line_in_both_languages(kiosk: Driver) -> None:
    from kiosk.ui.i18n import tr
    from l10n.speakable import text_zh

    kiosk.tap("长辈模式：关")  # elder mode turns voice guidance on, slowly
    to_form(kiosk)
    prompts = ["Please choose a service", "Here is the guide. Tap Start when you are ready.",
               "Please read how your information is used, then agree or go back.",
               "Please place your ID card on the reader.", "Is this you? You may take your card now."]
    speaker = kiosk.app.kiosk.speaker
    assert isinstance(speaker, RecordingSpeaker)
    assert speaker.texts() == [text_zh(tr(p, "zh")) for p in prompts]  # line by line, nothing personal between
    assert {s.utterance.rate for s in speaker.transcript} == {130}
    kiosk.tap("English")  # the screen is said again in English: its prompt, then where the citizen is
    said = [(s.utterance.voice, s.utterance.text, s.utterance.rate) for s in speaker.transcript[len(prompts):]]
    assert said == [("en-gb", "Please place your ID card on the reader.", 130),
                    ("en-gb", "Is this you? You may take your card now.", 130)]
