"""Read a catalog's question groups, field definitions and each item's form (which fields, required, when)."""

from __future__ import annotations

import re
from typing import Any

from domain.catalog_reader import Reader
from domain.forms import (
    CHOICE_TYPES,
    PREFILL_SOURCES,
    Condition,
    FieldType,
    FormField,
    FormSchema,
    Group,
    Option,
    sort_fields,
)

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*$")


def field_library(doc: dict[str, Any]) -> dict[str, FormField]:
    """Read question groups and field definitions."""
    base = Reader("fields.toml")
    groups: dict[str, Group] = {}
    for table in base.array(doc, "groups"):
        r = base.at(table.get("id"), "group")
        group = Group(r.ident(table, "id", ID_PATTERN), r.integer(table, "order"), r.text(table, "title"))
        if group.id in groups:
            raise r.error("id", "appears twice")
        groups[group.id] = group
    library: dict[str, FormField] = {}
    for table in base.array(doc, "fields"):
        r = base.at(table.get("key"), "field")
        definition = _field(r, table, groups)
        if definition.key in library:
            raise r.error("key", "appears twice")
        library[definition.key] = definition
    return library


def _field(r: Reader, table: dict[str, Any], groups: dict[str, Group]) -> FormField:
    """Read one field definition."""
    key = r.ident(table, "key", KEY_PATTERN)
    group_id = r.string(table, "group")
    if group_id not in groups:
        raise r.error("group", f"no group '{group_id}' in fields.toml")
    kind = r.enum(table, "type", FieldType)
    options = tuple(
        Option(r.sub(f"options[{i}]").string(o, "value"), r.sub(f"options[{i}]").text(o, "label"))
        for i, o in enumerate(r.tables(table, "options", required=kind in CHOICE_TYPES))
    )
    if kind in CHOICE_TYPES and not options:
        raise r.error("options", "a choice field needs at least one option")
    prefill = r.optional_string(table, "prefill")
    if prefill is not None and prefill not in PREFILL_SOURCES:
        raise r.error("prefill", f"'{prefill}' is not one of {', '.join(sorted(PREFILL_SOURCES))}")
    return FormField(
        key=key,
        group=groups[group_id],
        type=kind,
        label=r.text(table, "label"),
        help=r.optional_text(table, "help"),
        prefill=prefill,
        options=options,
        max_length=r.optional_integer(table, "max_length"),
        min=r.optional_number(table, "min"),
        max=r.optional_number(table, "max"),
        integer=r.optional_boolean(table, "integer", default=False),
    )


def item_form(r: Reader, table: dict[str, Any], library: dict[str, FormField]) -> FormSchema:
    """Build an item's form from its field uses and the library."""
    uses = r.tables(table, "fields", required=True)
    fields: list[FormField] = []
    keys = [str(u.get("key")) for u in uses]
    for i, use in enumerate(uses):
        f = r.sub(f"fields[{i}]")
        key = f.string(use, "key")
        if key not in library:
            raise f.error("key", f"no field '{key}' in fields.toml")
        if keys.count(key) > 1:
            raise f.error("key", f"'{key}' is asked twice")
        when = use.get("when")
        conditions: tuple[Condition, ...] = ()
        if when is not None:
            conditions = (_condition(f.sub("when"), when, keys, library),)
        fields.append(_with_use(library[key], f.boolean(use, "required"), conditions))
    return FormSchema(sort_fields(fields))


def _with_use(definition: FormField, required: bool, when: tuple[Condition, ...]) -> FormField:
    """Return the library field as one item uses it."""
    return FormField(
        definition.key, definition.group, definition.type, definition.label, definition.help,
        definition.prefill, required, when, definition.options, definition.max_length,
        definition.min, definition.max, definition.integer,
    )


def _condition(
    r: Reader, when: Any, keys: list[str], library: dict[str, FormField]
) -> Condition:
    """Read a `when` condition and check it names a field of the same item."""
    if not isinstance(when, dict):
        raise r.error("", "must be a table like { key = \"…\", in = [\"…\"] }")
    key = r.string(when, "key")
    if key not in keys:
        raise r.error("key", f"'{key}' is not a field of this item")
    values = tuple(r.sequence(when, "in"))
    if not values or not all(isinstance(v, str | bool) for v in values):
        raise r.error("in", "needs a list of option values")
    target = library[key]
    if target.options:
        unknown = [v for v in values if isinstance(v, str) and target.option_label(v) is None]
        if unknown:
            raise r.error("in", f"'{unknown[0]}' is not an option of {key}")
    return Condition(key, values)
