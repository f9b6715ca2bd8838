"""Typed access to parsed TOML tables that reports the file, the entity and the field."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, TypeVar

from domain.text import Text

E = TypeVar("E", bound=StrEnum)
MAX_DAYS = 365


class CatalogError(Exception):
    """A catalog that cannot be loaded, located by file, entity and field."""

    def __init__(self, file: str, entity: str | None, field: str | None, message: str) -> None:
        """Remember where the problem is and what it is."""
        super().__init__(file, entity, field, message)
        self.file, self.entity, self.field, self.message = file, entity, field, message

    def __str__(self) -> str:
        """Render as 'file: entity: field: message', leaving out unknown parts."""
        parts = [self.file, self.entity, f"field {self.field}" if self.field else None]
        return ": ".join(p for p in parts if p) + f": {self.message}"


class Reader:
    """Reads values from tables of one file, raising located CatalogErrors."""

    def __init__(self, file: str, entity: str | None = None, prefix: str = "") -> None:
        """Read from ``file`` about ``entity``; field names get ``prefix``."""
        self.file, self.entity, self.prefix = file, entity, prefix

    def at(self, code: object, kind: str) -> Reader:
        """Return a reader for one entity (an item, a bundle, a field …) named by ``code``."""
        return Reader(self.file, f"{kind} {code if code is not None else '(no code)'}")

    def sub(self, prefix: str) -> Reader:
        """Return a reader for a nested table of the same entity."""
        return Reader(self.file, self.entity, f"{self.prefix}{prefix}.")

    def error(self, field: str, message: str) -> CatalogError:
        """Build an error located at ``field``."""
        name = f"{self.prefix}{field}".rstrip(".")
        return CatalogError(self.file, self.entity, name or None, message)

    def _get(self, table: dict[str, Any], key: str) -> Any:
        """Return a required value."""
        if key not in table:
            raise self.error(key, "is missing")
        return table[key]

    def table(self, doc: dict[str, Any], key: str) -> dict[str, Any]:
        """Return the required table ``[key]``."""
        value = self._get(doc, key)
        if not isinstance(value, dict):
            raise self.error(key, "must be a table")
        return value

    def array(self, doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
        """Return the required, non-empty array of tables ``[[key]]``."""
        return self.tables(doc, key, required=True)

    def tables(self, table: dict[str, Any], key: str, required: bool) -> list[dict[str, Any]]:
        """Return an array of tables (empty when optional and absent)."""
        if key not in table and not required:
            return []
        value = self._get(table, key)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            raise self.error(key, "must be a non-empty list of tables")
        return value

    def sequence(self, table: dict[str, Any], key: str, required: bool = True) -> list[Any]:
        """Return a list value."""
        if key not in table and not required:
            return []
        value = self._get(table, key)
        if not isinstance(value, list):
            raise self.error(key, "must be a list")
        return value

    def string(self, table: dict[str, Any], key: str) -> str:
        """Return a required non-empty string."""
        value = self._get(table, key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "must be a non-empty string")
        return value.strip()

    def optional_string(self, table: dict[str, Any], key: str) -> str | None:
        """Return a string, or None when absent or empty."""
        if not table.get(key):
            return None
        return self.string(table, key)

    def ident(self, table: dict[str, Any], key: str, pattern: re.Pattern[str]) -> str:
        """Return a string that matches ``pattern``."""
        value = self.string(table, key)
        if not pattern.fullmatch(value):
            raise self.error(key, f"'{value}' does not match {pattern.pattern}")
        return value

    def text(self, table: dict[str, Any], name: str) -> Text:
        """Return the bilingual text ``name_zh`` / ``name_en``."""
        return Text(self.string(table, f"{name}_zh"), self.string(table, f"{name}_en"))

    def optional_text(self, table: dict[str, Any], name: str) -> Text | None:
        """Return a bilingual text, or None when both halves are absent or empty."""
        if not table.get(f"{name}_zh") and not table.get(f"{name}_en"):
            return None
        return self.text(table, name)

    def texts(self, table: dict[str, Any], name: str) -> tuple[Text, ...]:
        """Return paired lists ``name_zh`` / ``name_en`` as bilingual texts."""
        zh, en = self.sequence(table, f"{name}_zh"), self.sequence(table, f"{name}_en")
        if len(zh) != len(en):
            raise self.error(f"{name}_en", f"has {len(en)} entries but {name}_zh has {len(zh)}")
        for index, value in enumerate([*zh, *en]):
            if not isinstance(value, str) or not value.strip():
                lang = "zh" if index < len(zh) else "en"
                raise self.error(f"{name}_{lang}[{index % max(len(zh), 1)}]", "must be a non-empty string")
        return tuple(Text(a, b) for a, b in zip(zh, en, strict=True))

    def integer(self, table: dict[str, Any], key: str) -> int:
        """Return a required integer."""
        value = self._get(table, key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(key, "must be a whole number")
        return value

    def optional_integer(self, table: dict[str, Any], key: str) -> int | None:
        """Return an integer, or None when absent."""
        return None if key not in table else self.integer(table, key)

    def days(self, table: dict[str, Any], key: str) -> int:
        """Return a number of working days between 0 and 365."""
        value = self.integer(table, key)
        if not 0 <= value <= MAX_DAYS:
            raise self.error(key, f"must be between 0 and {MAX_DAYS} working days")
        return value

    def number(self, table: dict[str, Any], key: str) -> float:
        """Return a required non-negative number."""
        value = self._get(table, key)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise self.error(key, "must be a number, 0 or more")
        return float(value)

    def optional_number(self, table: dict[str, Any], key: str) -> float | None:
        """Return a number (which may be negative), or None when absent."""
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self.error(key, "must be a number")
        return float(value)

    def boolean(self, table: dict[str, Any], key: str) -> bool:
        """Return a required true/false."""
        value = self._get(table, key)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value

    def optional_boolean(self, table: dict[str, Any], key: str, default: bool) -> bool:
        """Return a true/false, or ``default`` when absent."""
        return default if key not in table else self.boolean(table, key)

    def enum(self, table: dict[str, Any], key: str, kind: type[E]) -> E:
        """Return a member of ``kind`` named by the value."""
        value = self._get(table, key)
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            raise self.error(key, f"'{value}' is not one of {allowed}") from None

    def enum_list(self, table: dict[str, Any], key: str, kind: type[E]) -> list[E]:
        """Return a list of members of ``kind``."""
        found = []
        for index, value in enumerate(self.sequence(table, key)):
            try:
                found.append(kind(value))
            except ValueError:
                allowed = ", ".join(m.value for m in kind)
                raise self.error(f"{key}[{index}]", f"'{value}' is not one of {allowed}") from None
        return found
