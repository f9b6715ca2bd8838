"""Materials: where to hand them in, the checklist (optional ones marked), and the 容缺 items that may come later."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.screens.guide import handed_on, material_note
from kiosk.ui.widgets import BigButton, Body

load_kv(__file__)


class MaterialsScreen(KioskScreen):
    """Which materials the citizen has with them."""

    name = "materials"
    prompt = "Check the materials. Some may be handed in later."

    def show(self) -> None:
        """Say where materials go; list each one; deferrable ones toggle between 'I have it' and 'later'."""
        app = self.kiosk_app
        session = self.begin()
        content = self.ids.content
        if session is None:
            return
        t = app.t
        counter = app.text(app.kiosk.hall.counter)
        content.add_widget(Body(text=t("Before you leave, hand these in at {counter}:").format(counter=counter)))
        due = app.kiosk.supplement_due(session)
        for requirement in session.offering.materials:
            name = f"{app.text(requirement.material.name)} ×{requirement.copies}"
            if not requirement.deferrable:
                content.add_widget(Body(text=f"•{name}{material_note(requirement, t)}"))
                continue
            later = requirement.material.id in session.deferred
            text = (t("{name}: hand in later, by {date}").format(name=name, date=due.isoformat())
                    if later else t("{name}: I have it with me").format(name=name))
            content.add_widget(BigButton(text=text, background_color=app.theme.colours.later if later
                                         else app.theme.colours.primary,
                                         on_release=lambda _b, m=requirement.material.id: self.toggle(m)))
        for line in handed_on(session.offering, app.text, t):
            content.add_widget(Body(text=line))
        if any(r.deferrable for r in session.offering.materials):
            content.add_widget(Body(text=t(
                "Materials marked 'later' (容缺) may be handed in after acceptance; the receipt shows the deadline.")))

    def toggle(self, material: str) -> None:
        """Switch one deferrable material between 'with me' and 'later'."""
        session = self.kiosk_app.session
        if session is not None:
            session.deferred ^= {material}
        self.show()
