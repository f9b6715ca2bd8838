"""Check the decrypted content of an envelope and pick out the columns central queries by.

An application is checked against the catalog version it was made under: the item must exist
there and the answers must pass that version's form on the day the citizen submitted. A
failure is a protocol reject with a reason code, not a business decision. An item marked 秒批
also gets its rules' decision (``instant``, not a column): ingest approves it in the transaction
that stores it, or leaves it to a person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from central.platform.catalogs import CatalogArchive
from central.platform.progress import holder_of
from domain.form_check import FormCheck
from domain.instant import Decision, decide
from protocol import supplement
from protocol.envelope import EnvelopeError, Header, is_message_id

Columns = dict[str, Any]


def _object(body: bytes) -> dict[str, Any]:
    """Parse a JSON object body (orjson: UTF-8 only, no NaN, nesting bounded)."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise EnvelopeError("bad_content", "the body is not UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise EnvelopeError("bad_content", "the body is not an object")
    return value


def _string(data: dict[str, Any], name: str, optional: bool = False) -> str | None:
    """Return a string field (None allowed only if ``optional``)."""
    value = data.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > 200:
        raise EnvelopeError("bad_content", f"field {name}")
    return value


def _reference(data: dict[str, Any], name: str) -> str | None:
    """Return an optional message id field (it goes into a 64-character column)."""
    value = data.get(name)
    if value is not None and not is_message_id(value):
        raise EnvelopeError("bad_content", f"field {name} is not a message id")
    return value


def columns(header: Header, body: bytes, archive: CatalogArchive, holder_key: bytes = b"") -> Columns:
    """Validate ``body`` for the header's kind; return the query columns to store beside the envelope."""
    data = _object(body)
    if data.get("id") not in (header.id, None):
        raise EnvelopeError("bad_content", "the body's id is not the envelope's")
    if header.kind == "application":
        return _application(header, data, archive, holder_key)
    if header.kind == "rating":
        level = data.get("level")
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
            raise EnvelopeError("bad_content", "rating level")
        return {"application_id": _reference(data, "application_id"), "level": level}
    if header.kind == "help_request":
        return {"application_id": _reference(data, "application_id"), "item": _string(data, "item", True)}
    if header.kind == "supplement":  # checked against central's record when it is stored (supplements.py)
        return {"supplement": supplement.read(body, header)}
    return {}


def _application(header: Header, data: dict[str, Any], archive: CatalogArchive, holder_key: bytes) -> Columns:
    """Check an application against the catalog version it names."""
    if data.get("terminal_id") != header.terminal:
        raise EnvelopeError("bad_content", "the application names another terminal")
    version, content_hash = _string(data, "catalog_version"), _string(data, "catalog_hash")
    catalog = archive.find(str(version), str(content_hash))
    if catalog is None:
        raise EnvelopeError("unknown_catalog_version", f"{version} {content_hash}")
    code = str(_string(data, "offering_code"))
    try:
        form = archive.form_check(catalog, code)  # prepared once per catalog version
    except KeyError:
        raise EnvelopeError("bad_content", f"item {code}") from None
    instant = _check_answers(form, data)
    number = form.holder_number(data["values"]) if holder_key else None
    holder = None if number is None else holder_of(holder_key, number)
    return {"item": code, "number": _string(data, "number"), "catalog_version": version, "holder": holder,
            "instant": instant}


def _check_answers(form: FormCheck, data: dict[str, Any]) -> Decision | None:
    """Re-run the catalog version's form validation on the day the application was made; decide a 秒批 item."""
    try:
        made = datetime.fromisoformat(str(data.get("created_at")))
    except ValueError:
        raise EnvelopeError("bad_content", "the creation time") from None
    values = data.get("values")
    if not isinstance(values, dict) or not form.passes(values, made.date()):
        raise EnvelopeError("invalid_content", f"the answers do not pass {form.code}'s form")
    return None if form.instant is None else decide(form.instant, values, made.date())
