"""Use case: 进度查询 at this terminal by receipt number, from what the terminal knows, labelled with its age.

The number is checked first (its Luhn mod 34 character catches a mistyped one); an application of
this terminal is shown with its item, its state in words, when it was submitted, central's reason
and the materials still owed — nothing personal, as anyone holding the receipt may ask. What the
terminal knows is as recent as central's last word about it (or the application's receipt by
central), and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.catalog import Catalog
from domain.lifecycle import State
from domain.numbering import NumberError, parse_receipt_number
from domain.text import Text
from kiosk.store import status
from kiosk.store.store import Store

LOOK_ALIKE = str.maketrans("OI", "01")  # receipt numbers hold neither letter: a citizen meant the digit
MAX_NUMBER = 32  # characters of a receipt number at most (a 12-character terminal id, the date, count, check)


class NotFound(StrEnum):
    """Why a number shows nothing."""

    MALFORMED = "malformed"  # not a receipt number (a typo: its check character does not match)
    ELSEWHERE = "elsewhere"  # not made at this terminal, and central could not be asked
    UNKNOWN = "unknown"  # central has no application with this number
    BUSY = "busy"  # central asks this terminal to slow down (many lookups in a row)
    OFFLINE = "offline"  # by card: central could not be asked (this terminal cannot search by holder)
    UNVERIFIED = "unverified"  # a scanned receipt QR whose signature does not hold (or could not be checked)
    NOT_ID = "not_id"  # by card: the card carries no resident ID number (a bank card without one)


@dataclass(frozen=True)
class Progress:
    """Where one application stands, as this terminal knows it."""

    number: str
    item: Text
    state: State
    submitted: datetime
    reason: str
    owed: tuple[Text, ...]
    as_of: datetime | None  # when this terminal last heard of it from central (None: central does not have it yet)
    parked: bool = False  # it could not be sent (central refused it): a clerk must look at it
    live: bool = False  # central's answer just now (else what this terminal last heard)
    due: date | None = None  # the last day to hand in what is owed (补齐)
    owed_ids: tuple[str, ...] = ()  # the owed materials' ids (补齐 at this terminal names them)
    item_code: str = ""


def normal(typed: str) -> str:
    """Return a typed receipt number as stored (upper case, look-alike letters as the digits meant)."""
    return typed.strip().upper().translate(LOOK_ALIKE)


def look_up(store: Store, catalog: Catalog, typed: str) -> Progress | NotFound:
    """Return the progress of the application with receipt number ``typed``, or why there is none."""
    number = normal(typed)
    try:
        parse_receipt_number(number)
    except NumberError:
        return NotFound.MALFORMED
    found = status.by_number(store, number)
    if found is None:
        return NotFound.ELSEWHERE
    heard = found.status
    as_of = heard.heard_at if heard is not None else found.acked_at
    return Progress(number, item_name(catalog, found.offering_code), heard.state if heard is not None else found.state,
                    datetime.fromisoformat(found.created_at), heard.reason if heard is not None else "",
                    owed_names(catalog, heard.owed if heard is not None else ()),
                    datetime.fromisoformat(as_of) if as_of else None, found.parked and heard is None,
                    due=date.fromisoformat(heard.due) if heard is not None and heard.due else None,
                    owed_ids=heard.owed if heard is not None else (), item_code=found.offering_code)


def item_name(catalog: Catalog, code: str) -> Text:
    """Return an item's or bundle's name (its code if a later catalog no longer has it)."""
    return catalog.offering(code).name if code in catalog.items or code in catalog.bundles else Text(code, code)


def owed_names(catalog: Catalog, owed: tuple[str, ...]) -> tuple[Text, ...]:
    """Return the names of owed materials (an id the catalog does not know shows as itself)."""
    names = {r.material.id: r.material.name for code in (*catalog.items, *catalog.bundles)
             for r in catalog.offering(code).materials}
    return tuple(names.get(m, Text(m, m)) for m in owed)
