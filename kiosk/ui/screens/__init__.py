"""The citizen's screens: one .py and one .kv each, loaded off the start path.

Home is made for the first frame. The journey's screens are made one a frame once the terminal
is open (a citizen's first card → form is as quick as ever), and any screen asked for before its
turn, or not on the journey (progress, 补齐, the technician's), is made when it is first shown.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from kivy.clock import Clock, ClockEvent
from kivy.uix.screenmanager import Screen, ScreenManager

CLASSES = {  # screen name (its module's name) -> its class; home is made at start, every other one on first use
    "home": "HomeScreen", "guide": "GuideScreen", "notice": "NoticeScreen", "identify": "IdentifyScreen",
    "form": "FormScreen", "materials": "MaterialsScreen", "review": "ReviewScreen", "receipt": "ReceiptScreen",
    "rating": "RatingScreen", "out_of_service": "OutOfServiceScreen", "progress": "ProgressScreen",
    "supplement": "SupplementScreen", "technician_pin": "TechnicianPinScreen", "technician": "TechnicianScreen",
    "technician_enroll": "TechnicianEnrollScreen",
}
JOURNEY = ("guide", "notice", "identify", "form", "materials", "review", "receipt", "rating")


class Screens(ScreenManager):
    """The screen manager, making a screen (importing its module, which loads its kv rules) when first asked for."""

    def __init__(self, **kwargs: Any) -> None:
        """No screen yet: home is added first."""
        super().__init__(**kwargs)
        self._preparing: ClockEvent | None = None

    def get_screen(self, name: str) -> Screen:
        """Return screen ``name``, made now if it has not been shown before."""
        if name in CLASSES and not self.has_screen(name):
            screen_class = getattr(import_module(f"{__name__}.{name}"), CLASSES[name])
            self.add_widget(screen_class())
        screen: Screen = super().get_screen(name)
        return screen

    def prepare(self, then: Callable[[], None], names: tuple[str, ...] = JOURNEY) -> None:
        """Make the screens ``names`` not made yet, one a frame from the next (none waits for two); then ``then``."""
        self._preparing = Clock.schedule_once(lambda _dt: self._make(names, then), 0)

    def _make(self, names: tuple[str, ...], then: Callable[[], None]) -> None:
        """Make the first of ``names``, and the rest in the next frames; after the last, run ``then``."""
        if not names:
            then()
            return
        self.get_screen(names[0])
        self.prepare(then, names[1:])

    def stop_preparing(self) -> None:
        """Make no more screens ahead (the app stops)."""
        if self._preparing is not None:
            self._preparing.cancel()
