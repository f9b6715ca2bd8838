"""The form: one question group per screen, prefilled from the card, big choices and keypads, inline problems.

Card data is authoritative: fields filled from the card are shown masked and are not edited
here. Digits (phone, ID numbers, numbers, dates) are typed on the large keypad; choices are
big buttons; the domain's own messages say what is wrong, under the field.
"""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.textinput import TextInput

from domain.forms import FieldType, FormField
from kiosk.services.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import DIGIT_KEYS, ID_KEYS, BigButton, Body, Keypad, Title

load_kv(__file__)
KEYPAD_TYPES = {FieldType.PHONE: DIGIT_KEYS, FieldType.ID_NUMBER: ID_KEYS, FieldType.NUMBER: DIGIT_KEYS,
                FieldType.DATE: DIGIT_KEYS}
SELECTED, PLAIN = (0.05, 0.45, 0.2, 1), (0.11, 0.37, 0.73, 1)


def _date_text(digits: str) -> str:
    """Show typed date digits as YYYY-MM-DD."""
    return "-".join(part for part in (digits[:4], digits[4:6], digits[6:8]) if part)


class FormScreen(KioskScreen):
    """Ask one group of questions."""

    name = "form"
    prompt = "Please answer the questions on this page."

    def __init__(self, **kwargs: object) -> None:
        """No field is being typed into yet."""
        super().__init__(**kwargs)
        self.active: FormField | None = None
        self.problems: dict[str, str] = {}
        self.value_buttons: dict[str, BigButton] = {}

    def show(self) -> None:
        """Render the session's current group."""
        app = self.kiosk_app
        session = app.session
        content = self.ids.content
        content.clear_widgets()
        self.ids.keypad_area.clear_widgets()
        if session is None:
            return
        groups = session.groups()
        session.group = min(session.group, len(groups) - 1)
        group, fields = groups[session.group]
        self.ids.title.text = f"{app.text(group.title)}  ({session.group + 1}/{len(groups)})"
        self.value_buttons = {}
        for form_field in fields:
            content.add_widget(self._field(session, form_field))
            if form_field.key in self.problems:
                content.add_widget(Body(text=self.problems[form_field.key], color=(0.75, 0.1, 0.1, 1)))
        if self.active is not None and self.active in fields:
            self._type(self.active)  # keep typing where the citizen was (e.g. after a problem was shown)

    def _field(self, session: Session, form_field: FormField) -> BoxLayout:
        """Build one field's widgets."""
        app = self.kiosk_app
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.theme.gap / 2)
        box.bind(minimum_height=box.setter("height"))
        label = app.text(form_field.label) + ("" if form_field.required else app.t(" (optional)", app.lang))
        box.add_widget(Title(text=label, font_size=app.theme.text))
        if form_field.key in session.from_card:
            box.add_widget(Body(text=session.shown(form_field.key, app.lang) + "  " +
                                app.t("(from your ID card)", app.lang)))
        elif form_field.type in {FieldType.CHOICE, FieldType.MULTI_CHOICE}:
            box.add_widget(self._choices(session, form_field))
        elif form_field.type is FieldType.CHECKBOX:
            ticked = bool(session.answers.get(form_field.key))
            box.add_widget(BigButton(text=("■ " if ticked else "□ ") + app.t("I confirm", app.lang),
                                     background_color=SELECTED if ticked else PLAIN,
                                     on_release=lambda _b: self._set(form_field.key, not ticked)))
        elif form_field.type in KEYPAD_TYPES:
            button = BigButton(text=session.shown(form_field.key, app.lang) or app.t("Tap to type", app.lang),
                               background_color=(0.85, 0.88, 0.93, 1), color=(0, 0, 0, 1),
                               on_release=lambda _b: self._type(form_field))
            self.value_buttons[form_field.key] = button
            box.add_widget(button)
        else:
            box.add_widget(self._text(session, form_field))
        if form_field.help is not None:
            box.add_widget(Body(text=app.text(form_field.help), color=(0.35, 0.35, 0.35, 1)))
        return box

    def _choices(self, session: Session, form_field: FormField) -> BoxLayout:
        """Big buttons, one per option (several may be chosen for a multi-choice)."""
        app = self.kiosk_app
        current = session.answers.get(form_field.key)
        chosen = set(current) if isinstance(current, list) else ({current} if current else set())
        row = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.theme.gap / 2)
        row.bind(minimum_height=row.setter("height"))
        for option in form_field.options:
            def pick(_b: Any, value: str = option.value) -> None:
                if form_field.type is FieldType.MULTI_CHOICE:
                    self._set(form_field.key, sorted(chosen ^ {value}))
                else:
                    self._set(form_field.key, value)
            row.add_widget(BigButton(text=app.text(option.label), on_release=pick,
                                     background_color=SELECTED if option.value in chosen else PLAIN))
        return row

    def _text(self, session: Session, form_field: FormField) -> BoxLayout:
        """A text box (Chinese input comes with a later issue), with the card's address one tap away."""
        app = self.kiosk_app
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.theme.gap / 2)
        box.bind(minimum_height=box.setter("height"))
        entry = TextInput(text=str(session.answers.get(form_field.key) or ""), multiline=False,
                          font_size=app.theme.text, size_hint_y=None, height=app.theme.target)
        entry.bind(text=lambda _w, value: session.answer(form_field.key, value))
        box.add_widget(entry)
        if form_field.type is FieldType.ADDRESS and session.identity is not None and session.identity.address:
            address = session.identity.address
            box.add_widget(BigButton(text=app.t("Use the address on my ID card", app.lang),
                                     on_release=lambda _b: self._set(form_field.key, address)))
        return box

    def _type(self, form_field: FormField) -> None:
        """Open the keypad for a digits field."""
        app = self.kiosk_app
        session = app.session
        if session is None:
            return
        self.active = form_field
        area = self.ids.keypad_area
        area.clear_widgets()
        area.add_widget(Body(text=app.text(form_field.label)))
        keypad = Keypad(max_length=8 if form_field.type is FieldType.DATE else 18)
        keypad.value = "".join(ch for ch in str(session.answers.get(form_field.key) or "") if ch.isalnum())
        keypad.build(KEYPAD_TYPES[form_field.type], lambda value: self._keyed(form_field, value))
        area.add_widget(keypad)

    def _keyed(self, form_field: FormField, value: str) -> None:
        """Store what the keypad holds (dates as YYYY-MM-DD) and show it on the field's button."""
        app = self.kiosk_app
        if app.session is None:
            return
        app.session.answer(form_field.key, _date_text(value) if form_field.type is FieldType.DATE else value)
        self.problems.pop(form_field.key, None)
        shown = app.session.shown(form_field.key, app.lang)
        self.value_buttons[form_field.key].text = shown or app.t("Tap to type", app.lang)

    def _set(self, key: str, value: Any) -> None:
        """Record an answer and redraw (conditions may show or hide fields)."""
        app = self.kiosk_app
        if app.session is None:
            return
        app.session.answer(key, value)
        self.problems.pop(key, None)
        self.show()

    def next(self) -> None:
        """Check this group; go on when it has no problems."""
        app = self.kiosk_app
        session = app.session
        if session is None:
            return
        _, fields = session.groups()[session.group]
        found = session.problems([f.key for f in fields])
        self.problems = {key: app.text(text) for key, text in found.items()}
        if self.problems:
            self.show()
            return
        self.active = None
        if session.group + 1 < len(session.groups()):
            session.group += 1
            self.show()
            return
        app.go("materials" if session.deferrable() else "review")

    def back(self) -> None:
        """Go to the previous group, or back to the identity."""
        app = self.kiosk_app
        session = app.session
        self.problems = {}
        self.active = None
        if session is not None and session.group > 0:
            session.group -= 1
            self.show()
        else:
            app.go("identify")

    def wipe(self) -> None:
        """Clear every answer shown."""
        self.problems = {}
        self.active = None
        self.value_buttons = {}
        self.ids.content.clear_widgets()
        self.ids.keypad_area.clear_widgets()
        self.ids.title.text = ""
