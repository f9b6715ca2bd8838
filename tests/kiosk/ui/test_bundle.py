"""A 一件事 bundle with two 容缺 materials, through the screens: the merged form, the keypad for numbers and
dates, text fields, multi-choice, the materials screen, and a receipt that lists what is owed."""

from __future__ import annotations

from typing import Any

from kivy.uix.button import Button
from kivy.uix.textinput import TextInput

from kiosk.ui.widgets import Title
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import option, to_form


def field(kiosk: Driver, label: str, kind: type) -> Any:
    """Return the widget of ``kind`` belonging to the form field labelled ``label``."""
    for widget in kiosk.widgets():
        if isinstance(widget, kind) and not isinstance(widget, Title):
            box = widget.parent
            for _ in range(2):
                if box is None:
                    break
                if any(isinstance(c, Title) and c.text.startswith(label) for c in box.children):
                    return widget
                box = box.parent
    raise AssertionError(f"no {kind.__name__} for {label!r}: {kiosk.texts()}")


def key_in(kiosk: Driver, label: str, digits: str) -> None:
    """Open a field's keypad and type ``digits``."""
    kiosk.touch(field(kiosk, label, Button))
    for digit in digits:
        kiosk.tap(digit)


def test_a_bundle_with_two_deferred_materials(kiosk: Driver) -> None:
    to_form(kiosk, "YJS-001")
    kiosk.tap("是我本人,继续")
    kiosk.tap("下一步")  # applicant, from the card
    kiosk.tap(option(kiosk, "delivery.method", "window"))
    kiosk.tap("下一步")
    key_in(kiosk, "联系电话", "06358888888")
    kiosk.tap("下一步")
    assert kiosk.screen == "form"
    kiosk.tap(option(kiosk, "business.applicant_role", "legal_rep"))
    field(kiosk, "企业（字号）名称", TextInput).text = "聊城示例餐饮有限公司"  # typed with the system input method
    kiosk.tap(option(kiosk, "business.type", "llc"))
    key_in(kiosk, "注册资本", "50")
    field(kiosk, "经营范围", TextInput).text = "餐饮服务"
    field(kiosk, "住所", TextInput).text = "山东省聊城市东昌府区示例路8号"
    kiosk.tap(option(kiosk, "business.seal_types", "official"))
    kiosk.tap(option(kiosk, "business.seal_types", "finance"))
    field(kiosk, "预约开户银行", TextInput).text = "中国建设银行聊城分行营业部"
    key_in(kiosk, "预约开户日期", "20261201")
    assert kiosk.app.session.answers["business.account_open_date"] == "2026-12-01"
    assert kiosk.app.session.answers["business.seal_types"] == ["finance", "official"]
    kiosk.tap("下一步")
    assert kiosk.app.manager.get_screen("form").problems == {}
    assert kiosk.app.session.group == 4  # on to the tax questions
    kiosk.tap(option(kiosk, "tax.taxpayer_type", "small_scale"))
    kiosk.tap(option(kiosk, "tax.invoice_types", "e_normal"))
    kiosk.tap("下一步")
    kiosk.tap("下一步")  # attachments are optional
    kiosk.tap("□ 我确认")
    kiosk.tap("□ 我确认")
    kiosk.tap("下一步")
    assert kiosk.screen == "materials"
    kiosk.tap("营业执照", partial=True)
    kiosk.tap("企业公章", partial=True)
    assert sum("容缺后补" in t for t in kiosk.texts()) == 2
    kiosk.tap("下一步")
    review = "\n".join(kiosk.texts())
    assert "容缺后补:营业执照" in review
    kiosk.tap("提交")
    kiosk.until(lambda: "请取走您的回执。" in kiosk.texts(), what="the receipt printed")
    owed = kiosk.app.session.application.owed
    assert sorted(m.material_id for m in owed) == ["business_licence", "company_seals"]
    assert all(m.due is not None for m in owed)
    printed = "\n".join(i.text for i in kiosk.printer.emulator.items if i.kind == "text")
    assert "营业执照" in printed
