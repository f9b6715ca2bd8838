"""The writing pad: a finger writes one character; after every stroke the recogniser offers candidates.

Strokes are drawn as they are made and recognised off the UI thread (a late answer for strokes
that changed since is dropped). Choosing a candidate puts it into the field, clears the pad and
offers the words that most often follow it. Candidates are large for old eyes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.graphics import Color, Line
from kivy.lang import Builder
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.services.writing import InputEngines
from kiosk.ui import bridge
from kiosk.ui.i18n import N_
from kiosk.ui.inputs.keys import Hint, KeyCap, WordKey
from kiosk.ui.widgets import discard

Builder.load_file(str(Path(__file__).with_suffix(".kv")))
CANDIDATES = 8
MAX_STROKES = 60  # the recogniser reads at most 64: a pad this full is cleared by the citizen
PAD_MM = 5 * 16 + 4 * 4 / 2  # five 16 mm keys and their 2 mm gaps


class HandwritingPad(Widget):
    """Collect strokes in pad coordinates (origin top left, y down) and recognise them."""

    def __init__(self, engines: InputEngines, on_pick: Callable[[str], Any], **kwargs: Any) -> None:
        """An empty pad, 88 mm square (five keys high): no larger in elder mode, where the keyboard must still fit."""
        super().__init__(size_hint=(None, None), **kwargs)
        theme = App.get_running_app().theme
        self.height = self.width = theme.px_per_mm * PAD_MM  # a square box, as characters are written
        self.engines, self.on_pick = engines, on_pick
        self.strokes: list[list[tuple[float, float]]] = []
        self.finger: Any = None  # the touch drawing now: a second finger or a resting palm is ignored
        self.offered: list[str] = []
        self.following = False  # the bar offers words that follow the last character chosen
        self.asked = 0  # increases per recognition: a late answer for older strokes is dropped
        self.answered = 0  # the recognition whose candidates show
        self.bar: BoxLayout | None = None
        self.t: Callable[[str], str] = str
        self.bind(pos=lambda *_: self.redraw(), size=lambda *_: self.redraw())

    def on_touch_down(self, touch: Any) -> bool:
        """Start a stroke where the finger lands on the pad (one finger at a time)."""
        if not self.collide_point(*touch.pos):
            return False
        if self.finger is not None or len(self.strokes) >= MAX_STROKES:
            return True  # a second touch on the pad draws nothing and reaches nothing else
        self.finger = touch.uid
        touch.grab(self)
        self.strokes.append([self._local(touch.pos)])
        self.redraw()
        return True

    def on_touch_move(self, touch: Any) -> bool:
        """Extend the stroke the finger is drawing."""
        if touch.grab_current is not self or touch.uid != self.finger:
            return False
        self.strokes[-1].append(self._local(touch.pos))
        self.redraw()
        return True

    def on_touch_up(self, touch: Any) -> bool:
        """End the stroke and ask the recogniser what it could be."""
        if touch.grab_current is not self or touch.uid != self.finger:
            return False
        touch.ungrab(self)
        self.finger = None
        self.recognise()
        return True

    def undo(self) -> None:
        """Take back the last stroke, and recognise what remains."""
        self.strokes = self.strokes[:-1]
        self.redraw()
        if self.strokes:
            self.recognise()
        else:
            self.clear()

    def _local(self, pos: tuple[float, float]) -> tuple[float, float]:
        """Return a window position in pad coordinates (y down from the pad's top)."""
        x, y = self.to_widget(*pos)
        return x - self.x, self.top - y

    def recognise(self) -> None:
        """Recognise the strokes so far, off the UI thread."""
        self.asked += 1
        asked, strokes, size = self.asked, [list(s) for s in self.strokes], (self.width, self.height)
        recogniser = self.engines.recognizer

        def work() -> list[str]:
            engine = recogniser()
            return engine.recognize(strokes, size[0], size[1], CANDIDATES) if engine is not None else []
        bridge.run(work, lambda found: self._offer(asked, found), lambda _exc: self._offer(asked, []))

    def _offer(self, asked: int, found: list[str]) -> None:
        """Show the candidates for the latest strokes."""
        if asked == self.asked:
            self.offered, self.following, self.answered = found, False, asked
            self._refill()

    def pick(self, text: str) -> None:
        """Put a candidate into the field, clear the pad, offer what often follows it."""
        self.on_pick(text)
        self.strokes = []
        self.asked += 1
        self.offered, self.following = self.engines.following(text[-1], CANDIDATES), True
        self.redraw()
        self._refill()

    def clear(self) -> None:
        """Wipe the strokes (write again)."""
        self.strokes, self.offered, self.following = [], [], False
        self.asked += 1
        self.redraw()
        self._refill()

    def fill(self, bar: BoxLayout, t: Callable[[str], str]) -> None:
        """Fill the keyboard's bar with the candidates (or the following words), and a key to write again."""
        self.bar, self.t = bar, t
        self._refill()

    def _refill(self) -> None:
        """Redraw the bar from what is offered now."""
        if self.bar is None:
            return
        discard(self.bar)
        problem, app = self.engines.handwriting_problem, App.get_running_app()
        if problem is not None:
            self.bar.add_widget(Hint(text=problem.citizen.get(app.lang), color=app.theme.colours.error))
            return
        if not self.offered:
            hint = N_("Write one character in the box") if not self.strokes else N_("Looking…")
            self.bar.add_widget(Hint(text=self.t(hint), size_hint_x=2.5))  # one line, 8 mm tall in elder mode
        for text in self.offered:
            key = WordKey(text=text, size_hint_x=max(1.0, 0.6 * len(text)))
            key.bind(on_release=lambda _b, chosen=text: self.pick(chosen))
            self.bar.add_widget(key)
        again = KeyCap(text=self.t(N_("Write again")), size_hint_x=1.4)
        again.bind(on_release=lambda _b: self.clear())
        self.bar.add_widget(again)

    def redraw(self) -> None:
        """Draw the strokes (the pad and its 田字格 guides are in the .kv)."""
        self.canvas.clear()
        with self.canvas:
            Color(0.05, 0.05, 0.05, 1)
            for stroke in self.strokes:
                points = [c for x, y in stroke for c in (self.x + x, self.top - y)]
                if len(points) >= 4:
                    Line(points=points, width=4)
