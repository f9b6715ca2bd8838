"""Elder mode asks one question a page (适老化), by touch: a group of two questions becomes two pages, and the
review's 修改 comes back to the group's first question."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kivy.uix.button import Button

from kiosk.ui.widgets import Title
from tests.kiosk.ui.driver import Driver, running_kiosk
from tests.kiosk.ui.journey import CONFIRM, key_in, option, to_form
from tests.kiosk.ui.test_elder import PANEL_MM

PHONE, POSTAL = "联系电话", "邮寄地址"


@pytest.fixture
def panel(display: str, tmp_path: Path) -> Iterator[Driver]:
    """A kiosk whose window has the 21.5-inch panel's size in millimetres."""
    with running_kiosk(tmp_path, PANEL_MM) as driver:
        yield driver


def labels(kiosk: Driver) -> list[str]:
    """Return the form's field labels on the page shown."""
    content = kiosk.app.manager.get_screen("form").ids.content
    return [w.text for w in content.walk() if isinstance(w, Title)]


def change_button(kiosk: Driver, group_title: str) -> Any:
    """Return the review's 修改 button on the row of ``group_title``."""
    for widget in kiosk.widgets():
        if isinstance(widget, Button) and widget.text == "修改" and any(
                isinstance(c, Title) and c.text == group_title for c in widget.parent.children):
            return widget
    raise AssertionError(f"no 修改 for {group_title}: {kiosk.texts()}")


def test_elder_mode_asks_each_question_on_its_own_page_by_touch(panel: Driver) -> None:
    app = panel.app
    panel.tap("长辈模式：关")
    to_form(panel, "SB-001", "li")
    panel.tap(CONFIRM)
    form = app.manager.get_screen("form")
    total = len(app.session.pages(one_question=True))
    assert form.ids.title.text.endswith(f"(1/{total})")
    panel.tap("下一步")
    panel.tap(option(panel, "delivery.method", "mail"))
    panel.tap("下一步")
    assert labels(panel) == [PHONE], labels(panel)  # the phone alone, though the group also asks the address
    assert len(app.session.pages(one_question=True)) == total + 1  # posting it added a question, and a page
    key_in(panel, PHONE, "13800138000")
    panel.tap("下一步")
    assert labels(panel) == [POSTAL], labels(panel)
    panel.tap("使用身份证上的地址")
    panel.tap("下一步")
    panel.tap(option(panel, "insurance.card_bank", "ccb"))
    panel.tap("下一步")
    panel.tap("我确认", partial=True)
    panel.tap("下一步")
    assert panel.screen == "review"
    contact = app.text(next(g.title for g, _ in app.session.groups() if g.id == "contact"))
    panel.touch(change_button(panel, contact))
    assert panel.screen == "form"
    assert labels(panel) == [PHONE]  # back at the group's first question
    assert "13800138000" in panel.texts()
    panel.tap("下一步")
    assert labels(panel) == [POSTAL]  # the next page is its second question, answered
    assert app.session.answers["contact.mail_address"] == app.session.identity.address


def test_without_elder_mode_the_same_group_is_one_page(panel: Driver) -> None:
    to_form(panel, "SB-001")  # a younger holder: elder mode is not offered
    panel.tap(CONFIRM)
    assert not panel.app.elder
    panel.tap("下一步")
    panel.tap(option(panel, "delivery.method", "mail"))
    panel.tap("下一步")
    assert labels(panel)[:2] == [PHONE, POSTAL]


def options_shown(kiosk: Driver) -> list[str]:
    """Return the option buttons of the partner-bank question shown now, in order from the top."""
    labels_zh = [str(o.label.zh) for o in kiosk.app.session.offering.field("insurance.card_bank").options]
    content = kiosk.app.manager.get_screen("form").ids.content
    shown = [w for w in content.walk() if isinstance(w, Button) and w.text in labels_zh]
    return [w.text for w in sorted(shown, key=lambda w: -w.to_window(*w.pos)[1])]


def test_elder_mode_pages_a_long_list_of_options_by_touch(panel: Driver) -> None:
    from kiosk.ui.widgets import ELDER_PAGE

    app = panel.app
    panel.tap("长辈模式：关")
    to_form(panel, "SB-001", "li")
    panel.tap(CONFIRM)
    panel.tap("下一步")
    panel.tap(option(panel, "delivery.method", "mail"))
    panel.tap("下一步")
    key_in(panel, PHONE, "13800138000")
    panel.tap("下一步")
    panel.tap("使用身份证上的地址")
    panel.tap("下一步")
    banks = [str(o.label.zh) for o in app.session.offering.field("insurance.card_bank").options]
    assert len(banks) > ELDER_PAGE
    panel.frames(2)
    assert options_shown(panel) == banks[:ELDER_PAGE]
    assert "1/2" in panel.texts()
    form = app.manager.get_screen("form")
    assert form.ids.content.height <= form.ids.scroll.height  # the page fits: nothing to scroll
    panel.tap("下一页")
    assert options_shown(panel) == banks[ELDER_PAGE:]
    panel.tap(banks[-1])
    assert app.session.answers["insurance.card_bank"] == "rcb"
    assert options_shown(panel) == banks[ELDER_PAGE:]  # the choice is framed on the page it was made on
    assert "2/2" in panel.texts()
    panel.tap("上一页")
    assert options_shown(panel) == banks[:ELDER_PAGE]
