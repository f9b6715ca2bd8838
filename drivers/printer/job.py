"""Turn a laid-out receipt into ESC/POS bytes: GB18030 text in Chinese mode, or raster lines.

Text styles are written from the ESC/POS command reference: ESC @ (init), ESC a n (align),
ESC E n (emphasis), GS ! n (character size), FS ! n (Chinese character size), FS & / FS .
(Chinese mode on / off), LF. QR codes (GS ( k), raster images (GS v 0) and the cut come from
python-escpos, which encodes those correctly; its text() does not (it switches encoding per
call and never enters Chinese mode), so text never goes through it.
"""

from __future__ import annotations

from enum import StrEnum

from escpos.printer import Dummy
from PIL import Image

from domain.receipt import Line, Style
from drivers.printer.fonts import draw_cells

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"
INIT = ESC + b"@"
CHINESE_ON, CHINESE_OFF = FS + b"&", FS + b"."
DOTS_PER_COLUMN = 12  # a 12x24 ASCII cell; a CJK character is 24x24 and takes two columns


class TextMode(StrEnum):
    """How a printer gets text."""

    NATIVE = "native"  # GB18030/GBK bytes in Chinese mode; raster only for characters its font lacks
    RASTER = "raster"  # every line as a bitmap (printers without a Chinese font)


STYLE_BYTES: dict[Style, tuple[bytes, bytes]] = {  # (before, after)
    Style.HALL: (ESC + b"a\x01" + ESC + b"E\x01", ESC + b"E\x00" + ESC + b"a\x00"),
    Style.TITLE: (ESC + b"a\x01" + GS + b"!\x11" + FS + b"!\x0c", GS + b"!\x00" + FS + b"!\x00" + ESC + b"a\x00"),
    Style.NUMBER: (ESC + b"E\x01" + GS + b"!\x01" + FS + b"!\x08", GS + b"!\x00" + FS + b"!\x00" + ESC + b"E\x00"),
}
SCALE = {Style.TITLE: (2, 2), Style.NUMBER: (1, 2)}


def encodable(text: str, charset: str) -> bool:
    """Return whether the printer's font (``charset``: gb2312, gbk or gb18030) has every character."""
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


def text_line(line: Line, charset: str) -> bytes:
    """Encode one text line in Chinese mode with its style."""
    before, after = STYLE_BYTES.get(line.style, (b"", b""))
    return before + CHINESE_ON + line.text.encode(charset) + CHINESE_OFF + LF + after


def raster_image(line: Line, columns: int) -> Image.Image:
    """Render one text line as a 1-bit image as wide as the paper, scaled as its style asks."""
    sx, sy = SCALE.get(line.style, (1, 1))
    glyphs = draw_cells(line.text)
    glyphs = glyphs.resize((glyphs.width * sx, glyphs.height * sy))
    image = Image.new("1", (columns * DOTS_PER_COLUMN, glyphs.height), 1)
    x = (image.width - glyphs.width) // 2 if line.style in {Style.HALL, Style.TITLE} else 0
    image.paste(glyphs, (max(x, 0), 0))
    return image


def _paper_width(printer: Dummy, dots: int) -> None:
    """Tell the printer's profile how wide the paper is, on a copy (escpos prints a warning when it is unknown)."""
    data = printer.profile.profile_data
    media = data["media"]
    printer.profile.profile_data = {**data, "media": {**media, "width": {**media["width"], "pixels": dots}}}


def build_job(lines: list[Line], mode: TextMode, columns: int, charset: str = "gb18030") -> bytes:
    """Return the bytes that print ``lines``, a QR code where a QR line stands, and a cut."""
    printer = Dummy()
    _paper_width(printer, columns * DOTS_PER_COLUMN)
    printer._raw(INIT)
    for line in lines:
        if line.style is Style.QR:  # native GS ( k; a printer that only prints images gets the QR as one
            printer._raw(ESC + b"a\x01")
            printer.qr(line.text, native=mode is TextMode.NATIVE, size=6)
            printer._raw(LF + ESC + b"a\x00")
        elif mode is TextMode.RASTER or not encodable(line.text, charset):
            printer.image(raster_image(line, columns))
        else:
            printer._raw(text_line(line, charset))
    printer.cut()
    return bytes(printer.output)
