"""Checks and normal forms for personal identifiers: CCCD, Vietnamese mobile numbers, e-mail.

Each check returns Vietnamese messages (empty when valid), so forms, e-forms and the importer
show the same words for the same mistake.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

#: The 63 province codes (General Statistics Office) that open a CCCD number ("0" + code):
#: the place where the birth was registered, before the 2025 merger of provinces.
CCCD_PROVINCES = frozenset(
    "01 02 04 06 08 10 11 12 14 15 17 19 20 22 24 25 26 27 30 31 33 34 35 36 37 38 40 42 44 "
    "45 46 48 49 51 52 54 56 58 60 62 64 66 67 68 70 72 74 75 77 79 80 82 83 84 86 87 89 91 92 "
    "93 94 95 96".split()
)
#: Mobile prefixes in use (03x, 05x, 07x, 08x, 09x networks), without the leading 0.
MOBILE_PREFIXES = frozenset(
    "32 33 34 35 36 37 38 39 52 55 56 58 59 70 76 77 78 79 81 82 83 84 85 86 87 88 89 "
    "90 91 92 93 94 96 97 98 99".split()
)
GENDER_MALE, GENDER_FEMALE = "1", "2"
_DIGITS = re.compile(r"\D")


def cccd_problems(number: str | None, birth_date: date | None = None,
                  gender: str | None = None) -> list[str]:
    """What is wrong with a personal ID number, if anything.

    Structure (Thông tư 07/2016/TT-BCA): 3 digits of the province where the birth was
    registered, 1 digit for century and gender (0/1 for 1900s male/female, 2/3 for 2000s,
    4/5, 6/7, 8/9 for later centuries), 2 digits of the birth year, 6 random digits. When a
    birth date or gender is given, the number must agree with them.
    """
    number = (number or "").strip()
    if not re.fullmatch(r"\d{12}", number):
        return [str(_l("Số định danh cá nhân gồm đúng 12 chữ số."))]
    problems = []
    if number[0] != "0" or number[1:3] not in CCCD_PROVINCES:
        problems.append(str(_l("Ba chữ số đầu không phải mã tỉnh nơi đăng ký khai sinh.")))
    code = int(number[3])
    century = 1900 + 100 * (code // 2)
    year = century + int(number[4:6])
    if birth_date is not None and birth_date.year != year:
        problems.append(str(_l(
            "Số định danh cho biết năm sinh %(year)d, không khớp với ngày sinh đã khai.",
            year=year)))
    expected_gender = GENDER_FEMALE if code % 2 else GENDER_MALE
    if gender in (GENDER_MALE, GENDER_FEMALE) and gender != expected_gender:
        problems.append(str(_l("Chữ số thứ tư của số định danh không khớp với giới tính đã khai.")))
    return problems


def normalize_phone(raw: str | None) -> str | None:
    """``+84 912 345 678`` → ``0912345678``; None when it is not a Vietnamese mobile number."""
    digits = _DIGITS.sub("", raw or "")
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if len(digits) == 10 and digits[0] == "0" and digits[1:3] in MOBILE_PREFIXES:
        return digits
    return None


def phone_problems(raw: str | None) -> list[str]:
    """What is wrong with a mobile number, if anything."""
    if normalize_phone(raw) is None:
        return [str(_l("Nhập số điện thoại di động Việt Nam gồm 10 chữ số, ví dụ 0912 345 678."))]
    return []


def normalize_email(raw: str | None) -> str | None:
    """A new address in its normal form (lower case, Unicode normalised), or None if invalid."""
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


def email_key(raw: str | None) -> str | None:
    """An address as stored, for looking one up (no validity check: any stored address,
    such as the demo accounts' ``@demo.local``, can be found)."""
    text = unicodedata.normalize("NFC", (raw or "").strip()).lower()
    return text if "@" in text else None


def email_problems(raw: str | None) -> list[str]:
    """What is wrong with an e-mail address, if anything."""
    if normalize_email(raw) is None:
        return [str(_l("Nhập địa chỉ thư điện tử đúng dạng, ví dụ ten@example.com."))]
    return []


#: Besides letters and spaces, what names on official papers hold: Thu-Hà, O'Brien, H'Hen Niê
#: (also typed with ’, ʼ or the ʻokina), St. John.
NAME_PUNCTUATION = frozenset("-'.\u2019\u02bc\u02bb")
#: Combining marks one letter may carry once composed (NFC): Vietnamese needs none, some Latin
#: scripts one or two; a pile of them is a rendering attack, not a name.
MAX_MARKS_PER_LETTER = 2
NAME_MESSAGE = _l("Họ và tên chỉ gồm chữ cái (có dấu hoặc không), dấu cách, dấu gạch nối (-), "
                  "dấu nháy (') và dấu chấm (.); không có chữ số, biểu tượng hay ký hiệu "
                  "như < >.")


def normalize_name(raw: str | None) -> str:
    """A name as stored: NFC, runs of spaces made one, no outer spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw or "")).strip()


def name_problems(raw: str | None) -> list[str]:
    """What keeps ``raw`` from being a person's name on an official paper (empty: nothing;
    an empty name is the form's own concern).

    Letters of the Latin script (Vietnamese and others, with their marks), spaces, hyphen,
    apostrophe and dot; no digits, emoji, markup, control or invisible characters.
    """
    name = normalize_name(raw)
    if name and not _is_name(name):
        return [str(NAME_MESSAGE)]
    return []


def _is_name(name: str) -> bool:
    letters = marks = 0
    after_letter = False
    for char in name:
        if unicodedata.category(char).startswith("M"):
            marks += 1  # a combining mark belongs to the letter before it
            if not after_letter or marks > MAX_MARKS_PER_LETTER:
                return False
            continue
        marks = 0
        after_letter = char.isalpha() and unicodedata.name(char, "").startswith("LATIN ")
        if after_letter:
            letters += 1
        elif char != " " and char not in NAME_PUNCTUATION:
            return False
    return letters > 0


def identifier_kind(raw: str) -> str:
    """How someone logs in: ``"email"``, ``"id_number"`` (12 digits) or ``"phone"``."""
    raw = raw.strip()
    if "@" in raw:
        return "email"
    if re.fullmatch(r"\d{12}", _DIGITS.sub("", raw)) and not raw.startswith("+"):
        return "id_number"
    return "phone"
