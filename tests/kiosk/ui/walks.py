"""The views the rendering check visits: every screen of a journey, then every keypad, the date picker and the keyboards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kivy.uix.button import Button

from domain.catalog import SupplementWay
from domain.lifecycle import State
from drivers.cardreader.simulator import SAMPLE_CARDS
from drivers.status import PaperState
from kiosk.services.inputs import KEYED, Input, input_for
from kiosk.services.progress import Progress, item_name, owed_names
from kiosk.services.supplement import SupplementSession, pending_of
from tests.kiosk.ui.journey import field, keyboard, tap_key, to_review, write_on_pad
from tests.kiosk.ui.render_walk import check

Look = Callable[..., None]  # (kiosk, shots, name, problems[, langs]): what to do at each view
CHINESE_ONLY = ("zh",)  # a keypad reads the same in both languages: one screenshot, both checked


def walk_screens(kiosk: Any, shots: Path, problems: list[str], look: Look = check) -> None:
    """Visit every screen of the journey, the out-of-service screen and the idle warning; ``look`` at each."""
    look(kiosk, shots, "home", problems)
    to_review(kiosk)
    look(kiosk, shots, "review", problems)
    kiosk.tap("返回")
    look(kiosk, shots, "form", problems)
    kiosk.app.session.turn_to("contact.phone", kiosk.app.elder)
    kiosk.app.current.show()
    kiosk.tap("13800138000")  # opens the keypad
    look(kiosk, shots, "form-keypad", problems)
    kiosk.app.go("review")
    kiosk.tap("提交")
    kiosk.until(lambda: "请取走您的回执。" in kiosk.texts())
    look(kiosk, shots, "receipt", problems)
    number = kiosk.app.session.receipt.number
    kiosk.tap("评价本次服务")
    kiosk.tap("不满意")
    look(kiosk, shots, "rating", problems)
    kiosk.app.end_session()
    kiosk.app.start("YJS-001")
    look(kiosk, shots, "guide", problems)
    kiosk.tap("开始办理")
    look(kiosk, shots, "notice", problems)
    kiosk.tap("同意并继续")
    kiosk.reader.simulator.place(SAMPLE_CARDS["li"])
    screen = kiosk.app.manager.get_screen("identify")
    kiosk.until(lambda: not screen.ids.confirm.disabled)
    look(kiosk, shots, "identify", problems)
    kiosk.app.go("materials")
    look(kiosk, shots, "materials", problems)
    kiosk.app.end_session()
    kiosk.printer.emulator.state.paper = PaperState.OUT
    kiosk.app.check_devices()
    kiosk.until(lambda: kiosk.screen == "out_of_service")
    look(kiosk, shots, "out-of-service", problems)
    kiosk.app.idle_warning, kiosk.app.countdown = True, 25
    look(kiosk, shots, "idle-warning", problems)
    kiosk.app.idle_warning = False
    kiosk.app.go("technician_pin")
    look(kiosk, shots, "technician-pin", problems)
    kiosk.app.go("technician")
    look(kiosk, shots, "technician", problems)
    kiosk.app.go("technician_enroll")
    enroll = kiosk.app.manager.get_screen("technician_enroll")
    for key in "7QXK3MNPAB2C":  # the first keys of a token, shown in groups of four
        enroll.press(key)
    look(kiosk, shots, "technician-enroll", problems)
    kiosk.app.end_session()
    kiosk.printer.emulator.state.paper = PaperState.FULL
    kiosk.app.check_devices()
    kiosk.until(lambda: kiosk.screen == "home")
    progress = kiosk.app.manager.get_screen("progress")
    kiosk.app.go("progress")
    progress.typed = number
    progress.show()
    progress.search()  # the application just submitted, not yet at central (looked up off the UI thread)
    kiosk.until(lambda: not progress.ids.search.disabled and len(progress.ids.content.children) > 1)
    look(kiosk, shots, "progress", problems)
    progress.home()
    walk_supplement(kiosk, shots, problems, number, look)


def walk_supplement(kiosk: Any, shots: Path, problems: list[str], number: str, look: Look = check) -> None:
    """Show the 补齐 screen's ways and confirmation for an application owing two materials; ``look`` at each."""
    owed = ("photo", "household_register")
    catalog = kiosk.app.kiosk.catalog
    progress = Progress(number, item_name(catalog, "SB-001"), State.NEEDS_SUPPLEMENT, datetime.now(UTC),
                        "照片不合格", owed_names(catalog, owed), None, owed_ids=owed, item_code="SB-001")
    screen = kiosk.app.manager.get_screen("supplement")
    screen.session = SupplementSession("370303198505120012", pending_of(catalog, [progress]))
    screen.choose(screen.session.pending[0])  # as after her card was read and central answered
    kiosk.app.go("supplement")
    look(kiosk, shots, "supplement-ways", problems)
    screen.pick("household_register", SupplementWay.DECLARE)
    screen.next()
    look(kiosk, shots, "supplement-confirm", problems)
    kiosk.app.end_session()


def open_field(kiosk: Any, kind: Input) -> Any:
    """Show the form page of some offering with a field of ``kind`` and open its input; return the field."""
    app = kiosk.app
    for code in sorted({*app.kiosk.catalog.items, *app.kiosk.catalog.bundles}):
        app.session = app.kiosk.start_session(code)
        for _group, fields in app.session.groups():
            wanted = next((f for f in fields if input_for(f) is kind), None)
            if wanted is not None:
                app.session.turn_to(wanted.key, app.elder)
                app.go("form")
                kiosk.frames(3)
                kiosk.touch(field(kiosk, app.text(wanted.label), Button))
                return wanted
    raise AssertionError(f"no field of {kind} in the catalog")


def walk_inputs(kiosk: Any, shots: Path, problems: list[str], look: Look = check) -> None:
    """Open every keypad, each step of the date picker, and the Chinese keyboard's pages; ``look`` at each."""
    for kind in sorted(KEYED):
        open_field(kiosk, kind)
        look(kiosk, shots, f"keypad-{kind}", problems, CHINESE_ONLY)
        kiosk.app.end_session()
    open_field(kiosk, Input.DATE)
    for step, key in (("year", "2026"), ("month", "12"), ("day", "")):
        look(kiosk, shots, f"date-{step}", problems, CHINESE_ONLY)
        if key:
            kiosk.tap(key)
    kiosk.app.end_session()
    open_field(kiosk, Input.CHINESE)
    for letter in "liaoc":
        tap_key(kiosk, letter)
    look(kiosk, shots, "keyboard-pinyin", problems)
    for page, name in (("ABC", "letters"), ("123", "symbols"), ("手写", "handwriting")):
        tap_key(kiosk, page)
        look(kiosk, shots, f"keyboard-{name}", problems)
    write_on_pad(kiosk, "窗")
    assert keyboard(kiosk).pad is not None
    look(kiosk, shots, "keyboard-handwriting-candidates", problems)
    kiosk.app.end_session()
