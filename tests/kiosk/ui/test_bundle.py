"""企业开办一件事 finished by touch alone, with two 容缺 materials: the merged form, keypads for numbers, the date
picker, Chinese typed by pinyin, multi-choice, the materials screen, and a printed receipt that lists what is owed."""

from __future__ import annotations

from kivy.uix.button import Button

from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import field, key_in, option, pick_date, tap_key, to_form, type_pinyin


def test_a_bundle_with_two_deferred_materials(kiosk: Driver) -> None:
    to_form(kiosk, "YJS-001")
    kiosk.tap("是我本人，继续")
    kiosk.tap("下一步")  # applicant, from the card
    kiosk.tap(option(kiosk, "delivery.method", "window"))
    kiosk.tap("下一步")
    key_in(kiosk, "联系电话", "06358888888")
    kiosk.tap("下一步")
    assert kiosk.screen == "form"
    kiosk.tap(option(kiosk, "business.applicant_role", "legal_rep"))
    kiosk.touch(field(kiosk, "企业（字号）名称", Button))
    type_pinyin(kiosk, [("liaocheng", "聊城"), ("shili", "示例"), ("canyin", "餐饮"), ("yxgs", "有限公司")])
    kiosk.tap(option(kiosk, "business.type", "llc"))
    key_in(kiosk, "注册资本", "50")
    kiosk.touch(field(kiosk, "经营范围", Button))
    type_pinyin(kiosk, [("cy", "餐饮"), ("fuwu", "服务")])
    kiosk.touch(field(kiosk, "住所", Button))
    type_pinyin(kiosk, [("shandongsheng", "山东省"), ("lcs", "聊城市"), ("dongchangfuqu", "东昌府区"), ("shili", "示例"),
                        ("lu", "路")])
    tap_key(kiosk, "123")
    tap_key(kiosk, "8")
    tap_key(kiosk, "拼音")
    type_pinyin(kiosk, [("hao", "号")])
    kiosk.tap(option(kiosk, "business.seal_types", "official"))
    kiosk.tap(option(kiosk, "business.seal_types", "finance"))
    kiosk.touch(field(kiosk, "预约开户银行", Button))
    type_pinyin(kiosk, [("zhongguojiansheyinhang", "中国建设银行"), ("lc", "聊城"), ("fenhang", "分行"),
                        ("yyb", "营业部")])
    pick_date(kiosk, "预约开户日期", "2026-12-01")
    answers = kiosk.app.session.answers
    assert answers["business.account_open_date"] == "2026-12-01"
    assert (answers["business.name"], answers["business.scope"]) == ("聊城示例餐饮有限公司", "餐饮服务")
    assert answers["business.address"] == "山东省聊城市东昌府区示例路8号"
    assert answers["business.account_bank"] == "中国建设银行聊城分行营业部"
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
    assert "容缺后补：营业执照" in review
    kiosk.tap("提交")
    kiosk.until(lambda: "请取走您的回执。" in kiosk.texts(), what="the receipt printed")
    owed = kiosk.app.session.application.owed
    assert sorted(m.material_id for m in owed) == ["business_licence", "company_seals"]
    assert all(m.due is not None for m in owed)
    printed = "\n".join(i.text for i in kiosk.printer.emulator.items if i.kind == "text")
    assert "营业执照" in printed
