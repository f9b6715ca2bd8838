"""A catalog release from `central catalog publish` to a terminal's `catalog install` off a USB stick, as real processes.

Ops publish with the CA's catalog-signing key; the technician copies the release folder to a stick
and installs it; the terminal checks it against the key enrollment pinned, and refuses a stick
someone tampered with, an old release, or one for other halls, keeping what it serves.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain.data import SAMPLE_CATALOG
from tests.common import ROOT, run
from tests.protocol.release_kit import changed_catalog

PASSPHRASE = "correct horse battery staple"  # noqa: S105 - a test CA's


@dataclass
class Fleet:
    """A CA, central's catalog archive, a passphrase file and a terminal config with its release directory."""

    ca: Path
    archive: Path
    secret: Path
    config: Path
    base: Path


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    base = tmp_path_factory.mktemp("releases")
    env = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"} | {"YC_CA_PASSPHRASE": PASSPHRASE}
    made = subprocess.run([sys.executable, str(ROOT / "main.py"), "provision", "ca", "init", "--ca-dir",
                           str(base / "ca")], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
                          check=False)
    assert made.returncode == 0, made.stderr
    secret = base / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    config = base / "terminal.toml"
    config.write_text(f'[terminal]\nhall = "lc-center"\n[catalog]\nreleases = "{base / "terminal"}"\n'
                      f'signing_key = "{base / "ca" / "signing" / "catalog.pub"}"\n[store]\npath = "{base / "s.db"}"\n')
    return Fleet(base / "ca", base / "archive", secret, config, base)


def publish(fleet: Fleet, source: Path, *halls: str) -> Path:
    """Publish ``source`` as ops would; return the release folder it printed."""
    args = [a for hall in halls for a in ("--hall", hall)]
    done = run("central", "catalog", "publish", str(source), "--archive", str(fleet.archive), "--signing-key",
               str(fleet.ca / "signing" / "catalog.key"), "--passphrase-file", str(fleet.secret), *args)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.splitlines()[1].split()[0])


def stick(folder: Path, fleet: Fleet) -> Path:
    """Copy a release folder to a 'USB stick' directory, as a technician would."""
    target = fleet.base / "usb" / folder.name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder, target)
    return target


def catalog_version(fleet: Fleet) -> str:
    listed = run("catalog", "list", "--json", config=fleet.config)
    assert listed.returncode == 0, listed.stderr
    return str(json.loads(listed.stdout)["catalog"]["version"])


def test_a_published_release_installs_from_a_stick_and_is_served_after_the_switch(fleet: Fleet) -> None:
    first = publish(fleet, SAMPLE_CATALOG)
    assert (first / "manifest.json").is_file()
    assert any((fleet.archive).glob("2026.12.7-*/catalog.toml"))  # archived for ingest in the same step
    installed = run("catalog", "install", str(stick(first, fleet)), config=fleet.config)
    assert installed.returncode == 0, installed.stderr
    assert "staged" in installed.stdout
    shown = run("catalog", "releases", "--json", config=fleet.config)
    assert json.loads(shown.stdout)["staged"] == first.name


def test_a_tampered_stick_is_refused_with_the_reason_and_the_terminal_keeps_its_catalog(fleet: Fleet) -> None:
    folder = stick(publish(fleet, changed_catalog(fleet.base, "2026.12-t")), fleet)
    changed = (fleet.base / "catalog-2026.12-t" / "items" / "tax.toml").read_bytes()
    tax = next(p for p in (folder / "chunks").iterdir() if p.read_bytes() == changed)
    tax.write_text(tax.read_text("utf-8").replace("promised_limit_days = 1", "promised_limit_days = 9"), "utf-8")
    before = json.loads(run("catalog", "releases", "--json", config=fleet.config).stdout)
    refused = run("catalog", "install", str(folder), config=fleet.config)
    assert refused.returncode == 1
    assert "does not match its hash" in refused.stderr
    after = json.loads(run("catalog", "releases", "--json", config=fleet.config).stdout)
    assert (after["current"], after["staged"]) == (before["current"], before["staged"])
    assert after["refused"]["reason"] == "chunk"


def test_an_older_release_and_one_for_other_halls_are_refused(fleet: Fleet) -> None:
    newest = publish(fleet, changed_catalog(fleet.base, "2026.12-n"))
    assert run("catalog", "install", str(stick(newest, fleet)), config=fleet.config).returncode == 0
    older = sorted((fleet.archive / "releases").glob("1-*"))[0]
    again = run("catalog", "install", str(stick(older, fleet)), config=fleet.config)
    assert again.returncode == 1
    assert "not newer" in again.stderr
    elsewhere = publish(fleet, changed_catalog(fleet.base, "2026.12-h"), "zd-center")
    other = run("catalog", "install", str(stick(elsewhere, fleet)), config=fleet.config)
    assert other.returncode == 1
    assert "lc-center" in other.stderr


def test_publishing_needs_the_right_key_and_a_hall_the_catalog_knows(fleet: Fleet) -> None:
    wrong = fleet.base / "wrong"
    wrong.write_text("not it\n")
    denied = run("central", "catalog", "publish", str(SAMPLE_CATALOG), "--archive", str(fleet.archive),
                 "--signing-key", str(fleet.ca / "signing" / "catalog.key"), "--passphrase-file", str(wrong))
    assert denied.returncode == 2  # the operator's mistake
    assert "wrong passphrase" in denied.stderr
    unknown = run("central", "catalog", "publish", str(SAMPLE_CATALOG), "--archive", str(fleet.archive),
                  "--signing-key", str(fleet.ca / "signing" / "catalog.key"), "--passphrase-file", str(fleet.secret),
                  "--hall", "no-such-hall")
    assert unknown.returncode == 1
    assert "no hall profile 'no-such-hall'" in unknown.stderr
    listed = run("central", "catalog", "releases", "--archive", str(fleet.archive), "--json")
    serials = [row["serial"] for row in json.loads(listed.stdout)]
    assert serials == sorted(serials)
    assert len(serials) == len(set(serials))
