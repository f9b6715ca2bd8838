"""`yichuang demo`: a console walk through the catalog and scripted applications."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import click

from kiosk.cli.application_cmd import render_preview
from kiosk.cli.base import AppContext, pass_app
from kiosk.cli.catalog_cmd import describe
from kiosk.data import EXAMPLES
from kiosk.domain.catalog import CATEGORY_NAMES
from kiosk.domain.text import Lang
from kiosk.services.preview import preview_application


def _step(title: str, pause: float) -> None:
    """Print a step heading and give the viewer a moment."""
    time.sleep(pause)
    click.echo()
    click.secho(f"── {title} " + "─" * max(4, 60 - len(title) * 2), fg="cyan", bold=True)


def _examples() -> list[dict[str, Any]]:
    """Read the scripted applications shipped with the software."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]


def _apply(app: AppContext, example: dict[str, Any], answers: dict[str, Any], lang: Lang) -> bool:
    """Preview one scripted application; return whether it produced a receipt."""
    result = preview_application(
        app.catalog,
        hall_id=app.config.terminal.hall,
        terminal_id=app.config.terminal.id,
        code=example["code"],
        answers=answers,
        deferred=frozenset(example.get("defer", [])),
        now=app.now(),
    )
    click.echo(render_preview(result, lang))
    return result.receipt is not None


@click.command("demo")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--pause", type=float, default=0.0, help="Seconds to wait between steps.")
@pass_app
def demo(app: AppContext, lang: Lang, pause: float) -> None:
    """Walk through the catalog and submit scripted applications, in the console."""
    catalog = app.catalog
    hall = catalog.halls[app.config.terminal.hall]
    _step("Catalog 事项目录", pause)
    click.echo(f"{catalog.meta.title.get(lang)}  version {catalog.version}  {catalog.content_hash[:23]}…")
    if catalog.meta.illustrative:
        click.secho(catalog.meta.note.get(lang), fg="yellow")
    items, bundles = catalog.offered_at(hall.id)
    click.echo(f"{hall.name.get(lang)} ({hall.kind}): {len(items)} items, {len(bundles)} bundles")
    for category, count in sorted(Counter(i.category for i in items).items()):
        click.echo(f"  {CATEGORY_NAMES[category].get(lang):<12} {count}")
    for example in _examples():
        offering = catalog.offering(example["code"])
        _step(f"办事指南 Guide: {offering.code} {offering.name.get(lang)}", pause)
        click.echo(describe(offering))
        if "typo" in example:
            _step("Submit with a mistyped answer 输入有误", pause)
            _apply(app, example, {**example["answers"], **example["typo"]}, lang)
        _step("Submit 提交并打印回执", pause)
        if not _apply(app, example, example["answers"], lang):
            raise click.ClickException(f"scripted application {example['code']} did not validate")
    click.echo()
    click.secho("Demo finished: every scripted application produced a receipt.", fg="green")

