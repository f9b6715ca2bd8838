"""`provision broker-config`: a complete mosquitto configuration for the fleet, ready for `mosquitto -c`.

Two listeners (docs/protocol.md, *Listeners*), each with its own settings: the public one for
terminals and claim media (TLS, client certificate required, the certificate's CN is both the
username and the client id, so no client can take another's session), and the services one for
central and the fleet monitor (TLS, client certificate required, and a username and password
derived from the service's own private key). Both check the CRL; no anonymous clients; bounds
on packet size and per-client queues (*Broker limits*). mosquitto 2.0 reads the CRL only at
start (not on SIGHUP) and never re-checks connected clients: after a revocation, restart the
broker (`systemctl restart mosquitto`) so the revoked terminal is cut off and refused at its
next handshake; central refuses its messages in any case.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from protocol import bundle, topics
from protocol.link import service_password
from provisioning.pki import PkiError

CENTRAL_USER = "central"  # central's ingest workers and the enrollment service
FLEET_USER = "fleet"  # the fleet monitor: reads telemetry and presence only
SERVICE_USERS = (CENTRAL_USER, FLEET_USER)  # who logs in on the services listener
SERVICE_CNS = ("broker", CENTRAL_USER, "claim", FLEET_USER)  # certificates that get nothing on the public one
SERVICES_PORT = 8884
MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"  # noqa: S105 - the tool, not a password
# The largest legitimate MQTT packet is a full bundle (protocol/bundle.py): its payload, topic and
# properties, with headroom. A client sending more is disconnected before the broker stores it.
MAX_PACKET_BYTES = bundle.MAX_BUNDLE_BYTES + 64 * 1024
# What the broker queues for one client (a busy or offline central worker's share of the uplink):
# beyond either bound it drops the message, and the terminal resends it when no ack comes.
MAX_QUEUED_BYTES = 128 * 1024 * 1024
MAX_QUEUED_MESSAGES = 100_000


def limits() -> str:
    """Return the configuration lines bounding message sizes and per-client queues."""
    return (f"max_packet_size {MAX_PACKET_BYTES}\n"
            f"max_queued_bytes {MAX_QUEUED_BYTES}\nmax_queued_messages {MAX_QUEUED_MESSAGES}\n")


def listeners(tls: str, directory: Path, *, public: tuple[int, str], services: tuple[int, str]) -> str:
    """Return both listeners' sections; ``tls`` is the certificate lines each repeats."""
    return (
        f"listener {public[0]} {public[1]}\nprotocol mqtt\n{tls}"
        "require_certificate true\nuse_identity_as_username true\nuse_username_as_clientid true\n"
        f"allow_anonymous false\nacl_file {directory / 'acl'}\n\n"
        f"listener {services[0]} {services[1]}\nprotocol mqtt\n{tls}"
        "require_certificate true\nuse_identity_as_username false\n"
        f"allow_anonymous false\npassword_file {directory / 'passwd'}\nacl_file {directory / 'services.acl'}\n\n"
    )


def write_password_file(path: Path, users: dict[str, str]) -> None:
    """Write mosquitto's hashed password file for ``users`` (name -> password) with mosquitto_passwd."""
    path.unlink(missing_ok=True)
    for n, (user, password) in enumerate(users.items()):
        create = ["-c"] if n == 0 else []
        subprocess.run([MOSQUITTO_PASSWD, *create, "-b", str(path), user, password],  # noqa: S603 - fixed binary
                       check=True, capture_output=True)
    path.chmod(0o600)


def claim_media(ca_dir: Path) -> tuple[str, ...]:
    """Return the CNs of the claim media the CA issued (denied the terminal tree by name)."""
    index = ca_dir / "issuing" / "issued.json"
    entries = json.loads(index.read_text()) if index.exists() else []
    return tuple(sorted({e["cn"] for e in entries if topics.CLAIM_CN.match(e["cn"])}))


def write_broker_config(ca_dir: Path, out: Path, *, port: int = 8883, bind: str = "0.0.0.0",  # noqa: S104
                        services_port: int = SERVICES_PORT, services_bind: str = "127.0.0.1",
                        run_as: str = "mosquitto") -> Path:
    """Write mosquitto.conf, both ACLs, the password file and the TLS files into ``out``; return the configuration."""
    out.mkdir(parents=True, exist_ok=True)
    for source, name in (("chain.pem", "chain.pem"), ("services/broker.pem", "broker.pem"),
                         ("issuing/crl.pem", "crl.pem")):
        shutil.copyfile(ca_dir / source, out / name)
    _write_private(out / "broker.key", (ca_dir / "services" / "broker.key").read_bytes())
    (out / "acl").write_text(topics.acl_lines(*SERVICE_CNS, claims=claim_media(ca_dir)))
    (out / "services.acl").write_text(topics.services_acl_lines(CENTRAL_USER, FLEET_USER))
    write_password_file(out / "passwd", {u: service_password(ca_dir / "services" / f"{u}.key") for u in SERVICE_USERS})
    tls = (f"cafile {out / 'chain.pem'}\ncertfile {out / 'broker.pem'}\nkeyfile {out / 'broker.key'}\n"
           f"crlfile {out / 'crl.pem'}\ntls_version tlsv1.2\n")
    conf = out / "mosquitto.conf"
    conf.write_text(
        "# Generated by `yichuang provision broker-config`; regenerate rather than edit.\n"
        f"per_listener_settings true\nuser {run_as}\n\n"
        f"{listeners(tls, out, public=(port, bind), services=(services_port, services_bind))}"
        f"persistence true\npersistence_location {out}/\n{limits()}"
        f"log_dest file {out / 'mosquitto.log'}\nlog_type error\nlog_type warning\nlog_type notice\n"
    )
    _hand_to(out, run_as)
    return conf


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by its owner only from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _hand_to(out: Path, run_as: str) -> None:
    """As root, give ``run_as`` the folder and its files: mosquitto reads its key, CRL and passwords as that user.

    Not root: mosquitto runs as the caller, who owns them already.
    """
    if os.geteuid() != 0:
        return
    try:
        user = pwd.getpwnam(run_as)
    except KeyError:
        raise PkiError(f"--run-as {run_as!r}: no such user (installing mosquitto makes it; or name another)") from None
    (out / "mosquitto.log").touch(mode=0o600)
    for path in (out, *out.iterdir()):
        os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)
