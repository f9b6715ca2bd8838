"""The guide (办事指南): conditions, materials, time limits, fees, result, delivery, and a QR to read it at home."""

from __future__ import annotations

from collections.abc import Callable

from domain.catalog import Offering
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
        for heading, lines in _sections(offering, app.text, lambda msgid: app.t(msgid, app.lang)):
            content.add_widget(Title(text=app.t(heading, app.lang)))
            for line in lines:
                content.add_widget(Body(text=line))
        self.ids.qr.texture = qr.texture(qr.guide_url(app.kiosk.catalog.meta.progress_url, offering.code))

    def wipe(self) -> None:
        """Clear the guide."""
        super().wipe()
        self.ids.title.text = ""


def _sections(offering: Offering, get: Callable[[Text], str], t: Callable[[str], str]) -> list[tuple[str, list[str]]]:
    """Return the guide's headings (msgids) and lines."""
    items = offering.items
    later = t("(may be handed in later)")
    materials = [f"•{get(m.material.name)} ×{m.copies}" + (f"  {later}" if m.deferrable else "")
                 for m in offering.materials]
    fees = [f"{get(i.name)}: " + (f"¥{i.fee_cny:g}" if i.fee_cny else t("Free")) for i in items]
    delivery = sorted({t(DELIVERY[d.value]) for i in items for d in i.delivery})
    return [
        (N_("Conditions"), [f"•{get(c)}" for i in items for c in i.conditions]),
        (N_("Materials"), materials),
        (N_("Time limit"), [t("{days} working days promised").format(days=offering.promised_limit_days)]),
        (N_("Fees"), fees),
        (N_("Result"), [get(i.result) for i in items]),
        (N_("Delivery"), ["、".join(delivery)] if delivery else []),
    ]
