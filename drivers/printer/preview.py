"""Draw receipts (and emulator transcripts) as PNG images, as a thermal printer would print them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import segno
from PIL import Image, ImageChops, ImageDraw

from domain.receipt import CENTRED, Line, Style
from drivers.printer.fonts import draw_cells
from drivers.printer.job import DOTS_PER_COLUMN, SCALE

MARGIN = 16


@dataclass(frozen=True)
class Item:
    """One printed element: a text line, a QR code, a raster image or a cut."""

    kind: str  # text | qr | image | cut
    text: str = ""
    align: int = 0  # 0 left, 1 centre, 2 right
    scale: tuple[int, int] = (1, 1)  # width, height multipliers
    bold: bool = False
    image: Image.Image | None = None


def items_from_lines(lines: list[Line]) -> list[Item]:
    """Turn a laid-out receipt into printed items (what the printer job produces)."""
    items = []
    for line in lines:
        if line.style is Style.QR:
            items.append(Item("qr", line.text, align=1))
            continue
        centred = line.style in CENTRED
        items.append(Item("text", line.text, align=1 if centred else 0, scale=SCALE.get(line.style, (1, 1)),
                          bold=line.style in {Style.HALL, Style.NUMBER}))
    return [*items, Item("cut")]


def _qr(payload: str) -> Image.Image:
    """Render a QR code the size a printer module size 6 gives."""
    rows = [list(row) for row in segno.make(payload, error="l", micro=False).matrix_iter(scale=6, border=2)]
    image = Image.new("1", (len(rows[0]), len(rows)), 1)
    image.putdata([0 if dark else 1 for row in rows for dark in row])
    return image


def _text(item: Item, paper: int) -> Image.Image:
    """Render one text line: drawn at the printer's cell size, then scaled as GS ! scales it."""
    sx, sy = item.scale
    glyphs = draw_cells(item.text)
    if item.bold:  # emphasis: the printer strikes each dot twice, one dot apart
        glyphs = ImageChops.logical_and(glyphs, ImageChops.offset(glyphs, 1, 0))
    glyphs = glyphs.resize((glyphs.width * sx, glyphs.height * sy))
    strip = Image.new("1", (paper, 26 * sy + 4), 1)
    x = {0: 0, 1: (paper - glyphs.width) // 2, 2: paper - glyphs.width}[item.align]
    strip.paste(glyphs, (max(x, 0), 2))
    return strip


def render(items: list[Item], columns: int = 32) -> Image.Image:
    """Draw the items on a strip of paper ``columns`` wide (12 dots a column)."""
    paper = columns * DOTS_PER_COLUMN
    parts: list[Image.Image] = []
    for item in items:
        if item.kind == "text":
            parts.append(_text(item, paper))
        elif item.kind in {"qr", "image"}:
            picture = _qr(item.text) if item.kind == "qr" else item.image
            if picture is not None:
                strip = Image.new("1", (paper, picture.height + 8), 1)
                x = (paper - picture.width) // 2 if item.align == 1 else 0
                strip.paste(picture, (max(x, 0), 4))
                parts.append(strip)
        elif item.kind == "cut":
            strip = Image.new("1", (paper, 24), 1)
            ImageDraw.Draw(strip).line([(0, 12), (paper, 12)], fill=0, width=1)
            parts.append(strip)
    total = sum(p.height for p in parts) + 2 * MARGIN
    sheet = Image.new("L", (paper + 2 * MARGIN, total), 255)
    y = MARGIN
    for part in parts:
        sheet.paste(part.convert("L"), (MARGIN, y))
        y += part.height
    return sheet


def save_png(items: list[Item], path: Path, columns: int = 32) -> Path:
    """Render and write a PNG."""
    render(items, columns).save(path)
    return path
