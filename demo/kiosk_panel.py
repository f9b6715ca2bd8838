"""`yichuang kiosk demo`: the kiosk beside a virtual card tray with the sample identities, the paper, and the receipt.

The devices are the simulated card reader and the printer emulator (`sim://`): the panel places
and lifts simulated cards, switches the emulated printer's paper, shows what the emulator
printed as a picture beside the kiosk screen, and publishes a signed catalog change that the
kiosk serves once no citizen is in a session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.uix.boxlayout import BoxLayout

from demo.release_demo import DemoCentral
from drivers.cardreader.factory import SimulatedReader
from drivers.cardreader.simulator import SAMPLE_CARDS
from drivers.printer.factory import SimulatedPrinter
from drivers.printer.preview import save_png
from drivers.status import PaperState
from kiosk.services.terminal import Kiosk
from kiosk.ui import bridge
from kiosk.ui.app import KioskApp
from kiosk.ui.widgets import BigButton

Builder.load_file(str(Path(__file__).with_suffix(".kv")))
CARD_NAMES = {"zhang": "张三丰", "li": "李秀英 (长期)", "expired": "王小明 (expired)",
              "bad-check": "赵错位 (bad number)", "permit": "陈大文 (港澳居民居住证)"}


class DemoPanel(BoxLayout):
    """Buttons for the simulated devices and the latest receipt."""


class DemoKioskApp(KioskApp):
    """The kiosk with the demo panel on its right."""

    def __init__(self, kiosk: Kiosk, reader: SimulatedReader, printer: SimulatedPrinter, folder: Path,
                 central: DemoCentral, **kwargs: Any) -> None:
        """Remember the simulated devices, where receipt pictures go, and the demo's central."""
        super().__init__(kiosk, **kwargs)
        self.reader, self.printer, self.folder, self.central = reader, printer, folder, central
        self.printed = 0

    def build(self) -> Any:
        """Put the kiosk screen (at its panel's size and aspect) and the demo panel side by side."""
        kiosk_root = super().build()
        frame = BoxLayout(orientation="horizontal")
        kiosk_root.size_hint_x, kiosk_root.width = None, self.kiosk.settings.width_px
        frame.add_widget(kiosk_root)
        panel = DemoPanel()
        for label, name in CARD_NAMES.items():
            panel.ids.cards.add_widget(BigButton(text=name, on_release=lambda _b, c=label: self.place(c)))
        self.panel = panel
        frame.add_widget(panel)
        self._events.append(Clock.schedule_interval(lambda _dt: self.refresh(), 1.0))
        return frame

    def publish_change(self) -> None:
        """Publish a signed catalog change and stage it on this terminal, off the UI thread."""
        self.panel.ids.release.text = "publishing…"
        bridge.run(self.central.publish, lambda said: setattr(self.panel.ids.release, "text", said),
                   lambda exc: setattr(self.panel.ids.release, "text", f"not published: {exc}"))

    def refresh(self) -> None:
        """Show the catalog the kiosk serves and the latest receipt."""
        self.panel.ids.serving.text = f"Catalog served: {self.kiosk.catalog.version}"
        self.refresh_receipt()

    def place(self, label: str) -> None:
        """Put a sample card on the reader."""
        self.reader.simulator.place(SAMPLE_CARDS[label])

    def lift(self) -> None:
        """Take the card away."""
        self.reader.simulator.lift()

    def paper(self, state: str) -> None:
        """Set the emulated printer's paper (the kiosk notices on its next device check)."""
        self.printer.emulator.state.paper = PaperState(state)
        self.check_devices()

    def refresh_receipt(self) -> None:
        """Draw what the emulator printed since the last look."""
        items = self.printer.emulator.items
        if len(items) != self.printed:
            self.printed = len(items)
            self.folder.mkdir(parents=True, exist_ok=True)
            picture = save_png(items, self.folder / f"receipt-{self.printed}.png", self.printer.columns)
            self.panel.ids.receipt.source = str(picture)
