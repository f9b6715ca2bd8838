"""Terminal configuration: typed sections read from one TOML file per terminal."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from domain.text import Lang
from drivers.url import DeviceUrl, DeviceUrlError
from protocol.address import parse_broker

DEFAULT_PATH = Path("/etc/yichuang/terminal.toml")
ENV_VAR = "YICHUANG_CONFIG"


class ConfigError(Exception):
    """A configuration file that cannot be used; the message is one line naming the key."""


def _device_url(kind: str) -> AfterValidator:
    """Build a validator that checks a device URL for ``kind``."""

    def check(value: str) -> str:
        try:
            return str(DeviceUrl.parse(value, kind))
        except DeviceUrlError as exc:
            raise ValueError(str(exc)) from None

    return AfterValidator(check)


def _zone(name: str) -> str:
    """Check that ``name`` is a time zone this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{name}' (e.g. Asia/Shanghai)") from None
    return name


class _Section(BaseModel):
    """Base of every section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TerminalSection(_Section):
    """Who this terminal is and where it stands."""

    id: str = Field(
        default="T0000",
        pattern=r"^[A-HJ-NP-Z][0-9A-HJ-NP-Z]{3,11}$",
        description="Terminal id: 4-12 upper-case letters (no I or O) and digits, starting with a "
        "letter; the certificate CN and the prefix of receipt numbers.",
    )
    hall: str = Field(
        default="lc-center",
        description="Hall profile id from the catalog (which items this terminal offers).",
    )
    timezone: Annotated[str, AfterValidator(_zone)] = Field(
        default="Asia/Shanghai",
        description="IANA time zone for receipts and working days (terminals may run on UTC).",
    )
    locale: Literal["zh_CN", "en"] = Field(
        default="zh_CN", description="Default language of the citizen screens."
    )

    @property
    def lang(self) -> Lang:
        """Return the language the citizen screens start in."""
        return "en" if self.locale == "en" else "zh"


class CatalogSection(_Section):
    """Where the service catalog comes from."""

    path: Annotated[Path | None, BeforeValidator(lambda v: v or None)] = Field(
        default=None,
        description="Installed catalog directory, served while no release is active; empty means the bundled "
        "illustrative sample catalog.",
    )
    releases: Path = Field(
        default=Path("/var/lib/yichuang/catalog"),
        description="Signed catalog releases: chunks, staged and active releases (`yichuang catalog install`).",
    )
    signing_key: Path = Field(
        default=Path("/etc/yichuang/pki/catalog.pub"),
        description="The fleet's catalog-signing public key (Ed25519 PEM, installed at enrollment).",
    )


class DevicesSection(_Section):
    """Peripheral devices, each addressed by URL."""

    card_reader: Annotated[str, _device_url("card_reader")] = Field(
        default="sim://",
        description="ID card reader: serial:///dev/ttyUSB0?baud=115200, pcsc://[reader], sim://",
    )
    printer: Annotated[str, _device_url("printer")] = Field(
        default="sim://",
        description="Receipt printer: tcp://host:9100, serial:///dev/ttyS0?baud=9600, "
        "file:///dev/usb/lp0, usb://VID:PID, sim://",
    )
    speaker: Annotated[str, _device_url("speaker")] = Field(
        default="sim://",
        description="Voice guidance: alsa://default (or alsa://CARD), pulse://, wav:///DIR, sim:// (records), none://",
    )


class StoreSection(_Section):
    """The encrypted local store shared by the kiosk UI and the sync agent."""

    path: Path = Field(
        default=Path("/var/lib/yichuang/store.db"), description="SQLite file of the store (its directory is 0700)."
    )
    key_provider: Literal["tpm", "file", "passphrase"] = Field(
        default="file",
        description="Where the key-encryption key lives: tpm (sealed by the TPM; protects a stolen disk), "
        "file (key_file, mode 600; does not protect a stolen disk), passphrase ($YICHUANG_STORE_PASSPHRASE, "
        "development only).",
    )
    key_file: Path = Field(default=Path("/etc/yichuang/store.key"), description="Key file of the file provider.")
    tpm_dir: Path = Field(
        default=Path("/var/lib/yichuang/tpm"), description="Sealed key blobs of the tpm provider."
    )
    tpm_tcti: str = Field(
        default="device:/dev/tpmrm0", description="How tpm2-tools reach the TPM (e.g. swtpm:port=2321 for tests)."
    )
    tpm_pcrs: tuple[Annotated[int, Field(ge=0, le=23)], ...] = Field(
        default=(7,), min_length=1, max_length=24,
        description="PCRs the TPM-sealed key is bound to (7: the Secure Boot state; a change stops the store).",
    )
    retention_days: int = Field(
        default=7, ge=0, le=365,
        description="Days an acknowledged application stays decryptable (for reprints) before crypto-shredding.",
    )


class PrinterSection(_Section):
    """How the receipt printer takes text and paper."""

    text_mode: Literal["native", "raster"] = Field(
        default="native",
        description="native: GB18030 text in Chinese mode (characters outside `charset` go as images); "
        "raster: every line as an image, for printers without a Chinese font.",
    )
    charset: Literal["gb2312", "gbk", "gb18030"] = Field(
        default="gb2312", description="The characters the printer's own font has; others (生僻字) print as images."
    )
    paper_mm: Literal[58, 80] = Field(default=58, description="Paper width: 58 mm (32 columns) or 80 mm (48 columns).")


def _broker_url(value: str) -> str:
    """Check an ``mqtts://host[:port]`` broker URL."""
    parse_broker(value)
    return value


class SyncSection(_Section):
    """The sync agent's link to central: the broker, this terminal's TLS identity, central's public keys."""

    broker: Annotated[str, AfterValidator(_broker_url)] = Field(
        default="mqtts://localhost:8883", description="The MQTT broker (TLS only): mqtts://host:port."
    )
    ca_file: Path = Field(
        default=Path("/etc/yichuang/pki/ca.pem"), description="CA certificate the broker's is checked against."
    )
    cert_file: Path = Field(
        default=Path("/etc/yichuang/pki/terminal.pem"), description="This terminal's certificate (CN = terminal id)."
    )
    key_file: Path = Field(
        default=Path("/etc/yichuang/pki/terminal.key"),
        description="This terminal's private key: TLS client authentication and envelope signatures.",
    )
    central_key: Path = Field(
        default=Path("/etc/yichuang/pki/uplink.pub"),
        description="Central's X25519 public key: envelopes are encrypted to it.",
    )
    ack_key: Path = Field(
        default=Path("/etc/yichuang/pki/ack.pub"),
        description="Central's Ed25519 public key: acks must carry its signature.",
    )
    command_key: Path = Field(
        default=Path("/etc/yichuang/pki/command.pub"),
        description="The fleet's command-signing public key (Ed25519 PEM, installed at enrollment): remote "
        "commands must carry its signature.",
    )
    time_file: Path = Field(
        default=Path("/var/lib/yichuang/last-good-time"),
        description="The last time known to have passed (from central's signed acks): a terminal whose clock "
        "is wrong (no RTC, booted in 1970) verifies the broker at this time instead.",
    )
    crl_file: Annotated[Path | None, BeforeValidator(lambda v: v or None)] = Field(
        default=None,
        description="The fleet's revocation list as the sync agent last kept it (checked against the pinned CA): "
        "a technician card it lists is refused. Default: crl.pem beside time_file.",
    )
    heartbeat_s: int = Field(
        default=30, ge=5, le=3600,
        description="Seconds between heartbeats to the fleet monitor "
        "(one is also sent at once on a device status change).",
    )
    ack_timeout_s: int = Field(
        default=30, ge=1, le=3600,
        description="Seconds to wait for central's ack before resending; doubles with each attempt, at most an hour.",
    )

    def crl_path(self) -> Path:
        """Return where the sync agent keeps the fleet's revocation list (beside the last good time by default)."""
        return self.crl_file or self.time_file.with_name("crl.pem")


class TechnicianSection(_Section):
    """The technician's credential for the self-test and provisioning screens."""

    pin_hash: str = Field(
        default="",
        description="scrypt hash of the technician PIN, written by `provision enroll` "
        "(empty: technician screens locked).",
    )
    claim_dirs: list[Path] = Field(
        default=[Path("/media/enroll/claim"), Path("/etc/yichuang/claim")], max_length=8,
        description="Where the technician screen's re-enrollment looks for the technician's claim medium "
        "(ca.pem, claim.pem, claim.key): the first folder holding all three is used.",
    )


class LogSection(_Section):
    """Logging (never carries personal data)."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO",
        description="Minimum level the terminal's services (kiosk UI, sync agent) write to the journal; "
        "CLI commands show warnings only, or everything with --debug.",
    )


class UiSection(_Section):
    """The citizen screens: the panel, timeouts, kiosk mode."""

    panel_inches: float = Field(
        default=21.5, ge=7, le=100, description="Diagonal of the touch panel in inches: sizes are set in millimetres."
    )
    width_px: int = Field(default=1080, ge=320, le=7680, description="Panel width in pixels (portrait: 1080).")
    height_px: int = Field(default=1920, ge=320, le=7680, description="Panel height in pixels (portrait: 1920).")
    fullscreen: bool = Field(
        default=True, description="Kiosk mode: borderless fullscreen, no cursor, Escape does not exit."
    )
    idle_timeout_s: int = Field(
        default=60, ge=15, le=900, description="Seconds without a touch before the citizen is asked to continue."
    )
    warning_s: int = Field(
        default=30, ge=20, le=300, description="Seconds the 'continue' question stays before the session is wiped."
    )
    voice_volume: int = Field(
        default=6, ge=1, le=10, description="Voice guidance volume (1-10) each session starts at."
    )
    instant_wait_s: float = Field(
        default=6, ge=0, le=30, description="Seconds a 秒批 item's receipt waits for central's approval before "
        "printing the ordinary receipt, and a 补正 receipt for central's word on the supplement (0: never waits).",
    )


class Config(_Section):
    """The whole terminal configuration."""

    terminal: TerminalSection = TerminalSection()
    catalog: CatalogSection = CatalogSection()
    devices: DevicesSection = DevicesSection()
    store: StoreSection = StoreSection()
    printer: PrinterSection = PrinterSection()
    sync: SyncSection = SyncSection()
    technician: TechnicianSection = TechnicianSection()
    ui: UiSection = UiSection()
    log: LogSection = LogSection()


def _one_line(exc: ValidationError) -> str:
    """Describe the first validation error as 'key: problem'."""
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown setting (check the spelling)"
    more = len(exc.errors()) - 1
    return f"{key}: {message}" + (f" (and {more} more)" if more else "")


def parse_config(data: dict[str, Any], source: str = "<config>") -> Config:
    """Validate parsed TOML ``data``; raise ConfigError naming ``source`` and the key."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"config {source}: {_one_line(exc)}") from None


def toml_value(value: Any) -> str:
    """Render one setting's value as TOML (strings quoted, lists as arrays)."""
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def render_config(config: Config, heading: str = "") -> str:
    """Render a whole configuration as TOML that loads back to the same values (``heading``: a comment on top)."""
    lines = [f"# {heading}"] if heading else []
    for section, values in config.model_dump(mode="json").items():
        lines.append(f"\n[{section}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines).lstrip("\n") + "\n"


def write_private(path: Path, text: str) -> None:
    """Write a configuration file readable by its owner only (0600 from the first byte, whatever the umask).

    terminal.toml holds the technician PIN's hash and where the keys are: no other local user reads it.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)  # a file that was already there keeps its old mode otherwise
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def load_config(path: Path | None = None) -> Config:
    """Load the configuration from ``path``, $YICHUANG_CONFIG, the default path, or defaults."""
    explicit = path is not None or ENV_VAR in os.environ
    chosen = path or Path(os.environ.get(ENV_VAR, str(DEFAULT_PATH)))
    if not chosen.exists():
        if explicit:
            raise ConfigError(f"config {chosen}: file not found")
        return Config()
    try:
        data = tomli.loads(chosen.read_text(encoding="utf-8"))
    except tomli.TOMLDecodeError as exc:
        raise ConfigError(f"config {chosen}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config {chosen}: cannot read: {exc}") from None
    return parse_config(data, str(chosen))
