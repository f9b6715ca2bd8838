"""Review and submit: every answer on one page with a way back to its group, then the materials and where they go."""

from __future__ import annotations

from kivy.uix.boxlayout import BoxLayout

from kiosk.services.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.screens.guide import handed_on, material_note
from kiosk.ui.widgets import BigButton, Body, Title

load_kv(__file__)


class ReviewScreen(KioskScreen):
    """Check everything before submitting."""

    name = "review"
    prompt = "Please check your answers, then submit."

    def show(self) -> None:
        """List the answers group by group (card data masked), each group with an edit button."""
        app = self.kiosk_app
        session = self.begin()
        content = self.ids.content
        if session is None:
            return
        for group, fields in session.groups():
            row = BoxLayout(size_hint_y=None, height=app.theme.target, spacing=app.theme.gap)
            row.add_widget(Title(text=app.text(group.title), font_size=app.theme.text))
            row.add_widget(BigButton(text=app.t("Change", app.lang), size_hint_x=0.3,
                                     on_release=lambda _b, key=fields[0].key: self.edit(key)))
            content.add_widget(row)
            for form_field in fields:
                shown = session.shown(form_field.key, app.lang)
                if shown:
                    content.add_widget(Body(text=f"{app.text(form_field.label)}: {shown}"))
        self._materials(session)

    def _materials(self, session: Session) -> None:
        """List what to hand in at the counter before leaving (optional ones marked), then what comes later."""
        app, content, t = self.kiosk_app, self.ids.content, self.kiosk_app.t
        content.add_widget(Title(text=t("Materials"), font_size=app.theme.text))
        counter = app.text(app.kiosk.hall.counter)
        content.add_widget(Body(text=t("Before you leave, hand these in at {counter}:").format(counter=counter)))
        for requirement in session.offering.materials:
            if requirement.material.id not in session.deferred:
                note = material_note(requirement, t) if not requirement.required else ""
                content.add_widget(Body(text=f"•{app.text(requirement.material.name)} ×{requirement.copies}{note}"))
        for requirement in session.offering.materials:
            if requirement.material.id in session.deferred:
                content.add_widget(Body(text=t("Hand in later: {material}").format(
                    material=app.text(requirement.material.name))))
        for line in handed_on(session.offering, app.text, t):
            content.add_widget(Body(text=line))

    def edit(self, key: str) -> None:
        """Go back to the form's page that asks ``key`` (the first of a group)."""
        app = self.kiosk_app
        if app.session is not None:
            app.session.turn_to(key, app.elder)
        app.go("form")
