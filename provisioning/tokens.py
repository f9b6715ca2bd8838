"""One-time enrollment tokens: bound to a hall profile, stored hashed, redeemed once, atomically."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import segno
from sqlalchemy import Connection, Engine, insert, select, update

from central.platform.schema import enrollment_tokens, terminals

SITES = ("hall", "bank", "village")
DURATION = re.compile(r"^(\d+)([mhd])$")
PREFIX = re.compile(r"^[A-HJ-NP-Z]{2}$")
QR_PREFIX = "YCENROLL:"


class EnrollmentRefused(ValueError):
    """Enrollment refused; ``code`` goes back to the terminal, the message to the technician."""

    def __init__(self, code: str, message: str) -> None:
        """Keep the reason code beside the sentence."""
        super().__init__(message)
        self.code = code


class TokenError(ValueError):
    """A token request an operator got wrong (site, prefix, validity, hall): said in one line."""


@dataclass(frozen=True)
class HallProfile:
    """What a token enrolls a terminal as: its hall, the kind of site, the id prefix, where it stands."""

    hall: str
    site: str
    prefix: str
    location: str = ""
    terminal: str = ""  # a re-enrollment token's registered terminal: it keeps this id


def parse_duration(text: str) -> timedelta:
    """Parse ``30m``, ``24h`` or ``7d``."""
    match = DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise TokenError(f"{text!r}: give a duration such as 30m, 24h or 7d")
    unit = {"m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def digest(token: str) -> str:
    """Return the stored form of a token (a token has 160 random bits, so a plain hash suffices).

    A token typed by hand or by a keyboard-wedge scanner reading the sheet's QR code (which adds
    the ``YCENROLL:`` prefix) gives the same digest.
    """
    return hashlib.sha256(token.strip().upper().removeprefix(QR_PREFIX).strip().encode()).hexdigest()


def reenrollment_profile(engine: Engine, terminal: str) -> HallProfile:
    """Return the profile of a re-enrollment token for the registered, unrevoked ``terminal``."""
    with engine.connect() as conn:
        row = conn.execute(select(terminals).where(terminals.c.id == terminal)).first()
    if row is None:
        raise TokenError(f"--terminal {terminal}: no such terminal in the registry (a new terminal needs a hall token)")
    if row.revoked_at is not None:
        raise TokenError(f"--terminal {terminal}: the terminal is revoked; it cannot be re-enrolled")
    prefix = terminal[:2] if PREFIX.fullmatch(terminal[:2]) else "LC"  # unused: the terminal keeps its id
    return HallProfile(row.hall, row.site or "hall", prefix, row.location, terminal)


def create_tokens(engine: Engine, profile: HallProfile, expires: timedelta, count: int = 1) -> list[str]:
    """Create ``count`` tokens for ``profile``; return them (they are shown once and never stored)."""
    if profile.site not in SITES:
        raise TokenError(f"site must be one of {', '.join(SITES)}")
    if not PREFIX.fullmatch(profile.prefix):
        raise TokenError(f"--prefix {profile.prefix!r}: the terminal id prefix is two capital letters (no I or O)")
    now = datetime.now(UTC)
    tokens = [base64.b32encode(secrets.token_bytes(20)).decode() for _ in range(count)]
    with engine.begin() as conn:
        conn.execute(insert(enrollment_tokens), [
            {"digest": digest(t), "hall": profile.hall, "site": profile.site, "prefix": profile.prefix,
             "location": profile.location, "created_at": now.isoformat(), "expires_at": (now + expires).isoformat(),
             "terminal": profile.terminal or None}
            for t in tokens])
    return tokens


def redeem(conn: Connection, token: str, now: datetime) -> HallProfile:
    """Use a token inside the caller's transaction; raise EnrollmentRefused if it cannot be used."""
    row = conn.execute(select(enrollment_tokens).where(enrollment_tokens.c.digest == digest(token))).first()
    if row is None:
        raise EnrollmentRefused("token_unknown", "this enrollment token is not known (mistyped, or forged)")
    if row.used_at is not None:
        raise EnrollmentRefused("token_used", f"this enrollment token was already used for {row.used_by}")
    if datetime.fromisoformat(row.expires_at) <= now:
        raise EnrollmentRefused("token_expired", "this enrollment token has expired: ask ops for a new one")
    unused = (enrollment_tokens.c.digest == row.digest) & enrollment_tokens.c.used_at.is_(None)
    claimed = conn.execute(update(enrollment_tokens).where(unused).values(used_at=now.isoformat()))
    if claimed.rowcount != 1:  # another enrollment took it a moment ago
        raise EnrollmentRefused("token_used", "this enrollment token was already used")
    return HallProfile(row.hall, row.site, row.prefix, row.location, row.terminal or "")


def mark_used_by(conn: Connection, token: str, terminal: str) -> None:
    """Record which terminal a redeemed token enrolled."""
    conn.execute(update(enrollment_tokens).where(enrollment_tokens.c.digest == digest(token)).values(used_by=terminal))


def next_terminal_id(conn: Connection, prefix: str) -> str:
    """Return the next free terminal id with ``prefix`` (prefix + 4 digits)."""
    ids = conn.execute(select(terminals.c.id).where(terminals.c.id.like(f"{prefix}%"))).scalars()
    numbers = [int(i[len(prefix):]) for i in ids if i[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def private_file(path: Path) -> BinaryIO:
    """Open ``path`` for writing, readable by its owner only from the first byte (a token is a secret until used)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)  # a file that was already there keeps its old mode otherwise
    return os.fdopen(fd, "wb")


def write_qr(token: str, path: Path) -> Path:
    """Write a token as a QR code PNG for the technician's sheet (mode 0600)."""
    with private_file(path) as out:
        segno.make(f"{QR_PREFIX}{token}", error="m").save(out, kind="png", scale=8, border=4)
    return path
