"""`central cases`: the 差评 follow-up loop — every bad rating a case with a deadline, each 回访 recorded."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from central.cli.options import db_option, open_engine
from cmdline.base import emit, json_option, operator_mistakes

if TYPE_CHECKING:
    from central.platform.cases import Rules

operator_mistakes("central.platform.cases.CaseError")  # an unknown case, a closed one, a wrong way

rules_options = [
    click.option("--catalogs", type=click.Path(path_type=Path, exists=True, file_okay=False),
                 help="Central's catalog archive: its newest catalog's calendar (default: the bundled sample)."),
    click.option("--days", type=click.IntRange(1, 60), default=5, show_default=True, envvar="YC_CASE_DAYS",
                 help="Working days a follow-up may take (the province's rule: 5 or 15)."),
]


def _rules_options(func: Any) -> Any:
    """Add the deadline options to a command."""
    for option in reversed(rules_options):
        func = option(func)
    return func


def _rules(catalogs: Path | None, days: int) -> Rules:
    """Return the deadline rules from the archive's newest calendar."""
    from central.platform.cases import rules_for

    return rules_for(catalogs, days)


@click.group("cases")
def cases_group() -> None:
    """差评 follow-up: a case for every 不满意 or 非常不满意 rating, due in working days."""


@cases_group.command("list")
@click.option("--hall", help="Only this hall's cases.")
@click.option("--open", "open_only", is_flag=True, help="Only cases nobody has closed yet.")
@_rules_options
@json_option
@db_option
def list_cases(*, hall: str | None, open_only: bool, catalogs: Path | None, days: int, as_json: bool,
               db_url: str) -> None:
    """List cases, open ones first and the soonest due first (overdue ones marked)."""
    from central.platform import cases

    rows = cases.listing(open_engine(db_url), _rules(catalogs, days), cases.today(), hall=hall,
                         open_only=open_only)
    emit(rows, as_json, lambda rs: "\n".join(
        f"{r['rating'][:12]}  level {r['level']}  {r['hall'] or '-':<12} due {r['due']}"
        f"{'  OVERDUE' if r['overdue'] else ''}{'  closed ' + r['closed_at'][:10] if r['closed_at'] else ''}"
        f"  {r['followups']} follow-up(s)" for r in rs) or "no cases")


@cases_group.command("follow-up")
@click.argument("rating")
@click.option("--how", type=click.Choice(["phone", "sms", "visit", "letter"]), required=True)
@click.option("--outcome", required=True, help="What came of it (plain text, at most 300 characters).")
@click.option("--reached/--not-reached", default=True, show_default=True,
              help="Whether the citizen was reached: a 回访 that reached them closes the case.")
@click.option("--by", default=None, help="Who followed up (default: this login).")
@_rules_options
@db_option
def follow_up(rating: str, *, how: str, outcome: str, reached: bool, by: str | None, catalogs: Path | None,
              days: int, db_url: str) -> None:
    """Record a 回访 of the case of RATING (at least 6 characters of its id)."""
    from central.platform import cases

    closed = cases.follow_up(open_engine(db_url), _rules(catalogs, days), rating, by=by or getpass.getuser(), how=how,
                             outcome=outcome, reached=reached, now=datetime.now(UTC))
    click.echo(f"follow-up recorded; the case is {'closed' if closed else 'still open'}")


@cases_group.command("halls")
@_rules_options
@json_option
@db_option
def halls(catalogs: Path | None, days: int, as_json: bool, db_url: str) -> None:
    """Per hall: ratings by level, cases open and overdue, and the share followed up (回访率)."""
    from central.platform import cases

    rows = cases.by_hall(open_engine(db_url), _rules(catalogs, days), cases.today())
    emit(rows, as_json, lambda rs: "\n".join(
        f"{r['hall'] or '-':<14} ratings 1-5 {'/'.join(str(r['ratings'][str(n)]) for n in range(1, 6))}  "
        f"cases {r['cases']} open {r['open']} overdue {r['overdue']}  followed up {r['followed_up_pct']}%"
        for r in rs) or "no ratings yet")


@cases_group.command("export")
@click.option("--since", default="", help="Only records central learnt of from this time on (ISO 8601; default all).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The JSON-lines file to write (docs/haochaping.md); written whole or not at all.")
@db_option
def export(*, since: str, out: Path, db_url: str) -> None:
    """Write every rating and 回访 for the provincial 好差评 system to a file."""
    from central.platform import haochaping

    if since:
        try:
            datetime.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(f"{since!r} is not an ISO 8601 time", param_hint="--since") from None
    with open_engine(db_url).connect() as conn:
        rows = list(haochaping.records(conn, since))
    partial = out.with_name(f".{out.name}.partial")
    partial.write_bytes(haochaping.lines(rows))
    partial.replace(out)
    click.echo(f"{len(rows)} records written to {out}")


@cases_group.command("push")
@click.option("--to", "url", required=True, envvar="YC_HAOCHAPING_URL",
              help="The province's 好差评 endpoint (https://; plain http only to this host).")
@click.option("--ca", type=click.Path(exists=True, dir_okay=False), help="CA certificate the endpoint must chain to.")
@db_option
def push(*, url: str, ca: str | None, db_url: str) -> None:
    """Send every rating and 回访 not yet confirmed to the province, once each; exit 3 if some must wait."""
    from central.platform import haochaping

    try:
        post = haochaping.http_post(url, ca)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--to") from None
    counts = haochaping.push(open_engine(db_url), post, datetime.now(UTC))
    click.echo(f"{counts['queued']} new, {counts['sent']} sent, {counts['waiting']} waiting for a retry")
    if counts["waiting"]:
        raise SystemExit(3)
