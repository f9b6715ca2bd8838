"""The form: one question group per screen (one question in elder mode), prefilled from the card, inline problems.

Card data is authoritative: fields filled from the card are shown masked and are not edited
here. Each other field gets the input its type calls for (kiosk/services/inputs.py): big
buttons for choices, a picker for dates, a keypad with exactly the keys a number, phone, ID
number, credit code, account or certificate number may hold, and the Chinese keyboard for
text. The input opens beside or below the form, never over the field or the Next button; the
domain's own messages say what is wrong, under the field.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from domain.forms import FieldType, FormField
from kiosk.services.inputs import KEYED, Input, input_for, shown
from kiosk.services.session import Session
from kiosk.ui.inputs.chinese import PINYIN, ChineseKeyboard
from kiosk.ui.inputs.datepicker import DatePicker
from kiosk.ui.inputs.keypads import FieldKeypad
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import ELDER_PAGE, BigButton, Body, Title, ValueButton, discard, page_turners

load_kv(__file__)
LONG_TEXT = 160  # characters of a long answer a field's button shows (its end); the review shows it whole


class FormScreen(KioskScreen):
    """Ask one page of questions: a group, or in elder mode a single question."""

    name = "form"
    prompt = "Please answer the questions on this page."

    def __init__(self, **kwargs: object) -> None:
        """No field is being typed into yet."""
        super().__init__(**kwargs)
        self.active: FormField | None = None
        self.problems: dict[str, str] = {}
        self.value_buttons: dict[str, ValueButton] = {}
        self.typing: Widget | None = None  # the input open for the active field
        self.keyboard_mode = PINYIN  # the Chinese keyboard opens where this citizen last left it
        self.option_pages: dict[str, int] = {}  # the page of a long list of options shown (elder mode)

    def on_kv_post(self, base_widget: object) -> None:
        """Keep the field being typed in sight whenever its input grows or shrinks (a mode change)."""
        self.ids.keypad_area.bind(height=lambda *_: self._in_sight())

    def _in_sight(self) -> None:
        """Scroll the form so the field being typed shows, once the layout has settled (the next frame)."""
        Clock.schedule_once(lambda _dt: self._scroll_to_active(), 0)

    def _scroll_to_active(self) -> None:
        """Scroll to the field being typed now (nothing if the citizen moved on or the page changed)."""
        typed = self.value_buttons.get(self.active.key) if self.active is not None else None
        scroll = self.ids.scroll
        if typed is not None and typed.get_root_window() is not None and self.ids.content.height > scroll.height:
            scroll.scroll_to(typed, padding=self.kiosk_app.theme.gap, animate=False)

    def show(self) -> None:
        """Render the session's current page."""
        app = self.kiosk_app
        session = app.session
        content = self.ids.content
        discard(content)
        discard(self.ids.keypad_area, self.typing)  # the open input may be shown again
        if session is None:
            return
        if self.active is not None and session.one_question != app.elder:
            session.turn_to(self.active.key, app.elder)  # the mode changed while a field was typed: stay on it
        pages = session.paged(app.elder)  # elder mode asks one question a page
        group, fields = pages[session.page]
        self.ids.title.text = f"{app.text(group.title)}  ({session.page + 1}/{len(pages)})"
        self.value_buttons = {}
        for form_field in fields:
            content.add_widget(self._field(session, form_field))
            if form_field.key in self.problems:
                content.add_widget(Body(text=self.problems[form_field.key], color=self.kiosk_app.theme.colours.error))
        if self.active is not None and self.active in fields:
            self._type(self.active, scroll=False, keep=True)  # keep typing where the citizen was

    def _field(self, session: Session, form_field: FormField) -> BoxLayout:
        """Build one field: its label, its one input, its help."""
        app = self.kiosk_app
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.theme.gap / 2)
        box.bind(minimum_height=box.setter("height"))
        label = app.text(form_field.label) + ("" if form_field.required else app.t(" (optional)", app.lang))
        box.add_widget(Title(text=label, font_size=app.theme.text))
        box.add_widget(self._input(session, form_field))
        if form_field.help is not None:
            box.add_widget(Body(text=app.text(form_field.help), color=app.theme.colours.muted))
        return box

    def _input(self, session: Session, form_field: FormField) -> Widget:
        """Return the field's one touch input."""
        app = self.kiosk_app
        kind = input_for(form_field, from_card=form_field.key in session.from_card)
        if kind is Input.FROM_CARD:
            return Body(text=session.shown(form_field.key, app.lang) + "  " + app.t("(from your ID card)", app.lang))
        if kind in {Input.CHOICE, Input.MULTI_CHOICE}:
            return self._choices(session, form_field)
        if kind is Input.CHECKBOX:
            ticked = bool(session.answers.get(form_field.key))
            return BigButton(text=("■ " if ticked else "□ ") + app.t("I confirm", app.lang),
                             background_color=app.theme.colours.chosen if ticked else app.theme.colours.primary,
                             chosen=ticked,
                             on_release=lambda _b: self._set(form_field.key, not ticked))
        if kind is Input.DOCUMENTS:
            return Body(text=app.t("This terminal cannot scan documents: please bring them to a service window.",
                                   app.lang))
        if kind is Input.CHINESE:
            return self._text(session, form_field)
        button = ValueButton(text=self._shown(form_field) or app.t("Tap to type", app.lang),
                             on_release=lambda _b: self._type(form_field))
        self.value_buttons[form_field.key] = button
        return button

    def _shown(self, form_field: FormField) -> str:
        """Return a field's answer as its input shows it (an account in groups of four)."""
        app = self.kiosk_app
        if app.session is None:
            return ""
        kind = input_for(form_field)
        if kind in KEYED:
            return shown(kind, str(app.session.answers.get(form_field.key) or ""))
        text = app.session.shown(form_field.key, app.lang)
        return text if len(text) <= LONG_TEXT else "…" + text[-LONG_TEXT:]  # the end, where typing goes on

    def _choices(self, session: Session, form_field: FormField) -> BoxLayout:
        """Big buttons, one per option (several may be chosen for a multi-choice); a few a page in elder mode."""
        app = self.kiosk_app
        current = session.answers.get(form_field.key)
        chosen = set(current) if isinstance(current, list) else ({current} if current else set())
        row = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.theme.gap / 2)
        row.bind(minimum_height=row.setter("height"))
        options = form_field.options
        per_page = ELDER_PAGE if app.elder else max(1, len(options))
        pages = -(-len(options) // per_page)
        first = next((n for n, o in enumerate(options) if o.value in chosen), 0) // per_page
        page = min(self.option_pages.get(form_field.key, first), max(0, pages - 1))
        for option in options[page * per_page:(page + 1) * per_page]:
            def pick(_b: Any, value: str = option.value) -> None:
                if form_field.type is FieldType.MULTI_CHOICE:
                    self._set(form_field.key, sorted(chosen ^ {value}))
                else:
                    self._set(form_field.key, value)
            row.add_widget(BigButton(text=app.text(option.label), on_release=pick, chosen=option.value in chosen,
                                     background_color=app.theme.colours.chosen if option.value in chosen
                                     else app.theme.colours.primary))
        if pages > 1:
            row.add_widget(page_turners(page, pages, lambda step: self._turn_options(form_field.key, page + step)))
        return row

    def _turn_options(self, key: str, page: int) -> None:
        """Show another page of a field's options (elder mode), keeping what was typed elsewhere."""
        self._leave()
        self.option_pages[key] = max(0, page)
        self.show()

    def _text(self, session: Session, form_field: FormField) -> BoxLayout:
        """The field's text as a button that opens the Chinese keyboard; the card's address one tap away."""
        app = self.kiosk_app
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.theme.gap / 2)
        box.bind(minimum_height=box.setter("height"))
        button = ValueButton(text=self._shown(form_field) or app.t("Tap to type", app.lang),
                             on_release=lambda _b: self._type(form_field))
        self.value_buttons[form_field.key] = button
        box.add_widget(button)
        if form_field.type is FieldType.ADDRESS and session.identity is not None and session.identity.address:
            address = session.identity.address
            box.add_widget(BigButton(text=app.t("Use the address on my ID card", app.lang),
                                     on_release=lambda _b: self._set(form_field.key, address)))
        return box

    def _type(self, form_field: FormField, *, scroll: bool = True, keep: bool = False) -> None:
        """Open the field's input below or beside the form.

        ``scroll`` brings the field in sight; ``keep`` reuses the input already open for it (the page was
        redrawn, e.g. for a language change: a half-picked date or a pending pinyin stays).
        """
        app = self.kiosk_app
        session = app.session
        if session is None:
            return
        area = self.ids.keypad_area
        kept = self.typing if keep and self.active == form_field else None
        if kept is None:
            self._leave()
        self.active = form_field
        discard(area, kept)
        area.add_widget(Body(text=app.text(form_field.label)))
        self.typing = kept or self._input_of(form_field)
        if isinstance(self.typing, ChineseKeyboard):
            self.typing.show()  # its keys in the language now shown
        area.add_widget(self.typing)
        for key, button in self.value_buttons.items():
            button.active = key == form_field.key
        if scroll:
            self._in_sight()

    def _input_of(self, form_field: FormField) -> Widget:
        """Build a new input for ``form_field``, starting from its answer."""
        app = self.kiosk_app
        session = app.session
        assert session is not None  # noqa: S101 - only called while a session runs
        kind, value = input_for(form_field), str(session.answers.get(form_field.key) or "")
        on_change = lambda typed: self._keyed(form_field, typed)  # noqa: E731 - one callback, three inputs
        if kind is Input.DATE:
            return DatePicker(value, session.started.date(), on_change)
        if kind is Input.CHINESE:
            return ChineseKeyboard(app.kiosk.text_entry(session, form_field), app.kiosk.writing, on_change,
                                   mode=self.keyboard_mode, on_mode=lambda mode: setattr(self, "keyboard_mode", mode))
        return FieldKeypad(kind, form_field, value, on_change)

    def _keyed(self, form_field: FormField, value: str) -> None:
        """Store what the keypad or picker holds and show it on the field's button."""
        app = self.kiosk_app
        if app.session is None:
            return
        app.session.answer(form_field.key, value)
        self.problems.pop(form_field.key, None)
        button = self.value_buttons.get(form_field.key)
        if button is not None:
            button.text = self._shown(form_field) or app.t("Tap to type", app.lang)

    def _set(self, key: str, value: Any) -> None:
        """Record an answer and redraw (conditions may show or hide fields)."""
        app = self.kiosk_app
        if app.session is None:
            return
        self._leave()
        app.session.answer(key, value)
        self.problems.pop(key, None)
        self.active = None  # a choice was made elsewhere: the keypad of the last field closes
        self.show()

    def _leave(self) -> None:
        """Letters still pending on the keyboard become words in the field they were typed for."""
        if isinstance(self.typing, ChineseKeyboard):
            self.typing.leave()

    def next(self) -> None:
        """Check this page; go on when it has no problems."""
        app = self.kiosk_app
        session = app.session
        if session is None:
            return
        self._leave()
        _, fields = session.paged(app.elder)[session.page]
        found = session.problems([f.key for f in fields])
        self.problems = {key: app.text(text) for key, text in found.items()}
        first = next((f for f in fields if f.key in self.problems), None)
        if first is None or first != self.active:  # the input stays open only for the field to correct first
            self.active = None
        if self.problems:
            self.show()
            self._first_problem_in_sight()
            return
        if session.page + 1 < len(session.paged(app.elder)):
            self._turn(session, session.page + 1)
            return
        app.go("materials" if session.deferrable() else "review")

    def _first_problem_in_sight(self) -> None:
        """Scroll to the first field the domain found a problem with."""
        first = next((b for key, b in self.value_buttons.items() if key in self.problems), None)
        scroll, gap = self.ids.scroll, self.kiosk_app.theme.gap
        if first is not None:
            Clock.schedule_once(lambda _dt: scroll.scroll_to(first, padding=gap, animate=False), 0)
        else:
            scroll.scroll_y = 1

    def _turn(self, session: Session, page: int) -> None:
        """Show another page of the form, from its top."""
        session.page = page
        self.show()
        self.ids.scroll.scroll_y = 1

    def on_pre_enter(self, *args: object) -> None:
        """A page the citizen comes to from another screen opens at its top too."""
        self.ids.scroll.scroll_y = 1

    def back(self) -> None:
        """Go to the previous page, or back to the identity."""
        app = self.kiosk_app
        session = app.session
        self._leave()
        self.problems = {}
        self.active = None
        if session is not None and session.page > 0:
            self._turn(session, session.page - 1)
        else:
            app.go("identify")

    def wipe(self) -> None:
        """Clear every answer shown."""
        self.problems = {}
        self.active, self.typing = None, None  # the open input holds what was typed
        self.keyboard_mode = PINYIN
        self.value_buttons, self.option_pages = {}, {}
        discard(self.ids.content)
        discard(self.ids.keypad_area)
        self.ids.title.text = ""
