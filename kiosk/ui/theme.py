"""Sizes from the panel's physical size: a 21-inch and a 32-inch panel both get finger-sized targets.

Everything on screen is sized in millimetres of glass, converted with the panel's pixel density
(its resolution over its diagonal). Elder mode (a later issue) scales ``scale``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class Theme:
    """Pixel sizes for one panel."""

    width_px: int
    height_px: int
    diagonal_in: float
    scale: float = 1.0

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
    def target(self) -> float:
        """Return the height of a touch target: 16 mm, above the 9.6 mm minimum, for unsteady hands."""
        return self.mm(16)

    @property
    def gap(self) -> float:
        """Return the space between targets (mis-taps land on nothing)."""
        return self.mm(4)

    @property
    def text(self) -> float:
        """Return the body text size (about 5 mm tall characters)."""
        return self.mm(5)

    @property
    def title(self) -> float:
        """Return the heading size."""
        return self.mm(8)

    @property
    def huge(self) -> float:
        """Return the size of a receipt number or a countdown."""
        return self.mm(14)
