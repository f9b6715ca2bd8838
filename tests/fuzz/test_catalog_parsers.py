"""Fuzzing catalog files: the sample catalog with edited values, and with damaged file bytes.

A catalog comes from central (published, then synced to terminals): whatever its files hold,
loading gives a Catalog or raises only ``CatalogError``, located by file. Value edits work on
the parsed documents (``load_documents``: fast, so they reach every validator); byte edits go
through the files and the TOML parser (``load_catalog`` on a copy of the sample).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.catalog import Catalog
from domain.catalog_loader import FILES, _read_files, load_catalog, load_documents
from domain.catalog_reader import CatalogError
from domain.data import SAMPLE_CATALOG
from tests.fuzz.budget import budget, tally
from tests.fuzz.mutate import TEXT, edit_json, json_edits, mutated

DOCUMENTS = _read_files(SAMPLE_CATALOG)
NAMES = sorted(DOCUMENTS)
TOML_SCALAR = (TEXT | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.floats()
               | st.dates() | st.times() | st.datetimes(timezones=st.none() | st.just(UTC))
               | st.sampled_from(["SB-001", "id_card", "YJS-001", "*", "window", "mail", "copy", "original",
                                  "social_security", "resident_id", "2026-10-01", "{number}"]))
TOML_VALUE = st.recursive(TOML_SCALAR, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(TEXT, inner, max_size=4), max_leaves=8)


def check_catalog(load: Any) -> None:
    """Run ``load``: a Catalog, or a CatalogError that names a file."""
    try:
        catalog = load()
    except CatalogError as exc:
        located = exc.file
    else:
        located = ""
        assert isinstance(catalog, Catalog)
        assert catalog.items
    assert located == "" or isinstance(located, str)


def test_the_sample_documents_load() -> None:
    assert set(FILES) <= set(NAMES)
    assert load_documents(DOCUMENTS).version == load_catalog(SAMPLE_CATALOG).version


@given(st.sampled_from(NAMES), json_edits(3, TOML_VALUE))
@example("calendar.toml", [("replace", [0, 2], datetime(2026, 10, 1, 8, 0))])
@example("calendar.toml", [("replace", [0, 1], 10**20)])
@budget("catalog/documents")
def test_a_catalog_with_edited_values_loads_or_is_refused_with_a_located_error(name: str, edits: list[Any]) -> None:
    tally("catalog/documents")
    edited = edit_json(DOCUMENTS[name], edits)
    check_catalog(lambda: load_documents(DOCUMENTS | {name: edited if isinstance(edited, dict) else {}}))


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the sample catalog whose files the test overwrites."""
    root = tmp_path_factory.mktemp("catalog") / "sample"
    shutil.copytree(SAMPLE_CATALOG, root)
    return root


SMALL_FILES = ["catalog.toml", "calendar.toml", "halls.toml", "bundles.toml", "materials.toml", "items/tax.toml"]
ORIGINALS = {name: (SAMPLE_CATALOG / name).read_bytes() for name in SMALL_FILES}


@given(st.sampled_from(SMALL_FILES).flatmap(lambda name: st.tuples(st.just(name), mutated(ORIGINALS[name]))))
@example(("catalog.toml", b"x = " + b"[" * 5_000))  # nested arrays: the TOML parser's RecursionError escaped
@example(("catalog.toml", b"x = " + b"{a = " * 5_000))
@example(("halls.toml", b"\xff\xfe"))
@budget("catalog/files")
def test_a_catalog_with_damaged_file_bytes_loads_or_is_refused_with_a_located_error(
        copy: Path, damaged: tuple[str, bytes]) -> None:
    tally("catalog/files")
    name, data = damaged
    (copy / name).write_bytes(data)
    try:
        check_catalog(lambda: load_catalog(copy))
    finally:
        (copy / name).write_bytes(ORIGINALS[name])


