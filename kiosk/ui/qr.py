"""QR codes as Kivy textures (segno draws them; nothing personal is ever encoded)."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import urlsplit

import segno
from kivy.core.image import Image as CoreImage
from kivy.graphics.texture import Texture


def texture(payload: str) -> Texture:
    """Return a QR code of ``payload`` as a texture."""
    out = BytesIO()
    segno.make(payload, error="m").save(out, kind="png", scale=8, border=2)
    out.seek(0)
    image: Texture = CoreImage(out, ext="png").texture
    return image


def guide_url(progress_url: str, code: str) -> str:
    """Return where the guide of ``code`` can be read at home (the catalog publisher's site)."""
    parts = urlsplit(progress_url)
    return f"{parts.scheme}://{parts.netloc}/guide?code={code}"
