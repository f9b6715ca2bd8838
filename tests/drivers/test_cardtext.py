"""The 256-byte text block: hand-laid vectors for every card type, and fuzzing."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from domain.identity import DocumentType, ProblemCode
from drivers.cardreader.cardtext import parse_text

TODAY = date(2026, 11, 22)
PHOTO = b"WL" + bytes(1022)


def block(fields: dict[tuple[int, int], str]) -> bytes:
    """Lay out UCS-2LE strings at explicit byte ranges, space-padded, written by hand from the layout."""
    text = bytearray(" ".encode("utf-16-le") * 128)
    for (start, end), value in fields.items():
        raw = value.encode("utf-16-le")
        assert len(raw) <= end - start
        text[start : start + len(raw)] = raw
    return bytes(text)


def resident(**changes: str) -> bytes:
    values = {"name": "张三丰", "gender": "1", "nation": "01", "birth": "19850512", "address": "山东省淄博市张店区示例路8号",
              "number": "370303198505120012", "authority": "淄博市公安局张店分局", "from": "20200101", "until": "20400101"}
    values.update(changes)
    return block({(0, 30): values["name"], (30, 32): values["gender"], (32, 36): values["nation"],
                  (36, 52): values["birth"], (52, 122): values["address"], (122, 158): values["number"],
                  (158, 188): values["authority"], (188, 204): values["from"], (204, 220): values["until"]})


def test_a_resident_card() -> None:
    identity = parse_text(resident(), PHOTO, TODAY)
    assert identity.document_type is DocumentType.RESIDENT_ID
    assert (identity.name, identity.gender, identity.nation) == ("张三丰", "male", "汉")
    assert identity.birth_date == date(1985, 5, 12)
    assert identity.address == "山东省淄博市张店区示例路8号"
    assert identity.id_number == "370303198505120012"
    assert identity.issuing_authority == "淄博市公安局张店分局"
    assert (identity.valid_from, identity.valid_until, identity.long_term) == (date(2020, 1, 1), date(2040, 1, 1), False)
    assert identity.photo == PHOTO
    assert identity.problems == ()


def test_long_term_validity_and_current_nation_names() -> None:
    identity = parse_text(resident(until="长期", nation="46", gender="2"), PHOTO, TODAY)
    assert identity.long_term
    assert identity.valid_until is None
    assert (identity.nation, identity.gender) == ("德昂", "female")
    assert not identity.has(ProblemCode.EXPIRED)


def test_expired_and_not_yet_valid_are_problems_not_errors() -> None:
    assert parse_text(resident(until="20200101"), PHOTO, TODAY).has(ProblemCode.EXPIRED)
    assert parse_text(resident(**{"from": "20270101"}), PHOTO, TODAY).has(ProblemCode.NOT_YET_VALID)


def test_a_bad_check_digit_is_reported() -> None:
    identity = parse_text(resident(number="370303198505120013"), PHOTO, TODAY)
    assert identity.has(ProblemCode.BAD_CHECK_DIGIT)
    assert identity.id_number == "370303198505120013"  # the chip is authoritative: kept as read


def test_a_too_new_area_code_is_only_noted() -> None:
    identity = parse_text(resident(number="371502195203080029", birth="19520308"), PHOTO, TODAY)
    assert [p.code for p in identity.problems] == [ProblemCode.UNKNOWN_AREA_CODE]


def test_unreadable_fields_are_named() -> None:
    text = bytearray(resident())
    text[0:2] = b"\x00\xd8"  # a lone UTF-16 surrogate in the name
    identity = parse_text(bytes(text), PHOTO, TODAY)
    assert identity.name == ""
    assert any(p.code is ProblemCode.UNREADABLE_FIELD and p.field == "name" for p in identity.problems)
    assert identity.id_number == "370303198505120012"


def test_a_bad_date_and_an_unknown_nation_are_named() -> None:
    identity = parse_text(resident(birth="19851332", nation="77"), PHOTO, TODAY)
    fields = {p.field for p in identity.problems if p.code is ProblemCode.UNREADABLE_FIELD}
    assert fields == {"birth", "nation"}


def test_a_residence_permit() -> None:
    text = bytearray(resident(nation="", number="810000198002020011", name="陈大文", birth="19800202"))
    permit = block({(220, 238): "H60000001", (238, 242): "01", (248, 250): "J"})
    text[220:] = permit[220:]
    identity = parse_text(bytes(text), PHOTO, TODAY)
    assert identity.document_type is DocumentType.RESIDENCE_PERMIT
    assert identity.extra == {"pass_number": "H60000001", "issue_count": "01"}
    assert identity.nation == ""
    assert identity.problems == ()


def test_a_foreigners_permanent_residence_card() -> None:
    text = block({(0, 120): "SMITH, JOHN", (120, 122): "1", (122, 152): "USA370319850512", (152, 158): "USA",
                  (158, 188): "史密斯", (188, 204): "20200101", (204, 220): "20300101", (220, 236): "19850512",
                  (236, 240): "01", (240, 248): "3700", (248, 250): "I"})
    identity = parse_text(text, PHOTO, TODAY)
    assert identity.document_type is DocumentType.PERMANENT_RESIDENCE
    assert (identity.english_name, identity.name, identity.nationality) == ("SMITH, JOHN", "史密斯", "USA")
    assert identity.nation == ""  # 民族 is for resident ID cards: a nationality is not an ethnic group
    assert identity.id_number == "USA370319850512"
    assert identity.birth_date == date(1985, 5, 12)
    assert identity.extra == {"edition": "2017", "version": "01", "authority_code": "3700"}
    assert identity.problems == ()


def test_a_2017_foreign_number_of_another_shape_is_unreadable() -> None:
    text = block({(0, 120): "SMITH, JOHN", (122, 152): "US370319850512", (248, 250): "I"})
    assert parse_text(text, PHOTO, TODAY).has(ProblemCode.UNREADABLE_FIELD)


def test_a_2023_foreigners_card_with_its_english_name_split_over_two_fields() -> None:
    name = "MUELLER-LUEDENSCHEIDT, ANNA MARIA THEODORA"  # 42 characters: the first 35, then the rest
    text = block({(0, 30): "", (30, 32): "2", (32, 36): "01", (36, 52): "19900720", (52, 122): name[:35],
                  (122, 158): "915637199007200124", (188, 204): "20240315", (204, 220): "20340315",
                  (220, 242): name[35:], (242, 248): "DEU", (248, 250): "Y", (250, 256): "A12"})
    identity = parse_text(text, PHOTO, TODAY)
    assert identity.document_type is DocumentType.PERMANENT_RESIDENCE
    assert (identity.english_name, identity.name, identity.nationality) == (name, "", "DEU")
    assert (identity.gender, identity.birth_date, identity.valid_until) == ("female", date(1990, 7, 20),
                                                                          date(2034, 3, 15))
    assert identity.prefill()["identity.name"] == name
    assert identity.extra == {"edition": "2023", "renewals": "01", "earlier_number": "A12"}
    assert identity.problems == ()


def test_a_2023_foreign_number_is_checked_like_a_resident_number() -> None:
    text = block({(52, 122): "DOE, JANE", (122, 158): "915637199007200125", (248, 250): "Y"})
    assert parse_text(text, PHOTO, TODAY).has(ProblemCode.BAD_CHECK_DIGIT)


def test_an_unknown_card_type_is_reported_clearly() -> None:
    identity = parse_text(block({(248, 250): "Z"}), PHOTO, TODAY)
    assert identity.document_type is DocumentType.UNKNOWN
    assert identity.has(ProblemCode.UNSUPPORTED_LAYOUT)


def test_repr_and_str_show_no_personal_data() -> None:
    identity = parse_text(resident(), PHOTO, TODAY)
    for text in (repr(identity), str(identity), f"{identity}"):
        assert "张三丰" not in text
        assert "370303198505120012" not in text
        assert "370303********0012" in text


@given(st.binary(min_size=256, max_size=256))
def test_any_256_bytes_give_an_identity(text: bytes) -> None:
    identity = parse_text(text, b"", TODAY)
    assert identity.document_type in set(DocumentType)


@given(st.dictionaries(st.sampled_from(["name", "gender", "nation", "birth", "number", "until", "from"]),
                       st.text(alphabet=st.sampled_from(list("0123456789²٣X长期 \x00")), max_size=8)))
def test_field_shaped_garbage_gives_an_identity(fields: dict[str, str]) -> None:
    capacity = {"name": 15, "gender": 1, "nation": 2, "birth": 8, "number": 18, "until": 8, "from": 8}
    fitted = {key: value[: capacity[key]] for key, value in fields.items()}
    identity = parse_text(resident(**fitted), b"", TODAY)  # e.g. a nation code '²1' that isdigit() accepts
    assert identity.document_type is DocumentType.RESIDENT_ID
