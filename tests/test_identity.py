"""Personal identifiers: CCCD structure and consistency, mobile numbers, e-mail."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.services.identity import (
    CCCD_PROVINCES,
    GENDER_FEMALE,
    GENDER_MALE,
    cccd_problems,
    email_key,
    identifier_kind,
    normalize_email,
    normalize_phone,
)


def make_cccd(province: str, birth: date, gender: str, serial: int) -> str:
    century_code = (birth.year - 1900) // 100 * 2 + (1 if gender == GENDER_FEMALE else 0)
    return f"0{province}{century_code}{birth.year % 100:02d}{serial:06d}"


@given(st.sampled_from(sorted(CCCD_PROVINCES)), st.dates(date(1900, 1, 1), date(2099, 12, 31)),
       st.sampled_from([GENDER_MALE, GENDER_FEMALE]), st.integers(0, 999_999))
def test_well_formed_numbers_agree_with_their_owner(province, birth, gender, serial):
    number = make_cccd(province, birth, gender, serial)
    assert cccd_problems(number, birth, gender) == []


@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.integers(0, 999_999))
def test_the_fourth_digit_tells_gender_and_century(birth, serial):
    number = make_cccd("22", birth, GENDER_MALE, serial)
    assert cccd_problems(number, birth, GENDER_FEMALE)  # gender disagrees
    other_year = birth.replace(year=birth.year + 1) if birth.month != 2 or birth.day != 29 \
        else date(birth.year + 1, 3, 1)
    assert cccd_problems(number, other_year, GENDER_MALE)  # year disagrees


@pytest.mark.parametrize("number", ["", "12345", "0220920123456", "02209201234a",
                                    "199092012345", "003092012345"])
def test_malformed_numbers(number):
    assert cccd_problems(number)


def test_province_codes_are_the_63_legacy_provinces(session):
    from sqlalchemy import select

    from portal.models import AdminUnit, UnitLevel

    legacy = set(session.scalars(select(AdminUnit.code).where(
        AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.legacy)))
    assert CCCD_PROVINCES == legacy and len(CCCD_PROVINCES) == 63


@pytest.mark.parametrize(("raw", "normal"), [
    ("0912345678", "0912345678"), ("+84 912 345 678", "0912345678"),
    ("84-912-345-678", "0912345678"), ("(0912) 345.678", "0912345678"),
    ("0321234567", "0321234567"), ("0201234567", None), ("091234567", None),
    ("02033800000", None), ("+1 415 555 0100", None), ("", None),
])
def test_mobile_numbers(raw, normal):
    assert normalize_phone(raw) == normal


@given(st.text(max_size=30))
def test_phone_normalisation_never_crashes(raw):
    result = normalize_phone(raw)
    assert result is None or (len(result) == 10 and result.isdigit())


def test_email_normal_form_and_lookup_key(app):
    with app.app_context():
        assert normalize_email(" Binh@Example.COM ") == "binh@example.com"
        assert normalize_email("not an address") is None
        assert normalize_email("x@demo.local") is None  # not deliverable: refused for new ones
    assert email_key("CongDan@Demo.Local") == "congdan@demo.local"  # but found when stored
    assert email_key("no-at-sign") is None


@pytest.mark.parametrize(("raw", "kind"), [("a@b.vn", "email"), ("022192012345", "id_number"),
                                           ("0912 345 678", "phone"), ("+84912345678", "phone")])
def test_identifier_kind(raw, kind):
    assert identifier_kind(raw) == kind
