"""The terminal's commands end to end, through the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from domain.data import EXAMPLES, SAMPLE_CATALOG
from tests.common import ROOT, run


def test_catalog_list_json() -> None:
    result = run("catalog", "list", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["items"]) >= 30
    assert len(data["bundles"]) >= 3
    assert data["catalog"]["hash"].startswith("sha256:")
    assert data["catalog"]["illustrative"] is True


def test_catalog_show_text_and_json() -> None:
    text = run("catalog", "show", "yjs-001")
    assert text.returncode == 0, text.stderr
    assert "企业开办一件事" in text.stdout
    data = json.loads(run("catalog", "show", "SB-001", "--json").stdout)
    assert data["code"] == "SB-001"
    assert data["kind"] == "item"
    assert any(f["key"] == "applicant.id_number" for f in data["form"]["fields"])


def test_catalog_show_unknown_code() -> None:
    result = run("catalog", "show", "XX-001")
    assert result.returncode == 2  # the operator's mistake
    assert "no service item or bundle with code 'XX-001'" in result.stderr


def test_catalog_validate_good_and_broken(tmp_path: Path) -> None:
    assert run("catalog", "validate", str(SAMPLE_CATALOG)).returncode == 0
    broken = Path(shutil.copytree(SAMPLE_CATALOG, tmp_path / "c"))
    path = broken / "items" / "social_security.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('ref = "photo"', 'ref = "selfie"', 1))
    result = run("catalog", "validate", str(broken))
    assert result.returncode == 1
    assert "items/social_security.toml: item SB-001: field materials[1].ref: no material 'selfie'" in result.stderr


def example(name: str, tmp_path: Path, **changes: object) -> Path:
    data = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    path = tmp_path / "values.json"
    path.write_text(json.dumps({**data["answers"], **changes}, ensure_ascii=False), encoding="utf-8")
    return path


def test_preview_prints_the_receipt(tmp_path: Path) -> None:
    result = run("application", "preview", "--item", "SB-001", "--values", str(example("sb-001.json", tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "受理回执" in result.stdout
    assert "张*丰" in result.stdout
    assert "370303********0012" in result.stdout


def test_preview_of_a_bundle_never_asks_for_what_it_produces(tmp_path: Path) -> None:
    values = example("yjs-001.json", tmp_path)
    result = run("application", "preview", "--item", "YJS-001", "--values", str(values), "--lang", "en", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [p["item_code"] for p in data["application"]["parts"]] == ["QY-001", "QY-002", "QY-003", "SW-001"]
    assert "李四" not in result.stdout  # answers are left out of JSON unless --reveal
    assert data["application"]["values"] == {}
    asked = {m["material_id"] for m in data["application"]["materials"]}
    assert "id_card" in asked
    assert not asked & {"business_licence", "company_seals"}  # QY-001 and QY-002 produce them
    deferring = run("application", "preview", "--item", "YJS-001", "--values", str(values), "--defer", "business_licence")
    assert "material 'business_licence' is not asked for by this service" in deferring.stderr


def test_preview_lists_every_error(tmp_path: Path) -> None:
    values = example("sb-001.json", tmp_path, **{"contact.phone": "123", "applicant.birth_date": "1990-02-30"})
    result = run("application", "preview", "--item", "SB-001", "--values", str(values), "--lang", "en")
    assert result.returncode == 1
    assert "ERROR: contact.phone:" in result.stdout
    assert "ERROR: applicant.birth_date:" in result.stdout
    assert "receipt" not in result.stdout.lower()


def test_preview_rejects_a_values_file_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text("[1, 2]", encoding="utf-8")
    result = run("application", "preview", "--item", "SB-001", "--values", str(path))
    assert result.returncode == 2  # the operator's mistake
    assert "must hold a JSON object" in result.stderr


def test_deferring_a_material_that_cannot_wait(tmp_path: Path) -> None:
    values = example("sb-001.json", tmp_path)
    result = run("application", "preview", "--item", "SB-001", "--values", str(values), "--defer", "id_card")
    assert result.returncode == 1
    assert "cannot be handed in later" in result.stderr


def test_the_demo_runs_to_the_end(tmp_path: Path) -> None:
    result = run("demo", "--data", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("受理回执") == 2
    assert "ERROR: applicant.id_number" in result.stdout  # the scripted typo is caught
    assert "2 applications (2 submitted); outbox 2 entries (2 pending)" in result.stdout  # in words (#23 defect 12)
    assert "未找到明文个人信息" in result.stdout
    assert "outbox drained: central acknowledged every entry" in result.stdout
    arrived = result.stdout.split("$ yichuang central apps list", 1)[1].split("$ yichuang central ratings", 1)[0]
    assert {"SB-001", "YJS-001"} <= set(arrived.split())  # both applications arrived at central
    bad = result.stdout.split("$ yichuang central ratings --bad", 1)[1].split("$ yichuang central help-requests")[0]
    level, _number, item = bad.strip().splitlines()[1].split()[:3]
    assert (level, item) == ("2", "YJS-001")  # the 不满意 rating, with the application it rates
    helps = result.stdout.split("$ yichuang central help-requests", 1)[1].split("central:")[0]
    assert "YJS-001" in helps  # the help request raised on the receipt screen of the bundle
    fleet = result.stdout.split("$ yichuang fleet status", 1)[1]
    assert fleet.split()[:2] == ["online", "1"]  # the fleet monitor heard the demo terminal's heartbeat
    assert "delivered to central exactly once." in result.stdout
    assert result.stdout.rstrip().endswith("Demo data only: delete the folder to start afresh.")  # says what it left
    assert (tmp_path / "store.db").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="apt-get needs root")
def test_bootstrap_names_a_package_it_cannot_install(tmp_path: Path) -> None:
    apt_list = tmp_path / "apt.txt"
    apt_list.write_text("yichuang-no-such-package  # deliberately missing\n", encoding="utf-8")
    result = subprocess.run(
        ["scripts/bootstrap.sh"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "APT_LIST": str(apt_list), "BOOTSTRAP_APT_ONLY": "1"},
    )
    assert result.returncode == 1
    assert "'yichuang-no-such-package'" in result.stderr


def test_error_output_never_quotes_personal_data(tmp_path: Path) -> None:
    values = example("sb-001.json", tmp_path, **{"applicant.id_number": "37030319850512\u0663012",
                                                  "contact.phone": "13912345678x"})
    for extra in ([], ["--json"], ["--lang", "en"]):
        result = run("application", "preview", "--item", "SB-001", "--values", str(values), *extra)
        assert result.returncode == 1
        for secret in ("张三丰", "3703031985", "13912345678"):
            assert secret not in result.stdout + result.stderr, (extra, secret)
