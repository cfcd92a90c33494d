"""Reading deadlines, fees, channels, levels and legal references out of free text."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.models import ApplicantType, Channel, FeeKind, OnlineLevel, TimeUnit
from portal.services import parsing


@pytest.mark.parametrize(("text", "amount", "unit"), [
    ("05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", 5, TimeUnit.WORKING_DAY),
    ("05 Ngày làm việc", 5, TimeUnit.WORKING_DAY),
    ("1 Ngày làm việc; 02 Giờ", 1, TimeUnit.WORKING_DAY),
    ("0.5 Giờ", Decimal("0.5"), TimeUnit.WORKING_HOUR),
    ("45 Ngày", 45, TimeUnit.CALENDAR_DAY),
    # A range gives its upper bound: the latest date the citizen can be made to wait.
    ("17 - 20 ngày (khu vực thường)", 20, TimeUnit.CALENDAR_DAY),
    ("Ngay trong ngày tiếp nhận hồ sơ; sau 15 giờ thì trả trong ngày làm việc tiếp theo",
     0, TimeUnit.WORKING_DAY),
    ("Trong ngày cơ quan, tổ chức tiếp nhận yêu cầu", 0, TimeUnit.WORKING_DAY),
    ("Tối đa không quá 15 ngày làm việc, kể từ ngày nộp đủ hồ sơ", 15, TimeUnit.WORKING_DAY),
    ("NGÀY LÀM VIỆC: 03 ngày làm việc", 3, TimeUnit.WORKING_DAY),
])
def test_processing_time_is_parsed(text, amount, unit):
    assert parsing.parse_processing_time(text) == parsing.Duration(Decimal(amount), unit)


@pytest.mark.parametrize("text", [None, "", "Không quy định", "Theo quy định", "3 tháng"])
def test_processing_time_not_stated_gives_none(text):
    assert parsing.parse_processing_time(text) is None


@given(st.text(max_size=80))
def test_processing_time_never_crashes_on_free_text(text):
    result = parsing.parse_processing_time(text)
    assert result is None or result.amount >= 0


@pytest.mark.parametrize(("text", "kind", "amount", "currency", "free"), [
    ("Miễn phí", FeeKind.CHARGE, 0, "VND", True),
    ("Phí : 0 Đồng", FeeKind.FEE, 0, "VND", True),
    ("Lệ phí : 0 Đồng", FeeKind.CHARGE, 0, "VND", True),
    ("Phí : Không Đồng", FeeKind.FEE, 0, "VND", True),
    ("Lệ phí : 8.000 đồng/bản sao Trích lục", FeeKind.CHARGE, 8000, "VND", False),
    ("400.000 Đồng (Mức thu lệ phí: 400.000đ/trường hợp)", FeeKind.CHARGE, 400000, "VND", False),
    ("Phí : 50.000 Đồng (50.000 đồng/hồ sơ)", FeeKind.FEE, 50000, "VND", False),
    ("Lệ phí : 03 USD (Lệ phí: 03 USD/Giấy phép)", FeeKind.CHARGE, 3, "USD", False),
    ("Lệ phí : 1.5 USD", FeeKind.CHARGE, Decimal("1.5"), "USD", False),
    ("Miễn phí (không thu phí, lệ phí)", FeeKind.CHARGE, 0, "VND", True),
])
def test_simple_fee_texts_are_parsed(text, kind, amount, currency, free):
    fees, is_free = parsing.parse_fee_text(text)
    assert is_free is free
    assert [(f.kind, f.amount, f.currency) for f in fees] == [(kind, Decimal(amount), currency)]
    assert fees[0].description == text  # the published wording is kept


@pytest.mark.parametrize("text", [
    None,
    "Lệ phí: - Đối với trường hợp đăng ký khai sinh không đúng hạn: theo mức thu lệ phí do "
    "Hội đồng nhân dân cấp tỉnh quy định. - Miễn lệ phí đối với trường hợp khai sinh đúng hạn.",
    "Đồng Nai, hộ gia đình, cá nhân: phí thẩm định nộp trực tiếp 880.000đ (QSDĐ) / 980.000đ",
    "Theo mức thu lệ phí do Hội đồng nhân dân cấp tỉnh quy định.",
])
def test_complex_fee_texts_are_left_as_text(text):
    assert parsing.parse_fee_text(text) == ([], None)


@pytest.mark.parametrize(("number", "currency", "expected"), [
    ("8.000", "VND", 8000), ("1.500.000", "VND", 1500000), ("1,500,000", "VND", 1500000),
    ("50000", "VND", 50000), ("1.5", "USD", Decimal("1.5")), ("3", "USD", 3),
    ("12.000.", "VND", 12000),
])
def test_amounts_use_vietnamese_thousands_separators(number, currency, expected):
    assert parsing.parse_amount(number, currency) == Decimal(expected)


@given(st.integers(min_value=0, max_value=10**12))
def test_amounts_written_with_dots_read_back(value):
    written = f"{value:,}".replace(",", ".")
    assert parsing.parse_amount(written) == value


@pytest.mark.parametrize(("text", "channel"), [
    ("Trực tiếp", Channel.IN_PERSON), ("trực tuyến", Channel.ONLINE),
    ("Dịch vụ bưu chính", Channel.POSTAL), ("Qua bưu chính công ích", Channel.POSTAL),
    ("TRUC TIEP", Channel.IN_PERSON), ("Fax", None),
])
def test_channels(text, channel):
    assert parsing.parse_channel(text) is channel


@pytest.mark.parametrize(("value", "level"), [
    (None, parsing.ServiceLevel()),
    ("Toàn trình", parsing.ServiceLevel(online=OnlineLevel.FULL)),
    ("DVC trực tuyến một phần", parsing.ServiceLevel(online=OnlineLevel.PARTIAL)),
    ("Mức độ 3", parsing.ServiceLevel(tt32=3)),
    (4, parsing.ServiceLevel(tt32=4)),
    ("Mức 5", None),
    (7, None),
])
def test_levels(value, level):
    assert parsing.parse_level(value) == level


def test_applicant_types_from_subjects():
    assert parsing.parse_applicant_types("Công dân Việt Nam") == {ApplicantType.INDIVIDUAL}
    assert parsing.parse_applicant_types("Doanh nghiệp, Hợp tác xã") == {
        ApplicantType.ORGANISATION}
    assert parsing.parse_applicant_types(
        "Công dân Việt Nam, Người nước ngoài, Doanh nghiệp, Tổ chức nước ngoài"
    ) == {ApplicantType.INDIVIDUAL, ApplicantType.ORGANISATION}
    assert parsing.parse_applicant_types(None) == set()


@pytest.mark.parametrize(("value", "expected"), [
    ("2014-11-20", date(2014, 11, 20)), ("24-03-2021", date(2021, 3, 24)),
    ("24/3/2021", date(2021, 3, 24)), ("31/02/2021", None), ("hôm qua", None), (None, None),
])
def test_dates(value, expected):
    assert parsing.parse_date(value) == expected


def test_document_number_and_date_found_in_titles():
    title = ("Quyết định số 24/2025/QĐ-TTg ngày 16 tháng 7 năm 2025 của Thủ tướng Chính phủ "
             "sửa đổi Quy chế ban hành kèm theo Quyết định số 12/2021/QĐ-TTg ngày 24/3/2021")
    assert parsing.find_document_number(title) == "24/2025/QĐ-TTg"
    assert parsing.find_document_date(title) == date(2025, 7, 16)
    assert parsing.find_document_number("Luật Hộ tịch") is None
    assert parsing.find_document_number("Nghị định 123/2015/NĐ-CP") == "123/2015/NĐ-CP"
