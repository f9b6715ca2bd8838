"""`yichuang demo`: a console walk through the catalog and scripted applications."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmdline.formatting import plural
from domain.data import EXAMPLES
from kiosk.cli.application_cmd import render_preview
from kiosk.cli.catalog_cmd import describe
from kiosk.cli.context import TerminalContext, pass_terminal

if TYPE_CHECKING:
    from domain.application import Application
    from domain.catalog import Catalog, Hall
    from domain.text import Lang
    from kiosk.store.store import Store

COLUMNS = 32


def _step(title: str, pause: float) -> None:
    """Print a step heading and give the viewer a moment."""
    time.sleep(pause)
    click.echo()
    click.secho(f"── {title} " + "─" * max(4, 60 - len(title) * 2), fg="cyan", bold=True)


def _examples() -> list[dict[str, Any]]:
    """Read the scripted applications shipped with the software."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]


def _check(app: TerminalContext, example: dict[str, Any], answers: dict[str, Any], lang: Lang) -> bool:
    """Check one scripted application without storing it; return whether it is valid."""
    from kiosk.services.preview import preview_application

    result = preview_application(
        app.catalog,
        hall_id=app.config.terminal.hall,
        terminal_id=app.config.terminal.id,
        code=example["code"],
        answers=answers,
        deferred=frozenset(example.get("defer", [])),
        now=app.now(),
    )
    click.echo(render_preview(result, lang) if result.receipt is None else "OK")
    return result.receipt is not None


def _submit(app: TerminalContext, store: Store, example: dict[str, Any], lang: Lang, png: Path) -> Application:
    """Submit one scripted application into the encrypted store and print its receipt."""
    from domain.application import Draft, MaterialStatus
    from domain.receipt import layout, render_text
    from drivers.printer.factory import SimulatedPrinter
    from drivers.printer.job import TextMode
    from drivers.printer.preview import save_png
    from kiosk.services.submit import submit_application

    catalog = app.catalog
    offering = catalog.offering(example["code"])
    declared = dict.fromkeys(example.get("defer", []), MaterialStatus.DEFERRED)
    application, receipt = submit_application(
        store, catalog=catalog, hall=catalog.hall(app.config.terminal.hall), terminal_id=app.config.terminal.id,
        draft=Draft(offering, example["answers"], declared), now=app.now(),
    )
    click.echo(render_text(receipt, lang))
    printer = SimulatedPrinter(TextMode(app.config.printer.text_mode), COLUMNS, app.config.printer.charset)
    printer.print_lines(layout(receipt, lang, COLUMNS))
    printer.close()
    picture = save_png(printer.emulator.items, png, COLUMNS)
    printer.emulator.stop()
    click.secho(f"printed to the emulated printer: {picture}", fg="green")
    return application


def _counts(by_state: dict[str, int], one: str, many: str | None = None) -> str:
    """Render counts by state in words: ``2 applications (2 submitted)``."""
    states = ", ".join(f"{n} {state}" for state, n in sorted(by_state.items()))
    return plural(sum(by_state.values()), one, many) + (f" ({states})" if states else "")


def _show_store(store: Store, secrets: list[str], lang: Lang) -> None:
    """Show what the store holds, and that its files hold no personal data in clear."""
    from kiosk.store.inspect import stats

    numbers = stats(store)
    click.echo(f"{store.path}: {_counts(numbers['applications'], 'application')}; "
               f"outbox {_counts(numbers['outbox'], 'entry', 'entries')}")
    files = [p for p in store.path.parent.iterdir() if p.is_file()]
    found = [s for s in secrets if any(s.encode() in p.read_bytes() for p in files)]
    verdict = ("未找到明文个人信息" if lang == "zh" else "no personal data in clear") if not found else f"FOUND {found}"
    click.echo(f"search {len(files)} store files for {len(secrets)} names/ID numbers/phones: {verdict}")


def _show_catalog(catalog: Catalog, hall: Hall, lang: Lang) -> None:
    """Print the catalog's identity and what the hall offers, by category."""
    from domain.catalog import CATEGORY_NAMES

    click.echo(f"{catalog.meta.title.get(lang)}  version {catalog.version}  {catalog.content_hash[:23]}…")
    if catalog.meta.illustrative:
        click.secho(catalog.meta.note.get(lang), fg="yellow")
    items, bundles = catalog.offered_at(hall.id)
    click.echo(f"{hall.name.get(lang)} ({hall.kind}): {len(items)} items, {len(bundles)} bundles")
    for category, count in sorted(Counter(i.category for i in items).items()):
        click.echo(f"  {CATEGORY_NAMES[category].get(lang):<12} {count}")


@click.command("demo")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language (default: terminal.locale).")
@click.option("--pause", type=float, default=0.0, help="Seconds to wait between steps.")
@click.option("--data", type=click.Path(path_type=Path, file_okay=False), default=Path("var/demo"),
              show_default=True, help="Directory of the demo terminal's store and key.")
@pass_terminal
def demo(app: TerminalContext, lang: Lang | None, pause: float, data: Path) -> None:
    """Walk through the catalog and submit scripted applications, in the console."""
    from demo.console_sync import sync_to_central
    from kiosk.store.keys import KeyFileProvider
    from kiosk.store.opening import open_store

    lang = lang or ("en" if app.config.terminal.locale == "en" else "zh")
    catalog = app.catalog
    hall = catalog.hall(app.config.terminal.hall)
    _step("Catalog 事项目录", pause)
    _show_catalog(catalog, hall, lang)
    store = open_store(data / "store.db", KeyFileProvider(data / "store.key"))
    secrets: list[str] = []
    try:
        for example in _examples():
            offering = catalog.offering(example["code"])
            _step(f"办事指南 Guide: {offering.code} {offering.name.get(lang)}", pause)
            click.echo(describe(offering))
            if "typo" in example:
                _step("Submit with a mistyped answer 输入有误", pause)
                _check(app, example, {**example["answers"], **example["typo"]}, lang)
            _step("Submit 提交并打印回执 (encrypted store, outbox)", pause)
            application = _submit(app, store, example, lang, data / f"receipt-{example['code'].lower()}.png")
            secrets += [str(example["answers"][k]) for k in ("applicant.name", "applicant.id_number", "contact.phone")]
        _step("Encrypted store 加密存储", pause)
        _show_store(store, secrets, lang)
        _step("Rating and call staff 好差评 · 呼叫帮办", pause)
        store.rate(str(application.id), 2, "排队时间太长")
        store.request_help("receipt", application.offering_code, str(application.id))
        click.echo("a 不满意 rating and a help request are stored and queued")
        _step("Sync to central 同步到中心 (MQTT 5, TLS, end-to-end encrypted)", pause)
        sync_to_central(store, app.config.terminal.id, hall.id, data / "central", catalog.version)
    finally:
        store.close()
    click.echo()
    click.secho("Demo finished: every scripted application is stored encrypted, printed, and delivered to central "
                "exactly once.", fg="green")
    click.echo(f"Left in {data.absolute()}: the terminal's encrypted store and its key (store.db, store.key), the "
               "receipt images, and under central/ central's database (central.db), its keys (central-keys/) and "
               "the broker's scratch PKI and files (pki/, broker/). Demo data only: delete the folder to start afresh.")

