"""企业开办一件事 finished by touch alone: the bundle's guide, the merged form, keypads for numbers, the date picker,
Chinese typed by pinyin, multi-choice, the materials screen (never asking for what the bundle itself produces), and a
printed receipt that says what the citizen declared, where to hand it in and what happens next."""

from __future__ import annotations

from kivy.uix.button import Button

from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import field, key_in, option, pick_date, tap_key, to_form, type_pinyin


def _top(kiosk: Driver, text: str) -> float:
    """Return the top edge, in window coordinates, of the first widget whose text contains ``text``."""
    widget = next(w for w in kiosk.widgets() if text in getattr(w, "text", ""))
    return float(widget.to_window(widget.x, widget.top)[1])


def test_the_bundle_guide_shows_its_own_text_each_condition_once_and_optional_materials(kiosk: Driver) -> None:
    kiosk.tap("一件事一次办")
    kiosk.tap("企业开办一件事")
    assert kiosk.screen == "guide"
    texts = kiosk.texts()
    assert _top(kiosk, "后面几项不用再交") > _top(kiosk, "办理条件")  # the bundle's own words come first
    assert sum("已取得营业执照，或正在同时办理企业设立登记" in t for t in texts) == 1
    assert any(t.startswith("•授权委托书及受托人身份证") and "（可选，适用时才交）" in t for t in texts)
    assert not any(t.startswith(("•营业执照", "•企业公章")) for t in texts)
    assert "办理中生成，不用您交：营业执照、企业公章、财务专用章及法定代表人名章" in texts
    assert "提交后，请在离开前把材料交到综合受理窗口。" in texts


def test_a_business_owner_starts_a_business_and_owes_nothing_the_bundle_makes(kiosk: Driver) -> None:
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
    assert kiosk.app.session.page == 4  # on to the tax questions
    kiosk.tap(option(kiosk, "tax.taxpayer_type", "small_scale"))
    kiosk.tap(option(kiosk, "tax.invoice_types", "e_normal"))
    kiosk.tap("下一步")
    kiosk.tap("下一步")  # attachments are optional
    assert sum("我确认" in t for t in kiosk.texts()) == 1  # the consent; no 容缺 promise when nothing can be deferred
    kiosk.tap("□ 我确认")
    kiosk.tap("下一步")
    assert kiosk.screen == "review"  # nothing may come later (容缺): no materials screen to decide on
    texts = kiosk.texts()
    assert "离开前，请把以下材料交到综合受理窗口：" in texts
    assert "•申请人身份证件 ×1" in texts
    assert not any(t.startswith(("•营业执照", "•企业公章")) for t in texts)  # the bundle makes them
    assert "办理中生成，不用您交：营业执照、企业公章、财务专用章及法定代表人名章" in texts
    assert "•授权委托书及受托人身份证 ×1 （可选，适用时才交）" in texts
    assert not any("容缺后补" in t for t in texts)
    kiosk.tap("提交")
    kiosk.until(lambda: "请取走您的回执。" in kiosk.texts(), what="the receipt printed")
    assert kiosk.app.session.application.owed == ()
    printed = "\n".join(i.text for i in kiosk.printer.emulator.items if i.kind == "text")
    flat = printed.replace("\n", "").replace(" ", "")
    assert "已收材料" not in printed
    assert "营业执照" not in printed
    assert "待补材料" not in printed
    assert "请交到综合受理窗口的材料：-申请人身份证件-公司章程" in flat
    assert "下一步：1.现在：离开前请带本回执和回执所列材料到综合受理窗口，工作人员核对后受理。" in flat
    promised = kiosk.app.session.application.promised_date.isoformat()
    assert f"2.承诺{promised}前办结。3.查询进度：扫描下方二维码，或拨打下方咨询电话。" in flat
    shown = "\n".join(kiosk.texts())
    assert "1. 现在：离开前请带本回执和回执所列材料到综合受理窗口" in shown  # the next steps on screen too
    assert f"2. 承诺{promised}前办结。" in shown
