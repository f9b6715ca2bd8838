"""Composition root: build the `yichuang` command line from every package's command groups."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from cmdline.base import Root, RootOptions

__version__ = "0.1.0"

GROUPS = {  # each package's command groups, imported only when a command of theirs runs (a fast --help)
    "catalog": "kiosk.cli.catalog_cmd:catalog_group",
    "application": "kiosk.cli.application_cmd:application_group",
    "card": "kiosk.cli.card_cmd:card_group",
    "printer": "kiosk.cli.printer_cmd:printer_group",
    "store": "kiosk.cli.store_cmd:store_group",
    "config": "kiosk.cli.config_cmd:config_group",
    "kiosk": "kiosk.cli.kiosk_cmd:kiosk_group",
    "sim": "kiosk.cli.sim_cmd:sim_group",
    "selftest": "sync.selftest_cmd:selftest",
    "decommission": "sync.decommission_cmd:decommission",
    "sync": "sync.cli:sync_group",
    "central": "central.cli.platform_cmd:central_group",
    "fleet": "central.cli.fleet_cmd:fleet_group",
    "provision": "provisioning.cli:provision_group",
    "demo": "demo.console:demo",
}
ATTACHED = {  # commands of the demo package that live in a product's group
    "kiosk": {"demo": "demo.kiosk_demo:kiosk_demo"},
    "sim": {"fleet": "demo.simcli:sim_fleet"},
    "fleet": {"demo": "demo.fleet_demo:fleet_demo"},
}


@click.group(cls=Root, lazy=GROUPS, attach=ATTACHED, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="YICHUANG_CONFIG",
    help="Terminal configuration file (default /etc/yichuang/terminal.toml).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(__version__, prog_name="yichuang")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, debug: bool) -> None:
    """Yichuang (一窗): offline-first self-service terminals for government service halls."""
    logging.basicConfig(  # force: a library imported with its command (python-escpos) may have configured it first
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    ctx.obj = RootOptions(config_path=config_path, debug=debug, reenroll=_reenroll)


def _reenroll(token: str, config_file: Path) -> str:
    """Re-enroll this terminal from the technician screen (provisioning, loaded only when a technician asks)."""
    from provisioning.onsite import reenroll_here  # noqa: PLC0415 - keeps `yichuang --help` fast

    return reenroll_here(token, config_file)


def run() -> None:
    """Entry point of the `yichuang` console script and of `python main.py`."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # Kivy must never parse our command line
    cli(prog_name="yichuang")


if __name__ == "__main__":
    run()
