"""The terminal as its front ends see it: catalog and hall, store, devices, clock and settings, with every use case.

The kiosk UI (and later voice guidance and the technician screen) call these methods and show
what they return; none of them touches the store or a driver directly. Methods that block
(storage, devices) are called off the UI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519

from domain.application import Application, Draft, supplement_due
from domain.catalog import Catalog, Hall
from domain.forms import FieldType, FormField
from domain.identity import Identity
from domain.receipt import Receipt
from domain.supplement import SupplementReceipt
from domain.text import Lang, Text
from domain.validation import DEFAULT_MAX_LENGTH
from drivers.cardreader.factory import open_card_reader
from drivers.cardreader.port import CardReader
from drivers.printer.factory import open_printer
from drivers.printer.job import TextMode
from drivers.printer.port import Printer
from drivers.speech import Speaker, open_speaker
from drivers.speech.recording import RecordingSpeaker
from kiosk.config import Config, UiSection
from kiosk.services import (
    feedback,
    identify,
    instant,
    printing,
    receipt_key,
    remote,
    selftest,
    supplement,
    technician_card,
)
from kiosk.services.asking import Asker, ack_key, by_card, by_number, central_key, scanned
from kiosk.services.catalogs import CatalogSource
from kiosk.services.devices import DeviceWatch
from kiosk.services.identify import ReadProblem, Refusal
from kiosk.services.idle import IdlePolicy
from kiosk.services.progress import NotFound, Progress
from kiosk.services.selftest import Check
from kiosk.services.selftest_probes import Probes, probes
from kiosk.services.session import Session
from kiosk.services.submit import submit_application
from kiosk.services.textentry import TextEntry
from kiosk.services.voice import Voice, VoiceDefaults
from kiosk.services.writing import InputEngines
from kiosk.store import health, supplements
from kiosk.store.store import Store
from protocol.clock import TrustedClock, utc_now
from protocol.release import ReleaseError

VOUCH_RETRY_S = 3600.0  # between attempts to have the receipt key vouched for
TEST_CARD_WAIT_S = 20  # how long the technician's card-reader test waits for the test card


@dataclass
class Kiosk:
    """The terminal's parts, as the composition root built them, and its use cases."""

    catalog: Catalog
    hall: Hall
    terminal_id: str
    store: Store
    reader: CardReader
    printer: Printer
    settings: UiSection
    now: Callable[[], datetime]
    speaker: Speaker = field(default_factory=RecordingSpeaker)
    catalogs: CatalogSource | None = None  # signed releases, switched between sessions (None: one fixed catalog)
    devices: DeviceWatch = field(init=False)
    idle: IdlePolicy = field(init=False)
    writing: InputEngines = field(init=False)
    voice: Voice = field(init=False)
    probes: Probes | None = None  # what the self-test asks beyond the devices (None: no configuration to ask)
    technician_pin_hash: str = ""  # the technician PIN's scrypt hash (empty: the technician screens stay locked)
    asker: Asker | None = None  # asks central for progress through the sync agent (None: this terminal's word only)
    vouching: ed25519.Ed25519PublicKey | None = None  # central's key that vouches for receipt keys (its ack key)
    reenroll: Callable[[str], str] | None = None  # token -> terminal id (the technician screen; None: CLI only)
    technician_ca: x509.Certificate | None = None  # the fleet's issuing CA: technician cards must come from it
    trusted_now: Callable[[], datetime] = utc_now  # never behind the last known good time: a card's expiry
    technician_crl: Path | None = None  # the fleet's revocation list the sync agent keeps: a card it lists is refused
    receipts: receipt_key.ReceiptSigner | None = field(init=False, default=None)  # signs the receipt QR
    restart_requested: bool = field(init=False, default=False)  # a restart command ran: the UI exits after the session
    _vouch_after: float = field(init=False, default=float("-inf"))

    def __post_init__(self) -> None:
        """Watch the devices; take the timeouts from the settings; the input engines load later."""
        self.devices = DeviceWatch(self.printer, self.reader, self.store, self.store.path.parent,
                                   catalog_loaded=bool(self.catalog.version), speaker=self.speaker)
        remote.finish_restart(self.store)
        self.devices.maintenance = remote.out_for_maintenance(self.store)
        self.idle = IdlePolicy(self.settings.idle_timeout_s, self.settings.warning_s)
        self.writing = InputEngines(self.catalog, self.hall)
        self.voice = Voice(self.speaker, VoiceDefaults(volume=self.settings.voice_volume))
        if self.vouching is not None:
            self.receipts = receipt_key.load(self.store, self.vouching, self.terminal_id)

    def between_sessions(self) -> bool:
        """Run central's commands, serve a new catalog (no session runs); return whether the catalog changed."""
        before = self.catalog
        if remote.run_due(self.store, self.now(), self):
            self.restart_requested = True
        self._switch()
        self.devices.maintenance = remote.out_for_maintenance(self.store)
        self._vouch()
        return self.catalog is not before

    def _vouch(self) -> None:
        """Have central vouch for the receipt key when it is due (asks at most once an hour while it fails)."""
        if self.asker is None or self.vouching is None or time.monotonic() < self._vouch_after:
            return
        self._vouch_after = time.monotonic() + VOUCH_RETRY_S
        self.receipts = receipt_key.renew(self.store, self.asker, self.vouching, self.now().date(), self.receipts)

    def _switch(self) -> None:
        """Serve a newly staged or rolled-back catalog, if there is one."""
        switched = self.catalogs.switch(self.store, self.hall.id) if self.catalogs is not None else None
        if switched is not None:
            self.catalog, self.hall = switched
            self.writing.retarget(self.catalog, self.hall)

    def reload_catalog(self) -> str:
        """A remote command: serve the newest staged release now."""
        self._switch()
        return f"serving catalog {self.catalog.version}"

    def rollback_catalog(self) -> str:
        """A remote command: serve the previous release again."""
        if self.catalogs is None:
            raise ReleaseError("fixed", "this kiosk serves one fixed catalog")
        self.catalogs.releases.rollback()
        self._switch()
        return f"rolled back: serving catalog {self.catalog.version}"

    def roll_back_catalog(self) -> str | None:
        """The technician's rollback: the previous release, once its signature verifies (blocks; ReleaseError).

        Return the release now active (None: the installed catalog); the kiosk serves it between sessions.
        """
        if self.catalogs is None or self.probes is None:
            raise ReleaseError("fixed", "this kiosk serves one fixed catalog")
        self.catalogs.releases.verify_previous(self.probes.catalog_key())
        return self.catalogs.releases.rollback()

    def technician_card(self, pin: str) -> str:
        """Open the technician screens with the technician card on the reader (blocks; CardRefused)."""
        return technician_card.sign_in(self.reader, self.technician_ca, pin, self.store, self.trusted_now,
                                       crl_file=self.technician_crl)

    def print_test_page(self) -> None:
        """A remote command: print the test page."""
        self.printer.print_lines(printing.test_page(self.terminal_id, self.now(), self.printer.columns))

    def self_test(self, lang: Lang) -> tuple[list[Check], bool]:
        """Run the self-test on the kiosk's own devices (recorded for the fleet), print its report (blocks).

        Return the checks and whether the report printed.
        """
        if self.probes is None:
            raise RuntimeError("this kiosk was started without a terminal configuration to test")
        results = selftest.run(selftest.Parts(self.store, self.reader, self.printer, self.speaker, self.probes,
                                              self.terminal_id, self.now))
        return results, selftest.print_report(self.printer, results, lang)

    def read_test_card(self, wanted: Callable[[], bool]) -> ReadProblem | None:
        """Wait for a test card while ``wanted()`` and read it, keeping nothing; return what failed (blocks)."""
        return selftest.read_test_card(self.reader, wanted, TEST_CARD_WAIT_S)

    def maintenance(self) -> bool:
        """Return whether the technician's switch at the terminal put it into maintenance (reads the store)."""
        return health.technician_maintenance(self.store)

    def switch_maintenance(self, on: bool) -> None:
        """The technician's switch: take no citizens (or take them again, unless central holds maintenance)."""
        remote.switch_maintenance(self.store, on)
        self.devices.maintenance = remote.out_for_maintenance(self.store)

    def notice(self) -> Text | None:
        """Return the notice central asked the attract screen to show, or None."""
        return remote.notice(self.store, self.now())

    def urgent_waiting(self) -> bool:
        """Return whether an urgent command waits for the session to end."""
        return remote.urgent_waiting(self.store)

    def start_session(self, code: str) -> Session:
        """Begin a session for item or bundle ``code``."""
        return Session(self.catalog.offering(code), self.now())

    def supplement_due(self, session: Session) -> date:
        """Return the last day to hand in the materials the citizen defers (容缺), as the receipt will say."""
        return supplement_due(self.catalog.calendar, session.started.date())

    def text_entry(self, session: Session, form_field: FormField) -> TextEntry:
        """Start typing ``form_field`` (pinyin joins once the index is open: it starts loading if it is not)."""
        if session.composer is None:
            session.composer = self.writing.composer()
        limit = form_field.max_length or DEFAULT_MAX_LENGTH.get(form_field.type, DEFAULT_MAX_LENGTH[FieldType.TEXT])
        return TextEntry(str(session.answers.get(form_field.key) or ""), limit, session.composer)

    def read_card(self, wanted: Callable[[], bool]) -> Identity:
        """Wait for the citizen's card while ``wanted()`` holds and read it (blocks; CardNotRead)."""
        return identify.read_card(self.reader, wanted)

    def card_refused(self, session: Session, identity: Identity, refused: Refusal) -> None:
        """Record for ops why a card was turned away (blocks)."""
        identify.record_refusal(self.store, session.offering.code, identity, refused)

    def submit(self, draft: Draft) -> tuple[Application, Receipt]:
        """Store an application durably and return it with its receipt (blocks; once it returns, it is safe)."""
        return submit_application(self.store, catalog=self.catalog, hall=self.hall, terminal_id=self.terminal_id,
                                  draft=draft, now=self.now(),
                                  token=self.receipts.token if self.receipts is not None else None)

    def is_instant(self, code: str) -> bool:
        """Return whether the item ``code`` is marked 秒批."""
        return instant.is_instant(self.catalog, code)

    def await_approval(self, application: Application) -> Text | None:
        """Wait a few seconds for central's 秒批 approval; return what the citizen gets, or None (blocks)."""
        return instant.await_approval(self.store, self.catalog, application, self.settings.instant_wait_s)

    def print_receipt(self, receipt: Receipt, lang: Lang) -> None:
        """Print a stored application's receipt (blocks; a PrinterError when it did not print)."""
        printing.print_receipt(self.printer, receipt, lang)

    def progress(self, number: str) -> Progress | NotFound:
        """Return where the application with receipt ``number`` stands: central's word, else this terminal's."""
        return by_number(self.store, self.catalog, self.asker, number)

    def scanned_progress(self, payload: str) -> Progress | NotFound:
        """Return the progress of the application a scanned receipt QR names, once its signature holds (blocks)."""
        number = scanned(payload, self.vouching)
        return number if isinstance(number, NotFound) else self.progress(number)

    def holder_progress(self, identity: Identity) -> list[Progress] | NotFound:
        """Return the card holder's applications as central knows them (blocks; nothing is kept)."""
        return by_card(self.catalog, self.asker, identity.id_number)

    def owed_by(self, identity: Identity) -> supplement.SupplementSession | NotFound:
        """Start a 补齐 for the card's holder: what central (else this terminal) says they owe (blocks)."""
        found = by_card(self.catalog, self.asker, identity.id_number)
        if found is NotFound.NOT_ID:
            return found
        if isinstance(found, NotFound):
            here = supplement.held_here(self.store, self.catalog, identity.id_number)
            if not here:
                return found
            found = here
        waiting = supplements.waiting(self.store)  # supplemented here already, not yet at central: not twice
        return supplement.SupplementSession(identity.id_number, supplement.pending_of(self.catalog, found, waiting))

    def submit_supplement(self, session: supplement.SupplementSession) -> SupplementReceipt:
        """Store the supplement durably and return its 补正 receipt (blocks; SupplementRefused)."""
        return supplement.store_supplement(self.store, self.catalog, self.hall, session, terminal_id=self.terminal_id,
                                           now=self.now())

    def await_supplement(self, record_id: str) -> supplement.Verdict:
        """Wait a few seconds for central's verdict on a stored supplement (blocks)."""
        return supplement.await_verdict(self.store, record_id, self.settings.instant_wait_s)

    def print_supplement(self, receipt: SupplementReceipt, lang: Lang) -> None:
        """Print a stored supplement's 补正 receipt (blocks; a PrinterError when it did not print)."""
        printing.print_supplement_receipt(self.printer, receipt, lang)

    def rate(self, session: Session | None, level: int, reasons: Iterable[str]) -> str:
        """Store the citizen's rating (blocks)."""
        return feedback.rate(self.store, session, level, reasons)

    def call_for_help(self, screen: str, session: Session | None) -> str:
        """Store a help request from ``screen`` (blocks)."""
        return feedback.call_for_help(self.store, screen, session)

    def close(self) -> None:
        """Stop watching and release the devices."""
        self.devices.stop()
        self.writing.close()
        self.reader.close()
        self.printer.close()
        self.speaker.close()


def open_kiosk(config: Config, catalog: Catalog, store: Store, now: Callable[[], datetime], *,
               reader: CardReader | None = None, printer: Printer | None = None,
               settings: UiSection | None = None, catalogs: CatalogSource | None = None,
               reenroll: Callable[[str], str] | None = None) -> Kiosk:
    """Build the terminal from its configuration, opening the configured devices (or the ones given)."""
    if reader is None:
        reader = open_card_reader(config.devices.card_reader)
        reader.open()
    if printer is None:
        printer = open_printer(config.devices.printer, TextMode(config.printer.text_mode), config.printer.paper_mm,
                               config.printer.charset)
    central = central_key(config.sync.central_key)
    return Kiosk(catalog, catalog.hall(config.terminal.hall), config.terminal.id, store, reader, printer,
                 settings or config.ui, now, open_speaker(config.devices.speaker), catalogs,
                 probes=probes(config, store), technician_pin_hash=config.technician.pin_hash,
                 asker=Asker(store, central, config.terminal.id) if central is not None else None,
                 vouching=ack_key(config.sync.ack_key), reenroll=reenroll,
                 technician_ca=technician_card.issuing_ca(config.sync.ca_file),
                 trusted_now=TrustedClock(config.sync.time_file).now, technician_crl=config.sync.crl_path())
