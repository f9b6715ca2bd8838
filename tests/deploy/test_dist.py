"""Packaging (#23): the extras pyproject.toml declares cover what each role imports, a command of the other role
names the extra it lacks (exit 2), and `make dist`'s wheelhouse installs offline into a fresh venv per role.

The fast tests run the real command line with the other role's packages made unimportable; the wheelhouse
install (a minute or more per venv) is marked `dist` and run by `make dist-test`.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
import venv
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from cmdline.extras import EXTRA_OF
from main import GROUPS
from tests.common import ROOT

SHIPPED = ["domain", "protocol", "cmdline", "l10n", "drivers", "kiosk", "sync", "central", "provisioning", "demo"]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
BLOCKER = """
import importlib.abc, sys
BLOCKED = set(sys.argv[1].split(","))
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Block())
sys.argv = ["yichuang", *sys.argv[2:]]
from main import GROUPS, cli, run
if sys.argv[1:] == ["--help-of-every-group"]:
    for group in GROUPS:
        try:
            cli([group, "--help"], prog_name="yichuang")
        except SystemExit as done:
            assert done.code == 0, group
    raise SystemExit(0)
run()
"""


def _name(requirement: str) -> str:
    """Return the normalised distribution name of a requirement string."""
    found = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert found is not None, requirement
    return re.sub(r"[-_.]+", "-", found.group(0)).lower()


def declared() -> dict[str, str]:
    """Return each declared distribution with where it is declared: "base", "kiosk" or "central"."""
    where = {_name(r): "base" for r in PROJECT["dependencies"]}
    for extra in ("kiosk", "central"):
        where |= {_name(r): extra for r in PROJECT["optional-dependencies"][extra]}
    return where


def imported() -> dict[str, set[str]]:
    """Return every third-party top-level module the shipped code imports, with the files importing it."""
    own = {*SHIPPED, "main", "tests"}
    found: dict[str, set[str]] = {}
    for path in [ROOT / "main.py", *(p for d in SHIPPED for p in (ROOT / d).rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.partition(".")[0]
                if top not in own and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_import_of_the_shipped_code_is_declared_and_its_extra_known_to_the_command_line() -> None:
    where, providers = declared(), packages_distributions()
    for module, files in imported().items():
        dists = {_name(d) for d in providers.get(module, [])} & set(where)
        assert dists, f"{module} (imported by {sorted(files)[0]}) is in no dependency set of pyproject.toml"
        extra = where[dists.pop()]
        assert EXTRA_OF.get(module, "base") == extra, f"{module}: pyproject says {extra}, cmdline/extras.py disagrees"


def test_central_needs_no_terminal_package_and_the_kiosk_no_central_one() -> None:
    roles = {"central": ["central"], "kiosk": ["kiosk", "drivers", "sync", "l10n"]}
    for role, folders in roles.items():
        for module, files in imported().items():
            if EXTRA_OF.get(module, role) != role:  # a package of the other role's extra
                strays = {f for f in files if f.split("/")[0] in folders}
                assert not strays, f"{role} code imports {module} of the other extra: {sorted(strays)}"


def test_dev_installs_both_roles() -> None:
    assert "yichuang[kiosk,central]" in PROJECT["optional-dependencies"]["dev"]


def without(extra: str, *args: str, display: str = "") -> subprocess.CompletedProcess[str]:
    """Run `yichuang ARGS` as an installation lacking ``extra`` would (its packages cannot be imported)."""
    blocked = ",".join(m for m, e in EXTRA_OF.items() if e == extra)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISPLAY": display, "KIVY_NO_ARGS": "1"}
    return subprocess.run([sys.executable, "-c", BLOCKER, blocked, *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60, check=False)


def test_a_central_server_without_the_kiosk_extra_runs_central_commands(tmp_path: Path) -> None:
    listing = without("kiosk", "--help")
    assert listing.returncode == 0, listing.stderr
    assert "kiosk" in listing.stdout  # every group is listed; only running one needs its extra
    made = without("kiosk", "central", "init", "--keys", str(tmp_path / "keys"))
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "keys" / "uplink.pub").exists()


@pytest.mark.parametrize("extra", ["kiosk", "central"])
def test_every_group_shows_its_help_without_either_extra(extra: str) -> None:
    done = without(extra, "--help-of-every-group")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("Usage: yichuang ") == len(GROUPS)


@pytest.mark.parametrize("args", [["kiosk", "run", "--windowed"], ["card", "read", "--url", "sim://"]])
def test_a_central_server_asked_for_a_terminal_command_names_the_kiosk_extra(args: list[str]) -> None:
    done = without("kiosk", *args, display=":99")
    assert done.returncode == 2
    assert done.stderr == "Error: this command needs the kiosk extra: pip install 'yichuang[kiosk]'\n"


def test_a_terminal_without_the_central_extra_names_it_for_a_central_command() -> None:
    done = without("central", "central", "terminals", "list", "--db", "postgresql+psycopg://ops@127.0.0.1:1/central")
    assert done.returncode == 2  # the PostgreSQL driver is central's: a terminal has none
    assert done.stderr == "Error: this command needs the central extra: pip install 'yichuang[central]'\n"
    reference = without("central", "config", "reference")
    assert reference.returncode == 0, reference.stderr
    assert reference.stdout.startswith("# Terminal configuration")


WHEELHOUSE = ROOT / "dist" / "wheelhouse"
SMOKE = {  # per extra: a command of the role, one of the other role (refused), the other role's package it lacks
    "central": (["central", "init", "--keys", "{tmp}/keys"], ["printer", "test-page", "--url", "sim://"], "kivy"),
    "kiosk": (["printer", "test-page", "--url", "sim://"],
              ["central", "terminals", "list", "--db", "postgresql+psycopg://ops@127.0.0.1:1/central"], "fastapi"),
}


@pytest.mark.dist
@pytest.mark.timeout(900)
@pytest.mark.parametrize("extra", sorted(SMOKE))
def test_the_wheelhouse_installs_offline_into_a_fresh_venv_and_runs(extra: str, tmp_path: Path) -> None:
    if not any(WHEELHOUSE.glob("yichuang-*.whl")):
        pytest.fail("no wheelhouse: run `make dist` first (`make dist-test` does)")
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PIP_CONFIG_FILE": os.devnull}
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-index", "--find-links", WHEELHOUSE,
                    f"yichuang[{extra}]"], check=True, env=clean, timeout=600)
    runs, refused, lacking = ([a.format(tmp=tmp_path) for a in args] for args in SMOKE[extra])
    for args in (["--help"], runs):
        done = installed(tmp_path, args, clean)
        assert done.returncode == 0, done.stderr
    other = "kiosk" if extra == "central" else "central"
    done = installed(tmp_path, refused, clean)
    assert (done.returncode, done.stderr) == (2, f"Error: this command needs the {other} extra: "
                                                 f"pip install 'yichuang[{other}]'\n")
    absent = subprocess.run([python, "-c", f"import {lacking}"], capture_output=True, env=clean, check=False)
    assert absent.returncode == 1, f"{lacking} is installed in the {extra} venv"


def installed(tmp_path: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the `yichuang` the fresh venv in ``tmp_path`` installed, in ``tmp_path`` (not this checkout)."""
    return subprocess.run([tmp_path / "venv" / "bin" / "yichuang", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=60, check=False)
