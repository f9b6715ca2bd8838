"""The Chinese keyboard: pinyin with a candidate bar, Latin letters, digits and full-width punctuation, handwriting.

Everything is the kiosk's own widgets (no system input method, no on-screen keyboard of the OS):
a QWERTY layout in fixed rows, candidates as large keys with pages, and a key for each mode.
What the field holds shows on the field itself; the pending pinyin letters show on the bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout

from kiosk.services.inputs import BACKSPACE
from kiosk.services.textentry import TextEntry
from kiosk.services.writing import InputEngines
from kiosk.ui.i18n import N_
from kiosk.ui.inputs.handwriting import HandwritingPad
from kiosk.ui.inputs.keys import Hint, Key, KeyCap, KeyRows, WordKey, keys
from kiosk.ui.widgets import Themed, discard

PINYIN, LETTERS, SYMBOLS, HAND = "pinyin", "letters", "symbols", "hand"
SHIFT = "⇧"
MODE_KEYS = {  # what each mode's bottom row offers, in order
    PINYIN: ((SYMBOLS, "123"), (HAND, N_("Write")), (LETTERS, "ABC")),
    LETTERS: ((SYMBOLS, "123"), (HAND, N_("Write")), (PINYIN, N_("Pinyin"))),
    SYMBOLS: ((PINYIN, N_("Pinyin")), (HAND, N_("Write")), (LETTERS, "ABC")),
    HAND: ((PINYIN, N_("Pinyin")), (SYMBOLS, "123"), (LETTERS, "ABC")),
}
SYMBOL_ROWS = ("1234567890", "，。、；：？！·—…", "（）《》“”‘’-/")


class ChineseKeyboard(Themed, BoxLayout):
    """Type one text field: pinyin by default; ``on_change`` gets the field's text after every change."""

    def __init__(self, entry: TextEntry, engines: InputEngines, on_change: Callable[[str], Any],
                 mode: str = PINYIN, on_mode: Callable[[str], Any] = lambda _mode: None, **kwargs: Any) -> None:
        """Lay out the keys of ``mode`` (the citizen's last choice) under the candidate bar."""
        super().__init__(orientation="vertical", size_hint_y=None, **kwargs)
        theme = App.get_running_app().theme
        self.entry, self.engines, self.on_change = entry, engines, on_change
        self.spacing = theme.gap / 2
        self.bar = BoxLayout(size_hint_y=None, height=theme.target, spacing=self.spacing)
        self.body = BoxLayout(orientation="vertical", size_hint_y=None, spacing=self.spacing)
        self.body.bind(minimum_height=self.body.setter("height"))
        self.add_widget(self.bar)
        self.add_widget(self.body)
        self.bind(minimum_height=self.setter("height"))
        self.mode, self.on_mode, self.upper, self.clearing = mode, on_mode, False, False
        self.pad: HandwritingPad | None = None
        self.show()

    def t(self, msgid: str) -> str:
        """Translate a key's label."""
        app = App.get_running_app()
        return str(app.t(msgid, app.lang))

    def show(self) -> None:
        """Draw the keys of the current mode and the bar."""
        discard(self.body, self.pad)  # the pad survives a redraw
        if self.mode != HAND:
            self.pad = None
        else:  # the pad survives a redraw (a language change): its strokes and candidates stay
            self.pad = self.pad or HandwritingPad(self.engines, self.hand_pick)
            if self.pad.parent is not None:
                self.pad.parent.remove_widget(self.pad)
            square = AnchorLayout(anchor_x="center", size_hint_y=None, height=self.pad.height)
            square.add_widget(self.pad)
            self.body.add_widget(square)
        rows = KeyRows()
        rows.build(self.rows(), self.press)
        self.body.add_widget(rows)
        self.draw_bar()

    def rows(self) -> list[list[Key]]:
        """Return the key rows of the current mode."""
        bottom = [Key(self.t(label), f"mode:{mode}", word=True) for mode, label in MODE_KEYS[self.mode]]
        clear = N_("Tap again to clear") if self.clearing else N_("Clear")
        bottom += [Key(self.t(N_("Space")), "space", 3 if not self.clearing else 2, word=True),
                   Key(BACKSPACE, "back"), Key(self.t(clear), "clear", 1 if not self.clearing else 2, word=True)]
        if self.mode == SYMBOLS:
            return [*map(keys, SYMBOL_ROWS), bottom]
        if self.mode == HAND:
            return [bottom]
        letters = [keys("qwertyuiop"), keys("asdfghjkl"), [*keys("zxcvbnm"), Key("，"), Key("。")]]
        if self.mode == LETTERS:
            letters = [[Key(k.label.upper()) for k in row] if self.upper else row for row in letters]
            letters[2] = [Key(SHIFT, "shift"), *letters[2][:-2], Key(","), Key(".")]
        return [*letters, bottom]

    def draw_bar(self) -> None:
        """Show the pending letters and a page of candidates (pinyin), or a hint."""
        discard(self.bar)
        if self.mode == HAND and self.pad is not None:
            self.pad.fill(self.bar, self.t)
            return
        letters = self.entry.letters
        if self.mode != PINYIN or not letters:
            self.bar.add_widget(Hint(text=self._hint()))
            return
        self.bar.add_widget(Hint(text=letters, shorten=True, shorten_from="left", color=(0.1, 0.1, 0.1, 1)))
        for number, candidate in enumerate(self.entry.candidates()):
            key = WordKey(text=candidate.text, size_hint_x=max(1.0, 0.55 * len(candidate.text)))
            key.bind(on_release=lambda _b, n=number: self.press(f"pick:{n}"))
            self.bar.add_widget(key)
        for label, value in (("◀", "page:back"), ("▶", "page:on")):
            arrow = KeyCap(text=label, size_hint_x=None, width=App.get_running_app().theme.target)
            arrow.bind(on_release=lambda _b, v=value: self.press(v))
            self.bar.add_widget(arrow)

    def _hint(self) -> str:
        """Return what the bar says while nothing is pending."""
        if self.mode != PINYIN:
            return ""
        if self.entry.composer is None and self.engines.pinyin_problem is not None:
            return self.t(N_("Pinyin is not available on this terminal: please write by hand, or type ABC"))
        if self.entry.composer is None:
            return self.t(N_("Pinyin is getting ready: write by hand, or type ABC, meanwhile"))
        return self.t(N_("Type pinyin, e.g. liaocheng or lc for 聊城"))

    def press(self, key: str) -> None:
        """Apply one key of the keyboard, then redraw what changed."""
        before, armed = self.entry.text, self.clearing
        self.clearing = key == "clear" and not armed  # clearing takes a second tap: a long field is not lost
        if key.startswith("mode:"):
            self.mode = key[5:]
            self.entry.flush(as_typed=self.mode == LETTERS)  # pending letters: words, or as typed for ABC
            self.on_mode(self.mode)
        elif key == "shift":
            self.upper = not self.upper
        elif key == "back" and self.pad is not None and self.pad.strokes:
            self.pad.undo()  # on the pad, ← takes back the last stroke
        elif key != "clear" or armed:
            self._edit(key)
        if key.startswith("mode:") or key in {"shift", "clear"} or armed:
            self.show()
        else:
            self.draw_bar()
        if self.entry.text != before:
            self.on_change(self.entry.text)

    def leave(self) -> None:
        """Turn letters still pending into words as the citizen leaves the field (they belong to it)."""
        before = self.entry.text
        self.entry.flush()
        if self.entry.text != before:
            self.on_change(self.entry.text)

    def _edit(self, key: str) -> None:
        """Apply a key that edits the text or the pending letters."""
        entry = self.entry
        if key.startswith("pick:"):
            offered = entry.candidates()
            number = int(key[5:])
            if number < len(offered):
                entry.choose(offered[number])
        elif key.startswith("page:"):
            entry.turn(forward=key == "page:on")
        elif key in {"space", "back", "clear"}:
            {"space": entry.space, "back": entry.backspace, "clear": entry.clear}[key]()
        elif self.mode == PINYIN and len(key) == 1 and "a" <= key <= "z":
            entry.letter(key)
        else:
            entry.insert(key)

    def hand_pick(self, text: str) -> None:
        """Put a handwritten character (or a word that follows it) into the field."""
        before = self.entry.text
        self.entry.insert(text)
        if self.entry.text != before:
            self.on_change(self.entry.text)
