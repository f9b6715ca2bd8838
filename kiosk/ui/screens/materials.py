"""Materials: the checklist, and the 容缺 items the citizen may hand in later, with their deadline."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.theme import COLOURS
from kiosk.ui.widgets import BigButton, Body

load_kv(__file__)
SELECTED, PLAIN = COLOURS.later, COLOURS.primary


class MaterialsScreen(KioskScreen):
    """Which materials the citizen has with them."""

    name = "materials"
    prompt = "Check the materials. Some may be handed in later."

    def show(self) -> None:
        """List every material; deferrable ones toggle between 'I have it' and 'later'."""
        app = self.kiosk_app
        session = self.begin()
        content = self.ids.content
        if session is None:
            return
        due = app.kiosk.supplement_due(session)
        for requirement in session.offering.materials:
            name = f"{app.text(requirement.material.name)} ×{requirement.copies}"
            if not requirement.deferrable:
                content.add_widget(Body(text="•" + name))
                continue
            later = requirement.material.id in session.deferred
            text = (app.t("{name}: hand in later, by {date}", app.lang).format(name=name, date=due.isoformat())
                    if later else app.t("{name}: I have it with me", app.lang).format(name=name))
            content.add_widget(BigButton(text=text, background_color=SELECTED if later else PLAIN,
                                         on_release=lambda _b, m=requirement.material.id: self.toggle(m)))
        content.add_widget(Body(text=app.t(
            "Materials marked 'later' (容缺) may be handed in after acceptance; the receipt shows the deadline.",
            app.lang)))

    def toggle(self, material: str) -> None:
        """Switch one deferrable material between 'with me' and 'later'."""
        session = self.kiosk_app.session
        if session is not None:
            session.deferred ^= {material}
        self.show()
