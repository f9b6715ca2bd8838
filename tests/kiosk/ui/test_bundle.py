"""A 一件事 bundle with two 容缺 materials, through the screens: the merged form, the keypad for numbers and
dates, text fields, multi-choice, the materials screen, and a receipt that lists what is owed."""

from __future__ import annotations

from kivy.uix.textinput import TextInput

from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import field, key_in, option, pick_date, to_form


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
    pick_date(kiosk, "预约开户日期", "2026-12-01")
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
