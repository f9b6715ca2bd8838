"""The identity read from a card, and its problems, kept private in repr and logs."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.masking import mask_id_number, mask_name
from domain.text import Text


class DocumentType(StrEnum):
    """What kind of document the identity came from."""

    RESIDENT_ID = "resident_id"  # 居民身份证
    RESIDENCE_PERMIT = "residence_permit"  # 港澳台居民居住证 (card type 'J')
    PERMANENT_RESIDENCE = "permanent_residence"  # 外国人永久居留身份证 (card type 'I')
    BANK_CARD_HOLDER = "bank_card_holder"  # 银行卡持卡人 (PC/SC bank cards: not an identity document)
    UNKNOWN = "unknown"


DOCUMENTS = frozenset({DocumentType.RESIDENT_ID, DocumentType.RESIDENCE_PERMIT, DocumentType.PERMANENT_RESIDENCE})


DOCUMENT_NAMES = {
    DocumentType.RESIDENT_ID: Text("居民身份证", "a resident ID card"),
    DocumentType.RESIDENCE_PERMIT: Text("港澳台居民居住证",
                                        "a residence permit for Hong Kong, Macao and Taiwan residents"),
    DocumentType.PERMANENT_RESIDENCE: Text("外国人永久居留身份证", "a foreign permanent resident ID card"),
}


class ProblemCode(StrEnum):
    """Data problems a citizen cannot fix at the terminal; reported, not raised."""

    BAD_CHECK_DIGIT = "bad_check_digit"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    UNREADABLE_FIELD = "unreadable_field"
    UNKNOWN_AREA_CODE = "unknown_area_code"
    UNSUPPORTED_LAYOUT = "unsupported_layout"


@dataclass(frozen=True)
class Problem:
    """One problem with the data read from a card."""

    code: ProblemCode
    field: str = ""


@dataclass(frozen=True, repr=False)
class Identity:
    """An identity read from a card; ``repr`` shows only masked data."""

    document_type: DocumentType
    name: str = ""
    gender: str = ""  # "male" | "female" | "" (GB/T 2261.1 codes 1, 2)
    nation: str = ""  # 民族 (GB/T 3304 name): resident ID cards only
    nationality: str = ""  # 国籍: the country or region code a foreigner's card holds
    birth_date: date | None = None
    address: str = ""
    id_number: str = ""
    issuing_authority: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    long_term: bool = False  # 长期: valid for life
    english_name: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # pass number, issue count, card version
    photo: bytes = b""  # the encoded photo as the card holds it; never decoded here
    problems: tuple[Problem, ...] = ()

    def __repr__(self) -> str:
        """Describe without personal data."""
        codes = ",".join(p.code.value for p in self.problems) or "none"
        return f"Identity({self.document_type.value}, {self.masked_id}, problems={codes})"

    __str__ = __repr__

    @property
    def masked_name(self) -> str:
        """Return the name masked for screens: 张*丰."""
        return mask_name(self.name or self.english_name)

    @property
    def masked_id(self) -> str:
        """Return the number masked for screens: 110101********1234."""
        return mask_id_number(self.id_number) if self.id_number else ""

    @property
    def document(self) -> DocumentType | None:
        """Return the identity document the data is from (for a bank card, the resident ID it names), or None."""
        if self.document_type in DOCUMENTS:
            return self.document_type
        named = self.document_type is DocumentType.BANK_CARD_HOLDER and self.id_number
        return DocumentType.RESIDENT_ID if named else None

    def has(self, code: ProblemCode) -> bool:
        """Return whether the identity carries a problem with ``code``."""
        return any(p.code is code for p in self.problems)

    def prefill(self) -> dict[str, str]:
        """Return values for form fields whose `prefill` names an identity attribute."""
        values = {
            "identity.document_type": self.document.value if self.document else "",
            "identity.name": self.name or self.english_name,
            "identity.gender": self.gender,
            "identity.nation": self.nation,
            "identity.nationality": self.nationality,
            "identity.birth_date": self.birth_date.isoformat() if self.birth_date else "",
            "identity.address": self.address,
            "identity.id_number": self.id_number,
            "identity.issuing_authority": self.issuing_authority,
            "identity.valid_from": self.valid_from.isoformat() if self.valid_from else "",
            "identity.valid_until": "长期" if self.long_term else (
                self.valid_until.isoformat() if self.valid_until else ""
            ),
        }
        return {key: value for key, value in values.items() if value}

    def log_token(self, salt: bytes) -> str:
        """Return a salted hash of the number: enough to correlate log lines, useless to reverse."""
        return hashlib.sha256(salt + self.id_number.encode()).hexdigest()[:12]


LOG_SALT = os.urandom(16)  # per process: tokens correlate within a run only
