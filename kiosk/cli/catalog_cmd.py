"""`yichuang catalog …`: list, show and validate service catalogs; install, roll back and show signed releases."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmdline.base import emit, json_option
from domain.export import to_jsonable
from kiosk.cli.context import TerminalContext, pass_terminal

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from domain.catalog import Catalog, Offering


def summary(catalog: Catalog) -> dict[str, Any]:
    """Return the catalog's identity and its items and bundles in brief."""
    return {
        "catalog": {
            "id": catalog.meta.id,
            "version": catalog.version,
            "hash": catalog.content_hash,
            "illustrative": catalog.meta.illustrative,
        },
        "items": [
            {
                "code": i.code,
                "name": to_jsonable(i.name),
                "category": i.category.value,
                "promised_limit_days": i.promised_limit_days,
                "online": i.online,
            }
            for i in catalog.items.values()
        ],
        "bundles": [
            {"code": b.code, "name": to_jsonable(b.name), "items": [i.code for i in b.items]}
            for b in catalog.bundles.values()
        ],
    }


def _render_summary(data: dict[str, Any]) -> str:
    """Render the catalog summary as aligned text."""
    from domain.text import pad

    meta = data["catalog"]
    lines = [f"catalog {meta['id']} {meta['version']} ({meta['hash'][:19]}…)"]
    if meta["illustrative"]:
        lines.append("ILLUSTRATIVE SAMPLE DATA — not an official catalog")
    lines.append(f"\n{len(data['items'])} items")
    for item in data["items"]:
        lines.append(f"  {item['code']:<8} {pad(item['name']['zh'], 30)} {item['promised_limit_days']:>3} d")
    lines.append(f"\n{len(data['bundles'])} bundles (一件事)")
    for bundle in data["bundles"]:
        members = ", ".join(bundle["items"])
        lines.append(f"  {bundle['code']:<8} {pad(bundle['name']['zh'], 30)} {members}")
    return "\n".join(lines)


def describe(offering: Offering) -> str:
    """Render an item or bundle as a guide (办事指南) in Chinese."""
    from domain.catalog import CATEGORY_NAMES, MATERIAL_FORM_NAMES

    first = offering.items[0]
    lines = [f"{offering.code}  {offering.name.zh} / {offering.name.en}"]
    if offering.kind == "bundle":
        lines.append("一件事: " + "、".join(f"{i.code} {i.name.zh}" for i in offering.items))
    else:
        lines += [
            f"类别: {CATEGORY_NAMES[first.category].zh}   部门: {first.department.zh}",
            "受理条件: " + "；".join(c.zh for c in first.conditions),
            f"法定时限: {first.legal_limit_days} 个工作日   收费: {first.fee_note.zh}",
            f"办理结果: {first.result.zh}   白话版: {first.guide.zh}",
        ]
    lines.append(f"承诺时限: {offering.promised_limit_days} 个工作日")
    lines.append("申请材料:")
    for req in offering.materials:
        flags = ("必需" if req.required else "如有") + (", 可容缺" if req.deferrable else "")
        form = MATERIAL_FORM_NAMES[req.form].zh
        lines.append(f"  - {req.material.name.zh} ({form} ×{req.copies}; {flags})")
    lines.append("表单:")
    for group, fields in offering.form.groups():
        lines.append(f"  [{group.title.zh}]")
        for f in fields:
            flag = "*" if f.required else " "
            cond = " (条件显示)" if f.when else ""
            lines.append(f"   {flag} {f.key:<28} {f.type.value:<12} {f.label.zh}{cond}")
    return "\n".join(lines)


@click.group("catalog")
def catalog_group() -> None:
    """List, show and validate service catalogs (事项目录)."""


@catalog_group.command("list")
@json_option
@pass_terminal
def list_command(app: TerminalContext, as_json: bool) -> None:
    """List the items and 一件事 bundles of the configured catalog."""
    emit(summary(app.catalog), as_json, _render_summary)


@catalog_group.command("show")
@click.argument("code")
@json_option
@pass_terminal
def show(app: TerminalContext, code: str, as_json: bool) -> None:
    """Show one item or bundle: its guide, materials and form."""
    offering = app.catalog.offering(code.upper())
    emit(offering, as_json, describe)


@catalog_group.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
@json_option
def validate(path: Path, as_json: bool) -> None:
    """Check a catalog directory; exit 1 naming the file, item and field of a problem."""
    from domain.catalog_loader import load_catalog

    catalog = load_catalog(path)
    result = {
        "valid": True,
        "version": catalog.version,
        "hash": catalog.content_hash,
        "items": len(catalog.items),
        "bundles": len(catalog.bundles),
        "halls": len(catalog.halls),
    }
    emit(result, as_json, lambda r: (
        f"{path}: valid — version {r['version']}, {r['items']} items, "
        f"{r['bundles']} bundles, {r['halls']} halls, {r['hash']}"
    ))


def signing_key(app: TerminalContext) -> Ed25519PublicKey:
    """Load the pinned catalog-signing key named by `[catalog] signing_key`."""
    from kiosk.services.selftest_probes import catalog_key

    return catalog_key(app.config)


@catalog_group.command("install")
@click.argument("path", type=click.Path(path_type=Path, exists=True, file_okay=False))
@pass_terminal
def install(app: TerminalContext, path: Path) -> None:
    """Stage a signed release from a folder (a USB stick): the kiosk switches to it between sessions."""
    staged = app.releases().stage_folder(path, signing_key(app), hall=app.config.terminal.hall)
    click.echo(f"release {staged.serial} (catalog {staged.version}) staged; the kiosk switches to it "
               "between citizen sessions")


@catalog_group.command("rollback")
@pass_terminal
def rollback(app: TerminalContext) -> None:
    """Serve the previous release again (after it, the installed catalog)."""
    now = app.releases().rollback()
    click.echo(f"now serving {'release ' + now if now else 'the installed catalog'}; the kiosk switches "
               "between citizen sessions")


@catalog_group.command("releases")
@json_option
@pass_terminal
def releases(app: TerminalContext, as_json: bool) -> None:
    """Show the active, previous and staged releases, and the last refusal."""
    from dataclasses import asdict

    state = asdict(app.releases().state())
    emit(state, as_json, lambda s: "\n".join(
        f"{name:<9} {s[name] if s[name] is not None else '-'}"
        for name in ("current", "previous", "staged", "serial")
    ) + (f"\nrefused   {s['refused']['reason']}: {s['refused']['message']}" if s["refused"] else ""))
