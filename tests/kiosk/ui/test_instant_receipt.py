"""秒批 at the kiosk by touch, with the terminal's sync agent, central's ingest and dispatcher through a real mosquitto."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from central.platform.worker import IngestWorker
from kiosk.store import status as local
from tests.kiosk.ui.driver import Driver, running_kiosk
from tests.kiosk.ui.journey import CONFIRM, key_in, option, to_form
from tests.kiosk.ui.test_progress import answer, type_number
from tests.sync.conftest import downlink  # noqa: F401 - the fleet's broker and keys
from tests.sync.fleet import Fleet, fleet  # noqa: F401 - central's database and dispatcher, LC0001's agent
from tests.sync.test_instant_live import ingest  # noqa: F401 - central's ingest on the fleet's database


@pytest.fixture
def linked(display: str, tmp_path: Path, fleet: Fleet, ingest: IngestWorker) -> Iterator[Driver]:  # noqa: F811
    """The kiosk on LC0001's store, its agent and central turning in the background (online)."""
    with running_kiosk(tmp_path) as driver:
        yield driver


def pumping(fleet: Fleet, stop: threading.Event) -> threading.Thread:  # noqa: F811
    """Turn the dispatcher and the terminal's agent until ``stop``: the link is up."""
    def turn() -> None:
        while not stop.wait(0.05):
            fleet.dispatcher.step()
            if fleet.agent is not None:
                fleet.agent.step()
    thread = threading.Thread(target=turn, daemon=True)
    thread.start()
    return thread


def apply_by_touch(kiosk: Driver) -> None:
    """Apply for JT-002 with 张三丰's card (an adult, card valid to 2040), as a passenger driver, to collect."""
    to_form(kiosk, "JT-002", "zhang")
    kiosk.tap(CONFIRM)
    kiosk.tap("下一步")  # the applicant's page: all from the card
    kiosk.tap(option(kiosk, "delivery.method", "window"))
    kiosk.tap("下一步")
    key_in(kiosk, "联系电话", "13800138000")
    kiosk.tap("下一步")
    kiosk.tap(option(kiosk, "qualification.category", "passenger"))
    kiosk.tap("下一步")
    kiosk.tap("我确认", partial=True)
    kiosk.tap("下一步")
    assert kiosk.screen == "review"
    kiosk.tap("提交")


def printed(kiosk: Driver) -> str:
    """Return the text the printer emulator printed."""
    return "\n".join(item.text for item in kiosk.printer.emulator.items if item.kind == "text")


def test_online_the_receipt_waits_for_the_approval_and_prints_it(linked: Driver, fleet: Fleet) -> None:  # noqa: F811
    fleet.start_terminal()
    stop = threading.Event()
    thread = pumping(fleet, stop)
    try:
        apply_by_touch(linked)
        started = time.monotonic()
        linked.until(lambda: "已批准" in linked.texts(), what="the approval shown")
        assert time.monotonic() - started < linked.app.kiosk.settings.instant_wait_s
        linked.until(lambda: "请取走您的回执。" in linked.texts(), what="the receipt printed")
    finally:
        stop.set()
        thread.join(5)
    assert any("新证当场制作" in text for text in linked.texts())  # what the citizen gets, as the next step
    paper = printed(linked)
    assert "审批结果：已批准（秒批）" in paper
    assert "前办结。" not in paper  # the next step is the decision, not the wait for the promised date


def test_offline_the_ordinary_receipt_prints_and_the_progress_query_shows_the_approval_later(
        linked: Driver, fleet: Fleet) -> None:  # noqa: F811
    kiosk = linked.app.kiosk
    kiosk.settings = kiosk.settings.model_copy(update={"instant_wait_s": 1.0})  # the agent is not running
    apply_by_touch(linked)
    linked.until(lambda: "正在审批，请稍候…" in linked.texts(), what="the wait shown")
    linked.until(lambda: "请取走您的回执。" in linked.texts(), what="the receipt printed")
    assert "已批准" not in linked.texts()
    paper = printed(linked)
    assert "已批准" not in paper
    assert "前办结。" in paper  # the ordinary receipt: wait for the promised date
    number = linked.app.session.receipt.number
    linked.tap("完成")
    fleet.start_terminal()  # the link comes back: the application goes up, the approval comes down
    stop = threading.Event()
    thread = pumping(fleet, stop)
    try:
        linked.tap("查询进度")
        type_number(linked, number)
        linked.until(lambda: local.by_number(fleet.store, number).status is not None,  # type: ignore[union-attr]
                     what="the decision heard")
        linked.tap("查询")
    finally:
        stop.set()
        thread.join(5)
    assert "状态：已批准" in answer(linked)
