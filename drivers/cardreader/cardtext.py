"""Parse the 256-byte UCS-2LE text block a SAM module returns for an ID card.

Layouts (byte offsets, end exclusive), as the GA 467 SAM protocol documents and public
reader code lays them out (e.g. the IDCARD struct of chenhaifeng2016/FaceRecognitionTest
IDCardReader/src/IDReader.h; the foreigner struct of felix9064/drivercode PuTIDAdapter):

- resident card: name 0–30, gender 30–32 (GB/T 2261.1), nation 32–36 (GB/T 3304 code),
  birth 36–52 (YYYYMMDD), address 52–122, number 122–158, authority 158–188,
  valid from 188–204, valid until 204–220 (a date or 长期), reserved 220–256.
- 'J' Hong Kong / Macao / Taiwan residence permit: as the resident card, with no nation,
  then pass number 220–238, issue count 238–242, card type 248–250.
- 'I' foreigner's permanent residence card (2017 edition): English name 0–120, gender
  120–122, number 122–152, nationality code 152–158, Chinese name 158–188, valid from
  188–204, valid until 204–220, birth 220–236, version 236–240, authority code 240–248,
  card type 248–250.
- 'Y' foreigner's permanent residence card (2023 edition; 18-digit number starting with 9, the
  resident number's MOD 11-2 check): Chinese name 0–30, gender 30–32, renewal count 32–36,
  birth 36–52, English name 52–122 (characters 1–35), number 122–158, reserved 158–188, valid
  from 188–204, valid until 204–220, English name continued 220–242 (characters 36–46),
  nationality code 242–248, card type 248–250, link to the earlier 15-character number 250–256
  (the struct of Johann356/readinfo PCSCGetData.h; the National Immigration Administration's
  machine-readable rules of 2023 for the number).

Any other card type is reported as an unsupported layout: the citizen is sent to a window.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from domain.identity import DocumentType, Identity, Problem, ProblemCode
from domain.idnumbers import FOREIGN_2017, check_id_number

TEXT_BYTES = 256
GENDERS = {"1": "male", "2": "female"}
NATIONS = dict(enumerate((
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼",
    "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔",
    "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯",
    "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
), start=1)) | {97: "其他", 98: "外国血统中国籍人士"}
RESIDENT = {"name": (0, 30), "gender": (30, 32), "nation": (32, 36), "birth": (36, 52), "address": (52, 122),
            "number": (122, 158), "authority": (158, 188), "from": (188, 204), "until": (204, 220)}
PERMIT = {**{k: v for k, v in RESIDENT.items() if k != "nation"}, "pass_number": (220, 238),
          "issue_count": (238, 242)}
FOREIGNER = {"english_name": (0, 120), "gender": (120, 122), "number": (122, 152), "nationality": (152, 158),
             "name": (158, 188), "from": (188, 204), "until": (204, 220), "birth": (220, 236),
             "version": (236, 240), "authority": (240, 248)}
FOREIGNER_2023 = {"name": (0, 30), "gender": (30, 32), "renewals": (32, 36), "birth": (36, 52),
                  "english_name": (52, 122), "number": (122, 158), "from": (188, 204), "until": (204, 220),
                  "english_name_more": (220, 242), "nationality": (242, 248), "earlier_number": (250, 256)}
CARD_TYPE = (248, 250)
IMMIGRATION = "中华人民共和国国家移民管理局"


class Fields:
    """Decodes fields from the text block, recording the ones that cannot be read."""

    def __init__(self, text: bytes, layout: dict[str, tuple[int, int]]) -> None:
        """Read ``text`` with ``layout``."""
        self.text, self.layout = text, layout
        self.problems: list[Problem] = []

    def get(self, *names: str) -> str:
        """Return a field (several fields joined, a name split over two) without space or NUL padding."""
        try:
            value = "".join(self.text[slice(*self.layout[name])].decode("utf-16-le") for name in names)
        except UnicodeDecodeError:
            self.problems.append(Problem(ProblemCode.UNREADABLE_FIELD, names[0]))
            return ""
        value = value.replace("\x00", " ").strip()
        if value and not value.isprintable():
            self.problems.append(Problem(ProblemCode.UNREADABLE_FIELD, names[0]))
            return ""
        return value

    def day(self, name: str) -> date | None:
        """Return a YYYYMMDD field as a date (None, with a problem, if it is not one)."""
        raw = self.get(name)
        if raw == "长期":
            return None
        if len(raw) == 8 and raw.isascii() and raw.isdigit():
            try:
                return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
            except ValueError:
                pass
        self.problems.append(Problem(ProblemCode.UNREADABLE_FIELD, name))
        return None


def card_type(text: bytes) -> str:
    """Return the card-type character at offset 248 ('' for a resident card)."""
    try:
        return text[CARD_TYPE[0]:CARD_TYPE[1]].decode("utf-16-le").strip("\x00 ")
    except UnicodeDecodeError:
        return ""


def parse_text(text: bytes, photo: bytes, today: date) -> Identity:
    """Parse the text block into an Identity; data problems go into ``problems``."""
    if len(text) != TEXT_BYTES:
        raise ValueError(f"the text block has {len(text)} bytes, expected {TEXT_BYTES}")
    kind = card_type(text)
    if kind == "I":
        identity, fields = _foreigner(text, photo)
    elif kind == "Y":
        identity, fields = _foreigner_2023(text, photo)
    elif kind == "J":
        identity, fields = _permit(text, photo)
    elif kind in {"", " "}:
        identity, fields = _resident(text, photo)
    else:
        return Identity(DocumentType.UNKNOWN, photo=photo,
                        problems=(Problem(ProblemCode.UNSUPPORTED_LAYOUT, f"card type {kind!r}"),))
    problems = [*fields.problems, *_validity(identity, today), *_number(identity, today)]
    return replace(identity, problems=tuple(problems))


def _common(fields: Fields) -> dict[str, Any]:
    """Read the fields every layout shares."""
    until_raw = fields.get("until")
    return {
        "gender": GENDERS.get(fields.get("gender"), ""),
        "birth_date": fields.day("birth"),
        "valid_from": fields.day("from"),
        "valid_until": fields.day("until"),
        "long_term": until_raw == "长期",
        "name": fields.get("name"),
        "id_number": fields.get("number").upper(),
    }


def _resident(text: bytes, photo: bytes) -> tuple[Identity, Fields]:
    """Parse a resident ID card."""
    fields = Fields(text, RESIDENT)
    code = fields.get("nation")
    nation = NATIONS.get(int(code), "") if code.isascii() and code.isdigit() else ""
    if code and not nation:
        fields.problems.append(Problem(ProblemCode.UNREADABLE_FIELD, "nation"))
    identity = Identity(
        DocumentType.RESIDENT_ID, nation=nation, address=fields.get("address"),
        issuing_authority=fields.get("authority"), photo=photo, **_common(fields),
    )
    return identity, fields


def _permit(text: bytes, photo: bytes) -> tuple[Identity, Fields]:
    """Parse a Hong Kong / Macao / Taiwan residence permit."""
    fields = Fields(text, PERMIT)
    extra = {"pass_number": fields.get("pass_number"), "issue_count": fields.get("issue_count")}
    identity = Identity(
        DocumentType.RESIDENCE_PERMIT, address=fields.get("address"), issuing_authority=fields.get("authority"),
        extra=extra, photo=photo, **_common(fields),
    )
    return identity, fields


def _foreigner(text: bytes, photo: bytes) -> tuple[Identity, Fields]:
    """Parse a foreigner's permanent residence card (2017 edition)."""
    fields = Fields(text, FOREIGNER)
    extra = {"edition": "2017", "version": fields.get("version"), "authority_code": fields.get("authority")}
    identity = Identity(
        DocumentType.PERMANENT_RESIDENCE, nationality=fields.get("nationality"),
        english_name=fields.get("english_name"), issuing_authority=IMMIGRATION, extra=extra, photo=photo,
        **_common(fields),
    )
    return identity, fields


def _foreigner_2023(text: bytes, photo: bytes) -> tuple[Identity, Fields]:
    """Parse a foreigner's permanent residence card (2023 edition)."""
    fields = Fields(text, FOREIGNER_2023)
    english = fields.get("english_name", "english_name_more")
    extra = {"edition": "2023", "renewals": fields.get("renewals"), "earlier_number": fields.get("earlier_number")}
    identity = Identity(
        DocumentType.PERMANENT_RESIDENCE, nationality=fields.get("nationality"), english_name=english,
        issuing_authority=IMMIGRATION, extra={k: v for k, v in extra.items() if v}, photo=photo, **_common(fields),
    )
    return identity, fields


def _validity(identity: Identity, today: date) -> list[Problem]:
    """Report an expired or not yet valid document."""
    problems = []
    if identity.valid_until is not None and identity.valid_until < today and not identity.long_term:
        problems.append(Problem(ProblemCode.EXPIRED, "valid_until"))
    if identity.valid_from is not None and identity.valid_from > today:
        problems.append(Problem(ProblemCode.NOT_YET_VALID, "valid_from"))
    return problems


def _number(identity: Identity, today: date) -> list[Problem]:
    """Check the number's check digit and area code (the 2017 foreign number: its shape only)."""
    if not identity.id_number:
        return []
    if identity.extra.get("edition") == "2017":
        return [] if FOREIGN_2017.match(identity.id_number) else [Problem(ProblemCode.UNREADABLE_FIELD, "id_number")]
    result = check_id_number(identity.id_number, today)
    if result.error == "id_checksum":
        return [Problem(ProblemCode.BAD_CHECK_DIGIT, "id_number")]
    if result.error:
        return [Problem(ProblemCode.UNREADABLE_FIELD, "id_number")]
    if result.warning:
        return [Problem(ProblemCode.UNKNOWN_AREA_CODE, "id_number")]
    return []
