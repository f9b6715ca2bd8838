"""Widgets a screen removes stop following the theme: a change of size re-renders only what can be seen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.catalog import CATEGORY_NAMES, Category
from kiosk.ui.screens.home import CategoryButton
from kiosk.ui.widgets import BigButton
from tests.kiosk.ui.driver import Driver, running_kiosk


@pytest.fixture
def kiosk(display: str, tmp_path: Path) -> Iterator[Driver]:
    """A kiosk on its home screen."""
    with running_kiosk(tmp_path) as driver:
        yield driver


def test_a_removed_list_does_not_follow_elder_mode_but_the_shown_one_does(kiosk: Driver) -> None:
    categories = [w for w in kiosk.widgets() if isinstance(w, CategoryButton)]
    assert categories
    kiosk.tap(CATEGORY_NAMES[Category.SOCIAL_SECURITY].zh, partial=True)  # the list of categories is removed
    before = categories[0].font_size
    kiosk.tap("长辈模式：关")
    assert kiosk.app.elder
    shown = [w for w in kiosk.widgets() if isinstance(w, BigButton) and w.get_root_window() is not None]
    assert shown
    assert all(w.font_size > before for w in shown if not isinstance(w, CategoryButton))
    assert all(w.font_size == before for w in categories), "a removed button still follows the theme"


def test_the_same_list_in_elder_mode_keeps_its_buttons(kiosk: Driver) -> None:
    home = kiosk.app.manager.get_screen("home")
    first = [w for w in home.ids.content.children if isinstance(w, CategoryButton)]
    kiosk.tap("长辈模式：关")
    again = [w for w in home.ids.content.children if isinstance(w, CategoryButton)]
    assert again
    assert set(map(id, again)) <= set(map(id, first))  # a page of the same buttons, re-sized
    assert again[0].font_size == kiosk.app.theme.text
