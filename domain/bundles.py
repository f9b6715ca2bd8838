"""Merge the forms and materials of several items into one (一张表单、一套材料)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from domain.catalog import DEFAULT_WAYS, FORM_STRICTNESS, MaterialRequirement, ServiceItem
from domain.forms import Condition, FormField, FormSchema, sort_fields


def merge_forms(forms: Iterable[FormSchema]) -> FormSchema:
    """Return one form asking each semantic key once.

    A merged field is shown if any item would show it (always, if any item asks it
    unconditionally). It is required on the merged form only where that is true for every
    item's answers: some item requires it unconditionally, or every item requires it under
    its own condition. Requirements that hold only under some items' conditions are checked
    against each item's own form (``application.check``).
    """
    uses: dict[str, list[FormField]] = {}
    for form in forms:
        for item in form.fields:
            uses.setdefault(item.key, []).append(item)
    merged = []
    for fields in uses.values():
        conditional = all(f.when for f in fields)
        when: tuple[Condition, ...] = tuple(dict.fromkeys(c for f in fields for c in f.when)) if conditional else ()
        required = any(f.required and not f.when for f in fields) or (
            conditional and all(f.required for f in fields)
        )
        merged.append(replace(fields[0], required=required, when=when))
    return FormSchema(sort_fields(merged))


DEFER_COMMITMENT = "declaration.defer_commitment"  # 容缺承诺: a promise to hand in what is deferred


def bundle_form(items: tuple[ServiceItem, ...]) -> FormSchema:
    """Return a bundle's one form: its items' forms merged, without a 容缺 promise when nothing can be deferred."""
    merged = merge_forms(item.form for item in items)
    if any(m.deferrable for m in merge_materials(items)):
        return merged
    return FormSchema(tuple(f for f in merged.fields if f.key != DEFER_COMMITMENT))


def merge_materials(items: Iterable[ServiceItem]) -> tuple[MaterialRequirement, ...]:
    """Return one material set asking each material once, as strictly as any item asks it.

    What an item produces (its ``produces``: a licence, seals) is never asked of the citizen
    by the items after it: the bundle hands it on.
    """
    merged: dict[str, MaterialRequirement] = {}
    produced: set[str] = set()
    for item in items:
        for req in item.materials:
            if req.material.id in produced:
                continue
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
                supplement=tuple(w for w in seen.supplement if w in req.supplement) or DEFAULT_WAYS,
            )
        produced.update(item.produces)
    return tuple(merged.values())


def _deferrable(first: MaterialRequirement, second: MaterialRequirement) -> bool:
    """A merged material may be deferred only if every item that requires it allows that."""
    requiring = [r for r in (first, second) if r.required]
    return bool(requiring) and all(r.deferrable for r in requiring)
