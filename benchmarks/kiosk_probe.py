"""One cold start of the kiosk (or of an empty Kivy app) under the benchmark's Xvfb; prints timings as JSON.

``python -m benchmarks.kiosk_probe kiosk|empty T0`` where T0 is the wall time the parent started
the process: the cold start includes the interpreter, imports, the window and home's first frame;
the kiosk then opens the terminal's store (which the parent created beforehand, as installation
does) and the devices after that frame, as `kiosk run` does, and the run notes when it is ready.
The kiosk run then times two steps a citizen waits for: the confirmed card to the form drawn,
and the submit tap to the first bytes at the printer (the application stored before that); then
it loads the input engines (resident memory before and after) and times each pinyin keystroke
until its candidates are drawn on the keyboard's bar.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STORE_FOLDER = "YC_PROBE_STORE"  # the store the parent provisioned (as `store init` does); else a fresh one


def _frames_until(check: object, limit: float = 30.0) -> None:
    """Run frames until ``check()`` holds."""
    from kivy.base import EventLoop  # noqa: PLC0415

    deadline = time.monotonic() + limit
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        EventLoop.idle()


def empty(started: float) -> dict[str, float]:
    """An empty Kivy app: window and first frame."""
    from kivy.app import App  # noqa: PLC0415
    from kivy.base import EventLoop  # noqa: PLC0415
    from kivy.uix.label import Label  # noqa: PLC0415

    class Empty(App):
        def build(self) -> Label:
            return Label(text="hello")

    app = Empty()
    EventLoop.ensure_window()
    app._run_prepare()
    EventLoop.idle()
    return {"start": time.time() - started}


def _build(started: float) -> tuple[Any, Any, Any, Any, dict[str, float]]:
    """Start the kiosk as `kiosk run` does: home drawn first, the store and simulated devices opened after it."""
    import kiosk.ui  # noqa: F401, PLC0415 - Kivy's environment first
    from kiosk.config import UiSection  # noqa: PLC0415
    from kiosk.ui.kivyconf import configure, register_font  # noqa: PLC0415

    settings = UiSection(fullscreen=False, width_px=540, height_px=960, panel_inches=10.75)
    configure(settings)
    register_font()
    from kivy.base import EventLoop  # noqa: PLC0415

    from domain.catalog_loader import load_catalog  # noqa: PLC0415
    from domain.data import SAMPLE_CATALOG  # noqa: PLC0415
    from kiosk.services.startup import Startup  # noqa: PLC0415
    from kiosk.ui.app import KioskApp  # noqa: PLC0415
    from kiosk.ui.screens import JOURNEY  # noqa: PLC0415

    catalog = load_catalog(SAMPLE_CATALOG)
    opened: dict[str, Any] = {}
    app = KioskApp(Startup(catalog, catalog.hall("lc-center"), settings, lambda: _open(catalog, settings, opened)))
    EventLoop.ensure_window()
    app._run_prepare()
    EventLoop.idle()
    times = {"start": time.time() - started}
    _frames_until(lambda: app.ready)
    times["ready"] = time.time() - started
    home = app.manager.get_screen("home")  # a citizen's first seconds: the journey's screens, the search index,
    _frames_until(lambda: all(app.manager.has_screen(name) for name in JOURNEY) and home._entries is not None
                  and gc.get_freeze_count() > 0)  # and the start's objects frozen out of the collector's passes
    times["screens"] = time.time() - started
    return app, opened["reader"], opened["printer"], opened["store"], times


def _open(catalog: Any, settings: Any, opened: dict[str, Any]) -> Any:
    """Open the provisioned store and the simulated devices and build the terminal (as `open_kiosk` does)."""
    from datetime import UTC, datetime  # noqa: PLC0415

    from drivers.cardreader.factory import SimulatedReader, open_card_reader  # noqa: PLC0415
    from drivers.printer.factory import SimulatedPrinter, open_printer  # noqa: PLC0415
    from kiosk.services.terminal import Kiosk  # noqa: PLC0415
    from kiosk.store.keys import KeyFileProvider  # noqa: PLC0415
    from kiosk.store.opening import open_store  # noqa: PLC0415

    folder = Path(os.environ.get(STORE_FOLDER) or tempfile.mkdtemp(prefix="kiosk-bench-"))
    store = open_store(folder / "store.db", KeyFileProvider(folder / "store.key"))
    reader, printer = open_card_reader("sim://"), open_printer("sim://")
    if not isinstance(reader, SimulatedReader) or not isinstance(printer, SimulatedPrinter):
        raise TypeError("sim:// devices expected")
    reader.open()
    opened.update(store=store, reader=reader, printer=printer)
    return Kiosk(catalog, catalog.hall("lc-center"), "LC0001", store, reader, printer, settings,
                 lambda: datetime.now(UTC))


def kiosk(started: float) -> dict[str, float]:
    """The kiosk with simulated devices: to home, to ready, card to form, submit to printing."""
    from kivy.base import EventLoop  # noqa: PLC0415

    import kiosk.ui.app  # noqa: PLC0415
    from drivers.cardreader.simulator import SAMPLE_CARDS  # noqa: PLC0415

    kiosk.ui.app.WARM_INPUTS_AFTER_S = 3600.0  # the probe loads the engines itself, to measure them
    app, reader, printer, store, times = _build(started)
    result: dict[str, Any] = dict(times)
    app.start("SB-001")
    app.go("identify")
    reader.simulator.place(SAMPLE_CARDS["zhang"])
    identify = app.manager.get_screen("identify")
    _frames_until(lambda: not identify.ids.confirm.disabled)
    began = time.perf_counter()
    app.go("form")
    EventLoop.idle()
    result["card_to_form"] = time.perf_counter() - began
    session = app.session
    assert session is not None
    session.answers.update({"delivery.method": "window", "contact.phone": "13800138000",
                            "insurance.card_bank": "ccb", "declaration.consent": True})
    app.go("review")
    began = time.perf_counter()
    app.go("receipt")
    _frames_until(lambda: bool(printer.emulator.jobs) and bool(printer.emulator.items), limit=60)
    result["submit_to_print"] = time.perf_counter() - began
    _frames_until(lambda: session.printed, limit=60)  # let the receipt finish before closing the printer
    result.update(_typing(app))
    reader.close()
    printer.close()
    store.close()
    return result


TYPED = ("liaochengshi", "dongchangfuqu", "shandong", "yichuang", "shangmao", "youxiangongsi", "zhongguo",
         "jiansheyinhang", "fenhang", "yingyebu", "lcs", "dcfq", "yxgs", "canyinfuwu", "jiedao", "shequ")


def _resident_mib() -> float:
    """Return this process's resident memory in MiB (Linux)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024


def _typing(app: Any) -> dict[str, Any]:
    """Load the input engines, then time each pinyin keystroke until its candidates are drawn."""
    from kivy.base import EventLoop  # noqa: PLC0415

    from kiosk.ui.app import settle_gc  # noqa: PLC0415

    before = _resident_mib()
    app.kiosk.writing.warm()
    grown = _resident_mib() - before
    settle_gc()  # as the app does once the engines are loaded
    app.end_session()
    app.start("YJS-001")
    session = app.session
    form = app.manager.get_screen("form")
    name = session.offering.field("business.name")
    session.turn_to(name.key, app.elder)
    app.go("form")
    form._type(name)  # as a tap on the field does
    EventLoop.idle()
    board, keystrokes = form.typing, []
    for word in TYPED:
        for letter in word:
            keystrokes.append(_timed(lambda k=letter: board.press(k)))  # the bar with its candidates drawn
        board.press("pick:0")
    form._type(session.offering.field("business.registered_capital"))  # the baseline: a digit on a keypad
    keypad = form.typing
    digits = [_timed(lambda k=str(n % 10): keypad.press(k)) for n in range(60)]
    return {"engines_mib": grown, "keystrokes": keystrokes, "digits": digits}


def _timed(key: Any) -> float:
    """Return the seconds from a key's press to its frame drawn."""
    from kivy.base import EventLoop  # noqa: PLC0415

    began = time.perf_counter()
    key()
    EventLoop.idle()
    return time.perf_counter() - began


if __name__ == "__main__":
    mode, started = sys.argv[1], float(sys.argv[2])
    print(json.dumps(kiosk(started) if mode == "kiosk" else empty(started)), flush=True)
