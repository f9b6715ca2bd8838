"""Home: service categories, 一件事 themes, and search by Chinese or pinyin; an attract loop when idle."""

from __future__ import annotations

from kivy.properties import StringProperty

from domain.catalog import CATEGORY_NAMES, Bundle, Category, ServiceItem
from kiosk.services.inputs import BACKSPACE, edit
from kiosk.services.search import Entry, index, search
from kiosk.ui.i18n import N_
from kiosk.ui.inputs.keys import Key, keys
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import ELDER_PAGE, BigButton, discard, page_turners

load_kv(__file__)
LETTERS = [keys("QWERTYUIOP"), keys("ASDFGHJKL"), [*keys("ZXCVBNM"), Key(BACKSPACE)]]  # rows that never wrap
MAX_QUERY = 20
ATTRACT = (  # what the idle home screen cycles through to invite passers-by
    N_("Apply here, 24 hours a day"), N_("Put your ID card on the reader: no forms to copy out"),
    N_("One-stop themes: several services with one form"), N_("Search by pinyin: type SBK for 社保卡"),
    N_("Need help? Tap Call staff at the top"),
)
BUNDLES = "bundles"
ICONS: dict[str, str] = {  # one large character per area, on a badge: readable from a distance, no icon font needed
    Category.SOCIAL_SECURITY: "社", Category.MEDICAL_INSURANCE: "医", Category.HOUSING_FUND: "金",
    Category.HOUSEHOLD_REGISTRATION: "户", Category.TRAFFIC_POLICE: "警", Category.CIVIL_AFFAIRS: "民",
    Category.EMPLOYMENT: "业", Category.HEALTH: "健", Category.TRANSPORT: "交", Category.REAL_ESTATE: "房",
    Category.BUSINESS_STARTUP: "企", Category.TAX: "税", BUNDLES: "一",
}


class CategoryButton(BigButton):
    """A service area: a large character badge and the area's name."""

    icon = StringProperty("")


class HomeScreen(KioskScreen):
    """Choose what to apply for."""

    name = "home"
    prompt = "Please choose a service"

    def __init__(self, **kwargs: object) -> None:
        """Start on the category list."""
        super().__init__(**kwargs)
        self.category: str | None = None
        self.query = ""
        self.page = 0  # the list's page, in elder mode (a few items at a time)
        self.tip = -1  # the attract loop's current tip (-1: the normal title)
        self._entries: list[Entry] | None = None
        self._listed: tuple[tuple[str, str | None, str], list[BigButton]] | None = None  # the list's last buttons

    def entries(self) -> list[Entry]:
        """Return the search index of this hall's offerings (built once; the app warms it in the background)."""
        if self._entries is None:
            app = self.kiosk_app
            items, bundles = app.catalog.offered_at(app.hall.id)
            self._entries = index([*items, *bundles])
        return self._entries

    def forget_entries(self) -> None:
        """Drop the search index and the list's buttons (the catalog changed): the next show builds them again."""
        self._entries, self._listed = None, None

    def show(self) -> None:
        """List categories, or the chosen category's offerings, or search results."""
        app = self.kiosk_app
        items, bundles = app.catalog.offered_at(app.hall.id)
        self.ids.title.text = app.t(self.prompt, app.lang) if self.tip < 0 else app.t(ATTRACT[self.tip], app.lang)
        self.ids.keypad.build(LETTERS, self.typed)
        self.ids.query.text = self.query or app.t("Type pinyin letters to search, e.g. SBK", app.lang)
        content = self.ids.content
        buttons = self._list(items, bundles)
        discard(content, *buttons)  # the same list in another size (elder mode) keeps its buttons
        per_page = ELDER_PAGE if app.elder else len(buttons)
        self.page = min(self.page, max(0, (len(buttons) - 1) // max(1, per_page)))
        for button in buttons[self.page * per_page:(self.page + 1) * per_page]:
            content.add_widget(button)
        if per_page < len(buttons):
            content.add_widget(page_turners(self.page, -(-len(buttons) // per_page), self.turn))

    def _list(self, items: list[ServiceItem], bundles: list[Bundle]) -> list[BigButton]:
        """Return the list's buttons, made again only when the list changed (not for a change of size or colour)."""
        listed = (self.query, self.category, self.kiosk_app.lang)
        if self._listed is None or self._listed[0] != listed:
            self._listed = (listed, self._buttons(items, bundles))
        return self._listed[1]

    def _buttons(self, items: list[ServiceItem], bundles: list[Bundle]) -> list[BigButton]:
        """Return the list's buttons: the categories, or the chosen category's offerings, or search results."""
        app = self.kiosk_app
        offered: list[ServiceItem | Bundle] = [*items, *bundles]
        if not self.query and not self.category:
            order = {c: n for n, c in enumerate(app.catalog.meta.category_order)}
            buttons: list[BigButton] = [
                CategoryButton(text=f"{app.text(CATEGORY_NAMES[Category(c)])}  ({sum(i.category == c for i in items)})",
                               icon=ICONS[Category(c)], on_release=lambda _b, c=c: self.pick(c))
                for c in sorted({i.category for i in items}, key=lambda c: (order.get(c, len(order)), c))]
            if bundles:
                buttons.append(CategoryButton(text=app.t("One-stop themes (一件事)", app.lang), icon=ICONS[BUNDLES],
                                              on_release=lambda _b: self.pick(BUNDLES)))
            return buttons
        if self.query:
            codes = search(self.entries(), self.query)
            chosen = [o for o in offered if o.code in codes]
        else:
            chosen = list(bundles) if self.category == BUNDLES else [i for i in items if i.category == self.category]
        if not chosen:
            return [BigButton(text=app.t("Nothing found. Show all categories", app.lang),
                              on_release=lambda _b: self.back())]
        return [BigButton(text=app.text(o.name), on_release=lambda _b, code=o.code: app.start(code)) for o in chosen]

    def turn(self, step: int) -> None:
        """Show the next (step 1) or previous (step -1) page of the list."""
        self.page = max(0, self.page + step)
        self.ids.scroll.scroll_y = 1
        self.show()

    def attract(self) -> None:
        """Show the next tip of the attract loop."""
        app = self.kiosk_app
        self.tip = (self.tip + 1) % len(ATTRACT)
        self.ids.title.text = app.t(ATTRACT[self.tip], app.lang)

    def stop_attract(self) -> None:
        """Back to the normal title (someone touched the screen)."""
        if self.tip >= 0:
            self.tip = -1
            self.ids.title.text = self.kiosk_app.t(self.prompt, self.kiosk_app.lang)

    def pick(self, category: str) -> None:
        """Show one category's offerings."""
        self.category, self.query, self.page = category, "", 0
        self.ids.scroll.scroll_y = 1
        self.show()

    def typed(self, key: str) -> None:
        """Search as the citizen types."""
        self.query, self.page = edit(self.query, key, MAX_QUERY), 0
        self.ids.scroll.scroll_y = 1
        self.show()

    def back(self) -> None:
        """Return to the category list."""
        self.category, self.query, self.page = None, "", 0
        self.ids.scroll.scroll_y = 1
        self.show()

    def wipe(self) -> None:
        """Forget the search (it may have been a name)."""
        self.back()
