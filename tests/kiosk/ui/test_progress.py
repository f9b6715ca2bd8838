"""进度查询 by touch: a receipt number typed on the keypad shows central's word on the application, and its age."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import Engine

from demo.devstack import Mosquitto
from domain.application import Draft
from domain.lifecycle import State
from drivers.cardreader.simulator import SAMPLE_CARDS
from kiosk.services.asking import Asker
from kiosk.store import outbox, status
from protocol.receipt_token import delegate, sign, verify
from tests.drivers.pboc_cards import RECORD_1_1_BARE, pboc_card
from tests.drivers.pcsc_env import VirtualCard
from tests.kiosk.store.helpers import ID_NUMBER, OFFERING, answers, open_test_store, submit
from tests.kiosk.ui.driver import Driver, running_kiosk
from tests.sync.stack import Central
from tests.sync.test_uplink_mixed import submit_as


@pytest.fixture
def kiosk(display: str, tmp_path: Path) -> Iterator[Driver]:
    """A kiosk on its home screen."""
    with running_kiosk(tmp_path) as driver:
        yield driver


def type_number(kiosk: Driver, number: str) -> None:
    """Tap the number's characters on the progress screen's keypad."""
    keypad = kiosk.app.manager.get_screen("progress").ids.keypad
    for char in number:
        kiosk.touch(next(k for k in keypad.walk() if getattr(k, "text", None) == char))


def look_up(kiosk: Driver) -> None:
    """Tap 查询 and wait for the answer (central is asked off the UI thread)."""
    screen = kiosk.app.manager.get_screen("progress")
    kiosk.tap("查询")
    kiosk.until(lambda: not screen.ids.search.disabled and answer(kiosk) != ["正在查询，请稍候…"], what="the answer")


def answer(kiosk: Driver) -> list[str]:
    """Return the lines of the answer shown (not the button that offers 补齐)."""
    from kivy.uix.button import Button

    content = kiosk.app.manager.get_screen("progress").ids.content
    return [w.text for w in reversed(content.children) if not isinstance(w, Button)]


def test_a_citizen_finds_that_materials_are_owed_and_why(kiosk: Driver) -> None:
    application = submit(kiosk.store)
    outbox.ack(kiosk.store, str(application.id))
    owed = OFFERING.materials[0].material
    due = datetime.now(UTC).date() + timedelta(days=7)
    status.apply(kiosk.store, str(application.id), State.NEEDS_SUPPLEMENT, reason="复印件不清晰", owed=owed.id,
                 changed_at=datetime.now(UTC).isoformat(), due=due.isoformat())
    kiosk.tap("查询进度")
    assert kiosk.screen == "progress"
    type_number(kiosk, application.number)
    assert kiosk.app.manager.get_screen("progress").ids.typed.text == application.number
    look_up(kiosk)
    lines = answer(kiosk)
    assert lines[:2] == [f"事项：{OFFERING.name.zh}", "状态：需要补齐材料"]
    assert "原因：复印件不清晰" in lines
    assert f"尚需补齐：{owed.name.zh}" in lines
    assert f"请于{due.month}月{due.day}日前到任一服务窗口补齐。" in lines  # reminded at every lookup
    assert lines[-1].startswith("以上是本终端所知的情况，截至")
    assert kiosk.find("在本机补齐材料")  # supplemented here, by her card
    kiosk.tap("English")
    assert answer(kiosk)[1] == "Status: Materials still needed"  # the answer follows the language
    kiosk.tap("中文")
    kiosk.tap("返回")
    assert kiosk.screen == "home"
    kiosk.tap("查询进度")
    assert answer(kiosk) == []  # the last citizen's number and answer are gone
    assert kiosk.app.manager.get_screen("progress").ids.typed.text == "请点按下方的按键输入"


def test_a_mistyped_number_is_told_apart_from_an_application_made_elsewhere(kiosk: Driver) -> None:
    number = submit(kiosk.store).number
    kiosk.tap("查询进度")
    type_number(kiosk, number[:-1] + ("A" if number[-1] != "A" else "B"))
    look_up(kiosk)
    assert answer(kiosk) == ["这不是正确的回执号，请对照回执核对。"]
    type_number(kiosk, "←")  # the backspace key
    type_number(kiosk, number[-1])
    look_up(kiosk)
    assert answer(kiosk)[1] == "状态：已提交，等待上传"
    assert answer(kiosk)[-1] == "尚未送达服务中心，网络恢复后会自动上传。"


def test_a_citizen_who_walks_away_leaves_nothing_on_the_screen(kiosk: Driver) -> None:
    app = kiosk.app
    number = submit(kiosk.store).number
    kiosk.tap("查询进度")
    type_number(kiosk, number)
    look_up(kiosk)
    assert answer(kiosk)
    settings = app.kiosk.settings
    app.last_touch = time.monotonic() - settings.idle_timeout_s - 1
    kiosk.until(lambda: app.idle_warning, timeout=5, what="the idle warning")
    app.last_touch = time.monotonic() - settings.idle_timeout_s - settings.warning_s - 1
    kiosk.until(lambda: kiosk.screen == "home", timeout=5, what="home again")
    assert answer(kiosk) == []
    assert number not in kiosk.texts()
    assert app.manager.get_screen("progress").typed == ""


def test_a_visit_looks_up_a_few_numbers_not_every_number(kiosk: Driver) -> None:
    number = submit(kiosk.store).number
    kiosk.tap("查询进度")
    type_number(kiosk, number)
    for _ in range(5):
        look_up(kiosk)
        assert answer(kiosk)[1] == "状态：已提交，等待上传"
    kiosk.tap("返回")
    kiosk.tap("查询进度")  # going home and back is the same visit
    type_number(kiosk, number)
    look_up(kiosk)
    assert answer(kiosk) == ["您已查询了多个回执号，如需继续查询，请到服务窗口。"]


def test_at_another_terminal_a_citizen_finds_her_applications_by_card_and_by_number(
        display: str, tmp_path: Path, broker: Mosquitto, sqlite_db: Engine) -> None:
    central = Central(tmp_path, sqlite_db)
    home = open_test_store(tmp_path / "LC0002")  # she applied at another terminal last week
    application = submit_as(home, "LC0002", 0)
    central.drain(broker, home, "LC0002")
    home.close()
    central.start_desk(broker)
    stop = threading.Event()
    with running_kiosk(tmp_path) as kiosk:
        agent = central.agent(broker, kiosk.store, "LC0001")
        agent.start()
        threading.Thread(target=agent.run, args=(stop,), daemon=True).start()
        kiosk.app.kiosk.asker = Asker(kiosk.store, central.keys.uplink.public_key(), "LC0001")
        kiosk.tap("查询进度")
        kiosk.tap("刷身份证查询")
        assert answer(kiosk) == ["请将身份证件放在感应区。"]
        kiosk.reader.simulator.place(SAMPLE_CARDS["zhang"])
        kiosk.until(lambda: len(answer(kiosk)) > 1, timeout=30, what="her applications")
        lines = answer(kiosk)
        assert lines[:3] == [f"回执号：{application.number}", f"事项：{OFFERING.name.zh}", "状态：已收到，等待受理"]
        assert lines[-1].startswith("以上是服务中心的最新情况，截至")
        assert not any(ID_NUMBER in text or "张三丰" in text for text in kiosk.texts())  # the card is not shown
        kiosk.reader.simulator.lift()
        type_number(kiosk, application.number)
        look_up(kiosk)
        assert answer(kiosk)[1] == "状态：已收到，等待受理"  # made elsewhere, answered by central
        terminal = kiosk.app.kiosk
        terminal.vouching = central.keys.ack.public_key()
        terminal.between_sessions()  # what the window runs between citizens: the receipt key is vouched for
        mine, receipt = terminal.submit(Draft(OFFERING, answers(2)))
        assert verify(receipt.query_payload.rsplit("/", 1)[-1], central.keys.ack.public_key()).number == mine.number
        stop.set()
        agent.stop()
    central.stop()


def test_a_scanned_receipt_qr_is_looked_up_once_its_signature_holds(kiosk: Driver) -> None:
    from kivy.core.window import Window

    application = submit(kiosk.store)
    central, receipt_key = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    kiosk.app.kiosk.vouching = central.public_key()
    delegation = delegate(central, "LC0001", receipt_key.public_key(), date(2099, 1, 1))

    def scan(text: str) -> None:
        """Type ``text`` as a keyboard-wedge scanner does, then Enter."""
        for char in text:
            Window.dispatch("on_textinput", char)
        Window.dispatch("on_key_down", 13, 36, None, [])
        kiosk.until(lambda: answer(kiosk) and answer(kiosk) != ["正在查询，请稍候…"], what="the answer")

    kiosk.tap("查询进度")
    scan(f"https://zwfw.example.invalid/p/{sign(application.number, delegation, receipt_key)}")
    assert answer(kiosk)[1] == "状态：已提交，等待上传"
    forged = sign(application.number, delegate(ed25519.Ed25519PrivateKey.generate(), "LC0001",
                                                receipt_key.public_key(), date(2099, 1, 1)), receipt_key)
    scan(f"https://zwfw.example.invalid/p/{forged}")
    assert answer(kiosk) == ["无法验证此回执二维码，请改为输入回执号。"]
    kiosk.tap("返回")
    Window.dispatch("on_textinput", "X")  # away from the screen, typing does nothing here
    assert kiosk.app.manager.get_screen("progress").scanner.typed == ""


def test_a_citizen_past_the_supplement_deadline_is_told_what_happens_next(kiosk: Driver) -> None:
    application = submit(kiosk.store)
    outbox.ack(kiosk.store, str(application.id))
    due = datetime.now(UTC).date() - timedelta(days=2)
    status.apply(kiosk.store, str(application.id), State.NEEDS_SUPPLEMENT, reason="复印件不清晰",
                 owed=OFFERING.materials[0].material.id, changed_at=datetime.now(UTC).isoformat(), due=due.isoformat())
    kiosk.tap("查询进度")
    type_number(kiosk, application.number)
    look_up(kiosk)
    assert f"补齐期限（{due.month}月{due.day}日）已过：服务中心可能作出不予受理的决定。请尽快到服务窗口办理。" in answer(kiosk)
    assert "在本机补齐材料" not in kiosk.texts()  # past the deadline: a window decides
    kiosk.tap("English")
    assert any(line.startswith("The deadline to hand them in") for line in answer(kiosk))


def test_a_bank_card_without_an_id_number_is_told_to_use_the_id_card(
        pcsc_kiosk: Driver, card_slot: Callable[..., VirtualCard]) -> None:
    kiosk = pcsc_kiosk
    card_slot(pboc_card(record_1_1=RECORD_1_1_BARE))  # a card number, no holder's ID number
    kiosk.tap("查询进度")
    kiosk.tap("刷身份证查询")
    kiosk.until(lambda: answer(kiosk) != ["请将身份证件放在感应区。"], timeout=20, what="the card read")
    assert answer(kiosk) == ["此卡不含身份证号码。请使用居民身份证，或按回执号查询。"]  # not "cannot be reached"
