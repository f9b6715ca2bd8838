"""A technician card's applet as a vpcd handler: the APDUs of protocol/techcard.py, with a PIN counter."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.cardreader.pcsc.techcard import AID
from protocol.techcard import CONTEXT
from provisioning import pki
from provisioning.techcards import issue_technician_card

OK, MORE = b"\x90\x00", 0x61
CHUNK = 200  # bytes per response: the certificate comes in several, through GET RESPONSE


class TechnicianApplet:
    """Answers one APDU at a time as a technician card does; blocks its PIN after ``tries`` wrong ones."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, certificate: bytes, pin: str, tries: int = 3) -> None:
        """Hold the card's key, its certificate (DER) and its PIN."""
        self.key, self.certificate, self.pin, self.tries, self.allowed = key, certificate, pin, tries, tries
        self.selected = self.verified = False
        self.pending = b""
        self.challenges: list[bytes] = []

    def __call__(self, command: bytes) -> bytes:
        """Answer ``command``."""
        ins = command[1]
        if ins == 0xA4:
            self.selected = command[5:5 + command[4]] == AID
            self.verified = False
            return OK if self.selected else b"\x6a\x82"
        if not self.selected:
            return b"\x6d\x00"
        handlers = {0xCA: self._certificate, 0xC0: self._more, 0x20: self._verify, 0x88: self._sign}
        return handlers[ins](command) if ins in handlers else b"\x6d\x00"

    def _send(self, data: bytes) -> bytes:
        """Return the first chunk of ``data``, the rest waiting for GET RESPONSE."""
        chunk, self.pending = data[:CHUNK], data[CHUNK:]
        return chunk + (bytes([MORE, min(len(self.pending), 255)]) if self.pending else OK)

    def _certificate(self, command: bytes) -> bytes:
        """GET DATA 7F21: the certificate."""
        return self._send(self.certificate) if command[2:4] == b"\x7f\x21" else b"\x6a\x88"

    def _more(self, _command: bytes) -> bytes:
        """GET RESPONSE: the next chunk."""
        return self._send(self.pending)

    def _verify(self, command: bytes) -> bytes:
        """VERIFY the PIN: 63Cx with the tries left, 6983 once blocked."""
        if self.tries == 0:
            return b"\x69\x83"
        if command[5:5 + command[4]].decode() == self.pin:
            self.verified, self.tries = True, self.allowed  # the right PIN resets the count, as on a real card
            return OK
        self.tries -= 1
        return b"\x69\x83" if self.tries == 0 else bytes([0x63, 0xC0 | self.tries])

    def _sign(self, command: bytes) -> bytes:
        """INTERNAL AUTHENTICATE: sign the context and the challenge, once the PIN is verified."""
        if not self.verified:
            return b"\x69\x82"
        challenge = command[5:5 + command[4]]
        self.challenges.append(challenge)
        return self._send(self.key.sign(CONTEXT + challenge, ec.ECDSA(hashes.SHA256())))


def technician_card(issuer: pki.Issuer, folder: Path, pin: str, technician: str = "T0007",
                    days: int = 365) -> TechnicianApplet:
    """Issue a card with ``provision technician-card issue``'s code and load it into an applet."""
    issue_technician_card(issuer, technician, folder, days=days)
    key = serialization.load_pem_private_key((folder / "card.key").read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    cert = x509.load_pem_x509_certificate((folder / "card.pem").read_bytes())
    return TechnicianApplet(key, cert.public_bytes(serialization.Encoding.DER), pin)

