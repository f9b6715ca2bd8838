"""补齐 by touch at a terminal the citizen never applied at: her card, a way for each material, the 补正 receipt.

Central's ingest and query desk run on a real mosquitto; the kiosk's sync agent carries the card question
and the supplement; the printer emulator shows the receipt as the citizen takes it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from central.platform import status
from central.platform.schema import application_status, supplements
from demo.devstack import Mosquitto
from domain.application import Application
from drivers.cardreader.simulator import SAMPLE_CARDS
from kiosk.services.asking import Asker
from tests.kiosk.store.helpers import ID_NUMBER, NAME, open_test_store
from tests.kiosk.ui.driver import Driver, running_kiosk
from tests.kiosk.ui.test_instant_receipt import printed
from tests.kiosk.ui.test_progress import answer
from tests.kiosk.ui.test_voice import spoken
from tests.sync.stack import Central
from tests.sync.test_uplink_mixed import submit_as

OWED = ("photo", "household_register")


@dataclass
class Outlet:
    """The kiosk at LC0001, online, and central holding LC0002's application that owes two materials."""

    kiosk: Driver
    central: Central
    application: Application


@pytest.fixture
def outlet(display: str, tmp_path: Path, broker: Mosquitto, sqlite_db: Engine) -> Iterator[Outlet]:
    """She applied at LC0002 last week; the back office asks for a new photo and the hukou."""
    central = Central(tmp_path, sqlite_db)
    home = open_test_store(tmp_path / "LC0002")
    application = submit_as(home, "LC0002", 0)
    central.drain(broker, home, "LC0002")  # its ingest worker keeps running
    home.close()
    status.change(sqlite_db, status.Change(application.number, "needs_supplement", "clerk-li", "照片不合格", OWED),
                  datetime.now(UTC))
    central.start_desk(broker)
    stop = threading.Event()
    with running_kiosk(tmp_path) as kiosk:
        agent = central.agent(broker, kiosk.store, "LC0001")
        agent.start()
        thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
        thread.start()
        kiosk.app.kiosk.asker = Asker(kiosk.store, central.keys.uplink.public_key(), "LC0001")
        yield Outlet(kiosk, central, application)
        stop.set()
        thread.join(5)
        agent.stop()
    central.stop()


def message(kiosk: Driver) -> str:
    """Return the supplement screen's message line."""
    return str(kiosk.app.manager.get_screen("supplement").ids.message.text)


def test_she_declares_one_material_hands_in_the_other_and_takes_the_receipt(outlet: Outlet,
                                                                          sqlite_db: Engine) -> None:
    kiosk, number = outlet.kiosk, outlet.application.number
    kiosk.tap("查询进度")
    kiosk.tap("刷身份证查询")
    kiosk.reader.simulator.place(SAMPLE_CARDS["zhang"])
    kiosk.until(lambda: len(answer(kiosk)) > 1, timeout=30, what="her applications")
    assert "状态：需要补齐材料" in answer(kiosk)
    kiosk.reader.simulator.lift()
    kiosk.tap("在本机补齐材料")
    assert kiosk.screen == "supplement"
    assert message(kiosk) == "请将身份证件放在感应区。"
    kiosk.reader.simulator.place(SAMPLE_CARDS["zhang"])
    kiosk.until(lambda: message(kiosk) == "请为每份材料选择补齐方式。", timeout=30, what="the owed materials")
    kiosk.reader.simulator.lift()
    assert f"受理编号：{number}" in kiosk.texts()
    assert kiosk.app.manager.get_screen("supplement").ids.next.disabled  # the hukou has no way yet
    kiosk.tap("告知承诺")  # the photo can only be handed in: chosen already
    kiosk.tap("下一步")
    kiosk.tap("返回")  # back to the ways, her choice kept
    assert message(kiosk) == "请为每份材料选择补齐方式。"
    kiosk.tap("下一步")
    texts = kiosk.texts()
    assert "近期免冠彩色证件照片（或数码照片回执）：交纸质材料" in texts
    assert "居民户口簿：告知承诺" in texts
    assert any(t.startswith("关于“居民户口簿”，本人承诺：该材料真实、有效") for t in texts)  # the declaration in full
    kiosk.tap("我承诺并提交")
    kiosk.until(lambda: message(kiosk) == "请取走补正回执。", timeout=30, what="the receipt printed")
    assert "3. 服务中心已收到补齐的材料，申请继续办理。" in kiosk.texts()
    paper = printed(kiosk)
    assert "补正回执" in paper
    assert number in paper
    assert "居民户口簿：告知承诺" in paper
    assert not any(personal in paper for personal in (ID_NUMBER, NAME, "张三丰"))  # nothing personal
    with sqlite_db.connect() as conn:
        assert conn.execute(select(application_status.c.state)).scalar_one() == "received"
        assert conn.execute(select(supplements.c.terminal, supplements.c.materials)).one() == (
            "LC0001", "photo:hand_in,household_register:declare")
    kiosk.tap("完成")
    assert kiosk.screen == "home"
    assert kiosk.app.manager.get_screen("supplement").session is None  # her card's number is gone


def test_a_supplement_central_refuses_is_told_in_words_and_nothing_prints(outlet: Outlet, sqlite_db: Engine) -> None:
    kiosk = outlet.kiosk
    kiosk.tap("查询进度")
    kiosk.tap("刷身份证查询")
    kiosk.reader.simulator.place(SAMPLE_CARDS["zhang"])
    kiosk.until(lambda: len(answer(kiosk)) > 1, timeout=30, what="her applications")
    kiosk.reader.simulator.lift()
    kiosk.tap("在本机补齐材料")
    kiosk.reader.simulator.place(SAMPLE_CARDS["zhang"])  # the card is read again: only its holder supplements
    kiosk.until(lambda: message(kiosk) == "请为每份材料选择补齐方式。", timeout=30, what="the owed materials")
    kiosk.reader.simulator.lift()
    kiosk.tap("告知承诺")
    kiosk.tap("下一步")
    status.change(sqlite_db, status.Change(outlet.application.number, "not_accepted", "clerk-li", "逾期未补齐"),
                  datetime.now(UTC))  # meanwhile the back office decided: nothing is owed any more
    kiosk.tap("我承诺并提交")
    refused = "这个申请现在不需要补齐材料，请重新查询办理进度。如有疑问，请到服务窗口咨询。"
    kiosk.until(lambda: message(kiosk) == refused, timeout=30, what="central's refusal")
    assert printed(kiosk) == ""  # no 补正 receipt for a supplement central did not take
    kiosk.tap("English")
    assert message(kiosk).startswith("This application does not need materials now")  # the reason follows the language
    with sqlite_db.connect() as conn:
        assert conn.execute(select(supplements)).all() == []


def test_entering_the_screen_says_its_prompt_once_and_is_not_cut_off_by_the_card_wait(kiosk: Driver) -> None:
    kiosk.tap("语音播报：关")
    before = len(spoken(kiosk))
    kiosk.app.go("supplement")  # as the progress answer's 在本机补齐材料 does
    kiosk.frames(5)
    said = spoken(kiosk)[before:]
    assert len(said) == 1  # the prompt, which asks for the card: not interrupted by the same request again
    assert said[0].startswith("qing3")
