"""Technician cards: a certificate from the fleet's issuing CA for the key on a technician's smart card.

The card's key is best made on the card (its personalisation tool exports the public key, which
`provision technician-card issue --public-key` certifies); for a card that cannot make keys the
command makes one and writes it beside the certificate, to be loaded onto the card and deleted.
The certificate names the technician (CN ``tech-<id>``) and carries only the technician usage
(protocol/techcard.py): it opens the technician screens, never the broker. A lost card is revoked:
the CRL reaches every terminal through the broker (protocol/crl.py), and a terminal that is offline
meanwhile refuses it once back online, or when it expires after ``days`` (by the terminal's trusted
clock); its PIN, checked by the card, blocks it after a few wrong tries.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from protocol.techcard import TECHNICIAN, TECHNICIAN_EKU
from provisioning.pki import Issuer, PkiError, private_pem, write_new

CARD_DAYS = 365


def _card_cn(technician: str) -> str:
    """Return the CN a technician's card certificates carry (PkiError for an id that cannot be one)."""
    cn = f"tech-{technician}"
    if not TECHNICIAN.fullmatch(cn):
        raise PkiError(f"technician id {technician!r}: 1 to 32 letters, digits and '-', not starting with '-'")
    return cn


def issue_technician_card(issuer: Issuer, technician: str, out: Path, *, days: int = CARD_DAYS,
                          public_key: bytes | None = None) -> str:
    """Write ``card.pem`` (and ``card.key`` when no ``public_key`` is given) into the empty ``out``; return the CN."""
    cn = _card_cn(technician)
    if out.exists() and any(out.iterdir()):
        raise PkiError(f"{out} is not empty: a technician card is written into an empty folder")
    if public_key is None:
        key = ec.generate_private_key(ec.SECP256R1())
        write_new(out / "card.key", private_pem(key, None), 0o600)
        card_key = key.public_key()
    else:
        try:
            loaded = serialization.load_pem_public_key(public_key)
        except ValueError:
            raise PkiError("--public-key is not a PEM public key") from None
        if not isinstance(loaded, ec.EllipticCurvePublicKey):
            raise PkiError("--public-key: only ECDSA P-256 keys are certified")
        card_key = loaded
    cert = issuer.issue(cn, card_key, days, usage=TECHNICIAN_EKU)
    write_new(out / "card.pem", cert.public_bytes(serialization.Encoding.PEM))
    return cn


def revoke_technician_card(issuer: Issuer, technician: str, serials: set[str], *,
                           every_card: bool = False) -> tuple[str, list[str]]:
    """Revoke the technician's card (the one with ``serials``, hex; all with ``every_card``); return CN, serials.

    A technician holding two cards (a replacement issued before the lost one was revoked) must name
    the lost one: revoking by name alone would cut off the replacement too.
    """
    cn = _card_cn(technician)
    try:
        wanted = {format(int(serial.replace(":", ""), 16), "x") for serial in serials}
    except ValueError:
        raise PkiError("--serial: a certificate serial in hex (as `openssl x509 -serial` prints it)") from None
    valid = [e["serial"] for e in issuer.index() if e["cn"] == cn and e["revoked_at"] is None]
    chosen = sorted(wanted & set(valid)) if wanted else valid
    if not chosen:
        raise PkiError(f"no card certificate of {cn} to revoke" + (" with those serials" if wanted else ""))
    if len(chosen) > 1 and not wanted and not every_card:
        raise PkiError(f"{cn} holds {len(chosen)} cards (serials {', '.join(chosen)}): name the lost one with "
                       "--serial, or revoke them all with --all")
    issuer.revoke_serials(cn, set(chosen))
    return cn, chosen
