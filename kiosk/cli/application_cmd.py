"""`yichuang application …`: work with applications from the command line."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmdline.base import emit, json_option, operator_mistakes, user_errors
from kiosk.cli.context import TerminalContext, pass_terminal

if TYPE_CHECKING:
    from domain.text import Lang
    from kiosk.services.preview import Preview

user_errors("domain.application.DeclarationError")
operator_mistakes("kiosk.cli.application_cmd.ValuesFileError")


class ValuesFileError(ValueError):
    """A values file that is not a JSON object of answers."""


def read_values(path: Path) -> dict[str, Any]:
    """Read answers from a JSON object keyed by semantic field key."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValuesFileError(f"{path}: not valid JSON: {exc}") from None
    except UnicodeDecodeError:
        raise ValuesFileError(f"{path}: not UTF-8 text") from None
    if not isinstance(data, dict):
        raise ValuesFileError(f"{path}: must hold a JSON object of answers keyed by field key")
    return data


def render_preview(result: Preview, lang: Lang) -> str:
    """Render errors and warnings, then the receipt if there is one."""
    from domain.receipt import render_text

    lines = [
        f"{issue.severity.value.upper()}: {issue.key}: {issue.message.get(lang)}"
        for issue in result.validation.issues
    ]
    if result.receipt is not None:
        lines.append(render_text(result.receipt, lang))
    return "\n".join(lines)


def _without_answers(result: Preview) -> Preview:
    """Drop the answers (personal data) from a preview; the receipt in it is masked already."""
    application = result.application
    if application is not None:
        parts = tuple(replace(p, values={}) for p in application.parts)
        application = replace(application, values={}, parts=parts)
    return replace(result, validation=replace(result.validation, values={}), application=application)


@click.group("application")
def application_group() -> None:
    """Check applications and preview their receipts."""


@application_group.command("preview")
@click.option("--item", "code", required=True, help="Item or bundle code, e.g. SB-001 or YJS-001.")
@click.option("--values", "values_path", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="JSON file of answers keyed by semantic field key.")
@click.option("--defer", multiple=True, metavar="MATERIAL", help="Declare a material as owed (容缺).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--reveal", is_flag=True, help="Include the answers in the JSON output (default: left out).")
@json_option
@pass_terminal
def preview(app: TerminalContext, *, code: str, values_path: Path, defer: tuple[str, ...], lang: Lang,
            reveal: bool, as_json: bool) -> None:
    """Validate answers for an item or bundle; list every error or print the receipt."""
    from kiosk.services.preview import preview_application

    config = app.config
    result = preview_application(
        app.catalog,
        hall_id=config.terminal.hall,
        terminal_id=config.terminal.id,
        code=code.upper(),
        answers=read_values(values_path),
        deferred=frozenset(defer),
        now=app.now(),
    )
    emit(result if reveal else _without_answers(result), as_json, lambda r: render_preview(r, lang))
    if result.receipt is None:
        raise click.exceptions.Exit(1)
