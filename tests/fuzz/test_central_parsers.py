"""Fuzzing what central parses from terminals: decrypted envelope content and enrollment requests.

``content.columns`` returns the query columns or raises only ``EnvelopeError``; the enrollment
service's request parser returns a token and a CSR or raises only ``EnrollmentRefused``.
Inputs start from a genuine SB-001 application checked against the real sample catalog and a
genuine request with a real CSR.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import example, given
from hypothesis import strategies as st

from central.platform.catalogs import CatalogArchive
from central.platform.content import columns
from domain.data import SAMPLE_CATALOG
from protocol.envelope import KINDS, EnvelopeError, Header
from protocol.supplement import HOLDER, SupplementBody
from provisioning.service import _parse as parse_request
from provisioning.tokens import EnrollmentRefused
from tests.fuzz.budget import budget, tally
from tests.fuzz.mutate import JSON, TEXT, edit_json, json_edits, mutated

ARCHIVE = CatalogArchive.load(None, SAMPLE_CATALOG)
CATALOG = next(iter(ARCHIVE.catalogs.values()))
MESSAGE_ID = "01a201dc-1a8f-77b4-99a0-eceedf0f2656"
ANSWERS = json.loads((Path(SAMPLE_CATALOG).parent.parent / "examples" / "sb-001.json").read_text())["answers"]
BODIES = {
    "application": {"id": MESSAGE_ID, "terminal_id": "LC0001", "catalog_version": CATALOG.version,
                    "catalog_hash": CATALOG.content_hash, "offering_code": "SB-001",
                    "created_at": "2026-11-22T07:00:00+00:00", "number": "LC0001-20261122-0001", "values": ANSWERS},
    "rating": {"id": MESSAGE_ID, "level": 4, "application_id": "01a201dc-1a8f-77b4-99a0-eceedf0f2657"},
    "help_request": {"id": MESSAGE_ID, "application_id": None, "item": "SB-001"},
    "event": {"id": MESSAGE_ID, "kind": "printer", "code": "paper_out"},
    "supplement": {"id": MESSAGE_ID, "terminal_id": "LC0001", "number": "LC0001-261122-0001X",
                   "holder": "370303198505120012", "catalog_version": CATALOG.version,
                   "catalog_hash": CATALOG.content_hash, "created_at": "2026-11-22T07:00:00+00:00",
                   "materials": [{"material": "photo", "way": "hand_in"},
                                 {"material": "household_register", "way": "declare"}]},
}


def header(kind: str) -> Header:
    """Return a checked header of ``kind``."""
    return Header("LC0001", 7, MESSAGE_ID, kind, "2026-11-22T07:00:00+00:00", "boot-1")


def check_columns(kind: str, body: bytes) -> None:
    """Check ``body`` as central does: query columns of bounded values, or EnvelopeError."""
    try:
        found = columns(header(kind), body, ARCHIVE)
    except EnvelopeError as exc:
        refused = exc.code
    else:
        refused = ""
        assert isinstance(found, dict)
        supplied = found.pop("supplement", None)  # a 补齐: every field bounded, checked against central's record later
        assert supplied is None or (isinstance(supplied, SupplementBody) and 1 <= len(supplied.materials) <= 10
                                    and supplied.id == MESSAGE_ID and HOLDER.fullmatch(supplied.holder))
        assert all(value is None or isinstance(value, str | int) for value in found.values())
    assert refused in {"", "bad_content", "invalid_content", "unknown_catalog_version"}


def test_the_genuine_bodies_pass() -> None:
    for kind, body in BODIES.items():
        check_columns(kind, json.dumps(body).encode())
    assert columns(header("application"), json.dumps(BODIES["application"]).encode(), ARCHIVE)["item"] == "SB-001"
    assert columns(header("supplement"), json.dumps(BODIES["supplement"]).encode(), ARCHIVE)["supplement"].number \
        == BODIES["supplement"]["number"]


@given(st.sampled_from(sorted(KINDS)), mutated(*(json.dumps(b).encode() for b in BODIES.values()))
       | st.binary(max_size=100))
@example("application", b"[" * 100_000)
@budget("content/raw")
def test_any_decrypted_body_is_columns_or_an_envelope_error(kind: str, body: bytes) -> None:
    tally("content/raw")
    check_columns(kind, body)


@given(st.sampled_from(sorted(KINDS)), json_edits(4))
@budget("content/mutated")
def test_an_edited_application_or_message_is_columns_or_an_envelope_error(kind: str, edits: list[Any]) -> None:
    tally("content/mutated")
    check_columns(kind, json.dumps(edit_json(BODIES[kind], edits)).encode())


CODES = sorted([*CATALOG.items, *CATALOG.bundles])
FIELD_KEYS = sorted({key for code in CODES for key in CATALOG.offering(code).form.keys})
ANSWER = JSON | st.sampled_from(["370303198505120012", "1990-03-07", "2026-02-30", "138 0013 8000", "male", "汉",
                                 "resident_id", "mail", "window", "ccb", True, 0, -1, 1e308, "", " ", "\x00"])


@given(st.sampled_from(CODES), st.dictionaries(st.sampled_from(FIELD_KEYS) | TEXT, ANSWER, max_size=12),
       st.sampled_from(["2026-11-22T07:00:00+00:00", "2026-11-22", "0001-01-01T00:00:00+14:00", "9999-12-31"]))
@budget("content/answers")
def test_any_answers_to_any_offering_are_checked_or_refused(code: str, values: dict[str, Any], made: str) -> None:
    tally("content/answers")
    body = BODIES["application"] | {"offering_code": code, "values": values, "created_at": made}
    check_columns("application", json.dumps(body).encode())


KEY = ec.generate_private_key(ec.SECP256R1())
CSR = (x509.CertificateSigningRequestBuilder()
       .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "enrollment")]))
       .sign(KEY, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())
REQUEST = {"v": 1, "token": "ABCD-EFGH-JKLM", "csr": CSR}
EC_KEY_OID = bytes.fromhex("06 07 2A 86 48 CE 3D 02 01")  # id-ecPublicKey, in the CSR's public key
UNKNOWN_KEY = REQUEST | {"csr": x509.load_der_x509_csr(x509.load_pem_x509_csr(CSR.encode()).public_bytes(
    serialization.Encoding.DER).replace(EC_KEY_OID, EC_KEY_OID[:-1] + b"\x00", 1)).public_bytes(
    serialization.Encoding.PEM).decode()}


def check_request(payload: bytes) -> None:
    """Parse a claim request: a token, a CSR whose signature holds and a re-enrollment's terminal, or EnrollmentRefused."""
    try:
        token, csr, reenroll = parse_request(payload)
    except EnrollmentRefused as exc:
        refused = exc.code
    else:
        refused = ""
        assert isinstance(token, str)
        assert reenroll is None or isinstance(reenroll, str)  # a re-enrollment names its terminal
        assert csr.is_signature_valid
    assert refused in {"", "bad_request", "bad_csr"}


@given(mutated(json.dumps(REQUEST).encode(), max_edits=3) | st.binary(max_size=100)
       | json_edits().map(lambda edits: json.dumps(edit_json(REQUEST, edits)).encode()))
@example(b"[" * 5_000 + b"]" * 5_000)  # a nesting bomb within the size limit: RecursionError escaped
@example(json.dumps(UNKNOWN_KEY).encode())  # a key type cryptography does not know: UnsupportedAlgorithm escaped
@budget("enrollment request")
def test_any_claim_request_is_a_token_and_csr_or_refused(payload: bytes) -> None:
    tally("enrollment request")
    check_request(payload)
