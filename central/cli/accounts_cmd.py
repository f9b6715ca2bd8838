"""`yichuang fleet user …` and `yichuang fleet audit`: ops accounts and the audit log, from a shell on central."""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime
from typing import Any

import click

from central.auth.roles import ALL_ROLES
from central.cli.options import db_option, open_engine
from cmdline.base import emit, json_option
from cmdline.formatting import when

role_option = click.option("--role", type=click.Choice(ALL_ROLES), required=True,
                           help="viewer: look; operator: also acknowledge and resolve; admin: also read the audit log; "
                           "backoffice: only change applications' states (the API).")
stdin_option = click.option("--password-stdin", is_flag=True,
                            help="Read the password from the first line of stdin (for scripts) instead of asking.")


def _password(from_stdin: bool) -> str:
    """Return the new password, from stdin or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _do(db_url: str, action: str, name: str, change: Any, done: str) -> None:
    """Apply one account change, audit it under the shell user, and say what happened or why not (exit 1)."""
    from central.auth.accounts import AccountError, Accounts

    accounts = Accounts(open_engine(db_url))
    def audit(outcome: str) -> None:
        accounts.record(f"shell:{getpass.getuser()}", action, name, outcome=outcome, address="cli",
                        now=datetime.now(UTC))
    try:
        change(accounts)
    except AccountError as exc:
        audit("refused")
        raise click.ClickException(str(exc)) from None
    audit("ok")
    click.echo(done)


@click.group("user")
def user_group() -> None:
    """Ops accounts of the web dashboard (each action there is audited under the account's name)."""


@user_group.command("add")
@click.argument("name")
@role_option
@stdin_option
@db_option
def add(name: str, role: str, password_stdin: bool, db_url: str) -> None:
    """Create an account."""
    password = _password(password_stdin)
    _do(db_url, "user_add", name, lambda a: a.add(name, role, password, datetime.now(UTC)),
        f"{name} added as {role}")


@user_group.command("password")
@click.argument("name")
@stdin_option
@db_option
def password(name: str, password_stdin: bool, db_url: str) -> None:
    """Set a new password (the account's sessions end)."""
    secret = _password(password_stdin)
    _do(db_url, "user_password", name, lambda a: a.set_password(name, secret),
        f"{name}: password changed, sessions ended")


@user_group.command("role")
@click.argument("name")
@role_option
@db_option
def role(name: str, role: str, db_url: str) -> None:
    """Change an account's role (its sessions end)."""
    _do(db_url, "user_role", name, lambda a: a.set_role(name, role), f"{name} is now {role}")


@user_group.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the account again instead.")
@db_option
def disable(name: str, enable: bool, db_url: str) -> None:
    """Disable an account at once (its sessions end), e.g. when someone leaves."""
    _do(db_url, "user_enable" if enable else "user_disable", name,
        lambda a: a.disable(name, None if enable else datetime.now(UTC)),
        f"{name} {'enabled' if enable else 'disabled'}")


@user_group.command("list")
@json_option
@db_option
def list_users(as_json: bool, db_url: str) -> None:
    """List the accounts (never their password hashes)."""
    from central.auth.accounts import Accounts

    def render(rows: list[dict[str, Any]]) -> str:
        return "\n".join(f"{r['name']:<20} {r['role']:<9} {'disabled' if r['disabled_at'] else 'active'}"
                         for r in rows) or "no accounts: add one with `yichuang fleet user add NAME --role admin`"
    emit(Accounts(open_engine(db_url)).users(), as_json, render)


@click.command("audit")
@click.option("--user", help="Only this account's actions.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@json_option
@db_option
def audit(user: str | None, limit: int, as_json: bool, db_url: str) -> None:
    """Print the dashboard's audit log, newest first: who did what, when, from where, and the outcome."""
    from central.auth.accounts import Accounts

    def render(rows: list[dict[str, Any]]) -> str:
        return "\n".join(f"{when(r['at'])} {r['user']:<16} {r['action']:<13} {r['target']:<24} {r['outcome']:<14} "
                         f"{r['address']}" for r in rows) or "nothing audited yet"
    emit(Accounts(open_engine(db_url)).audit(limit, user), as_json, render)
