"""`provision status` says where it looked for the CA and what is missing, never an empty list silently (#23 defect 12)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from main import cli


def test_a_missing_ca_is_named(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/central.db"
    assert CliRunner().invoke(cli, ["central", "db", "upgrade", "--db", db]).exit_code == 0
    result = CliRunner().invoke(cli, ["provision", "status", "LC0001", "--ca-dir", str(tmp_path / "ca"), "--db", db])
    assert result.exit_code == 0, result.output
    assert "not in central's registry" in result.output
    assert f"no CA at {tmp_path / 'ca'} (issued.json missing): give --ca-dir" in result.output
    shown = json.loads(CliRunner().invoke(cli, ["provision", "status", "LC0001", "--ca-dir", str(tmp_path / "ca"),
                                                "--db", db, "--json"]).output)
    assert shown["certificates"] == []
    assert shown["problem"].startswith("no CA at")
