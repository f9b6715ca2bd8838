"""Use case: type a text field by touch — pinyin letters become words, handwriting gives characters, keys add the rest.

One `TextEntry` per field being typed; it holds the field's text and, in pinyin, the letters not
yet turned into words (the session's `Composer`, which remembers the words chosen in this session
only). Every change keeps the field within its length and free of control characters, so no
sequence of taps can leave it in a state the form would refuse for its shape.
"""

from __future__ import annotations

import unicodedata

from l10n.pinyin import Candidate, Composer

PAGE = 5  # candidates to a page: each a large key


def acceptable(text: str) -> bool:
    """Return whether ``text`` may be typed into a field (no control or format characters)."""
    return all(unicodedata.category(ch)[0] != "C" for ch in text)


class TextEntry:
    """The text of one field, and the pinyin letters being typed into it."""

    def __init__(self, text: str, limit: int, composer: Composer | None) -> None:
        """Start from the field's answer with no letters pending; ``composer`` is None without the pinyin engine."""
        self.text, self.limit, self.composer, self.page = text[:limit], limit, composer, 0
        if composer is not None:
            composer.clear()  # letters left from another field never carry over

    @property
    def letters(self) -> str:
        """Return the pinyin letters typed and not yet chosen."""
        return self.composer.letters if self.composer is not None else ""

    def letter(self, letter: str) -> None:
        """Type a pinyin letter (ignored once the field is full, and without the engine)."""
        if self.composer is not None and len(self.text) < self.limit and self.composer.press(letter):
            self.page = 0

    def insert(self, text: str) -> None:
        """Add text as it is (a Latin letter, a digit, a punctuation mark, a handwritten character or word).

        Letters still waiting become words first (all of them, as successive first candidates).
        """
        self.flush()
        if acceptable(text):
            self.text = (self.text + text)[: self.limit]

    def flush(self, *, as_typed: bool = False) -> None:
        """Turn every pending letter into text: successive first candidates, or the letters themselves."""
        for _ in range(len(self.letters)):  # each choice uses up at least one letter
            offered = [] if as_typed else self.candidates()
            if not offered:
                break
            self.choose(offered[0])
        if self.composer is not None and self.letters:  # as typed, or letters that make no word
            rest = self.letters
            self.composer.clear()
            self.text = (self.text + rest)[: self.limit]
        self.page = 0

    def space(self) -> None:
        """Choose the first candidate while letters wait; add a space otherwise."""
        offered = self.candidates()
        if self.letters and offered:
            self.choose(offered[0])
        elif not self.letters:
            self.insert(" ")

    def backspace(self) -> None:
        """Remove the last pending letter, else the last character."""
        if self.composer is not None and self.composer.backspace():
            self.page = 0
        else:
            self.text = self.text[:-1]

    def clear(self) -> None:
        """Empty the field and drop the pending letters."""
        if self.composer is not None:
            self.composer.clear()
        self.text, self.page = "", 0

    def candidates(self) -> list[Candidate]:
        """Return the current page of candidates for the pending letters."""
        return self.composer.candidates(self.page, PAGE) if self.composer is not None and self.letters else []

    def turn(self, forward: bool) -> None:
        """Show the next page of candidates, or the previous one."""
        if forward and self.composer is not None and self.composer.has_next(self.page, PAGE):
            self.page += 1
        elif not forward and self.page > 0:
            self.page -= 1

    def choose(self, candidate: Candidate) -> None:
        """Put an offered candidate into the field (as much as fits); its letters are used up."""
        if self.composer is not None:
            self.text = (self.text + self.composer.choose(candidate))[: self.limit]
            self.page = 0
