"""The guide (办事指南): conditions, materials, time limits, fees, result, delivery, and a QR to read it at home."""

from __future__ import annotations

from collections.abc import Callable

from domain.catalog import MaterialRequirement, Offering
from domain.text import Text
from kiosk.ui import qr
from kiosk.ui.i18n import N_
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import Body, Title

load_kv(__file__)
DELIVERY = {"window": N_("Collect at a service window"), "mail": N_("By post")}


class GuideScreen(KioskScreen):
    """What an item asks for, before the citizen starts."""

    name = "guide"
    prompt = "Here is the guide. Tap Start when you are ready."

    def show(self) -> None:
        """Fill the guide from the session's offering."""
        app = self.kiosk_app
        session = self.begin()
        content = self.ids.content
        if session is None:
            return
        offering = session.offering
        self.ids.title.text = app.text(offering.name)
        self.ids.start.disabled = not app.availability.can_apply
        if self.ids.start.disabled:  # say why Start cannot be used, before the guide
            why = [app.t("Applications cannot be started here at the moment:", app.lang)]
            content.add_widget(Body(text="\n".join(why + [app.text(r) for r in app.availability.reasons])))
        content.add_widget(Body(text=app.text(offering.guide)))  # the offering's own plain words first
        counter = app.text(app.kiosk.hall.counter)
        for heading, lines in _sections(offering, counter, app.text, lambda msgid: app.t(msgid, app.lang)):
            content.add_widget(Title(text=app.t(heading, app.lang)))
            for line in lines:
                content.add_widget(Body(text=line))
        self.ids.qr.texture = qr.texture(qr.guide_url(app.kiosk.catalog.meta.progress_url, offering.code))

    def wipe(self) -> None:
        """Clear the guide."""
        super().wipe()
        self.ids.title.text = ""


def _sections(
    offering: Offering, counter: str, get: Callable[[Text], str], t: Callable[[str], str]
) -> list[tuple[str, list[str]]]:
    """Return the guide's headings (msgids) and lines."""
    items = offering.items
    fees = [f"{get(i.name)}: " + (f"¥{i.fee_cny:g}" if i.fee_cny else t("Free")) for i in items]
    delivery = sorted({t(DELIVERY[d.value]) for i in items for d in i.delivery})
    hand_in = t("After you submit, hand the materials in at {counter} before you leave.").format(counter=counter)
    return [
        (N_("Conditions"), [f"•{get(c)}" for c in offering.conditions]),
        (N_("Materials"), [*material_lines(offering, get, t), hand_in]),
        (N_("Time limit"), [t("{days} working days promised").format(days=offering.promised_limit_days)
                            if offering.promised_limit_days else t("Done on the spot")]),
        (N_("Fees"), fees),
        (N_("Result"), [get(i.result) for i in items]),
        (N_("Delivery"), ["、".join(delivery)] if delivery else []),
    ]


def material_lines(offering: Offering, get: Callable[[Text], str], t: Callable[[str], str]) -> list[str]:
    """Return one line per material, optional and deferrable ones marked, then what the bundle produces itself."""
    lines = [f"•{get(m.material.name)} ×{m.copies}{material_note(m, t)}" for m in offering.materials]
    return lines + handed_on(offering, get, t)


def material_note(requirement: MaterialRequirement, t: Callable[[str], str]) -> str:
    """Return the mark after a material: optional (only if it applies), may come later (容缺), or nothing."""
    if not requirement.required:
        return " " + t("(optional, only if it applies)")
    return "  " + t("(may be handed in later)") if requirement.deferrable else ""


def handed_on(offering: Offering, get: Callable[[Text], str], t: Callable[[str], str]) -> list[str]:
    """Return the line naming what one item of a bundle produces for the next (none: no line)."""
    if not offering.handed_on:
        return []
    names = "、".join(get(m.name) for m in offering.handed_on)
    return [t("Produced along the way, no need to bring: {materials}").format(materials=names)]
