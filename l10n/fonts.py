"""Where the installed CJK font is (Debian fonts-wqy-microhei): the kiosk screens and the printer's raster use it."""

from __future__ import annotations

from pathlib import Path

CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


class FontMissing(RuntimeError):
    """No CJK font is installed."""


def cjk_font_path(*, first_face_chinese: bool = False) -> Path:
    """Return the installed CJK font file (``first_face_chinese``: one whose first face is Simplified Chinese)."""
    for path in CANDIDATES:
        if path.exists() and not (first_face_chinese and "Noto" in path.name):
            return path
    raise FontMissing("no CJK font found: install fonts-wqy-microhei (deps/apt-packages.txt)")
