"""Kivy settings that must be made before the window exists: kiosk mode, input, the CJK font."""

from __future__ import annotations

from kivy.config import Config

from kiosk.config import UiSection
from l10n.fonts import cjk_font_path


def configure(settings: UiSection) -> None:
    """Set the window and input for ``settings`` (call before anything creates the window)."""
    Config.set("kivy", "exit_on_escape", "0")  # a citizen must not close the terminal
    Config.set("kivy", "window_icon", "")
    Config.set("graphics", "width", str(settings.width_px))
    Config.set("graphics", "height", str(settings.height_px))
    Config.set("graphics", "resizable", "0")
    if settings.fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
        Config.remove_option("input", "mouse")  # the touchscreen only: no second (mouse) event per touch
    else:
        Config.set("input", "mouse", "mouse,disable_multitouch")  # no red multitouch dots on right-click


def register_font() -> None:
    """Make the CJK font Kivy's default (SDL_ttf reads a collection's first face, so no Noto)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase  # noqa: PLC0415 - after configure()

    LabelBase.register(DEFAULT_FONT, str(cjk_font_path(first_face_chinese=True)))
