"""Use case: voice guidance (语音播报) — what the terminal says, how loud, and what it never says aloud.

Speech is off until the citizen turns it on (or elder mode does); each screen's prompt is said on
entry and cuts off the previous one; the citizen can repeat it and turn the volume up or down. At
the end of a session the speaker stops and the volume and switch return to the hall's defaults.
At a public terminal personal data is not said aloud unless the citizen asks to hear it: a run of
eleven or more digits (an ID or a phone number) is left out of anything said otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.receipt import Receipt
from domain.text import Lang, Text
from drivers.speech.port import DEFAULT_RATE, MAX_VOLUME, MIN_VOLUME, Speaker, Utterance
from l10n.speakable import Code, Day, Part, speakable

PERSONAL = re.compile(r"\d[\d\s]{9,}\d[\dXx]?")  # eleven or more digits: an ID number or a phone number
WITHHELD = Text("（此处为个人信息，不朗读）", "(personal details, not read aloud)")
SUBMITTED = Text("已提交，请取走回执。", "Your application is submitted. Please take your receipt.")
NUMBER = Text("申请编号：", "Application number:")
ITEM = Text("办理事项：", "Service:")
PROMISED = Text("承诺办结日期：", "Promised completion date:")
ESTIMATED = Text("预计办结日期：", "Expected completion date:")
OWED = Text("需要补交：{name}，请在{when}前交到{counter}。", "Still to hand in: {name}, at {counter} by {when}.")


@dataclass(frozen=True)
class VoiceDefaults:
    """The hall's settings: the volume each session starts at, and the speaking rates."""

    volume: int = 6
    rate: int = DEFAULT_RATE
    slow_rate: int = 130  # words per minute in elder mode


class Voice:
    """Says prompts, results and receipts for one terminal; one instance lives across sessions."""

    def __init__(self, speaker: Speaker, defaults: VoiceDefaults | None = None) -> None:
        """Start with speech off at the hall's volume."""
        self.speaker, self.defaults = speaker, defaults or VoiceDefaults()
        self.on, self.slow, self.volume = False, False, self.defaults.volume
        self._last: tuple[tuple[Part, ...], Lang] | None = None

    def turn_on(self, *, slow: bool = False) -> None:
        """Turn speech on (``slow`` in elder mode) and say the current prompt again."""
        self.on, self.slow = True, slow
        self.repeat()

    def turn_off(self) -> None:
        """Turn speech off and stop what is being said."""
        self.on = False
        self.speaker.stop()

    def say(self, parts: tuple[Part, ...], lang: Lang, *, personal: bool = False) -> None:
        """Say ``parts`` now, cutting off anything being said; remember them for repeat.

        ``personal``: the citizen asked to hear their own details; otherwise long digit runs are withheld.
        """
        kept = parts if personal else tuple(_withhold(part, lang) for part in parts)
        self._last = (kept, lang)
        if self.on:
            voice, text = speakable(kept, lang)
            rate = self.defaults.slow_rate if self.slow else self.defaults.rate
            self.speaker.say(Utterance(voice, text, volume=self.volume, rate=rate))

    def prompt(self, text: str, lang: Lang) -> None:
        """Say a screen's prompt (or an error, a card-read result) on entry."""
        self.say((text,), lang)

    def repeat(self) -> None:
        """Say the last thing again."""
        if self._last is not None:
            self.say(*self._last)

    def louder(self) -> int:
        """Turn the volume up one step (up to the top) and say the last thing at it; return the volume."""
        return self._set_volume(self.volume + 1)

    def softer(self) -> int:
        """Turn the volume down one step (not to silence) and say the last thing at it; return the volume."""
        return self._set_volume(self.volume - 1)

    def speaking(self) -> bool:
        """Return whether something is being said (the idle countdown waits for it)."""
        return self.on and self.speaker.speaking()

    def end_session(self) -> None:
        """Stop speaking and return to the hall's defaults: speech off, the hall's volume, nothing to repeat."""
        self.speaker.stop()
        self.on, self.slow, self.volume, self._last = False, False, self.defaults.volume, None

    def receipt(self, receipt: Receipt, lang: Lang) -> None:
        """Say the audible receipt: the number digit by digit, the item, the promised date, anything owed."""
        self.say(receipt_parts(receipt, lang), lang)

    def _set_volume(self, volume: int) -> int:
        """Set the volume within the speaker's range and repeat at it."""
        self.volume = max(MIN_VOLUME, min(MAX_VOLUME, volume))
        self.repeat()
        return self.volume


def receipt_parts(receipt: Receipt, lang: Lang) -> tuple[Part, ...]:
    """Return what the audible receipt says (EN 301 549 5.1.3.16): no name, no ID number."""
    promised = ESTIMATED if receipt.promised_estimated else PROMISED
    parts: list[Part] = [SUBMITTED.get(lang), NUMBER.get(lang), Code(receipt.number), ".",
                         ITEM.get(lang), receipt.offering_name.get(lang) + ".",
                         promised.get(lang), Day(receipt.promised_date), "."]
    for name, due in receipt.owed:
        before, after = OWED.get(lang).split("{when}")
        parts += [before.format(name=name.get(lang), counter=receipt.counter.get(lang)), Day(due),
                  after.format(name=name.get(lang), counter=receipt.counter.get(lang))]
    return tuple(parts)


def _withhold(part: Part, lang: Lang) -> Part:
    """Return ``part`` with any ID or phone number replaced by words saying it is not read aloud."""
    if isinstance(part, Day):
        return part
    if isinstance(part, Code):
        return WITHHELD.get(lang) if PERSONAL.search(part.text) else part
    return PERSONAL.sub(WITHHELD.get(lang), part)
