"""The poller: driver exceptions become one 'unavailable' snapshot; changes reach the store."""

from __future__ import annotations

import time
from pathlib import Path

from drivers.cardreader.factory import SimulatedReader, open_card_reader
from drivers.poller import Poller
from drivers.status import DeviceState, Snapshot
from tests.kiosk.store.helpers import open_test_store


def test_exceptions_become_an_unavailable_snapshot() -> None:
    calls = iter([RuntimeError("bus error"), Snapshot("printer", DeviceState.ONLINE)])

    def fetch() -> Snapshot:
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item

    poller = Poller("printer", fetch)
    first = poller.refresh()
    assert first.state is DeviceState.OFFLINE
    assert first.error is not None
    assert "RuntimeError: bus error" in first.error.message
    assert poller.refresh().state is DeviceState.ONLINE
    assert poller.latest.state is DeviceState.ONLINE


def test_only_changes_are_published_and_reach_the_store(tmp_path: Path) -> None:
    reader = open_card_reader("sim://?card=zhang")
    assert isinstance(reader, SimulatedReader)
    store = open_test_store(tmp_path)
    seen: list[Snapshot] = []
    poller = Poller("card_reader", reader.status, interval=0.05)
    poller.listen(seen.append)
    poller.listen(lambda s: store.record_status(s.device, s.state.value, s.as_dict()))
    for _ in range(3):
        poller.refresh()
    reader.simulator.faults.sam_fault = True
    poller.refresh()
    poller.refresh()
    assert [s.state for s in seen] == [DeviceState.ONLINE, DeviceState.HARDWARE_ERROR]
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT device, state FROM device_status ORDER BY id").all()
    assert rows == [("card_reader", "online"), ("card_reader", "hardware_error")]
    reader.close()
    store.close()


def test_the_background_thread_polls_and_stops() -> None:
    reader = open_card_reader("sim://")
    poller = Poller("card_reader", reader.status, interval=0.02)
    poller.start()
    deadline = time.monotonic() + 5
    while poller.latest.state is not DeviceState.ONLINE:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    poller.stop()
    reader.close()


def test_a_changing_message_alone_is_not_a_change() -> None:
    from drivers.status import unavailable

    countdown = iter(range(100))
    poller = Poller("card_reader", lambda: unavailable("card_reader", f"reconnecting in {next(countdown)} s"))
    seen: list[Snapshot] = []
    poller.listen(seen.append)
    for _ in range(30):
        poller.refresh()
    assert len(seen) <= 1


def test_status_polls_and_reads_share_the_line_safely() -> None:
    import threading

    from drivers.cardreader.simulator import SAMPLE_CARDS

    reader = open_card_reader("sim://?card=zhang")
    assert isinstance(reader, SimulatedReader)
    reader.simulator.faults.delay = 0.02
    stop = threading.Event()
    states: list[str] = []

    def poll() -> None:
        while not stop.is_set():
            states.append(reader.status().state.value)

    thread = threading.Thread(target=poll)
    thread.start()
    names = []
    for _ in range(8):
        reader.simulator.place(SAMPLE_CARDS["zhang"])
        names.append(reader.read_identity().name)
    stop.set()
    thread.join()
    reader.close()
    assert names == ["张三丰"] * 8
    assert set(states) == {"online"}


def test_an_answer_the_device_gave_earlier_never_replaces_a_newer_one() -> None:
    import threading

    def fetch() -> Snapshot:
        if threading.current_thread().name == "slow":  # the background poll asked first and waits for the line
            time.sleep(0.3)
            return Snapshot("printer", DeviceState.ONLINE, media={"paper": "full"})
        return Snapshot("printer", DeviceState.USER_ERROR, media={"paper": "out"})

    poller = Poller("printer", fetch)
    recorded: list[str] = []
    poller.listen(lambda s: recorded.append(s.media["paper"]))
    slow = threading.Thread(target=poller.refresh, name="slow")
    slow.start()
    time.sleep(0.05)
    poller.refresh()  # a device check while the background poll is still under way
    slow.join()
    assert poller.latest.media["paper"] == "out"
    assert recorded[-1] == "out"
