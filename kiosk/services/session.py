"""Use case: one citizen's session at the terminal, from the chosen service to the rating.

The kiosk screens only show a session and report taps; every decision (who may apply, which
question groups apply, what an answer's problem is, what a screen may show unmasked) is made
here, in plain Python, so it is testable without a window. A session is dropped whole when it
ends: nothing personal outlives it in the UI process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from domain.application import Application, Draft, MaterialStatus, check
from domain.catalog import MaterialRequirement, Offering
from domain.forms import FieldType, FormField, Group
from domain.identity import Identity
from domain.masking import mask_address, mask_date, mask_id_number, mask_name
from domain.receipt import Receipt
from domain.text import Lang, Text
from domain.validation import Severity
from kiosk.services.identify import Refusal, RefusalCode, refusal

if TYPE_CHECKING:
    from l10n.pinyin import Composer

ELDER_AGE = 65  # a card holder this old is offered elder mode
MASKED_FROM_CARD = {  # card data is shown masked: the citizen confirmed it on the identify screen
    "identity.name": mask_name, "identity.id_number": mask_id_number, "identity.address": mask_address,
    "identity.birth_date": mask_date,
}


@dataclass
class Session:
    """What one citizen has chosen, shown and typed so far."""

    offering: Offering
    started: datetime
    identity: Identity | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    from_card: set[str] = field(default_factory=set)  # keys prefilled from the card (shown masked)
    deferred: set[str] = field(default_factory=set)  # 容缺 materials the citizen will bring later
    page: int = 0  # the form's page shown: a question group, or one question when ``one_question``
    one_question: bool = False  # the pages ``page`` counts are one question each (elder mode)
    application: Application | None = None
    receipt: Receipt | None = None
    printed: bool = False
    composer: Composer | None = None  # this citizen's pinyin: words chosen rank higher, for this session only
    elder_offered: bool = False  # elder mode was offered once (a yes or a no is not asked again)

    @property
    def application_id(self) -> str | None:
        """Return the id of the submitted application, or None before it is stored."""
        return str(self.application.id) if self.application is not None else None

    def submitted(self, application: Application, receipt: Receipt) -> None:
        """Keep the stored application and its receipt (the session shows and prints them from here on)."""
        self.application, self.receipt = application, receipt

    def take_identity(self, identity: Identity) -> Refusal | None:
        """Accept a card's identity and prefill from it; return why it cannot be used (and take nothing), or None."""
        why = refusal(identity, self.offering)
        if why is not None:
            return why
        values = identity.prefill()
        prefilled = {f.key: _typed(f, values[f.prefill]) for f in self.offering.form.fields
                     if f.prefill and f.prefill in values}
        answers = {k: v for k, v in self.answers.items() if k not in self.from_card} | prefilled
        unusable = [key for key in self._problems(answers) if key in prefilled]
        if unusable:  # read-only card data the form would refuse: decided here, never a form nobody can pass
            return Refusal(RefusalCode.CARD_DATA, unusable[0])
        self.identity, self.answers, self.from_card = identity, answers, set(prefilled)
        return None

    def offer_elder(self) -> bool:
        """Return whether to offer elder mode now: the card's holder is 65 or older, and it was not offered yet."""
        born = self.identity.birth_date if self.identity is not None else None
        if self.elder_offered or born is None:
            return False
        return age_on(born, self.started.date()) >= ELDER_AGE

    def groups(self) -> list[tuple[Group, list[FormField]]]:
        """Return the question groups that apply to the answers so far, each with its applicable fields."""
        applicable = {f.key for f in self.offering.form.applicable(self.answers)}
        groups = []
        for group, fields in self.offering.form.groups():
            shown = [f for f in fields if f.key in applicable]
            if shown:
                groups.append((group, shown))
        return groups

    def pages(self, one_question: bool = False) -> list[tuple[Group, list[FormField]]]:
        """Return the form's pages: its groups, or one question each (a group's card data with its first)."""
        if not one_question:
            return self.groups()
        pages = []
        for group, fields in self.groups():
            given = [f for f in fields if f.key in self.from_card]
            asked = [f for f in fields if f.key not in self.from_card]
            pages.append((group, given + asked[:1]))
            pages.extend((group, [f]) for f in asked[1:])
        return pages

    def paged(self, one_question: bool) -> list[tuple[Group, list[FormField]]]:
        """Return the pages in a mode; ``page`` moves to the same question when the mode changes."""
        if one_question != self.one_question:
            before = self.pages(self.one_question)
            self.turn_to(before[min(self.page, len(before) - 1)][1][0].key, one_question)
        pages = self.pages(one_question)
        self.page = min(self.page, len(pages) - 1)
        return pages

    def turn_to(self, key: str, one_question: bool) -> None:
        """Make ``page`` the page that asks field ``key`` in a mode (the first page if no page does)."""
        pages = self.pages(one_question)
        self.one_question = one_question
        self.page = next((n for n, (_, fields) in enumerate(pages) if any(f.key == key for f in fields)), 0)

    def answer(self, key: str, value: Any) -> None:
        """Record an answer (typing over a prefilled value makes it the citizen's own)."""
        self.answers[key] = value
        self.from_card.discard(key)

    def problems(self, keys: list[str] | None = None) -> dict[str, Text]:
        """Return each blocking problem by field (only those of ``keys`` when given)."""
        found = self._problems(self.answers)
        return {key: message for key, message in found.items() if keys is None or key in keys}

    def _problems(self, answers: dict[str, Any]) -> dict[str, Text]:
        """Return each blocking problem of ``answers`` by field."""
        result = check(Draft(self.offering, dict(answers), {}), self.started.date())
        return {i.key: i.message for i in result.issues if i.severity is Severity.ERROR}

    def draft(self) -> Draft:
        """Return the application as it stands."""
        return Draft(self.offering, dict(self.answers), dict.fromkeys(self.deferred, MaterialStatus.DEFERRED))

    def deferrable(self) -> list[MaterialRequirement]:
        """Return the materials that may be handed in after acceptance (容缺)."""
        return [m for m in self.offering.materials if m.deferrable]

    def shown(self, key: str, lang: Lang) -> str:
        """Return an answer as a screen may show it: card data masked, choices by label."""
        value = self.answers.get(key)
        if value is None or value == "":
            return ""
        form_field = self.offering.field(key)
        masker = MASKED_FROM_CARD.get(form_field.prefill or "") if key in self.from_card else None
        if masker is not None:
            return masker(str(value))
        if form_field.prefill == "identity.nationality":
            return _nationality(str(value), lang)
        if form_field.type is FieldType.CHECKBOX:
            return "✓" if value else ""
        if form_field.options:
            chosen = value if isinstance(value, list) else [value]
            return "、".join((form_field.option_label(str(v)) or Text(str(v), str(v))).get(lang) for v in chosen)
        return str(value)


def age_on(born: date, day: date) -> int:
    """Return a person's age in whole years on ``day`` (born 29 February: a year older on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _nationality(code: str, lang: Lang) -> str:
    """Show a card's nationality code by its country's name: 加拿大（CAN）, Canada (CAN)."""
    from l10n.countries import country  # noqa: PLC0415 - pycountry only for a foreigner's card, off the kiosk's start

    name = country(code)
    if name is None:
        return code
    return f"{name.zh}（{code}）" if lang == "zh" else f"{name.en} ({code})"


def _typed(form_field: FormField, value: str) -> Any:
    """Convert a card value to the field's answer type (a card never fills checkboxes or numbers)."""
    if form_field.type is FieldType.MULTI_CHOICE:
        return [value]
    return value
