"""The terminal registry: which terminals central trusts, by their certificate, and when it last heard of them.

Enrollment (the provisioning issue) fills it in; until then ops register a terminal's
certificate by hand (`yichuang central terminals add`). A revoked terminal is refused on
every message, whatever the broker still lets through.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import Connection, Engine, func, insert, select, update

from central.platform.schema import certificate_history, terminals
from protocol.topics import TERMINAL

CACHE_SECONDS = 2.0  # a revocation made by another process takes effect within this
GRACE = timedelta(days=7)  # a replaced certificate still verifies what was sealed before (the broker keeps a week)


class RegistryError(ValueError):
    """A registration ops asked for cannot be made."""


@dataclass(frozen=True)
class Standing:
    """What central knows of one terminal when a message arrives."""

    key: ec.EllipticCurvePublicKey | None  # None: unknown terminal
    revoked: bool = False
    previous: tuple[ec.EllipticCurvePublicKey, ...] = ()  # replaced certificates' keys, within their grace


def _now() -> str:
    """Return the current UTC time as ISO 8601."""
    return datetime.now(UTC).isoformat()


def certificate_key(pem: bytes, terminal: str) -> ec.EllipticCurvePublicKey:
    """Return the P-256 key of a terminal certificate whose CN is ``terminal``."""
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise RegistryError("not a PEM certificate") from None
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names or names[0].value != terminal:
        raise RegistryError(f"the certificate is not issued to {terminal}")
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise RegistryError("the certificate's key is not ECDSA P-256")
    return key


class Registry:
    """Terminals known to central, cached briefly for the ingest path."""

    def __init__(self, engine: Engine) -> None:
        """Read and write the registry in ``engine``."""
        self.engine = engine
        self._cache: dict[str, tuple[float, Standing]] = {}

    def add(self, terminal: str, certificate: bytes, hall: str = "", site: str = "", location: str = "") -> None:
        """Register ``terminal`` with its certificate (again: replace the certificate, clear a revocation)."""
        with self.engine.begin() as conn:
            self.register(conn, terminal, certificate, hall=hall, site=site, location=location)
        self._cache.pop(terminal, None)

    @staticmethod
    def register(conn: Connection, terminal: str, certificate: bytes, *, hall: str, site: str, location: str) -> None:
        """Insert or replace a registration inside the caller's transaction."""
        if not TERMINAL.fullmatch(terminal):
            raise RegistryError(f"{terminal!r} is not a terminal id")
        certificate_key(certificate, terminal)
        values = {"certificate": certificate.decode("ascii"), "hall": hall, "site": site, "location": location}
        exists = conn.execute(select(terminals.c.id).where(terminals.c.id == terminal)).first()
        if exists:
            conn.execute(update(terminals).where(terminals.c.id == terminal).values(
                **values, revoked_at=None, revoked_reason=None))
        else:
            conn.execute(insert(terminals).values(id=terminal, registered_at=_now(), **values))

    @staticmethod
    def replace_certificate(conn: Connection, terminal: str, certificate: bytes) -> str:
        """Make ``certificate`` the terminal's, keeping the one it replaces for verification; return the old serial."""
        certificate_key(certificate, terminal)
        row = conn.execute(select(terminals.c.certificate).where(terminals.c.id == terminal)).first()
        if row is None:
            raise RegistryError(f"no terminal {terminal} in the registry")
        old = x509.load_pem_x509_certificate(row.certificate.encode("ascii"))
        now = datetime.now(UTC)
        conn.execute(insert(certificate_history).values(
            terminal=terminal, serial=format(old.serial_number, "x"), certificate=row.certificate,
            replaced_at=now.isoformat(), not_after=min(old.not_valid_after_utc, now + GRACE).isoformat()))
        replaced = update(terminals).where(terminals.c.id == terminal)
        conn.execute(replaced.values(certificate=certificate.decode("ascii")))
        return format(old.serial_number, "x")

    def revoke(self, terminal: str, reason: str) -> None:
        """Refuse every further message from ``terminal``."""
        with self.engine.begin() as conn:
            done = conn.execute(update(terminals).where(terminals.c.id == terminal).values(
                revoked_at=_now(), revoked_reason=reason[:200]))
        if not done.rowcount:
            raise RegistryError(f"no terminal {terminal} in the registry")
        self._cache.pop(terminal, None)

    def forget(self, terminal: str) -> None:
        """Drop the cached standing of ``terminal`` (it was just revoked or retired in this process)."""
        self._cache.pop(terminal, None)

    def standing(self, terminal: str) -> Standing:
        """Return the terminal's key and whether it is revoked (cached for a moment)."""
        cached = self._cache.get(terminal)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        with self.engine.connect() as conn:
            row = conn.execute(select(terminals.c.certificate, terminals.c.revoked_at)
                               .where(terminals.c.id == terminal)).first()
            old = conn.execute(select(certificate_history.c.certificate).where(
                (certificate_history.c.terminal == terminal) & (certificate_history.c.not_after > _now()))).scalars()
            previous = tuple(certificate_key(pem.encode("ascii"), terminal) for pem in old)
        standing = Standing(None) if row is None else Standing(
            certificate_key(row.certificate.encode("ascii"), terminal), row.revoked_at is not None, previous)
        self._cache[terminal] = (time.monotonic(), standing)
        return standing

    def signers(self, terminal: str) -> tuple[ec.EllipticCurvePublicKey, ...]:
        """Return every key ``terminal`` ever signed with: its certificate's, then the replaced ones' (newest first)."""
        with self.engine.connect() as conn:
            current = conn.execute(select(terminals.c.certificate).where(terminals.c.id == terminal)).scalar()
            history = certificate_history.c
            old = conn.execute(select(history.certificate).where(history.terminal == terminal)
                               .order_by(history.replaced_at.desc())).scalars()
            pems = ([current] if current else []) + list(old)
        return tuple(certificate_key(pem.encode("ascii"), terminal) for pem in pems)

    @staticmethod
    def seen(conn: Connection, terminal_ids: set[str]) -> None:
        """Record, inside the caller's transaction, that these terminals were heard from now."""
        if terminal_ids:
            now = _now()
            conn.execute(update(terminals).where(terminals.c.id.in_(sorted(terminal_ids))).values(
                last_seen=now, first_seen=func.coalesce(terminals.c.first_seen, now)))

    def maintenance(self, terminal: str, on: bool, by: str) -> None:
        """Put a terminal into maintenance (the monitor shows it so and raises no alerts) or back into service."""
        values = {"maintenance_since": _now(), "maintenance_by": by} if on else {
            "maintenance_since": None, "maintenance_by": None}
        with self.engine.begin() as conn:
            done = conn.execute(update(terminals).where(terminals.c.id == terminal).values(**values))
        if not done.rowcount:
            raise RegistryError(f"no terminal {terminal} in the registry")

    def status(self, terminal: str) -> dict[str, str | None] | None:
        """Return one terminal's registration without its certificate (None if unknown)."""
        return next((t for t in self.listing() if t["id"] == terminal), None)

    def listing(self) -> list[dict[str, str | None]]:
        """Return every terminal without its certificate."""
        columns = [c for c in terminals.c if c.name != "certificate"]
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(select(*columns).order_by(terminals.c.id))]
