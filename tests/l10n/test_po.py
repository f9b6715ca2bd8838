"""The .po reader the kiosk starts with gives what Babel compiles from the same catalogs, and refuses what it cannot read."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po as babel_read_po

from l10n.po import compile_po, read_po
from tests.common import ROOT

CATALOGS = sorted(ROOT.glob("*/**/locale/zh_CN/LC_MESSAGES/*.po"))


def babel_messages(path: Path) -> dict[str, str]:
    """Return the messages Babel compiles into the .mo (as `compile_po` did before)."""
    import gettext

    with path.open("rb") as source:
        catalog = babel_read_po(source, locale="zh_CN")
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return {k: v for k, v in gettext.GNUTranslations(compiled)._catalog.items() if k}  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.name)
def test_every_catalog_reads_as_babel_compiles_it(path: Path) -> None:
    messages = read_po(path.read_text(encoding="utf-8"), path.name)
    assert len(messages) > 50
    assert messages == babel_messages(path)


def test_escapes_lines_fuzzy_and_empty_entries_read_as_msgfmt_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "x.po"
    path.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
                    '# a comment\nmsgid "Say \\"hi\\""\nmsgstr "说\\"你好\\"\\n"\n\n'
                    'msgid "two "\n"lines"\nmsgstr ""\n"两行"\n\n'
                    '#, fuzzy, python-brace-format\nmsgid "guessed"\nmsgstr "猜的"\n\n'
                    'msgid "untranslated"\nmsgstr ""\n', encoding="utf-8")
    translations = compile_po(path, "zh_CN")
    assert translations.gettext('Say "hi"') == '说"你好"\n'
    assert translations.gettext("two lines") == "两行"
    assert translations.gettext("guessed") == "guessed"  # fuzzy: not used
    assert translations.gettext("untranslated") == "untranslated"
    assert compile_po(tmp_path / "missing.po", "zh_CN").gettext("x") == "x"


def test_a_plural_entry_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.po"
    path.write_text('msgid "one"\nmsgid_plural "many"\nmsgstr[0] "个"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"p.po \(zh_CN\):2: 'msgid_plural'"):
        compile_po(path, "zh_CN")
