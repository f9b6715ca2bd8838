"""The kiosk app: screens in a manager, a top bar on every screen, the idle watch and the device watch.

The app owns at most one `Session`. It ends on completion, on a declined notice or on idle
timeout the same way: every screen wipes what it showed, the session object is dropped, and
home is shown. Device checks run off the UI thread every few seconds; when new applications
cannot be taken, home turns into the out-of-service screen until the devices recover.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition

from domain.catalog import Catalog, Hall
from domain.text import Lang, Text
from kiosk.services.availability import Availability
from kiosk.services.idle import IdleAction, reading_s
from kiosk.services.session import Session
from kiosk.services.startup import Startup
from kiosk.services.technician_access import CornerTaps, audit
from kiosk.ui import bridge
from kiosk.ui.i18n import N_, tr
from kiosk.ui.opening import Opening
from kiosk.ui.remote import POLL_S, BetweenSessions
from kiosk.ui.screens import Screens
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.theme import Theme
from kiosk.ui.widgets import restyle
from l10n import speakable

if TYPE_CHECKING:
    from kiosk.services.terminal import Kiosk

log = logging.getLogger(__name__)
DEVICE_CHECK_S = 30.0  # a full check (the disk too); device changes arrive from the pollers at once
STAFF_SCREENS = frozenset({"technician_pin", "technician", "technician_enroll"})
WARM_INPUTS_AFTER_S = 2.0  # the keyboard's engines load after the first frames, not on the start path
NOTICE_S = 6.0  # how long a short message (thank you) stays
KV = str(Path(__file__).with_suffix(".kv"))
STILL_THERE = N_("Are you still there? Your information will be cleared for your privacy.")
OPEN_SCREENS = frozenset({"home", "out_of_service"})  # no session runs on these
# no session either, but what was typed or read there goes when its citizen walks away
LOOKUPS = frozenset({"progress", "supplement"})


def settle_gc() -> None:
    """Keep the collector's full passes off a citizen's taps and keystrokes once what start-up makes is loaded.

    Called once the journey's screens are made after the start, and again once the input engines are loaded.
    Start-up objects (modules, screens, catalog) are frozen out of collection and the young
    generation is made large enough that a keystroke's widgets die by reference count: a full
    pass over the whole heap otherwise stalls a key press by a few hundred milliseconds.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


class KioskApp(App):
    """The citizen's terminal."""

    lang = StringProperty("zh")
    theme = ObjectProperty(None, rebind=True)  # the session's: app.kv's bars follow it; each screen takes it when shown
    idle_warning = BooleanProperty(False)
    countdown = NumericProperty(0)
    notice = StringProperty("")  # a short message over the current screen (e.g. thank you)
    help_coming = BooleanProperty(False)  # staff were called and have not come yet
    voice_on = BooleanProperty(False)  # voice guidance speaks (the citizen's choice, for this session)
    volume = NumericProperty(0)
    elder = BooleanProperty(False)  # elder mode (长辈模式): larger everything, slower voice, longer timeouts
    high_contrast = BooleanProperty(False)  # the high-contrast palette (高对比度)
    staff_only = BooleanProperty(False)  # a technician's screen is shown: citizens' controls such as 呼叫帮办 go
    hall_notice = ObjectProperty(None, allownone=True)  # central's notice for the hall (Text), shown between sessions
    ready = BooleanProperty(False)  # the store and the devices are open and watched (the top bar says 准备中 till then)

    def __init__(self, terminal: Kiosk | Startup, lang: Lang = "zh", **kwargs: Any) -> None:
        """Build the app around the terminal's parts, or around what home needs while they open (`Startup`)."""
        super().__init__(**kwargs)
        self.terminal, self.lang = terminal, lang
        self._kiosk = None if isinstance(terminal, Startup) else terminal
        self.opening = Opening(self, terminal) if isinstance(terminal, Startup) else None
        settings = terminal.settings
        self.theme = Theme(settings.width_px, settings.height_px, settings.panel_inches)
        self.session: Session | None = None
        self.availability = Availability()
        self.browsing = False  # guides opened from the out-of-service screen
        self.last_touch = time.monotonic()
        self.reading_s = 0.0  # how long the screen shown takes to read
        self.manager = Screens(transition=NoTransition())
        self._events: list[Any] = []
        self._notice_event: Any = None
        self.between = BetweenSessions(self)
        self.corner = CornerTaps()  # the technician's hidden gesture

    def t(self, msgid: str, *_rebind: object) -> str:
        """Translate ``msgid`` (kv passes ``app.lang`` too, so texts follow a language change)."""
        return tr(msgid, self.lang)

    def text(self, text: Text) -> str:
        """Return catalog or domain text in the current language."""
        return text.get(self.lang)

    @property
    def kiosk(self) -> Kiosk:
        """Return the open terminal (only home is shown before it is open: see `waits`)."""
        if self._kiosk is None:
            raise RuntimeError("the terminal is not open yet")
        return self._kiosk

    @property
    def catalog(self) -> Catalog:
        """Return the catalog served (the one home was first drawn from, until the terminal is open)."""
        return (self._kiosk or self.terminal).catalog

    @property
    def hall(self) -> Hall:
        """Return this terminal's hall."""
        return (self._kiosk or self.terminal).hall

    def build(self) -> Any:
        """Load the layout and home (other screens come later); watch the terminal, or open it after this frame."""
        root = Builder.load_file(KV)
        self.manager.add_widget(HomeScreen())
        root.ids.stage.add_widget(self.manager)
        Window.bind(on_touch_down=self._touched, on_touch_move=self._touched, on_touch_up=self._touched)
        Window.bind(on_touch_down=self._corner_tap)
        self.bind(lang=lambda *_: self._show(spoken=True))
        if self.opening is not None:
            self.opening.after_first_frame()
        else:
            self._watch()
        self._show(spoken=True)
        return root

    def opened(self, kiosk: Kiosk) -> None:
        """Take the terminal opened after the first frame and start watching it."""
        self._kiosk = kiosk
        self._watch()
        self.speak(self.t(self.current.prompt))  # remembered: voice guidance turned on says it

    def _watch(self) -> None:
        """Start the idle, device and central watches, the search index and the input engines; the terminal is ready."""
        self.volume = self.kiosk.voice.volume
        self._events = [Clock.schedule_interval(self._watch_idle, 1.0),
                        Clock.schedule_interval(lambda _dt: self.check_devices(), DEVICE_CHECK_S),
                        Clock.schedule_interval(self.between.poll, POLL_S)]
        devices = self.kiosk.devices
        devices.start(lambda _snapshot: bridge.on_ui(lambda: self._available(devices.availability())))
        self.check_devices()
        home = self.manager.get_screen("home")
        bridge.run(home.entries, lambda _: None, lambda exc: log.warning("search index: %s", type(exc).__name__))
        self._events.append(Clock.schedule_once(lambda _dt: self._warm_inputs(), WARM_INPUTS_AFTER_S))
        self.manager.prepare(then=settle_gc)  # the start's objects, frozen: no full pass stalls the first citizen
        self.ready = True

    def waits(self, action: Callable[[], None]) -> bool:
        """Return whether ``action`` needs the terminal still opening: it is then kept for it, and the citizen told."""
        if self._kiosk is not None or self.opening is None:
            return False
        self.opening.wait(action)
        return True

    def _warm_inputs(self) -> None:
        """Load the pinyin index, the handwriting model and speech's pinyin off the UI thread, after the first frame."""
        bridge.run(self.kiosk.writing.warm, lambda _: settle_gc(),
                   lambda exc: log.warning("input engines: %s", type(exc).__name__))
        bridge.run(speakable.warm, lambda _: None, lambda exc: log.warning("speech text: %s", type(exc).__name__))

    def on_stop(self) -> None:
        """Stop the watches and forget the layout (a test may build the app again in the same process)."""
        for event in [*self._events, self._notice_event]:
            if event is not None:
                event.cancel()
        self.manager.stop_preparing()
        if self._kiosk is not None:
            self._kiosk.devices.stop()
        if self.opening is not None:
            self.opening.stop()
        Window.unbind(on_touch_down=self._touched, on_touch_move=self._touched, on_touch_up=self._touched)
        Window.unbind(on_touch_down=self._corner_tap)
        if self.root is not None:
            Window.remove_widget(self.root)
        Builder.unload_file(KV)

    def close_terminal(self) -> None:
        """Release the open terminal's devices (the window has closed)."""
        if self._kiosk is not None:
            self._kiosk.close()

    @property
    def current(self) -> KioskScreen:
        """Return the screen shown now."""
        screen: KioskScreen = self.manager.current_screen
        return screen

    def go(self, name: str) -> None:
        """Show screen ``name``, filled from the session, and say its prompt (an urgent command ends the session)."""
        if name != "home" and self.waits(lambda: self.go(name)):
            return
        if self.between.urgent and self.session is not None and name != "receipt":  # a stored application's receipt
            self.end_session()
            return
        self.manager.current = name  # the screen takes the session's theme as it is put on view (Themed)
        self.staff_only = name in STAFF_SCREENS
        self._show(spoken=True)
        self.touched()

    def _show(self, *, spoken: bool = False) -> None:
        """Fill the current screen and note how long it takes to read; say its prompt when ``spoken``."""
        if spoken:
            self.speak(self.t(self.current.prompt))
        self.current.show()
        self.reading_s = reading_s(self.current.words())

    def speak(self, text: str) -> None:
        """Say ``text`` now (when voice guidance is on), cutting off what was being said; nothing before it opens."""
        if self._kiosk is not None:
            self._kiosk.voice.prompt(text, self.lang)

    def toggle_voice(self) -> None:
        """Turn voice guidance on (saying the screen's prompt) or off."""
        if self.waits(self.toggle_voice):
            return
        voice = self.kiosk.voice
        voice.turn_off() if voice.on else voice.turn_on()
        self.voice_on = voice.on

    def toggle_elder(self) -> None:
        """Turn elder mode on (with slow voice guidance) or off, for this session."""
        if self.waits(self.toggle_elder):
            return
        self.elder = not self.elder
        voice = self.kiosk.voice
        if self.elder:
            voice.turn_on(slow=True)
        voice.slow = self.elder
        self.voice_on = voice.on
        self._restyle()
        self._show()  # laid out again: lists paged, one question a page

    def toggle_contrast(self) -> None:
        """Turn the high-contrast palette on or off, for this session."""
        self.high_contrast = not self.high_contrast
        self._restyle()
        self._show()

    def _restyle(self, *, leaving: bool = False) -> None:
        """Apply the session's sizes and palette to what is on view (bars and screen); others take them when shown.

        ``leaving``: the screen on view is being left, so only the bars are restyled.
        """
        theme = self.theme.moded(elder=self.elder, high_contrast=self.high_contrast)
        restyle(self.root, theme, aside=self.manager if leaving else None)
        self.theme = theme  # after its widgets: app.kv's rules on them (a button's colour) win over their own

    def repeat(self) -> None:
        """Say the last thing again."""
        self.kiosk.voice.repeat()

    def louder(self, steps: int) -> None:
        """Turn the voice up (steps > 0) or down by one step, and repeat at the new volume."""
        voice = self.kiosk.voice
        self.volume = voice.louder() if steps > 0 else voice.softer()

    def start(self, code: str) -> None:
        """Begin a session for item or bundle ``code`` at its guide."""
        if self.waits(lambda: self.start(code)):
            return
        self.session = self.kiosk.start_session(code)
        self.hall_notice = None  # the hall's notice is for passers-by; it comes back when the session ends
        self.go("guide")

    def end_session(self) -> None:
        """Wipe every screen, drop the session, and go home."""
        for screen in self.manager.screens:
            screen.wipe()
        self.session = None
        self.browsing = False
        self.idle_warning = False
        self.help_coming = False
        self.notice = ""
        self.kiosk.voice.end_session()
        self.voice_on, self.volume = False, self.kiosk.voice.volume
        shown = "out_of_service" if not self.availability.can_apply else "home"
        if self.elder or self.high_contrast:
            self.elder = self.high_contrast = False
            self._restyle(leaving=self.manager.current != shown)
        self.go(shown)
        self.between.run()

    def browse_guides(self) -> None:
        """Let a citizen read guides while new applications are stopped."""
        self.browsing = True
        self.go("home")

    def switch_language(self) -> None:
        """Toggle between Chinese and English."""
        self.lang = "en" if self.lang == "zh" else "zh"

    def call_staff(self) -> None:
        """Store a help request (the sync agent carries it to central); say help is coming until staff come."""
        if self.waits(self.call_staff):
            return
        session, screen = self.session, self.manager.current
        self.help_coming = True
        bridge.run(lambda: self.kiosk.call_for_help(screen, session), lambda _: None,
                   lambda exc: log.error("help request not stored: %s", type(exc).__name__))

    def staff_came(self) -> None:
        """Staff have come to the terminal: the help-is-coming strip goes."""
        self.help_coming = False

    def say(self, text: str) -> None:
        """Show a short message over the screen for a few seconds."""
        self.notice = text
        if self._notice_event is not None:
            self._notice_event.cancel()
        self._notice_event = Clock.schedule_once(lambda _dt: setattr(self, "notice", ""), NOTICE_S)

    def touched(self) -> None:
        """Count activity now (any touch, or a screen change)."""
        self.last_touch = time.monotonic()
        if self.manager.has_screen("home"):
            self.manager.get_screen("home").stop_attract()
        if self.idle_warning:
            self.idle_warning = False

    def _touched(self, _window: object, _touch: object) -> bool:
        """Note a touch anywhere, and let it through."""
        self.touched()
        return False

    def _corner_tap(self, window: Any, touch: Any) -> bool:
        """Open the technician's PIN keypad on the hidden gesture, only where no session runs."""
        if self.session is None and self.manager.current in OPEN_SCREENS and self.corner.tap(
                touch.x / window.width, touch.y / window.height, time.monotonic()):
            self.go("technician_pin")
        return False

    def _watch_idle(self, dt: float) -> None:
        """Apply the idle policy: attract passers-by on an idle home, warn a citizen, end a session left behind.

        The idle clock stands still while something is being said: no countdown runs over a prompt.
        """
        if self.kiosk.voice.speaking():
            self.last_touch += dt
        idle = time.monotonic() - self.last_touch
        current = self.manager.current
        if current.startswith("technician") and idle >= self.kiosk.idle.timeout_s:
            audit(self.kiosk.store, "idle_exit")
            self.end_session()
            return
        if (self.session is None and current not in LOOKUPS and idle >= self.kiosk.idle.timeout_s
                and (self.elder or self.high_contrast)):
            self.end_session()  # chosen on home by someone who walked away: the next citizen starts normal
            return
        asked = (self.session is not None and current not in OPEN_SCREENS) or current in LOOKUPS
        decision = self.kiosk.idle.decide(idle, in_session=asked,
                                          on_home=current == "home", reading_s=self.reading_s,
                                          slower=self.elder)
        if decision.action is IdleAction.ATTRACT:
            self.manager.get_screen("home").attract()
        elif decision.action in {IdleAction.WARN, IdleAction.END}:
            if not self.idle_warning:
                self.speak(self.t(STILL_THERE))
            self.idle_warning, self.countdown = True, decision.countdown
        if decision.action is IdleAction.END:
            log.info("session ended after %d s without a touch", round(idle))
            self.end_session()

    def check_devices(self) -> None:
        """Poll the devices now, off the UI thread; switch to or from out-of-service on the answer."""
        bridge.run(lambda: self.kiosk.devices.availability(refresh=True), self._available,
                   lambda exc: log.warning("device check failed: %s", type(exc).__name__))

    def _available(self, availability: Availability) -> None:
        """Apply a device check's answer."""
        self.availability = availability
        if self.manager.current == "home" and not availability.can_apply and not self.browsing:
            self.go("out_of_service")
        elif self.manager.current == "out_of_service" and availability.can_apply:
            self.go("home")
        elif self.manager.current == "out_of_service":
            self.current.show()
