"""Ops accounts: users with a role, server-side sessions, and the audit log of every action.

Passwords are scrypt hashes (`domain.passwords`). A session is a random token in an HttpOnly
cookie; central keeps only its SHA-256, with the CSRF token every action must carry, so a
database leak yields no usable session. Sessions live in the database, so several dashboard
processes behind a load balancer share them, and disabling a user ends theirs at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from central.auth.roles import ALL_ROLES, grants
from central.platform.schema import AUDIT_KEEP, ops_audit, ops_sessions, ops_users
from domain.passwords import hash_secret, verify_secret

SESSION_TTL = timedelta(hours=12)  # a night shift, then log in again
MIN_PASSWORD = 12
NAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")


@cache
def _dummy_hash() -> str:
    """Return a hash to verify unknown names against: the same cost, so timing tells nothing about who exists."""
    return hash_secret(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """An account change was refused; the message says why."""


@dataclass(frozen=True)
class Operator:
    """A logged-in ops user, as a request sees them."""

    name: str
    role: str
    csrf: str

    def may(self, role: str) -> bool:
        """Return whether this user's role includes ``role``."""
        return grants(self.role, role)


def _digest(token: str) -> str:
    """Return what is stored of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> None:
    """Refuse a password too short to resist guessing."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")


class Accounts:
    """Users, sessions and the audit log in central's database."""

    def __init__(self, engine: Engine) -> None:
        """Use central's database."""
        self.engine = engine

    def add(self, name: str, role: str, password: str, now: datetime) -> None:
        """Create a user."""
        if not NAME.fullmatch(name):
            raise AccountError("a user name is 2-64 lower-case letters, digits, '.', '_' or '-', "
                               "starting with a letter")
        if role not in ALL_ROLES:
            raise AccountError(f"the role is one of {', '.join(ALL_ROLES)}")
        check_password(password)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(ops_users).values(name=name, role=role, password_hash=hash_secret(password),
                                                      created_at=now.isoformat()))
        except IntegrityError:
            raise AccountError(f"user {name} exists already") from None

    def _change(self, name: str, **values: Any) -> None:
        """Update one user's row; refuse an unknown name."""
        with self.engine.begin() as conn:
            if conn.execute(update(ops_users).where(ops_users.c.name == name).values(**values)).rowcount == 0:
                raise AccountError(f"no user {name}")
            if "role" in values or "password_hash" in values or values.get("disabled_at"):
                conn.execute(delete(ops_sessions).where(ops_sessions.c.user == name))  # sign them out everywhere

    def set_password(self, name: str, password: str) -> None:
        """Replace a user's password (their sessions end)."""
        check_password(password)
        self._change(name, password_hash=hash_secret(password))

    def set_role(self, name: str, role: str) -> None:
        """Change a user's role (their sessions end)."""
        if role not in ALL_ROLES:
            raise AccountError(f"the role is one of {', '.join(ALL_ROLES)}")
        self._change(name, role=role)

    def disable(self, name: str, now: datetime | None) -> None:
        """Disable a user (their sessions end), or enable them again with ``now`` None."""
        self._change(name, disabled_at=now.isoformat() if now else None)

    def users(self) -> list[dict[str, Any]]:
        """Return every user without the password hash."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(ops_users.c.name, ops_users.c.role, ops_users.c.created_at,
                                       ops_users.c.disabled_at).order_by(ops_users.c.name))
            return [dict(r._mapping) for r in rows]

    def login(self, name: str, password: str, now: datetime) -> tuple[str, Operator] | None:
        """Check the password; on success start a session and return its token and the operator."""
        with self.engine.connect() as conn:
            row = conn.execute(select(ops_users).where(ops_users.c.name == name)).first()
        stored = row.password_hash if row is not None else _dummy_hash()
        if not verify_secret(password, stored) or row is None or row.disabled_at is not None:
            return None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.engine.begin() as conn:  # housekeeping rides on logins: expired sessions, audit past retention
            conn.execute(delete(ops_sessions).where(ops_sessions.c.expires_at < now.isoformat()))
            conn.execute(delete(ops_audit).where(ops_audit.c.at < (now - AUDIT_KEEP).isoformat()))
            conn.execute(insert(ops_sessions).values(digest=_digest(token), user=name, csrf=csrf,
                                                     created_at=now.isoformat(),
                                                     expires_at=(now + SESSION_TTL).isoformat()))
        return token, Operator(name, row.role, csrf)

    def session(self, token: str, now: datetime) -> Operator | None:
        """Return the operator of a live session token (None: unknown, expired, or the user is disabled)."""
        query = (select(ops_users.c.name, ops_users.c.role, ops_sessions.c.csrf)
                 .join(ops_users, ops_users.c.name == ops_sessions.c.user)
                 .where(ops_sessions.c.digest == _digest(token), ops_sessions.c.expires_at > now.isoformat(),
                        ops_users.c.disabled_at.is_(None)))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return Operator(row.name, row.role, row.csrf) if row is not None else None

    def logout(self, token: str) -> None:
        """End a session."""
        with self.engine.begin() as conn:
            conn.execute(delete(ops_sessions).where(ops_sessions.c.digest == _digest(token)))

    def record(self, user: str, action: str, target: str, *, outcome: str, address: str, now: datetime) -> None:
        """Append one line to the audit log."""
        with self.engine.begin() as conn:
            conn.execute(insert(ops_audit).values(at=now.isoformat(), user=user[:64], action=action,
                                                  target=target[:200], outcome=outcome, address=address[:64]))

    def audit(self, limit: int = 200, user: str | None = None, before: int | None = None) -> list[dict[str, Any]]:
        """Return the latest audit lines (of ``user``, older than line ``before``), newest first."""
        query = select(ops_audit).order_by(ops_audit.c.n.desc()).limit(limit)
        if user:
            query = query.where(ops_audit.c.user == user)
        if before is not None:
            query = query.where(ops_audit.c.n < before)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
