"""`yichuang central import FILE`: a replaced terminal's unsynced applications, from the USB stick it wrote."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import click

from central.cli.options import db_option, keys_options, open_engine
from cmdline.base import emit, json_option, user_errors

user_errors("protocol.export.ExportError")


@click.command("import")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@keys_options("the envelopes are encrypted to them")
@click.option("--catalogs", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Archive of published catalogs the applications are checked against (default: the sample).")
@json_option
@db_option
def import_export(*, path: Path, keys_dir: Path, passphrase_file: Path | None, catalogs: Path | None, as_json: bool,
                  db_url: str) -> None:
    """Store the applications a terminal exported (`sync export`): each once, however often it is imported or sent."""
    from central.platform import keys
    from central.platform.catalogs import CatalogArchive
    from central.platform.ingest import Ingest
    from central.platform.registry import Registry
    from protocol import topics
    from protocol.export import ExportError, read_export, verify_export

    export, signature = read_export(path.read_bytes())
    engine = open_engine(db_url)
    standing = Registry(engine).standing(export.terminal)
    if standing.key is None:
        raise ExportError(f"{export.terminal} is not in the registry: its export cannot be checked")
    verify_export(export, signature, standing.key)
    ingest = Ingest(engine, keys.load(keys_dir, keys.passphrase(passphrase_file, os.environ)),
                    CatalogArchive.published(catalogs))
    acks = [a for a in ingest.handle_batch([(topics.bundle(export.terminal), b) for b in export.bundles]) if a]
    counts = Counter(a.status for a in acks)
    report = {"terminal": export.terminal, "exported_at": export.exported_at, "envelopes": len(acks),
              "stored": counts["stored"], "duplicate": counts["duplicate"], "rejected": counts["rejected"],
              "reasons": dict(Counter(a.reason for a in acks if a.status == "rejected"))}
    emit(report, as_json, lambda r: (
        f"{r['terminal']} (exported {r['exported_at']}): {r['envelopes']} envelopes, {r['stored']} stored, "
        f"{r['duplicate']} already at central, {r['rejected']} refused"
        + (f" ({', '.join(f'{k}: {v}' for k, v in r['reasons'].items())})" if r["reasons"] else "")))
