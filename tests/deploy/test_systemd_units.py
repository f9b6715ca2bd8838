"""The systemd units as shipped: each scores OK (≤ 4.0) in `systemd-analyze security` and still runs what it ran."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.config import SyncSection
from tests.common import ROOT

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
ANALYZE = shutil.which("systemd-analyze")
OK = 4.0  # the highest exposure systemd-analyze still calls OK


def _offline() -> bool:
    """Return whether systemd-analyze can score a unit file offline (systemd 250 or later)."""
    if ANALYZE is None:
        return False
    help_text = subprocess.run([ANALYZE, "security", "--help"], capture_output=True, text=True, check=False).stdout
    return "--offline" in help_text


def exposure(unit: Path) -> float:
    """Return the overall exposure `systemd-analyze security --offline=yes` gives ``unit``."""
    assert ANALYZE is not None
    result = subprocess.run([ANALYZE, "security", "--offline=yes", "--no-pager", str(unit)],
                            capture_output=True, text=True, timeout=60, check=False)
    score = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert score is not None, result.stdout + result.stderr
    return float(score.group(1))


def settings(unit: Path) -> dict[str, list[str]]:
    """Return every setting of ``unit`` with its values (continued lines joined)."""
    found: dict[str, list[str]] = {}
    for line in unit.read_text().replace("\\\n", " ").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


@pytest.mark.skipif(not _offline(), reason="needs systemd-analyze security --offline (systemd 250+)")
@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_each_unit_scores_ok_in_systemd_analyze_security(unit: Path) -> None:
    assert exposure(unit) <= OK


def _under(path: str, roots: set[str]) -> bool:
    """Return whether ``path`` is one of ``roots`` or inside one."""
    return any(path == root or path.startswith(root + "/") for root in roots)


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_each_unit_still_runs_yichuang_and_may_write_only_its_state(unit: Path) -> None:
    found = settings(unit)
    command = found["ExecStart"][0].split(" -- ")[-1]  # the kiosk runs inside its compositor: cage -- yichuang …
    assert command.startswith("/opt/yichuang/.venv/bin/yichuang ")
    assert found["ProtectSystem"] == ["strict"]
    assert found["UMask"] == ["0077"]
    assert found["LimitCORE"] == ["0"]  # a core dump of the sync agent can hold decrypted applications
    written = {f"/var/lib/{d}" for d in found.get("StateDirectory", [])}
    read_only = {p.lstrip("-") for p in " ".join(found.get("ReadOnlyPaths", [])).split()}
    paths = re.findall(r"/var/lib/[\w/.-]+", " ".join(found["ExecStart"]))
    assert all(_under(p, written) or _under(p, read_only) for p in paths), \
        "a path the command writes is read-only under ProtectSystem=strict (only ReadOnlyPaths= may be read there)"


def test_the_sync_agent_still_reaches_the_tpm_and_its_state_and_nothing_else_of_the_hardware() -> None:
    found = settings(ROOT / "deploy" / "systemd" / "yichuang-sync.service")
    assert found["StateDirectory"] == ["yichuang"]  # store.db, tpm/ and last-good-time (kiosk/config.py)
    assert found["StateDirectoryMode"] == ["0700"]
    assert found["DevicePolicy"] == ["closed"]
    assert found["DeviceAllow"] == ["/dev/tpmrm0 rw"]  # the tpm key provider's default tcti
    assert "PrivateUsers" not in found  # /dev/tpmrm0 is reached through its group


def test_the_kiosk_runs_full_screen_in_cage_under_the_watchdog_with_the_sync_agents_store() -> None:
    found = settings(ROOT / "deploy" / "systemd" / "yichuang-kiosk.service")
    sync = settings(ROOT / "deploy" / "systemd" / "yichuang-sync.service")
    assert found["ExecStart"] == ["/usr/bin/cage -d -- /opt/yichuang/.venv/bin/yichuang kiosk run"]  # no -s: no VT switch
    assert found["Type"] == ["notify"]
    assert found["NotifyAccess"] == ["all"]  # the pings come from cage's child, the kiosk
    assert int(found["WatchdogSec"][0]) > 0
    assert found["Restart"] == ["always"]
    assert found["TTYPath"] == ["/dev/tty1"]
    assert found["Conflicts"] == ["getty@tty1.service"]
    assert (found["User"], found["StateDirectory"]) == (sync["User"], sync["StateDirectory"])  # one store, one owner
    assert "MemoryDenyWriteExecute" not in found  # Mesa's shader compilers write executable memory
    assert found["DevicePolicy"] == ["closed"]


@pytest.mark.skipif(ANALYZE is None, reason="needs systemd-analyze")
def test_the_kiosk_unit_verifies_but_for_the_compositor_this_machine_lacks(tmp_path: Path) -> None:
    unit = ROOT / "deploy" / "systemd" / "yichuang-kiosk.service"
    assert ANALYZE is not None
    done = subprocess.run([ANALYZE, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60,
                          check=False)
    problems = [line for line in done.stderr.splitlines()
                if "yichuang-kiosk.service" in line and "/usr/bin/cage is not executable" not in line]
    assert problems == []


def test_the_terminals_certificate_may_be_replaced_by_rotation_and_by_re_enrollment_at_the_kiosk() -> None:
    pki = str(SyncSection().cert_file.parent)  # where the terminal's certificate and key live by default
    assert SyncSection().key_file.parent == Path(pki)
    for name in ("yichuang-sync.service", "yichuang-kiosk.service"):
        found = settings(ROOT / "deploy" / "systemd" / name)
        writable = {p.lstrip("-") for p in " ".join(found.get("ReadWritePaths", [])).split()}
        assert pki in writable, f"{name}: rotation or re-enrollment could not replace the certificate"
        assert "/etc/yichuang" not in writable  # terminal.toml (the PIN's hash, the broker) stays read-only


def test_the_daily_crl_refresh_revokes_retired_terminals_from_centrals_database() -> None:
    found = settings(ROOT / "deploy" / "systemd" / "yichuang-crl-refresh.service")
    assert "-/etc/yichuang/central.env" in found["EnvironmentFile"]  # YC_CENTRAL_DB, read by `crl refresh`
    assert "PrivateNetwork" not in found  # central's database may be PostgreSQL on another host
