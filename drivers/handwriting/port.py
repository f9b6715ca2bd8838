"""The handwriting recogniser port the writing pad's service is written against, and its one error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.text import Text

Point = tuple[float, float]
Strokes = Sequence[Sequence[Point]]


class HandwritingUnavailable(Exception):
    """Say that the recogniser cannot be loaded (a missing library or model) and which package to install."""

    citizen = Text("手写输入暂时无法使用，请使用拼音输入或请工作人员协助。",
                   "Handwriting input is not available. Please use the pinyin keyboard or ask a member of staff.")

    def __init__(self, message: str, package: str) -> None:
        """Keep the technician's message and the Debian package that provides what is missing."""
        super().__init__(message)
        self.package = package


class Recognizer(Protocol):
    """Turn finger strokes on a writing pad into candidate characters, best first."""

    def recognize(self, strokes: Strokes, width: float, height: float, limit: int = 10) -> list[str]:
        """Return up to ``limit`` characters for the strokes so far (pad coordinates, origin top left, y down).

        A partial character is fine (candidates are offered after every stroke); empty or absurd input
        (no points, NaN, a pad of no size) gives [] and never raises.
        """
        ...

    def close(self) -> None:
        """Release the engine; later calls return []."""
        ...
