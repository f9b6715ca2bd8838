"""The technician card over the real PC/SC stack: a private pcscd, a vpcd reader, the card's applet."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.cardreader.pcsc.reader import PcscReader
from drivers.cardreader.pcsc.techcard import CardPinBlocked, NotATechnicianCard, WrongCardPin
from protocol.techcard import TechnicianCardError, verify
from provisioning import pki
from tests.drivers.pboc_cards import pboc_card
from tests.drivers.pcsc_env import VirtualCard
from tests.drivers.pcsc_fixtures import READER
from tests.drivers.techcard_applet import technician_card

PASSPHRASE = b"correct horse battery"


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> pki.Issuer:
    return pki.init_ca(tmp_path_factory.mktemp("ca") / "ca", PASSPHRASE, ("localhost",))


def test_the_card_proves_itself_once_its_pin_is_verified(
        card_slot: Callable[..., VirtualCard], issuer: pki.Issuer, tmp_path: Path) -> None:
    applet = technician_card(issuer, tmp_path / "card", "246810")
    card_slot(applet)
    reader = PcscReader(READER)
    assert reader.wait_for_card(10)
    challenge = secrets.token_bytes(32)
    certificate, signature = reader.technician_proof("246810", challenge)
    assert verify(certificate, signature, challenge, issuer.cert, datetime.now(UTC)) == "T0007"
    assert applet.challenges == [challenge]
    assert len(certificate) > 200  # it came in several responses, through GET RESPONSE
    reader.close()


def test_wrong_pins_count_down_and_block_the_card(
        card_slot: Callable[..., VirtualCard], issuer: pki.Issuer, tmp_path: Path) -> None:
    applet = technician_card(issuer, tmp_path / "card", "246810")
    card_slot(applet)
    reader = PcscReader(READER)
    assert reader.wait_for_card(10)
    with pytest.raises(WrongCardPin) as first:
        reader.technician_proof("111111", secrets.token_bytes(32))
    assert first.value.tries_left == 2
    with pytest.raises(WrongCardPin) as malformed:
        reader.technician_proof("12", secrets.token_bytes(32))  # not a PIN: never sent, never counted
    assert malformed.value.tries_left == -1
    reader.technician_proof("246810", secrets.token_bytes(32))  # the right one still works
    for left in (2, 1):  # the right PIN reset the count to three
        with pytest.raises(WrongCardPin) as wrong:
            reader.technician_proof("222222", secrets.token_bytes(32))
        assert wrong.value.tries_left == left
    with pytest.raises(CardPinBlocked):
        reader.technician_proof("222222", secrets.token_bytes(32))  # the third wrong one blocks it
    with pytest.raises(CardPinBlocked):
        reader.technician_proof("246810", secrets.token_bytes(32))  # blocked: even the right PIN
    assert len(applet.challenges) == 1  # it signed only after the right PIN
    reader.close()


def test_a_bank_card_is_not_a_technician_card(card_slot: Callable[..., VirtualCard]) -> None:
    card_slot(pboc_card())
    reader = PcscReader(READER)
    assert reader.wait_for_card(10)
    with pytest.raises(NotATechnicianCard):
        reader.technician_proof("246810", secrets.token_bytes(32))
    reader.close()


def test_a_terminals_certificate_on_a_card_does_not_pass_for_a_technicians(issuer: pki.Issuer) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    terminal = issuer.issue("LC0001", key.public_key(), 90)  # client-auth usage only
    der = terminal.public_bytes(serialization.Encoding.DER)
    with pytest.raises(TechnicianCardError, match="not a technician"):
        verify(der, b"", secrets.token_bytes(32), issuer.cert, datetime.now(UTC))
