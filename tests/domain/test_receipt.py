"""The receipt: masked applicant, materials owed, QR payload, layout by display width."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from domain.application import Draft, MaterialStatus, create
from domain.export import to_jsonable
from domain.receipt import build_receipt, next_steps, receipt_from_dict, render_text
from domain.text import Lang, Text, width
from tests.domain.answers import ID_NUMBER, valid_answers
from tests.domain.samples import CATALOG, HALL, ITEM, RECEIPT_TIME, receipt_for

NOW = RECEIPT_TIME


def test_the_applicant_is_masked() -> None:
    _, receipt = receipt_for(ITEM.code)
    assert receipt.applicant_name == "张*丰"
    assert receipt.applicant_id == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    for lang in ("zh", "en"):
        text = render_text(receipt, lang)
        assert ID_NUMBER not in text
        assert "张三丰" not in text


def test_the_qr_payload_carries_the_number_and_nothing_personal() -> None:
    app, receipt = receipt_for(ITEM.code)
    assert app.number in receipt.query_payload
    assert ID_NUMBER not in receipt.query_payload
    assert "张" not in receipt.query_payload


def flat(text: str) -> str:
    """Return the receipt's text without its line breaks and indents."""
    return text.replace("\n", "").replace(" ", "")


def test_owed_materials_are_listed_with_their_deadline_and_where_they_go() -> None:
    deferrable = next(r for r in ITEM.materials if r.deferrable)
    app, receipt = receipt_for(ITEM.code, **{deferrable.material.id: MaterialStatus.DEFERRED})
    assert receipt.owed == ((deferrable.material.name, app.owed[0].due),)
    text = flat(render_text(receipt, "zh"))
    assert "待补材料" in text
    assert f"请于{app.owed[0].due.isoformat()}前补齐" in text
    assert f"请于{app.owed[0].due.isoformat()}前把待补材料交到{HALL.counter.zh}" in text
    assert deferrable.material.name.zh not in text.split("待补材料")[0]  # not among the materials brought


def test_the_receipt_says_materials_were_declared_not_received() -> None:
    _, receipt = receipt_for(ITEM.code)
    required = [r.material.name for r in ITEM.materials if r.required]
    assert receipt.brought == tuple(required)
    assert receipt.counter == HALL.counter
    zh, en = render_text(receipt, "zh"), render_text(receipt, "en")
    assert "已收材料" not in zh
    assert "received" not in en.lower()
    assert f"请交到{HALL.counter.zh}的材料：" in flat(zh)
    assert flat(f"To hand in at {HALL.counter.en}:") in flat(en)
    assert all(name.zh in flat(zh) for name in required)


def test_optional_materials_are_neither_brought_nor_owed() -> None:
    optional = next(i for i in CATALOG.items.values() if any(not r.required for r in i.materials))
    _, receipt = receipt_for(optional.code)
    names = {r.material.name for r in optional.materials if not r.required}
    assert not names & set(receipt.brought)
    assert not names & {name for name, _ in receipt.owed}


def test_the_receipt_prints_the_next_steps() -> None:
    deferrable = next(r for r in ITEM.materials if r.deferrable)
    app, receipt = receipt_for(ITEM.code, **{deferrable.material.id: MaterialStatus.DEFERRED})
    lines = render_text(receipt, "zh", 32).splitlines()
    steps = flat("".join(lines[lines.index("下一步："):]))
    assert f"1.现在：离开前请带本回执和回执所列材料到{HALL.counter.zh}" in steps
    assert f"2.请于{app.owed[0].due.isoformat()}前把待补材料交到{HALL.counter.zh}" in steps
    assert f"3.承诺{app.promised_date.isoformat()}前办结" in steps
    assert "4.查询进度：扫描下方二维码，或拨打下方咨询电话" in steps
    assert steps.index("下一步") < steps.index("扫码查询办理进度")
    english = flat(render_text(receipt, "en", 48))
    assert flat(f"Next steps: 1. Now, before you leave: take this receipt and the materials it lists to {HALL.counter.en}") \
        in english


def test_a_bundle_receipt_owes_nothing_the_bundle_produces() -> None:
    _, receipt = receipt_for("YJS-001")
    text = render_text(receipt, "zh")
    assert "待补材料" not in text
    assert "营业执照" not in text
    assert "企业公章" not in text
    assert "申请人身份证件" in text


def test_a_receipt_stored_before_counters_and_declarations_still_reprints() -> None:
    import json

    from domain.export import to_jsonable
    from domain.receipt import receipt_from_dict

    _, receipt = receipt_for(ITEM.code)
    old = json.loads(json.dumps(to_jsonable(receipt)))
    old["received"] = old.pop("brought")
    del old["counter"]
    again = receipt_from_dict(old)
    assert again.brought == receipt.brought
    assert again.counter.zh == "服务窗口"
    assert "服务窗口" in render_text(again, "zh")


@pytest.mark.parametrize("columns", [32, 48])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_line_fits_the_paper(columns: int, lang: str) -> None:
    for code in [*CATALOG.items, *CATALOG.bundles]:
        _, receipt = receipt_for(code, name="欧阳买买提·艾力江")
        for line in render_text(receipt, lang, columns).splitlines():
            assert width(line) <= columns, f"{code}: {line!r}"


def test_the_receipt_reads_as_expected() -> None:
    app, receipt = receipt_for(ITEM.code)
    lines = render_text(receipt, "zh", 32).splitlines()
    assert lines[0].strip()
    assert HALL.name.zh.startswith(lines[0].strip())
    assert any(line.strip() == "受理回执" for line in lines)
    assert lines[lines.index("受理编号：") + 1] == app.number  # the number on a line of its own, printed large
    assert any(line.startswith("承诺办结：") for line in lines)


def test_a_receipt_survives_its_json_form() -> None:
    import json

    from domain.export import to_jsonable
    from domain.receipt import receipt_from_dict

    deferrable = next(r for r in ITEM.materials if r.deferrable)
    _, receipt = receipt_for(ITEM.code, **{deferrable.material.id: MaterialStatus.DEFERRED})
    assert receipt_from_dict(json.loads(json.dumps(to_jsonable(receipt)))) == receipt


def test_a_promise_beyond_the_calendar_is_marked_as_an_estimate() -> None:
    slow = next(i for i in CATALOG.items.values() if i.promised_limit_days >= 3)
    offering = CATALOG.offering(slow.code)
    late = datetime(2026, 12, 30, 10, tzinfo=timezone(timedelta(hours=8)))
    app = create(Draft(offering, valid_answers(offering.form)), CATALOG, "LC0001", 1, late)
    assert app.promised_estimated == (app.promised_date.year > CATALOG.calendar.last_year)
    receipt = build_receipt(app, CATALOG, HALL)
    assert ("（预计）" in render_text(receipt, "zh")) == app.promised_estimated
    assert app.promised_estimated  # three working days from 30 December run into 2027


def test_an_english_title_too_wide_for_double_width_is_printed_normal_size() -> None:
    from domain.receipt import Style, layout

    _, receipt = receipt_for(ITEM.code)
    for lang, columns in (("en", 32), ("zh", 32), ("en", 48)):
        for line in (n for n in layout(receipt, lang, columns) if n.style is not Style.QR):
            factor = 2 if line.style is Style.TITLE else 1
            assert width(line.text) * factor <= columns, (lang, columns, line)


@pytest.mark.parametrize(("lang", "decision", "step"), [
    ("zh", "审批结果：已批准（秒批）", "当场领取"), ("en", "Decision: approved at once", "Collect it now")])
def test_an_instant_approval_prints_its_decision_and_what_comes_next(lang: Lang, decision: str, step: str) -> None:
    """A receipt printed after a 秒批 approval says so, and its next step is the outcome, not the promised date."""
    _, ordinary = receipt_for(ITEM.code)
    approved = replace(ordinary, approved=Text("当场领取", "Collect it now"))
    text = render_text(approved, lang)
    assert decision in text
    assert decision not in render_text(ordinary, lang)
    assert step in next_steps(approved, lang)
    assert all(str(ordinary.promised_date) not in s for s in next_steps(approved, lang))
    assert receipt_from_dict(to_jsonable(approved)) == approved  # a reprint keeps the decision
    assert receipt_from_dict(to_jsonable(ordinary)).approved is None
