"""`yichuang central …`: central's keys, the ingest service, the terminal registry and what ops look up."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from central.cli.cases_cmd import cases_group
from central.cli.db_cmd import db_group
from central.cli.import_cmd import import_export
from central.cli.options import broker_login_option, db_option, open_engine
from central.cli.serve_cmd import serve
from central.cli.status_cmd import history, index_holders, set_status
from cmdline.base import emit, json_option, operator_mistakes, user_errors
from cmdline.formatting import plural, when
from protocol.address import parse_broker

user_errors("protocol.release.ReleaseError", "domain.catalog_reader.CatalogError",
            "central.platform.distribution.PushError")
operator_mistakes("central.platform.keys.CentralKeyError")  # no passphrase, a wrong one, not a key


TIMES = frozenset({"created", "received_at", "first_seen", "last_seen", "revoked_at", "retired_at", "noticed",
                   "published"})


def _cell(column: str, value: object) -> str:
    """Return one table cell: times in the operator convention (cmdline.formatting), None as empty."""
    if value is None:
        return ""
    return when(value) if column in TIMES and isinstance(value, str) else str(value)


def _table(columns: list[str]) -> Callable[[list[dict[str, Any]]], str]:
    """Return a renderer of rows as aligned text columns."""
    def render(rows: list[dict[str, Any]]) -> str:
        if not rows:
            return "(none)"
        cells = [[_cell(c, row.get(c)) for c in columns] for row in rows]
        widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
        return "\n".join(line.rstrip() for line in lines)
    return render


@click.group("central")
def central_group() -> None:
    """The central platform: ingest, terminal registry, applications, ratings and help requests."""


central_group.add_command(db_group)
central_group.add_command(cases_group)
central_group.add_command(import_export)
central_group.add_command(serve)


@central_group.command("init")
@click.option("--keys", "keys_dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Directory for central's keys (created; existing keys are never replaced).")
def init(keys_dir: Path) -> None:
    """Create central's envelope key (X25519) and ack-signing key (Ed25519)."""
    from central.platform import keys

    keys.generate(keys_dir)
    click.echo(f"central keys in {keys_dir}: give terminals {keys_dir / 'uplink.pub'} and {keys_dir / 'ack.pub'}")


@central_group.group("terminals")
def terminals_group() -> None:
    """The terminal registry (enrollment fills it in later)."""


@terminals_group.command("add")
@click.argument("terminal")
@click.option("--cert", type=click.Path(path_type=Path, exists=True, dir_okay=False), required=True,
              help="The terminal's certificate (PEM, CN = terminal id).")
@click.option("--hall", default="", help="The hall the terminal stands in.")
@db_option
def terminals_add(terminal: str, cert: Path, hall: str, db_url: str) -> None:
    """Register a terminal (or replace its certificate)."""
    from central.platform.registry import Registry

    Registry(open_engine(db_url)).add(terminal, cert.read_bytes(), hall)
    click.echo(f"registered {terminal}")


@terminals_group.command("revoke")
@click.argument("terminal")
@click.option("--reason", required=True, help="Why (kept in the registry).")
@db_option
def terminals_revoke(terminal: str, reason: str, db_url: str) -> None:
    """Refuse every further message from a terminal."""
    from central.platform.registry import Registry

    Registry(open_engine(db_url)).revoke(terminal, reason)
    click.echo(f"revoked {terminal}: central refuses its messages from now on")


@terminals_group.command("retire")
@click.argument("terminal")
@click.option("--reason", required=True, help="Why (kept in the registry).")
@db_option
def terminals_retire(terminal: str, reason: str, db_url: str) -> None:
    """Retire a decommissioned terminal for good: revoked, shown as retired, out of the alerting."""
    from central.platform.retire import retire

    if retire(open_engine(db_url), terminal, reason):
        click.echo(f"retired {terminal}: central refuses its messages, the fleet shows it retired and raises no alert; "
                   "`yichuang provision crl refresh --db …` on the CA host revokes its certificate in the CRL")
    else:
        click.echo(f"{terminal} was retired already: nothing changed")


@terminals_group.command("list")
@json_option
@db_option
def terminals_list(as_json: bool, db_url: str) -> None:
    """List registered terminals with first/last seen and revocation."""
    from central.platform.registry import Registry

    emit(Registry(open_engine(db_url)).listing(), as_json,
         _table(["id", "hall", "first_seen", "last_seen", "revoked_at", "revoked_reason", "retired_at"]))


@central_group.group("apps")
def apps_group() -> None:
    """Applications received from terminals."""


apps_group.add_command(set_status)
apps_group.add_command(history)
apps_group.add_command(index_holders)


@apps_group.command("list")
@click.option("--terminal", help="Only this terminal's.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@json_option
@db_option
def apps_list(terminal: str | None, limit: int, as_json: bool, db_url: str) -> None:
    """List received applications, newest first (no personal data)."""
    from central.platform import queries

    rows = queries.applications(open_engine(db_url), terminal, limit)
    emit(rows, as_json, _table(["number", "item", "terminal", "seq", "catalog_version", "created", "received_at"]))


@central_group.command("ratings")
@click.option("--bad", is_flag=True, help="Only 不满意 and 非常不满意, which need a follow-up.")
@json_option
@db_option
def ratings(bad: bool, as_json: bool, db_url: str) -> None:
    """List 好差评 ratings with the application they rate."""
    from central.platform import queries

    rows = queries.ratings(open_engine(db_url), bad_only=bad)
    emit(rows, as_json, _table(["level", "number", "item", "terminal", "created", "id"]))


@central_group.command("help-requests")
@click.option("--open", "open_only", is_flag=True, help="Only those nobody has handled yet.")
@json_option
@db_option
def help_requests(open_only: bool, as_json: bool, db_url: str) -> None:
    """List help requests (呼叫帮办), newest first, with who handled each."""
    from central.platform import queries

    rows = queries.help_requests(open_engine(db_url), open_only=open_only)
    emit(rows, as_json, _table(["terminal", "created", "item", "received_at", "handled_by", "id"]))


@central_group.command("help-handled")
@click.argument("terminal")
@click.option("--by", required=True, help="Who attended the citizen (kept with each request).")
@db_option
def help_handled(terminal: str, by: str, db_url: str) -> None:
    """Mark a terminal's waiting help requests as handled (this also clears the fleet monitor's alert)."""
    from central.platform import queries

    count = queries.handle_help(open_engine(db_url), terminal, by, datetime.now(UTC).isoformat())
    click.echo(f"{plural(count, 'help request')} of {terminal} marked handled by {by}")


@central_group.command("gaps")
@json_option
@db_option
def gaps(as_json: bool, db_url: str) -> None:
    """List sequence numbers terminals have not delivered (yet), per terminal."""
    from central.platform import queries

    emit(queries.gaps(open_engine(db_url)), as_json, _table(["terminal", "first_missing", "last_missing", "noticed"]))


@central_group.command("refusals")
@json_option
@db_option
def refusals(as_json: bool, db_url: str) -> None:
    """Count refused messages by terminal and reason code."""
    from central.platform import queries

    emit(queries.refusals(open_engine(db_url)), as_json, _table(["terminal", "reason", "count"]))


@central_group.group("catalog")
def catalog_group() -> None:
    """Catalog releases: publish one to the fleet, list those published."""


ARCHIVE = click.option("--archive", type=click.Path(path_type=Path, file_okay=False), required=True,
                       help="Central's catalog archive (`central serve --catalogs`).")


@catalog_group.command("publish")
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
@ARCHIVE
@click.option("--signing-key", type=click.Path(path_type=Path, exists=True, dir_okay=False), required=True,
              help="The fleet's catalog-signing key (<ca>/signing/catalog.key from `provision ca init`).")
@click.option("--passphrase-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="File holding the key's passphrase (default: $CREDENTIALS_DIRECTORY/central-keys-passphrase, "
                   "else $YC_CA_PASSPHRASE).")
@click.option("--hall", "halls", multiple=True, help="A hall profile the release serves (repeat; default: every hall).")
@click.option("--broker", help="mqtts://host:port of the broker's services listener: send the release to terminals "
                               "(without it the release is only written, for USB sticks).")
@broker_login_option("central")
@click.option("--ca", type=click.Path(exists=True, dir_okay=False), help="With --broker: the CA certificate (PEM).")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), help="With --broker: central's certificate.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False), help="With --broker: its private key.")
def catalog_publish(source: Path, archive: Path, signing_key: Path, passphrase_file: Path | None,
                    halls: tuple[str, ...], **broker: str | None) -> None:
    """Validate a catalog, archive it, write its signed release and (with --broker) send it to the terminals."""
    from central.platform import keys
    from central.platform.releases import publish_release
    from domain.catalog_loader import load_catalog

    if broker["broker"] and not (broker["ca"] and broker["cert"] and broker["key"]):
        raise click.UsageError("--broker needs --ca, --cert and --key (central's service identity)")
    key = keys.load_signing(signing_key, keys.passphrase(passphrase_file, os.environ))
    manifest, folder = publish_release(source, archive, key, halls, datetime.now(UTC).astimezone())
    served = ", ".join(manifest.halls) or "every hall"
    click.echo(f"published release {manifest.serial}: catalog {manifest.version} "
               f"({manifest.content_hash[:19]}…) for {served}\n{folder}  (a USB stick takes this folder as it is: "
               f"`yichuang catalog install {folder.name}`)")
    if broker["broker"]:
        _push(broker, folder, manifest.halls or tuple(load_catalog(source).halls))


def _push(broker: dict[str, str | None], folder: Path, halls: tuple[str, ...]) -> None:
    """Send a written release to the broker for ``halls``."""
    from central.platform.distribution import push
    from protocol.link import Link, with_login

    host, port = parse_broker(str(broker["broker"]))
    link = with_login(Link(host, port, str(broker["ca"]), str(broker["cert"]), str(broker["key"])),
                      str(broker["broker_user"]))
    sent = push(link, folder, halls)
    click.echo(f"sent to the broker: {plural(sent, 'retained message')} for {plural(len(halls), 'hall')}")


@catalog_group.command("releases")
@ARCHIVE
@json_option
def catalog_releases(archive: Path, as_json: bool) -> None:
    """List the releases published from this archive, oldest first."""
    from central.platform.releases import list_releases

    rows = [{"serial": m.serial, "version": m.version, "hash": m.content_hash[:19], "halls": ", ".join(m.halls)
             or "(all)", "published": m.published} for m in list_releases(archive)]
    emit(rows, as_json, _table(["serial", "version", "hash", "halls", "published"]))
