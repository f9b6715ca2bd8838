"""Re-enrollment of a terminal powered off past its certificate's expiry: same id, same store, nothing lost."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from central.platform.database import make_engine
from central.platform.registry import Registry
from kiosk.config import Config, load_config, render_config, write_private
from provisioning import pki
from provisioning.enroll import EnrollError
from provisioning.onsite import reenroll_here
from provisioning.tokens import HallProfile, create_tokens
from tests.provisioning.test_enrollment_flow import PASSPHRASE, Fleet, running_fleet, yichuang
from tests.provisioning.test_rotation import enrolled, queue_applications, sync_run


def expire(fleet: Fleet, terminal_dir: Path) -> None:
    """Give the terminal (and the registry) a certificate for its own key that expired ten days ago."""
    issuer = pki.Issuer.load(fleet.ca, PASSPHRASE)
    cert_file = terminal_dir / "pki" / "terminal.pem"
    current = x509.load_pem_x509_certificate(cert_file.read_bytes())
    now = dt.datetime.now(dt.UTC)
    expired = (x509.CertificateBuilder().subject_name(current.subject).issuer_name(issuer.cert.subject)
               .public_key(current.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=100)).not_valid_after(now - timedelta(days=10))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .sign(issuer.key, hashes.SHA256()))
    pem = expired.public_bytes(serialization.Encoding.PEM)
    cert_file.write_bytes(pem)
    Registry(make_engine(fleet.db_url)).add("LC0001", pem, hall="lc-center", site="hall")


def reenroll(fleet: Fleet, token: str, terminal_dir: Path) -> tuple[int, str, str]:
    done = yichuang("provision", "enroll", "--reenroll", "--token", token, "--broker", fleet.url, "--claim-dir",
                    str(fleet.ca / "claim"), "--config-dir", str(terminal_dir), "--time-file",
                    str(terminal_dir / "last-good-time"), env={"YICHUANG_CONFIG": str(terminal_dir / "terminal.toml")})
    return done.returncode, done.stdout, done.stderr


def test_an_expired_terminal_reenrolls_with_its_id_and_delivers_its_50_queued_applications_once(
        fleet: Fleet, tmp_path: Path) -> None:
    terminal_dir = enrolled(fleet, tmp_path)
    config = terminal_dir / "terminal.toml"
    expire(fleet, terminal_dir)
    queued = queue_applications(terminal_dir, 0, 50)
    assert sync_run(config, timeout="6").returncode == 3  # the broker refuses the expired certificate
    assert fleet.worker.ingest.stored_ids() == []

    engine = make_engine(fleet.db_url)
    (hall_token,) = create_tokens(engine, HallProfile("lc-center", "hall", "LC"), timedelta(hours=1))
    code, _, err = reenroll(fleet, hall_token, terminal_dir)
    assert code == 1
    assert "this token enrolls a new terminal, not LC0001" in err
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = pki.Issuer.load(fleet.ca, PASSPHRASE).issue("LC0002", other_key.public_key(), 90)
    Registry(engine).add("LC0002", other.public_bytes(serialization.Encoding.PEM), hall="lc-center")
    for_other = yichuang("provision", "token", "reenroll", "LC0002", "--db", fleet.db_url)
    assert for_other.returncode == 0, for_other.stderr
    code, _, err = reenroll(fleet, for_other.stdout.strip(), terminal_dir)
    assert code == 1
    assert "this re-enrollment token is for LC0002" in err
    unknown = yichuang("provision", "token", "reenroll", "LC0099", "--db", fleet.db_url)
    assert unknown.returncode == 2
    assert "no such terminal" in unknown.stderr

    made = yichuang("provision", "token", "reenroll", "LC0001", "--db", fleet.db_url)
    assert made.returncode == 0, made.stderr
    code, out, err = reenroll(fleet, made.stdout.strip(), terminal_dir)
    assert code == 0, err
    assert "enrolled as LC0001 in hall lc-center" in out
    renewed = x509.load_pem_x509_certificate((terminal_dir / "pki" / "terminal.pem").read_bytes())
    assert renewed.not_valid_after_utc > dt.datetime.now(dt.UTC) + timedelta(days=80)
    assert "scrypt$" in config.read_text()  # the technician PIN was kept

    assert sync_run(config).returncode == 0
    stored = fleet.worker.ingest.stored_ids()
    assert sorted(stored) == sorted(queued)  # all 50, each once, from the same store
    again = reenroll(fleet, made.stdout.strip(), terminal_dir)
    assert again[0] == 1
    assert "already used" in again[2]


def test_a_medium_from_another_fleet_and_a_broker_in_the_middle_install_nothing(fleet: Fleet, tmp_path: Path) -> None:
    terminal_dir = enrolled(fleet, tmp_path)
    config_file = terminal_dir / "terminal.toml"
    expire(fleet, terminal_dir)
    pinned = {p.name: p.read_bytes() for p in (terminal_dir / "pki").iterdir()}
    with running_fleet(tmp_path / "rogue") as rogue:  # someone's own CA, broker and enrollment service
        Registry(make_engine(rogue.db_url)).add("LC0001", pinned["terminal.pem"], hall="lc-center", site="hall")
        token = yichuang("provision", "token", "reenroll", "LC0001", "--db", rogue.db_url).stdout.strip()
        config = load_config(config_file)  # the terminal's broker address now answered by the rogue broker
        hijacked = config.model_copy(update={
            "sync": config.sync.model_copy(update={"broker": rogue.url}),
            "technician": config.technician.model_copy(update={"claim_dirs": [rogue.ca / "claim"]})})
        write_private(config_file, render_config(hijacked, "A test terminal."))
        with pytest.raises(EnrollError, match="not trusted"):
            reenroll_here(token, config_file)
    assert {p.name: p.read_bytes() for p in (terminal_dir / "pki").iterdir()} == pinned  # nothing replaced


def test_a_damaged_medium_is_named_before_anything_is_asked(tmp_path: Path) -> None:
    medium = tmp_path / "claim"
    medium.mkdir()
    for name in ("ca.pem", "claim.pem", "claim.key"):
        (medium / name).write_text("not PEM")
    config = Config()
    config = config.model_copy(update={"technician": config.technician.model_copy(update={"claim_dirs": [medium]})})
    write_private(tmp_path / "terminal.toml", render_config(config, "A terminal with a damaged medium plugged in."))
    with pytest.raises(EnrollError, match=r"the enrollment medium cannot be read .* the token is still unused"):
        reenroll_here("ZMVS4OYDL6KRPGZA5VONGT635TIO2MNP", tmp_path / "terminal.toml")
