"""Every UI string is in the Chinese catalog, and every character shown has a glyph in the registered font."""

from __future__ import annotations

from fontTools.ttLib import TTCollection

from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from domain.receipt import STEPS
from kiosk.services.availability import NO_CATALOG, PAPER_OUT, PRINTER_DOWN, READER_DOWN, REVOKED, STORAGE_FULL
from kiosk.ui.i18n import tr
from l10n.fonts import cjk_font_path
from tests.kiosk.ui.msgids import used_msgids


def test_every_msgid_the_ui_uses_is_translated_to_chinese() -> None:
    msgids = used_msgids()
    assert len(msgids) > 60  # the extractor finds the screens' strings
    missing = sorted(m for m in msgids if tr(m, "zh") == m)
    assert missing == []


def _glyphs() -> set[int]:
    """Return the code points the UI font draws (its first face: what SDL_ttf uses)."""
    font = TTCollection(str(cjk_font_path(first_face_chinese=True))).fonts[0]
    return set(font.getBestCmap())


def test_the_font_draws_every_character_the_screens_can_show() -> None:
    catalog = load_catalog(SAMPLE_CATALOG)
    texts = [tr(m, lang) for m in used_msgids() for lang in ("zh", "en")]
    for offering in [*catalog.items.values(), *catalog.bundles.values()]:
        texts += [offering.name.zh, offering.name.en, offering.guide.zh]
        for form_field in offering.form.fields:
            texts += [form_field.label.zh, form_field.label.en, *(o.label.zh for o in form_field.options)]
    texts += [t.zh for t in (NO_CATALOG, PAPER_OUT, PRINTER_DOWN, READER_DOWN, REVOKED, STORAGE_FULL)]
    texts += [hall.counter.zh for hall in catalog.halls.values()] + [t.zh for t in STEPS.values()]  # receipt screen
    texts += ["0123456789X←*□■✓×•¥●", "English", "中文"]
    drawn = _glyphs()
    missing = sorted({ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in drawn})
    assert missing == []
