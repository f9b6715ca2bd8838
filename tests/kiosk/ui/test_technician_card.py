"""The technician card opens the technician screens, by touch: the kiosk's reader is PC/SC (a private pcscd + vpcd).

The card is the applet of tests/drivers/techcard_applet.py, certified by `provision technician-card
issue`'s code; the kiosk reaches it through the same `pcsc://` reader a terminal configures.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from provisioning import pki
from provisioning.techcards import revoke_technician_card
from tests.drivers.pboc_cards import pboc_card
from tests.drivers.pcsc_env import VirtualCard
from tests.drivers.techcard_applet import technician_card
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.test_technician import corner_taps

PASSPHRASE = b"correct horse battery"
CARD_PIN = "246810"


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> pki.Issuer:
    return pki.init_ca(tmp_path_factory.mktemp("ca") / "ca", PASSPHRASE, ("localhost",))


def _type(kiosk: Driver, pin: str) -> str:
    """Type ``pin`` on the keypad, confirm, and return the message once the card has answered."""
    for digit in pin:
        kiosk.tap(digit)
    kiosk.tap("确定")
    kiosk.until(lambda: kiosk.screen == "technician" or kiosk.app.manager.get_screen("technician_pin").ids.message.text
                not in {"正在核验技术员卡…", "请把技术员卡平放在读卡器上，再输入卡的密码。"}, timeout=20, what="the card")
    return str(kiosk.app.manager.get_screen("technician_pin").ids.message.text)


def test_the_card_with_its_pin_opens_the_screen_and_wrong_pins_are_counted_by_the_card(
        pcsc_kiosk: Driver, card_slot: Callable[..., VirtualCard], issuer: pki.Issuer, tmp_path: Path) -> None:
    kiosk = pcsc_kiosk
    kiosk.app.kiosk.technician_ca = issuer.cert
    applet = technician_card(issuer, tmp_path / "card", CARD_PIN)
    card_slot(applet)
    corner_taps(kiosk)
    kiosk.tap("技术员卡")
    assert "技术员卡密码" in kiosk.texts()
    assert _type(kiosk, "111111") == "卡密码错误：再错 2 次，卡将自行锁定。"
    assert _type(kiosk, "12") == "卡密码为 4 至 12 位数字。"  # never sent to the card
    assert applet.tries == 2
    _type(kiosk, CARD_PIN)
    assert kiosk.screen == "technician"
    entered = [e["detail"] for e in kiosk.store.events() if e["kind"] == "technician"]
    assert entered[-1] == {"action": "entered_card", "technician": "T0007"}
    refused = [e["detail"]["why"] for e in kiosk.store.events() if e["kind"] == "technician_card_refused"]
    assert refused == ["wrong_pin", "wrong_pin"]
    assert CARD_PIN not in str(kiosk.store.events())
    assert "111111" not in str(kiosk.store.events())


def test_another_fleets_card_and_a_bank_card_do_not_open_it(
        pcsc_kiosk: Driver, card_slot: Callable[..., VirtualCard], issuer: pki.Issuer, tmp_path: Path) -> None:
    kiosk = pcsc_kiosk
    kiosk.app.kiosk.technician_ca = issuer.cert
    other = pki.init_ca(tmp_path / "other", PASSPHRASE, ("localhost",))
    card = card_slot(technician_card(other, tmp_path / "card", CARD_PIN))
    corner_taps(kiosk)
    kiosk.tap("技术员卡")
    assert _type(kiosk, CARD_PIN) == "此卡在本机无效（非本系统发放、已过期或已损坏）：请联系运维。"
    card.remove()
    bank = card_slot(pboc_card())
    assert _type(kiosk, CARD_PIN) == "这不是技术员卡。"
    bank.remove()
    kiosk.until(lambda: kiosk.reader.status().media.get("card") != "present", what="the card taken off")
    assert _type(kiosk, CARD_PIN) == "未读到技术员卡：请平放在读卡器上后重试。"
    assert kiosk.screen == "technician_pin"
    for _ in range(2):  # five refused cards in all: as many as wrong PINs are free
        _type(kiosk, CARD_PIN)
    assert _type(kiosk, CARD_PIN).startswith("密码错误次数过多，已锁定至")  # the card is not even asked
    refused = [e for e in kiosk.store.events() if e["kind"] == "technician_card_refused"]
    assert len(refused) == 5


def test_a_card_on_the_fleets_revocation_list_is_refused(
        pcsc_kiosk: Driver, card_slot: Callable[..., VirtualCard], issuer: pki.Issuer, tmp_path: Path) -> None:
    kiosk = pcsc_kiosk
    kiosk.app.kiosk.technician_ca = issuer.cert
    card_slot(technician_card(issuer, tmp_path / "card", CARD_PIN, technician="T0009"))
    revoke_technician_card(issuer, "T0009", set())
    kiosk.app.kiosk.technician_crl = tmp_path / "crl.pem"
    (tmp_path / "crl.pem").write_bytes((issuer.directory / "issuing" / "crl.pem").read_bytes())  # as the agent keeps it
    corner_taps(kiosk)
    kiosk.tap("技术员卡")
    assert _type(kiosk, CARD_PIN) == "此卡已被吊销（已挂失或已收回）：请交还运维。"
    assert kiosk.screen == "technician_pin"
    refused = [e["detail"]["why"] for e in kiosk.store.events() if e["kind"] == "technician_card_refused"]
    assert refused == ["revoked"]


def test_a_revocation_list_that_cannot_be_read_refuses_every_card_before_its_pin_is_tried(
        pcsc_kiosk: Driver, card_slot: Callable[..., VirtualCard], issuer: pki.Issuer, tmp_path: Path) -> None:
    kiosk = pcsc_kiosk
    kiosk.app.kiosk.technician_ca = issuer.cert
    applet = technician_card(issuer, tmp_path / "card", CARD_PIN, technician="T0010")
    card_slot(applet)
    kiosk.app.kiosk.technician_crl = tmp_path / "crl.pem"
    (tmp_path / "crl.pem").write_bytes(b"damaged")  # a disk error, or a file someone replaced
    corner_taps(kiosk)
    kiosk.tap("技术员卡")
    assert _type(kiosk, "111111") == "本机的吊销列表无法读取，暂不接受技术员卡：请改用技术员密码，并告知运维。"
    assert applet.tries == 3  # the card was never asked: no PIN try spent
    refused = [e["detail"]["why"] for e in kiosk.store.events() if e["kind"] == "technician_card_refused"]
    assert refused == ["crl_unusable"]
