"""Re-enrollment at the terminal, by touch: an expired terminal gets a new certificate from the technician screen.

The real broker, enrollment service and PKI of tests/provisioning; the function main.py hands the
kiosk (provisioning.onsite.reenroll_here) over the terminal's own configuration; its queued
applications then reach central once, from the same store.
"""

from __future__ import annotations

import datetime as dt
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from kivy.core.window import Window
from kivy.uix.button import Button

from central.platform.database import make_engine
from domain.passwords import hash_secret
from kiosk.config import load_config, render_config, write_private
from kiosk.services.selftest_probes import probes
from provisioning.onsite import reenroll_here
from provisioning.tokens import HallProfile, create_tokens
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.test_technician import PIN, corner_taps, type_pin
from tests.provisioning import test_enrollment_flow as flow
from tests.provisioning.test_reenrollment import expire
from tests.provisioning.test_rotation import enrolled, queue_applications, sync_run

fleet = flow.fleet


def _with_medium(config_file: Path, medium: Path) -> None:
    """Point the terminal's configuration at the technician's claim medium (as plugged in at /media/enroll)."""
    config = load_config(config_file)
    config = config.model_copy(update={"technician": config.technician.model_copy(update={"claim_dirs": [medium]})})
    write_private(config_file, render_config(config, "A test terminal."))


def _outcome(kiosk: Driver, start: str) -> str:
    """Wait for the enrollment screen's outcome starting with ``start``; return it."""
    kiosk.until(lambda: [t for t in kiosk.texts() if t.startswith(start)], timeout=40, what=start)
    return next(t for t in kiosk.texts() if t.startswith(start))


def _key(kiosk: Driver, char: str) -> None:
    """Touch the keypad's key ``char`` (not the token field above it, which may show the same character)."""
    keypad = kiosk.app.manager.get_screen("technician_enroll").ids.keypad
    kiosk.touch(next(w for w in keypad.walk() if isinstance(w, Button) and w.text == char))


def _scan(text: str) -> None:
    """Type ``text`` as a keyboard-wedge scanner does, then Enter."""
    for char in text:
        Window.dispatch("on_textinput", char)
    Window.dispatch("on_key_down", 13, 36, None, [])


def test_an_expired_terminal_is_re_enrolled_at_the_technician_screen_and_delivers_its_queue_once(
        kiosk: Driver, fleet: flow.Fleet, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    terminal_dir = enrolled(fleet, tmp_path)
    config_file = terminal_dir / "terminal.toml"
    _with_medium(config_file, tmp_path / "no-medium")
    expire(fleet, terminal_dir)
    queued = queue_applications(terminal_dir, 0, 5)
    app = kiosk.app.kiosk
    app.reenroll = lambda token: reenroll_here(token, config_file)  # what main.py wires
    app.probes = probes(load_config(config_file), kiosk.store)
    app.technician_pin_hash = hash_secret(PIN)
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    kiosk.tap("重新注册")
    assert kiosk.screen == "technician_enroll"

    (hall_token,) = create_tokens(make_engine(fleet.db_url), HallProfile("lc-center", "hall", "LC"), timedelta(hours=1))
    _scan(hall_token)  # the medium is not plugged in: nothing is asked
    assert "looked in" in _outcome(kiosk, "未能重新注册。请检查令牌、注册介质和网络后重试。详情：no claim medium")
    _with_medium(config_file, fleet.ca / "claim")
    _scan(hall_token.lower())  # a token for a new terminal is refused by central
    assert "this token enrolls a new terminal, not LC0001" in _outcome(kiosk, "未能重新注册。")

    made = flow.yichuang("provision", "token", "reenroll", "LC0001", "--db", fleet.db_url)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    before = config_file.read_bytes()
    for char in token:  # typed on the keypad, key by key
        _key(kiosk, char)
    assert " ".join(token[i:i + 4] for i in range(0, len(token), 4)) in kiosk.texts()  # in fours, as on the sheet
    kiosk.tap("重新注册")
    kiosk.until(lambda: kiosk.screen == "technician", timeout=40, what="back on the technician screen")
    kiosk.until(lambda: [t for t in kiosk.texts() if t.startswith("自检完成")], timeout=60, what="the self-test")
    assert "与中心的连接：通过" in kiosk.texts()  # the new certificate is accepted by the broker

    renewed = x509.load_pem_x509_certificate((terminal_dir / "pki" / "terminal.pem").read_bytes())
    assert renewed.not_valid_after_utc > dt.datetime.now(dt.UTC) + timedelta(days=80)
    assert config_file.read_bytes() == before  # only the pki folder changed
    assert sync_run(config_file).returncode == 0
    assert sorted(fleet.worker.ingest.stored_ids()) == sorted(queued)  # each once, from the same store
    actions = [e["detail"].get("action") for e in kiosk.store.events() if e["kind"] == "technician"]
    assert actions.count("reenroll") == 3
    assert actions.count("reenrolled") == 1
    for secret in (token, hall_token):  # never kept, never logged
        assert secret not in str(kiosk.store.events())
        assert secret.lower() not in caplog.text.lower()
