"""The self-test, card-reader test, maintenance and catalog rollback on the technician screen, by touch: the kiosk's own devices, the fleet's real broker and PKI.

The checks are those of `yichuang selftest` (tests/sync/test_selftest.py, whose broker and CA this
module shares); here they run on the kiosk's simulated reader and emulated printer while the kiosk
runs, and the outcome reaches the heartbeat.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from central.monitor.health import assess
from central.monitor.rows import State
from domain.data import SAMPLE_CATALOG
from domain.passwords import hash_secret
from drivers.cardreader.simulator import SAMPLE_CARDS
from drivers.status import PaperState
from kiosk.config import parse_config
from kiosk.services.availability import MAINTENANCE
from kiosk.services.catalogs import CatalogSource
from kiosk.services.selftest import PAPER, READER
from kiosk.services.selftest_probes import Probes, probes
from kiosk.store.releases import ReleaseStore
from protocol.heartbeat import Presence
from sync.telemetry import collect
from tests.kiosk.services.test_catalog_switch import stage
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.test_technician import PIN, corner_taps, type_pin
from tests.protocol.release_kit import Publisher, changed_catalog
from tests.sync import test_selftest as cli

fleet = cli.fleet  # the CA, the broker that knows its CRL, and LC0001's certificate
PASSING = ("与中心的连接", "时钟", "存储空间", "本地数据库", "事项目录", "声音")


def _probes(fleet: cli.Fleet, folder: Path, kiosk: Driver) -> Probes:
    """LC0001's probes, from a configuration naming the fleet's broker, CA and catalog key."""
    config = cli.terminal_config(fleet, folder, "LC0001")
    return probes(parse_config(tomllib.loads(config.read_text(encoding="utf-8"))), kiosk.store)


def _selftest(kiosk: Driver, done: str) -> list[str]:
    """Touch 自检 and wait until the screen says ``done``; return the screen's texts."""
    kiosk.tap("自检")
    kiosk.until(lambda: done in kiosk.texts(), timeout=40, what=done)
    return kiosk.texts()


def _failed_in_heartbeat(kiosk: Driver) -> list[str] | None:
    """Return the failed checks the next heartbeat carries to the fleet monitor."""
    beat = collect(kiosk.store, "LC0001", app_version="0.1.0", catalog_version="2026.12", cert_file=None)
    assert beat.selftest_at is not None
    return beat.selftest_failed


def _printed(kiosk: Driver) -> str:
    """Return the text the emulated printer printed."""
    return "\n".join(i.text for i in kiosk.printer.emulator.items if i.kind == "text")


def test_no_paper_and_an_unplugged_reader_fail_with_their_remedies_and_the_rest_pass(
        kiosk: Driver, fleet: cli.Fleet, tmp_path: Path) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    kiosk.app.kiosk.probes = _probes(fleet, tmp_path / "conf", kiosk)
    kiosk.printer.emulator.state.paper = PaperState.OUT
    kiosk.reader.simulator.faults.silent = True  # the reader answers nothing: unplugged
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    assert kiosk.screen == "technician"
    texts = _selftest(kiosk, "自检完成：2 项未通过；报告未能打印。")
    assert f"身份证阅读器：未通过。{READER.zh}" in texts
    assert f"打印机：未通过。{PAPER.zh}" in texts
    assert [f"{part}：通过" for part in PASSING if f"{part}：通过" in texts] == [f"{p}：通过" for p in PASSING]
    assert _failed_in_heartbeat(kiosk) == ["card_reader", "printer"]
    assert "PASS" not in _printed(kiosk)  # no paper: nothing printed

    kiosk.printer.emulator.state.paper = PaperState.FULL  # a new roll, the reader plugged in again
    kiosk.reader.simulator.faults.silent = False
    kiosk.app.check_devices()
    kiosk.until(lambda: kiosk.app.availability.can_apply and kiosk.reader.status().operational, timeout=40,
                what="the reader found again (its backoff)")
    texts = _selftest(kiosk, "自检完成：0 项未通过；报告已打印。")
    assert "身份证阅读器：通过" in texts
    assert "打印机：通过" in texts
    printed = _printed(kiosk)
    assert "PASS  card_reader" in printed
    assert "8 passed, 0 failed" in printed
    assert _failed_in_heartbeat(kiosk) == []
    assert [e["detail"].get("action") for e in kiosk.store.events() if e["kind"] == "technician"].count(
        "self_test") == 2


def test_the_self_test_in_english_says_each_part_in_english(kiosk: Driver, fleet: cli.Fleet, tmp_path: Path) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    kiosk.app.kiosk.probes = _probes(fleet, tmp_path / "conf", kiosk)
    kiosk.printer.emulator.state.paper = PaperState.OUT
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    kiosk.tap("English")
    kiosk.tap("Self-test")
    done = "Self-test done: 1 failed; the report did not print."
    kiosk.until(lambda: done in kiosk.texts(), timeout=40, what=done)
    texts = kiosk.texts()
    assert f"Printer: FAILED. {PAPER.en}" in texts
    assert "Card reader: passed" in texts


def test_the_card_reader_test_reads_a_test_card_and_shows_nothing_of_it(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    kiosk.tap("读卡器测试")
    assert "请把测试卡放在读卡器上。" in kiosk.texts()
    kiosk.reader.simulator.place(SAMPLE_CARDS["zhang"])
    done = "测试卡读取成功：读卡器正常（卡内信息不保存、不显示）。"
    kiosk.until(lambda: done in kiosk.texts(), what=done)
    shown = "\n".join(kiosk.texts())
    assert "张三丰" not in shown
    assert "370303198505120012" not in shown
    assert not [e for e in kiosk.store.events() if "370303" in str(e["detail"]) or "张三丰" in str(e["detail"])]
    kiosk.reader.simulator.lift()
    kiosk.reader.simulator.faults.lift_during_read = True  # the card moves while it is read
    kiosk.tap("读卡器测试")
    kiosk.reader.simulator.place(SAMPLE_CARDS["zhang"])
    moved = "读卡时测试卡被移动。请放稳后再试。"
    kiosk.until(lambda: moved in kiosk.texts(), what=moved)
    assert [e["detail"].get("action") for e in kiosk.store.events() if e["kind"] == "technician"][-2:] == [
        "card_test", "card_test"]


def test_maintenance_switched_at_the_terminal_stops_citizens_and_the_fleet_sees_it(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    kiosk.tap("进入维护模式（暂停受理）")
    assert "已进入维护模式：结束维护前本机不受理业务。" in kiosk.texts()
    kiosk.until(lambda: not kiosk.app.availability.can_apply, what="no citizens taken")
    kiosk.tap("退出")
    assert kiosk.screen == "out_of_service"
    assert MAINTENANCE.zh in "\n".join(kiosk.texts())
    beat = collect(kiosk.store, "LC0001", app_version="0.1.0", catalog_version="2026.12", cert_file=None)
    assert beat.maintenance is True
    assert beat.technician is not None  # the audit trail travels to central, codes and times only
    assert [a.action for a in beat.technician] == ["technician_pin_accepted", "entered", "maintenance_on", "exited"]
    assert PIN not in beat.model_dump_json()
    health = assess(presence=Presence(online=True, reason="connected", boot=beat.boot), beat=beat,
                    beat_at=datetime.now(UTC), now=datetime.now(UTC), interval=timedelta(seconds=30))
    assert (health.state, health.reasons) == (State.MAINTENANCE, ("in maintenance at the terminal",))
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    kiosk.tap("结束维护模式")
    assert "维护模式已结束。" in kiosk.texts()
    kiosk.until(lambda: kiosk.app.availability.can_apply, what="citizens taken again")
    kiosk.tap("退出")
    assert kiosk.screen == "home"
    assert collect(kiosk.store, "LC0001", app_version="0.1.0", catalog_version="2026.12",
                   cert_file=None).maintenance is False
    assert [e["detail"]["on"] for e in kiosk.store.events() if e["kind"] == "technician_maintenance"] == [True, False]


def _releases(kiosk: Driver, tmp_path: Path) -> tuple[ReleaseStore, Publisher]:
    """Give the kiosk signed releases, the publisher's key pinned, and serve a changed catalog from one."""
    releases, publisher = ReleaseStore(tmp_path / "releases"), Publisher()
    terminal = kiosk.app.kiosk
    terminal.catalogs = CatalogSource(releases, SAMPLE_CATALOG)
    terminal.catalogs.load()
    terminal.probes = Probes(releases, publisher.key.public_key, SAMPLE_CATALOG, lambda: None, lambda: False)
    stage(releases, publisher, changed_catalog(tmp_path))
    kiosk.app.between.run()
    kiosk.until(lambda: terminal.catalog.version == "2026.12-b", what="the release served")
    return releases, publisher


def test_the_catalog_version_is_shown_and_the_technician_rolls_back_to_the_verified_previous(
        kiosk: Driver, tmp_path: Path) -> None:
    installed = kiosk.app.kiosk.catalog.version
    _releases(kiosk, tmp_path)
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    assert "事项目录：版本 2026.12-b" in kiosk.texts()
    kiosk.tap("回退到上一版目录")
    kiosk.until(lambda: "已回退到上一版目录。" in kiosk.texts(), what="rolled back")
    kiosk.until(lambda: kiosk.app.kiosk.catalog.version == installed, what="the installed catalog served")
    kiosk.tap("回退到上一版目录")  # nothing older: refused in words, in the screen's language
    kiosk.until(lambda: [t for t in kiosk.texts() if t.startswith("未回退：")], what="the refusal")
    assert [t for t in kiosk.texts() if t.startswith("未回退：没有更早的目录：本机已在使用安装时的目录。当前目录保持不变。")]


def test_a_previous_release_whose_files_changed_is_not_rolled_back_to(kiosk: Driver, tmp_path: Path) -> None:
    releases, publisher = _releases(kiosk, tmp_path)
    stage(releases, publisher, changed_catalog(tmp_path / "newer", version="2026.12-c"))
    kiosk.app.between.run()
    kiosk.until(lambda: kiosk.app.kiosk.catalog.version == "2026.12-c", what="the newer release served")
    previous = releases.releases / str(releases.state().previous)
    tampered = next(previous.rglob("tax.toml"))  # one promised deadline changed on the disk
    tampered.write_text(tampered.read_text(encoding="utf-8").replace("promised_limit_days = 1", "promised_limit_days = 3"),
                        encoding="utf-8")
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    kiosk.tap("回退到上一版目录")
    kiosk.until(lambda: [t for t in kiosk.texts() if t.startswith("未回退：")], what="the refusal")
    assert [t for t in kiosk.texts() if t.startswith("未回退：上一版目录的文件已被改动或无法加载。") and "files were changed" in t]
    assert kiosk.app.kiosk.catalog.version == "2026.12-c"
    assert releases.state().previous is not None  # the state is as it was
