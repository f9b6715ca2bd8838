"""Composition root: build the `yichuang` command line from every package's command groups."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from central.cli import central_group
from central.fleet.cli import fleet_group
from central.fleet.simcli import sim_fleet
from kiosk.cli.application_cmd import application_group
from kiosk.cli.base import AppContext, Root
from kiosk.cli.card_cmd import card_group
from kiosk.cli.catalog_cmd import catalog_group
from kiosk.cli.config_cmd import config_group
from kiosk.cli.demo import demo
from kiosk.cli.kiosk_cmd import kiosk_group
from kiosk.cli.printer_cmd import printer_group
from kiosk.cli.sim_cmd import sim_group
from kiosk.cli.store_cmd import store_group
from kiosk.cli.sync_cmd import sync_group
from provisioning.cli import provision_group

__version__ = "0.1.0"


@click.group(cls=Root, context_settings={"help_option_names": ["-h", "--help"]})
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
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = AppContext(config_path=config_path, debug=debug)


for group in (
    catalog_group, application_group, card_group, printer_group, store_group, sim_group, config_group, sync_group,
    central_group, provision_group, fleet_group, kiosk_group, demo,
):
    cli.add_command(group)


sim_group.add_command(sim_fleet)


def run() -> None:
    """Entry point of the `yichuang` console script and of `python main.py`."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # Kivy must never parse our command line
    cli(prog_name="yichuang")


if __name__ == "__main__":
    run()
