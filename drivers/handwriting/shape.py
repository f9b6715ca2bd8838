"""A character's shape whatever order its strokes came in: directional line features of a small grey tile.

Both the finger's ink and the font's glyphs go through the same steps: the character is centred and
scaled (its longer side spanning the tile less the margins), blurred, and its edges measured in four
directions (—, |, /, \\) by Sobel-like kernels; each direction's strength is averaged over an 8 × 8
grid of cells. The 256 numbers, scaled to unit length and quantised to bytes, describe where lines of
each direction lie, which does not depend on the order or direction in which they were drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from drivers.handwriting.port import Point

TILE = 64  # px, the side of the tile the features are measured on
CELLS = 8  # cells per side of the grid the edges are averaged over
MARGIN = 0.1  # of the tile, on each side of the character
INK_WIDTH = 4  # px on the tile: about a font stroke's width at this size
BLUR = 1.5  # px, Gaussian radius before the edges are measured
QUANTUM = 600  # a unit vector's component times this is its byte (larger ones are clipped to 255)
_KERNELS = ((-1, -2, -1, 0, 0, 0, 1, 2, 1), (-1, 0, 1, -2, 0, 2, -1, 0, 1),  # edges of — and of |
            (-2, -1, 0, -1, 0, 1, 0, 1, 2), (0, -1, -2, 1, 0, -1, 2, 1, 0))  # edges of \ and of /
_FILTERS = tuple((ImageFilter.Kernel((3, 3), k, scale=1), ImageFilter.Kernel((3, 3), [-v for v in k], scale=1))
                 for k in _KERNELS)
DIMENSIONS = len(_KERNELS) * CELLS * CELLS  # bytes per character


def features(tile: Image.Image) -> bytes:
    """Return the DIMENSIONS bytes describing a TILE × TILE grey tile (white lines on black)."""
    blurred = tile.filter(ImageFilter.GaussianBlur(BLUR))
    strengths: list[int] = []
    for positive, negative in _FILTERS:
        edges = ImageChops.add(blurred.filter(positive), blurred.filter(negative))  # |response|: one side is 0
        strengths += edges.reduce(TILE // CELLS).tobytes()
    length = math.sqrt(sum(v * v for v in strengths))
    if not length:
        return bytes(DIMENSIONS)
    return bytes(min(255, round(v * QUANTUM / length)) for v in strengths)


def ink_tile(strokes: Sequence[Sequence[Point]]) -> Image.Image:
    """Return cleaned strokes (finite points, at least one in all) drawn as lines on a tile, centred and scaled."""
    xs = [x for stroke in strokes for x, _ in stroke]
    ys = [y for stroke in strokes for _, y in stroke]
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
    scale = TILE * (1 - 2 * MARGIN) / max(right - left, bottom - top, 1e-9)
    cx, cy = (left + right) / 2, (top + bottom) / 2
    tile = Image.new("L", (TILE, TILE))
    pen = ImageDraw.Draw(tile)
    for stroke in strokes:
        points = [((x - cx) * scale + TILE / 2, (y - cy) * scale + TILE / 2) for x, y in stroke]
        pen.line(points * 2 if len(points) == 1 else points, fill=255, width=INK_WIDTH, joint="curve")
    return tile


def glyph_tile(glyph: Image.Image) -> Image.Image | None:
    """Return a rendered glyph (white on black, any size) cropped, centred and scaled onto a tile; None if blank."""
    box = glyph.getbbox()
    if box is None:
        return None
    crop = glyph.crop(box)
    width, height = crop.size
    scale = TILE * (1 - 2 * MARGIN) / max(width, height)
    crop = crop.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.LANCZOS)
    tile = Image.new("L", (TILE, TILE))
    tile.paste(crop, ((TILE - crop.size[0]) // 2, (TILE - crop.size[1]) // 2))
    return tile
