"""A printable sheet of enrollment tokens: a QR code per token with its hall and expiry, PNG or PDF (A4)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import segno
from PIL import Image, ImageDraw

from drivers.printer.fonts import cjk_font
from provisioning.tokens import QR_PREFIX, HallProfile, private_file

PAGE = (1240, 1754)  # A4 at 150 dpi
COLUMNS, ROWS, MARGIN = 2, 3, 60
QR_SCALE = 9


def _qr(token: str) -> Image.Image:
    """Render one token's QR code (the technician scans it at the terminal)."""
    rows = [list(row) for row in segno.make(f"{QR_PREFIX}{token}", error="m").matrix_iter(scale=1, border=2)]
    size = len(rows) * QR_SCALE
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle((x * QR_SCALE, y * QR_SCALE, (x + 1) * QR_SCALE - 1, (y + 1) * QR_SCALE - 1), fill=0)
    return image


def write_sheet(tokens: list[str], profile: HallProfile, expires: datetime, path: Path) -> Path:
    """Lay tokens out six to a page; write PNG (first page) or a multi-page PDF, by ``path``'s suffix."""
    pages: list[Image.Image] = []
    cell_w, cell_h = (PAGE[0] - 2 * MARGIN) // COLUMNS, (PAGE[1] - 2 * MARGIN) // ROWS
    text, small = cjk_font(30), cjk_font(22)
    for start in range(0, len(tokens), COLUMNS * ROWS):
        page = Image.new("L", PAGE, 255)
        draw = ImageDraw.Draw(page)
        for n, token in enumerate(tokens[start : start + COLUMNS * ROWS]):
            x, y = MARGIN + (n % COLUMNS) * cell_w, MARGIN + (n // COLUMNS) * cell_h
            draw.rectangle((x + 8, y + 8, x + cell_w - 8, y + cell_h - 8), outline=160)
            qr = _qr(token)
            page.paste(qr, (x + (cell_w - qr.width) // 2, y + 20))
            lines = [(f"{profile.hall} · {profile.site} · {profile.prefix}", text), (profile.location, text),
                     (f"有效期至 valid until {expires:%Y-%m-%d %H:%M %Z}", small), (token, small)]
            top: float = y + 30 + qr.height
            for line, font in (item for item in lines if item[0]):
                draw.text((x + cell_w // 2, top), line, font=font, fill=0, anchor="ma")
                top += font.size + 10
        pages.append(page)
    with private_file(path) as out:  # the sheet carries live tokens: its owner only
        if path.suffix.lower() == ".pdf":
            pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=150.0)
        else:
            pages[0].save(out, format=(path.suffix.lstrip(".") or "png").upper().replace("JPG", "JPEG"))
    return path
