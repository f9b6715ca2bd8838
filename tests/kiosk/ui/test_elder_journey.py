"""An older citizen's whole 社会保障卡申领 in elder mode with voice on, by touch: the warning extended ten times, no
countdown over a prompt, the outcome spoken."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.speech.recording import RecordingSpeaker
from tests.kiosk.ui.driver import Driver, running_kiosk
from tests.kiosk.ui.journey import CONFIRM, to_form
from tests.kiosk.ui.test_elder import PANEL_MM
from tests.kiosk.ui.test_personas import finish_social_security_card

EXTENSIONS = 10  # WCAG 2.2.1: the citizen can extend at least ten times
ANSWER_S = 20  # WCAG 2.2.1: at least 20 s to answer the warning


@pytest.fixture
def panel(display: str, tmp_path: Path) -> Iterator[Driver]:
    """A kiosk whose window has the 21.5-inch panel's size in millimetres."""
    with running_kiosk(tmp_path, PANEL_MM) as driver:
        yield driver


def spoken(kiosk: Driver) -> list[str]:
    """Return everything the recording speaker was asked to say."""
    speaker = kiosk.app.kiosk.speaker
    assert isinstance(speaker, RecordingSpeaker)
    return speaker.texts()


def leave_idle(kiosk: Driver, due_in: float = -1.0) -> None:
    """Make the last touch old enough that elder mode's warning is due in ``due_in`` seconds (now unless told)."""
    app = kiosk.app
    app.last_touch = time.monotonic() - max(2 * app.kiosk.settings.idle_timeout_s, app.reading_s) + due_in


def test_an_older_citizen_applies_for_a_social_security_card_in_elder_mode_with_voice(panel: Driver) -> None:
    app = panel.app
    panel.tap("长辈模式：关")
    assert app.elder
    assert app.kiosk.voice.on
    to_form(panel, "SB-001", "li")
    panel.tap(CONFIRM)
    assert panel.screen == "form"
    app.speak("请仔细阅读本页的说明，" * 20)  # a long prompt, said slowly
    leave_idle(panel, due_in=2)  # were nothing said: the warning in 2 s
    deadline = time.monotonic() + 5  # the idle watch runs once a second
    while time.monotonic() < deadline:
        panel.frames(5)
        assert app.kiosk.voice.speaking()
        assert not app.idle_warning, "the countdown started over a prompt"
    for _ in range(EXTENSIONS):
        app.kiosk.speaker.stop()
        leave_idle(panel)
        panel.until(lambda: app.idle_warning, timeout=5, what="the idle warning")
        assert app.countdown >= ANSWER_S
        panel.tap("继续办理")
        assert not app.idle_warning
        assert app.session is not None
        assert panel.screen == "form"
    text = finish_social_security_card(panel)
    assert "371502195203080029" not in text
    said = spoken(panel)
    assert "qing3 tian2 xie3 ben3 ye4 nei4 rong2." in said  # 请填写本页内容。 (pinyin for espeak-ng)
    assert sum(line.startswith("nin2 hai2 zai4 ma5.") for line in said) == EXTENSIONS  # 您还在吗 each time
    assert said[-1].startswith("yi3 ti2 jiao1, qing3 qu3 zou3 hui2 zhi2."), said[-1]  # 已提交，请取走回执
    assert "she4 hui4 bao3 zhang4 ka3 shen1 ling3" in said[-1]  # the item, in the audible receipt
    assert "li3 xiu4 ying1" not in "\n".join(said)  # the holder's name is never said unasked
    assert app.elder
