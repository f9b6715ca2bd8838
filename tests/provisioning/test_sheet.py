"""The token sheet: every token's QR code, readable module by module, on A4 pages."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import segno
from PIL import Image

from provisioning.sheet import PAGE, QR_SCALE, _qr, write_sheet
from provisioning.tokens import HallProfile

PROFILE = HallProfile("lc-center", "hall", "LC", "一楼东侧")


def test_the_qr_image_carries_exactly_the_token_s_modules() -> None:
    token = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # noqa: S105 - a sample, not a secret
    image = _qr(token)
    rows = [list(r) for r in segno.make(f"YCENROLL:{token}", error="m").matrix_iter(scale=1, border=2)]
    assert image.size == (len(rows) * QR_SCALE,) * 2
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            centre = image.getpixel((x * QR_SCALE + QR_SCALE // 2, y * QR_SCALE + QR_SCALE // 2))
            assert (centre == 0) == bool(dark), (x, y)


def test_seven_tokens_make_a_two_page_pdf_and_an_a4_png(tmp_path: Path) -> None:
    tokens = [f"{n:032d}" for n in range(7)]
    pdf = write_sheet(tokens, PROFILE, datetime(2026, 11, 23, tzinfo=UTC), tmp_path / "tokens.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.read_bytes().count(b"/Type /Page\n") == 2
    png = write_sheet(tokens[:2], PROFILE, datetime(2026, 11, 23, tzinfo=UTC), tmp_path / "tokens.png")
    with Image.open(png) as page:
        assert page.size == PAGE
        assert page.getextrema()[0] == 0  # something was drawn in black


def test_token_sheets_and_qr_codes_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    from provisioning.tokens import write_qr

    old = os.umask(0o022)
    try:
        stale = tmp_path / "tokens.pdf"
        stale.write_bytes(b"an older sheet, world-readable")
        sheet = write_sheet(["0" * 32], PROFILE, datetime(2026, 11, 23, tzinfo=UTC), stale)
        qr = write_qr("A" * 32, tmp_path / "token-000.png")
    finally:
        os.umask(old)
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
    assert stat.S_IMODE(qr.stat().st_mode) == 0o600
    with Image.open(qr) as image:
        assert image.size[0] > 100  # a real QR picture, not an empty file
