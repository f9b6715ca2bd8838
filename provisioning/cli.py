"""`yichuang provision …`: CA, enrollment tokens and service, broker configuration, revocation, enrollment."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from central.cli.options import db_option, metrics_option, open_engine
from cmdline.base import OperatorError, emit, json_option, operator_mistakes, service_logging, user_errors
from cmdline.formatting import plural, when
from cmdline.liveness import Liveness
from cmdline.signals import stop_on_signals
from kiosk.cli.context import TerminalContext, pass_terminal
from protocol.address import parse_broker

log = logging.getLogger(__name__)

user_errors("provisioning.pki.PkiError", "provisioning.enroll.EnrollError")
operator_mistakes("provisioning.tokens.TokenError")
PASSPHRASE_ENV = "YC_CA_PASSPHRASE"  # noqa: S105 - the name of the variable, not a secret
CA_DIR = click.option("--ca-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("/etc/yichuang/ca"),
                      show_default=True, envvar="YC_CA_DIR", help="The CA directory (`provision ca init`).")


def _passphrase(confirm: bool = False) -> bytes:
    """Return the CA passphrase from systemd's credential `ca-passphrase`, $YC_CA_PASSPHRASE or a prompt."""
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / "ca-passphrase").is_file():
        return (Path(credentials) / "ca-passphrase").read_bytes()[:1024].rstrip(b"\r\n")
    given = os.environ.get(PASSPHRASE_ENV)
    if given is None:
        given = click.prompt("CA passphrase", hide_input=True, confirmation_prompt=confirm)
    return given.encode()


@click.group("provision")
def provision_group() -> None:
    """PKI, enrollment tokens and services (ops), enrollment (technicians)."""


@provision_group.group("ca")
def ca_group() -> None:
    """The fleet's certificate authority."""


@ca_group.command("init")
@CA_DIR
@click.option("--broker-name", "names", multiple=True, default=("localhost", "127.0.0.1"), show_default=True,
              help="Host names and addresses of the broker (its certificate's SAN); repeat.")
def ca_init(ca_dir: Path, names: tuple[str, ...]) -> None:
    """Create the root and issuing CAs, signing keys, central's keys and service certificates."""
    from provisioning import pki

    pki.init_ca(ca_dir, _passphrase(confirm=True), names)
    click.echo(f"CA ready in {ca_dir}; move {ca_dir / 'root' / 'ca.key'} to offline media")


@ca_group.command("show")
@CA_DIR
@json_option
def ca_show(ca_dir: Path, as_json: bool) -> None:
    """Print the SHA-256 fingerprints of the CA certificates and public keys."""
    from provisioning import pki

    emit(pki.fingerprints(ca_dir), as_json, lambda d: "\n".join(f"{k:<22} {v}" for k, v in d.items()))


@provision_group.group("token")
def token_group() -> None:
    """One-time enrollment tokens."""


@token_group.command("create")
@click.option("--hall", required=True, help="The hall the terminal will stand in.")
@click.option("--site", type=click.Choice(["hall", "bank", "village"]), required=True, help="Kind of site.")
@click.option("--prefix", required=True, help="Two letters its terminal id starts with (e.g. LC).")
@click.option("--location", default="", help="Where in the hall (e.g. 一楼东侧).")
@click.option("--expires", default="24h", show_default=True, help="Validity: 30m, 24h, 7d.")
@click.option("--count", type=click.IntRange(1, 500), default=1, show_default=True)
@click.option("--qr-dir", type=click.Path(path_type=Path, file_okay=False), help="Write one QR code PNG per token.")
@click.option("--sheet", type=click.Path(path_type=Path, dir_okay=False),
              help="Write a printable A4 sheet of the tokens' QR codes (.pdf, or .png for the first page).")
@click.option("--catalog", "catalog_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The catalog whose halls.toml names the hall (default: the bundled catalog).")
@db_option
def token_create(*, hall: str, site: str, prefix: str, location: str, expires: str, count: int,
                 qr_dir: Path | None, sheet: Path | None, catalog_dir: Path | None, db_url: str) -> None:
    """Create tokens bound to a hall profile; they are printed once and stored only hashed."""
    from domain.catalog_loader import load_catalog
    from domain.data import SAMPLE_CATALOG
    from provisioning.sheet import write_sheet
    from provisioning.tokens import HallProfile, TokenError, create_tokens, parse_duration, write_qr

    halls = load_catalog(catalog_dir or SAMPLE_CATALOG).halls
    try:
        if hall not in halls:
            raise TokenError(f"--hall {hall!r} is not a hall of the catalog (its halls: {', '.join(sorted(halls))})")
        profile = HallProfile(hall, site, prefix.upper(), location)
        validity = parse_duration(expires)
        tokens = create_tokens(open_engine(db_url), profile, validity, count)
    except TokenError as exc:  # the operator's options: exit 2, as a usage error
        raise OperatorError(str(exc)) from None
    for n, token in enumerate(tokens, 1):
        line = token
        if qr_dir is not None:
            qr_dir.mkdir(parents=True, exist_ok=True)
            line += f"  {write_qr(token, qr_dir / f'token-{n:03d}.png')}"
        click.echo(line)
    if sheet is not None:
        until = datetime.now().astimezone() + validity
        click.echo(f"sheet: {write_sheet(tokens, profile, until, sheet)}", err=True)


@token_group.command("reenroll")
@click.argument("terminal")
@click.option("--expires", default="24h", show_default=True, help="Validity: 30m, 24h, 7d.")
@db_option
def token_reenroll(terminal: str, expires: str, db_url: str) -> None:
    """Create a token that re-enrolls the registered TERMINAL only (its certificate expired while it was off)."""
    from provisioning.tokens import TokenError, create_tokens, parse_duration, reenrollment_profile

    engine = open_engine(db_url)
    try:
        (token,) = create_tokens(engine, reenrollment_profile(engine, terminal.upper()), parse_duration(expires))
    except TokenError as exc:
        raise OperatorError(str(exc)) from None
    click.echo(token)


@provision_group.command("serve")
@CA_DIR
@click.option("--broker", required=True, help="mqtts://host:port of the broker's services listener (8884).")
@click.option("--days", type=click.IntRange(1, 825), default=90, show_default=True, help="Certificate validity.")
@metrics_option("enrollments, the CRL's and service certificates' expiry", "127.0.0.1:9110")
@click.option("--broker-dir", type=click.Path(path_type=Path, file_okay=False),
              help="With --metrics: also watch the CRL copy the broker loads (`provision broker-config --out`).")
@db_option
def serve(*, ca_dir: Path, broker: str, days: int, metrics_at: str | None, broker_dir: Path | None,
          db_url: str) -> None:
    """Run the enrollment service (unlocks the issuing CA) until SIGTERM or Ctrl-C."""
    service_logging()
    from provisioning import pki
    from provisioning.service import Enroller, EnrollmentService, service_link

    host, port = parse_broker(broker)
    issuer = pki.Issuer.load(ca_dir, _passphrase())
    enroller = Enroller(open_engine(db_url, upgrade=True), issuer, days)  # a service upgrades the schema on start
    service = EnrollmentService(enroller, service_link(ca_dir, host, port))
    if metrics_at:
        from central.platform.metrics import Expiry
        from central.platform.metrics import serve as serve_metrics

        serve_metrics(metrics_at, [*enroller.metrics.collectors(), Expiry.of_ca(ca_dir, broker_dir)])
    stop = threading.Event()
    stop_on_signals(stop)
    service.start()
    click.echo(f"enrollment service on {broker}", err=True)
    liveness = Liveness()
    liveness.ready("enrollment service")
    while not stop.wait(1.0):
        if service.alive():
            liveness.alive()
    liveness.stopping()
    service.stop()


@provision_group.command("broker-config")
@CA_DIR
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8883, show_default=True,
              help="The public listener: terminals and claim media.")
@click.option("--bind", default="0.0.0.0", show_default=True, help="Address the public listener listens on.")  # noqa: S104
@click.option("--services-port", type=click.IntRange(1, 65535), default=8884, show_default=True,
              help="The services listener: central and the fleet monitor, with passwords.")
@click.option("--services-bind", default="127.0.0.1", show_default=True,
              help="Address the services listener listens on: reachable from central's hosts only.")
@click.option("--run-as", default="mosquitto", show_default=True, help="User mosquitto drops to.")
def broker_config(*, ca_dir: Path, out: Path, port: int, bind: str, services_port: int, services_bind: str,
                  run_as: str) -> None:
    """Write a complete mosquitto configuration (two listeners, TLS, client certificates, CRL, ACLs, passwords)."""
    from provisioning.broker import write_broker_config

    conf = write_broker_config(ca_dir, out, port=port, bind=bind, services_port=services_port,
                               services_bind=services_bind, run_as=run_as)
    click.echo(f"run: mosquitto -c {conf}")


@provision_group.group("crl")
def crl_group() -> None:
    """The certificate revocation list: brokers refuse every client once it lapses, so it is re-signed in time."""


@crl_group.command("refresh")
@CA_DIR
@click.option("--broker-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Also copy the new CRL into this broker configuration (`provision broker-config --out`).")
@click.option("--within", type=click.IntRange(0, 29), default=10, show_default=True,
              help="Re-sign only when the CRL lapses within this many days (0: always).")
@click.option("--db", "db_url", envvar="YC_CENTRAL_DB", help="Central's database (or $YC_CENTRAL_DB): also revoke "
              "every terminal retired there (the CRL follows the registry).")
@json_option
def crl_refresh(ca_dir: Path, broker_dir: Path | None, within: int, db_url: str | None, as_json: bool) -> None:
    """Re-sign the CRL before it lapses (a timer runs this daily); then restart the broker to load it."""
    from provisioning import pki
    from provisioning.retired import revoke_retired

    before = pki.crl_next_update(ca_dir)
    retired = revoke_retired(pki.Issuer.load(ca_dir, _passphrase()), open_engine(db_url)) if db_url else []
    renewed = bool(retired) or within == 0 or before - datetime.now(UTC) <= timedelta(days=within)
    if renewed and not retired:
        pki.Issuer.load(ca_dir, _passphrase()).write_crl()
    fresh = (ca_dir / "issuing" / "crl.pem").read_bytes()
    copied = broker_dir is not None and (broker_dir / "crl.pem").read_bytes() != fresh
    if broker_dir is not None and copied:  # written only when it changed: the timer restarts the broker on a change
        shutil.copyfile(ca_dir / "issuing" / "crl.pem", broker_dir / "crl.pem")
    after = pki.crl_next_update(ca_dir)
    report = {"renewed": renewed, "next_update": after.isoformat(), "days_left": (after - datetime.now(UTC)).days,
              "retired_revoked": retired}
    emit(report, as_json, lambda r: (f"CRL {'re-signed' if r['renewed'] else 'still valid'}: valid until "
                                     f"{when(r['next_update'])} ({plural(r['days_left'], 'day')})"
                                     + (f"; revoked retired {', '.join(retired)}" if retired else "")
                                     + ("; restart the broker to load it" if copied else "")))


@provision_group.group("claim")
def claim_group() -> None:
    """Claim media: one certificate per technician's enrollment medium."""


@claim_group.command("issue")
@CA_DIR
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="An empty folder (the medium's claim/ folder): ca.pem, claim.pem, claim.key.")
def claim_issue(ca_dir: Path, out: Path) -> None:
    """Issue a new claim medium; revoke it later with `provision revoke <its CN>`."""
    from provisioning import pki

    cn = pki.issue_claim_medium(pki.Issuer.load(ca_dir, _passphrase()), out)
    click.echo(f"claim medium {cn} in {out}; regenerate the broker configuration (provision broker-config) and "
               "send mosquitto SIGHUP so its ACL denies the new medium the terminal tree")


@provision_group.group("technician-card")
def technician_card_group() -> None:
    """Technician cards: the smart card that opens the technician screens with its own PIN."""


@technician_card_group.command("issue")
@CA_DIR
@click.option("--technician", required=True, help="The technician's id (the certificate's CN is tech-<id>).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="An empty folder: card.pem (and card.key without --public-key) for the card's personalisation.")
@click.option("--public-key", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="The card's own public key (PEM), made on the card: then no key is written.")
@click.option("--days", type=click.IntRange(1, 825), default=365, show_default=True, help="How long the card is valid.")
def technician_card_issue(ca_dir: Path, technician: str, out: Path, public_key: Path | None, days: int) -> None:
    """Certify a technician card (a lost one: `provision technician-card revoke`; its PIN blocks it too)."""
    from provisioning import pki
    from provisioning.techcards import issue_technician_card

    cn = issue_technician_card(pki.Issuer.load(ca_dir, _passphrase()), technician, out, days=days,
                               public_key=public_key.read_bytes() if public_key else None)
    click.echo(f"technician card {cn} in {out}: load card.pem (and card.key, then delete it) onto the card")


@technician_card_group.command("revoke")
@CA_DIR
@click.option("--technician", required=True, help="The technician's id (the certificate's CN is tech-<id>).")
@click.option("--serial", "serials", multiple=True,
              help="Only the card with this certificate serial (hex; repeatable): a technician's other cards stay.")
@click.option("--all", "every_card", is_flag=True, help="Every card of the technician (needed when there are two).")
def technician_card_revoke(ca_dir: Path, technician: str, serials: tuple[str, ...], every_card: bool) -> None:
    """Revoke a lost or withdrawn technician card: terminals refuse it once their sync agent has the new CRL."""
    from provisioning import pki
    from provisioning.techcards import revoke_technician_card

    cn, revoked = revoke_technician_card(pki.Issuer.load(ca_dir, _passphrase()), technician, set(serials),
                                         every_card=every_card)
    log.info("revoked %s (%d certificates)", cn, len(revoked), extra={"event": "revoked", "terminal": cn})
    click.echo(f"revoked {cn}: {plural(len(revoked), 'card certificate')} in the CRL (serial {', '.join(revoked)}). "
               "`provision serve` hands the new CRL to every terminal within 30 s; a terminal offline now refuses "
               "the card once it is back online.")


@provision_group.command("revoke")
@click.argument("terminal")
@CA_DIR
@click.option("--reason", required=True, help="Why (kept in the registry).")
@db_option
def revoke(terminal: str, ca_dir: Path, reason: str, db_url: str) -> None:
    """Revoke a terminal's or claim medium's certificates (CRL), refuse it at central; then restart the broker."""
    from central.platform.registry import Registry
    from protocol.topics import CLAIM_CN
    from provisioning import pki

    registry = None if CLAIM_CN.match(terminal) else Registry(open_engine(db_url))  # checked before the CRL changes
    count = pki.Issuer.load(ca_dir, _passphrase()).revoke(terminal)
    if registry is not None:  # a claim medium is in no registry: the CRL alone cuts it off
        registry.revoke(terminal, reason)
    log.info("revoked %s (%d certificates)", terminal, count, extra={"event": "revoked", "terminal": terminal})
    click.echo(f"revoked {terminal}: {plural(count, 'certificate')} in the CRL, central refuses it now.\n"
               "Regenerate the broker configuration (provision broker-config) and restart the broker: mosquitto "
               "reads the CRL only at start and keeps connected clients until then.")


@provision_group.command("status")
@click.argument("terminal")
@CA_DIR
@json_option
@db_option
def status(terminal: str, ca_dir: Path, as_json: bool, db_url: str) -> None:
    """Show a terminal's registration and the certificates the CA issued it (saying where it looked)."""
    from central.platform.registry import Registry

    issued = ca_dir / "issuing" / "issued.json"
    index = json.loads(issued.read_text()) if issued.is_file() else None
    report = {"registry": Registry(open_engine(db_url)).status(terminal), "ca_index": str(issued.absolute()),
              "certificates": [e for e in index or [] if e["cn"] == terminal]}
    if index is None:
        report["problem"] = (f"no CA at {ca_dir.absolute()} ({issued.name} missing): give --ca-dir "
                             "(or $YC_CA_DIR), the directory of `provision ca init`")
    emit(report, as_json, _render_status)


def _render_status(report: dict[str, Any]) -> str:
    """Render a terminal's status for an operator: registry fields, then its certificates or why none are shown."""
    lines = [f"{key}: {when(value) if key.endswith(('_at', '_seen')) and value else value}"
             for key, value in (report["registry"] or {}).items()] or ["not in central's registry"]
    if "problem" in report:
        return "\n".join([*lines, report["problem"]])
    certs = report["certificates"]
    lines.append(f"{plural(len(certs), 'certificate')} issued by the CA ({report['ca_index']})")
    lines += [f"  {json.dumps(c, ensure_ascii=False)}" for c in certs]
    return "\n".join(lines)


@provision_group.command("enroll")
@click.option("--token", required=True, help="The one-time enrollment token.")
@click.option("--broker", required=True, help="mqtts://host:port of the fleet's broker.")
@click.option("--claim-dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=Path("/etc/yichuang/claim"), show_default=True, help="ca.pem, claim.pem, claim.key.")
@click.option("--config-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("/etc/yichuang"),
              show_default=True, help="Where terminal.toml and pki/ are written.")
@click.option("--pin", envvar="YC_TECHNICIAN_PIN", help="Technician PIN, 6-12 digits (prompted when absent).")
@click.option("--time-file", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("/var/lib/yichuang/last-good-time"), show_default=True,
              help="Last known good time (a terminal booted in 1970 verifies the broker at it).")
@click.option("--owner", help="Run as root: give what enrollment writes (configuration, keys, store) to this user, "
                              "the one the terminal's services run as (yichuang).")
@click.option("--reenroll", is_flag=True, help="An enrolled terminal whose certificate expired: keep its id, store "
                                               "and PIN, with a token from `provision token reenroll`.")
@pass_terminal
def enroll_command(app: TerminalContext, *, token: str, broker: str, claim_dir: Path, config_dir: Path, pin: str | None,
                   time_file: Path, owner: str | None, reenroll: bool) -> None:
    """Enroll this terminal: make its key, get its certificate and hall profile, write its configuration.

    The store settings (and so the key provider that protects the device key) come from the
    current configuration, e.g. the base terminal.toml of the terminal's image.
    """
    from protocol.clock import TrustedClock
    from provisioning.enroll import enroll, hand_over

    if not reenroll:
        pin = pin or click.prompt("Technician PIN (6-12 digits)", hide_input=True, confirmation_prompt=True)
    claim = (claim_dir / "ca.pem", claim_dir / "claim.pem", claim_dir / "claim.key")
    done = enroll(token, broker, claim, config_dir, pin=pin, clock=TrustedClock(time_file), base=app.config,
                  reenroll=reenroll)
    if owner:
        hand_over(done.config, owner)
    click.echo(f"enrolled as {done.terminal} in hall {done.hall}; configuration {done.config}")
