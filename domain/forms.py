"""Form schemas: fields with semantic keys, question groups and conditions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.text import Text

FieldValue = str | bool | list[str]


class FieldType(StrEnum):
    """The kinds of answers a form can ask for."""

    TEXT = "text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    DATE = "date"
    PHONE = "phone"
    ID_NUMBER = "id_number"
    USCC = "uscc"
    ADDRESS = "address"
    NUMBER = "number"
    MONEY = "money"  # yuan (or 万元 if the label says so), at most two decimals
    ACCOUNT = "account"  # a bank or fund account number: digits only
    CODE = "code"  # a certificate, contract or file number: capital letters, digits and '-'
    CHECKBOX = "checkbox"
    FILE_REF = "file_ref"


CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.MULTI_CHOICE})
ID_PREFILL = "identity.id_number"  # the prefill source of the holder's ID number (the blind index, 补齐)
PREFILL_SOURCES = frozenset(
    f"identity.{name}"
    for name in (
        "document_type", "name", "gender", "nation", "nationality", "birth_date", "address", "id_number",
        "issuing_authority", "valid_from", "valid_until",
    )
)


@dataclass(frozen=True)
class Group:
    """A question group: the kiosk shows one group per screen."""

    id: str
    order: int
    title: Text


@dataclass(frozen=True)
class Option:
    """One answer of a choice field."""

    value: str
    label: Text


@dataclass(frozen=True)
class Condition:
    """Holds when the field ``key`` has one of ``values``."""

    key: str
    values: tuple[str | bool, ...]

    def holds(self, answers: dict[str, FieldValue]) -> bool:
        """Return whether ``answers`` satisfy this condition."""
        answer = answers.get(self.key)
        if isinstance(answer, list):
            return any(value in self.values for value in answer)
        return answer is not None and answer in self.values


@dataclass(frozen=True)
class FormField:
    """A field as a form uses it: library definition plus required flag and conditions."""

    key: str
    group: Group
    type: FieldType
    label: Text
    help: Text | None = None
    prefill: str | None = None
    required: bool = True
    when: tuple[Condition, ...] = ()  # any of them; empty: always applies
    options: tuple[Option, ...] = ()
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = False

    def applies(self, answers: dict[str, FieldValue]) -> bool:
        """Return whether this field is shown given the other answers."""
        return not self.when or any(cond.holds(answers) for cond in self.when)

    def option_label(self, value: str) -> Text | None:
        """Return the label of option ``value``, or None if there is no such option."""
        return next((opt.label for opt in self.options if opt.value == value), None)


@dataclass(frozen=True)
class FormSchema:
    """An ordered set of fields, unique by semantic key."""

    fields: tuple[FormField, ...]

    def __post_init__(self) -> None:
        """Reject a schema that asks the same key twice."""
        keys = [f.key for f in self.fields]
        if len(keys) != len(set(keys)):
            duplicates = sorted({k for k in keys if keys.count(k) > 1})
            raise ValueError(f"form asks for {', '.join(duplicates)} more than once")

    @property
    def keys(self) -> tuple[str, ...]:
        """Return the semantic keys in form order."""
        return tuple(f.key for f in self.fields)

    def holder_number(self, values: dict[str, object]) -> str | None:
        """Return the ID number the card filled in (spaces dropped, upper case), or None when the form holds none."""
        for candidate in self.fields:
            value = values.get(candidate.key)
            if candidate.prefill == ID_PREFILL and isinstance(value, str) and value.strip():
                return "".join(value.split()).upper()
        return None

    def field(self, key: str) -> FormField:
        """Return the field with ``key``."""
        for candidate in self.fields:
            if candidate.key == key:
                return candidate
        raise KeyError(key)

    def groups(self) -> list[tuple[Group, list[FormField]]]:
        """Return the question groups in display order with their fields."""
        order: dict[str, tuple[Group, list[FormField]]] = {}
        for item in self.fields:
            order.setdefault(item.group.id, (item.group, []))[1].append(item)
        return sorted(order.values(), key=lambda pair: (pair[0].order, pair[0].id))

    def applicable(self, answers: dict[str, FieldValue]) -> list[FormField]:
        """Return the fields that apply given ``answers``."""
        return [f for f in self.fields if f.applies(answers)]


def sort_fields(fields: list[FormField]) -> tuple[FormField, ...]:
    """Order fields by group order, keeping their relative order inside a group."""
    return tuple(sorted(fields, key=lambda f: (f.group.order, f.group.id)))
