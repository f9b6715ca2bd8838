"""The CJK font for raster printing and previews (Debian fonts-wqy-microhei)."""

from __future__ import annotations

from functools import cache

from PIL import Image, ImageDraw, ImageFont
from wcwidth import wcwidth

from l10n.fonts import cjk_font_path


@cache
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    """Return the CJK font at ``size`` pixels."""
    path = cjk_font_path()
    index = 2 if "Noto" in path.name else 0  # Noto's face 2 is the Simplified Chinese one
    return ImageFont.truetype(str(path), size, index=index)


CELL = 12  # dots per column: a half-width character; a CJK character takes two
LINE_HEIGHT = 26


def draw_cells(text: str) -> Image.Image:
    """Draw ``text`` into fixed printer cells (12 dots, 24 for wide characters), as a printer font does."""
    columns = [max(int(wcwidth(ch)), 0) for ch in text]
    image = Image.new("1", (max(sum(columns), 1) * CELL, LINE_HEIGHT), 1)
    draw = ImageDraw.Draw(image)
    x = 0
    for ch, cols in zip(text, columns, strict=True):
        if cols == 0:
            continue
        font = cjk_font(24 if cols == 2 else 20)
        left, _, right, _ = draw.textbbox((0, 0), ch, font=font)
        draw.text((x + (cols * CELL - (right - left)) // 2 - left, 2 if cols == 2 else 4), ch, font=font, fill=0)
        x += cols * CELL
    return image
