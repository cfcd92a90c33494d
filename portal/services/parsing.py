"""Read structure out of the free text of the national procedure database.

Each parser keeps to what the text states plainly and returns ``None`` for the rest: a fee
or deadline the portal guessed would be worse than the original text shown as it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from portal.models.catalog import ApplicantType, Channel, FeeKind, OnlineLevel, TimeUnit
from portal.text import fold

# --- Processing time ----------------------------------------------------------------------

_SAME_DAY = re.compile(r"^(ngay )?trong (ngay|ngay lam viec)\b|^ngay trong ngay")
_DURATION = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(ngay lam viec|ngay|gio lam viec|gio|thang)\b"
)
_UNITS = {
    "ngay lam viec": TimeUnit.WORKING_DAY,
    "ngay": TimeUnit.CALENDAR_DAY,
    "gio lam viec": TimeUnit.WORKING_HOUR,
    "gio": TimeUnit.WORKING_HOUR,
}


@dataclass(frozen=True)
class Duration:
    """A processing time: an amount of a unit (0 working days means the same day)."""

    amount: Decimal
    unit: TimeUnit


def parse_processing_time(text: str | None) -> Duration | None:
    """Parse "05 ngày làm việc", "0.5 Giờ", "Ngay trong ngày …"; ``None`` if not stated.

    The first duration in the text is the main case; later ones describe exceptions
    ("trường hợp phải xác minh thì …") and stay in the text.
    """
    if not text:
        return None
    folded = fold(text)
    if _SAME_DAY.search(folded):
        return Duration(Decimal(0), TimeUnit.WORKING_DAY)
    match = _DURATION.search(folded)
    if not match or match.group(2) == "thang":
        return None
    amount = _decimal(match.group(1))
    if amount is None:
        return None
    return Duration(amount, _UNITS[match.group(2)])


# --- Fees ---------------------------------------------------------------------------------

_FREE = re.compile(
    r"^(mien phi|khong thu phi|khong thu|khong co|khong|mien le phi|mien phi, le phi)\b"
)
_SIMPLE_FEE = re.compile(
    r"^(?:(le phi|phi)\s*:?\s*)?"
    r"(\d[\d.,]*|khong)\s*(dong|vnd|d|usd)\b\s*(?:/[^()]*)?(?:\((.*)\))?\.?$"
)


@dataclass(frozen=True)
class Fee:
    """One fee item read from text."""

    kind: FeeKind
    amount: Decimal | None
    currency: str
    description: str | None


def parse_fee_text(text: str | None) -> tuple[list[Fee], bool | None]:
    """Parse a fee text into items and whether it is explicitly free.

    Handles "Miễn phí", "Phí : 0 Đồng", "Lệ phí : 8.000 đồng/bản sao", "400.000 Đồng (…)",
    "Lệ phí : 1.5 USD". Longer texts (several cases, amounts set by the province) give no
    items and ``None``: the page then shows the text as published.
    """
    if not text:
        return [], None
    folded = fold(text)
    if _FREE.match(folded):
        return [Fee(FeeKind.CHARGE, Decimal(0), "VND", text)], True
    match = _SIMPLE_FEE.match(folded)
    if not match:
        return [], None
    label, number, currency, _note = match.groups()
    kind = FeeKind.FEE if label == "phi" else FeeKind.CHARGE
    currency = "USD" if currency == "usd" else "VND"
    amount = Decimal(0) if number == "khong" else parse_amount(number, currency)
    if amount is None:
        return [], None
    return [Fee(kind, amount, currency, text)], amount == 0


def parse_amount(number: str, currency: str = "VND") -> Decimal | None:
    """Read "8.000", "1,500,000", "1.5" (USD) as a Decimal.

    Dots and commas followed by exactly three digits are thousands separators, the way
    Vietnamese texts write money; otherwise the separator is decimal.
    """
    number = number.strip().rstrip(".,")
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", number) and not (
        currency != "VND" and re.fullmatch(r"\d+\.\d{1,2}", number)
    ):
        return _decimal(re.sub(r"[.,]", "", number))
    return _decimal(number.replace(",", "."))


def fee_kind(label: str | None) -> FeeKind:
    """Map "Phí" / "Lệ phí" (any case, with or without marks) to :class:`FeeKind`."""
    return FeeKind.FEE if fold(label or "") == "phi" else FeeKind.CHARGE


# --- Channels, levels, applicants -----------------------------------------------------------

_CHANNELS = {
    "truc tiep": Channel.IN_PERSON,
    "truc tuyen": Channel.ONLINE,
    "dich vu buu chinh": Channel.POSTAL,
    "buu chinh": Channel.POSTAL,
    "buu chinh cong ich": Channel.POSTAL,
    "qua buu chinh cong ich": Channel.POSTAL,
    "dich vu buu chinh cong ich": Channel.POSTAL,
    "qua buu chinh": Channel.POSTAL,
}


def parse_channel(text: str) -> Channel | None:
    """Map "Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính" (and variants) to a Channel."""
    return _CHANNELS.get(fold(text).strip(" ."))


@dataclass(frozen=True)
class ServiceLevel:
    """The TT32 level (1–4) and/or Decree 42 level of an online service."""

    tt32: int | None = None
    online: OnlineLevel | None = None


def parse_level(value: str | int | None) -> ServiceLevel | None:
    """Read "Toàn trình", "Một phần", "Mức độ 3", 4 …; ``None`` means unrecognised."""
    if value is None or value == "":
        return ServiceLevel()
    if isinstance(value, int):
        return ServiceLevel(tt32=value) if 1 <= value <= 4 else None
    folded = fold(value)
    if "toan trinh" in folded:
        return ServiceLevel(online=OnlineLevel.FULL)
    if "mot phan" in folded:
        return ServiceLevel(online=OnlineLevel.PARTIAL)
    match = re.fullmatch(r"(?:muc(?: do)?\s*)?([1-4])", folded)
    if match:
        return ServiceLevel(tt32=int(match.group(1)))
    return None


_ORGANISATION_WORDS = ("doanh nghiep", "to chuc", "hop tac xa", "co quan", "don vi",
                       "mat tran", "ban cong tac", "uy ban", "hoi dong", "co so ton giao")
_INDIVIDUAL_WORDS = ("cong dan", "ca nhan", "nguoi", "ho gia dinh", "can bo", "vien chuc")


def parse_applicant_types(subjects: str | None) -> set[ApplicantType]:
    """Derive the applicant types from "Công dân Việt Nam, Doanh nghiệp, …"."""
    folded = fold(subjects or "")
    kinds: set[ApplicantType] = set()
    if any(word in folded for word in _INDIVIDUAL_WORDS):
        kinds.add(ApplicantType.INDIVIDUAL)
    if any(word in folded for word in _ORGANISATION_WORDS):
        kinds.add(ApplicantType.ORGANISATION)
    return kinds


# --- Legal documents ----------------------------------------------------------------------

_DOC_NUMBER = re.compile(r"\b\d+/\d{4}/[A-ZĐ][A-ZĐ0-9-]*\d*", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_VN_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_TEXT_DATE = re.compile(
    r"ngay (\d{1,2})(?:[/.-](\d{1,2})[/.-]| thang (\d{1,2}) nam )(\d{4})"
)


def parse_date(value: str | None) -> date | None:
    """Read ``2014-11-20``, ``20/11/2014``, ``20-11-2014``; ``None`` if not a valid date."""
    if not value:
        return None
    value = value.strip()
    if match := _ISO_DATE.match(value):
        year, month, day = match.groups()
    elif match := _VN_DATE.match(value):
        day, month, year = match.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def find_document_number(text: str | None) -> str | None:
    """The first document number in a text ("… số 123/2015/NĐ-CP ngày …")."""
    match = _DOC_NUMBER.search(text or "")
    return match.group(0) if match else None


def find_document_date(text: str | None) -> date | None:
    """The first "ngày 24/3/2021" or "ngày 16 tháng 7 năm 2025" in a text."""
    match = _TEXT_DATE.search(fold(text or ""))
    if not match:
        return None
    day, month_a, month_b, year = match.groups()
    try:
        return date(int(year), int(month_a or month_b), int(day))
    except ValueError:
        return None


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None
