"""`yichuang sim fleet`: N simulated terminals with real certificates against a real broker (and central)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import click

from central.cli.options import db_option, open_engine
from demo.rates import Rates
from protocol.address import parse_broker

if TYPE_CHECKING:
    from demo.simterminal import Uplink
    from provisioning.pki import Issuer

SIM_HALLS = ("lc-center", "zd-center", "lc-ccb-outlet", "lc-tangyi-village", "lc-edz-park")
SITES = {"lc-ccb-outlet": "bank", "lc-tangyi-village": "village"}
CERT_DAYS = 30
ISSUE_BATCH = 1000  # certificates recorded in the CA index per write


def _reusable(pem: Path, issuer: Issuer) -> bool:
    """Return whether a certificate left by an earlier run was issued by this CA and has a week left."""
    from cryptography import x509

    if not pem.exists():
        return False
    cert = x509.load_pem_x509_certificate(pem.read_bytes())
    left = cert.not_valid_after_utc - datetime.now(UTC)
    return cert.issuer == issuer.cert.subject and left.days >= 7


def _certify(ids: list[str], issuer: Issuer, work: Path) -> dict[str, bytes]:
    """Issue (or reuse) each simulated terminal's key and certificate in ``work``; return the certificates."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from provisioning.pki import private_pem

    work.mkdir(parents=True, exist_ok=True)
    keys = {t: ec.generate_private_key(ec.SECP256R1()) for t in ids if not _reusable(work / f"{t}.pem", issuer)}
    waiting = list(keys.items())
    for n in range(0, len(waiting), ISSUE_BATCH):
        batch = waiting[n:n + ISSUE_BATCH]
        for (terminal, key), cert in zip(batch, issuer.issue_many([(t, k.public_key()) for t, k in batch], CERT_DAYS),
                                         strict=True):
            (work / f"{terminal}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            key_path = work / f"{terminal}.key"
            key_path.write_bytes(private_pem(key, None))
            key_path.chmod(0o600)
    return {t: (work / f"{t}.pem").read_bytes() for t in ids}


def _uplink(central_keys: Path, work: Path, first: str) -> Uplink:
    """Load central's public keys; each terminal signs with its own key from ``work``."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from demo.simterminal import Uplink
    from sync.keys import load_terminal_keys

    keys = load_terminal_keys(work / f"{first}.key", central_keys / "uplink.pub", central_keys / "ack.pub")

    @cache
    def signer(terminal: str) -> ec.EllipticCurvePrivateKey:
        return load_terminal_keys(work / f"{terminal}.key", central_keys / "uplink.pub",
                                  central_keys / "ack.pub").signer
    return Uplink(keys.central, keys.acks, signer)


@click.command("fleet")
@click.option("--terminals", "count", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--broker", required=True, help="mqtts://host:port of the broker.")
@click.option("--ca-dir", type=click.Path(path_type=Path, exists=True, file_okay=False), required=True,
              help="The fleet CA (`provision ca init`): issues each simulated terminal's certificate.")
@click.option("--central-keys", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Central's public keys (uplink.pub, ack.pub): terminals then send applications and help requests.")
@click.option("--prefix", default="SM", show_default=True, help="Two letters the simulated terminal ids start with.")
@click.option("--heartbeat", type=float, default=30.0, show_default=True, help="Seconds between heartbeats.")
@click.option("--applications", type=float, default=Rates.applications, show_default=True,
              help="Applications per terminal per hour (with --central-keys).")
@click.option("--help-requests", type=float, default=Rates.help_requests, show_default=True,
              help="Help requests per terminal per hour (with --central-keys).")
@click.option("--seconds", type=float, default=3600.0, show_default=True, help="How long to run.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed, the same faults.")
@click.option("--work", type=click.Path(path_type=Path, file_okay=False), default=Path("var/simfleet"),
              show_default=True, help="Where the simulated terminals' keys and certificates go (reused next time).")
@db_option
def sim_fleet(*, count: int, broker: str, ca_dir: Path, central_keys: Path | None, prefix: str, heartbeat: float,
              applications: float, help_requests: float, seconds: float, seed: int, work: Path, db_url: str) -> None:
    """Run N headless simulated terminals (real certificates, presence, heartbeats, faults) on one loop."""
    import asyncio

    from central.platform.registry import Registry
    from demo.simulator import FleetSimulator
    from protocol.link import Link
    from provisioning.pki import Issuer

    host, port = parse_broker(broker)
    issuer = Issuer.load(ca_dir, os.environ.get("YC_CA_PASSPHRASE", "").encode())
    ids = [f"{prefix.upper()}{n:04d}" for n in range(1, count + 1)]
    pems = _certify(ids, issuer, work)
    engine = open_engine(db_url, upgrade=True)
    with engine.begin() as conn:  # one transaction: thousands of registrations in seconds
        for n, terminal in enumerate(ids):
            hall = SIM_HALLS[n % len(SIM_HALLS)]
            Registry.register(conn, terminal, pems[terminal], hall=hall, site=SITES.get(hall, "hall"), location="")
    links = {t: Link(host, port, str(ca_dir / "chain.pem"), str(work / f"{t}.pem"), str(work / f"{t}.key"))
             for t in ids}
    uplink = _uplink(central_keys, work, ids[0]) if central_keys else None
    click.echo(f"{count} simulated terminals connecting to {broker} (raise `ulimit -n` for thousands)", err=True)
    simulator = FleetSimulator(ids, links.__getitem__, heartbeat_every=heartbeat, seed=seed, uplink=uplink,
                               rates=Rates(applications=applications, help_requests=help_requests))
    asyncio.run(simulator.run_and_close(seconds))
