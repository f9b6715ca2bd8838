"""Use case: the terminal's self-test — each part passes or fails, and a failure says what to do, in words.

The technician's `yichuang selftest` and the technician screen run the same checks: the
card reader (and a test card, when one is asked for), the printer (and a test page), the broker
with this terminal's identity, the clock, the disk, the store and its keys, the catalog's
signature, and the sound. A check never raises: whatever goes wrong is that check's failure. The
outcome is recorded as an event, so the heartbeat carries it to the fleet monitor.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from domain.catalog_loader import load_catalog
from domain.text import Lang, Text
from drivers.cardreader.port import CardReader
from drivers.printer.port import Printer
from drivers.speech import Speaker
from drivers.status import PaperState, Snapshot
from kiosk.services import printing
from kiosk.services.availability import MIN_FREE_PCT
from kiosk.services.identify import CardNotRead, ReadProblem, read_card
from kiosk.services.selftest_probes import Probes
from kiosk.store.inspect import check as check_store
from kiosk.store.store import Store
from protocol.release import ReleaseError

READER = Text("检查身份证阅读器的数据线和电源，重新插拔后再试；仍不行请更换阅读器。",
              "Check the ID card reader's cable and power, reconnect it and try again; if it still fails, replace it.")
TEST_CARD = Text("把测试卡平放在感应区中央再试。", "Lay the test card flat on the centre of the reader and try again.")
PAPER = Text("装入新的打印纸卷，合上打印机盖。", "Load a new paper roll and close the printer cover.")
PRINTER = Text("检查打印机的电源和数据线（串口、USB 或网线）；地址见 terminal.toml 的 [devices] printer。",
               "Check the printer's power and cable (serial, USB or network); its address is [devices] printer in "
               "terminal.toml.")
NETWORK = Text("检查网络和防火墙（端口 8883）。断网时本机照常受理，恢复后自动上传。",
               "Check the network and the firewall (port 8883). Offline, the terminal keeps taking applications and "
               "uploads them when the link returns.")
REVOKED = Text("本机证书已被吊销或不被接受：请联系运维重新登记（provision enroll）。",
               "This terminal's certificate is revoked or refused: ask ops for a new enrollment (provision enroll).")
CLOCK = Text("系统时间早于已知的正确时间：检查主板电池和网络校时（NTP）。",
             "The system clock is behind the last known good time: check the mainboard battery and network time "
             "(NTP).")
DISK = Text("存储空间不足：请运维清理日志或更换硬盘。",
            "Storage is nearly full: ask ops to clear logs or replace the disk.")
STORE = Text("本地数据库检查未通过：不要重装系统，请把 yichuang store check 的结果交给运维。",
             "The local store failed its check: do not reinstall; give ops the output of "
             "`yichuang store check`.")
CATALOG = Text("事项目录验证失败：用 U 盘重新安装已签名的目录（yichuang catalog install），或联系运维。",
               "The service catalog did not verify: reinstall a signed release from USB (yichuang catalog install), "
               "or call ops.")
SOUND = Text("检查扬声器的连接和音量；没有声音时本机仍可办理，只是没有语音播报。",
             "Check the speaker's connection and volume; without sound the terminal still works, without voice "
             "guidance.")


@dataclass(frozen=True)
class Check:
    """One part's result: what was found (for ops) and, when it failed, what to do (for the technician)."""

    name: str
    ok: bool
    found: str
    remedy: Text | None = None


@dataclass
class Parts:
    """What the self-test looks at, as the command line or the technician screen built it."""

    store: Store
    reader: CardReader | Exception  # the exception: the device could not even be opened
    printer: Printer | Exception
    speaker: Speaker | Exception | None
    probes: Probes
    terminal_id: str
    now: Callable[[], datetime]
    test_card_s: float = 0.0  # > 0: wait this long for a test card and read it
    test_page: bool = False
    results: list[Check] = field(default_factory=list)


def _device(name: str, snapshot: Snapshot, remedy: Text) -> Check:
    """Judge a device by its status snapshot."""
    if snapshot.operational:
        return Check(name, True, f"{snapshot.state.value}")
    code = snapshot.error.code if snapshot.error else snapshot.state.value
    return Check(name, False, f"{snapshot.state.value}: {code}", remedy)


def _reader(parts: Parts) -> Check:
    """The card reader answers; with a test card asked for, it reads one."""
    if isinstance(parts.reader, Exception):
        return Check("card_reader", False, f"cannot open: {parts.reader}"[:300], READER)
    found = _device("card_reader", parts.reader.status(), READER)
    if not found.ok or parts.test_card_s <= 0:
        return found
    problem = read_test_card(parts.reader, lambda: True, parts.test_card_s)
    if problem is not None:
        return Check("card_reader", False, f"no test card read: {problem.value}",
                     READER if problem is ReadProblem.READER_DOWN else TEST_CARD)
    return Check("card_reader", True, "a test card was read (its data is not kept)")


def read_test_card(reader: CardReader, wanted: Callable[[], bool], wait_s: float) -> ReadProblem | None:
    """Wait up to ``wait_s`` for a test card while ``wanted()`` and read it; return what failed, or None.

    What the card holds is dropped at once: only whether it read is kept.
    """
    try:
        read_card(reader, wanted, wait_s=max(1, round(wait_s)))
    except CardNotRead as exc:
        return exc.problem
    return None


def _printer(parts: Parts) -> Check:
    """The printer is ready with paper; with a test page asked for, it prints one."""
    if isinstance(parts.printer, Exception):
        return Check("printer", False, f"cannot open: {parts.printer}"[:300], PRINTER)
    snapshot = parts.printer.status()
    if snapshot.media.get("paper") in {PaperState.OUT, PaperState.JAMMED}:
        return Check("printer", False, f"paper {snapshot.media['paper']}", PAPER)
    found = _device("printer", snapshot, PRINTER)
    if not found.ok or not parts.test_page:
        return found
    parts.printer.print_lines(printing.test_page(parts.terminal_id, parts.now(), parts.printer.columns))
    return Check("printer", True, "test page printed")


def _broker(parts: Parts) -> Check:
    """The broker takes this terminal's certificate."""
    problem = parts.probes.broker()
    if problem is None:
        return Check("broker", True, "the broker accepted this terminal's certificate")
    return Check("broker", False, problem, REVOKED if problem.startswith("the broker refused") else NETWORK)


def _clock(parts: Parts) -> Check:
    """The system clock is not behind the last known good time."""
    if parts.probes.clock_wrong():
        return Check("clock", False, "the system clock is behind the last known good time", CLOCK)
    return Check("clock", True, f"{parts.now():%Y-%m-%d %H:%M %Z}")


def _disk(parts: Parts) -> Check:
    """The store's disk has room."""
    usage = shutil.disk_usage(parts.store.path.parent)
    free = 100 * usage.free / usage.total
    return Check("disk", free >= 2 * MIN_FREE_PCT, f"{free:.0f}% free", None if free >= 2 * MIN_FREE_PCT else DISK)


def _store(parts: Parts) -> Check:
    """The store's integrity, schema and keys."""
    report = check_store(parts.store)
    if report["ok"]:
        return Check("store", True, f"integrity ok, schema {report['schema_revision']}, every data key unwraps")
    return Check("store", False, "; ".join(report["problems"])[:300], STORE)


def _catalog(parts: Parts) -> Check:
    """The active release verifies against the pinned key, or the installed catalog loads."""
    try:
        manifest = parts.probes.releases.verify_current(parts.probes.catalog_key())
        if manifest is not None:
            return Check("catalog", True, f"release {manifest.serial} ({manifest.version}), signature verified")
        installed = load_catalog(parts.probes.installed).version
        return Check("catalog", True, f"installed catalog {installed} (no release yet)")
    except (ReleaseError, ValueError, OSError) as exc:
        return Check("catalog", False, str(exc)[:300], CATALOG)


def _sound(parts: Parts) -> Check:
    """The speaker works (its absence never stops the terminal)."""
    if parts.speaker is None:
        return Check("sound", True, "no speaker configured")
    if isinstance(parts.speaker, Exception):
        return Check("sound", False, f"cannot open: {parts.speaker}"[:300], SOUND)
    return _device("sound", parts.speaker.status(), SOUND)


CHECKS = {"card_reader": (_reader, READER), "printer": (_printer, PRINTER), "broker": (_broker, NETWORK),
          "clock": (_clock, CLOCK), "disk": (_disk, DISK), "store": (_store, STORE), "catalog": (_catalog, CATALOG),
          "sound": (_sound, SOUND)}


def run(parts: Parts) -> list[Check]:
    """Run every check (one that breaks is that check's failure) and record the outcome for the fleet."""
    results = []
    for name, (check, remedy) in CHECKS.items():
        try:
            results.append(check(parts))
        except Exception as exc:  # a check must never stop the self-test: it is that part's failure
            results.append(Check(name, False, f"{type(exc).__name__}: {str(exc)[:200]}", remedy))
    failed = [c.name for c in results if not c.ok]
    revoked = any(c.name == "broker" and not c.ok and "revoked" in c.found for c in results)
    parts.store.record_event("selftest", "warning" if failed else "info",
                             {"ok": not failed, "failed": failed, "revoked": revoked})
    return results


def report_lines(results: list[Check], lang: Lang) -> list[str]:
    """One line a check and the remedy under each failure, then the count: the report on screen, console and paper."""
    lines = []
    for result in results:
        lines.append(f"{'PASS' if result.ok else 'FAIL'}  {result.name:<12} {result.found}")
        if result.remedy is not None:
            lines.append(f"      → {result.remedy.get(lang)}")
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} passed, {failed} failed")
    return lines


def print_report(printer: Printer, results: list[Check], lang: Lang) -> bool:
    """Print the report on the receipt printer; return whether it printed (not when the printer check failed)."""
    if not next((r.ok for r in results if r.name == "printer"), False):
        return False
    from domain.receipt import Line  # noqa: PLC0415 - only to print

    try:
        printer.print_lines([Line(line) for line in report_lines(results, lang)])
    except Exception:  # a printer that fails now is a printer failure the report cannot carry: say it did not print
        return False
    return True
