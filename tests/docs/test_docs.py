"""Docs that cannot drift (#23): the operator docs' command blocks run verbatim, CA to application to fleet."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.data import SAMPLE_CATALOG
from tests.common import ROOT

DOCS = [ROOT / "docs" / "provisioning.md", ROOT / "docs" / "operations.md"]
ONLINE = ("yichuang fleet status --json | python3 -c 'import json, sys; "
          "sys.exit(not any(r[\"terminal\"] == \"LC0001\" and r[\"state\"] == \"online\" for r in json.load(sys.stdin)))'")
STORED = "test \"$(yichuang central apps list --terminal LC0001 --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')\" = 3"


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder the services' own users can reach (pytest's tmp is root-only), with the `yichuang` command."""
    folder = Path(tempfile.mkdtemp(prefix="yc-docs-"))
    folder.chmod(0o755)
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    command = bin_dir / "yichuang"
    command.write_text(f'#!/bin/sh\nexec {sys.executable} {ROOT / "main.py"} "$@"\n')  # the package's entry point
    command.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_docs(scratch: Path) -> dict[str, object]:
    """Run both docs in a private network and mount namespace; return the runner's transcript."""
    args = ["unshare", "--net", "--mount", "--", sys.executable, "-m", "tests.docs.runner", *map(str, DOCS),
            "--scratch", str(scratch), "--host", "mqtt.zwfw.example=10.0.0.5", "--address", "10.0.0.5",
            "--set", "YC_CA_PASSPHRASE='correct horse battery'",
            "--set", "YC_CENTRAL_DB=sqlite:////var/lib/yichuang-central/central.db",
            "--set", f"YC_CATALOG={SAMPLE_CATALOG}",
            "--set", "YC_TOKEN=\"$(head -n1 tokens.txt | cut -d' ' -f1)\"",
            "--answer", "246810", "--answer", "246810", "--citizen-after", "0", "--probe", ONLINE, "--probe", STORED,
            "--probe-at", "A stolen terminal"]
    env = {**os.environ, "PATH": f"{scratch / 'bin'}:{os.environ['PATH']}"}
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    transcript: dict[str, object] = json.loads(done.stdout)
    return transcript


@pytest.mark.skipif(os.geteuid() != 0, reason="the docs are for root with --run-as (and need unshare)")
def test_the_operator_docs_run_verbatim_from_ca_to_an_online_terminal(scratch: Path) -> None:
    transcript = run_docs(scratch)
    steps = transcript["steps"]
    assert isinstance(steps, list)
    failed = [s for s in steps if s["returncode"] not in (0, None)]
    assert not transcript["failed"], json.dumps(failed or steps[-1:], ensure_ascii=False, indent=1)
    assert transcript["probes"] == {ONLINE: True, STORED: True}
    said = "\n".join(str(s["stdout"]) for s in steps)
    assert "enrolled as LC0001 in hall lc-center" in said  # what each documented step says it does, it did
    assert "yichuang 600 /etc/yichuang/pki/terminal.key" in said  # a root enrollment hands its files over
    assert "sent to the broker:" in said
    assert "\nok\n" in said  # the backup's integrity check
    assert "revoked LC0001: 1 certificate in the CRL" in said
    assert "revoked tech-T0007: 1 card certificate in the CRL" in said
    assert said.count("stolen") >= 1  # provision status shows the reason
    services = [s for s in steps if s["background"]]
    assert len(services) == 5 and all(s["returncode"] is None for s in services)  # noqa: PT018 - all still up
    assert transcript["stopped"] == [0] * 5  # and each stops cleanly on SIGTERM, as operations.md says
    applied = next(s for s in steps if s["doc"] == "citizen")
    assert applied["returncode"] == 0, applied["stderr"]
    assert stored_ids(scratch) == set(str(applied["stdout"]).split())  # central holds exactly what the citizen applied for


def stored_ids(scratch: Path) -> set[str]:
    """Return the ids of LC0001's applications in the central database the docs wrote (read after the run)."""
    database = scratch / "root" / "var" / "lib" / "yichuang-central" / "central.db"  # /var's overlay, in scratch
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "central", "apps", "list", "--terminal", "LC0001",
                           "--json", "--db", f"sqlite:///{database}"], capture_output=True, text=True, check=False,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return {row["id"] for row in json.loads(done.stdout)}
