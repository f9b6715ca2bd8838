"""The whole catalog by touch: every field of every item and bundle any hall offers gets exactly one touch input.

The walk builds each field as the form screen does and opens its input as a tap would; it fails on
any field whose input is missing, doubled, or of the wrong kind for its type.
"""

from __future__ import annotations

from typing import Any

from kivy.uix.button import Button

from kiosk.services.inputs import KEYED, Input, input_for
from kiosk.ui.inputs.chinese import ChineseKeyboard
from kiosk.ui.inputs.datepicker import DatePicker
from kiosk.ui.inputs.keypads import FieldKeypad
from kiosk.ui.widgets import Body, ValueButton
from tests.kiosk.ui.driver import Driver

OPENS = {Input.DATE: DatePicker, Input.CHINESE: ChineseKeyboard, **dict.fromkeys(KEYED, FieldKeypad)}


def inputs_in(widget: Any) -> list[Any]:
    """Return the touch inputs a field's widget offers (a value button, option buttons, a tick box, a note)."""
    found = [w for w in widget.walk() if isinstance(w, ValueButton)]
    if found:
        return found
    buttons = [w for w in widget.walk() if isinstance(w, Button)]
    return [widget] if buttons or isinstance(widget, Body) else []


def test_every_field_of_every_offering_has_exactly_one_touch_input(kiosk: Driver) -> None:
    app, form = kiosk.app, kiosk.app.manager.get_screen("form")
    offered: dict[str, Any] = {}
    for hall in app.kiosk.catalog.halls:
        items, bundles = app.kiosk.catalog.offered_at(hall)
        offered.update({o.code: o for o in (*items, *bundles)})
    problems, walked, opened_once = [], 0, set()
    for code in sorted(offered):
        app.session = app.kiosk.start_session(code)
        for form_field in app.session.offering.form.fields:
            walked += 1
            kind = input_for(form_field)
            found = inputs_in(form._input(app.session, form_field))
            if len(found) != 1:
                problems.append(f"{code} {form_field.key}: {len(found)} inputs for {kind}")
            elif kind in OPENS and (kind, form_field.max_length) not in opened_once:  # each input once per size
                opened_once.add((kind, form_field.max_length))
                form._type(form_field)
                opened = [w for w in form.ids.keypad_area.walk() if isinstance(w, tuple(OPENS.values()))]
                if [type(w) for w in opened] != [OPENS[kind]]:
                    problems.append(f"{code} {form_field.key}: {kind} opened {[type(w).__name__ for w in opened]}")
        form.wipe()
    app.session = None
    assert walked > 500
    assert problems == []
