"""The shape atlas: every GB2312 character's shape features (shape.py) rendered from the installed CJK font.

The model's 6,763 characters are exactly GB2312's; a character's slot is its place in GB2312's rows
16–87 (94 cells a row, five of them empty). The file is a header naming what it was built from
(a hash of this builder's sources, the font's contents and Pillow's version) and one row of DIMENSIONS bytes per
slot, 1.7 MB, memory-mapped. An empty slot is all 255, as far as a row can be from any drawing.
Built in about 7 s, so once: by scripts/bootstrap.sh, or by the first engine load that lacks it.
"""

from __future__ import annotations

import hashlib
import mmap
import struct
from array import array
from pathlib import Path
from typing import cast

import PIL
from PIL import Image, ImageChops, ImageDraw, ImageFont

from drivers.handwriting import shape
from drivers.handwriting.shape import DIMENSIONS, features, glyph_tile
from l10n.cachefiles import building, cache_folder, remove_stale, write_whole

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_PACKAGE = "fonts-wqy-microhei"
BUILDER_VERSION = 1  # the builder's sources are hashed too: raise this for a change they do not show
MAGIC = b"YCHWATLS"
HEADER = struct.Struct("=8sHH16s")  # magic, dimensions per slot, slots, signature
FIRST_ROW, ROWS, CELLS = 0xB0, 72, 94  # GB2312's hanzi: lead bytes B0–F7, trail bytes A1–FE
SLOTS = ROWS * CELLS
GLYPH_SIZE = 128  # px, the size glyphs are rendered at before they are scaled onto a tile
PREFIX, SUFFIX = "atlas-", ".bin"


class AtlasUnavailable(Exception):
    """Say why the atlas cannot be opened or built (the font missing, the file not an atlas)."""


def slot(char: str) -> int | None:
    """Return the character's slot, or None when it is not one of GB2312's hanzi."""
    try:
        lead, trail = char.encode("gb2312")
    except (UnicodeEncodeError, ValueError):
        return None
    number = (lead - FIRST_ROW) * CELLS + trail - 0xA1
    return number if 0 <= number < SLOTS else None


def character(number: int) -> str | None:
    """Return the character in a slot, or None for an empty one."""
    try:
        return bytes([FIRST_ROW + number // CELLS, 0xA1 + number % CELLS]).decode("gb2312")
    except UnicodeDecodeError:
        return None


def signature(font: Path = FONT) -> str:
    """Return the hash of the builder (this module and shape.py), the font's contents and Pillow's version."""
    digest = hashlib.sha256(f"builder {BUILDER_VERSION}; pillow {PIL.__version__}".encode())
    for builder in (Path(__file__), Path(shape.__file__)):
        digest.update(builder.read_bytes())
    try:
        with font.open("rb") as source:
            digest.update(hashlib.file_digest(source, "sha256").digest())
    except OSError as error:
        raise AtlasUnavailable(f"the font {font} cannot be read ({error}): install the Debian package "
                               f"{FONT_PACKAGE} (apt-get install {FONT_PACKAGE})") from error
    return digest.hexdigest()[:16]


def default_atlas_path(font: Path = FONT) -> Path:
    """Return where the atlas of the installed font belongs (its signature names the file)."""
    return cache_folder("handwriting") / f"{PREFIX}{signature(font)}{SUFFIX}"


def build_atlas(out: Path, font: Path = FONT) -> Path:
    """Render every slot's glyph and write the atlas to ``out``, which appears whole or not at all."""
    sign = signature(font)
    face = ImageFont.truetype(str(font), GLYPH_SIZE)
    rows = [_row(face, character(number)) for number in range(SLOTS)]
    return write_whole(out, HEADER.pack(MAGIC, DIMENSIONS, SLOTS, sign.encode("ascii")) + b"".join(rows))


def _row(face: ImageFont.FreeTypeFont, char: str | None) -> bytes:
    """Return one slot's bytes: the glyph's features, or all 255 for an empty slot or a glyph the font lacks."""
    empty = b"\xff" * DIMENSIONS
    if char is None:
        return empty
    canvas = Image.new("L", (GLYPH_SIZE * 3 // 2, GLYPH_SIZE * 3 // 2))
    ImageDraw.Draw(canvas).text((GLYPH_SIZE // 4, GLYPH_SIZE // 4), char, font=face, fill=255)
    tile = glyph_tile(canvas)
    return empty if tile is None else features(tile)


class Atlas:
    """The memory-mapped atlas: distances from a drawing's features to characters' (read-only, thread-safe)."""

    def __init__(self, path: Path, sign: str | None = None) -> None:
        """Map the file; AtlasUnavailable if it is not a whole atlas (of signature ``sign``, when given)."""
        try:
            with path.open("rb") as file:
                self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as error:
            raise AtlasUnavailable(f"the shape atlas {path} cannot be read ({error})") from error
        if not _whole(self._map, sign):
            self._map.close()
            raise AtlasUnavailable(f"{path} is not a shape atlas of this version (rebuild it)")
        self._view = memoryview(self._map)[HEADER.size:]  # shared, not copied: Pillow reads any buffer
        self._rows: Image.Image | None = Image.frombuffer("L", (DIMENSIONS, SLOTS), cast("bytes", self._view), "raw",
                                                          "L", 0, 1)

    def distances(self, query: bytes) -> list[float]:
        """Return the mean absolute difference (0–255) between ``query`` and every slot's row, by slot."""
        if self._rows is None:
            raise AtlasUnavailable("the shape atlas is closed")
        tiled = Image.frombytes("L", (DIMENSIONS, 1), query).resize((DIMENSIONS, SLOTS), Image.Resampling.NEAREST)
        difference = ImageChops.difference(self._rows, tiled)
        # Means of 4, rounded in bytes (an error of at most 1/8 of a unit), then the rest summed as floats.
        fours = difference.reduce((4, 1)).convert("F")
        return array("f", fours.reduce((DIMENSIONS // 4, 1)).tobytes()).tolist()

    def close(self) -> None:
        """Unmap the file; later calls raise AtlasUnavailable."""
        self._rows = None
        self._view.release()
        self._map.close()


def _whole(data: mmap.mmap, sign: str | None) -> bool:
    """Return whether ``data`` is a whole atlas of this format (and of signature ``sign``, when given)."""
    if len(data) != HEADER.size + SLOTS * DIMENSIONS:
        return False
    magic, dimensions, slots, found = HEADER.unpack_from(data)
    return (magic, dimensions, slots) == (MAGIC, DIMENSIONS, SLOTS) and sign in (None, found.decode("ascii", "replace"))


def open_atlas(path: Path | None = None, font: Path = FONT) -> Atlas:
    """Open the atlas at ``path`` (default: the cache's, for the installed font), building it if missing or unreadable.

    Callers at the same moment build it once: the others wait on a lock, then find it. A build
    into the default folder removes the atlases of earlier versions.
    """
    sign = signature(font)
    target = path or default_atlas_path(font)
    try:
        return Atlas(target, sign)
    except AtlasUnavailable:
        pass  # missing, unreadable or of another version: built below, once
    with building(target):
        try:
            return Atlas(target, sign)  # another process built it while this one waited
        except AtlasUnavailable:
            build_atlas(target, font)
    if path is None:
        remove_stale(target, PREFIX, SUFFIX)
    return Atlas(target, sign)
