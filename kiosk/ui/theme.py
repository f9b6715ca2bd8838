"""Sizes from the panel's physical size (a 21-inch and a 32-inch panel both get finger-sized targets) and the colours.

Everything on screen is sized in millimetres of glass, converted with the panel's pixel density
(its resolution over its diagonal). Elder mode (长辈模式) multiplies every size by ``ELDER_SCALE``
and spaces lines wider; the high-contrast theme (高对比度) swaps the palette. Both last one session.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

MM_PER_INCH = 25.4
ELDER_SCALE = 1.6  # 适老化 main text: 1.6 × the 5 mm body, 8 mm
ELDER_REACH = 1.3  # targets 20.8 mm (≥ 20): a landscape page still holds the keyboard
ELDER_GAP = 1.55  # gaps 6.2 mm: half a gap (between keys, between options) is still ≥ 3 mm
ELDER_TITLE = 1.25  # headings 10 mm: above the 8 mm text, and room left on a landscape page
ELDER_LINE_HEIGHT = 1.3  # line spacing of wrapped text in elder mode


@dataclass(frozen=True)
class Theme:
    """Pixel sizes for one panel."""

    width_px: int
    height_px: int
    diagonal_in: float
    scale: float = 1.0
    high_contrast: bool = False

    def moded(self, *, elder: bool, high_contrast: bool) -> Theme:
        """Return this panel's theme in (or out of) elder mode and the high-contrast palette."""
        return replace(self, scale=ELDER_SCALE if elder else 1.0, high_contrast=high_contrast)

    @property
    def elder(self) -> bool:
        """Return whether elder mode's sizes are in force."""
        return self.scale > 1.0

    @property
    def reach(self) -> float:
        """Return how much larger touch targets and the gaps between them are than usual."""
        return ELDER_REACH if self.elder else 1.0

    @property
    def line_height(self) -> float:
        """Return the spacing of wrapped lines, as a multiple of the font size."""
        return ELDER_LINE_HEIGHT if self.elder else 1.0

    @property
    def px_per_mm(self) -> float:
        """Return the panel's pixels per millimetre."""
        return math.hypot(self.width_px, self.height_px) / self.diagonal_in / MM_PER_INCH

    def mm(self, millimetres: float) -> float:
        """Return ``millimetres`` of glass in pixels."""
        return millimetres * self.px_per_mm * self.scale

    @property
    def portrait(self) -> bool:
        """Return whether the panel stands upright."""
        return self.height_px > self.width_px

    @property
    def colours(self) -> Colours:
        """Return the screens' colours."""
        return HIGH_CONTRAST if self.high_contrast else COLOURS

    @property
    def target(self) -> float:
        """Return the height of a touch target: 16 mm, above the 9.6 mm minimum, for unsteady hands."""
        return self.px_per_mm * 16 * self.reach

    @property
    def gap(self) -> float:
        """Return the space between targets (mis-taps land on nothing); half of it still ≥ 3 mm in elder mode."""
        return self.px_per_mm * 4 * (ELDER_GAP if self.elder else 1.0)

    @property
    def text(self) -> float:
        """Return the body text size (about 5 mm tall characters)."""
        return self.mm(5)

    @property
    def title(self) -> float:
        """Return the heading size."""
        return self.px_per_mm * 8 * (ELDER_TITLE if self.elder else 1.0)

    @property
    def huge(self) -> float:
        """Return the size of a receipt number or a countdown."""
        return self.mm(14)


Rgba = tuple[float, float, float, float]


@dataclass(frozen=True)
class Colours:
    """Every colour the screens draw with: text ≥ 4.5:1 and cues ≥ 3:1 against what they are drawn on (WCAG 2.1).

    tests/kiosk/ui/test_contrast.py computes the ratios from the running screens.
    """

    page: Rgba = (0.96, 0.97, 0.99, 1)
    ink: Rgba = (0.1, 0.1, 0.1, 1)  # body text
    heading: Rgba = (0.05, 0.2, 0.45, 1)
    muted: Rgba = (0.3, 0.3, 0.3, 1)  # help and hints
    error: Rgba = (0.7, 0.08, 0.08, 1)
    on_dark: Rgba = (1, 1, 1, 1)  # text on a coloured button or bar
    primary: Rgba = (0.11, 0.37, 0.73, 1)  # a button that goes on
    secondary: Rgba = (0.33, 0.35, 0.4, 1)  # back, skip, finish (was 0.5 grey: 3.9:1)
    chosen: Rgba = (0.05, 0.45, 0.2, 1)  # a chosen option, submit
    later: Rgba = (0.62, 0.3, 0.0, 1)  # a material handed in later (was 3.5:1)
    urgent: Rgba = (0.72, 0.25, 0.05, 1)  # call staff, the idle countdown
    bar: Rgba = (0.05, 0.2, 0.45, 1)  # the top bar
    field: Rgba = (0.85, 0.88, 0.93, 1)  # an answer's button, a key
    typing: Rgba = (1, 0.93, 0.7, 1)  # the answer being typed
    focus: Rgba = (0.62, 0.3, 0.0, 1)  # the border of the answer being typed
    disabled: Rgba = (0.8, 0.81, 0.84, 1)  # a button that cannot be used now
    on_disabled: Rgba = (0.25, 0.26, 0.29, 1)
    notice: Rgba = (0.05, 0.4, 0.18, 1)  # a short message, help on its way
    dialog: Rgba = (1, 1, 1, 1)
    shade: Rgba = (0, 0, 0, 0.6)  # behind the idle question
    none: Rgba = (0, 0, 0, 0)


COLOURS = Colours()
HIGH_CONTRAST = Colours(  # text ≥ 7:1 and cues ≥ 3:1 (WCAG 1.4.6 AAA, 1.4.11): black on white, white on near-black
    page=(1, 1, 1, 1), ink=(0, 0, 0, 1), heading=(0, 0, 0, 1), muted=(0.12, 0.12, 0.12, 1),
    error=(0.5, 0, 0, 1), on_dark=(1, 1, 1, 1), primary=(0, 0.13, 0.4, 1), secondary=(0.1, 0.1, 0.1, 1),
    chosen=(0, 0.28, 0.1, 1), later=(0.4, 0.18, 0, 1), urgent=(0.5, 0.08, 0, 1), bar=(0, 0, 0, 1),
    field=(1, 1, 0.85, 1), typing=(1, 0.9, 0.3, 1), focus=(0, 0, 0, 1), disabled=(0.92, 0.92, 0.92, 1),
    on_disabled=(0.15, 0.15, 0.15, 1), notice=(0, 0.25, 0.08, 1), dialog=(1, 1, 1, 1), shade=(0, 0, 0, 0.8),
)
