"""`yichuang sim …`: device simulators for hand testing and demos."""

from __future__ import annotations

import os
import signal
import sys
import threading
import tty
from pathlib import Path

import click

# The simulator needs only the standard library, so --card lists its sample cards without slowing --help.
from cmdline.signals import stop_on_signals
from drivers.cardreader.simulator import SAMPLE_CARDS, Faults, SamSimulator, serve_fd

FAULTS = ("no_card", "lift_after_find", "lift_during_read", "garbage", "silent", "sam_fault", "chunked")


@click.group("sim")
def sim_group() -> None:
    """Run device simulators."""


@sim_group.command("sam")
@click.option("--pty", "use_pty", is_flag=True, required=True, help="Serve on a new pseudo-terminal.")
@click.option("--card", type=click.Choice(sorted(SAMPLE_CARDS)), help="Sample card to place on the reader.")
@click.option("--fault", "faults", multiple=True, type=click.Choice(FAULTS), help="Switch a fault on.")
@click.option("--delay", type=float, default=0.0, help="Seconds before each response (a slow reader).")
@click.option("--link", type=click.Path(path_type=Path), help="Also make this symlink to the pty (a stable path).")
def sam(use_pty: bool, card: str | None, faults: tuple[str, ...], delay: float, link: Path | None) -> None:
    """Simulate a SAM ID card module on a pty; prints its path. Type 'place NAME', 'lift' or 'quit'."""
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    if link is not None:
        link.unlink(missing_ok=True)
        link.symlink_to(path)
    simulator = SamSimulator(SAMPLE_CARDS[card] if card else None, Faults(delay=delay, **dict.fromkeys(faults, True)))
    stop = threading.Event()
    stop_on_signals(stop, [signal.SIGTERM])
    server = threading.Thread(target=serve_fd, args=(simulator, master, stop), daemon=True)
    server.start()
    click.echo(path, nl=True)
    sys.stdout.flush()
    try:
        _console(simulator, stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.join(timeout=2)
        os.close(master)
        os.close(slave)
        if link is not None:
            link.unlink(missing_ok=True)


def _console(simulator: SamSimulator, stop: threading.Event) -> None:
    """Take 'place NAME' / 'lift' / 'quit' lines from stdin until it closes or we are stopped."""
    if not sys.stdin.isatty() or os.tcgetpgrp(sys.stdin.fileno()) != os.getpgrp():
        stop.wait()  # in the background (`&`) or without a terminal: no console, run until stopped
        return
    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["place"] and len(words) == 2 and words[1] in SAMPLE_CARDS:
            simulator.place(SAMPLE_CARDS[words[1]])
        elif words[:1] == ["lift"]:
            simulator.lift()
        elif words[:1] == ["quit"]:
            return
        else:
            click.echo(f"commands: place {'|'.join(SAMPLE_CARDS)}; lift; quit", err=True)


@sim_group.command("printer")
@click.option("--port", type=int, default=9100, show_default=True, help="Loopback TCP port to listen on.")
@click.option("--paper", type=click.Choice(["ok", "low", "out"]), default="ok", show_default=True)
@click.option("--cover", type=click.Choice(["open", "closed"]), default="closed", show_default=True)
@click.option("--silent", is_flag=True, help="Never answer status requests (a printer that is off).")
@click.option("--png", type=click.Path(path_type=Path, dir_okay=False),
              help="Write what was printed to this PNG on exit.")
def printer(port: int, paper: str, cover: str, silent: bool, png: Path | None) -> None:
    """Emulate an ESC/POS network printer on 127.0.0.1:PORT until Ctrl-C (or SIGTERM)."""
    from drivers.printer.emulator import EmulatorServer, PrinterState
    from drivers.printer.preview import save_png
    from drivers.status import PaperState

    state = PrinterState({"ok": PaperState.FULL, "low": PaperState.LOW, "out": PaperState.OUT}[paper],
                         cover == "open", silent)
    server = EmulatorServer(state, port=port)
    click.echo(f"tcp://127.0.0.1:{server.start()}")
    sys.stdout.flush()
    stop = threading.Event()
    stop_on_signals(stop, [signal.SIGTERM])
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if png is not None:
            save_png(server.items, png)
