"""Domain costs against their raw ingredients: catalog validation and ID number checks."""

from __future__ import annotations

from datetime import date

import tomli
from stdnum.cn import ric

from benchmarks.harness import Case
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from domain.idnumbers import check_id_number

ID_NUMBERS = ["370303198505120012", "371502199003071230", "110105194912310021", "440305200001011234"]
TODAY = date(2026, 11, 22)


def _parse_only() -> None:
    """Parse every catalog file with tomli (the loader's parser) and nothing else."""
    for path in sorted(SAMPLE_CATALOG.rglob("*.toml")):
        tomli.loads(path.read_text(encoding="utf-8"))


def _check_ids() -> None:
    """Run this project's ID check over the sample numbers."""
    for number in ID_NUMBERS:
        check_id_number(number, TODAY)


def _stdnum_ids() -> None:
    """Run python-stdnum's own validation over the sample numbers."""
    for number in ID_NUMBERS:
        ric.is_valid(number)


def cases() -> list[Case]:
    """Return the domain benchmarks."""
    return [
        Case(
            name="catalog load (52 items, 5 bundles)",
            subject=lambda: load_catalog(SAMPLE_CATALOG),
            baseline=_parse_only,
            subject_label="load_catalog: parse, validate, merge, hash",
            baseline_label="tomli parse of the same files",
        ),
        Case(
            name="ID number check",
            subject=_check_ids,
            baseline=_stdnum_ids,
            subject_label="check_id_number (area code warns)",
            baseline_label="stdnum.cn.ric.is_valid",
            ops=len(ID_NUMBERS),
        ),
    ]
