"""Merge the forms and materials of several items into one (一张表单、一套材料)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from kiosk.domain.catalog import FORM_STRICTNESS, MaterialRequirement
from kiosk.domain.forms import Condition, FormField, FormSchema, sort_fields


def merge_forms(forms: Iterable[FormSchema]) -> FormSchema:
    """Return one form asking each semantic key once.

    A merged field is required if any item requires it, and applies if it applies for any
    item: unconditional if any item asks it unconditionally, else under any item's condition.
    """
    merged: dict[str, FormField] = {}
    for form in forms:
        for item in form.fields:
            seen = merged.get(item.key)
            if seen is None:
                merged[item.key] = item
                continue
            when: tuple[Condition, ...] = ()
            if seen.when and item.when:
                when = seen.when + tuple(c for c in item.when if c not in seen.when)
            merged[item.key] = replace(seen, required=seen.required or item.required, when=when)
    return FormSchema(sort_fields(list(merged.values())))


def merge_materials(
    requirements: Iterable[tuple[MaterialRequirement, ...]],
) -> tuple[MaterialRequirement, ...]:
    """Return one material set asking each material once, as strictly as any item asks it."""
    merged: dict[str, MaterialRequirement] = {}
    for item_requirements in requirements:
        for req in item_requirements:
            seen = merged.get(req.material.id)
            if seen is None:
                merged[req.material.id] = req
                continue
            required = seen.required or req.required
            merged[req.material.id] = replace(
                seen,
                required=required,
                deferrable=_deferrable(seen, req),
                form=max(seen.form, req.form, key=FORM_STRICTNESS.index),
                copies=max(seen.copies, req.copies),
                electronic=seen.electronic and req.electronic,
            )
    return tuple(merged.values())


def _deferrable(first: MaterialRequirement, second: MaterialRequirement) -> bool:
    """A merged material may be deferred only if every item that requires it allows that."""
    requiring = [r for r in (first, second) if r.required]
    return bool(requiring) and all(r.deferrable for r in requiring)
