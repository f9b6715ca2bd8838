"""`yichuang card …`: read identity cards from any reader URL."""

from __future__ import annotations

import queue
import time
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from cmdline.base import emit, json_option
from domain.masking import mask_id_number, mask_name

if TYPE_CHECKING:
    from domain.identity import Identity
    from drivers.cardreader.errors import CardReaderError
    from drivers.cardreader.pcsc.monitor import CardEvent, CardMonitor
    from drivers.cardreader.port import CardReader

EXIT_NO_CARD, EXIT_DEVICE, EXIT_DATA = 2, 3, 4


def _day(value: date | None) -> str | None:
    """Render an optional date."""
    return value.isoformat() if value else None


def identity_json(identity: Identity, reveal: bool) -> dict[str, Any]:
    """Return the identity with its field names, masked unless ``reveal``."""
    def hide(value: str, masker: Any) -> str:
        return value if reveal or not value else str(masker(value))

    return {
        "document_type": identity.document_type.value,
        "name": hide(identity.name, mask_name),
        "english_name": hide(identity.english_name, mask_name),
        "gender": identity.gender,
        "nation": identity.nation,
        "nationality": identity.nationality,
        "birth_date": _day(identity.birth_date) if reveal else None,
        "address": hide(identity.address, lambda a: a[:6] + "****"),
        "id_number": hide(identity.id_number, mask_id_number),
        "issuing_authority": identity.issuing_authority,
        "valid_from": _day(identity.valid_from),
        "valid_until": "长期" if identity.long_term else _day(identity.valid_until),
        "extra": identity.extra if reveal else dict.fromkeys(identity.extra, "****"),
        "photo_bytes": len(identity.photo),
        "problems": [{"code": p.code.value, "field": p.field} for p in identity.problems],
    }


def _render(data: dict[str, Any]) -> str:
    """Render an identity as aligned text."""
    return "\n".join(f"{key:<18} {value}" for key, value in data.items())


def _one_line(data: dict[str, Any]) -> str:
    """Render an identity in one masked line."""
    return f"{data['document_type']} {data['name']} {data['id_number']}"


def _fail(exc: CardReaderError) -> click.exceptions.Exit:
    """Print one line for a reader failure and return the matching exit."""
    from drivers.cardreader.errors import CardDataError, NoCard

    code = EXIT_NO_CARD if isinstance(exc, NoCard) else EXIT_DATA if isinstance(exc, CardDataError) else EXIT_DEVICE
    click.echo(f"Error: {type(exc).__name__}: {exc} — {exc.citizen.en}", err=True)
    return click.exceptions.Exit(code)


def _open(url: str) -> CardReader:
    """Open the reader a URL names."""
    from drivers.cardreader.factory import open_card_reader

    reader = open_card_reader(url)
    reader.open()
    return reader


url_option = click.option("--url", required=True, help="Reader URL: serial:///dev/ttyUSB0?baud=115200, sim://?card=li")


@click.group("card")
def card_group() -> None:
    """Read resident ID cards (and other identity cards) from a reader."""


@card_group.command("read")
@url_option
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds to wait for a card.")
@click.option("--reveal", is_flag=True, help="Show personal data in full (default: masked).")
@json_option
def read(url: str, timeout: float, reveal: bool, as_json: bool) -> None:
    """Wait for a card and read it. Exit 0 read, 2 no card in time, 3 device error, 4 data error."""
    from drivers.cardreader.errors import CardReaderError, NoCard

    try:
        reader = _open(url)
        try:
            if not reader.wait_for_card(timeout):
                raise NoCard(f"no card within {timeout:g} s")
            identity = reader.read_identity()
        finally:
            reader.close()
    except CardReaderError as exc:
        raise _fail(exc) from None
    emit(identity_json(identity, reveal), as_json, _render)


@card_group.command("watch")
@url_option
@click.option("--count", type=int, default=0, help="Stop after this many cards (0: run until Ctrl-C).")
@json_option
def watch(url: str, count: int, as_json: bool) -> None:
    """Print every card placed on the reader (masked), until Ctrl-C; PC/SC readers also print reader events."""
    from drivers.cardreader.factory import open_card_reader
    from drivers.cardreader.pcsc.monitor import CardMonitor

    reader = open_card_reader(url)
    monitor: CardMonitor | None = None
    events: queue.Queue[CardEvent] = queue.Queue()
    if url.startswith("pcsc://"):
        monitor = CardMonitor(events.put, match=getattr(reader, "match", ""))
        monitor.start()
    seen = 0
    try:
        while not count or seen < count:
            if monitor is not None and not _card_inserted(events.get()):
                continue
            if monitor is None and not _card_placed(reader):
                continue
            seen += _read_and_print(reader, as_json)
    except KeyboardInterrupt:
        pass
    finally:
        if monitor is not None:
            monitor.stop()
        reader.close()


def _card_inserted(event: CardEvent) -> bool:
    """Print a PC/SC event line; return whether a card came in."""
    click.echo(f"{event.at:%H:%M:%S} {event.kind} {event.reader}" + (f" ATR {event.atr}" if event.atr else ""))
    return event.kind == "card_inserted"


def _card_placed(reader: CardReader) -> bool:
    """Poll a serial or simulated reader for a card for a second."""
    from drivers.cardreader.errors import CardReaderError

    try:
        return reader.wait_for_card(1.0)
    except CardReaderError as exc:
        click.echo(f"{type(exc).__name__}: {exc}", err=True)
        time.sleep(1)
        return False


def _read_and_print(reader: CardReader, as_json: bool) -> int:
    """Read the card and print it masked; return 1 if a card was read."""
    from drivers.cardreader.errors import CardReaderError, NoCard

    try:
        identity = reader.read_identity()
    except NoCard:
        return 0
    except CardReaderError as exc:
        click.echo(f"{type(exc).__name__}: {exc}", err=True)
        return 0
    emit(identity_json(identity, False), as_json, _one_line)
    return 1
