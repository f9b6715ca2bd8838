"""Applications (办件): what a citizen submitted, under which catalog, and where it stands."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.calendar import WorkingCalendar
from domain.catalog import Catalog, MaterialRequirement, Offering
from domain.forms import FieldValue
from domain.lifecycle import NEEDS_REASON, Event, State, next_state
from domain.numbering import new_application_id, receipt_number
from domain.validation import ValidationResult, validate

DEFAULT_SUPPLEMENT_DAYS = 5  # working days to hand in a deferred (容缺) material


class MaterialStatus(StrEnum):
    """What the citizen declared about one material."""

    PROVIDED = "provided"
    DEFERRED = "deferred"  # 容缺: owed, with a due date
    NOT_APPLICABLE = "not_applicable"  # an optional material that does not apply


@dataclass(frozen=True)
class MaterialDeclaration:
    """The citizen's declaration about one material of the offering."""

    material_id: str
    status: MaterialStatus
    due: date | None = None


class DeclarationError(ValueError):
    """A material declaration the offering does not allow."""


class AnswersInvalid(ValueError):
    """A draft whose answers do not validate; ``result`` lists every issue."""

    def __init__(self, result: ValidationResult) -> None:
        """Keep the validation result."""
        super().__init__(f"{len(result.errors)} answers need correcting before submission")
        self.result = result


@dataclass(frozen=True)
class ApplicationPart:
    """The share of a bundle application that goes to one item's back office."""

    item_code: str
    values: dict[str, FieldValue]
    materials: tuple[MaterialDeclaration, ...]
    promised_date: date


@dataclass(frozen=True)
class Transition:
    """One step in an application's history."""

    event: Event
    source: State
    target: State
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class Application:
    """An application: immutable; each event returns a new value."""

    id: UUID
    number: str
    terminal_id: str
    offering_code: str
    offering_kind: str
    catalog_version: str
    catalog_hash: str
    values: dict[str, FieldValue]
    materials: tuple[MaterialDeclaration, ...]
    parts: tuple[ApplicationPart, ...]
    created_at: datetime
    promised_date: date
    state: State = State.DRAFT
    history: tuple[Transition, ...] = field(default=())
    promised_estimated: bool = False  # the calendar did not cover the promised date: holidays unknown

    def apply(self, event: Event, at: datetime, note: str = "") -> Application:
        """Return the application after ``event``; raise IllegalTransition and change nothing.

        Refusals and requests for more material need a reason (``note``) for the citizen.
        """
        target = next_state(self.state, event)
        if event in NEEDS_REASON and not note.strip():
            raise ValueError(f"'{event}' needs a reason for the citizen")
        step = Transition(event, self.state, target, at, note)
        return replace(self, state=target, history=(*self.history, step))

    @property
    def owed(self) -> tuple[MaterialDeclaration, ...]:
        """Return the deferred materials still owed."""
        return tuple(m for m in self.materials if m.status is MaterialStatus.DEFERRED)


def declare_materials(
    requirements: tuple[MaterialRequirement, ...],
    declared: dict[str, MaterialStatus],
    due: date,
) -> tuple[MaterialDeclaration, ...]:
    """Check the citizen's declarations: undeclared required materials count as provided,
    undeclared optional ones as not applicable."""
    known = {r.material.id: r for r in requirements}
    unknown = sorted(set(declared) - set(known))
    if unknown:
        raise DeclarationError(f"material '{unknown[0]}' is not asked for by this service")
    result = []
    for req in requirements:
        default = MaterialStatus.PROVIDED if req.required else MaterialStatus.NOT_APPLICABLE
        status = declared.get(req.material.id, default)
        if status is MaterialStatus.DEFERRED and not req.deferrable:
            raise DeclarationError(f"material '{req.material.id}' cannot be handed in later")
        if status is MaterialStatus.NOT_APPLICABLE and req.required:
            raise DeclarationError(f"material '{req.material.id}' is required")
        result.append(MaterialDeclaration(
            req.material.id, status, due if status is MaterialStatus.DEFERRED else None
        ))
    return tuple(result)


@dataclass(frozen=True)
class Draft:
    """Everything needed to create an application, before numbering."""

    offering: Offering
    answers: dict[str, Any]
    declared: dict[str, MaterialStatus] = field(default_factory=dict)


def check(draft: Draft, today: date) -> ValidationResult:
    """Validate a draft's answers against its offering's form and, for a bundle, each item's own form."""
    result = validate(draft.offering.form, draft.answers, today)
    if draft.offering.kind != "bundle":
        return result
    seen = {(i.key, i.code) for i in result.issues}
    asked = set(draft.offering.form.keys)  # an item's question the bundle does not ask is not the citizen's to answer
    extra = []
    for item in draft.offering.items:
        own = {k: v for k, v in draft.answers.items() if k in set(item.form.keys)}
        for found in validate(item.form, own, today).issues:
            if found.key in asked and (found.key, found.code) not in seen:
                seen.add((found.key, found.code))
                extra.append(found)
    return ValidationResult(result.values, (*result.issues, *extra))


def supplement_due(calendar: WorkingCalendar, today: date) -> date:
    """Return the last day to hand in a material accepted as missing (容缺) on ``today``."""
    return calendar.add_working_days(today, DEFAULT_SUPPLEMENT_DAYS)


def create(
    draft: Draft,
    catalog: Catalog,
    terminal_id: str,
    sequence: int,
    now: datetime,
) -> Application:
    """Number a valid draft and return it as a submitted application.

    Raise AnswersInvalid or DeclarationError if the draft cannot be submitted.
    """
    today = now.date()
    result = check(draft, today)
    if not result.ok:
        raise AnswersInvalid(result)
    calendar = catalog.calendar
    materials = declare_materials(draft.offering.materials, draft.declared, supplement_due(calendar, today))
    offering = draft.offering
    application = Application(
        id=new_application_id(),
        number=receipt_number(terminal_id, today, sequence),
        terminal_id=terminal_id,
        offering_code=offering.code,
        offering_kind=offering.kind,
        catalog_version=catalog.version,
        catalog_hash=catalog.content_hash,
        values=result.values,
        materials=materials,
        parts=_parts(offering, result.values, materials, calendar, today),
        created_at=now,
        promised_date=calendar.add_working_days(today, offering.promised_limit_days),
        promised_estimated=not calendar.covers(calendar.add_working_days(today, offering.promised_limit_days)),
    )
    return application.apply(Event.SUBMIT, now)


def _parts(
    offering: Offering,
    values: dict[str, FieldValue],
    materials: tuple[MaterialDeclaration, ...],
    calendar: WorkingCalendar,
    today: date,
) -> tuple[ApplicationPart, ...]:
    """Split the answers and materials into one part per item of the offering."""
    parts = []
    for item in offering.items:
        keys = set(item.form.keys)
        ids = {r.material.id for r in item.materials}
        parts.append(ApplicationPart(
            item.code,
            {k: v for k, v in values.items() if k in keys},
            tuple(m for m in materials if m.material_id in ids),
            calendar.add_working_days(today, item.promised_limit_days),
        ))
    return tuple(parts)
