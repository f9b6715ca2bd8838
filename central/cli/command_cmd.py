"""`yichuang fleet command …` and `fleet commands`: send a remote command to terminals and follow its rollout."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import click

from central.cli.options import db_option, open_engine
from cmdline.base import emit, json_option, operator_mistakes
from protocol.kinds import OPS_KINDS

operator_mistakes("central.platform.commands.CommandRequestError")
LIFETIME = re.compile(r"^(\d{1,4})([mhd])$")


def _lifetime(ctx: click.Context, param: click.Parameter, value: str) -> timedelta:
    """Read a lifetime such as 30m, 12h or 7d (at most 30 days)."""
    match = LIFETIME.match(value)
    unit = {"m": "minutes", "h": "hours", "d": "days"}
    span = timedelta(**{unit[match[2]]: int(match[1])}) if match else None
    if span is None or not timedelta(minutes=1) <= span <= timedelta(days=30):
        raise click.BadParameter("give minutes, hours or days between 1m and 30d, e.g. 30m, 12h, 7d")
    return span


def _args(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """Read NAME=VALUE arguments."""
    pairs = [value.partition("=") for value in values]
    if any(not name or not sep for name, sep, _ in pairs):
        raise click.BadParameter("give each argument as NAME=VALUE, e.g. --arg zh=本厅今日17:00闭厅")
    return {name: value for name, _, value in pairs}


def _target(text: str) -> str:
    """Accept a bare terminal id as terminal:ID."""
    return text if ":" in text or text == "fleet" else f"terminal:{text}"


@click.command("command")
@click.argument("kind", type=click.Choice(OPS_KINDS))
@click.argument("target")
@click.option("--arg", "args", multiple=True, callback=_args, metavar="NAME=VALUE",
              help="An argument of the command (a notice: zh=… and en=…).")
@click.option("--by", required=True, help="Who sends it (kept in the audit log and in the signed command).")
@click.option("--urgent", is_flag=True, help="The terminal finishes the current screen and runs it, not after "
                                             "the citizen's session.")
@click.option("--expires", "lifetime", default="24h", show_default=True, callback=_lifetime,
              help="How long terminals may still take it (30m, 12h, 7d).")
@click.option("--rate", type=click.IntRange(0, 100_000), default=0, show_default=True,
              help="Terminals released a minute (0: all at once).")
@click.option("--abort-pct", type=click.IntRange(0, 100), default=100, show_default=True,
              help="Stop the rollout when more than this share of its terminals fail (100: never).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@db_option
def command(*, kind: str, target: str, args: dict[str, str], by: str, urgent: bool, lifetime: timedelta,
            rate: int, abort_pct: int, yes: bool, db_url: str) -> None:
    """Send KIND to TARGET: a terminal id, hall:HALL, site:SITE or fleet (`central serve` delivers it)."""
    from datetime import UTC, datetime

    from central.platform import commands

    engine = open_engine(db_url)
    request = commands.Request(kind, _target(target), by, args, urgent, lifetime, rate, abort_pct)
    count = commands.count_targets(engine, request.target)
    if not yes:
        click.confirm(f"send {kind} to {count} terminal{'s' if count != 1 else ''} ({request.target})?",
                      abort=True, err=True)
    rollout, count = commands.create(engine, request, datetime.now(UTC))
    pace = f"{rate} a minute" if rate else "all at once"
    click.echo(f"rollout {rollout}: {kind} for {count} terminal{'s' if count != 1 else ''} ({request.target}), "
               f"{pace}; follow it with `yichuang fleet commands --rollout {rollout}`")


def _render_rollouts(rows: list[dict[str, Any]]) -> str:
    """Render rollouts for ops, one line each."""
    if not rows:
        return "no commands sent yet"
    lines = [f"{'rollout':32}  {'kind':16}  {'target':24}  {'state':9}  commands"]
    for row in rows:
        counts = ", ".join(f"{n} {state}" for state, n in sorted(row["counts"].items()))
        lines.append(f"{row['id']:32}  {row['kind']:16}  {row['target'][:24]:24}  {row['state']:9}  {counts}"
                     + (f"  ({row['detail']})" if row["detail"] else ""))
    return "\n".join(lines)


def _render_commands(rows: list[dict[str, Any]]) -> str:
    """Render one rollout's or one terminal's commands."""
    if not rows:
        return "no commands"
    lines = [f"{'terminal':9}  {'kind':16}  {'seq':>4}  {'state':9}  detail"]
    lines += [f"{row['terminal']:9}  {row['kind']:16}  {row['seq'] or '-':>4}  {row['status']:9}  {row['detail']}"
              for row in rows]
    return "\n".join(lines)


@click.command("commands")
@click.option("--rollout", help="Show this rollout's commands, one per terminal.")
@click.option("--terminal", help="Show this terminal's latest commands.")
@json_option
@db_option
def commands_list(rollout: str | None, terminal: str | None, as_json: bool, db_url: str) -> None:
    """Show the latest rollouts with their commands counted by state, or one rollout's or terminal's commands."""
    from central.platform import commands

    engine = open_engine(db_url)
    if rollout or terminal:
        emit(commands.listing(engine, rollout=rollout, terminal=terminal), as_json, _render_commands)
    else:
        emit(commands.rollouts(engine), as_json, _render_rollouts)
